"""The honours' proposal rules on facts written by hand: which officer each rule proposes, with what reason, one
proposal per officer and kind."""
from __future__ import annotations

import pytest

from worklog.rules.honours import HONOUR_RULES, HonourFacts, propose, validate_rules, years_read
from worklog.rules.phrases import RuleProblem


def test_the_rules_are_valid_and_read_three_years():
    assert validate_rules(HONOUR_RULES) == []
    assert years_read(HONOUR_RULES, 2026) == [2024, 2025, 2026]


def test_who_is_proposed_and_why():
    facts = [
        HonourFacts(1, annual={2026: "excellent"}),
        HonourFacts(2, monthly={"excellent": 6, "competent": 6}),
        HonourFacts(3, monthly={"excellent": 5}),
        HonourFacts(4, annual={2024: "excellent", 2025: "excellent", 2026: "excellent"}, monthly={"excellent": 7}),
        HonourFacts(5, annual={2024: "excellent", 2025: "competent", 2026: "excellent"}),
        HonourFacts(6, annual={2025: "excellent"}),
    ]
    found = {(p.person_id, p.kind): p for p in propose(HONOUR_RULES, facts, 2026)}
    assert sorted(found) == [(1, "commendation"), (2, "commendation"), (4, "commendation"), (4, "merit"),
                             (5, "commendation")]
    assert found[1, "commendation"].basis == "annual_excellent"
    assert found[1, "commendation"].reasons == (
        {"code": "honour.annual_grade", "args": {"grade": "excellent", "year": 2026}},)
    assert found[2, "commendation"].basis == "monthly_excellent"
    assert found[2, "commendation"].reasons == ({"code": "honour.monthly_grades", "args": {
        "grade": "excellent", "year": 2026, "count": 6, "at_least": 6}},)
    # Both commendation rules met: one proposal, its basis the first rule, both reasons.
    assert found[4, "commendation"].basis == "annual_excellent" and len(found[4, "commendation"].reasons) == 2
    assert found[4, "merit"].reasons == ({"code": "honour.annual_years", "args": {
        "grade": "excellent", "first": 2024, "last": 2026}},)
    # Merit needs the three years, each of them.
    assert (5, "merit") not in found


@pytest.mark.parametrize("rules", [
    {},
    {"x": {"kind": "medal", "measure": "annual_grade", "params": {"grade": "excellent"}}},
    {"x": {"kind": "merit", "measure": "monthly_grades", "params": {"grade": "excellent", "at_least": 13}}},
    {"x": {"kind": "merit", "measure": "annual_years", "params": {"grade": "best", "years": 3}}},
    {"x": {"kind": "merit", "measure": "annual_grade", "params": {"grade": "excellent", "extra": 1}}},
])
def test_bad_rules_are_refused(rules):
    assert validate_rules(rules)
    with pytest.raises(RuleProblem):
        propose(rules, [HonourFacts(1)], 2026)
