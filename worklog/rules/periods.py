"""The periods a round's rules read, from the rules themselves: the months of their month windows and the finished
years of their annual rankings (the windows of ``worklog.rules.eligibility``), so that a round can name those that
are not final. Pure: plain values in, plain values out."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from worklog.rules.eligibility import RULE_PARAMS, TIE_BREAKER_PARAMS, finished_years, month_window
from worklog.rules.phrases import RuleProblem


def _value(spec: Mapping, params: Mapping, name: str) -> Any:
    """A parameter as the rule code reads it; None when missing or unreadable (such rules are refused on save)."""
    if name not in spec or name not in params:
        return None
    try:
        return spec[name][0](params[name])
    except RuleProblem:
        return None


def _months(first: date, last: date) -> list[date]:
    months, day = [], first
    while day <= last:
        months.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return months


def periods_read(policy: Any, reference: date) -> tuple[list[date], list[int]]:
    """(months, years) the policy's rules and tie-breakers read at the reference date, oldest first: months as
    their first day, years as numbers.

    - a count of monthly grades: the N months before the reference month;
    - no veto: the same N months and the reference month (its days up to the reference date count);
    - a share of the annual ranking: the last N finished years;
    - the annual score as a tie-breaker: the year before the reference date's."""
    months: set[date] = set()
    years: set[int] = set()
    if not isinstance(policy, Mapping):
        return [], []
    for rule in policy.get("rules") or []:
        if not isinstance(rule, Mapping) or rule.get("kind") not in RULE_PARAMS:
            continue
        kind, params = rule["kind"], rule.get("params") or {}
        spec = RULE_PARAMS[kind]
        if kind in ("grade_count", "no_veto"):
            n = _value(spec, params, "months")
            if n:
                first, last = month_window(reference, n)
                if kind == "no_veto":
                    last = reference.replace(day=1)
                months.update(_months(first, last))
        elif kind in ("annual_percentile", "bottom_percentile"):
            n = _value(spec, params, "years")
            if n:
                years.update(finished_years(reference, n))
    for breaker in policy.get("tie_breakers") or []:
        if not isinstance(breaker, Mapping):
            continue
        kind, params = breaker.get("kind"), breaker.get("params") or {}
        if kind == "grade_count":
            n = _value(TIE_BREAKER_PARAMS[kind], params, "months")
            if n:
                months.update(_months(*month_window(reference, n)))
        elif kind == "annual_score":
            years.add(reference.year - 1)
    return sorted(months), sorted(years)
