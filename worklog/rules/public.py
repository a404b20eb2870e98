"""Units' comprehensive evaluation (DESIGN §7): survey satisfaction, the public evaluation, the comprehensive
score, and grades and yellow cards among peer units.

Every figure is computed exactly (in fractions) and rounded once, to 2 places, halves up.

Unit grading among n peers:

- Ranks are competition ranks ("1224") by comprehensive score.
- Yellow card (黄牌警告): ``floor(n × yellow_bottom)`` places at the bottom of the *public-evaluation*
  ranking. At 10%, a group of 9 or fewer has no yellow card, 10 to 19 one, 20 to 29 two. Rounding down,
  as the excellent quota does, means a group of 1 to 9 never has its only or last unit carded for a
  fraction of a place. A tie at the edge shares the places or gets none: units tied on the public score
  are all carded only if all of them fit in the bottom places, so there are never more cards than places.
- 优秀 (excellent): ≥ excellent_min, no yellow card, and within the quota ``floor(n × excellent_quota)``.
  The quota places are counted among units without a yellow card, so a carded unit above another never
  costs it its place; a tie at the quota's edge shares the places or gets none, as in ``grading``.
- 合格 (pass): ≥ pass_min; otherwise 不合格 (fail). A yellow card does not by itself fail a unit.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Hashable, Mapping

from worklog.rules.grading import Check, top_places
from worklog.rules.phrases import phrase

EXCELLENT = "excellent"  # 优秀
PASS = "pass"            # 合格
FAIL = "fail"            # 不合格
#: Unit grades from best to worst.
UNIT_GRADES = (EXCELLENT, PASS, FAIL)

#: The source's weights of the public evaluation in the comprehensive score, by year. Only a default for a
#: rule set: the functions take the weight.
PUBLIC_WEIGHTS_BY_YEAR: dict[int, Decimal] = {2024: Decimal("0.12"), 2025: Decimal("0.30"),
                                              2026: Decimal("0.50")}
#: The opinion poll's share of the public evaluation; the police-service survey has the rest.
POLL_WEIGHT = Decimal("0.70")


def _round2(value: Fraction) -> Decimal:
    """An exact value to 2 places, halves away from zero (ROUND_HALF_UP)."""
    hundredths = floor(abs(value) * 100 + Fraction(1, 2))
    sign = -1 if value < 0 else 1
    return (Decimal(sign * hundredths) / 100).quantize(Decimal("0.01"))


def _finite(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number ≥ 0")
    return value


def _fraction(name: str, value: object) -> Fraction:
    if not _finite(value) or not 0 <= value <= 1:  # type: ignore[operator]
        raise ValueError(f"{name} must be a Decimal from 0 to 1")
    return Fraction(value)  # type: ignore[arg-type]


def _percent(fraction: Decimal) -> str:
    text = f"{fraction * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


# Survey ---------------------------------------------------------------------------------------------------

def satisfaction(satisfied: int, basic: int, dissatisfied: int,
                 basic_factor: Decimal = Decimal("0.50")) -> Decimal | None:
    """(satisfied + factor × basically satisfied) ÷ valid answers × 100, to 2 places (the factor is the rule
    set's, 0.5 by default); None with no valid answer. Valid answers are the three counts: unreachable and
    refused calls are not answers."""
    satisfied, basic, dissatisfied = (_count(n, v) for n, v in (("satisfied", satisfied), ("basic", basic),
                                                               ("dissatisfied", dissatisfied)))
    factor = _fraction("basic_factor", basic_factor)
    valid = satisfied + basic + dissatisfied
    if valid == 0:
        return None
    return _round2((satisfied + factor * basic) * 100 / valid)


def reply_rate(valid: int, called: int) -> Decimal | None:
    """Valid answers ÷ people called × 100, to 2 places; None when nobody was called."""
    valid, called = _count("valid", valid), _count("called", called)
    if valid > called:
        raise ValueError("there cannot be more valid answers than people called")
    if called == 0:
        return None
    return _round2(Fraction(valid * 100, called))


@dataclass(frozen=True)
class SurveyCounts:
    """One unit's (or contact kind's) call-back counts. A reached call ends in one of the three answers or a
    refusal; a call is reached or unreachable (or neither, e.g. a wrong number), so
    ``satisfied + basic + dissatisfied + refused ≤ reached`` and ``reached + unreachable ≤ called``."""
    called: int = 0
    reached: int = 0
    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0
    unreachable: int = 0
    refused: int = 0

    def __post_init__(self) -> None:
        for name in ("called", "reached", "satisfied", "basic", "dissatisfied", "unreachable", "refused"):
            _count(name, getattr(self, name))
        if self.valid + self.refused > self.reached:
            raise ValueError("answers and refusals cannot outnumber the calls reached")
        if self.reached + self.unreachable > self.called:
            raise ValueError("reached and unreachable calls cannot outnumber the people called")

    @property
    def valid(self) -> int:
        """Valid samples: the answers satisfied, basically satisfied or dissatisfied."""
        return self.satisfied + self.basic + self.dissatisfied

    @property
    def satisfaction(self) -> Decimal | None:
        return satisfaction(self.satisfied, self.basic, self.dissatisfied)

    def satisfaction_with(self, basic_factor: Decimal) -> Decimal | None:
        """The satisfaction under a rule set's weight of a basically satisfied answer."""
        return satisfaction(self.satisfied, self.basic, self.dissatisfied, basic_factor)

    @property
    def reply_rate(self) -> Decimal | None:
        return reply_rate(self.valid, self.called)


def combine(counts: list[SurveyCounts]) -> SurveyCounts:
    """The sums of the counts, so that an overall satisfaction comes from the summed answers (each answer
    counts once), not from an average of the kinds' scores."""
    return SurveyCounts(**{name: sum(getattr(c, name) for c in counts)
                           for name in ("called", "reached", "satisfied", "basic", "dissatisfied",
                                        "unreachable", "refused")})


# Scores ---------------------------------------------------------------------------------------------------

def normalise(work_scores: Mapping[Hashable, Decimal]) -> dict[Hashable, Decimal]:
    """Work scores brought to 0–100 within the peers given, as a share of the best (折算: score ÷ the best
    score × 100), to 2 places: the best gets 100, one 5% behind it 95. Unlike a min–max scale, a unit a
    fraction behind its peers is not put at 0 (which would fail it outright whatever it achieved). When the
    best is 0, all are equal: all get 100. Work scores are approved points per officer, never negative."""
    for unit_id, score in work_scores.items():
        if not _finite(score) or score < 0:
            raise ValueError(f"unit {unit_id}: the work score must be a finite Decimal ≥ 0")
    if not work_scores:
        return {}
    best = max(work_scores.values())
    if best == 0:
        return {unit_id: Decimal("100.00") for unit_id in work_scores}
    return {unit_id: _round2(Fraction(score) * 100 / Fraction(best)) for unit_id, score in work_scores.items()}


def explain_public_evaluation(poll: Decimal | None, survey: Decimal | None,
                              poll_weight: Decimal = POLL_WEIGHT) -> tuple[Decimal | None, list[Check]]:
    """``public_evaluation`` with its explanation: one line per source, and one more when a missing source
    leaves the other to stand alone."""
    weight = _fraction("poll_weight", poll_weight)
    for name, value in (("poll", poll), ("survey", survey)):
        if value is not None and not _finite(value):
            raise ValueError(f"the {name} score must be a finite Decimal or None")
    survey_weight = Decimal(1) - poll_weight
    lines = [Check("public_poll", phrase("figure.missing") if poll is None else str(_round2(Fraction(poll))),
                   phrase("public.weight", percent=_percent(poll_weight)), poll is not None),
             Check("public_survey", phrase("figure.missing") if survey is None else str(_round2(Fraction(survey))),
                   phrase("public.weight", percent=_percent(survey_weight)), survey is not None)]
    if poll is None and survey is None:
        lines.append(Check("public_missing", phrase("public.neither"), phrase("public.at_least_one"), False))
        return None, lines
    if poll is None or survey is None:
        alone = survey if poll is None else poll
        value = _round2(Fraction(alone))  # type: ignore[arg-type]
        lines.append(Check("public_alone", phrase("public.survey_alone" if poll is None else "public.poll_alone",
                                                  value=str(value)), phrase("public.both"), False))
        return value, lines
    return _round2(weight * Fraction(poll) + (1 - weight) * Fraction(survey)), lines


def public_evaluation(poll: Decimal | None, survey: Decimal | None,
                      poll_weight: Decimal = POLL_WEIGHT) -> Decimal | None:
    """poll_weight × opinion poll + (1 − poll_weight) × police-service survey, to 2 places. If one is
    missing the other stands alone (``explain_public_evaluation`` says so); both missing → None."""
    return explain_public_evaluation(poll, survey, poll_weight)[0]


def comprehensive(work_normalised: Decimal, public: Decimal, public_weight: Decimal) -> Decimal:
    """(1 − w) × normalised work score + w × public evaluation, to 2 places. The weight w is data (see
    ``PUBLIC_WEIGHTS_BY_YEAR``); a unit without a public evaluation has no comprehensive score, and what to
    do then is the caller's decision, so None is refused here."""
    w = _fraction("public_weight", public_weight)
    if not _finite(work_normalised) or not _finite(public):
        raise ValueError("the work and public scores must be finite Decimals")
    return _round2((1 - w) * Fraction(work_normalised) + w * Fraction(public))


# Grading among peers --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnitRules:
    excellent_quota: Decimal = Decimal("0.20")
    excellent_min: Decimal = Decimal("90")
    pass_min: Decimal = Decimal("60")
    yellow_bottom: Decimal = Decimal("0.10")

    def __post_init__(self) -> None:
        _fraction("excellent_quota", self.excellent_quota)
        _fraction("yellow_bottom", self.yellow_bottom)
        if not _finite(self.excellent_min) or not _finite(self.pass_min):
            raise ValueError("the grade thresholds must be finite Decimals")
        if self.pass_min > self.excellent_min:
            raise ValueError("the pass threshold cannot be above the excellent one")

    def quota(self, n: int) -> int:
        """Excellent places in a group of n: floor(n × excellent_quota)."""
        return floor(_count("n", n) * Fraction(self.excellent_quota))

    def yellow_places(self, n: int) -> int:
        """Yellow-card places at the bottom of the public ranking of n units: floor(n × yellow_bottom)."""
        return floor(_count("n", n) * Fraction(self.yellow_bottom))


@dataclass(frozen=True)
class UnitInput:
    unit_id: Hashable
    comprehensive: Decimal
    public: Decimal


@dataclass(frozen=True)
class UnitResult:
    unit_id: Hashable
    rank: int            # by comprehensive score
    grade: str
    yellow_card: bool
    explanation: list[Check] = field(default_factory=list)
    public_rank: int = 0  # by public evaluation


def _ranks(keys: list[Decimal]) -> list[tuple[int, int]]:
    """For each key (higher is better): (how many are strictly better, how many share it)."""
    ordered = sorted(-k for k in keys)
    return [(bisect_left(ordered, -k), bisect_right(ordered, -k) - bisect_left(ordered, -k)) for k in keys]


def grade_units(items: list[UnitInput], r: UnitRules | None = None) -> list[UnitResult]:
    """Ranks, grades and yellow cards of peer units (see the module's docstring), best rank first; units
    sharing a rank keep their input order."""
    r = UnitRules() if r is None else r
    seen: set[Hashable] = set()
    for item in items:
        if item.unit_id in seen:
            raise ValueError(f"unit {item.unit_id} appears twice")
        seen.add(item.unit_id)
        if not _finite(item.comprehensive) or not _finite(item.public):
            raise ValueError(f"unit {item.unit_id}: the scores must be finite Decimals")
    n = len(items)
    quota, yellow = r.quota(n), r.yellow_places(n)
    quota_text = top_places(quota, r.excellent_quota)
    yellow_text = phrase("places.bottom", places=yellow, percent=_percent(r.yellow_bottom))

    public_ranks = _ranks([i.public for i in items])
    # A unit is carded when it and every unit at or below its public score fit in the bottom places.
    cards = [n - better <= yellow for better, _ in public_ranks]
    uncarded = [i.comprehensive for i, card in zip(items, cards) if not card]
    uncarded_sorted = sorted(-s for s in uncarded)

    results = []
    for item, (better, tied), (public_better, public_tied), card in zip(
            items, _ranks([i.comprehensive for i in items]), public_ranks, cards):
        rank, public_rank = better + 1, public_better + 1
        checks = [Check("yellow_card", phrase("place.public_rank_of", rank=public_rank, n=n), yellow_text,
                        not card)]
        if not card and n - public_better - public_tied < yellow:  # the tie straddles the bottom places
            checks.append(Check("yellow_tie", phrase("place.tied_at_public_rank", tied=public_tied, rank=public_rank),
                                phrase("places.all_within", places=yellow_text), True))
        score_text = str(_round2(Fraction(item.comprehensive)))
        grade = ""
        excellent_score = item.comprehensive >= r.excellent_min
        checks.append(Check("excellent_score", score_text, f"≥ {r.excellent_min}", excellent_score))
        if excellent_score and not card:
            place_better = bisect_left(uncarded_sorted, -item.comprehensive)
            place_tied = bisect_right(uncarded_sorted, -item.comprehensive) - place_better
            place = place_better + 1
            checks.append(Check("excellent_quota", phrase("place.of_uncarded", place=place, n=len(uncarded)),
                                quota_text, place <= quota))
            if place <= quota < place_better + place_tied:
                checks.append(Check("excellent_tie", phrase("place.tied_at_place", tied=place_tied, place=place),
                                    phrase("places.all_within", places=quota_text), False))
            if place_better + place_tied <= quota:
                grade = EXCELLENT
        if not grade:
            passed = item.comprehensive >= r.pass_min
            checks.append(Check("pass_score", score_text, f"≥ {r.pass_min}", passed))
            grade = PASS if passed else FAIL
        results.append(UnitResult(item.unit_id, rank, grade, card, checks, public_rank))
    return sorted(results, key=lambda res: res.rank)


def consecutive_yellow(history: Mapping[Hashable, list[bool]], run: int = 2) -> set[Hashable]:
    """Units with ``run`` (two) yellow cards in consecutive months anywhere in the history given, each unit's
    list in month order. The caller chooses the window (a year, the last months)."""
    if isinstance(run, bool) or not isinstance(run, int) or run < 1:
        raise ValueError("run must be a whole number ≥ 1")
    flagged = set()
    for unit_id, months in history.items():
        streak = 0
        for card in months:
            streak = streak + 1 if card else 0
            if streak >= run:
                flagged.add(unit_id)
                break
    return flagged
