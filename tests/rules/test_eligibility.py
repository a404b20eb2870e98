import copy
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from tests.rules.wording import worded_rule as worded
from worklog.explanations import Wording, say
from worklog.rules.eligibility import (DEFAULT_POLICIES, OfficerFacts, RuleCheck, add_months, evaluate,
                                       month_window, service_months, validate_policy, why_empty)
from worklog.rules.grading import BASIC, COMPETENT, EXCELLENT, GRADES

D = Decimal
REF = date(2026, 11, 15)  # window of 12 months: 2025-11 … 2026-10; latest finished year 2025
PROMOTION = DEFAULT_POLICIES["competitive_promotion"]
POST = DEFAULT_POLICIES["post_promotion"]
WARNING = DEFAULT_POLICIES["warning_talk"]
REMOVAL = DEFAULT_POLICIES["removal"]


def m(year, month):
    return date(year, month, 1)


def grades(*excellent_months, fill=COMPETENT):
    """The 12 months of the window, excellent in the months given, ``fill`` otherwise."""
    months = {add_months(m(2025, 11), i): fill for i in range(12)}
    return months | {m(y, mo): EXCELLENT for y, mo in excellent_months}


def by_person(evaluations):
    return {e.person_id: e for e in evaluations}


# ------------------------------------------------------------------------------------------ windows

def test_month_window_is_the_months_before_the_reference_month():
    assert month_window(REF, 12) == (m(2025, 11), m(2026, 10))
    assert month_window(date(2026, 1, 1), 1) == (m(2025, 12), m(2025, 12))
    assert month_window(date(2026, 3, 31), 3) == (m(2025, 12), m(2026, 2))


@pytest.mark.parametrize("hire, months", [
    (date(2025, 11, 15), 12),   # the anniversary itself counts
    (date(2025, 11, 16), 11),   # a day short
    (date(2026, 11, 16), 0),    # not hired yet
    (date(2016, 1, 1), 130),    # 10 years 10 months
])
def test_service_months(hire, months):
    assert service_months(hire, REF) == months


def test_service_months_at_month_ends():
    assert service_months(date(2025, 1, 31), date(2025, 2, 28)) == 1   # 31 Jan + 1 month = 28 Feb
    assert service_months(date(2025, 1, 31), date(2025, 2, 27)) == 0
    assert service_months(date(2024, 2, 29), date(2025, 2, 28)) == 12  # a leap day's anniversary
    assert service_months(date(2024, 2, 29), date(2025, 2, 27)) == 11


# ------------------------------------------------------------------------------ competitive promotion

def test_four_excellent_months_in_the_window_are_enough_three_are_not():
    facts = [
        # 4 in the window, its first and last months included → eligible.
        OfficerFacts(1, grades((2025, 11), (2026, 2), (2026, 6), (2026, 10))),
        # 3 in the window; 2025-10 is before it and 2026-11 (the reference month) is not finished → not.
        OfficerFacts(2, grades((2025, 12), (2026, 1), (2026, 9))
                     | {m(2025, 10): EXCELLENT, m(2026, 11): EXCELLENT}),
        # 3 → not.
        OfficerFacts(3, grades((2026, 3), (2026, 4), (2026, 5))),
    ]
    res = by_person(evaluate(PROMOTION, facts, REF))
    assert (res[1].eligible, res[2].eligible, res[3].eligible) == (True, False, False)
    # Each line says what the rule requires and what the officer has, whatever numbers the rule was given.
    requires = "at least 4 monthly “Excellent” grades in the 12 months before the reference date"
    assert worded(res[1].checks) == [
        RuleCheck("excellent_months", "", "4 “Excellent” from 2025-11 to 2026-10", requires, True)]
    assert worded(res[2].checks) == [
        RuleCheck("excellent_months", "", "3 “Excellent” from 2025-11 to 2026-10", requires, False)]


def test_an_excellent_month_just_outside_the_window_does_not_count():
    inside = grades((2026, 1), (2026, 2), (2026, 3))
    for outside in (m(2025, 10), m(2026, 11), m(2026, 12)):
        assert not evaluate(PROMOTION, [OfficerFacts(1, inside | {outside: EXCELLENT})], REF)[0].eligible
    for edge in (m(2025, 11), m(2026, 10)):
        assert evaluate(PROMOTION, [OfficerFacts(1, inside | {edge: EXCELLENT})], REF)[0].eligible


def test_among_the_eligible_more_excellent_months_first_then_the_annual_score():
    four = grades((2026, 1), (2026, 2), (2026, 3), (2026, 4))
    six = grades(*[(2026, mo) for mo in range(1, 7)])
    facts = [
        OfficerFacts(10, four, annual={2025: (5, 40, D("91.00"))}),
        OfficerFacts(11, six, annual={2025: (20, 40, D("85.00"))}),   # most months: first whatever the score
        OfficerFacts(12, four, annual={2025: (2, 40, D("95.00"))}),   # 4 months, best score of the fours
        OfficerFacts(13, grades((2026, 1)), annual={2025: (1, 40, D("99.00"))}),  # 1 month: not eligible
        OfficerFacts(14, four),                                       # 4 months, no 2025 score: last of 4s
        OfficerFacts(9, four, annual={2025: (5, 40, D("91.00"))}),    # tied with 10 on everything: id decides
        OfficerFacts(8, grades((2026, 1), (2026, 2), (2026, 3))),     # 3 months: ineligible, ahead of 13's 1
    ]
    order = [(e.person_id, e.eligible) for e in evaluate(PROMOTION, facts, REF)]
    assert order == [(11, True), (12, True), (9, True), (10, True), (14, True), (8, False), (13, False)]
    res = by_person(evaluate(PROMOTION, facts, REF))
    assert res[11].sort_key == (0, -6, 0, D("-85.00"), 11)
    assert res[14].sort_key == (0, -4, 1, D("0"), 14)
    # What ordered them, as it is shown beside each officer and in the spreadsheet.
    assert (res[11].ties, res[12].ties, res[14].ties) == ((6, "85.00"), (4, "95.00"), (4, None))


# ------------------------------------------------------------------------------------------ top 30%

def ranked(year_ranks, year=2025):
    """Officers with the given (rank, group size) in ``year``, person id = position in the list."""
    return [OfficerFacts(pid, annual={year: (rank, size, D("80"))})
            for pid, (rank, size) in enumerate(year_ranks)]


def eligible_ids(policy, facts, reference=REF):
    return {e.person_id for e in evaluate(policy, facts, reference) if e.eligible}


def test_top_30_percent_of_ten():
    # 3 ÷ 10 = 0.30 ≤ 0.30: in; 4 ÷ 10 = 0.40: out.
    facts = ranked([(r, 10) for r in range(1, 11)])
    assert eligible_ids(POST, facts) == {0, 1, 2}
    res = by_person(evaluate(POST, facts, REF))
    assert say(res[2].checks[0].value) == "2025: rank 3 of 10 = 30% (top 30%: ranks 1–3)"
    assert say(res[2].checks[0].threshold) == "annual ranking in the top 30% in 2025"
    assert not res[3].checks[0].passed


def test_top_30_percent_with_a_tie_at_the_boundary():
    # Ranks 1, 2, 3, 3, 5 …: both officers at rank 3 are in (3 ÷ 10 = 0.30), rank 5 is not.
    facts = ranked([(1, 10), (2, 10), (3, 10), (3, 10)] + [(r, 10) for r in range(5, 11)])
    assert eligible_ids(POST, facts) == {0, 1, 2, 3}
    # Three tied at rank 2 (places 2 to 4): their first place is within the cut, so all are in: 4 of 10.
    facts = ranked([(1, 10), (2, 10), (2, 10), (2, 10)] + [(r, 10) for r in range(5, 11)])
    assert eligible_ids(POST, facts) == {0, 1, 2, 3}
    # Two tied at rank 4 (places 4 and 5): out, both.
    facts = ranked([(1, 10), (2, 10), (3, 10), (4, 10), (4, 10)] + [(r, 10) for r in range(6, 11)])
    assert eligible_ids(POST, facts) == {0, 1, 2}


def test_top_30_percent_of_seven():
    # 30% of 7 = 2.1: 2 ÷ 7 = 0.2857 in, 3 ÷ 7 = 0.4286 out.
    facts = ranked([(r, 7) for r in range(1, 8)])
    assert eligible_ids(POST, facts) == {0, 1}
    res = by_person(evaluate(POST, facts, REF))
    assert say(res[1].checks[0].value) == "2025: rank 2 of 7 = 28.57% (top 30%: ranks 1–2)"
    assert say(res[2].checks[0].value) == "2025: rank 3 of 7 = 42.86% (top 30%: ranks 1–2)"


def test_top_percent_uses_the_latest_finished_year():
    facts = [OfficerFacts(1, annual={2026: (1, 10, D("99"))}),   # the reference year is not finished
             OfficerFacts(2, annual={2024: (1, 10, D("99"))}),   # an old year
             OfficerFacts(3, annual={2025: (1, 10, D("99")), 2024: (10, 10, D("50"))})]
    res = by_person(evaluate(POST, facts, REF))
    assert (res[1].eligible, res[2].eligible, res[3].eligible) == (False, False, True)
    assert say(res[1].checks[0].value) == "2025: not ranked"


def test_top_percent_in_each_of_the_last_years():
    policy = copy.deepcopy(POST)
    policy["rules"][0]["params"]["years"] = 2
    facts = [OfficerFacts(1, annual={2024: (3, 10, D("90")), 2025: (2, 10, D("92"))}),
             OfficerFacts(2, annual={2024: (4, 10, D("88")), 2025: (1, 10, D("95"))})]
    res = by_person(evaluate(policy, facts, REF))
    assert res[1].eligible and not res[2].eligible
    assert say(res[2].checks[0].threshold) == "annual ranking in the top 30% in each of 2024, 2025"


# ------------------------------------------------------------------------------------------ bottom 3%

def test_bottom_3_percent_of_a_hundred_is_ranks_98_to_100():
    # Place from the bottom = 100 − rank + 1 ≤ 3% × 100 = 3: ranks 98, 99, 100 (97 is 4th from the bottom).
    facts = ranked([(r, 100) for r in range(1, 101)])
    assert eligible_ids(WARNING, facts) == {97, 98, 99}  # person ids are rank − 1
    res = by_person(evaluate(WARNING, facts, REF))
    assert say(res[97].checks[0].value) == "2025: rank 98 of 100 = 98% (bottom 3%: ranks 98–100)"
    assert not res[96].checks[0].passed


def test_bottom_3_percent_ties_and_small_groups():
    # Two tied at rank 97 (places 97 and 98) straddle the cut: both out; ranks 99 and 100 in.
    facts = ranked([(r, 100) for r in range(1, 97)] + [(97, 100), (97, 100), (99, 100), (100, 100)])
    assert eligible_ids(WARNING, facts) == {98, 99}
    # 3% of 33 = 0.99 places: no one, not even the last. 3% of 34 = 1.02: the last.
    assert eligible_ids(WARNING, ranked([(r, 33) for r in range(1, 34)])) == set()
    assert eligible_ids(WARNING, ranked([(r, 34) for r in range(1, 35)])) == {33}
    res = evaluate(WARNING, ranked([(33, 33)]), REF)[0]
    assert say(res.checks[0].value) == "2025: rank 33 of 33 = 100% (bottom 3%: no one)"


def _percentile(kind: str, share: str, rounding: str | None = None, min_group: int | None = None) -> dict:
    params = {("max_percentile" if kind == "annual_percentile" else "bottom"): share, "years": 1}
    if rounding:
        params["rounding"] = rounding
    if min_group is not None:
        params["min_group"] = min_group
    return {"rules": [{"key": "cut", "kind": kind, "params": params}]}


# 3% of 7 = 0.21, of 33 = 0.99, of 34 = 1.02, of 67 = 2.01 places: rounded down 0, 0, 1, 2 (the source's
# reading, the default); up 1, 1, 2, 3; to the nearest 0, 1, 1, 2.
@pytest.mark.parametrize("rounding, expected", [
    (None, {7: 0, 33: 0, 34: 1, 67: 2}), ("down", {7: 0, 33: 0, 34: 1, 67: 2}),
    ("up", {7: 1, 33: 1, 34: 2, 67: 3}), ("nearest", {7: 0, 33: 1, 34: 1, 67: 2}),
])
def test_each_rounding_of_a_share_on_groups_of_7_33_34_67(rounding, expected):
    for size, count in expected.items():
        group = ranked([(r, size) for r in range(1, size + 1)])  # person id = rank − 1
        bottom = eligible_ids(_percentile("bottom_percentile", "0.03", rounding), group)
        assert bottom == set(range(size - count, size)), (rounding, size)
        top = eligible_ids(_percentile("annual_percentile", "0.03", rounding), group)
        assert top == set(range(count)), (rounding, size)


def test_a_smallest_group_gives_smaller_groups_no_place_and_says_so():
    policy = _percentile("bottom_percentile", "0.03", "up", min_group=10)
    assert eligible_ids(policy, ranked([(r, 7) for r in range(1, 8)])) == set()
    assert eligible_ids(policy, ranked([(r, 10) for r in range(1, 11)])) == {9}
    res = evaluate(policy, ranked([(7, 7)]), REF)[0]
    assert say(res.checks[0].value) == "2025: rank 7 of 7 = 100% (a group of 7, smaller than 10: no places)"
    assert say(res.checks[0].threshold) == ("annual ranking in the bottom 3% in 2025; places rounded up, in groups "
                                            "of at least 10")


def test_a_rounding_the_rules_do_not_know_is_refused():
    problems = validate_policy(_percentile("bottom_percentile", "0.03", "sideways"))
    assert [p.code for p in problems] == ["value.rounding"]
    assert validate_policy(_percentile("annual_percentile", "0.3", "nearest", min_group=5)) == []
    assert [p.code for p in validate_policy(_percentile("annual_percentile", "0.3", min_group=0))] == \
        ["value.whole_between"]


def test_bottom_two_years_running_is_removal_one_year_a_warning():
    facts = [
        OfficerFacts(1, annual={2024: (99, 100, D("52")), 2025: (98, 100, D("55"))}),  # both years
        OfficerFacts(2, annual={2024: (50, 100, D("80")), 2025: (100, 100, D("40"))}),  # latest year only
        OfficerFacts(3, annual={2024: (100, 100, D("41")), 2025: (60, 100, D("78"))}),  # earlier year only
        OfficerFacts(4, annual={2025: (99, 100, D("50"))}),                             # not ranked in 2024
        OfficerFacts(5, annual={2023: (100, 100, D("40")), 2024: (100, 100, D("40")),
                                2025: (97, 100, D("60"))}),                             # 2023–24, not 2025
    ]
    assert eligible_ids(REMOVAL, facts) == {1}
    assert eligible_ids(WARNING, facts) == {1, 2, 4}
    res = by_person(evaluate(REMOVAL, facts, REF))
    assert say(res[4].checks[0].value) == "2024: not ranked; 2025: rank 99 of 100 = 99% (bottom 3%: ranks 98–100)"
    assert say(res[1].checks[0].threshold) == "annual ranking in the bottom 3% in each of 2024, 2025"


# ------------------------------------------------------------------------------------------ other kinds

def rule(kind, key="r", **params):
    return {"key": key, "label": f"{kind} rule", "kind": kind, "params": params}


def test_service_years():
    policy = {"rules": [rule("service_years", at_least=1)]}
    facts = [OfficerFacts(1, hire_date=date(2025, 11, 15)), OfficerFacts(2, hire_date=date(2025, 11, 16)),
             OfficerFacts(3)]
    res = by_person(evaluate(policy, facts, REF))
    assert worded(res[1].checks[0]) == RuleCheck("r", "service_years rule", "1 year(s) (hired 2025-11-15)",
                                                 "at least 1 year(s) of service",
                                         True)
    assert (say(res[2].checks[0].value), res[2].eligible) == ("11 month(s) (hired 2025-11-16)", False)
    assert (say(res[3].checks[0].value), res[3].eligible) == ("no hire date on record", False)
    # Half a year is six months.
    half = {"rules": [rule("service_years", at_least="0.5")]}
    assert eligible_ids(half, [OfficerFacts(1, hire_date=date(2026, 5, 15)),
                               OfficerFacts(2, hire_date=date(2026, 5, 16))]) == {1}


def test_no_veto_covers_the_window_and_the_reference_month_to_date():
    policy = {"rules": [rule("no_veto", months=12)]}
    cases = {date(2025, 10, 31): True, date(2025, 11, 1): False, date(2026, 11, 15): False,
             date(2026, 11, 16): True}
    for day, passes in cases.items():
        assert evaluate(policy, [OfficerFacts(1, vetoes=[day])], REF)[0].eligible is passes, day
    check = evaluate(policy, [OfficerFacts(1, vetoes=[date(2026, 3, 4), date(2025, 12, 1)])],
                     REF)[0].checks[0]
    assert say(check.value) == "2: 2025-12-01, 2026-03-04"
    assert say(check.threshold) == "no veto from 2025-11-01 to 2026-11-15"


def test_rank_in():
    policy = {"rules": [rule("rank_in", ranks=["一级警司", "二级警司"])]}
    res = by_person(evaluate(policy, [OfficerFacts(1, rank="一级警司"), OfficerFacts(2, rank="三级警司"),
                                      OfficerFacts(3)], REF))
    assert [res[p].eligible for p in (1, 2, 3)] == [True, False, False]
    assert say(res[3].checks[0].value) == "no police rank on record"
    assert say(res[1].checks[0].threshold) == "police rank one of: 一级警司, 二级警司"


def test_a_new_policy_is_data_and_every_rule_must_pass():
    # A stricter promotion round, made of existing kinds: no code.
    policy = {"label": "Stricter round",
              "rules": [rule("grade_count", "excellent", grade=EXCELLENT, months=12, at_least=4),
                        rule("service_years", "service", at_least=2),
                        rule("no_veto", "veto", months=24),
                        rule("rank_in", "rank", ranks=["一级警司", "二级警司"])],
              "tie_breakers": [{"kind": "service_years"}]}
    good = grades((2026, 1), (2026, 2), (2026, 3), (2026, 4))
    facts = [OfficerFacts(1, good, hire_date=date(2020, 1, 1), rank="一级警司"),
             OfficerFacts(2, good, hire_date=date(2023, 1, 1), rank="二级警司"),
             OfficerFacts(3, good, hire_date=date(2025, 1, 1), rank="一级警司"),  # 1 year 10 months
             OfficerFacts(4, good, hire_date=date(2020, 1, 1), rank="一级警司",
                          vetoes=[date(2025, 2, 3)])]  # within 2024-11-01 … 2026-11-15
    res = evaluate(policy, facts, REF)
    assert [(e.person_id, e.eligible) for e in res] == [(1, True), (2, True), (4, False), (3, False)]
    assert [c.key for c in res[0].checks] == ["excellent", "service", "veto", "rank"]
    assert [c.passed for c in res[3].checks] == [True, False, True, True]


def test_service_years_tie_breaker_puts_no_hire_date_last():
    policy = {"rules": [rule("rank_in", ranks=["一级警司"])], "tie_breakers": [{"kind": "service_years"}]}
    facts = [OfficerFacts(1, rank="一级警司"), OfficerFacts(2, rank="一级警司", hire_date=date(2020, 1, 1)),
             OfficerFacts(3, rank="一级警司", hire_date=date(2010, 1, 1))]
    assert [e.person_id for e in evaluate(policy, facts, REF)] == [3, 2, 1]


# ------------------------------------------------------------------------------------------ validation

def test_default_policies_are_valid_and_survive_json():
    assert set(DEFAULT_POLICIES) == {"competitive_promotion", "post_promotion", "warning_talk", "removal"}
    for name, policy in DEFAULT_POLICIES.items():
        assert validate_policy(policy) == [], name
        assert validate_policy(json.loads(json.dumps(policy))) == [], name


def test_default_policy_thresholds():
    assert PROMOTION["rules"][0]["params"] == {"grade": EXCELLENT, "months": 12, "at_least": 4}
    assert [t["kind"] for t in PROMOTION["tie_breakers"]] == ["grade_count", "annual_score"]
    assert POST["rules"][0]["params"]["max_percentile"] == "0.30" and POST["rules"][0]["params"]["years"] == 1
    assert WARNING["rules"][0]["params"]["bottom"] == "0.03" and WARNING["rules"][0]["params"]["years"] == 1
    assert REMOVAL["rules"][0]["params"]["bottom"] == "0.03" and REMOVAL["rules"][0]["params"]["years"] == 2


def policy_of(*rules, **extra):
    return {"rules": list(rules), **extra}


NO_VETO = rule("no_veto", months=12)


@pytest.mark.parametrize("policy, code, where", [
    ([], "policy.not_mapping", {}),
    ({"rules": []}, "policy.no_rules", {}),
    (policy_of(*[NO_VETO | {"key": f"v{i}"} for i in range(31)]), "policy.too_many_rules", {"most": 30}),
    (policy_of(NO_VETO, extra=1), "policy.unknown_fields", {"names": "extra"}),
    (policy_of(rule("top_dog")), "policy.kind_unknown", {"rule": 1}),
    (policy_of(rule("grade_count", grade="outstanding", months=12, at_least=4)), "value.grade",
     {"rule": 1, "param": "grade"}),
    (policy_of(rule("grade_count", grade=EXCELLENT, months=12)), "policy.param_missing",
     {"rule": 1, "param": "at_least"}),
    (policy_of(rule("grade_count", grade=EXCELLENT, months=0, at_least=0)), "value.whole_between",
     {"param": "months", "low": 1, "high": 120}),
    (policy_of(rule("grade_count", grade=EXCELLENT, months=3, at_least=4)), "policy.at_least_over_months",
     {"rule": 1}),
    (policy_of(rule("grade_count", grade=EXCELLENT, months=12, at_least=True)), "value.whole",
     {"param": "at_least"}),
    (policy_of(rule("grade_count", grade=EXCELLENT, months=12, at_least=4, extra=1)), "policy.unknown_params",
     {"names": "extra"}),
    (policy_of(rule("annual_percentile", max_percentile="30", years=1)), "value.fraction",
     {"param": "max_percentile"}),
    (policy_of(rule("annual_percentile", max_percentile="0", years=1)), "value.fraction", {}),
    (policy_of(rule("annual_percentile", max_percentile="0.12345", years=1)), "value.fraction_step", {}),
    (policy_of(rule("annual_percentile", max_percentile="abc", years=1)), "value.number",
     {"param": "max_percentile"}),
    (policy_of(rule("annual_percentile", max_percentile="0.3", years=1, scope="city")), "value.scope", {}),
    (policy_of(rule("bottom_percentile", bottom="0.03", years=0)), "value.whole_between",
     {"param": "years", "low": 1, "high": 10}),
    (policy_of(rule("service_years", at_least="1.1")), "value.service_months", {}),
    (policy_of(rule("service_years", at_least="-1")), "value.service_between", {"low": 0, "high": 50}),
    (policy_of(rule("rank_in", ranks=[])), "value.ranks", {}),
    (policy_of(rule("rank_in", ranks=["一级警司", " "])), "value.ranks", {}),
    (policy_of(NO_VETO, rule("no_veto", months=6)), "policy.key_twice", {"rule": 2, "key": "r"}),
    (policy_of(NO_VETO | {"key": ""}), "policy.key_missing", {}),
    (policy_of(NO_VETO | {"label": 5}), "policy.label_not_text", {}),
    (policy_of(NO_VETO | {"params": [12]}), "policy.params_not_mapping", {}),
    (policy_of(NO_VETO, tie_breakers={}), "policy.tie_breakers_not_list", {}),
    (policy_of(NO_VETO, tie_breakers=[{"kind": "height"}]), "policy.kind_unknown", {"tie_breaker": 1}),
    (policy_of(NO_VETO, tie_breakers=[{"kind": "grade_count", "params": {"grade": EXCELLENT}}]),
     "policy.param_missing", {"tie_breaker": 1, "param": "months"}),
    (policy_of(NO_VETO, tie_breakers=[{"kind": "annual_score", "params": {"year": 2025}}]),
     "policy.unknown_params", {"names": "year"}),
])
def test_invalid_policies_are_explained_and_refused(policy, code, where):
    # A problem is a code and the rule, parameter and values it concerns; the form layer words it.
    problems = validate_policy(policy)
    found = [p for p in problems if p.code == code]
    assert found and any(where.items() <= p.args_.items() for p in found), problems
    assert all(not Wording().problem(p).startswith(p.code) for p in problems)  # every code has a wording
    with pytest.raises(ValueError, match="invalid policy"):
        evaluate(policy, [OfficerFacts(1)], REF)


def test_a_rule_needs_no_label():
    assert validate_policy(policy_of({"key": "r", "kind": "no_veto", "params": {"months": 12}})) == []


def test_numbers_from_a_form_are_accepted():
    policy = {"rules": [rule("grade_count", grade=EXCELLENT, months="12", at_least="4"),
                        rule("annual_percentile", "p", max_percentile=0.3, years="1")]}
    assert validate_policy(policy) == []


def test_inconsistent_facts_refused():
    for facts in ([OfficerFacts(1), OfficerFacts(1)],
                  [OfficerFacts(1, {date(2026, 1, 15): EXCELLENT})],
                  [OfficerFacts(1, {m(2026, 1): "outstanding"})],
                  [OfficerFacts(1, vetoes=[datetime(2026, 1, 1, 9, 0)])],
                  [OfficerFacts(1, annual={2025: (11, 10, D("80"))})],
                  [OfficerFacts(1, annual={2025: (0, 10, D("80"))})],
                  [OfficerFacts(1, annual={2025: (1, 10, 80.0)})],
                  [OfficerFacts(1, annual={2025: [1, 10, D("80")]})]):
        with pytest.raises(ValueError):
            evaluate(PROMOTION, facts, REF)


# ------------------------------------------------------------------------------------------ properties

def competition_ranks(scores):
    return [1 + sum(other > s for other in scores) for s in scores]


fractions = st.decimals(min_value=D("0.0001"), max_value=1, places=4)


@given(st.lists(st.integers(0, 20), min_size=1, max_size=60), fractions)
def test_top_percent_is_rank_within_the_cut_and_never_splits_a_tie(scores, p):
    n = len(scores)
    ranks = competition_ranks(scores)
    facts = ranked([(r, n) for r in ranks])
    policy = {"rules": [rule("annual_percentile", max_percentile=str(p), years=1)]}
    chosen = eligible_ids(policy, facts)
    assert chosen == {pid for pid, r in enumerate(ranks) if r <= p * n}
    for a in range(n):
        for b in range(n):
            if scores[a] == scores[b]:
                assert (a in chosen) == (b in chosen)
    if len(set(scores)) == n:  # no tie: exactly floor(p × n) officers
        assert len(chosen) == int(p * n)


@given(st.lists(st.integers(0, 20), min_size=1, max_size=60), fractions)
def test_bottom_percent_never_splits_a_tie_nor_lists_more_than_its_places(scores, p):
    n = len(scores)
    ranks = competition_ranks(scores)
    facts = ranked([(r, n) for r in ranks])
    chosen = eligible_ids({"rules": [rule("bottom_percentile", bottom=str(p), years=1)]}, facts)
    assert len(chosen) <= int(p * n)
    for a in range(n):
        for b in range(n):
            if scores[a] == scores[b]:
                assert (a in chosen) == (b in chosen)
            if a in chosen and scores[b] < scores[a]:
                assert b in chosen  # whoever is below a listed officer is listed too
    if len(set(scores)) == n:
        assert len(chosen) == int(p * n)
    # The default top 30% and bottom 3% never meet.
    assert not chosen & eligible_ids(POST, facts) or p > D("0.70")


months_in_play = st.dates(min_value=date(2024, 1, 1),
                          max_value=date(2027, 12, 31)).map(lambda d: d.replace(day=1))


@given(st.dictionaries(months_in_play, st.sampled_from(GRADES), max_size=40),
       st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 6, 30)),
       st.integers(1, 24), st.integers(0, 24), st.sampled_from(GRADES))
def test_grade_count_counts_exactly_the_months_before_the_reference_month(history, reference, months, k,
                                                                          grade):
    k = min(k, months)
    policy = {"rules": [rule("grade_count", grade=grade, months=months, at_least=k)]}
    window = {add_months(reference.replace(day=1), -i) for i in range(1, months + 1)}
    count = sum(1 for month, g in history.items() if g == grade and month in window)
    assert evaluate(policy, [OfficerFacts(1, history)], reference)[0].eligible is (count >= k)


@given(st.lists(st.tuples(st.integers(0, 12), st.sampled_from([None, D("70"), D("85.5"), D("99")])),
                max_size=20))
def test_eligible_first_then_sorted_by_the_tie_breakers(officers):
    facts = [OfficerFacts(pid, grades(*[(2026, mo) for mo in range(1, min(count, 10) + 1)],
                                      fill=BASIC),
                          annual={} if score is None else {2025: (1, 1, score)})
             for pid, (count, score) in enumerate(officers)]
    res = evaluate(PROMOTION, facts, REF)
    assert [e.sort_key for e in res] == sorted(e.sort_key for e in res)
    flags = [e.eligible for e in res]
    assert flags == sorted(flags, reverse=True)


def test_an_empty_list_says_why():
    share = D("0.03")
    assert why_empty(share, [])["code"] == "empty.not_ranked"
    small = why_empty(share, [33] * 33 + [20] * 20)
    assert small["code"] == "empty.groups_too_small" and small["args"]["needed"] == 34
    assert say(small) == ("Nobody: 3% of a ranking group, rounded down, gives a place only to a group of 34 or more "
                          "officers, and the largest group here has 33.")
    assert why_empty(share, [7] * 7, "up")["code"] == "empty.places_not_taken"   # up: a group of 7 has a place
    assert why_empty(share, [34] * 34)["code"] == "empty.places_not_taken"
    assert why_empty(share, [20] * 20, "up", min_group=25)["args"]["needed"] == 25
