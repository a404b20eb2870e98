"""Twelve final months for the county of ten (tests/monthly), with known monthly grades."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert

from models import MonthResult, MonthReview
from tests.monthly.conftest import county  # noqa: F401  (the county of ten)
from tests.daily.conftest import catalog  # noqa: F401
from worklog.extensions import db

MONTHS = [date(2025, m, 1) for m in range(11, 13)] + [date(2026, m, 1) for m in range(1, 11)]  # 2025-11 … 2026-10


def grade_for(badge: str, month: date) -> tuple[str, str]:
    """O1: excellent in 4 months of the window; O2: in 3; O3: in 4 but one of them before the window
    (2025-10 is not in MONTHS, so O3 has 3); the rest competent; O9 incompetent twice."""
    index = MONTHS.index(month)
    if badge == "O1" and index in (0, 3, 6, 9):
        return "excellent", "95.00"
    if badge == "O2" and index in (1, 4, 7):
        return "excellent", "94.00"
    if badge == "O3" and index in (2, 5, 8):
        return "excellent", "93.00"
    if badge == "O9" and index in (0, 1):
        return "incompetent", "55.00"
    return "competent", "80.00"


@pytest.fixture
def history(app, county):
    for month in MONTHS:
        review = MonthReview(unit_id=county.unit.id, month=month, status="final", reopened=0)
        db.session.add(review)
        db.session.flush()
        rows = []
        for badge, person in county.officers.items():
            grade, score = grade_for(badge, month)
            rows.append({"month_review_id": review.id, "person_id": person.id, "department_id": county.department.id,
                         "sequence_id": person.assignments[0].post.sequence_id, "post_id": person.assignments[0].post_id,
                         "approved_points": Decimal("400"), "target_points": Decimal("400"), "missing_days": 0,
                         "late_days": 0, "returned_entries": 0, "reduced_entries": 0,
                         "discipline_deductions": Decimal("0"), "quality_deductions": Decimal("0"),
                         "commendations": Decimal("0"), "base": Decimal("30"), "workload": Decimal("50"),
                         "quality": Decimal("20"), "bonus": Decimal("0"), "score": Decimal(score), "veto": False,
                         "rank": 1, "group_size": 10, "quota": 2, "proposed_grade": grade, "final_grade": grade,
                         "explanation": {}})
        db.session.execute(insert(MonthResult), rows)
    db.session.commit()
    return MONTHS
