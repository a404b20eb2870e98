"""Closed periods — a signed week, a final month — checked under a row lock inside the writing transaction.

A check that reads "not signed" and a write that lands a moment later are two steps; a supervisor who signs
between them would leave the write inside a signed week, uncounted by the signature and beyond anyone's reach.
So every write that a closed period forbids reads the period's row with a lock held until it commits:

- writers (an entry saved, a day submitted, an entry reviewed) take a KEY SHARE lock on the week's review
  row and on the month's review row: many officers write at once without waiting for each other;
- closers (signing a week; publishing, finalising or reopening a month) take an UPDATE lock on the same row
  first and only then check what they close, so they wait for every writer already under way and every
  writer after them waits and then sees the period closed. A closer takes at once the strongest lock it
  will need, so it never has to upgrade a lock while others queue behind it (a deadlock).

The lock order is always week before month, so two transactions never wait for each other in a circle.

Changes that are not writes into a day but reach days all the same — a transfer or an ended assignment dated
in the past, a calendar day, a rule set taking effect on a past date — are checked by :func:`require_unsealed`:
it reads every week and month row such a change reaches, in one query per table and under the writers' KEY SHARE
lock, so a week cannot be signed nor a month finalised between the check and the commit.

On PostgreSQL the locks are ``SELECT … FOR KEY SHARE`` / ``FOR UPDATE``. SQLite has no row locks, and needs none:
every writing transaction there begins IMMEDIATE (worklog/db.py), so writers run one at a time.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from flask_babel import format_date, gettext as _
from sqlalchemy import select

from models import MonthReview, MonthStatus, Person, Unit, WeekReview, WeekStatus
from worklog.db import upsert_insert
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.weekly.queries import signing_day, week_of


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def signed_week_error() -> ServiceError:
    return ServiceError(_("This week has been signed by the supervisor; its days can no longer change."),
                        "work_date")


def sealed_month_error(field: str | None = None) -> ServiceError:
    return ServiceError(_("This month is final and sealed. The panel must reopen it, with a reason, to change it."),
                        field)


def ensure_week_row(person: Person, monday: date) -> bool:
    """Create the week's review row if it is missing (concurrent creators agree: ON CONFLICT DO NOTHING), in
    the unit of the day the week is signed on, as signing records it. False when the officer held no post in
    that week."""
    row = new_week_row(person, monday)
    if row is None:
        return False
    db.session.execute(upsert_insert(WeekReview).values(**row).on_conflict_do_nothing(
        index_elements=["person_id", "week_start"]))
    return True


def new_week_row(person: Person, monday: date) -> dict | None:
    """The values of a week's review row not yet made: open, empty, in the unit of the day the week is signed on.
    None when the officer held no post in that week."""
    day = signing_day(person, monday)
    if day is None:
        return None
    return {"person_id": person.id, "week_start": monday, "unit_id": person.assignment_on(day).department.unit_id,
            "status": WeekStatus.open.value, "entries": 0, "points": 0, "approved_points": 0, "version": 1}


def week_status(person: Person, day: date, *, lock: bool) -> str | None:
    """The status of the week holding ``day``. With ``lock`` on PostgreSQL, the row is made to exist and held
    with a KEY SHARE lock until the transaction ends, so the week cannot be signed under the caller's write."""
    monday = week_of(day)
    query = select(WeekReview.status).where(WeekReview.person_id == person.id, WeekReview.week_start == monday)
    if not (lock and _postgres()):
        return db.session.scalar(query)
    query = query.with_for_update(read=True, key_share=True)
    status = db.session.scalar(query)
    if status is None and ensure_week_row(person, monday):  # the week's first write: make the row to lock
        status = db.session.scalar(query)
    return status


def require_week_open(person: Person, day: date) -> None:
    """Refuse a write into a signed week; hold the week open until this transaction ends."""
    if week_status(person, day, lock=True) == WeekStatus.signed.value:
        raise signed_week_error()


def lock_week_for_closing(person: Person, monday: date) -> WeekReview | None:
    """The week's review row, created if missing, under an UPDATE lock and read afresh: the signer waits for
    every write to the week already under way, and checks the entries only after this.

    First the officer's own row, FOR KEY SHARE: a backdated change of their posts (:func:`require_unsealed` with a
    person) holds it FOR UPDATE, so a signer and such a change wait for each other even when the week had no row
    for the change to lock. Their posts are then read afresh."""
    if _postgres():
        db.session.execute(select(Person.id).where(Person.id == person.id).with_for_update(read=True,
                                                                                          key_share=True))
        db.session.expire(person, ["assignments"])
    query = (select(WeekReview).where(WeekReview.person_id == person.id, WeekReview.week_start == monday)
             .with_for_update().execution_options(populate_existing=True))
    review = db.session.scalar(query)
    if review is None and ensure_week_row(person, monday):
        review = db.session.scalar(query)
    return review


def month_status(unit_id: int, day: date, *, lock: bool) -> str | None:
    """The status of the unit's month holding ``day`` (None when the panel has not opened it). With ``lock``,
    its row is held with a KEY SHARE lock, so the month cannot be finalised under the caller's write. A month that
    has no row yet cannot become final before this transaction ends: it must first be computed and published."""
    query = select(MonthReview.status).where(MonthReview.unit_id == unit_id,
                                             MonthReview.month == day.replace(day=1))
    if lock:
        query = query.with_for_update(read=True, key_share=True)
    return db.session.scalar(query)


def statuses(person: Person, day: date, unit_id: int) -> tuple[str | None, str | None]:
    """The status of the week holding ``day`` and of the unit's month, in one query and without any lock: for a page
    that shows whether the day is still open. A write checks again with :func:`require_week_open` and
    :func:`require_month_open`."""
    week = select(WeekReview.status).where(WeekReview.person_id == person.id, WeekReview.week_start == week_of(day))
    month = select(MonthReview.status).where(MonthReview.unit_id == unit_id, MonthReview.month == day.replace(day=1))
    found = db.session.execute(select(week.scalar_subquery(), month.scalar_subquery())).one()
    return found[0], found[1]


def require_month_open(unit_id: int, *days: date, field: str | None = "work_date") -> None:
    """Refuse a write into a final month of the unit; hold each month open until this transaction ends."""
    for month in sorted({d.replace(day=1) for d in days}):
        if month_status(unit_id, month, lock=True) == MonthStatus.final.value:
            raise sealed_month_error(field)


def lock_month_review(review: MonthReview, *, closing: bool = False) -> MonthReview:
    """The panel's month row, read afresh under a lock; every change the panel makes begins here.

    ``closing`` (publishing, finalising, reopening) takes FOR UPDATE, which waits for every write into the
    month under way; every later write waits and then sees the new status. Any other change of the panel
    (computing, adjustments, vetoes, grades, appeals) takes FOR NO KEY UPDATE: the panel's changes of a month
    run one at a time (two grades given at once must not both fit the quota) and the month cannot be
    finalised under them, while officers' saves, which hold only KEY SHARE, go on without waiting."""
    return lock_review(MonthReview, review.id, closing=closing)


def lock_review(model, review_id: int, *, closing: bool = False):
    """A panel's period row (a month's or a year's review), read afresh under the lock
    :func:`lock_month_review` describes."""
    return db.session.scalars(select(model).where(model.id == review_id)
                              .with_for_update(key_share=not closing)
                              .execution_options(populate_existing=True)).one()


def lock_month_reviews(reviews: list[MonthReview]) -> list[MonthReview]:
    """:func:`lock_month_review` (not closing) for the months of several units, in one statement, in the order
    of their ids so that two closes over overlapping units cannot deadlock."""
    return list(db.session.scalars(select(MonthReview).where(MonthReview.id.in_([r.id for r in reviews]))
                                   .order_by(MonthReview.id).with_for_update(key_share=True)
                                   .execution_options(populate_existing=True)))


# --- Changes dated in the past ------------------------------------------------------------------------------------


class EveryUnit:
    """The units argument of :func:`require_unsealed` for a change of the whole province (the calendar, the rule
    sets): it reaches every unit's month."""


EVERY_UNIT = EveryUnit()


def signed_week_reached_error(person: Person, monday: date, day: date, field: str | None) -> ServiceError:
    return ServiceError(_("%(name)s's week of %(monday)s to %(sunday)s has been signed, and this change, dated "
                          "%(day)s, would alter it. The unit's assessment panel must first reopen that week (on the "
                          "week's review page, with a reason).", name=person.name, monday=format_date(monday),
                          sunday=format_date(monday + timedelta(days=6)), day=format_date(day)), field)


def sealed_month_reached_error(unit_name: str, month: date, day: date, field: str | None) -> ServiceError:
    return ServiceError(_("%(unit)s's month %(month)s is final and sealed, and this change, dated %(day)s, would "
                          "alter it. The unit's assessment panel must first reopen that month (on the month's page, "
                          "with a reason).", unit=unit_name, month=month.strftime("%Y-%m"), day=format_date(day)),
                        field)


def require_unsealed(first_day: date, last_day: date | None = None, *,
                     units: Iterable[int] | EveryUnit = (), person: Person | None = None,
                     field: str | None = None) -> None:
    """Refuse a change that alters the days from ``first_day`` to ``last_day`` (None: every day after it) when one
    of them lies in a signed week of ``person`` or in a final month of one of ``units`` (unit ids, or
    :data:`EVERY_UNIT`). The error names the earliest such week, else the earliest such month.

    Every week and month row the change reaches is read under a KEY SHARE lock held until the transaction ends,
    as a writer's (see above): a signature or a finalising that comes between this check and the commit waits
    for it, then seals what the change left. A month without a row cannot become final before then (it must be
    computed and published first). A week without a row is one nobody has written to or reviewed yet: for it, the
    lock on the officer's own row orders the change and the signature."""
    every = isinstance(units, EveryUnit)
    unit_ids = sorted(set(units)) if not every else []
    if person is not None:
        if _postgres():
            # A week nobody has written to has no row to lock: the officer's row stands in (see
            # lock_week_for_closing), held FOR UPDATE until the change commits.
            db.session.execute(select(Person.id).where(Person.id == person.id).with_for_update())
        weeks = (select(WeekReview.week_start, WeekReview.status)
                 .where(WeekReview.person_id == person.id, WeekReview.week_start >= week_of(first_day)))
        if last_day is not None:
            weeks = weeks.where(WeekReview.week_start <= last_day)
        if _postgres():
            weeks = weeks.with_for_update(read=True, key_share=True)
        signed = [monday for monday, status in db.session.execute(weeks.order_by(WeekReview.week_start))
                  if status == WeekStatus.signed.value]
        if signed:
            raise signed_week_reached_error(person, signed[0], max(first_day, signed[0]), field)
    if not every and not unit_ids:
        return
    months = (select(MonthReview.month, MonthReview.status, Unit.name)
              .join(Unit, Unit.id == MonthReview.unit_id)
              .where(MonthReview.month >= first_day.replace(day=1)))
    if last_day is not None:
        months = months.where(MonthReview.month <= last_day)
    if not every:
        months = months.where(MonthReview.unit_id.in_(unit_ids))
    if _postgres():
        months = months.with_for_update(read=True, key_share=True, of=MonthReview)
    sealed = [(month, name) for month, status, name in db.session.execute(
        months.order_by(MonthReview.month, Unit.code)) if status == MonthStatus.final.value]
    if sealed:
        month, name = sealed[0]
        raise sealed_month_reached_error(name, month, max(first_day, month), field)
