"""A county of ten officers with a known October 2026, for the month's hand-computed example."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from models import DayLog, Entry, Person, Role
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import make_person
from worklog.admin import services as admin
from worklog.extensions import db
from worklog.ledgers import services as ledgers

OCTOBER = date(2026, 10, 1)
WORKING_DAYS = [date(2026, 10, d) for d in range(1, 32)
                if date(2026, 10, d).weekday() < 5]  # 22 days: no holidays in the test calendar

#: badge → (approved points a day, days submitted, late days); see test_month.py for the arithmetic.
OFFICERS = {
    "O1": ("20", 22, 0), "O2": ("19", 22, 0), "O3": ("18", 22, 0), "O4": ("17", 22, 0), "O5": ("16", 22, 0),
    "O6": ("14", 22, 0), "O7": ("15", 20, 0), "O8": ("20", 22, 3), "O9": ("5", 22, 0), "O10": ("8", 22, 0),
}


@dataclass
class County:
    unit: object
    department: object
    officers: dict


def _entries(person: Person, assignment, task, per_day: str, days: list[date], late_days: int):
    """Bulk rows like those a month of logging and signing leaves: one approved entry per submitted day."""
    deadline = lambda d: datetime.combine(d + timedelta(days=1), time(1), tzinfo=timezone.utc)  # noqa: E731
    logs = [{"person_id": person.id, "work_date": d, "unit_id": assignment.department.unit_id,
             "department_id": assignment.department_id, "sequence_id": assignment.post.sequence_id,
             "status": "submitted", "self_assessment": "ok", "deadline_at": deadline(d),
             "submitted_at": deadline(d) + (timedelta(hours=2) if i < late_days else -timedelta(hours=8)),
             "late": i < late_days, "version": 1} for i, d in enumerate(days)]
    db.session.execute(insert(DayLog), logs)
    ids = dict(db.session.execute(select(DayLog.work_date, DayLog.id).where(DayLog.person_id == person.id)).all())
    version = task.versions[0]
    rows = [{"day_id": ids[d], "person_id": person.id, "work_date": d, "task_type_id": task.id,
             "task_type_version_id": version.id, "category_id": task.category_id,
             "unit_id": assignment.department.unit_id, "department_id": assignment.department_id,
             "post_id": assignment.post_id, "sequence_id": assignment.post.sequence_id,
             "quantity": Decimal(per_day) / version.standard_points, "hours": Decimal("8"), "description": "",
             "completion": "done", "standard_points": version.standard_points, "completion_factor": Decimal("1"),
             "coefficient": Decimal("1"), "points": Decimal(per_day), "approved_points": Decimal(per_day),
             "status": "approved", "review_note": "", "returned_count": 0, "week_signed": True, "version": 1}
            for d in days]
    db.session.execute(insert(Entry), rows)


@pytest.fixture
def county(app, org, catalog):
    unit = admin.create_unit(org.city_a, {"code": "CA2", "name": "County A2"}, None)
    department = admin.create_department(unit, {"code": "PCS", "name": "Station A2"}, None)
    admin.grant_role(org["panel_a"], Role.panel.value, unit, None)
    officers = {}
    for badge, (per_day, submitted, late) in OFFICERS.items():
        person = make_person(f"9{badge[1:]:0>4}", badge, department, org.post, org["supervisor_a"])
        officers[badge] = person
        _entries(person, person.assignments[0], catalog["T1"], per_day,
                 WORKING_DAYS[:submitted], late)
    # Officer 8: one entry returned once and corrected, one approved with 30% fewer points (20 → 14).
    o8 = officers["O8"]
    # History written as signing would have left it, though the rows above were inserted signed: let the
    # PostgreSQL triggers that guard signed weeks' entries (migration 0011) through.
    from worklog import integrity
    integrity.allow_reopening(db.session)
    first, second = db.session.scalars(select(Entry).where(Entry.person_id == o8.id).order_by(Entry.id).limit(2))
    first.returned_count = 1
    second.approved_points = Decimal("14.00")
    db.session.flush()
    ledgers.refresh([department.id], [OCTOBER])
    db.session.commit()
    return County(unit, department, officers)
