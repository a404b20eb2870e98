"""Reads for the supervisor's week: who reviews whom on which day, the team's weeks and their state."""
from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import cache

from sqlalchemy import Integer, and_, bindparam, exists, func, or_, select, union
from sqlalchemy.orm import joinedload

from models import (AssignedTask, Assignment, DayLog, DayStatus, Delegation, Entry, EntryStatus, Notification,
                    Person, WeekReview, WeekStatus)
from worklog import timekeeping
from worklog.db import transaction_cache
from worklog.extensions import db
from worklog.permissions import may_review, may_sign  # noqa: F401  (the rules live there; callers read them here)

PENDING = (EntryStatus.submitted.value, EntryStatus.resubmitted.value)
UNFINISHED = (EntryStatus.draft.value, EntryStatus.returned.value)


class QueueState(str, enum.Enum):
    not_started = "not_started"
    in_progress = "in_progress"
    ready = "ready"
    signed = "signed"


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(7)]


def sign_deadline(monday: date) -> datetime:
    """A week should be signed by Tuesday 24:00 (local) after it ends: Wednesday 00:00 of the next week."""
    local = datetime.combine(monday + timedelta(days=9), time(0, 0), tzinfo=timekeeping.tz())
    return local.astimezone(timezone.utc)


# --- Who reviews whom -------------------------------------------------------------------------------------------


def _acting_for(actor_id: int) -> list[tuple[int, date, date]]:
    """The delegations that make ``actor_id`` an acting supervisor: (supervisor, first day, last day). Read
    once per transaction and forgotten at its first write, so a page that asks about every entry of a week
    asks the database once."""
    cache = transaction_cache(db.session).setdefault("acting_for", {})
    if actor_id not in cache:
        cache[actor_id] = list(db.session.execute(select(
            Delegation.supervisor_id, Delegation.start_date, Delegation.end_date).where(
            Delegation.acting_id == actor_id, Delegation.revoked_at.is_(None))))
    return cache[actor_id]


def signing_day(person: Person, monday: date) -> date | None:
    """The week is signed by whoever reviews its last day on which the officer held a post."""
    for day in reversed(week_days(monday)):
        if person.assignment_on(day) is not None:
            return day
    return None


# The queue's statements are built once (@cache) and run with their values bound: building them, and working out
# the cache key of a statement holding a list of ids, cost as much as running them.


@cache
def _team_query():
    actor, first, sunday = bindparam("actor_id", type_=Integer), bindparam("first"), bindparam("sunday")
    # The actor and the supervisors they act for, as one list the supervisor index is searched with.
    supervisors = union(select(actor), select(Delegation.supervisor_id).where(
        Delegation.acting_id == actor, Delegation.revoked_at.is_(None),
        Delegation.start_date <= sunday, Delegation.end_date >= first))
    return select(Assignment.person_id).where(
        Assignment.supervisor_id.in_(supervisors),
        Assignment.valid_from <= sunday, or_(Assignment.valid_to.is_(None), Assignment.valid_to >= first),
        Assignment.person_id != actor).distinct()


def team_ids(actor: Person, monday: date, since: date | None = None) -> list[int]:
    """The officers ``actor`` supervises, or acts for a supervisor of, on some day of the week (or of the weeks
    from ``since`` to that one)."""
    rows = db.session.scalars(_team_query(), {"actor_id": actor.id, "first": since or monday,
                                              "sunday": monday + timedelta(days=6)})
    return sorted(set(rows))


# --- The state of weeks ---------------------------------------------------------------------------------------


@dataclass
class WeekRow:
    person: Person
    monday: date
    review: WeekReview | None
    entries: int = 0
    pending: int = 0
    unfinished: int = 0
    points: Decimal = Decimal("0.00")
    approved: Decimal = Decimal("0.00")
    days_submitted: int = 0
    state: QueueState = QueueState.not_started
    overdue: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return self.state == QueueState.signed


@cache
def _people_with_reviews_query(with_assignments: bool):
    # The days submitted, counted beside each officer (a correlated count through the (person, work_date) index):
    # one statement fewer for every page that shows a team's weeks.
    submitted = (select(func.count()).select_from(DayLog)
                 .where(DayLog.person_id == Person.id, DayLog.work_date >= bindparam("monday"),
                        DayLog.work_date <= bindparam("sunday"), DayLog.status == DayStatus.submitted.value)
                 .correlate(Person).scalar_subquery())
    query = (select(Person, WeekReview, submitted)
             .outerjoin(WeekReview, and_(WeekReview.person_id == Person.id,
                                         WeekReview.week_start == bindparam("monday")))
             .where(Person.id.in_(bindparam("ids", expanding=True))))
    return query.options(joinedload(Person.assignments)) if with_assignments else query


@cache
def _entry_counts_query():
    return (select(Entry.person_id, Entry.status, func.count(), func.sum(Entry.points),
                   func.coalesce(func.sum(Entry.approved_points), 0))
            .where(Entry.person_id.in_(bindparam("ids", expanding=True)), Entry.work_date >= bindparam("monday"),
                   Entry.work_date <= bindparam("sunday"))
            .group_by(Entry.person_id, Entry.status))


def week_rows(person_ids: list[int], monday: date, for_signing: bool = False) -> list[WeekRow]:
    """The week of each officer with counts and state, in two queries whatever the team's size. ``for_signing``:
    with each officer's assignments, which the signing checks read."""
    if not person_ids:
        return []
    sunday = monday + timedelta(days=6)
    values = {"ids": person_ids, "monday": monday, "sunday": sunday}
    found = db.session.execute(_people_with_reviews_query(for_signing), values)
    people, reviews, submitted_days = {}, {}, {}
    for person, review, days in (found.unique() if for_signing else found):
        people[person.id], reviews[person.id], submitted_days[person.id] = person, review, days or 0
    counts = defaultdict(lambda: defaultdict(lambda: [0, Decimal("0"), Decimal("0")]))
    for pid, status, n, points, approved in db.session.execute(_entry_counts_query(), values):
        counts[pid][status] = [n, Decimal(points or 0), Decimal(approved or 0)]
    now = timekeeping.now()
    ended = timekeeping.today() > sunday
    rows = []
    for pid in person_ids:
        person = people[pid]
        row = WeekRow(person, monday, reviews.get(pid))
        by_status = counts.get(pid, {})
        row.entries = sum(v[0] for v in by_status.values())
        row.pending = sum(by_status[s][0] for s in PENDING if s in by_status)
        row.unfinished = sum(by_status[s][0] for s in UNFINISHED if s in by_status)
        row.points = sum((v[1] for v in by_status.values()), Decimal("0.00"))
        row.approved = sum((v[2] for s, v in by_status.items() if s == EntryStatus.approved.value), Decimal("0.00"))
        row.days_submitted = submitted_days.get(pid, 0)
        if row.review is not None and row.review.status == WeekStatus.signed.value:
            row.state = QueueState.signed
        elif row.entries == 0 and row.days_submitted == 0:
            row.state = QueueState.not_started
        elif ended and row.pending == 0 and row.unfinished == 0:
            row.state = QueueState.ready
        else:
            row.state = QueueState.in_progress
        # Late to sign: there was something to sign. An empty week shows up as the officer's missing days.
        row.overdue = row.state in (QueueState.in_progress, QueueState.ready) and now >= sign_deadline(monday)
        rows.append(row)
    return sorted(rows, key=lambda r: (r.state == QueueState.signed, r.person.badge))


@dataclass
class WeekCounts:
    """A week's entries as signing sees them: what still waits, and what the signature would count."""
    pending: int = 0
    unfinished: int = 0
    approved: int = 0
    points: Decimal = Decimal("0.00")
    approved_points: Decimal = Decimal("0.00")

    @classmethod
    def of(cls, entries: list[Entry]) -> WeekCounts:
        """The same counts from the week's entries already read (a page that shows them)."""
        approved = [e for e in entries if e.status == EntryStatus.approved.value]
        return cls(sum(1 for e in entries if e.status in PENDING), sum(1 for e in entries if e.status in UNFINISHED),
                   len(approved), sum((e.points for e in approved), Decimal("0.00")),
                   sum((e.approved_points or 0 for e in approved), Decimal("0.00")))


def week_counts(person_id: int, monday: date) -> WeekCounts:
    """One query over the week's entries, whatever their number."""
    approved = Entry.status == EntryStatus.approved.value
    row = db.session.execute(select(
        func.count().filter(Entry.status.in_(PENDING)), func.count().filter(Entry.status.in_(UNFINISHED)),
        func.count().filter(approved), func.coalesce(func.sum(Entry.points).filter(approved), 0),
        func.coalesce(func.sum(Entry.approved_points).filter(approved), 0))
        .where(Entry.person_id == person_id, Entry.work_date >= monday,
               Entry.work_date <= monday + timedelta(days=6))).one()
    return WeekCounts(row[0], row[1], row[2], Decimal(row[3]), Decimal(row[4]))


@cache
def _week_entries_query():
    return (select(Entry).where(Entry.person_id == bindparam("person_id"), Entry.work_date >= bindparam("monday"),
                                Entry.work_date <= bindparam("sunday"))
            .options(joinedload(Entry.task_type, innerjoin=True), joinedload(Entry.category, innerjoin=True),
                     joinedload(Entry.reviewed_by))
            .order_by(Entry.work_date, Entry.id))


@cache
def _week_logs_query():
    return select(DayLog).where(DayLog.person_id == bindparam("person_id"), DayLog.work_date >= bindparam("monday"),
                                DayLog.work_date <= bindparam("sunday"))


def week_entries(person_id: int, monday: date) -> list[Entry]:
    return list(db.session.scalars(_week_entries_query(), {"person_id": person_id, "monday": monday,
                                                           "sunday": monday + timedelta(days=6)}))


def week_logs(person_id: int, monday: date) -> dict[date, DayLog]:
    return {log.work_date: log for log in db.session.scalars(
        _week_logs_query(), {"person_id": person_id, "monday": monday, "sunday": monday + timedelta(days=6)})}


@cache
def _person_with_week_query():
    return (select(Person, WeekReview)
            .outerjoin(WeekReview, and_(WeekReview.person_id == Person.id,
                                        WeekReview.week_start == bindparam("monday")))
            .where(Person.id == bindparam("person_id")).options(joinedload(Person.assignments)))


def person_with_week(person_id: int, monday: date) -> Person | None:
    """The officer with their assignments, read with the review row of their week, which :func:`week_review` then
    answers from until the transaction writes anything."""
    found = db.session.execute(_person_with_week_query(),
                               {"person_id": person_id, "monday": monday}).unique().one_or_none()
    if found is None:
        return None
    person, review = found
    transaction_cache(db.session).setdefault("week_review", {})[(person.id, monday)] = review
    return person


def week_review(person_id: int, monday: date) -> WeekReview | None:
    known = transaction_cache(db.session).get("week_review", {})
    if (person_id, monday) in known:
        return known[(person_id, monday)]
    return db.session.scalar(select(WeekReview).where(WeekReview.person_id == person_id,
                                                      WeekReview.week_start == monday))


def is_signed(person_id: int, day: date) -> bool:
    return db.session.scalar(select(WeekReview.id).where(
        WeekReview.person_id == person_id, WeekReview.week_start == week_of(day),
        WeekReview.status == WeekStatus.signed.value)) is not None


# --- Assigned tasks and notifications ----------------------------------------------------------------------------


def open_tasks_of(person_id: int) -> list[AssignedTask]:
    return list(db.session.scalars(select(AssignedTask).where(
        AssignedTask.person_id == person_id, AssignedTask.status == "open")
        .options(joinedload(AssignedTask.task_type), joinedload(AssignedTask.assigned_by))
        .order_by(AssignedTask.due_date, AssignedTask.id)))


def tasks_assigned_by(actor_id: int, limit: int = 200) -> list[AssignedTask]:
    return list(db.session.scalars(select(AssignedTask).where(AssignedTask.assigned_by_id == actor_id)
                                   .options(joinedload(AssignedTask.task_type), joinedload(AssignedTask.person))
                                   .order_by(AssignedTask.status, AssignedTask.due_date.desc(), AssignedTask.id)
                                   .limit(limit)))


def notifications_of(person_id: int, limit: int = 100) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.person_id == person_id)
                                   .order_by(Notification.id.desc()).limit(limit)))


@cache
def _active_delegations_query():
    person_id = bindparam("person_id")
    return (select(Delegation).where(or_(Delegation.supervisor_id == person_id, Delegation.acting_id == person_id),
                                     Delegation.revoked_at.is_(None), Delegation.end_date >= bindparam("today"))
            .options(joinedload(Delegation.supervisor), joinedload(Delegation.acting))
            .order_by(Delegation.start_date))


def active_delegations(person_id: int) -> list[Delegation]:
    """Delegations given by or to a person that have not ended."""
    return list(db.session.scalars(_active_delegations_query(),
                                   {"person_id": person_id, "today": timekeeping.today()}))


def _review_duty(person_id, today: date | None = None):
    today = today or timekeeping.today()
    supervises = exists().where(
        Assignment.supervisor_id == person_id, Assignment.valid_from <= today,
        or_(Assignment.valid_to.is_(None), Assignment.valid_to >= today))
    acts = exists().where(
        Delegation.acting_id == person_id, Delegation.revoked_at.is_(None),
        and_(Delegation.start_date <= today + timedelta(days=7), Delegation.end_date >= today - timedelta(days=14)))
    return or_(supervises, acts)


def navigation_columns(person_id, today: date | None = None) -> tuple:
    """What every page's menu asks of a person, as two columns of a query: whether they review anyone's week, and
    how many of their notifications are unread. ``person_id`` is an id or a column of the enclosing query."""
    unread = (select(func.count()).select_from(Notification)
              .where(Notification.person_id == person_id, Notification.read_at.is_(None)).scalar_subquery())
    return _review_duty(person_id, today).label("reviews"), unread.label("unread")


def navigation_facts(person_id: int) -> tuple[bool, int]:
    """The menu's facts (:func:`navigation_columns`) in a query of their own."""
    duty, count = db.session.execute(select(*navigation_columns(person_id))).one()
    return bool(duty), int(count or 0)
