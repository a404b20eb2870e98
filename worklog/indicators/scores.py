"""Units' indicator scores over a period: the comprehensive evaluation's work score, and the progress page.

A unit is assessed on the plan of the unit directly above it, in the version in force on the period's last day,
by the indicators that give it a target. Over a period shorter than the year an additive measure is held against
the target pro rata: a month against days-in-month ÷ days-in-year of it, the year so far against the days elapsed.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from models import Indicator, IndicatorPlan, Unit
from worklog.indicators.queries import measure_keys, plans_in_force, scoring_of, unit_values, value_of
from worklog.rules.indicators import Part, behind, pro_rata, weighted
from worklog.rules.phrases import Phrase
from worklog.rules.ruleset import RuleValues


@dataclass
class Line:
    indicator: Indicator
    value: Decimal | None
    target: Decimal             # the year's
    due: Decimal                # the period's share of it
    score: Decimal | None
    weighted: Decimal | None
    detail: Phrase
    behind: bool = False


@dataclass
class UnitScore:
    unit: Unit
    plan: IndicatorPlan
    score: Decimal | None
    lines: list[Line] = field(default_factory=list)

    @property
    def warnings(self) -> int:
        return sum(1 for line in self.lines if line.behind)


def year_days(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def unit_scores(units: list[Unit], first: date, last: date, rules: RuleValues) -> dict[int, UnitScore]:
    """Each unit's weighted indicator score from ``first`` to ``last`` (within one year), with a line per
    indicator. Units whose unit above has no plan in force, or whose plan gives them no target, are left out."""
    if not units:
        return {}
    year = first.year
    plans = plans_in_force({u.parent_id for u in units if u.parent_id is not None}, year, last)
    assessed: dict[int, tuple[Unit, IndicatorPlan, list[tuple[Indicator, Decimal]]]] = {}
    for unit in units:
        plan = plans.get(unit.parent_id)
        if plan is None:
            continue
        mine = [(i, t.target) for i in plan.indicators for t in i.targets if t.unit_id == unit.id]
        if mine:
            assessed[unit.id] = (unit, plan, mine)
    if not assessed:
        return {}
    measures, manual = measure_keys(i for _u, _p, mine in assessed.values() for i, _t in mine)
    found = unit_values([u for u, _p, _m in assessed.values()], measures, first, last, rules, manual)
    elapsed, days = (last - first).days + 1, year_days(year)
    result = {}
    for unit_id, (unit, plan, mine) in assessed.items():
        parts, dues = [], {}
        for indicator, target in mine:
            dues[indicator.id] = pro_rata(target, indicator.measure, elapsed, days)
            parts.append(Part(indicator.id, value_of(found, indicator, unit_id), dues[indicator.id],
                              indicator.weight, scoring_of(indicator)))
        scored = weighted(parts)
        lines = []
        for (indicator, target), part, part_score in zip(mine, parts, scored.parts):
            lines.append(Line(indicator, part.value, target, dues[indicator.id], part_score.score,
                              part_score.weighted, part_score.detail,
                              behind(part.value, dues[indicator.id], part.scoring, rules.progress_warning_share)))
        result[unit_id] = UnitScore(unit, plan, scored.score, lines)
    return result
