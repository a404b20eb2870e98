"""The one module that keeps the roll-ups exact with the entries: the officer's day totals and the three
ledgers (department × category, department, unit per month), which count the entries of signed weeks; and
leadership's two (a unit's month results by grade, officers' weeks by unit), which count results, days and
signatures.

Two ways, both set-based SQL, never a Python loop over entries and never per page view:

- by delta, on the hot paths: an entry saved or reviewed moves its day's total by the difference; a week
  signed adds its entries to the ledger rows (an upsert per table, for any number of officers at once) and
  its signature to the week roll-up; a day begun adds its officer to the unit's week once;
- by recomputation, where a period is rebuilt or reopened: a week unsigned, a month computed, finalised or
  reopened, a repair (the day totals are rebuilt in bulk by the demo and the synthetic province).

`flask --app app ledger check` recomputes everything independently and names any difference.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Iterable

from decimal import Decimal

from sqlalchemy import (Date, Integer, and_, bindparam, case, delete, distinct, exists, func, insert, literal, select,
                        text, true, update)
from sqlalchemy.orm import aliased

from models import (DayLog, Department, DepartmentMonth, DepartmentMonthCategory, Entry, EntryStatus, PersonDayTotal,
                    UnitMonth)
from models.base import UTCDateTime
from worklog.db import upsert_insert
from worklog.extensions import db
from worklog.timekeeping import month_bounds

ZERO = Decimal("0")


def _approved():
    return func.coalesce(func.sum(case((Entry.status == EntryStatus.approved.value, Entry.approved_points),
                                       else_=0)), 0)


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def refresh(department_ids: Iterable[int], months: Iterable[date]) -> None:
    """Recompute the department and unit ledger rows of these departments (and their units) for these months."""
    department_ids = sorted(set(department_ids))
    if not department_ids:
        return
    # The units as values, not a subquery: given "unit_id IN (SELECT …)", PostgreSQL cannot tell that it is a
    # county or two, and reads the whole month's partition instead of the unit's index.
    unit_ids = list(db.session.scalars(select(Department.unit_id).where(Department.id.in_(department_ids))
                                       .distinct()))
    for month in sorted(set(m.replace(day=1) for m in months)):
        first, last = month_bounds(month)
        in_scope = (Entry.week_signed.is_(True), Entry.work_date >= first, Entry.work_date <= last)
        m = literal(month, Date)
        db.session.execute(delete(DepartmentMonthCategory).where(
            DepartmentMonthCategory.department_id.in_(department_ids), DepartmentMonthCategory.month == month))
        db.session.execute(insert(DepartmentMonthCategory).from_select(
            ["department_id", "month", "category_id", "entries", "points", "approved_points"],
            select(Entry.department_id, m, Entry.category_id, func.count(), func.sum(Entry.points), _approved())
            .where(Entry.department_id.in_(department_ids), *in_scope)
            .group_by(Entry.department_id, Entry.category_id)))
        db.session.execute(delete(DepartmentMonth).where(
            DepartmentMonth.department_id.in_(department_ids), DepartmentMonth.month == month))
        db.session.execute(insert(DepartmentMonth).from_select(
            ["department_id", "month", "unit_id", "officers", "entries", "points", "approved_points"],
            select(Entry.department_id, m, Entry.unit_id, func.count(distinct(Entry.person_id)), func.count(),
                   func.sum(Entry.points), _approved())
            .where(Entry.department_id.in_(department_ids), *in_scope)
            .group_by(Entry.department_id, Entry.unit_id)))
        db.session.execute(delete(UnitMonth).where(UnitMonth.unit_id.in_(unit_ids), UnitMonth.month == month))
        db.session.execute(insert(UnitMonth).from_select(
            ["unit_id", "month", "officers", "entries", "points", "approved_points"],
            select(Entry.unit_id, m, func.count(distinct(Entry.person_id)), func.count(), func.sum(Entry.points),
                   _approved())
            .where(Entry.unit_id.in_(unit_ids), *in_scope).group_by(Entry.unit_id)))


def _upsert(model, index_elements: list[str], added: list[str]):
    """INSERT … SELECT that adds to the row when it exists (ON CONFLICT DO UPDATE), on either database."""
    def build(columns: list[str], query):
        # On the table, not the mapped class: a Core statement, which the session runs with bound values
        # (an ORM INSERT takes a dictionary of values for rows to insert).
        table = model.__table__
        statement = upsert_insert(table).from_select(columns, query)
        return statement.on_conflict_do_update(
            index_elements=index_elements,
            set_={name: table.c[name] + statement.excluded[name] for name in added})
    return build


@cache
def _signing_statements(_dialect: str) -> tuple:
    """The three upserts of :func:`sign_weeks`, built once per database kind and run with bound values
    (building them, with their aliases and subqueries, took longer than the database took to run them)."""
    week = (Entry.person_id.in_(bindparam("sw_people", expanding=True)),
            Entry.work_date >= bindparam("sw_low", type_=Date), Entry.work_date <= bindparam("sw_high", type_=Date))
    first, last, m = (bindparam("sw_first", type_=Date), bindparam("sw_last", type_=Date),
                      bindparam("sw_month", type_=Date))
    signed_before = aliased(Entry)

    def first_time(*same):
        # 1 when the officer has no signed entry in the month of this department (unit) yet, else 0.
        return case((exists().where(signed_before.person_id == Entry.person_id, *same,
                                    signed_before.week_signed.is_(True), signed_before.work_date >= first,
                                    signed_before.work_date <= last), 0), else_=1)

    categories = _upsert(DepartmentMonthCategory, ["department_id", "month", "category_id"],
                         ["entries", "points", "approved_points"])(
        ["department_id", "month", "category_id", "entries", "points", "approved_points"],
        select(Entry.department_id, m, Entry.category_id, func.count(), func.sum(Entry.points), _approved())
        .where(*week).group_by(Entry.department_id, Entry.category_id))
    per_officer = (select(Entry.person_id, Entry.department_id, Entry.unit_id,
                          first_time(signed_before.department_id == Entry.department_id).label("new"),
                          func.count().label("entries"), func.sum(Entry.points).label("points"),
                          _approved().label("approved"))
                   .where(*week).group_by(Entry.person_id, Entry.department_id, Entry.unit_id).subquery())
    departments = _upsert(DepartmentMonth, ["department_id", "month"],
                          ["officers", "entries", "points", "approved_points"])(
        ["department_id", "month", "unit_id", "officers", "entries", "points", "approved_points"],
        select(per_officer.c.department_id, m, per_officer.c.unit_id, func.sum(per_officer.c.new),
               func.sum(per_officer.c.entries), func.sum(per_officer.c.points), func.sum(per_officer.c.approved))
        .where(true()).group_by(per_officer.c.department_id, per_officer.c.unit_id))
    per_officer = (select(Entry.person_id, Entry.unit_id,
                          first_time(signed_before.unit_id == Entry.unit_id).label("new"),
                          func.count().label("entries"), func.sum(Entry.points).label("points"),
                          _approved().label("approved"))
                   .where(*week).group_by(Entry.person_id, Entry.unit_id).subquery())
    units = _upsert(UnitMonth, ["unit_id", "month"], ["officers", "entries", "points", "approved_points"])(
        ["unit_id", "month", "officers", "entries", "points", "approved_points"],
        select(per_officer.c.unit_id, m, func.sum(per_officer.c.new), func.sum(per_officer.c.entries),
               func.sum(per_officer.c.points), func.sum(per_officer.c.approved))
        .where(true()).group_by(per_officer.c.unit_id))
    return categories, departments, units


def sign_weeks(person_ids: list[int], monday: date) -> None:
    """Add the entries of these officers' week to the ledgers and mark them signed: what signing does, for one
    officer or a whole team at once, in a fixed number of statements (three upserts and an update a month).

    An officer is counted in a department's (a unit's) month when this is their first signed week there."""
    if not person_ids:
        return
    sunday = monday + timedelta(days=6)
    statements = _signing_statements(db.session.get_bind().dialect.name)
    for month in months_between(monday, sunday):
        first, last = month_bounds(month)
        values = {"sw_people": list(person_ids), "sw_low": max(first, monday), "sw_high": min(last, sunday),
                  "sw_first": first, "sw_last": last, "sw_month": month}
        for statement in statements:
            db.session.execute(statement, values)
    db.session.execute(update(Entry).where(Entry.person_id.in_(person_ids), Entry.work_date >= monday,
                                           Entry.work_date <= sunday).values(week_signed=True))
    weeks_signed(person_ids, monday)


def mark_week(person_id: int, monday: date, signed: bool) -> None:
    """Mark a week's entries signed (or not) and recompute the ledgers of their departments (reopening a week)."""
    sunday = monday + timedelta(days=6)
    in_week = (Entry.person_id == person_id, Entry.work_date >= monday, Entry.work_date <= sunday)
    db.session.execute(update(Entry).where(*in_week).values(week_signed=signed))
    departments = set(db.session.scalars(select(Entry.department_id).where(*in_week).distinct()))
    refresh(departments, months_between(monday, sunday))
    units = db.session.scalars(select(DayLog.unit_id).where(DayLog.person_id == person_id, DayLog.work_date >= monday,
                                                            DayLog.work_date <= sunday).distinct())
    refresh_weeks(list(units), [monday])


def refresh_all() -> None:
    """Rebuild every ledger row from the entries, and leadership's roll-ups from the results, day logs and week rows
    (after a bulk load, or to repair)."""
    bounds = db.session.execute(select(func.min(Entry.work_date), func.max(Entry.work_date))).one()
    if bounds[0] is not None:
        departments = list(db.session.scalars(select(Department.id)))
        refresh(departments, months_between(bounds[0], bounds[1]))
    refresh_leadership()


# --- The officer's day ------------------------------------------------------------------------------------------------


def add_to_day(person_id: int, work_date: date, entries: int, hours: Decimal, points: Decimal,
               approved: Decimal) -> None:
    """Move one officer-day's roll-up by a difference (an entry added, changed, reviewed or deleted): one
    upsert; the row is made from the day's log when it is the day's first entry."""
    table = PersonDayTotal.__table__
    statement = upsert_insert(PersonDayTotal).from_select(
        ["person_id", "work_date", "unit_id", "department_id", "sequence_id", "entries", "hours", "points",
         "approved_points"],
        select(DayLog.person_id, DayLog.work_date, DayLog.unit_id, DayLog.department_id, DayLog.sequence_id,
               literal(entries), literal(hours), literal(points), literal(approved))
        .where(DayLog.person_id == person_id, DayLog.work_date == work_date))
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["person_id", "work_date"],
        set_={name: table.c[name] + statement.excluded[name]
              for name in ("entries", "hours", "points", "approved_points")}))
    if entries < 0:
        # A day whose last entry went has no row, as recomputing it would leave none.
        db.session.execute(delete(PersonDayTotal).where(PersonDayTotal.person_id == person_id,
                                                        PersonDayTotal.work_date == work_date,
                                                        PersonDayTotal.entries <= 0))


# --- Leadership's roll-ups: results by grade, officers' weeks by unit -------------------------------------------------
#
# What leadership's view counts over a province and a year, kept as the rows it counts are written, so that the view
# reads a row per unit and month (grade) or week instead of every officer's result and day:
#
# - ``unit_month_grade``: recomputed from the results of a month review whenever they are written (computed, a grade
#   overridden, an appeal decided: the month computed again) and when the month is finalised or reopened;
# - ``unit_week``: by delta when an officer's day is begun (the week's first day logged in that unit adds an officer)
#   and when weeks are signed; recomputed for the officer's week when the panel reopens it (:func:`mark_week`), for a
#   unit's weeks when its month is finalised or reopened, and for everything by :func:`refresh_all` (``flask ledger
#   rebuild``, and the demo's and the synthetic province's last step).
#
# ``flask ledger check`` recomputes both from the results, the day logs and the week rows, and names any difference.


def refresh_grades(review_ids: Iterable[int], connection=None) -> None:
    """Recompute the grade roll-up of these month reviews from their results (a few statements for any number)."""
    from models import MonthResult, UnitMonthGrade
    review_ids = sorted(set(review_ids))
    if not review_ids:
        return
    execute = (connection or db.session).execute
    execute(delete(UnitMonthGrade).where(UnitMonthGrade.month_review_id.in_(review_ids)))
    execute(insert(UnitMonthGrade).from_select(
        ["month_review_id", "final_grade", "officers", "days_due", "days_cleared"],
        _grades_select().where(MonthResult.month_review_id.in_(review_ids))))


def _grades_select():
    """Per month review and final grade: the officers, and the days due and cleared recorded with their results
    (``explanation.days``, as :func:`worklog.daily.queries.sealed_clearance` reads them; 0 where none is)."""
    from models import MonthResult
    due = MonthResult.explanation[("days", "due")].as_integer()
    cleared = MonthResult.explanation[("days", "cleared")].as_integer()
    return (select(MonthResult.month_review_id, MonthResult.final_grade, func.count(),
                   func.coalesce(func.sum(due), 0), func.coalesce(func.sum(cleared), 0))
            .group_by(MonthResult.month_review_id, MonthResult.final_grade))


def grades_fresh(review_ids: Iterable[int] | None = None) -> dict[tuple[int, str], tuple[int, int, int]]:
    """(review, grade) → (officers, days due, days cleared), computed from the results (for the check)."""
    from models import MonthResult
    query = _grades_select()
    if review_ids is not None:
        query = query.where(MonthResult.month_review_id.in_(list(review_ids)))
    return {(r, g): (int(n), int(due), int(cleared)) for r, g, n, due, cleared in db.session.execute(query)}


def _week_rows(mondays: list[date], unit_ids: list[int] | None):
    """Per (unit, Monday) of these weeks: officers with a day logged in the unit, their weeks signed, and signed by
    the deadline (:func:`worklog.weekly.queries.sign_deadline`). One SELECT to insert from, or to compare with.

    Each day logged is joined to its week's row and the officers are counted distinct per unit and week (a sort per
    group): the officer-weeks taken DISTINCT first and then grouped looked cheaper to PostgreSQL, which estimated
    a sixth of the groups, and its hash aggregate then spilled to disk in 370,000 batches (four minutes for a
    province's month, against 1.5 s this way)."""
    from models import WeekReview, WeekStatus
    from worklog.ledgers.queries import week_start_of
    from worklog.weekly.queries import sign_deadline
    week = week_start_of(DayLog.work_date)
    deadline = case({monday: literal(sign_deadline(monday), UTCDateTime()) for monday in mondays}, value=week)
    signed = WeekReview.status == WeekStatus.signed.value
    officers = distinct(DayLog.person_id)
    query = (select(DayLog.unit_id, week.label("week"), func.count(officers), func.count(officers).filter(signed),
                    func.count(officers).filter(signed, WeekReview.signed_at <= deadline))
             .select_from(DayLog)
             .outerjoin(WeekReview, and_(WeekReview.person_id == DayLog.person_id, WeekReview.week_start == week))
             .where(DayLog.work_date >= min(mondays), DayLog.work_date <= max(mondays) + timedelta(days=6),
                    week.in_(mondays))
             .group_by(DayLog.unit_id, week))
    if unit_ids is not None:
        query = query.where(DayLog.unit_id.in_(unit_ids))
    return query


def mondays_of(first: date, last: date) -> list[date]:
    """The Mondays from ``first`` to ``last``."""
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    found = []
    while monday <= last:
        found.append(monday)
        monday += timedelta(days=7)
    return found


def refresh_weeks(unit_ids: Iterable[int] | None, mondays: Iterable[date], connection=None) -> None:
    """Recompute the week roll-up of these units (every unit: None) for the weeks beginning on these Mondays, from the
    day logs and the week rows; a month of weeks a statement."""
    from models import UnitWeek
    mondays = sorted(set(mondays))
    units = None if unit_ids is None else sorted(set(unit_ids))
    if not mondays or units == []:
        return
    execute = (connection or db.session).execute
    for month in sorted({m.replace(day=1) for m in mondays}):
        these = [m for m in mondays if m.replace(day=1) == month]
        gone = delete(UnitWeek).where(UnitWeek.week_start.in_(these))
        if units is not None:
            gone = gone.where(UnitWeek.unit_id.in_(units))
        execute(gone)
        execute(insert(UnitWeek).from_select(["unit_id", "week_start", "officers", "signed", "on_time"],
                                             _week_rows(these, units)))


def weeks_fresh(mondays: list[date]) -> dict[tuple[int, date], tuple[int, int, int]]:
    """(unit, Monday) → (officers, signed, on time), computed from the day logs and week rows (for the check)."""
    if not mondays:
        return {}
    return {(u, m if isinstance(m, date) else date.fromisoformat(m)): (int(n), int(s), int(t))
            for u, m, n, s, t in db.session.execute(_week_rows(sorted(mondays), None))}


def refresh_month_of_unit(unit_id: int, month: date, review_id: int | None) -> None:
    """Both roll-ups of a unit's month made exact again: its results by grade, and the weeks beginning in it (a month
    finalised, or reopened)."""
    if review_id is not None:
        refresh_grades([review_id])
    first, last = month_bounds(month)
    refresh_weeks([unit_id], mondays_of(first, last))


def refresh_leadership(connection=None) -> None:
    """Rebuild leadership's roll-ups: every month review's grades, every week's officers (a bulk load's last step)."""
    from models import UnitMonthGrade, UnitWeek
    execute = (connection or db.session).execute
    execute(delete(UnitMonthGrade))
    execute(insert(UnitMonthGrade).from_select(
        ["month_review_id", "final_grade", "officers", "days_due", "days_cleared"], _grades_select()))
    execute(delete(UnitWeek))
    first, last = execute(select(func.min(DayLog.work_date), func.max(DayLog.work_date))).one()
    if first is not None:
        if isinstance(first, str):  # SQLite's aggregate of dates
            first, last = date.fromisoformat(first), date.fromisoformat(last)
        refresh_weeks(None, mondays_of(first - timedelta(days=first.weekday()), last), connection)


@cache
def _day_statement(_dialect: str):
    """The week roll-up's delta for an officer's day just logged: one officer more in the unit's week when no other
    day of the week was logged there before, counted signed (on time) as the week stands. Run with a row of values a
    day (an executemany for many), each naming how many of the week's days in the unit are new (``dl_new``)."""
    from models import UnitWeek, WeekReview, WeekStatus
    person, unit = bindparam("dl_person", type_=Integer), bindparam("dl_unit", type_=Integer)
    monday, sunday = bindparam("dl_monday", type_=Date), bindparam("dl_sunday", type_=Date)
    deadline = bindparam("dl_deadline", type_=UTCDateTime())
    review = and_(WeekReview.person_id == person, WeekReview.week_start == monday,
                  WeekReview.status == WeekStatus.signed.value)
    signed = func.coalesce(select(literal(1)).where(review).scalar_subquery(), 0)
    on_time = func.coalesce(select(literal(1)).where(review, WeekReview.signed_at <= deadline).scalar_subquery(), 0)
    days = (select(func.count()).select_from(DayLog)
            .where(DayLog.person_id == person, DayLog.unit_id == unit, DayLog.work_date >= monday,
                   DayLog.work_date <= sunday).scalar_subquery())
    return _upsert(UnitWeek, ["unit_id", "week_start"], ["officers", "signed", "on_time"])(
        ["unit_id", "week_start", "officers", "signed", "on_time"],
        select(unit, monday, literal(1), signed, on_time).where(days == bindparam("dl_new", type_=Integer)))


def days_logged(days: Iterable[tuple[int, int, date]]) -> None:
    """Count in the week roll-up the days just logged, (officer, unit, date) each (their day log rows written in this
    transaction): an officer's week enters a unit's count with its first day logged there. Many at once in the order
    of (unit, week, officer), so that concurrent callers take the roll-up's rows in the same order.

    On PostgreSQL the caller holds the officers' rows (:func:`hold_officers`) from before writing the day logs, so
    that two first days of the same week written at once see each other."""
    from worklog.weekly.queries import sign_deadline, week_of
    new: dict[tuple[int, date, int], int] = {}
    for person_id, unit_id, day in days:
        key = (unit_id, week_of(day), person_id)
        new[key] = new.get(key, 0) + 1
    if not new:
        return
    dialect = db.session.get_bind().dialect.name
    deadlines = {monday: sign_deadline(monday) for _unit, monday, _person in new}
    if dialect == "postgresql" and len(new) > 1:
        # Many (an import of facts): one statement over arrays, as worklog/facts/services.py writes its rows (an
        # executemany is a statement a row there).
        keys = sorted(new)
        db.session.execute(_DAYS_LOGGED_POSTGRESQL, {
            "persons": [k[2] for k in keys], "units": [k[0] for k in keys], "weeks": [k[1] for k in keys],
            "deadlines": [deadlines[k[1]] for k in keys], "news": [new[k] for k in keys]})
        return
    rows = [{"dl_person": person_id, "dl_unit": unit_id, "dl_monday": monday, "dl_sunday": monday + timedelta(days=6),
             "dl_deadline": deadlines[monday], "dl_new": n}
            for (unit_id, monday, person_id), n in sorted(new.items())]
    db.session.execute(_day_statement(dialect), rows if len(rows) > 1 else rows[0])


#: :func:`days_logged` for many days on PostgreSQL: the same test a row, the officers' weeks given as arrays, added up
#: per unit and week in their order.
_DAYS_LOGGED_POSTGRESQL = text(
    "INSERT INTO unit_week (unit_id, week_start, officers, signed, on_time) "
    "SELECT c.unit_id, c.week, count(*), count(w.id) FILTER (WHERE w.status = 'signed'), "
    "count(w.id) FILTER (WHERE w.status = 'signed' AND w.signed_at <= c.deadline) "
    "FROM unnest(CAST(:persons AS INTEGER[]), CAST(:units AS INTEGER[]), CAST(:weeks AS DATE[]), "
    "CAST(:deadlines AS TIMESTAMPTZ[]), CAST(:news AS INTEGER[])) AS c(person_id, unit_id, week, deadline, n) "
    "LEFT JOIN week_review w ON w.person_id = c.person_id AND w.week_start = c.week "
    "WHERE (SELECT count(*) FROM day_log d WHERE d.person_id = c.person_id AND d.unit_id = c.unit_id "
    "AND d.work_date >= c.week AND d.work_date <= c.week + 6) = c.n "
    "GROUP BY c.unit_id, c.week ORDER BY c.unit_id, c.week "
    "ON CONFLICT (unit_id, week_start) DO UPDATE SET officers = unit_week.officers + EXCLUDED.officers, "
    "signed = unit_week.signed + EXCLUDED.signed, on_time = unit_week.on_time + EXCLUDED.on_time")


def hold_officers(person_ids: Iterable[int]) -> None:
    """On PostgreSQL, hold these officers' rows (FOR NO KEY UPDATE, in the order of their ids) until the transaction
    ends, before their days are logged: another transaction logging a day of theirs waits, then sees this one's days
    (:func:`days_logged` counts an officer's week in a unit once). SQLite has one writer at a time."""
    from models import Person
    ids = sorted(set(person_ids))
    if not ids or db.session.get_bind().dialect.name != "postgresql":
        return
    db.session.execute(select(Person.id).where(Person.id.in_(ids)).order_by(Person.id)
                       .with_for_update(key_share=True)).all()  # FOR NO KEY UPDATE


def weeks_signed(person_ids: list[int], monday: date) -> None:
    """The week roll-up's delta when these officers' week is signed (after the week rows are written): each unit
    where an officer logged days that week gains a signed week, and an on-time one if signed by the deadline. One
    upsert for any number of officers."""
    from models import UnitWeek, WeekReview, WeekStatus
    from worklog.weekly.queries import sign_deadline
    if not person_ids:
        return
    sunday = monday + timedelta(days=6)
    places = (select(DayLog.unit_id, DayLog.person_id)
              .where(DayLog.person_id.in_(list(person_ids)), DayLog.work_date >= monday, DayLog.work_date <= sunday)
              .distinct().subquery())
    on_time = WeekReview.signed_at <= literal(sign_deadline(monday), UTCDateTime())
    query = (select(places.c.unit_id, literal(monday, Date), literal(0), func.count(), func.count().filter(on_time))
             .select_from(places)
             .join(WeekReview, and_(WeekReview.person_id == places.c.person_id, WeekReview.week_start == monday,
                                    WeekReview.status == WeekStatus.signed.value))
             .group_by(places.c.unit_id))
    db.session.execute(_upsert(UnitWeek, ["unit_id", "week_start"], ["officers", "signed", "on_time"])(
        ["unit_id", "week_start", "officers", "signed", "on_time"], query))
