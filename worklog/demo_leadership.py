"""Demo data for leadership's view: the demo's final months a year earlier, so that every figure has the same
period of the year before to be compared with.

The city bureau and two of its counties have that history; 南湖县公安局 was set up this year (it has none), so the
view leaves it out of every comparison and says so. The year-earlier months hold what the view reads, written as
rows the way a month of those years ended: each unit's final month with its officers' results (most of this year's
officers, their grades and days as this year's with a few differences), the days they logged and the weeks their
supervisors signed (a few after the deadline), the survey's calls of each draw (the contacts' numbers long erased,
as the retention rules want), and the units' sealed evaluations with their yellow cards. Loaded once;
deterministic.
"""
from __future__ import annotations

import copy
import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from models import (DayLog, MonthResult, MonthReview, MonthStatus, Person, Unit, WeekReview, WeekStatus)
from models.survey import (CallOutcome, EvaluationStatus, SurveyCall, SurveyContact, SurveyDraw, UnitEvaluation,
                           UnitEvaluationRun)
from worklog import timekeeping
from worklog.extensions import db
from worklog.rules.leadership import a_year_before

#: The county set up this year: no history a year earlier.
NEW_COUNTY = "C01-N"
#: Whole weeks back: the same weekday a year earlier.
YEAR = timedelta(days=364)

_RESULT_COLUMNS = [c.key for c in MonthResult.__table__.columns if c.key not in ("id", "month_review_id")]


def load() -> dict[str, int]:
    reviews = list(db.session.scalars(select(MonthReview).where(MonthReview.status == MonthStatus.final.value)
                                      .order_by(MonthReview.month, MonthReview.unit_id)))
    months = sorted({r.month for r in reviews})
    if not months or {m.replace(year=m.year + 1) for m in months} & set(months):
        return {"months a year earlier": 0}  # none to copy, or copied already
    rng = random.Random(2025)
    new = db.session.scalar(select(Unit.id).where(Unit.code == NEW_COUNTY))
    kept = [r for r in reviews if r.unit_id != new]
    made = _months(kept, rng)
    people = _weeks(kept, months, rng)
    calls = _survey(months, new, rng)
    _evaluations(months, new)
    db.session.flush()
    return {"months a year earlier": made, "officers a year earlier": people, "calls a year earlier": calls}


def _months(reviews: list[MonthReview], rng: random.Random) -> int:
    """Each unit's month a year earlier, final, with most of this year's officers' results: a few officers were not
    there yet, a few months were graded a step lower, a few days more were missed."""
    results = db.session.scalars(select(MonthResult).where(
        MonthResult.month_review_id.in_([r.id for r in reviews])).order_by(MonthResult.id)).all()
    by_review: dict[int, list[MonthResult]] = {}
    for result in results:
        by_review.setdefault(result.month_review_id, []).append(result)
    lower = {"excellent": "competent", "competent": "basic", "basic": "basic", "incompetent": "incompetent"}
    for review in reviews:
        then = MonthReview(unit_id=review.unit_id, month=review.month.replace(year=review.month.year - 1),
                           status=MonthStatus.final.value, rule_set_id=review.rule_set_id,
                           computed_at=review.computed_at - YEAR, published_at=review.published_at - YEAR,
                           publication_ends=a_year_before(review.publication_ends),
                           appeal_deadline=a_year_before(review.appeal_deadline),
                           finalised_at=review.finalised_at - YEAR)
        db.session.add(then)
        db.session.flush()
        rows = []
        for result in by_review.get(review.id, []):
            if rng.random() < 0.08:
                continue  # joined since
            row = {name: getattr(result, name) for name in _RESULT_COLUMNS}
            row["month_review_id"] = then.id
            explanation = copy.deepcopy(result.explanation or {})
            days = explanation.get("days")
            if days and days.get("cleared") and rng.random() < 0.12:
                days["cleared"] -= 1
                row["missing_days"] = result.missing_days + 1
            if rng.random() < 0.1 and result.override_grade is None and lower[result.final_grade] != result.final_grade:
                # The panel graded the month a step lower, with its reason (always within the quota).
                row["final_grade"] = row["override_grade"] = lower[result.final_grade]
                row["override_reason"] = "考核小组复核：当月工作质量有待提高"
            row["explanation"] = explanation
            rows.append(row)
        if rows:
            db.session.execute(insert(MonthResult), rows)
    return len(reviews)


def _weeks(reviews: list[MonthReview], months: list[date], rng: random.Random) -> int:
    """The days logged a year earlier (this year's, a year back to the same weekday) and the weeks signed: most by
    Tuesday 24:00 after the week, some a few days late."""
    first, last = months[0], timekeeping.month_bounds(months[-1])[1]
    units = {r.unit_id for r in reviews}
    logs = db.session.scalars(select(DayLog).where(DayLog.work_date >= first, DayLog.work_date <= last,
                                                   DayLog.unit_id.in_(units))).all()
    rows = [{"person_id": log.person_id, "work_date": log.work_date - YEAR, "unit_id": log.unit_id,
             "department_id": log.department_id, "sequence_id": log.sequence_id, "status": log.status,
             "self_assessment": log.self_assessment, "submitted_at": log.submitted_at - YEAR
             if log.submitted_at else None, "deadline_at": log.deadline_at - YEAR if log.deadline_at else None,
             "late": log.late, "version": 1} for log in logs]
    if rows:
        db.session.execute(insert(DayLog), rows)
    weeks = db.session.scalars(select(WeekReview).where(
        WeekReview.status == WeekStatus.signed.value, WeekReview.week_start >= first - timedelta(days=6),
        WeekReview.week_start <= last, WeekReview.unit_id.in_(units))).all()
    signed = []
    for week in weeks:
        late = timedelta(days=rng.choice((2, 3, 5))) if rng.random() < 0.07 else timedelta(0)
        # The week's entries are not kept a year on: the signature counted none of them.
        signed.append({"person_id": week.person_id, "week_start": week.week_start - YEAR, "unit_id": week.unit_id,
                       "status": WeekStatus.signed.value, "signed_by_id": week.signed_by_id,
                       "signed_at": week.signed_at - YEAR + late, "entries": 0, "points": 0, "approved_points": 0,
                       "version": 1})
    if signed:
        db.session.execute(insert(WeekReview), signed)
    return len({row["person_id"] for row in rows})


def _survey(months: list[date], new: int | None, rng: random.Random) -> int:
    """The survey's draws of those months a year earlier, every call made; the contacts' numbers erased since."""
    draws = db.session.scalars(select(SurveyDraw).where(SurveyDraw.month.in_(months), SurveyDraw.unit_id != new)
                               .order_by(SurveyDraw.id)).all()
    made = 0
    satisfied, basic = CallOutcome.satisfied.value, CallOutcome.basic.value
    for draw in draws:
        month = draw.month.replace(year=draw.month.year - 1)
        then = SurveyDraw(unit_id=draw.unit_id, kind=draw.kind, month=month, sample_size=draw.sample_size,
                          seed=draw.seed, candidates=draw.candidates, eligible=draw.eligible,
                          no_repeat_days=draw.no_repeat_days, drawn_by_id=draw.drawn_by_id,
                          drawn_at=draw.drawn_at - YEAR)
        db.session.add(then)
        for call in draw.calls:
            contact = call.contact
            outcome = call.outcome or rng.choice([satisfied, basic])
            if outcome == satisfied and rng.random() < 0.15:
                outcome = basic  # a little less satisfied a year earlier
            erased = contact.imported_at - YEAR + timedelta(days=200)
            then.calls.append(SurveyCall(
                position=call.position, outcome=outcome, called_by_id=call.called_by_id,
                called_at=(call.called_at or contact.imported_at) - YEAR,
                contact=SurveyContact(unit_id=contact.unit_id, kind=contact.kind,
                                      contact_date=a_year_before(contact.contact_date), reference="", name="",
                                      phone_cipher=None, phone_hash=None, phone_last4="",
                                      imported_by_id=contact.imported_by_id,
                                      imported_at=contact.imported_at - YEAR, erased_at=erased)))
            made += 1
    db.session.flush()
    return made


def _evaluations(months: list[date], new: int | None) -> None:
    """The units' sealed evaluations of those months a year earlier: this year's places, and a yellow card for the
    last county in the public ranking of the first month."""
    runs = db.session.scalars(select(UnitEvaluationRun).where(UnitEvaluationRun.annual.is_(False),
                                                              UnitEvaluationRun.period.in_(months))
                              .order_by(UnitEvaluationRun.period)).all()
    admin = db.session.scalar(select(Person.id).where(Person.badge == "900001"))
    for index, run in enumerate(runs):
        then = UnitEvaluationRun(period=run.period.replace(year=run.period.year - 1), annual=False,
                                 status=EvaluationStatus.final.value, rules=dict(run.rules),
                                 recorded_by_id=admin, recorded_at=run.recorded_at - YEAR, finalised_by_id=admin,
                                 finalised_at=run.recorded_at - YEAR + timedelta(days=2))
        counties = sorted((r for r in run.results if r.level == "county" and r.unit_id != new
                           and r.public_rank is not None), key=lambda r: r.public_rank)
        carded = counties[-1].unit_id if counties and index == 0 else None
        for result in run.results:
            if result.unit_id == new:
                continue
            then.results.append(UnitEvaluation(
                unit_id=result.unit_id, level=result.level, work_score=result.work_score,
                work_normalised=result.work_normalised, poll=result.poll, poll_sample=result.poll_sample,
                survey=result.survey, survey_called=result.survey_called, survey_valid=result.survey_valid,
                reply_rate=result.reply_rate, public=result.public, comprehensive=result.comprehensive,
                rank=result.rank, public_rank=result.public_rank, peers=result.peers, grade=result.grade,
                yellow_card=result.yellow_card or result.unit_id == carded, yellow_flagged=result.yellow_flagged,
                explanation=list(result.explanation or [])))
        db.session.add(then)
    db.session.flush()

