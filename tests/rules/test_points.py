from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from worklog.rules.points import COMPLETION_FACTORS, entry_points, round_points

D = Decimal


@pytest.mark.parametrize("quantity, standard, completion, coefficient, expected", [
    ("3", "2.5", "done", "1.00", "7.50"),          # 3 × 2.5 × 1.0 × 1.0
    ("3", "2.5", "mostly", "1.00", "6.00"),        # 3 × 2.5 × 0.8
    ("3", "2.5", "not_done", "1.00", "0.00"),
    ("2", "1.5", "done", "0.85", "2.55"),          # a first-year officer's coefficient
    ("1", "1.15", "mostly", "0.85", "0.78"),       # 0.782 rounds down to 0.78
    ("1", "1.25", "done", "0.90", "1.13"),         # 1.125 rounds half up to 1.13
])
def test_entry_points_examples(quantity, standard, completion, coefficient, expected):
    assert entry_points(D(quantity), D(standard), COMPLETION_FACTORS[completion], D(coefficient)) == D(expected)


def test_negative_factor_refused():
    with pytest.raises(ValueError):
        entry_points(D("-1"), D("1"), D("1"), D("1"))


amounts = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


@given(amounts, amounts, st.sampled_from(list(COMPLETION_FACTORS.values())), st.decimals(0, 3, places=2))
def test_points_are_cents_and_monotone_in_quantity(quantity, standard, factor, coefficient):
    points = entry_points(quantity, standard, factor, coefficient)
    assert points == round_points(points)
    assert points >= 0
    assert entry_points(quantity + 1, standard, factor, coefficient) >= points


@given(amounts, amounts, st.decimals(0, 3, places=2))
def test_completion_orders_points(quantity, standard, coefficient):
    done, mostly, not_done = (entry_points(quantity, standard, COMPLETION_FACTORS[c], coefficient)
                              for c in ("done", "mostly", "not_done"))
    assert done >= mostly >= not_done == 0
