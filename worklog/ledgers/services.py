"""The one module that keeps the roll-ups exact with the entries: the officer's day totals and the three
ledgers (department × category, department, unit per month), which count the entries of signed weeks.

Two ways, both set-based SQL, never a Python loop over entries and never per page view:

- by delta, on the hot paths: an entry saved or reviewed moves its day's total by the difference; a week
  signed adds its entries to the ledger rows (an upsert per table, for any number of officers at once);
- by recomputation, where a period is rebuilt or reopened: a week unsigned, a month finalised, a repair
  (the day totals are rebuilt in bulk by the demo and the synthetic province).

`flask --app app ledger check` recomputes everything independently and names any difference.
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Iterable

from decimal import Decimal

from sqlalchemy import Date, bindparam, case, delete, distinct, exists, func, insert, literal, select, true, update
from sqlalchemy.orm import aliased

from models import (DayLog, Department, DepartmentMonth, DepartmentMonthCategory, Entry, EntryStatus, PersonDayTotal,
                    UnitMonth)
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


def mark_week(person_id: int, monday: date, signed: bool) -> None:
    """Mark a week's entries signed (or not) and recompute the ledgers of their departments (reopening a week)."""
    sunday = monday + timedelta(days=6)
    in_week = (Entry.person_id == person_id, Entry.work_date >= monday, Entry.work_date <= sunday)
    db.session.execute(update(Entry).where(*in_week).values(week_signed=signed))
    departments = set(db.session.scalars(select(Entry.department_id).where(*in_week).distinct()))
    refresh(departments, months_between(monday, sunday))


def refresh_all() -> None:
    """Rebuild every ledger row from the entries (after a bulk load, or to repair)."""
    bounds = db.session.execute(select(func.min(Entry.work_date), func.max(Entry.work_date))).one()
    if bounds[0] is None:
        return
    departments = list(db.session.scalars(select(Department.id)))
    refresh(departments, months_between(bounds[0], bounds[1]))


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
