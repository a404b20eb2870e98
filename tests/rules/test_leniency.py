"""The leniency rule (worklog/rules/leniency.py): medians, robust deviations and flags worked out by hand."""
from __future__ import annotations

from decimal import Decimal as D
from fractions import Fraction as F

import pytest
from hypothesis import given, strategies as st

from worklog.rules.leniency import (LENIENT, STRICT, Reviews, Settings, grade_counts, judge, main_reviewer, median,
                                    percent)


def reviews(reviewed, adjusted, returned, either, reported, approved) -> Reviews:
    return Reviews(reviewed, adjusted, returned, either, D(reported), D(approved))


#: Three supervisors of one unit and sequence (the same as tests/leniency's county):
#: S1 adjusted 3 of 20 and returned 3 (6 either: 30%), approved 184 of the 190 reported on 19 approved entries;
#: S2 adjusted 5 and returned 1 (6: 30%), approved 190 of 200; S3 approved all 20 as reported (0%, 200 of 200).
GROUP = {"S1": reviews(20, 3, 3, 6, "190", "184"), "S2": reviews(20, 5, 1, 6, "200", "190"),
         "S3": reviews(20, 0, 0, 0, "200", "200")}


def test_the_lenient_supervisor_is_flagged_and_the_peers_are_not():
    groups, judged = judge({"PS": GROUP}, Settings())
    group = groups["PS"]
    assert group.judged and group.counted == 3
    # Share: values 0.30, 0.30, 0 → median 0.30; deviations 0, 0, 0.30 → MAD 0 → the floor, 0.02.
    assert group.medians["share"] == F(3, 10) and group.deviations["share"] == F(2, 100)
    # Ratio: 184/190 = 0.96842…, 0.95, 1 → median 184/190; deviations 0, 0.01842…, 0.03157… → MAD 0.01842… (7/380)
    # → 1.4826 × 7/380 = 0.027311… > 0.02.
    assert group.medians["ratio"] == F(184, 190)
    assert group.deviations["ratio"] == F("1.4826") * F(7, 380)
    s3 = judged["PS", "S3"]
    assert s3.judged and [(f.measure, f.side) for f in s3.flags] == [("share", LENIENT)]
    flag = s3.flags[0]
    assert flag.score == -15  # (0 − 0.30) ÷ 0.02
    assert flag.phrase == {"code": "leniency.share_low", "args": {"value": "0.00%", "median": "30.00%",
                                                                  "score": "15.00", "deviation": "2.00%"}}
    # S3's ratio: (1 − 184/190) ÷ 0.027311… = 1.156…: within 3, not flagged.
    assert judged["PS", "S1"].flags == () and judged["PS", "S2"].flags == ()
    assert judged["PS", "S1"].why_not is None


def test_a_strict_supervisor_is_flagged_strict():
    group = dict(GROUP, S3=reviews(20, 16, 0, 16, "200", "150"))  # 80% adjusted, 75% of the points
    _groups, judged = judge({"PS": group}, Settings())
    assert {(f.measure, f.side) for f in judged["PS", "S3"].flags} == {("share", STRICT), ("ratio", STRICT)}
    ratio = next(f for f in judged["PS", "S3"].flags if f.measure == "ratio")
    assert ratio.phrase["code"] == "leniency.ratio_low"


def test_too_few_entries_or_peers_judges_nobody():
    group = dict(GROUP, S4=reviews(19, 0, 0, 0, "190", "190"))
    groups, judged = judge({"PS": group}, Settings())
    assert groups["PS"].counted == 3  # S4 reviewed 19, fewer than 20: shown, not counted
    assert not judged["PS", "S4"].counted and judged["PS", "S4"].why_not == {
        "code": "leniency.few_entries", "args": {"count": 19, "least": 20}}
    # With four needed, the three counted are not judged at all.
    groups, judged = judge({"PS": group}, Settings(min_peers=4))
    assert not groups["PS"].judged and groups["PS"].medians["share"] is None
    assert judged["PS", "S3"].flags == () and judged["PS", "S3"].why_not == {
        "code": "leniency.small_group", "args": {"count": 3, "least": 4, "entries": 20}}
    # A larger number of deviations lets S3 pass; a smaller floor is not used when the MAD is larger.
    _groups, judged = judge({"PS": GROUP}, Settings(deviations=D("16")))
    assert judged["PS", "S3"].flags == ()


def test_a_supervisor_with_nothing_approved_has_no_ratio():
    group = dict(GROUP, S4=reviews(25, 0, 25, 25, "0", "0"))  # returned everything, approved nothing yet
    _groups, judged = judge({"PS": group}, Settings())
    assert [f.measure for f in judged["PS", "S4"].flags] == ["share"]  # 100% returned: strict on the share
    assert judged["PS", "S4"].flags[0].side == STRICT


def test_groups_are_judged_apart():
    groups, judged = judge({"PS": GROUP, "XZ": {"X1": GROUP["S3"], "X2": GROUP["S1"]}}, Settings())
    assert groups["PS"].judged and not groups["XZ"].judged
    assert judged["XZ", "X1"].flags == ()


def test_median_and_the_main_reviewer():
    assert median([F(3), F(1), F(2)]) == 2 and median([F(4), F(1), F(2), F(3)]) == F(5, 2)
    assert main_reviewer({7: 3, 5: 3, 9: 1}) == 5  # a tie: the smaller id
    assert main_reviewer({7: 4, 5: 3}) == 7
    assert main_reviewer({}) is None
    assert grade_counts(["excellent", "competent", "competent"]) == {"excellent": 1, "competent": 2, "basic": 0,
                                                                     "incompetent": 0}
    assert percent(F(1, 3)) == "33.33%" and percent(None) == ""


def test_nonsense_settings_are_refused():
    with pytest.raises(ValueError):
        judge({}, Settings(deviations=D("0")))


@given(st.lists(st.tuples(st.integers(20, 500), st.integers(0, 500), st.integers(1, 1000), st.integers(0, 1000)),
                min_size=3, max_size=12))
def test_nobody_is_flagged_in_a_group_that_reviews_alike_and_flags_lie_beyond_k(rows):
    """Whatever the figures, a flag's score lies beyond k deviations of the group's median, on the side it names;
    a group of identical supervisors flags nobody."""
    group = {}
    for i, (reviewed, either, reported, approved) in enumerate(rows):
        either = min(either, reviewed)
        group[i] = reviews(reviewed, either, 0, either, reported, approved)
    groups, judged = judge({"G": group}, Settings())
    for (_g, key), judgement in judged.items():
        for flag in judgement.flags:
            assert abs(flag.score) > 3
            assert flag.median == groups["G"].medians[flag.measure]
            lenient = flag.score > 0 if flag.measure == "ratio" else flag.score < 0
            assert (flag.side == LENIENT) == lenient
    alike = {i: group[0] for i in range(len(rows))}
    _groups, judged = judge({"G": alike}, Settings())
    assert all(not j.flags for j in judged.values())


def test_flags_pointing_both_ways_are_called_mixed_not_the_first_ones_side():
    from worklog.rules.leniency import MIXED
    group = dict(GROUP, S3=reviews(20, 0, 0, 0, "200", "150"))  # never adjusts or returns, yet approves 75%
    _groups, judged = judge({"PS": group}, Settings())
    s3 = judged["PS", "S3"]
    assert {(f.measure, f.side) for f in s3.flags} == {("share", LENIENT), ("ratio", STRICT)}
    assert s3.side == MIXED
    assert judged["PS", "S1"].side is None
    assert judge({"PS": GROUP}, Settings())[1]["PS", "S3"].side == LENIENT
