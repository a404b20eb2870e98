"""The rule set in force for a date: the newest version that took effect on or before it, else the defaults."""
from __future__ import annotations

from datetime import date

from flask import g
from sqlalchemy import select

from models import RuleSet
from worklog.extensions import db
from worklog.rules.ruleset import RuleValues, from_mapping


def rule_set_on(day: date) -> RuleSet | None:
    return db.session.scalar(select(RuleSet).where(RuleSet.valid_from <= day)
                             .order_by(RuleSet.valid_from.desc()).limit(1))


def values_on(day: date) -> RuleValues:
    """Cached per request: the day page and the review pages ask for every entry."""
    cache = g.setdefault("_rule_values", {})
    if day not in cache:
        rule_set = rule_set_on(day)
        cache[day] = from_mapping(rule_set.values) if rule_set else RuleValues()
    return cache[day]
