from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from worklog.rules.grading import Check
from worklog.rules.public import (EXCELLENT, FAIL, PASS, POLL_WEIGHT, PUBLIC_WEIGHTS_BY_YEAR, SurveyCounts,
                                  UnitInput, UnitRules, combine, comprehensive, consecutive_yellow,
                                  explain_public_evaluation, grade_units, normalise, public_evaluation,
                                  reply_rate, satisfaction)
from tests.rules.wording import worded

D = Decimal
R = UnitRules()

# Survey ---------------------------------------------------------------------------------------------------

# Three contact kinds, counted the way the survey staff record them.
ALARM = SurveyCounts(called=1000, reached=300, satisfied=150, basic=60, dissatisfied=40, unreachable=600,
                     refused=50)
WINDOWS = SurveyCounts(called=500, reached=200, satisfied=170, basic=20, dissatisfied=5, unreachable=250,
                       refused=5)
COMPLAINTS = SurveyCounts(called=300, reached=90, satisfied=30, basic=25, dissatisfied=25, unreachable=150,
                          refused=10)


def test_satisfaction_per_kind():
    # 110/119/122: (150 + 0.5 × 60) ÷ 250 = 72%; 250 valid of 1,000 called.
    assert (ALARM.valid, ALARM.satisfaction, ALARM.reply_rate) == (250, D("72.00"), D("25.00"))
    # Windows: (170 + 10) ÷ 195 = 92.3077% → 92.31; 195 of 500 = 39%.
    assert (WINDOWS.valid, WINDOWS.satisfaction, WINDOWS.reply_rate) == (195, D("92.31"), D("39.00"))
    # Complaints: (30 + 12.5) ÷ 80 = 53.125% → 53.13 (half up); 80 of 300 = 26.666…% → 26.67.
    assert (COMPLAINTS.valid, COMPLAINTS.satisfaction, COMPLAINTS.reply_rate) == (80, D("53.13"), D("26.67"))


def test_overall_from_summed_counts():
    overall = combine([ALARM, WINDOWS, COMPLAINTS])
    assert overall == SurveyCounts(called=1800, reached=590, satisfied=350, basic=105, dissatisfied=70,
                                   unreachable=1000, refused=65)
    # (350 + 52.5) ÷ 525 = 76.666…% → 76.67, not the plain average of the kinds' scores, 72.48.
    assert overall.satisfaction == D("76.67")
    assert (D("72.00") + D("92.31") + D("53.13")) / 3 != overall.satisfaction
    assert overall.reply_rate == D("29.17")  # 525 ÷ 1,800
    assert combine([]) == SurveyCounts()


def test_the_sources_reply_rate():
    # 11,643 valid samples of 58,238 people called.
    assert reply_rate(11643, 58238) == D("19.99")


@pytest.mark.parametrize("counts, expected", [
    ((1, 0, 0), D("100.00")), ((0, 1, 0), D("50.00")), ((0, 0, 1), D("0.00")),
    ((1, 1, 1), D("50.00")), ((2, 0, 1), D("66.67")), ((1, 0, 2), D("33.33")),
])
def test_satisfaction_examples(counts, expected):
    assert satisfaction(*counts) == expected


def test_no_valid_answer_no_score():
    assert satisfaction(0, 0, 0) is None
    assert reply_rate(0, 0) is None
    nobody = SurveyCounts(called=40, reached=5, unreachable=35, refused=5)
    assert (nobody.valid, nobody.satisfaction, nobody.reply_rate) == (0, None, D("0.00"))


def test_bad_counts_refused():
    for bad in (-1, 1.0, True, D("1")):
        with pytest.raises(ValueError):
            satisfaction(bad, 0, 0)
    with pytest.raises(ValueError):
        reply_rate(5, 4)
    with pytest.raises(ValueError):  # 3 answers but only 2 reached
        SurveyCounts(called=10, reached=2, satisfied=3)
    with pytest.raises(ValueError):  # 8 reached + 5 unreachable of 10 called
        SurveyCounts(called=10, reached=8, unreachable=5)


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))
def test_satisfaction_is_between_0_and_100(s, b, d):
    value = satisfaction(s, b, d)
    if s + b + d == 0:
        assert value is None
    else:
        assert D("0") <= value <= D("100") and value == value.quantize(D("0.01"))


survey_counts = st.builds(
    lambda s, b, d, refused, extra_reached, unreachable, extra_called: SurveyCounts(
        called=s + b + d + refused + extra_reached + unreachable + extra_called,
        reached=s + b + d + refused + extra_reached, satisfied=s, basic=b, dissatisfied=d,
        unreachable=unreachable, refused=refused),
    *[st.integers(0, 50)] * 7)


@given(st.lists(survey_counts, min_size=1, max_size=5))
def test_overall_lies_between_the_kinds(kinds):
    overall = combine(kinds).satisfaction
    scores = [k.satisfaction for k in kinds if k.satisfaction is not None]
    if not scores:
        assert overall is None
    else:  # a weighted mean of the kinds, give or take the rounding
        assert min(scores) - D("0.01") <= overall <= max(scores) + D("0.01")


# Scores ---------------------------------------------------------------------------------------------------

def test_normalise():
    # A share of the best: 70 ÷ 100 = 70.00; 60 ÷ 63 = 95.238… → 95.24, 61 ÷ 63 = 96.825… → 96.83.
    assert normalise({1: D("70"), 2: D("85"), 3: D("100")}) == {1: D("70.00"), 2: D("85.00"), 3: D("100.00")}
    assert normalise({"a": D("60"), "b": D("61"), "c": D("63")}) == {"a": D("95.24"), "b": D("96.83"),
                                                                      "c": D("100.00")}
    # 294.28 ÷ 298.77 = 98.497… → 98.50: a unit 1.5% behind keeps 98.50, not 0.
    assert normalise({1: D("294.28"), 2: D("298.77")}) == {1: D("98.50"), 2: D("100.00")}
    # 0.125 → 0.13 (half up): 1 ÷ 800.
    assert normalise({1: D("1"), 2: D("800")})[1] == D("0.13")


def test_normalise_equals_zero_and_one_unit():
    assert normalise({1: D("80.5"), 2: D("80.5")}) == {1: D("100.00"), 2: D("100.00")}
    assert normalise({1: D("0"), 2: D("0")}) == {1: D("100.00"), 2: D("100.00")}
    assert normalise({1: D("0"), 2: D("10")}) == {1: D("0.00"), 2: D("100.00")}
    assert normalise({7: D("12")}) == {7: D("100.00")}
    assert normalise({}) == {}
    for bad in (80.0, D("-1"), D("NaN")):
        with pytest.raises(ValueError):
            normalise({1: bad})


@given(st.dictionaries(st.integers(0, 50), st.decimals(min_value=0, max_value=1000, places=2),
                       min_size=1, max_size=20))
def test_normalise_keeps_the_order_within_0_and_100(scores):
    result = normalise(scores)
    assert result.keys() == scores.keys()
    assert max(result.values()) == D("100.00")
    assert all(D("0") <= v <= D("100") for v in result.values())
    for a in scores:
        for b in scores:
            if scores[a] < scores[b]:
                assert result[a] <= result[b]


def test_public_evaluation():
    # 70% × 85 + 30% × 90 = 59.5 + 27 = 86.50.
    assert public_evaluation(D("85.00"), D("90.00")) == D("86.50")
    # 70% × 80.05 + 30% × 80 = 56.035 + 24 = 80.035 → 80.04 (half up).
    assert public_evaluation(D("80.05"), D("80.00")) == D("80.04")
    assert public_evaluation(D("80"), D("90"), poll_weight=D("0.5")) == D("85.00")
    assert POLL_WEIGHT == D("0.70")


def test_public_evaluation_with_a_source_missing():
    value, lines = explain_public_evaluation(None, D("88.40"))
    assert value == D("88.40")
    assert worded(lines) == [Check("public_poll", "missing", "weight 70%", False),
                             Check("public_survey", "88.40", "weight 30%", True),
                             Check("public_alone", "the survey alone: 88.40", "the opinion poll and the survey",
                                   False)]
    value, lines = explain_public_evaluation(D("91"), None)
    assert value == D("91.00") and worded(lines[-1]) == Check("public_alone", "the opinion poll alone: 91.00",
                                                              "the opinion poll and the survey", False)
    value, lines = explain_public_evaluation(None, None)
    assert value is None and public_evaluation(None, None) is None
    assert lines[-1].rule == "public_missing"
    # Both present: the two source lines only.
    assert [line.rule for line in explain_public_evaluation(D("1"), D("2"))[1]] == ["public_poll",
                                                                                    "public_survey"]


def test_public_evaluation_refuses_bad_values():
    with pytest.raises(ValueError):
        public_evaluation(D("80"), D("80"), poll_weight=D("1.1"))
    with pytest.raises(ValueError):
        public_evaluation(80.0, D("80"))


def test_public_weights_by_year():
    assert PUBLIC_WEIGHTS_BY_YEAR == {2024: D("0.12"), 2025: D("0.30"), 2026: D("0.50")}


@pytest.mark.parametrize("weight, expected", [
    (D("0.12"), D("77.87")),  # 0.88 × 76.45 + 0.12 × 88.30 = 67.276 + 10.596 = 77.872
    (D("0.30"), D("80.01")),  # 0.70 × 76.45 + 0.30 × 88.30 = 53.515 + 26.49 = 80.005 → 80.01 (half up)
    (D("0.50"), D("82.38")),  # 0.50 × 76.45 + 0.50 × 88.30 = 38.225 + 44.15 = 82.375 → 82.38 (half up)
])
def test_comprehensive_under_each_historical_weight(weight, expected):
    assert comprehensive(D("76.45"), D("88.30"), weight) == expected


def test_comprehensive_edges():
    assert comprehensive(D("70"), D("90"), D("0")) == D("70.00")
    assert comprehensive(D("70"), D("90"), D("1")) == D("90.00")
    for bad in ((D("70"), None, D("0.5")), (D("70"), D("90"), D("-0.1")), (D("70"), D("90"), 0.5)):
        with pytest.raises(ValueError):
            comprehensive(*bad)


# Grading among peers --------------------------------------------------------------------------------------

# Ten units: quota floor(10 × 20%) = 2 excellent places, floor(10 × 10%) = 1 yellow card.
# Unit id → (comprehensive, public).
TEN = {
    1: ("95.00", "60.00"),   # rank 1 but the lowest public score: yellow card, so no excellent → pass
    2: ("93.00", "85.00"),   # rank 2, 1st place without a card → excellent
    3: ("91.00", "80.00"),   # rank 3, 2nd place without a card: unit 1's card does not cost it → excellent
    4: ("90.50", "90.00"),   # rank 4, 3rd place: outside the quota → pass
    5: ("89.99", "88.00"),   # below 90 → pass
    6: ("75.00", "70.00"),
    7: ("60.00", "75.00"),   # exactly 60 → pass
    8: ("59.99", "72.00"),   # below 60 → fail
    9: ("40.00", "65.00"),
    10: ("30.00", "61.00"),  # the lowest comprehensive, but not the lowest public: no card
}


def units(data):
    # Reversed: the result must not depend on the input order.
    return [UnitInput(uid, D(c), D(p)) for uid, (c, p) in reversed(data.items())]


def by_unit(results):
    return {res.unit_id: res for res in results}


def test_hand_computed_units():
    results = grade_units(units(TEN), R)
    assert [res.unit_id for res in results] == list(range(1, 11))
    got = {res.unit_id: (res.rank, res.grade, res.yellow_card) for res in results}
    assert got == {1: (1, PASS, True), 2: (2, EXCELLENT, False), 3: (3, EXCELLENT, False),
                   4: (4, PASS, False), 5: (5, PASS, False), 6: (6, PASS, False), 7: (7, PASS, False),
                   8: (8, FAIL, False), 9: (9, FAIL, False), 10: (10, FAIL, False)}
    res = by_unit(results)
    assert (res[1].public_rank, res[4].public_rank, res[10].public_rank) == (10, 1, 9)
    assert worded(res[1].explanation) == [Check("yellow_card", "public rank 10 of 10", "bottom 1 (10%)", False),
                                  Check("excellent_score", "95.00", "≥ 90", True),
                                  Check("pass_score", "95.00", "≥ 60", True)]
    assert worded(res[3].explanation) == [Check("yellow_card", "public rank 4 of 10", "bottom 1 (10%)", True),
                                  Check("excellent_score", "91.00", "≥ 90", True),
                                  Check("excellent_quota", "place 2 of 9 without a yellow card",
                                        "top 2 (20%)", True)]
    assert worded(res[4].explanation[-2:]) == [Check("excellent_quota", "place 3 of 9 without a yellow card",
                                             "top 2 (20%)", False),
                                       Check("pass_score", "90.50", "≥ 60", True)]


def spread_units(n):
    """n units with distinct public scores, unit 1 the best in public, unit n the worst."""
    return [UnitInput(uid, D("80"), D(100 - uid)) for uid in range(1, n + 1)]


@pytest.mark.parametrize("n, carded", [(9, []), (10, [10]), (19, [19]), (20, [19, 20]), (21, [20, 21]),
                                       (1, []), (0, [])])
def test_yellow_cards_at_the_boundary(n, carded):
    # floor(n × 10%): a group of 9 has no yellow card, 10 has one, 20 two.
    results = grade_units(spread_units(n), R)
    assert sorted(res.unit_id for res in results if res.yellow_card) == carded
    assert R.yellow_places(n) == len(carded)


def test_a_tie_at_the_bottom_shares_the_cards_or_gets_none():
    # Ten units, the two lowest tied: both would take 2 > 1 places, so neither is carded, and it is said.
    tied = units(TEN | {10: ("30.00", "60.00")})
    res = by_unit(grade_units(tied, R))
    assert not res[1].yellow_card and not res[10].yellow_card
    assert worded(res[1].explanation[:2]) == [Check("yellow_card", "public rank 9 of 10", "bottom 1 (10%)", True),
                                      Check("yellow_tie", "2 tied at public rank 9",
                                            "all of them within the bottom 1 (10%)", True)]
    # Unit 1, no longer carded, now takes the first excellent place, and unit 3 drops out of the quota.
    assert [uid for uid, r in res.items() if r.grade == EXCELLENT] == [1, 2]
    # Twenty units, the two lowest tied: both fit in the 2 places.
    twenty = spread_units(20)[:-1] + [UnitInput(20, D("80"), D(100 - 19))]
    assert sorted(r.unit_id for r in grade_units(twenty, R) if r.yellow_card) == [19, 20]


def test_a_tie_at_the_quota_edge_gets_no_place():
    res = by_unit(grade_units(units(TEN | {4: ("91.00", "90.00")}), R))
    assert res[2].grade == EXCELLENT
    assert res[3].grade == res[4].grade == PASS
    assert Check("excellent_tie", "2 tied at place 2", "all of them within the top 2 (20%)", False) in \
        worded(res[4].explanation)


def test_unit_rules_and_inputs_validated():
    assert R.quota(4) == 0 and R.quota(5) == 1 and R.quota(10) == 2
    for bad in ({"excellent_quota": D("1.5")}, {"yellow_bottom": D("-0.1")}, {"pass_min": D("95")},
                {"excellent_min": 90.0}):
        with pytest.raises(ValueError):
            UnitRules(**bad)
    with pytest.raises(ValueError):
        grade_units([UnitInput(1, D("80"), D("80")), UnitInput(1, D("70"), D("70"))], R)
    with pytest.raises(ValueError):
        grade_units([UnitInput(1, D("80"), None)], R)
    assert grade_units([], R) == []


unit_scores = st.sampled_from([D(s) for s in ("95.00", "90.00", "89.99", "75.00", "60.00", "59.99")])


@given(st.lists(st.tuples(unit_scores, unit_scores), max_size=30))
def test_unit_grading_properties(pairs):
    items = [UnitInput(uid, c, p) for uid, (c, p) in enumerate(pairs)]
    results = grade_units(items, R)
    n = len(items)
    assert sorted(res.unit_id for res in results) == list(range(n))
    assert sum(res.yellow_card for res in results) <= R.yellow_places(n)
    assert sum(res.grade == EXCELLENT for res in results) <= R.quota(n)
    order = {EXCELLENT: 3, PASS: 2, FAIL: 1}
    for a in results:
        c, p = pairs[a.unit_id]
        assert a.rank == 1 + sum(pairs[b.unit_id][0] > c for b in results)
        assert a.public_rank == 1 + sum(pairs[b.unit_id][1] > p for b in results)
        assert not (a.yellow_card and a.grade == EXCELLENT)
        assert (a.grade == FAIL) == (c < R.pass_min)
        for b in results:
            if pairs[b.unit_id][1] > p:  # a better public score is never carded when a worse one is not
                assert not (b.yellow_card and not a.yellow_card)
            if c > pairs[b.unit_id][0] and not a.yellow_card and not b.yellow_card:
                assert order[a.grade] >= order[b.grade]


def test_consecutive_yellow():
    history = {
        "a": [False, True, True, False],   # two in a row → flagged
        "b": [True, False, True, False],   # two, not in a row
        "c": [False, False, False, True],  # one, the last month
        "d": [],
        "e": [True, True, True],
    }
    assert consecutive_yellow(history) == {"a", "e"}
    assert consecutive_yellow(history, run=3) == {"e"}
    assert consecutive_yellow(history, run=1) == {"a", "b", "c", "e"}
    with pytest.raises(ValueError):
        consecutive_yellow(history, run=0)


@given(st.dictionaries(st.integers(0, 9), st.lists(st.booleans(), max_size=12)))
def test_consecutive_yellow_means_a_pair_in_a_row(history):
    expected = {uid for uid, months in history.items()
                if any(a and b for a, b in zip(months, months[1:]))}
    assert consecutive_yellow(history) == expected


def test_the_weight_of_a_basically_satisfied_answer_is_the_rule_sets():
    # Windows at a weight of 0.6: (170 + 0.6 × 20) ÷ 195 = 182 ÷ 195 = 93.333…% → 93.33; at 0: 170 ÷ 195 → 87.18.
    assert WINDOWS.satisfaction_with(D("0.60")) == D("93.33")
    assert WINDOWS.satisfaction_with(D("0")) == D("87.18")
    assert WINDOWS.satisfaction_with(D("0.50")) == WINDOWS.satisfaction
    with pytest.raises(ValueError):
        satisfaction(1, 1, 1, D("1.5"))
