"""Leadership's periods and comparisons: pure rules, worked out by hand."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from worklog.rules.leadership import (HALF, MONTH, YEAR, Period, Span, a_year_before, change, compare, parse_period,
                                      percentage, period_of, shares, span_a_year_earlier, span_of)


@pytest.mark.parametrize("key, first, last", [
    ("2026-03", date(2026, 3, 1), date(2026, 3, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ("2026-H1", date(2026, 1, 1), date(2026, 6, 30)),
    ("2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_a_period_runs_from_its_first_day_to_its_last(key, first, last):
    period = parse_period(key)
    assert (period.first, period.last, period.key) == (first, last, key)


@pytest.mark.parametrize("key", ["", "2026-00", "2026-13", "2026-H0", "2026-H3", "2026-h1", "26", "2026-3",
                                 "2000", "2101", "2026-W10", " 2026", "2026-01-01", "２０２６", "2026\n"])
def test_anything_else_is_no_period(key):
    assert parse_period(key) is None


def test_the_half_years_meet_between_the_thirtieth_of_june_and_the_first_of_july():
    assert period_of(date(2026, 6, 30), HALF) == Period(2026, HALF, 1)
    assert period_of(date(2026, 7, 1), HALF) == Period(2026, HALF, 2)
    assert period_of(date(2026, 7, 1), MONTH) == Period(2026, MONTH, 7)
    assert period_of(date(2026, 7, 1), YEAR) == Period(2026, YEAR)


def test_periods_step_to_their_neighbours_across_years():
    assert Period(2026, MONTH, 1).shifted(-1) == Period(2025, MONTH, 12)
    assert Period(2026, MONTH, 12).shifted(1) == Period(2027, MONTH, 1)
    assert Period(2026, HALF, 1).shifted(-1) == Period(2025, HALF, 2)
    assert Period(2026, HALF, 2).shifted(1) == Period(2027, HALF, 1)
    assert Period(2026, YEAR).shifted(-3) == Period(2023, YEAR)
    assert Period(2001, YEAR).shifted(-1) is None
    assert Period(2026, HALF, 2).year_earlier() == Period(2025, HALF, 2)


def test_a_running_period_is_compared_with_the_same_days_a_year_earlier():
    half = Period(2026, HALF, 1)
    assert span_of(half, date(2025, 12, 31)) is None  # not begun
    so_far = span_of(half, date(2026, 5, 10))
    assert so_far == Span(date(2026, 1, 1), date(2026, 5, 10))
    assert span_a_year_earlier(so_far) == Span(date(2025, 1, 1), date(2025, 5, 10))
    assert span_of(half, date(2026, 8, 1)) == Span(date(2026, 1, 1), date(2026, 6, 30))
    assert so_far.months == [date(2026, m, 1) for m in range(1, 6)]
    assert not so_far.complete_months and span_of(half, date(2026, 8, 1)).complete_months
    # 29 February has no day a year earlier: the 28th stands in.
    assert a_year_before(date(2024, 2, 29)) == date(2023, 2, 28)
    leap = span_of(Period(2024, MONTH, 2), date(2024, 3, 5))
    assert span_a_year_earlier(leap) == Span(date(2023, 2, 1), date(2023, 2, 28))


def test_shares_and_rates_are_to_one_decimal_half_up_and_changes_need_both_figures():
    assert percentage(1, 3) == Decimal("33.3") and percentage(2, 3) == Decimal("66.7")
    assert percentage(1, 8) == Decimal("12.5") and percentage(0, 0) is None
    with pytest.raises(ValueError):
        percentage(3, 2)
    assert shares({"a": 1, "b": 2}, ["a", "b", "c"]) == {"a": Decimal("33.3"), "b": Decimal("66.7"),
                                                         "c": Decimal("0.0")}
    assert shares({}, ["a"]) == {"a": None}
    assert change(Decimal("86.53"), Decimal("80.73")) == Decimal("5.80")
    assert change(None, Decimal("1")) is None and change(3, None) is None and change(0, 2) == -2


def test_two_periods_are_compared_on_the_units_both_have():
    comparison = compare({1, 2, 3}, {2, 3, 4})
    assert comparison.same == {2, 3}
    assert (comparison.only_now, comparison.only_before, comparison.left_out) == ({1}, {4}, {1, 4})


@given(st.integers(2001, 2100), st.sampled_from([MONTH, HALF, YEAR]), st.integers(1, 12))
def test_every_period_reads_back_from_its_key_and_its_days_tile_the_year(year, kind, number):
    number = {MONTH: number, HALF: (number - 1) % 2 + 1, YEAR: 0}[kind]
    period = Period(year, kind, number)
    assert parse_period(period.key) == period
    after = period.shifted(1)
    if after is not None:
        assert (after.first - period.last).days == 1  # no day between two periods, none in both
    assert period_of(period.first, kind) == period == period_of(period.last, kind)
