"""Monthly grades within one group, i.e. one unit and sequence (DESIGN §5): thresholds, the excellent quota,
ranks, vetoes and the panel's overrides.

The quota is ``floor(n × excellent_quota)`` for a group of n: at 20%, a group of 4 has no excellent place,
a group of 5 to 9 has one, 10 to 14 two.

A veto forces the lowest grade, so vetoed officers are ranked after everyone else (by score among themselves)
and take no place in the quota: a colleague's veto never costs an officer their excellent place.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from worklog.rules.phrases import Phrase, phrase
from worklog.rules.points import round_points
from worklog.rules.ruleset import RuleValues

EXCELLENT = "excellent"      # 优秀
COMPETENT = "competent"      # 称职
BASIC = "basic"              # 基本称职
INCOMPETENT = "incompetent"  # 不称职

#: Grades from best to worst.
GRADES = (EXCELLENT, COMPETENT, BASIC, INCOMPETENT)
#: A grade's order, higher is better: incompetent < basic < competent < excellent.
GRADE_ORDER = {grade: len(GRADES) - i for i, grade in enumerate(GRADES)}


class QuotaExceeded(ValueError):
    """Overrides would give more excellent grades than the group's quota allows."""


@dataclass(frozen=True)
class GradeInput:
    person_id: int
    score: Decimal
    veto: bool = False
    override: str | None = None
    override_reason: str = ""


@dataclass(frozen=True)
class Check:
    """One line of a grade's explanation: the rule's key, the officer's value, the threshold, and whether it
    was met. The app translates ``rule``; value and threshold are a plain figure ("91.50", "≥ 90.00"), a
    user's text (an override's reason) or a phrase worded by ``worklog.explanations``."""
    rule: str
    value: str | Phrase
    threshold: str | Phrase
    passed: bool


def veto_check(veto: bool) -> Check:
    """The first line of every grade's explanation."""
    return Check("veto", phrase("veto.yes") if veto else phrase("veto.none"), phrase("veto.not_allowed"), not veto)


def top_places(quota: int, share: Decimal) -> Phrase:
    """The excellent places of a group: "top 2 (20%)"."""
    return phrase("places.top", places=quota, percent=_percent(share))


@dataclass(frozen=True)
class GradeResult:
    person_id: int
    rank: int
    proposed: str
    final: str
    quota: int
    in_quota: bool  # whether the officer's place is within the quota (ties included), whatever else holds
    explanation: list[Check] = field(default_factory=list)


def quota_for(n: int, r: RuleValues) -> int:
    """How many excellent grades a group of ``n`` may have: floor(n × excellent_quota)."""
    if n < 0:
        raise ValueError("a group cannot have fewer than 0 members")
    return int((n * r.excellent_quota).to_integral_value(rounding=ROUND_FLOOR))


def _percent(fraction: Decimal) -> str:
    text = f"{fraction * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _validate(items: list[GradeInput]) -> None:
    seen: set[int] = set()
    for item in items:
        if item.person_id in seen:
            raise ValueError(f"person {item.person_id} appears twice in the group")
        seen.add(item.person_id)
        if not isinstance(item.score, Decimal) or not item.score.is_finite():
            raise ValueError(f"person {item.person_id}: the score must be a finite Decimal")
        if item.override is None:
            continue
        if item.override not in GRADES:
            raise ValueError(f"person {item.person_id}: unknown grade {item.override!r}")
        if not item.override_reason.strip():
            raise ValueError(f"person {item.person_id}: an override needs a reason")
        if item.veto and item.override != INCOMPETENT:
            raise ValueError(f"person {item.person_id}: a vetoed officer's grade cannot be raised")


def grade_group(items: list[GradeInput], r: RuleValues) -> list[GradeResult]:
    """Grades for one group, best rank first (officers sharing a rank keep their input order).

    Ranks are competition ranks by score ("1224"), vetoed officers last. Raises ValueError for a bad input or override, and
    QuotaExceeded when overrides would give more excellent grades than the quota.
    """
    _validate(items)
    n = len(items)
    quota = quota_for(n, r)
    quota_text = top_places(quota, r.excellent_quota)
    results = []
    def standing(i: GradeInput) -> tuple[bool, Decimal]:
        return (i.veto, -i.score)

    ordered = sorted(items, key=standing)
    keys = [standing(i) for i in ordered]  # sorted, so ranks come from two binary searches: O(n log n)
    for item in ordered:
        key = standing(item)
        higher = bisect_left(keys, key)
        tied = bisect_right(keys, key) - higher
        rank = higher + 1
        # Everyone at this score gets a place or no one does, so the places given never exceed the quota.
        in_quota = higher + tied <= quota
        checks: list[Check] = []
        score_text = str(round_points(item.score))

        checks.append(veto_check(item.veto))
        if item.veto:
            proposed = INCOMPETENT
        else:
            proposed = ""
            excellent_score = item.score >= r.excellent_min_score
            checks.append(Check("excellent_score", score_text, f"≥ {round_points(r.excellent_min_score)}",
                                excellent_score))
            if excellent_score:
                checks.append(Check("excellent_quota", phrase("place.rank_of", rank=rank, n=n), quota_text,
                                    rank <= quota))
                if rank <= quota and not in_quota:
                    checks.append(Check("excellent_tie", phrase("place.tied_at_rank", tied=tied, rank=rank),
                                        phrase("places.all_within", places=quota_text), False))
                if in_quota:
                    proposed = EXCELLENT
            if not proposed:
                for grade, rule, threshold in ((COMPETENT, "competent_score", r.competent_min_score),
                                               (BASIC, "basic_score", r.basic_min_score)):
                    met = item.score >= threshold
                    checks.append(Check(rule, score_text, f"≥ {round_points(threshold)}", met))
                    if met:
                        proposed = grade
                        break
                else:
                    proposed = INCOMPETENT

        final = proposed
        if item.override is not None:
            final = item.override
            checks.append(Check("override", phrase("grade.changed", before=proposed, after=final),
                                item.override_reason.strip(), True))
        results.append(GradeResult(person_id=item.person_id, rank=rank, proposed=proposed, final=final,
                                   quota=quota, in_quota=in_quota, explanation=checks))

    excellent = sum(1 for result in results if result.final == EXCELLENT)
    if excellent > quota:
        raise QuotaExceeded(f"{excellent} excellent grades in a group of {n}: the quota is {quota}")
    return results
