from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from worklog.rules.bonus import DEFAULT_COEFFICIENTS, distribute, spread
from worklog.rules.grading import BASIC, COMPETENT, EXCELLENT, GRADES, INCOMPETENT

D = Decimal


def test_default_coefficients():
    assert DEFAULT_COEFFICIENTS == {EXCELLENT: D("1.3"), COMPETENT: D("1.0"), BASIC: D("0.7"),
                                    INCOMPETENT: D("0")}


def test_hand_computed_pool():
    # Weights: 1.3 × 95 = 123.5; 1.0 × 80 = 80; 0.7 × 65 = 45.5; 0 × 55 = 0. Total 249.
    # Exact shares of 10,000.00: 123.5/249 → 4,959.8393…, 80/249 → 3,212.8514…, 45.5/249 → 1,827.3092…, 0.
    # Rounded down: 4,959.83 + 3,212.85 + 1,827.30 = 9,999.98, 2 cents left for the largest remainders:
    # 0.0093 (person 1) and 0.0092 (person 3), not 0.0014 (person 2).
    amounts = distribute(D("10000.00"), [(1, EXCELLENT, D("95")), (2, COMPETENT, D("80")),
                                         (3, BASIC, D("65")), (4, INCOMPETENT, D("55"))])
    assert amounts == [(1, D("4959.84")), (2, D("3212.85")), (3, D("1827.31")), (4, D("0.00"))]
    assert sum(a for _, a in amounts) == D("10000.00")
    assert spread([a for _, a in amounts]) == (D("4959.84"), D("0.00"), D("4959.84"))


def test_a_third_each():
    # 100.00 ÷ 3 = 33.333…: 33.33 × 3 = 99.99, and the cent left goes to the first of equals.
    amounts = distribute(D("100.00"), [(pid, COMPETENT, D("80")) for pid in (7, 8, 9)])
    assert amounts == [(7, D("33.34")), (8, D("33.33")), (9, D("33.33"))]
    assert spread([a for _, a in amounts]) == (D("33.34"), D("33.33"), D("0.01"))


def test_among_equal_remainders_the_larger_weight_first():
    # Weights 1 and 3 share 0.02: exact 0.005 and 0.015, both 0.5 cent over 0.00 and 0.01.
    # The one cent left goes to the larger weight: 0.00 and 0.02.
    assert distribute(D("0.02"), [(1, COMPETENT, D("1")), (2, COMPETENT, D("3"))]) == \
        [(1, D("0.00")), (2, D("0.02"))]


def test_custom_coefficients():
    # Excellent at 2.0 and competent at 1.0, same score: 2/3 and 1/3 of 90.00 = 60.00 and 30.00.
    coefficients = {EXCELLENT: D("2.0"), COMPETENT: D("1.0")}
    assert distribute(D("90.00"), [(1, EXCELLENT, D("88")), (2, COMPETENT, D("88"))], coefficients) == \
        [(1, D("60.00")), (2, D("30.00"))]


def test_nothing_to_share_when_every_weight_is_zero():
    assert distribute(D("5000.00"), [(1, INCOMPETENT, D("95")), (2, COMPETENT, D("0"))]) == \
        [(1, D("0.00")), (2, D("0.00"))]
    assert distribute(D("5000.00"), []) == []


def test_an_empty_pool():
    assert distribute(D("0"), [(1, EXCELLENT, D("95"))]) == [(1, D("0.00"))]


@pytest.mark.parametrize("pool, items, coefficients", [
    (D("100.005"), [(1, COMPETENT, D("80"))], None),          # fractions of a cent cannot add up
    (D("-1"), [(1, COMPETENT, D("80"))], None),
    (100, [(1, COMPETENT, D("80"))], None),                    # not a Decimal
    (D("100"), [(1, "outstanding", D("80"))], None),           # no coefficient
    (D("100"), [(1, COMPETENT, D("-5"))], None),               # negative score
    (D("100"), [(1, COMPETENT, 80.0)], None),
    (D("100"), [(1, COMPETENT, D("80")), (1, BASIC, D("70"))], None),
    (D("100"), [(1, COMPETENT, D("80"))], {COMPETENT: D("-1")}),
])
def test_bad_inputs_refused(pool, items, coefficients):
    with pytest.raises(ValueError):
        distribute(pool, items, coefficients)


def test_spread_of_nothing():
    assert spread([]) == (D("0.00"), D("0.00"), D("0.00"))


@st.composite
def units(draw):
    pool = draw(st.decimals(min_value=0, max_value=1_000_000, places=2))
    items = [(pid, draw(st.sampled_from(GRADES)), draw(st.decimals(min_value=0, max_value=110, places=2)))
             for pid in range(draw(st.integers(0, 40)))]
    return pool, items


def weight(grade, score):
    return DEFAULT_COEFFICIENTS[grade] * score


@given(units())
def test_amounts_add_up_to_the_pool_exactly(unit):
    pool, items = unit
    amounts = distribute(pool, items)
    assert [pid for pid, _ in amounts] == [pid for pid, _, _ in items]
    assert all(a == a.quantize(D("0.01")) and a >= 0 for _, a in amounts)
    if any(weight(g, s) for _, g, s in items):
        assert sum(a for _, a in amounts) == pool
    else:
        assert all(a == 0 for _, a in amounts)


@given(units())
def test_each_amount_is_within_a_cent_of_its_exact_share(unit):
    pool, items = unit
    total = sum(Fraction(weight(g, s)) for _, g, s in items)
    for (_, g, s), (_, amount) in zip(items, distribute(pool, items)):
        if total:
            assert abs(Fraction(amount) - Fraction(pool) * Fraction(weight(g, s)) / total) < Fraction(1, 100)


@given(units())
def test_a_higher_weight_never_gets_less(unit):
    pool, items = unit
    amounts = dict(distribute(pool, items))
    for pa, ga, sa in items:
        for pb, gb, sb in items:
            if weight(ga, sa) > weight(gb, sb):
                assert amounts[pa] >= amounts[pb]
            if weight(ga, sa) == weight(gb, sb):
                assert abs(amounts[pa] - amounts[pb]) <= D("0.01")


@given(st.lists(st.decimals(min_value=0, max_value=100_000, places=2), min_size=1, max_size=30))
def test_spread_is_highest_minus_lowest(amounts):
    highest, lowest, difference = spread(amounts)
    assert highest in amounts and lowest in amounts
    assert all(lowest <= a <= highest for a in amounts)
    assert difference == highest - lowest >= 0
