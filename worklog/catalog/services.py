"""Changes to the task catalog and the working-day calendar. Point values change only by dated versions."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask_babel import format_date, gettext as _
from sqlalchemy import exists, select

from models import CalendarDay, Entry, Person, Post, Sequence, TaskCategory, TaskType, TaskTypeVersion
from worklog import audit, locks
from worklog.errors import ServiceError
from worklog.extensions import db

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
