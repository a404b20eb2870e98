"""The numbers of the monthly assessment (DESIGN §5), with their defaults, validation and a JSON form.

A rule set stored in the database is a ``to_mapping()`` dict; ``RuleValues.from_mapping`` reads it back,
filling fields that a newer version of the code added with their defaults, so old rule sets stay usable.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from worklog.rules.phrases import RuleProblem

#: Field kinds for a generic admin form.
#: "decimal": points, to the cent. "percent": a fraction from 0 to 1 (0.20 is 20%), up to 4 places so that
#: 12.5% can be expressed. "int": a whole number (here, working days). "choice": one of a few words.
KINDS = ("decimal", "percent", "int", "choice")

_CENT = Decimal("0.01")
_PERCENT_STEP = Decimal("0.0001")


def _d(text: str, kind: str) -> Any:
    return field(default=Decimal(text), metadata={"kind": kind})


def _i(value: int, low: int = 1, high: int = 30, unit: str = "working_days") -> Any:
    """A whole number from ``low`` to ``high``; the bounds only catch typing mistakes."""
    return field(default=value, metadata={"kind": "int", "min": low, "max": high, "unit": unit})


def _c(value: str, *choices: str) -> Any:
    """One of ``choices``."""
    return field(default=value, metadata={"kind": "choice", "choices": choices})


class InvalidRuleValues(ValueError):
    """Rule values that cannot be used. ``errors`` maps a field name (or ``"unknown"``) to a problem (a code and
    its values, worded by the form layer through ``worklog.explanations``)."""

    def __init__(self, errors: Mapping[str, RuleProblem]):
        self.errors = dict(errors)
        super().__init__("invalid rule values: " + "; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class RuleValues:
    # Self-assessed completion factors of a daily entry (DESIGN §4).
    completion_done: Decimal = _d("1.00", "percent")
    completion_mostly: Decimal = _d("0.80", "percent")
    completion_not_done: Decimal = _d("0.00", "percent")
    # How far a supervisor may adjust an entry's points, either way.
    adjust_bound: Decimal = _d("0.30", "percent")
    # Base: deductions only.
    base_points: Decimal = _d("30.00", "decimal")
    missing_day_deduction: Decimal = _d("1.00", "decimal")
    late_day_deduction: Decimal = _d("0.50", "decimal")
    # Workload: workload_points × min(1, approved ÷ target).
    workload_points: Decimal = _d("50.00", "decimal")
    # Quality: deductions only.
    quality_points: Decimal = _d("20.00", "decimal")
    returned_entry_deduction: Decimal = _d("1.00", "decimal")
    reduced_entry_deduction: Decimal = _d("0.50", "decimal")
    # Bonus: commendations, capped.
    bonus_cap: Decimal = _d("10.00", "decimal")
    # Grades.
    excellent_min_score: Decimal = _d("90.00", "decimal")
    excellent_quota: Decimal = _d("0.20", "percent")
    competent_min_score: Decimal = _d("70.00", "decimal")
    basic_min_score: Decimal = _d("60.00", "decimal")
    # Publication (公示) and appeal (申诉) windows, in working days.
    publication_days: int = _i(3)
    appeal_days: int = _i(3)
    # The police-service survey (DESIGN §7): satisfaction = (satisfied + factor × basically satisfied) ÷ valid.
    survey_basic_factor: Decimal = _d("0.50", "percent")
    survey_sample_size: int = _i(30, 1, 1000, "people")
    survey_no_repeat_days: int = _i(180, 1, 3650, "days")
    follow_up_days: int = _i(5)
    # Units' comprehensive score: (1 − w) × normalised work + w × public; public = p × poll + (1 − p) × survey.
    public_weight: Decimal = _d("0.50", "percent")
    poll_weight: Decimal = _d("0.70", "percent")
    unit_excellent_quota: Decimal = _d("0.20", "percent")
    unit_excellent_min: Decimal = _d("90.00", "decimal")
    unit_pass_min: Decimal = _d("60.00", "decimal")
    # Yellow cards: this share of the bottom of the public-evaluation ranking; this many in a row are flagged.
    yellow_bottom: Decimal = _d("0.10", "percent")
    yellow_run: int = _i(2, 1, 12, "months")
    # A unit's work score: its weighted indicator score (the indicators set by the unit above), or approved
    # points per officer. Rule sets stored before indicators existed say "points" (migration 0015).
    unit_work_basis: str = _c("indicators", "indicators", "points")
    # Progress (过程控制): a warning below this share of the pro-rata target.
    progress_warning_share: Decimal = _d("0.80", "percent")
    # Inspection findings: each category's deduction (enforcement errors and complaints from quality,
    # discipline and appearance from the base); a repeat within the period weighs this many times more.
    finding_enforcement: Decimal = _d("2.00", "decimal")
    finding_discipline: Decimal = _d("2.00", "decimal")
    finding_appearance: Decimal = _d("1.00", "decimal")
    finding_complaint: Decimal = _d("2.00", "decimal")
    finding_repeat_days: int = _i(365, 1, 3650, "days")
    finding_repeat_factor: Decimal = _d("1.50", "decimal")
    # Rectification (整改): working days to put a finding right.
    rectification_days: int = _i(10, 1, 60)
    # The year (DESIGN §5): excellent within this share of the group and at this score or more, with this much
    # service; this many incompetent months or more rule out competent and better.
    annual_excellent_quota: Decimal = _d("0.20", "percent")
    annual_excellent_min: Decimal = _d("90.00", "decimal")
    annual_competent_min: Decimal = _d("70.00", "decimal")
    annual_basic_min: Decimal = _d("60.00", "decimal")
    annual_incompetent_months: int = _i(2, 1, 12, "months")
    annual_excellent_service_years: Decimal = _d("1.00", "decimal")
    # Bonus (DESIGN §6): the grade coefficients a pool is shared by, with the score.
    bonus_excellent: Decimal = _d("1.30", "decimal")
    bonus_competent: Decimal = _d("1.00", "decimal")
    bonus_basic: Decimal = _d("0.70", "decimal")
    bonus_incompetent: Decimal = _d("0.00", "decimal")
    # The spread a pool may have: its highest share at most this many times its lowest share above 0.00, or the
    # pool is refused (worklog/annual/bonuses.py says why refused rather than capped). 0.00 sets no limit, which is
    # what rule sets stored before the field existed read, so their pools are shared as they always were.
    bonus_max_ratio: Decimal = _d("0.00", "decimal")
    # Supervisor leniency (worklog/rules/leniency.py): a supervisor is flagged when a measure of their reviews lies
    # more than leniency_deviations robust deviations from their peers' median, a robust deviation being
    # 1.4826 × the median absolute deviation but never less than leniency_floor; only supervisors with at least
    # leniency_min_entries entries reviewed count, in peer groups of at least leniency_min_peers of them.
    leniency_deviations: Decimal = _d("3.00", "decimal")
    leniency_floor: Decimal = _d("0.02", "percent")
    leniency_min_peers: int = _i(3, 2, 100, "people")
    leniency_min_entries: int = _i(20, 1, 10000, "entries")

    def __post_init__(self) -> None:
        errors = _check({name: getattr(self, name) for name, _ in FIELDS})
        if errors:
            raise InvalidRuleValues(errors)

    @property
    def max_score(self) -> Decimal:
        """The highest monthly score these rules can give."""
        return self.base_points + self.workload_points + self.quality_points + self.bonus_cap

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RuleValues:
        """Rule values from a JSON-like dict. Missing keys take their defaults; unknown keys are refused.

        Decimal fields accept Decimal, int, str or float (read through ``str``, so 0.3 is 0.3); int fields
        accept int or a string of digits. Values are brought to a canonical form (points to the cent).
        """
        known = {name for name, _ in FIELDS}
        unknown = sorted(str(k) for k in data if k not in known)
        errors: dict[str, RuleProblem] = {}
        if unknown:
            errors["unknown"] = RuleProblem("ruleset.unknown_fields", names=", ".join(unknown))
        values: dict[str, Any] = {}
        for name, kind in FIELDS:
            if name not in data:
                continue
            try:
                values[name] = _parse(data[name], kind)
            except RuleProblem as problem:
                errors[name] = problem
        if errors:
            # Report the range problems of the values that could be read too, all at once.
            defaults = {f.name: f.default for f in fields(cls)}
            raise InvalidRuleValues(errors | {k: v for k, v in _check(defaults | values).items()
                                              if k not in errors})
        return cls(**values)

    def to_mapping(self) -> dict[str, Any]:
        """A JSON-ready dict: Decimals as strings, ints as ints, choices as their word, in ``FIELDS`` order."""
        return {name: (str(getattr(self, name)) if kind != "int" else getattr(self, name))
                for name, kind in FIELDS}

    def bonus_coefficients(self) -> dict[str, Decimal]:
        """The grade coefficients of a bonus pool, by grade."""
        return {"excellent": self.bonus_excellent, "competent": self.bonus_competent, "basic": self.bonus_basic,
                "incompetent": self.bonus_incompetent}

    def finding_deduction(self, category: str) -> Decimal:
        """What a finding of ``category`` deducts (before a repeat weighs it more)."""
        return getattr(self, "finding_" + category)


#: Every field of ``RuleValues`` in order, with its kind, for a generic admin form.
FIELDS: list[tuple[str, str]] = [(f.name, f.metadata["kind"]) for f in fields(RuleValues)]
#: The bounds of the whole-number fields: (lowest, highest, unit of measure: working_days, days, months, people,
#: entries).
INT_BOUNDS: dict[str, tuple[int, int, str]] = {f.name: (f.metadata["min"], f.metadata["max"], f.metadata["unit"])
                                               for f in fields(RuleValues) if f.metadata["kind"] == "int"}
#: The words a choice field takes.
CHOICES: dict[str, tuple[str, ...]] = {f.name: f.metadata["choices"] for f in fields(RuleValues)
                                       if f.metadata["kind"] == "choice"}


def from_mapping(data: Mapping[str, Any]) -> RuleValues:
    """Same as ``RuleValues.from_mapping``."""
    return RuleValues.from_mapping(data)


def _parse(raw: Any, kind: str) -> Decimal | int | str:
    if isinstance(raw, bool):
        raise RuleProblem("value.number")
    if kind == "choice":
        return raw.strip() if isinstance(raw, str) else raw  # checked against its choices by _check
    if kind == "int":
        if isinstance(raw, int):
            return raw
        if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
            return int(raw.strip())
        raise RuleProblem("value.whole")
    if isinstance(raw, (Decimal, int)):
        value = Decimal(raw)
    elif isinstance(raw, (str, float)):
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise RuleProblem("value.number") from None
    else:
        raise RuleProblem("value.number")
    if not value.is_finite():
        raise RuleProblem("value.number")
    step = _CENT if kind == "decimal" else _PERCENT_STEP
    if value != value.quantize(step):
        raise RuleProblem("value.places" if kind == "decimal" else "value.fraction_step")
    value = value.quantize(step)
    if kind == "percent" and value == value.quantize(_CENT):
        value = value.quantize(_CENT)  # 0.2000 → 0.20; 0.1250 stays 0.1250
    return value


def _check(v: Mapping[str, Any]) -> dict[str, str]:
    """Every problem with a full set of values, by field name."""
    errors: dict[str, RuleProblem] = {}
    for name, kind in FIELDS:
        value = v[name]
        if kind == "choice":
            if value not in CHOICES[name]:
                errors[name] = RuleProblem("value.choice")
            continue
        if kind == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                errors[name] = RuleProblem("value.whole")
            elif not INT_BOUNDS[name][0] <= value <= INT_BOUNDS[name][1]:
                low, high, unit = INT_BOUNDS[name]
                errors[name] = RuleProblem("value.between_" + unit, low=low, high=high)
            continue
        if not isinstance(value, Decimal) or not value.is_finite():
            errors[name] = RuleProblem("value.number")
        elif value < 0:
            errors[name] = RuleProblem("value.negative")
        elif kind == "percent" and value > 1:
            errors[name] = RuleProblem("value.percent")
        elif value != value.quantize(_CENT if kind == "decimal" else _PERCENT_STEP):
            errors[name] = RuleProblem("value.places")
    if errors:
        return errors  # the cross-field checks below need every value to be sound

    if not v["completion_done"] >= v["completion_mostly"] >= v["completion_not_done"]:
        errors["completion_mostly"] = RuleProblem("ruleset.completion_order")
    if v["base_points"] + v["workload_points"] + v["quality_points"] <= 0:
        errors["workload_points"] = RuleProblem("ruleset.all_zero")
    if v["competent_min_score"] > v["excellent_min_score"]:
        errors["competent_min_score"] = RuleProblem("ruleset.above_excellent")
    if v["basic_min_score"] > v["competent_min_score"]:
        errors["basic_min_score"] = RuleProblem("ruleset.above_competent")
    top = v["base_points"] + v["workload_points"] + v["quality_points"] + v["bonus_cap"]
    if v["excellent_min_score"] > top:
        errors["excellent_min_score"] = RuleProblem("ruleset.unreachable", top=str(top))
    if v["unit_pass_min"] > v["unit_excellent_min"]:
        errors["unit_pass_min"] = RuleProblem("ruleset.above_unit_excellent")
    if v["unit_excellent_min"] > 100:
        errors["unit_excellent_min"] = RuleProblem("ruleset.unit_unreachable")
    if v["finding_repeat_factor"] < 1:
        errors["finding_repeat_factor"] = RuleProblem("ruleset.repeat_factor")
    if v["annual_competent_min"] > v["annual_excellent_min"]:
        errors["annual_competent_min"] = RuleProblem("ruleset.above_excellent")
    if v["annual_basic_min"] > v["annual_competent_min"]:
        errors["annual_basic_min"] = RuleProblem("ruleset.above_competent")
    if not v["bonus_excellent"] >= v["bonus_competent"] >= v["bonus_basic"] >= v["bonus_incompetent"]:
        errors["bonus_competent"] = RuleProblem("ruleset.bonus_order")
    if 0 < v["bonus_max_ratio"] < 1:
        errors["bonus_max_ratio"] = RuleProblem("ruleset.ratio_below_one")
    if v["leniency_deviations"] <= 0:
        errors["leniency_deviations"] = RuleProblem("ruleset.above_zero")
    return errors


#: The defaults of DESIGN §5.
DEFAULTS = RuleValues()
