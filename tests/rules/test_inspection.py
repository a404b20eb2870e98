"""The inspection rules, worked out by hand."""
from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from worklog.rules.inspection import finding_points, rectification_rate, repeat_window
from worklog.rules.ruleset import RuleValues

R = RuleValues()  # enforcement 2.00, discipline 2.00, appearance 1.00, complaint 2.00; repeat × 1.50 in 365 days


@pytest.mark.parametrize("category, repeat, points", [
    ("enforcement", False, D("2.00")), ("discipline", False, D("2.00")), ("appearance", False, D("1.00")),
    ("complaint", False, D("2.00")),
    ("appearance", True, D("1.50")),    # 1.00 × 1.50
    ("discipline", True, D("3.00")),    # 2.00 × 1.50
])
def test_points_of_a_finding(category, repeat, points):
    assert finding_points(category, repeat, R) == points


def test_a_repeat_is_rounded_to_the_cent_half_up():
    r = replace(R, finding_appearance=D("0.75"), finding_repeat_factor=D("1.25"))
    assert finding_points("appearance", True, r) == D("0.94")  # 0.9375 → 0.94


def test_unknown_category_is_refused():
    with pytest.raises(ValueError):
        finding_points("speeding", False, R)


def test_the_repeat_window_counts_back_the_rule_sets_days():
    assert repeat_window(date(2026, 11, 3), replace(R, finding_repeat_days=30)) == (date(2026, 10, 4),
                                                                                   date(2026, 11, 3))


@pytest.mark.parametrize("on_time, due, rate", [(0, 0, None), (3, 4, D("75.0")), (2, 3, D("66.7")),
                                                (1, 6, D("16.7")), (5, 5, D("100.0")), (0, 2, D("0.0"))])
def test_rectification_rate(on_time, due, rate):
    assert rectification_rate(on_time, due) == rate


@pytest.mark.parametrize("on_time, due", [(3, 2), (-1, 2), (0, -1)])
def test_rate_of_impossible_counts_is_refused(on_time, due):
    with pytest.raises(ValueError):
        rectification_rate(on_time, due)
