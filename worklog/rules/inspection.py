"""Inspection findings and rectification, as pure rules: what a finding deducts, whether an earlier finding makes it
a repeat, and a unit's rectification rate."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from worklog.rules.points import round_points
from worklog.rules.ruleset import RuleValues

CATEGORIES = ("enforcement", "discipline", "appearance", "complaint")


def repeat_window(found_on: date, r: RuleValues) -> tuple[date, date]:
    """The days on which an earlier finding of the same target and category makes this one a repeat: the rule
    set's ``finding_repeat_days`` before it, up to and including its own day."""
    return found_on - timedelta(days=r.finding_repeat_days), found_on


def finding_points(category: str, repeat: bool, r: RuleValues) -> Decimal:
    """The category's deduction, weighed by ``finding_repeat_factor`` for a repeat, to the cent (half up)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown finding category {category!r}")
    points = r.finding_deduction(category)
    return round_points(points * r.finding_repeat_factor if repeat else points)


def rectification_rate(on_time: int, due: int) -> Decimal | None:
    """Accepted on time ÷ due, as a percentage to one decimal (half up); None when nothing was due."""
    if due < 0 or on_time < 0 or on_time > due:
        raise ValueError("0 ≤ on_time ≤ due")
    if due == 0:
        return None
    return (Decimal(on_time) * 100 / Decimal(due)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
