"""A published round of City A whose rules every officer passes, a county's annual results that put two officers
on the warning and removal lists, and grades that propose honours. The clock: February 2027, after 2026 ended."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from models import MonthResult, MonthReview, PromotionRound, YearResult, YearReview
from worklog.extensions import db

NOW = datetime(2027, 2, 10, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _clock(app):
    app.config["FIXED_NOW"] = NOW


def make_round(org, publish=True, name="2026 competitive promotion") -> PromotionRound:
    """A round of City A, its rules passed by everyone, judged (inline) and, unless ``publish`` is false,
    published knowingly with the months it reads that nobody closed (the API's tests build theirs the same way)."""
    from tests.api.test_api_reads import _round
    return _round(org, "competitive_promotion", name, publish=publish)


@pytest.fixture
def published(org):
    return make_round(org)


def final_year(unit, year: int, results: dict, size: int = 67) -> YearReview:
    """A final annual review of ``unit``: ``results`` maps a person to (rank, grade), in a ranking group of
    ``size`` (the rest of the group is not in this small world)."""
    review = YearReview(unit_id=unit.id, year=year, status="final", reopened=0)
    db.session.add(review)
    db.session.flush()
    rows = []
    for person, (rank, grade) in results.items():
        assignment = person.assignments[0]
        rows.append({"year_review_id": review.id, "person_id": person.id, "department_id": assignment.department_id,
                     "sequence_id": assignment.post.sequence_id, "months": 12, "mean_monthly": Decimal("80"),
                     "adjustments": Decimal("0"), "score": Decimal("95") if grade == "excellent" else Decimal("80"),
                     "excellent_months": 0, "incompetent_months": 0, "veto": False, "rank": rank, "group_size": size,
                     "percentile": Decimal(rank) / size, "proposed_grade": grade, "final_grade": grade,
                     "explanation": {}})
    db.session.execute(insert(YearResult), rows)
    db.session.commit()
    return review


@pytest.fixture
def on_lists(org):
    """County A1's 2025 and 2026 rankings, in a group of 67 (3%: two places from the bottom): Officer A last both
    years (the removal list), Supervisor A second to last in 2026 (the warning-talk list)."""
    officer, supervisor, panel = org["officer_a"], org["supervisor_a"], org["panel_a"]
    final_year(org.county_a, 2025, {officer: (67, "incompetent"), supervisor: (10, "competent"),
                                    panel: (1, "excellent")})
    final_year(org.county_a, 2026, {officer: (67, "incompetent"), supervisor: (66, "basic"),
                                    panel: (1, "excellent")})
    return org


def final_months(unit, person, grades: list[str], year: int = 2026) -> None:
    """Final months of ``unit`` from January of ``year``, ``person`` graded as given, one month each."""
    assignment = person.assignments[0]
    for i, grade in enumerate(grades):
        month = date(year, i + 1, 1)
        review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == unit.id,
                                                             MonthReview.month == month))
        if review is None:
            review = MonthReview(unit_id=unit.id, month=month, status="final", reopened=0)
            db.session.add(review)
            db.session.flush()
        db.session.execute(insert(MonthResult), [{
            "month_review_id": review.id, "person_id": person.id, "department_id": assignment.department_id,
            "sequence_id": assignment.post.sequence_id, "post_id": assignment.post_id,
            "approved_points": Decimal("400"), "target_points": Decimal("400"), "missing_days": 0, "late_days": 0,
            "returned_entries": 0, "reduced_entries": 0, "discipline_deductions": Decimal("0"),
            "quality_deductions": Decimal("0"), "commendations": Decimal("0"), "base": Decimal("30"),
            "workload": Decimal("50"), "quality": Decimal("20"), "bonus": Decimal("0"),
            "score": Decimal("95") if grade == "excellent" else Decimal("80"), "veto": False, "rank": 1,
            "group_size": 10, "quota": 2, "proposed_grade": grade, "final_grade": grade, "explanation": {}}])
    db.session.commit()


def sheet_rows(response) -> list[tuple]:
    """The first sheet of an XLSX answer, row by row."""
    from openpyxl import load_workbook
    assert response.status_code == 200 and response.mimetype.endswith("sheet"), response.status
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
