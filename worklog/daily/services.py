"""State changes of an officer's day. Every rule is checked here, whatever the page showed."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app
from flask_babel import format_date, gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from models import (Assignment, DayLog, DayStatus, Entry, EntryStatus, FavouriteTask, MonthStatus, Person, TaskType,
                    WeekStatus, Completion)
from worklog import audit, locks, timekeeping
from worklog.catalog import queries as catalog
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.ledgers import services as ledgers
from worklog.permissions import require_own_day
from worklog.rules.points import COMPLETION_FACTORS, entry_points
from worklog.rulesets.queries import values_on

MAX_DESCRIPTION = 500
MAX_SELF_ASSESSMENT = 200
DAY_HOURS = Decimal("24")
ZERO = Decimal("0")
ENTRY_FIELDS = ("work_date", "task_type_id", "quantity", "hours", "description", "completion", "points", "status")


# --- Checks ------------------------------------------------------------------------------------------------


def check_open(person: Person, work_date: date, correcting: bool = False, lock: bool = True) -> Assignment:
    """The date must lie in the open window and the person must hold a post on it. An entry the supervisor
    returned can be corrected after the back-fill window has closed (``correcting``), never in a signed week.
    Without ``lock``, for a page that only shows whether the day is open, the week and the month are read in one
    query and nothing is held (every write checks again, under its locks)."""
    today = timekeeping.today()
    if work_date > today:
        raise ServiceError(_("You cannot log work for a future date."), "work_date")
    limit = int(current_app.config["BACKFILL_DAYS"])
    if work_date < today - timedelta(days=limit) and not correcting:
        raise ServiceError(_("Days more than %(n)d days back can no longer be changed.", n=limit), "work_date")
    assignment = person.assignment_on(work_date)
    if assignment is None:
        raise ServiceError(_("You had no post on %(day)s.", day=format_date(work_date)), "work_date")
    if lock:
        locks.require_week_open(person, work_date)
        locks.require_month_open(assignment.department.unit_id, work_date)
        return assignment
    week, month = locks.statuses(person, work_date, assignment.department.unit_id)
    if week == WeekStatus.signed.value:
        raise locks.signed_week_error()
    if month == MonthStatus.final.value:
        raise locks.sealed_month_error("work_date")
    return assignment


def _decimal(value, field: str, message) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError(str(message), field)
    if not number.is_finite():
        raise ServiceError(str(message), field)
    return number


def _validated(person: Person, data: dict, entry: Entry | None = None) -> dict:
    """Check an entry's values against every rule and compute its snapshot. Raises ServiceError."""
    work_date: date = data["work_date"]
    assignment = check_open(person, work_date, correcting=_correcting(entry))
    task_type: TaskType | None = data.get("task_type")
    version = catalog.available_version(task_type, assignment, work_date) if task_type is not None else None
    if version is None:
        if task_type is None or not catalog.is_available(task_type, assignment):
            raise ServiceError(_("Choose a task from your post's catalog."), "task_type")
        raise ServiceError(_("This task has no point value on that date."), "task_type")
    quantity = _decimal(data.get("quantity"), "quantity", _l("The quantity must be a number."))
    hours = _decimal(data.get("hours") if data.get("hours") is not None else 0, "hours",
                     _l("The hours must be a number."))
    if quantity <= 0:
        raise ServiceError(_("The quantity must be above 0."), "quantity")
    if quantity != quantity.quantize(Decimal("0.01")):
        raise ServiceError(_("The quantity has at most two decimals."), "quantity")
    if hours < 0 or hours > DAY_HOURS:
        raise ServiceError(_("Hours must be between 0 and 24."), "hours")
    if hours != hours.quantize(Decimal("0.01")):
        raise ServiceError(_("Hours have at most two decimals."), "hours")
    description = (data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise ServiceError(_("The description may have at most %(n)d characters.", n=MAX_DESCRIPTION), "description")
    completion = data.get("completion")
    if completion not in COMPLETION_FACTORS:
        raise ServiceError(_("Choose how far the task was completed."), "completion")

    # The day's other entries: the same task's quantity (against its daily cap) and all hours, in one query.
    others = select(func.coalesce(func.sum(Entry.quantity).filter(Entry.task_type_id == task_type.id), 0),
                    func.coalesce(func.sum(Entry.hours), 0)).where(Entry.person_id == person.id,
                                                                   Entry.work_date == work_date)
    if entry is not None:
        others = others.where(Entry.id != entry.id)
    same_task, day_hours = db.session.execute(others).one()
    if Decimal(same_task) + quantity > version.daily_cap:
        raise ServiceError(_("At most %(cap)s %(unit)s of this task a day; %(used)s already logged.",
                             cap=_plain(version.daily_cap), unit=task_type.unit_of_measure,
                             used=_plain(Decimal(same_task))), "quantity")
    if Decimal(day_hours) + hours > DAY_HOURS:
        raise ServiceError(_("A day has at most 24 hours; %(used)s are already logged.",
                             used=_plain(Decimal(day_hours))), "hours")
    factor = completion_factor(completion, work_date)
    post = assignment.post
    return {
        "work_date": work_date, "task_type_id": task_type.id, "task_type_version_id": version.id,
        "category_id": task_type.category_id, "unit_id": assignment.department.unit_id,
        "department_id": assignment.department_id, "post_id": post.id, "sequence_id": post.sequence_id,
        "quantity": quantity, "hours": hours, "description": description, "completion": completion,
        "standard_points": version.standard_points, "completion_factor": factor, "coefficient": post.coefficient,
        "points": entry_points(quantity, version.standard_points, factor, post.coefficient),
    }


def completion_factor(completion: str, work_date: date) -> Decimal:
    """The factor of 完成 / 基本完成 / 未完成 in the rule set in force on the work date."""
    rules = values_on(work_date)
    return {"done": rules.completion_done, "mostly": rules.completion_mostly,
            "not_done": rules.completion_not_done}[completion]


def _correcting(entry: Entry | None) -> bool:
    return entry is not None and entry.status == EntryStatus.returned.value


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral() else str(number)


def _require_own(person: Person, actor: Person) -> None:
    require_own_day(person, actor)


# --- The day ----------------------------------------------------------------------------------------------------


def day_log(person: Person, work_date: date, assignment: Assignment) -> DayLog:
    """The person's log for a date, created (open) on first use."""
    day = db.session.scalar(select(DayLog).where(DayLog.person_id == person.id, DayLog.work_date == work_date))
    if day is None:
        ledgers.hold_officers([person.id])  # the week roll-up counts the officer's first day of the week once
        day = DayLog(person_id=person.id, work_date=work_date, unit_id=assignment.department.unit_id,
                     department_id=assignment.department_id, sequence_id=assignment.post.sequence_id,
                     status=DayStatus.open.value, deadline_at=timekeeping.deadline_for(work_date))
        db.session.add(day)
        db.session.flush()
        ledgers.days_logged([(person.id, day.unit_id, work_date)])
    return day


def add_entry(person: Person, data: dict, actor: Person) -> Entry:
    _require_own(person, actor)
    values = _validated(person, data)
    day = day_log(person, values["work_date"], person.assignment_on(values["work_date"]))
    status = EntryStatus.submitted.value if day.status == DayStatus.submitted.value else EntryStatus.draft.value
    entry = Entry(day_id=day.id, person_id=person.id, status=status, **values)
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "entry.created", "entry", entry.id, unit_id=entry.unit_id,
                 after=audit.snapshot(entry, ENTRY_FIELDS))
    ledgers.add_to_day(person.id, entry.work_date, 1, entry.hours, entry.points, ZERO)
    return entry


def _require_system_values(entry: Entry, data: dict) -> None:
    """An entry a business system's fact made keeps the system's task and quantity: only the system changes them
    (by sending the fact again); the officer adds the hours, the completion and a description."""
    if entry.fact_id is None:
        return
    task_type = data.get("task_type")
    try:
        quantity = Decimal(str(data.get("quantity")))
    except (InvalidOperation, ValueError):
        quantity = None
    if task_type is None or task_type.id != entry.task_type_id or quantity != entry.quantity:
        raise ServiceError(_("The task and quantity of this entry come from %(source)s, and only that system changes "
                             "them. You can change the hours, the completion and the description.",
                             source=entry.source), "quantity")


def update_entry(entry: Entry, data: dict, actor: Person) -> Entry:
    person = db.session.get(Person, entry.person_id)
    _require_own(person, actor)
    if not entry.editable:
        raise ServiceError(_("This entry has been reviewed and can no longer be changed."))
    _require_system_values(entry, data)
    check_open(person, entry.work_date, correcting=_correcting(entry))
    values = _validated(person, {**data, "work_date": entry.work_date}, entry)
    before = audit.snapshot(entry, ENTRY_FIELDS)
    was = (entry.hours, entry.points, entry.approved_points or ZERO)
    for name, value in values.items():
        setattr(entry, name, value)
    if entry.status == EntryStatus.returned.value:
        entry.status = EntryStatus.resubmitted.value  # corrected: back to the supervisor's queue
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(entry, ENTRY_FIELDS))
    if new:
        audit.record(actor, "entry.updated", "entry", entry.id, unit_id=entry.unit_id, before=old, after=new)
    ledgers.add_to_day(person.id, entry.work_date, 0, entry.hours - was[0], entry.points - was[1],
                       (entry.approved_points or ZERO) - was[2])
    return entry


def delete_entry(entry: Entry, actor: Person) -> None:
    person = db.session.get(Person, entry.person_id)
    _require_own(person, actor)
    if entry.fact_id is not None:
        raise ServiceError(_("This entry comes from %(source)s and cannot be deleted. If it is wrong, tell your "
                             "supervisor: they can adjust its points when they review the week.",
                             source=entry.source))
    if not entry.editable:
        raise ServiceError(_("This entry has been reviewed and can no longer be changed."))
    check_open(person, entry.work_date, correcting=_correcting(entry))
    audit.record(actor, "entry.deleted", "entry", entry.id, unit_id=entry.unit_id,
                 before=audit.snapshot(entry, ENTRY_FIELDS))
    work_date, was = entry.work_date, (entry.hours, entry.points, entry.approved_points or ZERO)
    db.session.delete(entry)
    db.session.flush()
    ledgers.add_to_day(person.id, work_date, -1, -was[0], -was[1], -was[2])


def submit_day(person: Person, work_date: date, self_assessment: str, actor: Person) -> DayLog:
    """Submit the day with its one-line self-assessment; late when after the deadline."""
    _require_own(person, actor)
    assignment = check_open(person, work_date)
    text = (self_assessment or "").strip()
    if not text:
        raise ServiceError(_("Write a one-line self-assessment of the day."), "self_assessment")
    if len(text) > MAX_SELF_ASSESSMENT:
        raise ServiceError(_("The self-assessment may have at most %(n)d characters.", n=MAX_SELF_ASSESSMENT),
                           "self_assessment")
    day = day_log(person, work_date, assignment)
    before = audit.snapshot(day, ("status", "self_assessment", "late"))
    first_submission = day.status != DayStatus.submitted.value
    day.self_assessment = text
    if first_submission:
        now = timekeeping.now()
        day.status = DayStatus.submitted.value
        day.submitted_at = now
        day.late = now > day.deadline_at
    for entry in day.entries:
        if entry.status == EntryStatus.draft.value:
            entry.status = EntryStatus.submitted.value
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(day, ("status", "self_assessment", "late")))
    audit.record(actor, "day.submitted" if first_submission else "day.self_assessment_changed", "day_log",
                 day.id, unit_id=day.unit_id, before=old, after=new)
    return day


def copy_previous_day(person: Person, work_date: date, actor: Person) -> list[Entry]:
    """Copy the entries of the officer's last logged day before ``work_date`` as drafts ("copy yesterday")."""
    _require_own(person, actor)
    check_open(person, work_date)
    source_date = db.session.scalar(select(func.max(Entry.work_date)).where(
        Entry.person_id == person.id, Entry.work_date < work_date, Entry.fact_id.is_(None)))
    if source_date is None:
        raise ServiceError(_("There is no earlier day to copy."))
    # The officer's own lines only: what a business system reported arrives from that system, not by copying.
    sources = list(db.session.scalars(select(Entry).where(Entry.person_id == person.id, Entry.fact_id.is_(None),
                                                          Entry.work_date == source_date).order_by(Entry.id)))
    copied = []
    for source in sources:
        copied.append(add_entry(person, {
            "work_date": work_date, "task_type": source.task_type, "quantity": source.quantity,
            "hours": source.hours, "description": source.description, "completion": Completion.done.value,
        }, actor))
    return copied


def toggle_favourite(person: Person, task_type: TaskType) -> bool:
    """Mark or unmark a task as one of the officer's usual ones. Returns True when it is now a favourite."""
    existing = db.session.get(FavouriteTask, (person.id, task_type.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    db.session.add(FavouriteTask(person_id=person.id, task_type_id=task_type.id))
    db.session.flush()
    return True
