"""Three supervisors of county A's police stations with known reviews in October 2026, and a fourth with few.

Every entry is 10 points (5 × T1 at 2 points), one a day. Who reviewed what (worked out by hand in test_leniency):

- S1 (officers A1, A2, 10 entries each): 3 approved at 8 points, 2 returned once then approved at 10, 1 returned and
  not yet corrected, 14 approved as reported. A1 has an eleventh entry nobody has reviewed yet.
- S2 (B1, B2): 5 approved at 8, 1 returned once then approved at 10, 14 approved as reported.
- S3 (C1, C2): 20 approved as reported; S3 also adjusted an entry of November and one of an officer of county B,
  which October's page of county A does not count.
- S4 (D1): 5 entries approved as reported.

October's grades (published): A1 excellent, A2 competent, B1 competent, B2 basic, C1 and C2 excellent, D1 incompetent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from models import DayLog, Entry, MonthResult, MonthReview, Person, Role
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import make_person
from worklog.extensions import db

OCTOBER = date(2026, 10, 1)
DAYS = [date(2026, 10, d) for d in range(1, 32) if date(2026, 10, d).weekday() < 5][:12]
GRADES = {"A1": "excellent", "A2": "competent", "B1": "competent", "B2": "basic", "C1": "excellent",
          "C2": "excellent", "D1": "incompetent"}


@dataclass
class County:
    supervisors: dict[str, Person]
    officers: dict[str, Person]


def add_entries(person: Person, reviewer: Person | None, kinds: list[str], task, days: list[date] = DAYS) -> None:
    """One entry a day of 10 points for ``person``, reviewed by ``reviewer``: each kind is "ok" (approved as
    reported), "cut" (approved at 8), "back" (returned once, then approved at 10), "waiting" (returned, not corrected
    yet) or "new" (submitted, not reviewed)."""
    assignment = person.assignments[0]
    unit_id = assignment.department.unit_id
    deadline = datetime.combine(days[0], time(1), tzinfo=timezone.utc)
    db.session.execute(insert(DayLog), [
        {"person_id": person.id, "work_date": d, "unit_id": unit_id, "department_id": assignment.department_id,
         "sequence_id": assignment.post.sequence_id, "status": "submitted", "self_assessment": "",
         "deadline_at": deadline + timedelta(days=i), "submitted_at": deadline + timedelta(days=i), "late": False,
         "version": 1}
        for i, d in enumerate(days[:len(kinds)])])
    ids = dict(db.session.execute(select(DayLog.work_date, DayLog.id).where(DayLog.person_id == person.id)).all())
    version = task.versions[0]
    rows = []
    for d, kind in zip(days, kinds):
        approved = {"ok": "10", "cut": "8", "back": "10"}.get(kind)
        status = {"waiting": "returned", "new": "submitted"}.get(kind, "approved")
        rows.append({"day_id": ids[d], "person_id": person.id, "work_date": d, "task_type_id": task.id,
                     "task_type_version_id": version.id, "category_id": task.category_id, "unit_id": unit_id,
                     "department_id": assignment.department_id, "post_id": assignment.post_id,
                     "sequence_id": assignment.post.sequence_id, "quantity": Decimal("5"), "hours": Decimal("2"),
                     "description": "", "completion": "done", "standard_points": version.standard_points,
                     "completion_factor": Decimal("1"), "coefficient": Decimal("1"), "points": Decimal("10"),
                     "approved_points": Decimal(approved) if approved else None, "status": status,
                     "reviewed_by_id": None if kind == "new" else reviewer.id,
                     "review_note": "cut" if kind == "cut" else "", "returned_count": 1 if kind in ("back", "waiting")
                     else 0, "week_signed": False, "version": 1})
    db.session.execute(insert(Entry), rows)


def grade_month(unit, department, post, grades: dict[Person, str], month: date = OCTOBER,
                status: str = "final") -> None:
    review = MonthReview(unit_id=unit.id, month=month, status=status, reopened=0)
    db.session.add(review)
    db.session.flush()
    db.session.execute(insert(MonthResult), [
        {"month_review_id": review.id, "person_id": person.id, "department_id": department.id,
         "sequence_id": post.sequence_id, "post_id": post.id, "approved_points": Decimal("100"),
         "target_points": Decimal("400"), "missing_days": 0, "late_days": 0, "returned_entries": 0,
         "reduced_entries": 0, "discipline_deductions": Decimal("0"), "quality_deductions": Decimal("0"),
         "commendations": Decimal("0"), "base": Decimal("30"), "workload": Decimal("12.5"), "quality": Decimal("20"),
         "bonus": Decimal("0"), "score": Decimal("62.5"), "veto": False, "rank": 1, "group_size": 7, "quota": 1,
         "proposed_grade": grade, "final_grade": grade, "explanation": {}}
        for person, grade in grades.items()])


@pytest.fixture
def county(app, org, catalog):
    task = catalog["T1"]
    supervisors = {name: make_person(f"61000{i}", name, org.dept_a, org.post,
                                     roles={Role.supervisor.value: org.county_a})
                   for i, name in enumerate(("S1", "S2", "S3", "S4"), 1)}
    officers = {}
    for i, name in enumerate(GRADES, 1):
        officers[name] = make_person(f"62000{i}", name, org.dept_a, org.post,
                                     supervisors["S" + str("ABCD".index(name[0]) + 1)])
    s1, s2, s3, s4 = (supervisors[k] for k in ("S1", "S2", "S3", "S4"))
    add_entries(officers["A1"], s1, ["cut", "cut", "back", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "new"], task)
    add_entries(officers["A2"], s1, ["cut", "back", "waiting", "ok", "ok", "ok", "ok", "ok", "ok", "ok"], task)
    add_entries(officers["B1"], s2, ["cut", "cut", "cut", "back", "ok", "ok", "ok", "ok", "ok", "ok"], task)
    add_entries(officers["B2"], s2, ["cut", "cut", "ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok"], task)
    add_entries(officers["C1"], s3, ["ok"] * 10, task)
    add_entries(officers["C2"], s3, ["ok"] * 10 + ["cut"], task, DAYS[:10] + [date(2026, 11, 2)])
    add_entries(officers["D1"], s4, ["ok"] * 5, task)
    add_entries(org["officer_b"], s3, ["cut"] * 3, task)  # county B's officer: not county A's figures
    # Published, not final: people can still be placed in the county from before October (a sealed month refuses it).
    grade_month(org.county_a, org.dept_a, org.post, {officers[k]: g for k, g in GRADES.items()}, status="published")
    db.session.commit()
    return County(supervisors, officers)
