"""Keeping the ledger roll-ups exact: recomputed set-based in SQL from the entries of signed weeks.

Called when a week is signed or reopened and when a month closes; never per page view, and never a
Python loop over entries.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import Date, case, delete, distinct, func, insert, literal, select, update

from models import Department, DepartmentMonth, DepartmentMonthCategory, Entry, EntryStatus, UnitMonth
from worklog.extensions import db
from worklog.timekeeping import month_bounds


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
        unit_ids = select(Department.unit_id).where(Department.id.in_(department_ids)).distinct()
        db.session.execute(delete(UnitMonth).where(UnitMonth.unit_id.in_(unit_ids), UnitMonth.month == month))
        db.session.execute(insert(UnitMonth).from_select(
            ["unit_id", "month", "officers", "entries", "points", "approved_points"],
            select(Entry.unit_id, m, func.count(distinct(Entry.person_id)), func.count(), func.sum(Entry.points),
                   _approved())
            .where(Entry.unit_id.in_(unit_ids), *in_scope).group_by(Entry.unit_id)))


def mark_week(person_id: int, monday: date, signed: bool) -> None:
    """Mark a week's entries signed (or not) and bring the ledgers of their departments up to date."""
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
