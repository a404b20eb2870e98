"""State changes of the supervisor's week. Each checks who may act, writes an audit event and flushes.

Concurrency: entries and weeks carry a version. A form sends the version its page showed; if the row has
changed since, or changes under us (SQLAlchemy's version check at flush), the action is refused with a
:class:`Conflict` and nothing is kept, so nothing is lost or counted twice.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _

from models import (AssignedTask, AssignedTaskStatus, Delegation, Entry, EntryStatus, Person,
                    TaskType, WeekReview, WeekStatus, utcnow)
from worklog import audit, integrity, locks, notifications, timekeeping
from worklog.auth.services import confirm_password
from worklog.daily import services as daily
from worklog.errors import Conflict, ServiceError
from worklog.extensions import db
from worklog.ledgers import services as ledgers
from worklog.permissions import has_role, may_act_for, may_delegate_for
from worklog.rulesets.queries import values_on
from worklog.weekly import queries

ENTRY_REVIEW_FIELDS = ("status", "approved_points", "review_note", "reviewed_by_id")
MAX_NOTE = 500


def _officer(entry: Entry) -> Person:
    return db.session.get(Person, entry.person_id)


def _check_version(obj, seen: int | None) -> None:
    if seen is not None and obj.version != seen:
        raise Conflict(_("Someone else changed this at the same time. Reload the page and try again."))


def _check_reviewer(actor: Person, entry: Entry) -> Person:
    officer = _officer(entry)
    if not queries.may_review(actor, officer, entry.work_date):
        raise ServiceError(_("You do not review this officer's work on that day."))
    if locks.week_status(officer, entry.work_date, lock=True) == WeekStatus.signed.value:
        raise ServiceError(_("This week has been signed; its entries can no longer change."))
    _require_unsealed(entry.unit_id, entry.work_date, entry.work_date)
    if entry.status in (EntryStatus.draft.value,):
        raise ServiceError(_("The officer has not submitted this entry yet."))
    return officer


def _record_review(entry: Entry, actor: Person, action: str, before: dict, reason: str = "") -> None:
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(entry, ENTRY_REVIEW_FIELDS))
    audit.record(actor, action, "entry", entry.id, unit_id=entry.unit_id, before=old, after=new, reason=reason)
    was = Decimal(before["approved_points"]) if before.get("approved_points") is not None else Decimal("0")
    now = entry.approved_points if entry.approved_points is not None else Decimal("0")
    if now != was:
        ledgers.add_to_day(entry.person_id, entry.work_date, 0, Decimal("0"), Decimal("0"), now - was)


def approve(entry: Entry, actor: Person, seen_version: int | None = None) -> Entry:
    _check_version(entry, seen_version)
    _check_reviewer(actor, entry)
    if entry.status == EntryStatus.returned.value:
        raise ServiceError(_("This entry was returned to the officer; wait for the corrected one."))
    before = audit.snapshot(entry, ENTRY_REVIEW_FIELDS)
    entry.status = EntryStatus.approved.value
    entry.approved_points = entry.points
    entry.review_note = ""
    entry.reviewed_by_id, entry.reviewed_at = actor.id, utcnow()
    _record_review(entry, actor, "entry.approved", before)
    return entry


def adjust_bound(day: date | None = None) -> Decimal:
    """How far a supervisor may adjust points either way: the rule set's bound for that day."""
    return values_on(day or timekeeping.today()).adjust_bound


def adjust(entry: Entry, points, reason: str, actor: Person, seen_version: int | None = None) -> Entry:
    """Approve with other points than the officer's, within the bound (default ±30%), for a stated reason."""
    _check_version(entry, seen_version)
    _check_reviewer(actor, entry)
    if entry.status == EntryStatus.returned.value:
        raise ServiceError(_("This entry was returned to the officer; wait for the corrected one."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason for adjusting the points."), "reason")
    if len(reason) > MAX_NOTE:
        raise ServiceError(_("The reason may have at most %(n)d characters.", n=MAX_NOTE), "reason")
    try:
        new = Decimal(str(points)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ServiceError(_("The points must be a number."), "points")
    bound = adjust_bound(entry.work_date)
    low = (entry.points * (1 - bound)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    high = (entry.points * (1 + bound)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if not low <= new <= high:
        raise ServiceError(_("Adjusted points must stay between %(low)s and %(high)s (±%(pct)s%% of %(points)s).",
                             low=low, high=high, pct=int(bound * 100), points=entry.points), "points")
    before = audit.snapshot(entry, ENTRY_REVIEW_FIELDS)
    entry.status = EntryStatus.approved.value
    entry.approved_points = new
    entry.review_note = reason
    entry.reviewed_by_id, entry.reviewed_at = actor.id, utcnow()
    _record_review(entry, actor, "entry.adjusted", before, reason)
    return entry


def return_entry(entry: Entry, comment: str, actor: Person, seen_version: int | None = None) -> Entry:
    """Send an entry back to the officer with a comment; they correct it and it comes back to the queue."""
    _check_version(entry, seen_version)
    officer = _check_reviewer(actor, entry)
    comment = (comment or "").strip()
    if not comment:
        raise ServiceError(_("Say what the officer should correct."), "comment")
    if len(comment) > MAX_NOTE:
        raise ServiceError(_("The comment may have at most %(n)d characters.", n=MAX_NOTE), "comment")
    before = audit.snapshot(entry, ENTRY_REVIEW_FIELDS)
    entry.status = EntryStatus.returned.value
    entry.approved_points = None
    entry.review_note = comment
    entry.returned_count = (entry.returned_count or 0) + 1
    entry.reviewed_by_id, entry.reviewed_at = actor.id, utcnow()
    _record_review(entry, actor, "entry.returned", before, comment)
    notify(officer, "entry_returned", {"task": entry.task_type.name, "day": entry.work_date.isoformat(),
                                       "by": actor.name, "comment": comment},
           "daily.day_page", day=entry.work_date.isoformat())
    return entry


def approve_all(person: Person, monday: date, actor: Person) -> int:
    """Approve every entry of the week that waits for this reviewer."""
    count = 0
    for entry in queries.week_entries(person.id, monday):
        if entry.status in queries.PENDING and queries.may_review(actor, person, entry.work_date):
            approve(entry, actor)
            count += 1
    if count == 0:
        raise ServiceError(_("No entry of this week waits for your review."))
    return count


# --- Signing -------------------------------------------------------------------------------------------------------


def check_signable(person: Person, monday: date, actor: Person, counts: queries.WeekCounts | None = None) -> list[str]:
    """Why the week cannot be signed by ``actor`` now (empty when it can)."""
    reasons = []
    if not queries.may_sign(actor, person, monday):
        reasons.append(_("You are not the supervisor who signs this week."))
    if timekeeping.today() <= monday + timedelta(days=6):
        reasons.append(_("The week has not ended yet."))
    counts = counts or queries.week_counts(person.id, monday)
    if counts.pending:
        reasons.append(_("%(n)d entries still wait for review.", n=counts.pending))
    if counts.unfinished:
        reasons.append(_("%(n)d entries are returned or not yet submitted.", n=counts.unfinished))
    return reasons


def bulk_skip_reasons(row: queries.WeekRow) -> list[str]:
    """Why signing many weeks at once leaves this one out, besides :func:`check_signable`: a week with no entry
    or no submitted day is not signed in passing (a supervisor who means to sign it does so on its page)."""
    reasons = []
    if row.entries == 0:
        reasons.append(_("The week has no entries."))
    if row.days_submitted == 0:
        reasons.append(_("No day of the week was submitted."))
    return reasons


def _require_unsealed(unit_id: int, first: date, last: date) -> None:
    locks.require_month_open(unit_id, first, last, field=None)


def _sign(person: Person, monday: date, actor: Person) -> WeekReview:
    if not queries.may_sign(actor, person, monday):
        raise ServiceError(_("You are not the supervisor who signs this week."))
    # The lock first, the checks after it: a write into the week already under way finishes before the
    # entries are read, and any later one waits and then finds the week signed.
    review = locks.lock_week_for_closing(person, monday)
    if review is None:
        raise ServiceError(_("You are not the supervisor who signs this week."))
    if review.status == WeekStatus.signed.value:
        raise Conflict(_("This week has already been signed."))
    counts = queries.week_counts(person.id, monday)
    reasons = check_signable(person, monday, actor, counts)
    if reasons:
        raise ServiceError(" ".join(reasons))
    _require_unsealed(review.unit_id, monday, monday + timedelta(days=6))
    before = audit.snapshot(review, ("status", "entries", "points", "approved_points"))
    review.status = WeekStatus.signed.value
    review.entries, review.points, review.approved_points = counts.approved, counts.points, counts.approved_points
    review.signed_by_id, review.signed_at = actor.id, utcnow()
    db.session.flush()
    # Under the week's row lock taken above: the seal chains to the officer's previous one.
    integrity.seal_week(db.session, review, actor)
    audit.record(actor, "week.signed", "week_review", review.id, unit_id=review.unit_id, before=before,
                 after=audit.snapshot(review, ("status", "entries", "points", "approved_points")))
    notifications.week_signed(review, actor)
    return review


def sign_week(person: Person, monday: date, actor: Person, password: str) -> WeekReview:
    """Sign the week after re-entering the password: its entries are locked and its approved points recorded.
    The password is limited as a sign-in is (a refusal raises :class:`PasswordRefused` before any change)."""
    confirm_password(actor, password)
    return sign_checked(person, monday, actor)


def sign_checked(person: Person, monday: date, actor: Person) -> WeekReview:
    """:func:`sign_week` once the password has been checked: the week row, its entries and the ledgers."""
    review = _sign(person, monday, actor)
    ledgers.sign_weeks([person.id], monday)
    return review


def bulk_sign(people: list[Person], monday: date, actor: Person, password: str) -> list[WeekReview]:
    """Sign every ready week of the team in one action; weeks that cannot be signed are left as they are. The
    ledgers take the signed weeks all at once."""
    confirm_password(actor, password)
    signed = []
    # In the order of the officers' ids, as every change that locks several officers' rows takes them, so that a
    # bulk signature and, say, an import of transfers never wait for each other in a circle.
    rows = sorted(queries.week_rows([p.id for p in people], monday, for_signing=True), key=lambda r: r.person.id)
    for row in rows:
        if row.state != queries.QueueState.ready or not queries.may_sign(actor, row.person, monday) \
                or bulk_skip_reasons(row):
            continue
        signed.append(_sign(row.person, monday, actor))
    if not signed:
        raise ServiceError(_("No week was ready to sign."))
    ledgers.sign_weeks([review.person_id for review in signed], monday)
    return signed


def unsign_week(review: WeekReview, reason: str, actor: Person, seen_version: int | None = None) -> WeekReview:
    """Only the unit's assessment panel reopens a signed week, with a recorded reason."""
    review = locks.lock_week_for_closing(db.session.get(Person, review.person_id), review.week_start)
    _check_version(review, seen_version)
    from models import Unit
    unit = db.session.get(Unit, review.unit_id)
    if not has_role(actor, "panel", unit):
        raise ServiceError(_("Only the unit's assessment panel can reopen a signed week."))
    if review.person_id == actor.id:
        raise ServiceError(_("Nobody reopens their own week."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason for reopening the week."), "reason")
    if review.status != WeekStatus.signed.value:
        raise Conflict(_("This week is not signed."))
    _require_unsealed(review.unit_id, review.week_start, review.week_start + timedelta(days=6))
    before = audit.snapshot(review, ("status", "signed_by_id", "approved_points"))
    # The one flow that may change a signed week's rows: the PostgreSQL triggers let this transaction through,
    # and the chain records the reopening, so verify expects the week open.
    integrity.allow_reopening(db.session)
    review.status = WeekStatus.open.value
    review.signed_by_id, review.signed_at = None, None
    db.session.flush()
    integrity.record_reopening(db.session, integrity.SealKind.week, review, actor)
    ledgers.mark_week(review.person_id, review.week_start, False)
    audit.record(actor, "week.unsigned", "week_review", review.id, unit_id=review.unit_id, before=before,
                 after=audit.snapshot(review, ("status", "signed_by_id", "approved_points")), reason=reason)
    return review


# --- Delegation -----------------------------------------------------------------------------------------------------


def no_such_badge(badge: str, field: str) -> ServiceError:
    return ServiceError(_("No person with badge number %(badge)s in your unit.", badge=(badge or "").strip()), field)


def delegate(supervisor: Person, acting: Person, start: date, end: date, reason: str, actor: Person) -> Delegation:
    """Name an acting supervisor for a date range. The supervisor names one, or an administrator over them."""
    # A badge outside one's scope is answered as one that does not exist: the flash names the acting supervisor.
    if not may_delegate_for(actor, supervisor):
        raise no_such_badge(supervisor.badge, "supervisor")
    if not may_act_for(acting, supervisor):
        raise no_such_badge(acting.badge, "acting")
    if acting.id == supervisor.id:
        raise ServiceError(_("Choose someone else as the acting supervisor."), "acting")
    if not acting.active:
        raise ServiceError(_("The acting supervisor's account is not active."), "acting")
    if end < start:
        raise ServiceError(_("The last day comes before the first."), "end_date")
    if (end - start).days > 366:
        raise ServiceError(_("A delegation lasts at most a year."), "end_date")
    reason = (reason or "").strip()[:200]
    delegation = Delegation(supervisor_id=supervisor.id, acting_id=acting.id, start_date=start, end_date=end,
                            reason=reason, created_by_id=actor.id)
    db.session.add(delegation)
    db.session.flush()
    audit.record(actor, "delegation.created", "delegation", delegation.id, unit_id=audit.unit_of(supervisor),
                 after={"supervisor": supervisor.badge, "acting": acting.badge, "start": start.isoformat(),
                        "end": end.isoformat()}, reason=reason)
    notify(acting, "delegated", {"supervisor": supervisor.name, "start": start.isoformat(), "end": end.isoformat()},
           "weekly.queue")
    return delegation


def revoke_delegation(delegation: Delegation, actor: Person) -> None:
    if delegation.revoked_at is not None:
        raise Conflict(_("This delegation has already ended."))
    supervisor = db.session.get(Person, delegation.supervisor_id)
    if actor.id != supervisor.id:
        from worklog.permissions import home_unit
        unit = home_unit(supervisor)
        if unit is None or not has_role(actor, "admin", unit):
            raise ServiceError(_("Only the supervisor or their administrator can end a delegation."))
    delegation.revoked_at = utcnow()
    db.session.flush()
    audit.record(actor, "delegation.revoked", "delegation", delegation.id, unit_id=audit.unit_of(supervisor),
                 before={"revoked": False}, after={"revoked": True})


# --- Assigned tasks (派工) -------------------------------------------------------------------------------------------


def assign_task(officers: list[Person], data: dict, actor: Person) -> list[AssignedTask]:
    task_type: TaskType = data["task_type"]
    due: date = data["due_date"]
    note = (data.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        raise ServiceError(_("The note may have at most %(n)d characters.", n=MAX_NOTE), "note")
    try:
        quantity = Decimal(str(data["expected_quantity"])).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, KeyError):
        raise ServiceError(_("The quantity must be a number."), "expected_quantity")
    if quantity <= 0:
        raise ServiceError(_("The quantity must be above 0."), "expected_quantity")
    if due < timekeeping.today():
        raise ServiceError(_("The due date has already passed."), "due_date")
    if not officers:
        raise ServiceError(_("Choose at least one officer."), "officers")
    created = []
    from worklog.catalog import queries as catalog
    for officer in officers:
        if not queries.may_review(actor, officer, timekeeping.today()):
            raise ServiceError(_("%(name)s is not in your team.", name=officer.name), "officers")
        assignment = officer.assignment_on(timekeeping.today())
        if assignment is None or not catalog.is_available(task_type, assignment):
            raise ServiceError(_("%(task)s is not a task of %(name)s's post.", task=task_type.name,
                                 name=officer.name), "task_type")
        task = AssignedTask(person_id=officer.id, assigned_by_id=actor.id, task_type_id=task_type.id,
                            expected_quantity=quantity, due_date=due, note=note)
        db.session.add(task)
        db.session.flush()
        audit.record(actor, "task.assigned", "assigned_task", task.id, unit_id=assignment.department.unit_id,
                     after={"officer": officer.badge, "task": task_type.code, "quantity": str(quantity),
                            "due": due.isoformat()})
        notify(officer, "task_assigned", {"task": task_type.name, "quantity": str(quantity.normalize()),
                                          "due": due.isoformat(), "by": actor.name, "note": note},
               "daily.day_page", day=timekeeping.today().isoformat())
        created.append(task)
    return created


def log_assigned_task(task: AssignedTask, work_date: date, actor: Person, seen_version: int | None = None) -> Entry:
    """The officer logs an assigned task: a prefilled entry on ``work_date``, and the task is done."""
    _check_version(task, seen_version)
    if task.person_id != actor.id:
        raise ServiceError(_("Only the officer can log their own assigned task."))
    if task.status != AssignedTaskStatus.open.value:
        raise Conflict(_("This task has already been logged or withdrawn."))
    entry = daily.add_entry(actor, {"work_date": work_date, "task_type": task.task_type,
                                    "quantity": task.expected_quantity, "hours": Decimal("0"),
                                    "description": task.note, "completion": "done"}, actor)
    task.status = AssignedTaskStatus.done.value
    task.entry_id, task.entry_date, task.done_at = entry.id, entry.work_date, utcnow()
    db.session.flush()
    audit.record(actor, "task.logged", "assigned_task", task.id, unit_id=entry.unit_id,
                 after={"entry": entry.id, "day": work_date.isoformat()})
    return entry


def cancel_assigned_task(task: AssignedTask, actor: Person) -> None:
    if task.assigned_by_id != actor.id:
        raise ServiceError(_("Only whoever assigned a task can withdraw it."))
    if task.status != AssignedTaskStatus.open.value:
        raise Conflict(_("This task has already been logged or withdrawn."))
    task.status = AssignedTaskStatus.cancelled.value
    db.session.flush()
    audit.record(actor, "task.withdrawn", "assigned_task", task.id, before={"status": "open"},
                 after={"status": "cancelled"})


# --- Notifications ---------------------------------------------------------------------------------------------------

# Notifications moved to worklog.notifications; these names stay for the code that imports them from here.
notify = notifications.notify
mark_read = notifications.mark_read
