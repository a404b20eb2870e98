"""Progress against the indicators (过程控制): a unit's year so far, indicator by indicator, against the pro-rata
target, with the trend month by month and each department's share; and the warnings it raises.

The year so far runs from 1 January to ``as_of`` (today, or the year's end for a past year). The trend reads each
month of it (at most twelve reads of each measure, whatever the number of rows); the departments read their
measures once for the year so far.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from models import Department, Indicator, IndicatorPlan, Unit
from worklog import timekeeping
from worklog.indicators.queries import (department_shares, department_values, measure_keys, months_between,
                                        scoring_of, unit_values, value_of)
from worklog.indicators.scores import Line, UnitScore, unit_scores, year_days
from worklog.rulesets.queries import values_on
from worklog.rules.indicators import behind, pro_rata

#: Measures a department has a value of (the survey and rectification are the unit's).
DEPARTMENT_MEASURES = frozenset({"ledger_points", "fact_count", "inspection_deductions"})


@dataclass
class DepartmentLine:
    department: Department
    indicator: Indicator
    target: Decimal
    due: Decimal
    value: Decimal | None
    behind: bool


@dataclass
class Progress:
    unit: Unit
    year: int
    first: date
    as_of: date
    share: Decimal                      # the warning's share of the pro-rata target
    scored: UnitScore | None
    trend: dict[int, list[tuple[date, Decimal | None]]] = field(default_factory=dict)
    departments: list[DepartmentLine] = field(default_factory=list)

    @property
    def plan(self) -> IndicatorPlan | None:
        return self.scored.plan if self.scored else None

    @property
    def lines(self) -> list[Line]:
        return self.scored.lines if self.scored else []

    @property
    def elapsed(self) -> int:
        return (self.as_of - self.first).days + 1

    @property
    def behind(self) -> list[Line]:
        return [line for line in self.lines if line.behind]

    @property
    def departments_behind(self) -> list[DepartmentLine]:
        return [line for line in self.departments if line.behind]


def as_of_for(year: int) -> date:
    today = timekeeping.today()
    return today if today.year == year else date(year, 12, 31)


def progress(unit: Unit, year: int, with_trend: bool = True) -> Progress:
    first, as_of = date(year, 1, 1), as_of_for(year)
    rules = values_on(first)
    scored = unit_scores([unit], first, as_of, rules).get(unit.id) if as_of >= first else None
    result = Progress(unit, year, first, as_of, rules.progress_warning_share, scored)
    if scored is None:
        return result
    indicators = [line.indicator for line in scored.lines]
    measures, manual = measure_keys(indicators)
    if with_trend:
        for month in months_between(first, as_of):
            last = min(timekeeping.month_bounds(month)[1], as_of)
            found = unit_values([unit], measures, month, last, rules, manual)
            for indicator in indicators:
                result.trend.setdefault(indicator.id, []).append((month, value_of(found, indicator, unit.id)))
    targets = {line.indicator.id: next(t for t in line.indicator.targets if t.unit_id == unit.id)
               for line in scored.lines}
    shares = department_shares(t.id for t in targets.values())
    department_ids = sorted({s.department_id for rows in shares.values() for s in rows})
    found = department_values(department_ids, [m for m in measures if m[0] in DEPARTMENT_MEASURES], first, as_of)
    elapsed, days = result.elapsed, year_days(year)
    for indicator in indicators:
        if indicator.measure not in DEPARTMENT_MEASURES:
            continue
        rule = scoring_of(indicator)
        for share in sorted(shares.get(targets[indicator.id].id, []), key=lambda s: s.department.code):
            due = pro_rata(share.target, indicator.measure, elapsed, days)
            value = value_of(found, indicator, share.department_id)
            result.departments.append(DepartmentLine(share.department, indicator, share.target, due, value,
                                                     behind(value, due, rule, rules.progress_warning_share)))
    return result
