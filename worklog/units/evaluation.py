"""Units' comprehensive evaluation (综合考评, DESIGN §7): work score, opinion poll and survey brought together,
ranked and graded among peers, with yellow cards; and the recorded, then sealed, runs.

Figures of a unit:

- work score: where the year's rule set bases it on indicators (``unit_work_basis``, the default since
  indicators exist) and the unit above set the unit indicators with targets, the weighted indicator score
  (``worklog.indicators.scores``), out of 100 as it stands; otherwise approved points per officer of the unit
  together with the units under it (the unit ledger's figure for a child unit), for a year the mean of the
  months' figures (months with officers), to 2 places, then brought to 0–100 among the peers scored on points
  (``normalise``);
- opinion poll: for a month, the unit's latest round of the year up to that month; for a year, the mean of
  the year's rounds weighted by their sample sizes, to 2 places;
- survey: satisfaction of the period's calls of the unit and the units under it (like the work score), under
  the rule set's factor for a basically satisfied answer;
- public evaluation, comprehensive score, places, grades and yellow cards: ``worklog.rules.public``.

The rule set is the one in force on the first day of the period, and a run keeps a copy of its values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from models import Person, Unit, UnitMonth
from models.survey import EvaluationStatus, OpinionPoll, UnitEvaluation, UnitEvaluationRun
from worklog import audit, timekeeping
from worklog.errors import Conflict, ServiceError
from worklog.extensions import db
from worklog.indicators.scores import UnitScore, unit_scores
from worklog.rulesets.queries import values_on
from worklog.permissions import require_evaluation_keeper
from worklog.rules.grading import Check
from worklog.rules.phrases import phrase
from worklog.rules.public import (SurveyCounts, UnitInput, UnitRules, comprehensive, consecutive_yellow,
                                  explain_public_evaluation, grade_units, normalise)
from worklog.rules.ruleset import RuleValues
from worklog.units.statistics import PEER_LEVELS, months_of, subtree_counts

CENT = Decimal("0.01")

#: Why a unit is listed without a place.
NO_WORK = "no_work"        # no officer with signed work in the period
NO_PUBLIC = "no_public"    # neither an opinion poll nor a survey answer


@dataclass
class Row:
    unit: Unit
    level: str
    work_score: Decimal | None = None
    work_normalised: Decimal | None = None
    poll: Decimal | None = None
    poll_sample: int = 0
    survey: Decimal | None = None
    survey_counts: SurveyCounts = field(default_factory=SurveyCounts)
    public: Decimal | None = None
    comprehensive: Decimal | None = None
    rank: int | None = None
    public_rank: int | None = None
    peers: int = 0
    grade: str | None = None
    yellow_card: bool = False
    yellow_flagged: bool = False
    reason: str = ""           # NO_WORK or NO_PUBLIC when not rated
    explanation: list[Check] = field(default_factory=list)

    @property
    def survey_called(self) -> int:
        return self.survey_counts.called

    @property
    def survey_valid(self) -> int:
        return self.survey_counts.valid

    @property
    def reply_rate(self) -> Decimal | None:
        return self.survey_counts.reply_rate

    @property
    def rated(self) -> bool:
        return not self.reason


@dataclass
class Group:
    level: str
    rated: list[Row]       # by place
    unrated: list[Row]     # with their reasons


@dataclass
class Evaluation:
    period: date
    annual: bool
    rules: RuleValues
    groups: list[Group]

    def rows(self) -> list[Row]:
        return [row for group in self.groups for row in group.rated + group.unrated]


def period_end(start: date, annual: bool) -> date:
    """The last day of the month (or year) that begins on ``start``."""
    if annual:
        return date(start.year, 12, 31)
    return _next_month(start) - timedelta(days=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_start(period: date, annual: bool) -> date:
    return date(period.year, 1, 1) if annual else period.replace(day=1)


def peers() -> list[Unit]:
    """Active city and county bureaus, province-wide."""
    return list(db.session.scalars(select(Unit).where(Unit.level.in_(PEER_LEVELS), Unit.active.is_(True))
                                   .order_by(Unit.path)))


def work_scores(units: list[Unit], months: list[date]) -> dict[int, Decimal]:
    """Approved points per officer of each unit with the units under it: a month's figure, or the mean of the
    months' figures (months with officers) to 2 places."""
    if not units:
        return {}
    head, member = Unit.__table__.alias("head"), Unit.__table__.alias("member")
    rows = db.session.execute(
        select(head.c.id, UnitMonth.month, func.sum(UnitMonth.officers), func.sum(UnitMonth.approved_points))
        .select_from(head)
        .join(member, member.c.path.startswith(head.c.path))
        .join(UnitMonth, UnitMonth.unit_id == member.c.id)
        .where(head.c.id.in_([u.id for u in units]), UnitMonth.month.in_(months))
        .group_by(head.c.id, UnitMonth.month)).all()
    per_month: dict[int, list[Decimal]] = {}
    for unit_id, _month, officers, approved in rows:
        if officers:
            figure = (Decimal(approved or 0) / int(officers)).quantize(CENT, ROUND_HALF_UP)
            per_month.setdefault(unit_id, []).append(figure)
    return {unit_id: (sum(figures) / len(figures)).quantize(CENT, ROUND_HALF_UP)
            for unit_id, figures in per_month.items()}


@dataclass(frozen=True)
class Poll:
    score: Decimal
    sample: int
    rounds: tuple[str, ...]   # the rounds it comes from, YYYY-MM


def polls(units: list[Unit], period: date, annual: bool) -> dict[int, Poll]:
    """Each unit's opinion poll for the period (see the module's docstring)."""
    if not units:
        return {}
    start = date(period.year, 1, 1)
    end = date(period.year, 12, 1) if annual else period.replace(day=1)
    found: dict[int, list[OpinionPoll]] = {}
    for poll in db.session.scalars(select(OpinionPoll).where(
            OpinionPoll.unit_id.in_([u.id for u in units]), OpinionPoll.round_month >= start,
            OpinionPoll.round_month <= end).order_by(OpinionPoll.round_month)):
        found.setdefault(poll.unit_id, []).append(poll)
    result = {}
    for unit_id, rounds in found.items():
        if not annual:
            latest = rounds[-1]
            result[unit_id] = Poll(Decimal(latest.score).quantize(CENT), latest.sample_size,
                                   (latest.round_month.strftime("%Y-%m"),))
            continue
        sample = sum(r.sample_size for r in rounds)
        if sample:
            mean = Fraction(sum(Fraction(r.score) * r.sample_size for r in rounds)) / sample
        else:  # no sample size given: the rounds count alike
            mean = Fraction(sum(Fraction(r.score) for r in rounds)) / len(rounds)
        result[unit_id] = Poll(_half_up(mean), sample, tuple(r.round_month.strftime("%Y-%m") for r in rounds))
    return result


def _half_up(value: Fraction) -> Decimal:
    hundredths = (abs(value) * 100 + Fraction(1, 2)).__floor__()
    return (Decimal(hundredths if value >= 0 else -hundredths) / 100).quantize(CENT)


def _pct(value: Decimal) -> str:
    text = f"{value * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _previous_months(month: date, n: int) -> list[date]:
    """The ``n`` months before ``month``, oldest first."""
    result = []
    for _i in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
        result.insert(0, month)
    return result


def stored_cards(months: list[date]) -> dict[date, dict[int, bool]]:
    """Month → unit id → yellow card, from the stored monthly runs of those months."""
    cards: dict[date, dict[int, bool]] = {}
    for period, unit_id, card in db.session.execute(
            select(UnitEvaluationRun.period, UnitEvaluation.unit_id, UnitEvaluation.yellow_card)
            .join(UnitEvaluation, UnitEvaluation.run_id == UnitEvaluationRun.id)
            .where(UnitEvaluationRun.annual.is_(False), UnitEvaluationRun.period.in_(months))):
        cards.setdefault(period, {})[unit_id] = bool(card)
    return cards


def compute(period: date, annual: bool) -> Evaluation:
    """Every peer group's evaluation for the month (or year) of ``period``, nothing stored."""
    start = period_start(period, annual)
    rules = values_on(start)
    months = months_of(start, annual)
    units = peers()
    works = work_scores(units, months)
    by_indicators = (unit_scores(units, start, period_end(start, annual), rules)
                     if rules.unit_work_basis == "indicators" else {})
    poll_of = polls(units, start, annual)
    survey_of = subtree_counts(units, months)
    unit_rules = UnitRules(rules.unit_excellent_quota, rules.unit_excellent_min, rules.unit_pass_min,
                           rules.yellow_bottom)
    history = _yellow_history(units, start, annual, rules.yellow_run)

    groups = []
    for level in PEER_LEVELS:
        members = [u for u in units if u.level == level]
        if not members:
            continue
        indicator_of = {u.id: by_indicators[u.id] for u in members
                        if u.id in by_indicators and by_indicators[u.id].score is not None}
        # Approved points per officer are brought to 0–100 among the peers scored on them; an indicator score is
        # already out of 100 against the unit's own targets.
        scored = {u.id: works[u.id] for u in members if u.id in works and u.id not in indicator_of}
        normalised = normalise(scored)
        high = max(scored.values()) if scored else None
        rows: dict[int, Row] = {}
        for unit in members:
            row = Row(unit, level)
            rows[unit.id] = row
            lines = row.explanation
            if unit.id in indicator_of:
                _explain_indicators(row, indicator_of[unit.id])
            else:
                row.work_score = works.get(unit.id)
                row.work_normalised = normalised.get(unit.id)
                basis = "unit.work_no_indicators" if rules.unit_work_basis == "indicators" else "unit.work_basis"
                lines.append(Check("unit_work", str(row.work_score) if row.work_score is not None
                                   else phrase("figure.missing"), phrase(basis), row.work_score is not None))
            if row.work_normalised is not None and unit.id not in indicator_of:
                lines.append(Check("unit_normalised", str(row.work_normalised),
                                   phrase("unit.normalised", score=str(row.work_score), best=str(high),
                                          peers=len(scored)), True))
            poll = poll_of.get(unit.id)
            if poll is not None:
                row.poll, row.poll_sample = poll.score, poll.sample
            lines.append(Check("unit_poll", phrase("figure.missing") if poll is None else
                               phrase("unit.poll", score=str(poll.score), sample=poll.sample,
                                      rounds=", ".join(poll.rounds)),
                               phrase("unit.poll_year" if annual else "unit.poll_month"), poll is not None))
            row.survey_counts = survey_of.get(unit.id, SurveyCounts())
            row.survey = row.survey_counts.satisfaction_with(rules.survey_basic_factor)
            rate = row.survey_counts.reply_rate
            lines.append(Check("unit_survey", phrase("figure.missing") if row.survey is None else
                               phrase("unit.survey", score=str(row.survey), valid=row.survey_valid,
                                      called=row.survey_called, rate=f"{rate}%"),
                               phrase("unit.survey_basic", percent=_pct(rules.survey_basic_factor)),
                               row.survey is not None))
            row.public, public_lines = explain_public_evaluation(row.poll, row.survey, rules.poll_weight)
            lines.extend(public_lines)
            if row.public is not None:
                lines.append(Check("unit_public", str(row.public),
                                   phrase("unit.poll_weight", percent=_pct(rules.poll_weight)), True))
            if row.work_normalised is None:
                row.reason = NO_WORK
            elif row.public is None:
                row.reason = NO_PUBLIC
            else:
                row.comprehensive = comprehensive(row.work_normalised, row.public, rules.public_weight)
                lines.append(Check("unit_weights", phrase("unit.weights", work=_pct(1 - rules.public_weight),
                                                          public=_pct(rules.public_weight)),
                                   phrase("unit.rule_set_year", year=start.year), True))
                lines.append(Check("unit_comprehensive", str(row.comprehensive),
                                   phrase("unit.comprehensive", work_weight=_pct(1 - rules.public_weight),
                                          work=str(row.work_normalised), public_weight=_pct(rules.public_weight),
                                          public=str(row.public)), True))
            if row.reason:
                # The value is the reason's code (the pages name it, and read it back as the row's reason).
                lines.append(Check("unit_not_rated", row.reason, phrase("unit.rated_needs"), False))
        rated_ids = [u.id for u in members if rows[u.id].rated]
        results = grade_units([UnitInput(i, rows[i].comprehensive, rows[i].public) for i in rated_ids], unit_rules)
        for result in results:
            row = rows[result.unit_id]
            row.rank, row.public_rank, row.grade, row.yellow_card = (result.rank, result.public_rank, result.grade,
                                                                     result.yellow_card)
            row.peers = len(results)
            row.explanation.extend(result.explanation)
        for row in rows.values():
            cards = history.get(row.unit.id, [])
            if not annual:
                cards = cards + [row.yellow_card]
            row.yellow_flagged = bool(consecutive_yellow({row.unit.id: cards}, rules.yellow_run))
            if row.yellow_card or row.yellow_flagged:
                months_text = "".join("Y" if c else "·" for c in cards)
                row.explanation.append(Check("unit_yellow_run", months_text,
                                             phrase("unit.yellow_run", count=rules.yellow_run),
                                             not row.yellow_flagged))
        rated = [rows[r.unit_id] for r in results]
        unrated = [rows[u.id] for u in members if not rows[u.id].rated]
        groups.append(Group(level, rated, unrated))
    return Evaluation(start, annual, rules, groups)


def _explain_indicators(row: Row, scored: UnitScore) -> None:
    """The work score from the unit's indicators: a line per indicator (its value against the period's due
    target, and how it scored), then the weighted score."""
    for line in scored.lines:
        indicator = line.indicator
        names = {"name": indicator.name, "dimension": indicator.dimension, "weight": str(indicator.weight)}
        if line.value is None:
            row.explanation.append(Check("unit_indicator", phrase("unit.indicator_none", **names), line.detail,
                                         False))
        else:
            row.explanation.append(Check("unit_indicator", phrase("unit.indicator", value=str(line.value),
                                                                  due=str(line.due), **names),
                                         line.detail, not line.behind))
    row.work_score = row.work_normalised = scored.score
    row.explanation.append(Check("unit_work", str(scored.score),
                                 phrase("unit.work_indicators", unit=scored.plan.unit.name,
                                        version=scored.plan.valid_from.isoformat()), True))


def _yellow_history(units: list[Unit], start: date, annual: bool, run: int) -> dict[int, list[bool]]:
    """Each unit's stored monthly cards before a month (the ``run - 1`` months before it), or in a year."""
    months = months_of(start, True) if annual else _previous_months(start, run - 1)
    cards = stored_cards(months)
    return {u.id: [cards.get(m, {}).get(u.id, False) for m in months] for u in units}


# --- Stored runs --------------------------------------------------------------------------------------------


def run_for(period: date, annual: bool) -> UnitEvaluationRun | None:
    return db.session.scalar(select(UnitEvaluationRun).where(
        UnitEvaluationRun.period == period_start(period, annual), UnitEvaluationRun.annual.is_(annual))
        .options(selectinload(UnitEvaluationRun.results).selectinload(UnitEvaluation.unit)))


def _check_actor(actor: Person | None) -> None:
    require_evaluation_keeper(actor)


def explanation_json(lines: list[Check]) -> list[dict]:
    return [{"rule": c.rule, "value": c.value, "threshold": c.threshold, "passed": c.passed} for c in lines]


def record(period: date, annual: bool, actor: Person | None) -> UnitEvaluationRun:
    """Compute and store the period's run; a recorded run is recomputed in place, a final one refused."""
    _check_actor(actor)
    start = period_start(period, annual)
    run = run_for(start, annual)
    if run is not None and run.status == EvaluationStatus.final.value:
        raise Conflict(_("This evaluation is final: it cannot be computed again."))
    if period_end(start, annual) >= timekeeping.today():
        raise ServiceError(_("The period is not over yet: it can be recorded from the day after it ends. The "
                             "page shows a preview in the meantime."))
    if not annual:
        # The next month's yellow-card flags and the year's were computed from this month's cards.
        for later in (run_for(_next_month(start), False), run_for(date(start.year, 1, 1), True)):
            if later is not None and later.status == EvaluationStatus.final.value:
                raise Conflict(_("A later evaluation that counts this month's yellow cards is final: this month "
                                 "can no longer be computed again."))
    evaluation = compute(start, annual)
    before: dict[int, list] = {}
    if run is None:
        run = UnitEvaluationRun(period=start, annual=annual, rules=evaluation.rules.to_mapping(),
                                recorded_by_id=actor.id, recorded_at=timekeeping.now())
        try:
            with db.session.begin_nested():
                db.session.add(run)
                db.session.flush()
        except IntegrityError:
            raise Conflict(_("Someone else recorded this evaluation at the same moment. Reload the page."))
        action = "units.evaluation_recorded"
    else:
        before = {r.unit_id: [r.rank, r.grade, r.yellow_card, str(r.comprehensive)] for r in run.results}
        run.results.clear()
        db.session.flush()  # the old rows go before the new ones take their (run, unit) places
        action = "units.evaluation_recomputed"
        run.rules = evaluation.rules.to_mapping()
        run.recorded_by_id = actor.id
        run.recorded_at = timekeeping.now()
    for row in evaluation.rows():
        run.results.append(UnitEvaluation(
            unit_id=row.unit.id, level=row.level, work_score=row.work_score, work_normalised=row.work_normalised,
            poll=row.poll, poll_sample=row.poll_sample, survey=row.survey, survey_called=row.survey_called,
            survey_valid=row.survey_valid, reply_rate=row.reply_rate, public=row.public,
            comprehensive=row.comprehensive, rank=row.rank, public_rank=row.public_rank, peers=row.peers,
            grade=row.grade, yellow_card=row.yellow_card, yellow_flagged=row.yellow_flagged,
            explanation=explanation_json(row.explanation)))
    db.session.flush()
    after = {r.unit_id: [r.rank, r.grade, r.yellow_card, str(r.comprehensive)] for r in run.results}
    # A recomputation keeps, for every unit whose place, grade, card or score changed, what it was and is.
    changed = {str(unit_id): {"before": before.get(unit_id), "after": after.get(unit_id)}
               for unit_id in sorted(set(before) | set(after)) if before.get(unit_id) != after.get(unit_id)}
    audit.record(actor, action, "unit_evaluation_run", run.id, after={
        "period": start.isoformat(), "annual": annual, "units": len(run.results),
        "rated": sum(1 for r in evaluation.rows() if r.rated),
        "yellow_cards": sum(1 for r in evaluation.rows() if r.yellow_card),
        **({"changed": changed} if action == "units.evaluation_recomputed" else {})})
    return run


def finalise(run: UnitEvaluationRun, actor: Person | None, version: int | None = None) -> UnitEvaluationRun:
    """Seal a recorded run: it is never computed again."""
    _check_actor(actor)
    if version is not None and version != run.version:
        raise Conflict(_("The evaluation was computed again since you opened it. Reload the page and check it."))
    if run.status == EvaluationStatus.final.value:
        raise Conflict(_("This evaluation is already final."))
    run.status = EvaluationStatus.final.value
    run.finalised_by_id = actor.id
    run.finalised_at = timekeeping.now()
    db.session.flush()
    audit.record(actor, "units.evaluation_finalised", "unit_evaluation_run", run.id,
                 before={"status": EvaluationStatus.recorded.value},
                 after={"status": EvaluationStatus.final.value, "period": run.period.isoformat(),
                        "annual": run.annual})
    return run
