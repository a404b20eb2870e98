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

#: Finding categories taken from the base (attendance and discipline items); the others come off quality.
BASE_CATEGORIES = ("discipline", "appearance")
QUALITY_CATEGORIES = ("enforcement", "complaint")


@dataclass(frozen=True)
class FindingDeduction:
    """An inspection finding about the officer that lands in the month: its id, category, date (ISO text, as the
    explanation stores it) and the points it carries (worked out when it was recorded, repeats included)."""
    id: int
    category: str
    found_on: str
    points: Decimal

    def __post_init__(self) -> None:
        if self.category not in BASE_CATEGORIES + QUALITY_CATEGORIES:
            raise ValueError(f"unknown finding category {self.category!r}")
        if not isinstance(self.points, Decimal) or not self.points.is_finite() or self.points < 0:
            raise ValueError("a finding's points must be a finite Decimal ≥ 0")

    @property
    def from_base(self) -> bool:
        return self.category in BASE_CATEGORIES


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
    #: Inspection findings about the officer this month, in the order they are explained (date, then id).
    findings: tuple[FindingDeduction, ...] = ()

    @property
    def base_findings(self) -> Decimal:
        """Points of the findings taken from the base (discipline, appearance)."""
        return sum((f.points for f in self.findings if f.from_base), ZERO)

    @property
    def quality_findings(self) -> Decimal:
        """Points of the findings taken from quality (enforcement errors, complaints)."""
        return sum((f.points for f in self.findings if not f.from_base), ZERO)

    @property
    def all_discipline_deductions(self) -> Decimal:
        """What comes off the base besides days: the panel's discipline deductions and the base's findings (what
        a month's result stores as its discipline deductions)."""
        return self.discipline_deductions + self.base_findings

    @property
    def all_quality_deductions(self) -> Decimal:
        return self.quality_deductions + self.quality_findings

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
        if not isinstance(self.findings, tuple) or not all(isinstance(f, FindingDeduction) for f in self.findings):
            raise ValueError("findings must be a tuple of FindingDeduction")


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


def _findings(lines: list[Line], findings: tuple[FindingDeduction, ...]) -> None:
    """One line per finding, naming it (its number, category, date), so the officer can look it up."""
    for f in findings:
        lines.append(_line("finding", _minus(f.points), id=f.id, category=phrase("finding." + f.category),
                           date=f.found_on, points=_p(f.points)))


def score_month(o: OfficerMonth, r: RuleValues) -> MonthScore:
    """The month's score. A veto does not change the score; it forces the lowest grade (see grading)."""
    lines: list[Line] = []

    # Base: deductions only, never below 0. Zero deductions are left out of the explanation.
    lines.append(_line("base_points", _p(r.base_points), points=_p(r.base_points)))
    missing = _deduction(lines, "missing_days", o.missing_days, r.missing_day_deduction)
    late = _deduction(lines, "late_days", o.late_days, r.late_day_deduction)
    if o.discipline_deductions:
        lines.append(_line("discipline", _minus(o.discipline_deductions), amount=_p(o.discipline_deductions)))
    _findings(lines, tuple(f for f in o.findings if f.from_base))
    discipline = o.all_discipline_deductions
    base = round_points(max(ZERO, r.base_points - missing - late - discipline))
    lines.append(_line("base", _p(base), points=_p(r.base_points), missing=_p(missing), late=_p(late),
                       discipline=_p(discipline), base=_p(base)))

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
    _findings(lines, tuple(f for f in o.findings if not f.from_base))
    findings = o.all_quality_deductions
    quality = round_points(max(ZERO, r.quality_points - returned - reduced - findings))
    lines.append(_line("quality", _p(quality), points=_p(r.quality_points), returned=_p(returned),
                       reduced=_p(reduced), findings=_p(findings), quality=_p(quality)))

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
