"""Changes to the task catalog and the working-day calendar. Point values change only by dated versions."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import format_date, gettext as _
from sqlalchemy import exists, func, select

from models import (CalendarDay, DepartmentMonthCategory, Entry, Indicator, Measure, Person, Post, Sequence,
                    TaskCategory, TaskType, TaskTypeVersion)
from worklog import audit, locks
from worklog.errors import ServiceError
from worklog.extensions import db

CATEGORY_FIELDS = ("code", "name", "position")
TYPE_FIELDS = ("code", "name", "category_id", "sequence_id", "unit_of_measure", "active")
VERSION_FIELDS = ("task_type_id", "valid_from", "standard_points", "daily_cap")
CENT = Decimal("0.01")


def _points(value, field: str) -> Decimal:
    number = Decimal(str(value)).quantize(CENT)
    if number < 0 or number > Decimal("10000"):
        raise ServiceError(_("Standard points must be between 0 and 10000."), field)
    return number


def _cap(value, field: str) -> Decimal:
    number = Decimal(str(value)).quantize(CENT)
    if number <= 0 or number > Decimal("100000"):
        raise ServiceError(_("The daily cap must be above 0."), field)
    return number


def save_task_type(task_type: TaskType | None, data: dict, actor: Person | None) -> TaskType:
    """Create or edit a task type (not its point values: see :func:`add_version`)."""
    code = (data.get("code") or "").strip()
    clash = db.session.scalar(select(TaskType.id).where(TaskType.code == code))
    if clash is not None and (task_type is None or clash != task_type.id):
        raise ServiceError(_("The code %(code)s is already in use.", code=code), "code")
    category: TaskCategory = data["category"]
    sequence: Sequence | None = data.get("sequence")
    posts: list[Post] = list(data.get("posts") or [])
    if sequence is not None and any(p.sequence_id != sequence.id for p in posts):
        raise ServiceError(_("The posts must belong to the task's sequence."), "posts")
    values = {"code": code, "name": (data.get("name") or "").strip(), "category_id": category.id,
              "sequence_id": sequence.id if sequence else None,
              "unit_of_measure": (data.get("unit_of_measure") or "").strip(), "active": data.get("active", True)}
    if task_type is None:
        task_type = TaskType(**values, posts=posts)
        db.session.add(task_type)
        db.session.flush()
        add_version(task_type, data, actor)
        audit.record(actor, "task_type.created", "task_type", task_type.id,
                     after=audit.snapshot(task_type, TYPE_FIELDS) | {"posts": [p.code for p in posts]})
        return task_type
    before = audit.snapshot(task_type, TYPE_FIELDS) | {"posts": [p.code for p in task_type.posts]}
    for name, value in values.items():
        setattr(task_type, name, value)
    task_type.posts = posts
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(task_type, TYPE_FIELDS) | {"posts": [p.code for p in posts]})
    if new:
        audit.record(actor, "task_type.updated", "task_type", task_type.id, before=old, after=new)
    return task_type


def save_category(category: TaskCategory | None, data: dict, actor: Person | None) -> TaskCategory:
    """Create or edit a task category (a column of the classified ledgers). A new one goes last unless given a
    position."""
    code = (data.get("code") or "").strip()
    name = (data.get("name") or "").strip()
    if not code or len(code) > 32 or not re.fullmatch(r"[A-Za-z0-9_.\-]+", code):
        raise ServiceError(_("Use letters, digits, dot, dash or underscore only."), "code")
    if not name or len(name) > 60:
        raise ServiceError(_("A name of at most %(n)d characters is required.", n=60), "name")
    clash = db.session.scalar(select(TaskCategory.id).where(TaskCategory.code == code))
    if clash is not None and (category is None or clash != category.id):
        raise ServiceError(_("The code %(code)s is already in use.", code=code), "code")
    clash = db.session.scalar(select(TaskCategory.id).where(TaskCategory.name == name))
    if clash is not None and (category is None or clash != category.id):
        raise ServiceError(_("Another category is already called %(name)s.", name=name), "name")
    position = data.get("position")
    if position is None and category is not None:
        position = category.position
    elif position is None:
        highest = db.session.scalar(select(func.max(TaskCategory.position)))
        position = 0 if highest is None else highest + 1
    if not 0 <= int(position) <= 9999:
        raise ServiceError(_("The order must be between 0 and 9999."), "position")
    values = {"code": code, "name": name, "position": int(position)}
    if category is None:
        category = TaskCategory(**values)
        db.session.add(category)
        db.session.flush()
        audit.record(actor, "task_category.created", "task_category", category.id,
                     after=audit.snapshot(category, CATEGORY_FIELDS))
        return category
    before = audit.snapshot(category, CATEGORY_FIELDS)
    for field, value in values.items():
        setattr(category, field, value)
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(category, CATEGORY_FIELDS))
    if new:
        audit.record(actor, "task_category.updated", "task_category", category.id, before=old, after=new)
    return category


def category_in_use(category: TaskCategory) -> bool:
    """Whether anything refers to the category: a task type, an entry, a month's ledger or an indicator that
    counts its points. Such a category stays, as past months are read through it."""
    checks = [
        exists().where(TaskType.category_id == category.id),
        exists().where(Entry.category_id == category.id),
        exists().where(DepartmentMonthCategory.category_id == category.id),
        exists().where(Indicator.measure == Measure.ledger_points.value,
                       Indicator.measure_param == str(category.id)),
    ]
    return any(db.session.scalar(select(check)) for check in checks)


def delete_category(category: TaskCategory, actor: Person | None) -> None:
    """Remove a category nothing refers to (one made by mistake). One in use is refused: its task types are
    retired instead, each on its own page, and past ledgers keep the category as a column."""
    if category_in_use(category):
        raise ServiceError(_("The category %(name)s is in use (by task types, entries, ledgers or indicators) and "
                             "cannot be deleted. To stop its work being logged, mark its task types as not in use.",
                             name=category.name))
    audit.record(actor, "task_category.deleted", "task_category", category.id,
                 before=audit.snapshot(category, CATEGORY_FIELDS))
    db.session.delete(category)
    db.session.flush()


def add_version(task_type: TaskType, data: dict, actor: Person | None) -> TaskTypeVersion:
    """New point values from a date on. Entries keep the values they were computed with; a version that
    entries already use cannot be altered, only followed by a later one."""
    valid_from: date = data["valid_from"]
    points = _points(data["standard_points"], "standard_points")
    cap = _cap(data["daily_cap"], "daily_cap")
    existing = db.session.scalar(select(TaskTypeVersion).where(
        TaskTypeVersion.task_type_id == task_type.id, TaskTypeVersion.valid_from == valid_from))
    if existing is not None:
        if db.session.scalar(select(exists().where(Entry.task_type_version_id == existing.id))):
            raise ServiceError(_("Entries already use the values from %(day)s; give the new values a later date.",
                                 day=format_date(valid_from)), "valid_from")
        before = audit.snapshot(existing, VERSION_FIELDS)
        existing.standard_points, existing.daily_cap = points, cap
        db.session.flush()
        old, new = audit.changes(before, audit.snapshot(existing, VERSION_FIELDS))
        if new:
            audit.record(actor, "task_type.values_corrected", "task_type", task_type.id, before=old, after=new)
        return existing
    version = TaskTypeVersion(task_type_id=task_type.id, valid_from=valid_from, standard_points=points,
                              daily_cap=cap, created_by_id=actor.id if actor else None)
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "task_type.values_dated", "task_type", task_type.id,
                 after=audit.snapshot(version, VERSION_FIELDS))
    return version


def set_calendar_day(day: date, working: bool, name: str, actor: Person | None) -> CalendarDay:
    """Make ``day`` a holiday or a (make-up) working day. Deadlines of days already logged are kept."""
    name = (name or "").strip()
    if len(name) > 60:
        raise ServiceError(_("At most %(n)d characters.", n=60), "name")
    row = db.session.get(CalendarDay, day)
    _require_unsealed_day(day, _working(day, row), working)
    before = audit.snapshot(row, ("working", "name")) if row else None
    if row is None:
        row = CalendarDay(day=day, working=working, name=name)
        db.session.add(row)
    else:
        row.working, row.name = working, name
    db.session.flush()
    audit.record(actor, "calendar.set", "calendar_day", None, before=before,
                 after={"day": day.isoformat(), "working": working, "name": name})
    return row


def clear_calendar_day(row: CalendarDay, actor: Person | None) -> None:
    """Back to the plain rule: Monday to Friday working, weekends off."""
    _require_unsealed_day(row.day, row.working, _working(row.day, None))
    audit.record(actor, "calendar.cleared", "calendar_day", None,
                 before={"day": row.day.isoformat(), "working": row.working, "name": row.name})
    db.session.delete(row)
    db.session.flush()


def _working(day: date, row: CalendarDay | None) -> bool:
    return row.working if row is not None else day.weekday() < 5


def _require_unsealed_day(day: date, was_working: bool, working: bool) -> None:
    """The calendar is the province's: a day that becomes a holiday or a working day changes the working days
    (and day clearance) of every unit's month holding it, so none of them may be final. Renaming a day changes
    no figure and stays possible."""
    if was_working != working:
        locks.require_unsealed(day, day, units=locks.EVERY_UNIT, field="day")
