"""Explanations are phrases (codes and values); these tests read them as the English pages word them."""
from worklog.explanations import say
from worklog.rules.grading import Check


def worded(checks):
    """Checks with their phrases worded in English (outside a request, the catalogs' source language)."""
    if isinstance(checks, Check):
        return Check(checks.rule, say(checks.value), say(checks.threshold), checks.passed)
    return [worded(c) for c in checks]


def worded_rule(checks):
    """Eligibility checks with their phrases worded in English."""
    from worklog.rules.eligibility import RuleCheck
    if isinstance(checks, RuleCheck):
        return RuleCheck(checks.key, checks.label, say(checks.value), say(checks.threshold), checks.passed)
    return [worded_rule(c) for c in checks]
