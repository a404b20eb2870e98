"""Indicators set from above (目标设定): each indicator's score from its value and target, the unit's weighted
score, the pro-rata target of a period under way, the progress warning, and the check that a break-down adds
up (责任分解). Plain values in, plain values out.

Every figure is computed exactly (in fractions) and rounded once, to 2 places, halves up.

- proportional: 100 × min(cap, value ÷ target); a target of 0 asks nothing, so it scores 100.
- thresholds: the score of the highest step reached; a step is (share of the target, score), e.g. (1, 100),
  (0.8, 80), (0.6, 60): 85% of the target scores 80; below the lowest step scores 0.
- deductions: 100 − points per unit × value, never below 0 (the target is not used: any deduction costs).
- The weighted score is Σ weight × score ÷ Σ weight over the indicators that have a value; an indicator with no
  value in the period (no survey answer, no manual value entered) is left out and says so, and the weights of
  the others count alone. With no value at all there is no score.
- Additive measures (points, counts, deductions) build up over the year, so a period under way is held against
  the target pro rata (the share of the year's days elapsed); rates and levels (satisfaction, rectification
  rate, a value entered by hand) are held against the whole target from the first day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Hashable, Sequence

from worklog.rules.phrases import Phrase, phrase

PROPORTIONAL = "proportional"
THRESHOLDS = "thresholds"
DEDUCTIONS = "deductions"
RULES = (PROPORTIONAL, THRESHOLDS, DEDUCTIONS)

#: Measures whose value builds up over the year (the rest are rates, in %).
ADDITIVE = frozenset({"ledger_points", "fact_count", "inspection_deductions"})

HUNDRED = Fraction(100)
CENT = Decimal("0.01")


def round2(value: Fraction | Decimal | int) -> Decimal:
    """An exact value to 2 places, halves away from zero."""
    value = Fraction(value)
    hundredths = floor(abs(value) * 100 + Fraction(1, 2))
    return (Decimal(-hundredths if value < 0 else hundredths) / 100).quantize(CENT)


@dataclass(frozen=True)
class Scoring:
    """How an indicator's value becomes a score out of 100 (more with a cap above 1)."""
    rule: str = PROPORTIONAL
    cap: Decimal = Decimal("1")
    #: thresholds: (share of the target, score), any order.
    steps: tuple[tuple[Decimal, Decimal], ...] = ()
    #: deductions: points off per unit of the value.
    per_unit: Decimal = Decimal("1")

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown scoring rule {self.rule!r}")
        if not isinstance(self.cap, Decimal) or not self.cap.is_finite() or self.cap < 1:
            raise ValueError("cap must be a Decimal ≥ 1")
        if self.rule == THRESHOLDS:
            if not self.steps:
                raise ValueError("thresholds need at least one step")
            for share, score in self.steps:
                if share < 0 or score < 0:
                    raise ValueError("a step's share and score cannot be negative")
        if self.rule == DEDUCTIONS and self.per_unit < 0:
            raise ValueError("points per unit cannot be negative")


def score(value: Decimal, target: Decimal, scoring: Scoring) -> Decimal:
    """The indicator's score for ``value`` against ``target`` (see the module's docstring)."""
    if value < 0 or target < 0:
        raise ValueError("value and target cannot be negative")
    if scoring.rule == DEDUCTIONS:
        return round2(max(Fraction(0), HUNDRED - Fraction(scoring.per_unit) * Fraction(value)))
    if target == 0:
        return round2(HUNDRED)
    share = Fraction(value) / Fraction(target)
    if scoring.rule == PROPORTIONAL:
        return round2(HUNDRED * min(Fraction(scoring.cap), share))
    reached = [Fraction(points) for step, points in scoring.steps if share >= Fraction(step)]
    return round2(max(reached)) if reached else round2(0)


@dataclass(frozen=True)
class Part:
    """One indicator of a unit: its value (None: no value in the period), target, weight, scoring."""
    key: Hashable
    value: Decimal | None
    target: Decimal
    weight: Decimal
    scoring: Scoring


@dataclass(frozen=True)
class PartScore:
    key: Hashable
    score: Decimal | None     # None: no value, left out
    weighted: Decimal | None  # weight × score ÷ Σ weights counted, to 2 places (for the explanation)
    detail: Phrase


@dataclass(frozen=True)
class Weighted:
    score: Decimal | None
    parts: list[PartScore] = field(default_factory=list)
    weight_counted: Decimal = Decimal("0")


def weighted(parts: Sequence[Part]) -> Weighted:
    """The unit's indicator score: Σ weight × score ÷ Σ weight over the parts with a value."""
    for part in parts:
        if part.weight <= 0:
            raise ValueError("a weight must be above 0")
    counted = [p for p in parts if p.value is not None]
    total_weight = sum((Fraction(p.weight) for p in counted), Fraction(0))
    scores = {p.key: score(p.value, p.target, p.scoring) for p in counted}
    result = []
    for part in parts:
        if part.value is None:
            result.append(PartScore(part.key, None, None, phrase("indicator.no_value")))
            continue
        s = scores[part.key]
        result.append(PartScore(part.key, s, round2(Fraction(part.weight) * Fraction(s) / total_weight),
                                _detail(part, s)))
    if not counted:
        return Weighted(None, result)
    total = sum((Fraction(p.weight) * Fraction(scores[p.key]) for p in counted), Fraction(0)) / total_weight
    return Weighted(round2(total), result, Decimal(sum(p.weight for p in counted)))


def _detail(part: Part, s: Decimal) -> Phrase:
    rule = part.scoring.rule
    if rule == DEDUCTIONS:
        return phrase("indicator.deductions", value=str(part.value), per_unit=str(part.scoring.per_unit),
                      score=str(s))
    if part.target == 0:
        return phrase("indicator.no_target", score=str(s))
    if rule == PROPORTIONAL:
        return phrase("indicator.proportional", value=str(part.value), target=str(part.target),
                      cap=_pct(part.scoring.cap), score=str(s))
    return phrase("indicator.thresholds", value=str(part.value), target=str(part.target),
                  share=_pct(round2(Fraction(part.value) / Fraction(part.target) * 100) / 100),
                  steps=", ".join(f"{_pct(step)} → {points}" for step, points in
                                  sorted(part.scoring.steps, reverse=True)),
                  score=str(s))


def _pct(value: Decimal) -> str:
    text = f"{Decimal(value) * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


# --- Progress (过程控制) --------------------------------------------------------------------------------------


def pro_rata(target: Decimal, measure: str, elapsed_days: int, year_days: int) -> Decimal:
    """The part of the year's target due after ``elapsed_days`` of ``year_days`` (the whole target for a rate)."""
    if not 0 <= elapsed_days <= year_days or year_days <= 0:
        raise ValueError("elapsed days must lie within the year")
    if measure not in ADDITIVE:
        return Decimal(target)
    return round2(Fraction(target) * elapsed_days / year_days)


def behind(value: Decimal | None, due: Decimal, scoring: Scoring, share: Decimal) -> bool:
    """Is the value below ``share`` of what is due by now? A deductions indicator is behind once its score
    falls below ``share`` of 100. No value yet is not a warning (nothing to judge)."""
    if value is None:
        return False
    if scoring.rule == DEDUCTIONS:
        return score(value, due, scoring) < Decimal(share) * 100
    if due <= 0:
        return False
    return Fraction(value) < Fraction(share) * Fraction(due)


# --- Break-down (责任分解) -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """The parts of a break-down and the whole they should make."""
    whole: Decimal
    parts: Decimal

    @property
    def difference(self) -> Decimal:
        return self.parts - self.whole


def check_breakdown(whole: Decimal, parts: Sequence[Decimal], months: int = 1) -> Mismatch | None:
    """None when the parts (× ``months``: an officer's monthly target over the year) add up to the whole
    exactly; else what they make. A part cannot be negative."""
    if any(p < 0 for p in parts):
        raise ValueError("a part cannot be negative")
    total = sum((Decimal(p) for p in parts), Decimal("0")) * months
    return None if total == whole else Mismatch(Decimal(whole), total)
