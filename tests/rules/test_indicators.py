"""Indicator scores, the weighted score, progress and break-down checks, worked out by hand."""
from decimal import Decimal as D

import pytest
from hypothesis import given, settings, strategies as st

from worklog.rules.indicators import (DEDUCTIONS, THRESHOLDS, Part, Scoring, behind, check_breakdown,
                                      pro_rata, score, weighted)

STEPS = ((D("1"), D("100")), (D("0.95"), D("90")), (D("0.9"), D("80")))


def test_proportional_is_capped():
    assert score(D("900"), D("1000"), Scoring()) == D("90.00")
    assert score(D("1300"), D("1000"), Scoring(cap=D("1.20"))) == D("120.00")   # 130% capped at 120%
    assert score(D("1300"), D("1000"), Scoring()) == D("100.00")
    assert score(D("1"), D("3"), Scoring()) == D("33.33")
    assert score(D("2"), D("3"), Scoring()) == D("66.67")                        # halves up, once
    assert score(D("0"), D("0"), Scoring()) == D("100.00")                       # nothing asked


def test_thresholds_take_the_highest_step_reached():
    rule = Scoring(THRESHOLDS, steps=STEPS)
    assert score(D("86.53"), D("90"), rule) == D("90.00")   # 96.1% of the target: the 95% step
    assert score(D("90"), D("90"), rule) == D("100.00")
    assert score(D("81"), D("90"), rule) == D("80.00")      # exactly 90%
    assert score(D("80.99"), D("90"), rule) == D("0.00")    # below the lowest step


def test_deductions_never_go_below_zero():
    rule = Scoring(DEDUCTIONS, per_unit=D("2"))
    assert score(D("6.5"), D("0"), rule) == D("87.00")
    assert score(D("60"), D("0"), rule) == D("0.00")


def test_a_units_weighted_score_by_hand():
    parts = [Part("points", D("900"), D("1000"), D("40"), Scoring()),
             Part("dispatch", D("1300"), D("1000"), D("30"), Scoring(cap=D("1.2"))),
             Part("quality", D("6.5"), D("0"), D("20"), Scoring(DEDUCTIONS, per_unit=D("2"))),
             Part("satisfaction", D("86.53"), D("90"), D("10"), Scoring(THRESHOLDS, steps=STEPS))]
    result = weighted(parts)
    # (40 × 90 + 30 × 120 + 20 × 87 + 10 × 90) ÷ 100 = 9840 ÷ 100
    assert result.score == D("98.40")
    assert [p.score for p in result.parts] == [D("90.00"), D("120.00"), D("87.00"), D("90.00")]
    assert [p.weighted for p in result.parts] == [D("36.00"), D("36.00"), D("17.40"), D("9.00")]
    assert result.weight_counted == D("100")
    assert result.parts[1].detail["code"] == "indicator.proportional"


def test_an_indicator_without_a_value_is_left_out():
    parts = [Part("points", D("900"), D("1000"), D("40"), Scoring()),
             Part("dispatch", D("1300"), D("1000"), D("30"), Scoring(cap=D("1.2"))),
             Part("quality", D("6.5"), D("0"), D("20"), Scoring(DEDUCTIONS, per_unit=D("2"))),
             Part("satisfaction", None, D("90"), D("10"), Scoring(THRESHOLDS, steps=STEPS))]
    result = weighted(parts)
    assert result.score == D("99.33")            # 8940 ÷ 90 = 99.333…
    assert result.parts[3].score is None and result.parts[3].detail["code"] == "indicator.no_value"
    assert weighted([Part("x", None, D("1"), D("1"), Scoring())]).score is None


def test_pro_rata_for_additive_measures_only():
    assert pro_rata(D("1200"), "ledger_points", 90, 365) == D("295.89")   # 1200 × 90 ÷ 365 = 295.890…
    assert pro_rata(D("90"), "satisfaction", 90, 365) == D("90")
    assert pro_rata(D("1200"), "ledger_points", 0, 365) == D("0.00")
    assert pro_rata(D("96"), "manual", 90, 365) == D("96")
    with pytest.raises(ValueError):
        pro_rata(D("1"), "fact_count", 366, 365)


def test_behind_below_the_share_of_what_is_due():
    share = D("0.80")
    assert behind(D("236"), D("295.89"), Scoring(), share)           # 236 < 236.712
    assert not behind(D("237"), D("295.89"), Scoring(), share)
    assert not behind(None, D("295.89"), Scoring(), share)
    rule = Scoring(DEDUCTIONS, per_unit=D("2"))
    assert behind(D("10.5"), D("0"), rule, share)                    # 79 < 80
    assert not behind(D("10"), D("0"), rule, share)                  # 80


def test_a_breakdown_must_add_up():
    assert check_breakdown(D("1000"), [D("400"), D("350.50"), D("249.50")]) is None
    mismatch = check_breakdown(D("1000"), [D("400"), D("350")])
    assert mismatch.parts == D("750") and mismatch.difference == D("-250")
    assert check_breakdown(D("1200"), [D("40"), D("60")], months=12) is None   # monthly targets over a year
    assert check_breakdown(D("1200"), [D("40"), D("60.01")], months=12).parts == D("1200.12")
    with pytest.raises(ValueError):
        check_breakdown(D("1"), [D("-1"), D("2")])


def test_bad_rules_are_refused():
    with pytest.raises(ValueError):
        Scoring("ranked")
    with pytest.raises(ValueError):
        Scoring(cap=D("0.9"))
    with pytest.raises(ValueError):
        Scoring(THRESHOLDS)
    with pytest.raises(ValueError):
        weighted([Part("x", D("1"), D("1"), D("0"), Scoring())])


amounts = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
weights = st.decimals(min_value=D("0.01"), max_value=100, places=2, allow_nan=False, allow_infinity=False)
rules = st.sampled_from([Scoring(), Scoring(cap=D("1.5")), Scoring(THRESHOLDS, steps=STEPS),
                         Scoring(DEDUCTIONS, per_unit=D("0.5"))])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(amounts, amounts, weights, rules), min_size=1, max_size=8))
def test_the_weighted_score_lies_between_the_lowest_and_highest_part(rows):
    result = weighted([Part(i, v, t, w, r) for i, (v, t, w, r) in enumerate(rows)])
    scores = [p.score for p in result.parts]
    assert min(scores) - D("0.01") <= result.score <= max(scores) + D("0.01")
    for (v, t, w, r), s in zip(rows, scores):
        assert D("0") <= s <= 100 * r.cap


@settings(max_examples=100, deadline=None)
@given(amounts, amounts, amounts)
def test_more_value_never_scores_less(value, more, target):
    for rule in (Scoring(), Scoring(THRESHOLDS, steps=STEPS)):
        assert score(value + more, target, rule) >= score(value, target, rule)
    deduction = Scoring(DEDUCTIONS)
    assert score(value + more, target, deduction) <= score(value, target, deduction)
