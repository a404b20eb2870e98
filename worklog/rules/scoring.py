"""An officer's monthly score (DESIGN §5): base + workload + quality + bonus, explained line by line.

Each part is rounded to the cent (half up) before the parts are added, so the parts shown always add up to
the score shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from worklog.rules.phrases import Phrase, phrase
from worklog.rules.points import round_points
from worklog.rules.ruleset import RuleValues

ZERO = Decimal("0")
ONE = Decimal("1")


@dataclass(frozen=True)
class OfficerMonth:
    """What the month recorded for one officer. Counts are ints, amounts Decimals."""
    person_id: int
    approved_points: Decimal
    target_points: Decimal
    missing_days: int = 0
    late_days: int = 0
    returned_entries: int = 0          # times an entry was returned this month
    reduced_entries: int = 0           # entries approved with fewer points than claimed
    discipline_deductions: Decimal = ZERO  # panel-recorded, taken from the base
    quality_deductions: Decimal = ZERO     # panel-recorded: enforcement-quality findings, verified complaints
    commendations: Decimal = ZERO          # panel-recorded bonus; a net negative (corrections) counts as 0
    veto: bool = False

    def __post_init__(self) -> None:
        for name in ("missing_days", "late_days", "returned_entries", "reduced_entries"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a whole number ≥ 0")
        for name in ("approved_points", "target_points", "discipline_deductions", "quality_deductions",
                     "commendations"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise ValueError(f"{name} must be a finite Decimal")
        # A negative deduction would be a bonus by the back door; a target of 0 or less means "no target".
        for name in ("approved_points", "discipline_deductions", "quality_deductions"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if not isinstance(self.veto, bool):
            raise ValueError("veto must be True or False")


@dataclass(frozen=True)
class Line:
    """One line of a score's explanation. ``rule`` is a stable key the app translates; ``value`` the amount
    it contributes (empty for the veto); ``detail`` the arithmetic with the officer's numbers, as a phrase whose
    code is ``score.<rule>`` (worded by ``worklog.explanations``)."""
    rule: str
    value: str
    detail: Phrase


@dataclass(frozen=True)
class MonthScore:
    person_id: int
    base: Decimal
    workload: Decimal
    quality: Decimal
    bonus: Decimal
    score: Decimal
    veto: bool
    explanation: list[Line] = field(default_factory=list)


def _p(value: Decimal) -> str:
    """An amount to the cent, negatives with a true minus sign like the formulas'."""
    return str(round_points(value)).replace("-", "−")


def _minus(value: Decimal) -> str:
    return "−" + _p(value)


def _line(rule: str, value: str, **args: object) -> Line:
    return Line(rule, value, phrase("score." + rule, **args))


def _deduction(lines: list[Line], rule: str, count: int, unit: Decimal) -> Decimal:
    """count × unit, explained on a line of its own unless the count is 0."""
    amount = count * unit
    if count:
        lines.append(_line(rule, _minus(amount), count=count, unit=_p(unit), amount=_p(amount)))
    return amount


def score_month(o: OfficerMonth, r: RuleValues) -> MonthScore:
    """The month's score. A veto does not change the score; it forces the lowest grade (see grading)."""
    lines: list[Line] = []

    # Base: deductions only, never below 0. Zero deductions are left out of the explanation.
    lines.append(_line("base_points", _p(r.base_points), points=_p(r.base_points)))
    missing = _deduction(lines, "missing_days", o.missing_days, r.missing_day_deduction)
    late = _deduction(lines, "late_days", o.late_days, r.late_day_deduction)
    if o.discipline_deductions:
        lines.append(_line("discipline", _minus(o.discipline_deductions), amount=_p(o.discipline_deductions)))
    base = round_points(max(ZERO, r.base_points - missing - late - o.discipline_deductions))
    lines.append(_line("base", _p(base), points=_p(r.base_points), missing=_p(missing), late=_p(late),
                       discipline=_p(o.discipline_deductions), base=_p(base)))

    # Workload: the share of the post's monthly target reached, capped at the full points.
    if o.target_points <= 0:
        workload = round_points(ZERO)
        lines.append(_line("no_target", _p(workload), target=_p(o.target_points)))
    else:
        workload = round_points(r.workload_points * min(ONE, o.approved_points / o.target_points))
        lines.append(_line("workload", _p(workload), points=_p(r.workload_points), approved=_p(o.approved_points),
                           target=_p(o.target_points), workload=_p(workload)))

    # Quality: deductions only, never below 0.
    lines.append(_line("quality_points", _p(r.quality_points), points=_p(r.quality_points)))
    returned = _deduction(lines, "returned_entries", o.returned_entries, r.returned_entry_deduction)
    reduced = _deduction(lines, "reduced_entries", o.reduced_entries, r.reduced_entry_deduction)
    if o.quality_deductions:
        lines.append(_line("quality_findings", _minus(o.quality_deductions), amount=_p(o.quality_deductions)))
    quality = round_points(max(ZERO, r.quality_points - returned - reduced - o.quality_deductions))
    lines.append(_line("quality", _p(quality), points=_p(r.quality_points), returned=_p(returned),
                       reduced=_p(reduced), findings=_p(o.quality_deductions), quality=_p(quality)))

    # Bonus: commendations, capped.
    if o.commendations:
        lines.append(_line("commendations", ("+" if o.commendations > 0 else "") + _p(o.commendations),
                           amount=_p(o.commendations)))
    bonus = round_points(min(r.bonus_cap, max(ZERO, o.commendations)))
    lines.append(_line("bonus", _p(bonus), cap=_p(r.bonus_cap), commendations=_p(o.commendations), bonus=_p(bonus)))

    score = base + workload + quality + bonus
    lines.append(_line("score", _p(score), base=_p(base), workload=_p(workload), quality=_p(quality),
                       bonus=_p(bonus), score=_p(score)))
    if o.veto:
        lines.append(_line("veto", ""))

    return MonthScore(person_id=o.person_id, base=base, workload=workload, quality=quality, bonus=bonus,
                      score=score, veto=o.veto, explanation=lines)
