"""Annual scores and grades within one group, i.e. one unit and sequence (DESIGN §5).

The annual score is the mean of the finalised monthly scores plus the year's adjustments.

Grades, for a group of n:

- excellent needs a score ≥ 90, at least one year of service, fewer than two incompetent months, no veto, and
  one of the ``floor(n × excellent_quota)`` places (20%: a group of 4 has none, 5 to 9 one, 10 to 14 two);
- two or more incompetent months rule out competent or better: such an officer is basic at 60 or more,
  else incompetent;
- otherwise competent at 70 or more, basic at 60 or more, else incompetent.

Places in the quota go in rank order to the officers who meet every other condition for excellent: an
officer ruled out by a veto, by incompetent months or by a short service takes no place, so a colleague's
disqualification never costs an officer their excellent place. Officers tied on score at the boundary are
excellent only if all of them fit, as in the monthly grading.

A veto in the year ranks the officer after everyone else (by score among themselves) and rules out
excellent; the officer is otherwise graded like anyone else (a vetoed month is already an incompetent month).
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from worklog.rules.grading import BASIC, COMPETENT, EXCELLENT, INCOMPETENT, Check, quota_for, top_places, veto_check
from worklog.rules.phrases import phrase
from worklog.rules.points import round_points

ZERO = Decimal("0")
_PERCENTILE_STEP = Decimal("0.0001")


def annual_score(monthly_scores: list[Decimal], adjustments: Decimal) -> Decimal:
    """Mean of the finalised monthly scores, to the cent, plus the annual adjustments (to the cent).

    With no finalised month there is no score to adjust: the result is 0, whatever the adjustments. The mean
    is rounded before the adjustments are added, so "mean + adjustments = score" holds for the figures shown.
    """
    for value in [*monthly_scores, adjustments]:
        if not isinstance(value, Decimal) or not value.is_finite():
            raise ValueError("monthly scores and adjustments must be finite Decimals")
    if not monthly_scores:
        return round_points(ZERO)
    mean = round_points(sum(monthly_scores, ZERO) / len(monthly_scores))
    return mean + round_points(adjustments)


@dataclass(frozen=True)
class AnnualRules:
    """The numbers of the annual grading, with the defaults of DESIGN §5."""
    excellent_quota: Decimal = Decimal("0.20")
    excellent_min_score: Decimal = Decimal("90.00")
    competent_min_score: Decimal = Decimal("70.00")
    basic_min_score: Decimal = Decimal("60.00")
    #: This many incompetent months or more rule out competent and excellent.
    incompetent_months_limit: int = 2
    #: Years of service an excellent grade needs.
    excellent_min_service_years: Decimal = Decimal("1")

    def __post_init__(self) -> None:
        for name in ("excellent_quota", "excellent_min_score", "competent_min_score", "basic_min_score",
                     "excellent_min_service_years"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValueError(f"{name} must be a Decimal ≥ 0")
        if self.excellent_quota > 1:
            raise ValueError("excellent_quota must be between 0 and 1")
        if not self.excellent_min_score >= self.competent_min_score >= self.basic_min_score:
            raise ValueError("thresholds must be ordered: excellent ≥ competent ≥ basic")
        limit = self.incompetent_months_limit
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 12:
            raise ValueError("incompetent_months_limit must be a whole number from 1 to 12")


@dataclass(frozen=True)
class AnnualInput:
    person_id: int
    score: Decimal
    excellent_months: int = 0
    incompetent_months: int = 0
    service_years: Decimal = Decimal("1")
    veto: bool = False


@dataclass(frozen=True)
class AnnualResult:
    person_id: int
    rank: int
    percentile: Decimal  # rank ÷ n, 4 places, halves up
    grade: str
    quota: int
    in_quota: bool  # whether the officer holds one of the excellent places
    explanation: list[Check] = field(default_factory=list)


def annual_quota(n: int, r: AnnualRules) -> int:
    """How many excellent grades a group of ``n`` may have: floor(n × excellent_quota), as for the month."""
    return quota_for(n, r)


def _number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _validate(items: list[AnnualInput]) -> None:
    seen: set[int] = set()
    for item in items:
        if item.person_id in seen:
            raise ValueError(f"person {item.person_id} appears twice in the group")
        seen.add(item.person_id)
        for name in ("score", "service_years"):
            value = getattr(item, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValueError(f"person {item.person_id}: {name} must be a finite Decimal")
        if item.service_years < 0:
            raise ValueError(f"person {item.person_id}: service_years cannot be negative")
        for name in ("excellent_months", "incompetent_months"):
            value = getattr(item, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 12:
                raise ValueError(f"person {item.person_id}: {name} must be a whole number from 0 to 12")
        if item.excellent_months + item.incompetent_months > 12:
            raise ValueError(f"person {item.person_id}: more graded months than a year has")
        if not isinstance(item.veto, bool):
            raise ValueError(f"person {item.person_id}: veto must be True or False")


def grade_year(items: list[AnnualInput], r: AnnualRules) -> list[AnnualResult]:
    """Annual grades for one group, best rank first (officers sharing a rank keep their input order).

    Ranks are competition ranks by score ("1224"), vetoed officers last; the percentile is rank ÷ n.
    """
    _validate(items)
    n = len(items)
    quota = annual_quota(n, r)
    quota_text = top_places(quota, r.excellent_quota)

    def standing(i: AnnualInput) -> tuple[bool, Decimal]:
        return (i.veto, -i.score)

    def fit_for_excellent(i: AnnualInput) -> bool:
        """Every condition of excellent but the quota."""
        return (not i.veto and i.score >= r.excellent_min_score
                and i.incompetent_months < r.incompetent_months_limit
                and i.service_years >= r.excellent_min_service_years)

    ordered = sorted(items, key=standing)
    keys = [standing(i) for i in ordered]
    # The quota is shared in score order among the officers fit for excellent only.
    fit_keys = sorted(-i.score for i in items if fit_for_excellent(i))
    results = []
    for item in ordered:
        key = standing(item)
        rank = bisect_left(keys, key) + 1
        percentile = (Decimal(rank) / Decimal(n)).quantize(_PERCENTILE_STEP, rounding=ROUND_HALF_UP)
        score_text = str(round_points(item.score))
        checks = [veto_check(item.veto)]
        grade = ""
        in_quota = False

        months_ok = item.incompetent_months < r.incompetent_months_limit
        checks.append(Check("incompetent_months", phrase("months.count", count=item.incompetent_months),
                            phrase("months.fewer_than", count=r.incompetent_months_limit), months_ok))
        if months_ok and not item.veto:
            excellent_score = item.score >= r.excellent_min_score
            checks.append(Check("excellent_score", score_text, f"≥ {round_points(r.excellent_min_score)}",
                                excellent_score))
            if excellent_score:
                served = item.service_years >= r.excellent_min_service_years
                checks.append(Check("excellent_service", phrase("years.count", years=_number(item.service_years)),
                                    phrase("years.at_least", years=_number(r.excellent_min_service_years)),
                                    served))
                if served:
                    higher = bisect_left(fit_keys, -item.score)
                    tied = bisect_right(fit_keys, -item.score) - higher
                    place = higher + 1
                    # Everyone fit at this score gets a place or no one does: the quota is never exceeded.
                    in_quota = higher + tied <= quota
                    checks.append(Check("excellent_quota",
                                        phrase("place.of_fit", place=place, n=len(fit_keys)), quota_text,
                                        place <= quota))
                    if place <= quota and not in_quota:
                        checks.append(Check("excellent_tie", phrase("place.tied_at_place", tied=tied, place=place),
                                            phrase("places.all_within", places=quota_text), False))
                    if in_quota:
                        grade = EXCELLENT
        if not grade:
            steps = ((COMPETENT, "competent_score", r.competent_min_score), (BASIC, "basic_score", r.basic_min_score))
            for candidate, rule, threshold in steps if months_ok else steps[1:]:
                met = item.score >= threshold
                checks.append(Check(rule, score_text, f"≥ {round_points(threshold)}", met))
                if met:
                    grade = candidate
                    break
            else:
                grade = INCOMPETENT
        results.append(AnnualResult(person_id=item.person_id, rank=rank, percentile=percentile, grade=grade,
                                    quota=quota, in_quota=in_quota, explanation=checks))
    return results
