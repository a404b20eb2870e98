"""Leadership's fixtures: a leader over city A and one over city B, a pinned clock, and helpers that write what the
view reads the way the month's close, the week's signature, the survey and the unit's evaluation leave it, roll-ups
included (their own services are tested where they live): a unit's month of results, its ledger month, officers'
signed weeks, a month's survey calls, a yellow card."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from models import (DayLog, MonthResult, MonthReview, MonthStatus, Role, Unit, UnitMonth, WeekReview, WeekStatus)
from models.survey import (EvaluationStatus, SurveyCall, SurveyContact, SurveyDraw, UnitEvaluation,
                           UnitEvaluationRun)
from tests.factories import make_person
from worklog.admin import services as admin
from worklog.extensions import db
from worklog.ledgers import services as ledgers

#: Monday 10 August 2026, 10:00 in Shanghai: the first half of 2026 is over, the second has begun.
NOW = datetime(2026, 8, 10, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def pinned_clock(app):
    app.config["FIXED_NOW"] = NOW
    yield
    app.config["FIXED_NOW"] = None


@pytest.fixture
def leaders(org, pinned_clock):
    """Leadership of city A (working in county A's station) and of city B."""
    org.people["leader_a"] = make_person("600001", "Leader A", org.dept_a, org.post,
                                         roles={Role.leader.value: org.city_a})
    org.people["leader_b"] = make_person("600002", "Leader B", org.dept_b, org.post,
                                         roles={Role.leader.value: org.city_b})
    db.session.commit()
    return org


def new_county(org, code: str, name: str, parent: Unit | None = None) -> tuple[Unit, object]:
    unit = admin.create_unit(parent or org.city_a, {"code": code, "name": name}, None)
    department = admin.create_department(unit, {"code": "PCS", "name": f"Station {code}"}, None)
    db.session.flush()
    return unit, department


_serial = iter(range(700000, 800000))


def month_results(org, unit: Unit, department, month: date, grades: list[str], days: list[tuple[int, int]],
                  status: str = MonthStatus.final.value) -> MonthReview:
    """A unit's month closed with one officer per grade given (made for it), each with (days due, days cleared)
    recorded as the month's computation records them."""
    # The officers first, placed from the month on: a placement reaching into a final month is refused.
    people = [make_person(str(next(_serial)), None, department, org.post, valid_from=month) for _g in grades]
    review = MonthReview(unit_id=unit.id, month=month, status=status)
    db.session.add(review)
    db.session.flush()
    rows = []
    for person, grade, (due, cleared) in zip(people, grades, days, strict=True):
        rows.append({
            "month_review_id": review.id, "person_id": person.id, "department_id": department.id,
            "sequence_id": org.post.sequence_id, "post_id": org.post.id, "approved_points": Decimal("400"),
            "target_points": Decimal("400"), "missing_days": due - cleared, "late_days": 0, "returned_entries": 0,
            "reduced_entries": 0, "discipline_deductions": Decimal("0"), "quality_deductions": Decimal("0"),
            "commendations": Decimal("0"), "base": Decimal("30"), "workload": Decimal("50"),
            "quality": Decimal("20"), "bonus": Decimal("0"), "score": Decimal("90"), "veto": False, "rank": 1,
            "group_size": len(grades), "quota": 1, "proposed_grade": grade, "override_grade": None,
            "override_reason": "", "final_grade": grade,
            "explanation": {"score": [], "grade": [], "days": {"due": due, "cleared": cleared, "missing": []}}})
    db.session.execute(insert(MonthResult), rows)
    ledgers.refresh_grades([review.id])  # as the month's computation leaves its roll-up
    db.session.flush()
    return review


def ledger_month(unit: Unit, month: date, officers: int) -> None:
    """The unit general ledger's row of a month with ``officers`` officers of signed work."""
    db.session.add(UnitMonth(unit_id=unit.id, month=month, officers=officers, entries=officers * 20,
                             points=Decimal(officers * 400), approved_points=Decimal(officers * 400)))
    db.session.flush()


def signed_week(person, unit: Unit, department, monday: date, signed_after_deadline: timedelta | None) -> None:
    """An officer's week with a day logged on its Monday; signed ``signed_after_deadline`` past the deadline
    (negative: before it), or not signed when None."""
    from worklog.weekly.queries import sign_deadline
    db.session.add(DayLog(person_id=person.id, work_date=monday, unit_id=unit.id, department_id=department.id,
                          sequence_id=person.assignments[0].post.sequence_id, status="submitted",
                          submitted_at=datetime.combine(monday, time(12), tzinfo=timezone.utc),
                          deadline_at=datetime.combine(monday + timedelta(days=1), time(1), tzinfo=timezone.utc)))
    if signed_after_deadline is not None:
        db.session.add(WeekReview(person_id=person.id, week_start=monday, unit_id=unit.id,
                                  status=WeekStatus.signed.value,
                                  signed_at=sign_deadline(monday) + signed_after_deadline))
    db.session.flush()
    ledgers.refresh_weeks([unit.id], [monday])  # as the day begun and the signature leave the week's roll-up


def survey_month(unit: Unit, month: date, outcomes: dict[str, int], kind: str = "report_110") -> None:
    """A month's draw of the unit with its calls made (the contacts' numbers erased since)."""
    draw = SurveyDraw(unit_id=unit.id, kind=kind, month=month, sample_size=sum(outcomes.values()), seed=1,
                      candidates=sum(outcomes.values()), eligible=sum(outcomes.values()), no_repeat_days=90)
    position = 0
    for outcome, n in outcomes.items():
        for _i in range(n):
            position += 1
            contact = SurveyContact(unit_id=unit.id, kind=kind, contact_date=month + timedelta(days=3),
                                    phone_cipher=None, phone_hash=None, phone_last4="",
                                    erased_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
            draw.calls.append(SurveyCall(position=position, outcome=outcome, contact=contact,
                                         called_at=datetime.combine(month + timedelta(days=5), time(3),
                                                                    tzinfo=timezone.utc)))
    db.session.add(draw)
    db.session.flush()


def yellow_cards(month: date, carded: list[Unit], others: list[Unit]) -> None:
    """The units' recorded evaluation of a month, with a yellow card for ``carded``."""
    run = UnitEvaluationRun(period=month, annual=False, status=EvaluationStatus.final.value, rules={})
    for unit in carded + others:
        run.results.append(UnitEvaluation(unit_id=unit.id, level=unit.level, yellow_card=unit in carded))
    db.session.add(run)
    db.session.flush()


def unit_id(code: str) -> int:
    return db.session.scalar(select(Unit.id).where(Unit.code == code))
