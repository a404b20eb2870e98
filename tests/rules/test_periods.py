"""The periods a round's rules read, worked out by hand from the windows of worklog/rules/eligibility.py."""
from __future__ import annotations

from datetime import date

from worklog.rules.eligibility import DEFAULT_POLICIES
from worklog.rules.periods import periods_read

REFERENCE = date(2026, 11, 15)


def test_competitive_promotion_reads_twelve_months_and_last_years_score():
    months, years = periods_read(DEFAULT_POLICIES["competitive_promotion"], REFERENCE)
    # 12 months before November 2026: 2025-11 … 2026-10; the tie-breaker's annual score is 2025's.
    assert months == [date(2025, 11, 1), date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 11)]
    assert years == [2025]


def test_removal_reads_two_finished_years_and_no_month():
    assert periods_read(DEFAULT_POLICIES["removal"], REFERENCE) == ([], [2024, 2025])


def test_no_veto_reads_the_reference_month_too_and_numbers_typed_as_text_count():
    policy = {"rules": [{"key": "v", "kind": "no_veto", "params": {"months": "2"}},
                        {"key": "s", "kind": "service_years", "params": {"at_least": 3}}]}
    assert periods_read(policy, date(2026, 1, 31)) == ([date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)], [])


def test_unreadable_rules_read_nothing():
    assert periods_read({"rules": [{"kind": "grade_count", "params": {"months": "x"}}, "junk"]}, REFERENCE) == ([], [])
    assert periods_read(None, REFERENCE) == ([], [])
