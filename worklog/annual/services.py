"""The annual review of a unit, and the facts the eligibility rules judge.

The annual score is the mean of the officer's final monthly scores plus the panel's annual adjustments
(DESIGN §5); grades follow worklog/rules/annual.py within unit and sequence.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select

from models import (Grade, MonthResult, MonthReview, MonthStatus, Person, Unit, VetoEvent, YearAdjustment,
                    YearAppeal, YearResult, YearReview, utcnow)
from worklog import audit, timekeeping
from worklog import notifications
from worklog.cycle import Period
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.rulesets.queries import values_on
from worklog.monthly.services import _assignments
from worklog.permissions import require_panel
from worklog.rules.annual import AnnualInput, AnnualRules, annual_score, grade_year
from worklog.rules.eligibility import OfficerFacts

FINAL = (MonthStatus.final.value,)


def year_review(unit_id: int, year: int) -> YearReview | None:
    return db.session.scalar(select(YearReview).where(YearReview.unit_id == unit_id, YearReview.year == year))


def _require_panel(unit: Unit, actor: Person | None) -> None:
    if actor is not None:  # None: a command or a job, acting for the system
        require_panel(actor, unit)


def open_year(unit: Unit, year: int, actor: Person | None) -> YearReview:
    _require_panel(unit, actor)
    review = year_review(unit.id, year)
    if review is None:
        if year > timekeeping.today().year:
            raise ServiceError(_("This year has not begun."))
        review = YearReview(unit_id=unit.id, year=year, status=MonthStatus.open.value, reopened=0)
        db.session.add(review)
        db.session.flush()
        audit.record(actor, "year.opened", "year_review", review.id, unit_id=unit.id, after={"year": year})
    return review


def not_assessed(badge: str, year: int) -> ServiceError:
    """The one answer for a badge that does not exist and for one the unit does not assess."""
    return ServiceError(_("Nobody with badge number %(badge)s is assessed by this unit in %(year)s.",
                          badge=(badge or "").strip(), year=str(year)), "person")


def add_adjustment(review: YearReview, person: Person, points, reason: str, actor: Person) -> YearAdjustment:
    unit = db.session.get(Unit, review.unit_id)
    _require_panel(unit, actor)
    YEAR.require_open(review)
    if person.id == actor.id:
        raise ServiceError(_("Nobody records adjustments, vetoes or grades for themselves."))
    # Only people the unit assesses that year: the year page names whoever is adjusted, so any badge of the
    # province would tell its owner's name. Answered as for a badge that does not exist.
    if person.id not in _assignments(unit.id, date(review.year, 1, 1), date(review.year, 12, 31)):
        raise not_assessed(person.badge, review.year)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason."), "reason")
    value = Decimal(str(points)).quantize(Decimal("0.01"))
    if value == 0 or abs(value) > 20:
        raise ServiceError(_("An annual adjustment is between −20 and +20 points, and not 0."), "points")
    adjustment = YearAdjustment(year_review_id=review.id, person_id=person.id, points=value, reason=reason[:500],
                                created_by_id=actor.id)
    db.session.add(adjustment)
    db.session.flush()
    audit.record(actor, "year.adjustment_added", "year_adjustment", adjustment.id, unit_id=review.unit_id,
                 after={"person": person.badge, "points": str(value)}, reason=reason)
    return adjustment


def compute_year(review: YearReview, actor: Person | None) -> int:
    """Annual scores and grades of every officer the unit assesses at the end of the year."""
    unit = db.session.get(Unit, review.unit_id)
    _require_panel(unit, actor)
    YEAR.require_open(review)
    first, last = date(review.year, 1, 1), date(review.year, 12, 31)
    assignments = _assignments(unit.id, first, last)
    ids = list(assignments)
    months = defaultdict(list)
    if ids:
        for pid, score, grade, veto in db.session.execute(
                select(MonthResult.person_id, MonthResult.score, MonthResult.final_grade, MonthResult.veto)
                .join(MonthReview, MonthReview.id == MonthResult.month_review_id)
                .where(MonthResult.person_id.in_(ids), MonthReview.status.in_(FINAL),
                       MonthReview.month >= first, MonthReview.month <= last)):
            months[pid].append((Decimal(score), grade, veto))
    adjustments = dict(db.session.execute(
        select(YearAdjustment.person_id, func.sum(YearAdjustment.points))
        .where(YearAdjustment.year_review_id == review.id, YearAdjustment.voided_at.is_(None))
        .group_by(YearAdjustment.person_id)).all())
    # The rule set in force on the year's first day: a later version never regrades an earlier year.
    values = values_on(date(review.year, 1, 1))
    r = AnnualRules(excellent_quota=values.annual_excellent_quota, excellent_min_score=values.annual_excellent_min,
                    competent_min_score=values.annual_competent_min, basic_min_score=values.annual_basic_min,
                    incompetent_months_limit=values.annual_incompetent_months,
                    excellent_min_service_years=values.annual_excellent_service_years)
    groups = defaultdict(list)
    facts = {}
    for pid, assignment in assignments.items():
        person_months = months.get(pid, [])
        adjustment = Decimal(adjustments.get(pid) or 0)
        mean = annual_score([m[0] for m in person_months], Decimal("0"))
        score = annual_score([m[0] for m in person_months], adjustment)
        hire = assignment.person.hire_date
        service = Decimal((last - hire).days / 365.25).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) \
            if hire else Decimal("0")
        item = AnnualInput(person_id=pid, score=score,
                           excellent_months=sum(1 for m in person_months if m[1] == Grade.excellent.value),
                           incompetent_months=sum(1 for m in person_months if m[1] == Grade.incompetent.value),
                           service_years=max(service, Decimal("0")), veto=any(m[2] for m in person_months))
        facts[pid] = (len(person_months), mean, adjustment, item)
        groups[assignment.post.sequence_id].append(item)
    rows = []
    for sequence_id, items in groups.items():
        for result in grade_year(items, r):
            n, mean, adjustment, item = facts[result.person_id]
            a = assignments[result.person_id]
            rows.append({"year_review_id": review.id, "person_id": item.person_id, "department_id": a.department_id,
                         "sequence_id": sequence_id, "months": n, "mean_monthly": mean, "adjustments": adjustment,
                         "score": item.score, "excellent_months": item.excellent_months,
                         "incompetent_months": item.incompetent_months, "veto": item.veto, "rank": result.rank,
                         "group_size": len(items), "percentile": result.percentile, "proposed_grade": result.grade,
                         "final_grade": result.grade,
                         "explanation": {"grade": [asdict(c) for c in result.explanation]}})
    db.session.execute(delete(YearResult).where(YearResult.year_review_id == review.id))
    if rows:
        db.session.execute(insert(YearResult), rows)
    if review.status == MonthStatus.open.value:
        review.status = MonthStatus.computed.value
    review.computed_at = utcnow()
    db.session.flush()
    audit.record(actor, "year.computed", "year_review", review.id, unit_id=review.unit_id,
                 after={"officers": len(rows)})
    return len(rows)


# --- Publication, appeals, finalising: the month's cycle (worklog/cycle.py) --------------------------------------


def _correct(review: YearReview, person: Person, correction: Decimal, decision: str, actor: Person) -> None:
    add_adjustment(review, person, correction, decision, actor)


def year_rules(review: YearReview):
    """The rule set in force on the year's first day, as for its computation: later versions never change an
    earlier year's windows either."""
    return values_on(date(review.year, 1, 1))


YEAR = Period(
    name="year", review_model=YearReview, appeal_model=YearAppeal, result_model=YearResult,
    review_key="year_review_id", rules=year_rules, compute=lambda review, actor: compute_year(review, actor),
    correct=_correct, published=lambda review: notifications.results_published(review),
    decided=lambda appeal: notifications.appeal_decided(appeal),
    words={
        "sealed": lambda: _("This year is final and sealed."),
        "compute_first": lambda: _("Compute the year before publishing it."),
        "publish_first": lambda: _("Publish the results before finalising the year."),
        "no_result": lambda: _("You have no result in this year."),
        "runs_until": lambda **kw: _("Appeals run until %(day)s: the year can be finalised from %(first)s.", **kw),
        "not_final": lambda: _("This year is not final."),
        "reopen_reason": lambda: _("Give the reason for reopening the year."),
    })


def publish_year(review: YearReview, actor: Person) -> YearReview:
    """公示 of the annual results: officers see them and may appeal within the rule set's appeal window."""
    return YEAR.publish(review, actor)


def file_year_appeal(review: YearReview, person: Person, reason: str, actor: Person) -> YearAppeal:
    return YEAR.file_appeal(review, person, reason, actor)


def decide_year_appeal(appeal: YearAppeal, upheld: bool, decision: str, actor: Person,
                       correction: Decimal | None = None, seen_version: int | None = None) -> YearAppeal:
    """An upheld appeal may carry a correction of the annual score (an annual adjustment)."""
    return YEAR.decide_appeal(appeal, upheld, decision, actor, correction, seen_version)


def finalise_year(review: YearReview, actor: Person) -> YearReview:
    return YEAR.finalise(review, actor)


def reopen_year(review: YearReview, reason: str, actor: Person) -> YearReview:
    return YEAR.reopen(review, reason, actor)


# --- Facts for the eligibility rules ---------------------------------------------------------------------------------


def facts_for(people: list[Person], among=None) -> list[OfficerFacts]:
    """What the eligibility rules look at, for each person: final monthly grades, vetoes of final months,
    final annual ranks, hire date and rank. Three queries whatever the number of people: ``among``, a SELECT of
    the same people's ids, keeps a province's 100,000 ids out of the statement (a list of them would pass
    PostgreSQL's limit of 65,535 parameters)."""
    ids = among if among is not None else [p.id for p in people]
    grades, vetoes, annual = defaultdict(dict), defaultdict(list), defaultdict(dict)
    if people:
        for pid, month, grade in db.session.execute(
                select(MonthResult.person_id, MonthReview.month, MonthResult.final_grade)
                .join(MonthReview, MonthReview.id == MonthResult.month_review_id)
                .where(MonthResult.person_id.in_(ids), MonthReview.status.in_(FINAL))):
            grades[pid][month] = grade
        for pid, day in db.session.execute(
                select(VetoEvent.person_id, VetoEvent.event_date)
                .join(MonthReview, MonthReview.id == VetoEvent.month_review_id)
                .where(VetoEvent.person_id.in_(ids), VetoEvent.voided_at.is_(None),
                       MonthReview.status.in_(FINAL))):
            vetoes[pid].append(day)
        for pid, year, rank, size, score in db.session.execute(
                select(YearResult.person_id, YearReview.year, YearResult.rank, YearResult.group_size, YearResult.score)
                .join(YearReview, YearReview.id == YearResult.year_review_id)
                .where(YearResult.person_id.in_(ids), YearReview.status.in_(FINAL))):
            annual[pid][year] = (rank, size, Decimal(score))
    return [OfficerFacts(person_id=p.id, monthly_grades=grades[p.id], vetoes=vetoes[p.id], annual=annual[p.id],
                         hire_date=p.hire_date, rank=p.rank or "") for p in people]
