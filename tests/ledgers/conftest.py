"""Fixtures for the ledgers: a week logged, approved and signed the real way, and entries written in bulk."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from models import DayLog, Department, Entry, Person, TaskType
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import PASSWORD
from tests.weekly.conftest import MONDAY, log_week
from worklog.extensions import db
from worklog.weekly import services as weekly

NOVEMBER = date(2026, 11, 1)
#: Tuesday 1 December, 10:00 in Beijing: November is over and may be closed (opened, computed, published).
NOVEMBER_OVER = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def signed(app, org, catalog):
    """Officer A's week of 16 November: ten entries (25 points) logged, approved and signed by supervisor A."""
    return sign_a_week(app, org, catalog)


def sign_a_week(app, org, catalog):
    """What :func:`signed` makes, for the fixtures that build on it (the clock left on the day of signing)."""
    entries = log_week(app, org["officer_a"], catalog)
    weekly.approve_all(org["officer_a"], MONDAY, org["supervisor_a"])
    weekly.sign_week(org["officer_a"], MONDAY, org["supervisor_a"], PASSWORD)
    db.session.commit()
    return entries


def bulk_entries(person: Person, department: Department, task: TaskType, days: list[date], points: str = "10",
                 *, approved: str | None = None, status: str = "approved", signed: bool = True) -> None:
    """One entry a day as logging, review and signing leave them, written in bulk (the roll-ups are not
    refreshed: the caller does that, as signing would)."""
    post = person.assignments[0].post
    have = dict(db.session.execute(select(DayLog.work_date, DayLog.id).where(
        DayLog.person_id == person.id, DayLog.work_date.in_(days))).all())
    new = [d for d in dict.fromkeys(days) if d not in have]
    if new:
        db.session.execute(insert(DayLog), [
            {"person_id": person.id, "work_date": d, "unit_id": department.unit_id, "department_id": department.id,
             "sequence_id": post.sequence_id, "status": "submitted", "self_assessment": "ok",
             "deadline_at": datetime.combine(d + timedelta(days=1), time(1), tzinfo=timezone.utc),
             "submitted_at": datetime.combine(d, time(10), tzinfo=timezone.utc), "late": False, "version": 1}
            for d in new])
        have = dict(db.session.execute(select(DayLog.work_date, DayLog.id).where(
            DayLog.person_id == person.id, DayLog.work_date.in_(days))).all())
    version = task.versions[0]
    value = Decimal(points)
    db.session.execute(insert(Entry), [
        {"day_id": have[d], "person_id": person.id, "work_date": d, "task_type_id": task.id,
         "task_type_version_id": version.id, "category_id": task.category_id, "unit_id": department.unit_id,
         "department_id": department.id, "post_id": post.id, "sequence_id": post.sequence_id,
         "quantity": Decimal("1"), "hours": Decimal("1"), "description": "", "completion": "done",
         "standard_points": version.standard_points, "completion_factor": Decimal("1"), "coefficient": Decimal("1"),
         "points": value, "approved_points": Decimal(approved) if approved is not None else value,
         "status": status, "review_note": "", "returned_count": 0, "week_signed": signed, "version": 1}
        for d in days])


def working_days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)
            if (first + timedelta(days=i)).weekday() < 5]
