from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from tests.rules.test_ruleset import rule_values
from worklog.rules.points import round_points
from worklog.rules.ruleset import RuleValues
from worklog.explanations import say
from worklog.rules.scoring import Line, OfficerMonth, score_month

D = Decimal
R = RuleValues()


def month(**kw):
    return OfficerMonth(**({"person_id": 7, "approved_points": D("400"), "target_points": D("400")} | kw))


WORKED = month(approved_points=D("312.50"), target_points=D("400.00"), missing_days=1, late_days=2,
               returned_entries=1, reduced_entries=1, discipline_deductions=D("2.00"),
               quality_deductions=D("1.50"), commendations=D("4"))


def test_worked_example():
    s = score_month(WORKED, R)
    # base: 30 − 1 × 1.00 (missing) − 2 × 0.50 (late) − 2.00 (discipline) = 26.00
    assert s.base == D("26.00")
    # workload: 50 × min(1, 312.50 ÷ 400) = 50 × 0.78125 = 39.0625 → 39.06
    assert s.workload == D("39.06")
    # quality: 20 − 1 × 1.00 (returned) − 1 × 0.50 (reduced) − 1.50 (findings) = 17.00
    assert s.quality == D("17.00")
    # bonus: min(10, max(0, 4)) = 4.00
    assert s.bonus == D("4.00")
    # score: 26.00 + 39.06 + 17.00 + 4.00 = 86.06
    assert s.score == D("86.06")
    assert s.person_id == 7 and s.veto is False


def test_worked_example_explained():
    # The arithmetic is a phrase (a code and the officer's numbers), worded here as the English page words it.
    assert [Line(x.rule, x.value, say(x.detail)) for x in score_month(WORKED, R).explanation] == [
        Line("base_points", "30.00", "base points 30.00"),
        Line("missing_days", "−1.00", "working days not submitted: 1 × 1.00 = 1.00"),
        Line("late_days", "−1.00", "days submitted late: 2 × 0.50 = 1.00"),
        Line("discipline", "−2.00", "discipline deductions recorded by the panel: 2.00"),
        Line("base", "26.00", "max(0, 30.00 − 1.00 − 1.00 − 2.00) = 26.00"),
        Line("workload", "39.06", "50.00 × min(1, 312.50 ÷ 400.00) = 39.06"),
        Line("quality_points", "20.00", "quality points 20.00"),
        Line("returned_entries", "−1.00", "entries returned: 1 × 1.00 = 1.00"),
        Line("reduced_entries", "−0.50", "entries approved with fewer points: 1 × 0.50 = 0.50"),
        Line("quality_findings", "−1.50",
             "quality findings and verified complaints recorded by the panel: 1.50"),
        Line("quality", "17.00", "max(0, 20.00 − 1.00 − 0.50 − 1.50) = 17.00"),
        Line("commendations", "+4.00", "commendations recorded by the panel: 4.00"),
        Line("bonus", "4.00", "min(10.00, max(0, 4.00)) = 4.00"),
        Line("score", "86.06", "26.00 + 39.06 + 17.00 + 4.00 = 86.06"),
    ]


def test_clean_month_explains_only_the_parts():
    # Nothing deducted: no deduction lines, only the parts and the score (30 + 50 + 20 + 0 = 100).
    s = score_month(month(), R)
    assert s.score == D("100.00")
    assert [line.rule for line in s.explanation] == [
        "base_points", "base", "workload", "quality_points", "quality", "bonus", "score"]


def test_workload_capped_for_over_target():
    # 50 × min(1, 620 ÷ 400 = 1.55) = 50.00, not 77.50
    s = score_month(month(approved_points=D("620"), target_points=D("400")), R)
    assert s.workload == D("50.00")
    assert s.score == D("100.00")


def test_workload_rounds_half_up():
    # 50 × 1 ÷ 400 = 0.125 → 0.13 (half up; half-even would give 0.12)
    assert score_month(month(approved_points=D("1"), target_points=D("400")), R).workload == D("0.13")
    # 50 × 100 ÷ 300 = 16.666… → 16.67
    assert score_month(month(approved_points=D("100"), target_points=D("300")), R).workload == D("16.67")


def test_base_floored_at_zero():
    # 30 − 20 × 1.00 − 10 × 0.50 − 8.00 = −3 → 0.00
    s = score_month(month(missing_days=20, late_days=10, discipline_deductions=D("8")), R)
    assert s.base == D("0.00")
    assert s.score == D("70.00")  # 0 + 50 + 20 + 0


def test_quality_floored_at_zero():
    # 20 − 15 × 1.00 − 6 × 0.50 − 5.00 = −3 → 0.00
    s = score_month(month(returned_entries=15, reduced_entries=6, quality_deductions=D("5")), R)
    assert s.quality == D("0.00")
    assert s.score == D("80.00")  # 30 + 50 + 0 + 0


def test_bonus_capped_and_floored():
    assert score_month(month(commendations=D("14")), R).bonus == D("10.00")   # min(10, 14)
    assert score_month(month(commendations=D("14")), R).score == D("110.00")  # the highest score
    negative = score_month(month(commendations=D("-3")), R)
    assert negative.bonus == D("0.00")  # a net negative counts as 0
    assert [Line(x.rule, x.value, say(x.detail)) for x in negative.explanation[-3:-1]] == [
        Line("commendations", "−3.00", "commendations recorded by the panel: −3.00"),
        Line("bonus", "0.00", "min(10.00, max(0, −3.00)) = 0.00")]


@pytest.mark.parametrize("target", ["0", "-5"])
def test_no_target_gives_no_workload_and_says_so(target):
    s = score_month(month(approved_points=D("120"), target_points=D(target)), R)
    assert s.workload == D("0.00")
    assert s.score == D("50.00")  # 30 + 0 + 20 + 0
    assert [line.rule for line in s.explanation if line.rule in ("workload", "no_target")] == ["no_target"]


def test_veto_is_carried_and_leaves_the_score_alone():
    s = score_month(replace(WORKED, veto=True), R)
    assert s.veto is True and s.score == D("86.06")
    assert s.explanation[-1].rule == "veto"


def test_other_rule_values_are_used():
    r = RuleValues.from_mapping({"base_points": "40", "workload_points": "40", "missing_day_deduction": "2"})
    # base 40 − 1 × 2 − 2 × 0.50 − 2 = 35; workload 40 × 0.78125 = 31.25; quality 17; bonus 4 → 87.25
    s = score_month(WORKED, r)
    assert (s.base, s.workload, s.score) == (D("35.00"), D("31.25"), D("87.25"))


@pytest.mark.parametrize("changes", [
    {"missing_days": -1}, {"late_days": 1.0}, {"returned_entries": True}, {"approved_points": D("-1")},
    {"approved_points": 1.5}, {"discipline_deductions": D("-2")}, {"quality_deductions": D("NaN")},
    {"veto": 1},
])
def test_bad_inputs_refused(changes):
    with pytest.raises(ValueError):
        month(**changes)


amounts = st.decimals(min_value=0, max_value=2000, places=2)
counts = st.integers(0, 40)


@st.composite
def officer_months(draw):
    return OfficerMonth(
        person_id=1, approved_points=draw(amounts), target_points=draw(st.decimals(-10, 1000, places=2)),
        missing_days=draw(counts), late_days=draw(counts), returned_entries=draw(counts),
        reduced_entries=draw(counts), discipline_deductions=draw(st.decimals(0, 40, places=2)),
        quality_deductions=draw(st.decimals(0, 40, places=2)),
        commendations=draw(st.decimals(-20, 30, places=2)), veto=draw(st.booleans()))


@given(officer_months(), rule_values())
def test_score_is_bounded_and_the_sum_of_its_parts(o, r):
    s = score_month(o, r)
    assert 0 <= s.score <= r.base_points + r.workload_points + r.quality_points + r.bonus_cap
    assert 0 <= s.base <= r.base_points and 0 <= s.workload <= r.workload_points
    assert 0 <= s.quality <= r.quality_points and 0 <= s.bonus <= r.bonus_cap
    assert s.score == s.base + s.workload + s.quality + s.bonus
    assert all(part == round_points(part) for part in (s.base, s.workload, s.quality, s.bonus))
    assert s.explanation[-2 if o.veto else -1].value == str(s.score)


@given(officer_months(), rule_values(), amounts)
def test_score_never_falls_as_approved_points_rise(o, r, more):
    more_points = replace(o, approved_points=o.approved_points + more)
    assert score_month(more_points, r).score >= score_month(o, r).score


@given(officer_months(), rule_values(), st.integers(1, 10))
def test_score_never_rises_with_missing_days(o, r, more):
    assert score_month(replace(o, missing_days=o.missing_days + more), r).score <= score_month(o, r).score


# --- Inspection findings (督察) ---------------------------------------------------------------------------------------

from worklog.rules.scoring import FindingDeduction  # noqa: E402

#: The worked example with three findings: a discipline finding of 2.00 and an appearance finding repeated within
#: the period (1.00 × 1.5 = 1.50) come off the base; an enforcement error of 2.00 comes off quality.
WITH_FINDINGS = replace(WORKED, findings=(
    FindingDeduction(11, "discipline", "2026-11-03", D("2.00")),
    FindingDeduction(12, "appearance", "2026-11-10", D("1.50")),
    FindingDeduction(13, "enforcement", "2026-11-12", D("2.00")),
))


def test_findings_come_off_the_base_and_quality_by_category():
    s = score_month(WITH_FINDINGS, R)
    # base: 30 − 1.00 (missing) − 1.00 (late) − (2.00 panel + 2.00 + 1.50 findings) = 22.50
    assert s.base == D("22.50")
    # quality: 20 − 1.00 (returned) − 0.50 (reduced) − (1.50 panel + 2.00 finding) = 15.00
    assert s.quality == D("15.00")
    # score: 22.50 + 39.06 + 15.00 + 4.00 = 80.56 (the worked example's 86.06 less the findings' 5.50)
    assert s.score == D("80.56")
    assert WITH_FINDINGS.all_discipline_deductions == D("5.50")
    assert WITH_FINDINGS.all_quality_deductions == D("3.50")


def test_each_finding_is_a_line_naming_it():
    lines = [Line(x.rule, x.value, say(x.detail)) for x in score_month(WITH_FINDINGS, R).explanation]
    assert lines[3:7] == [
        Line("discipline", "−2.00", "discipline deductions recorded by the panel: 2.00"),
        Line("finding", "−2.00", "inspection finding no. 11 (discipline and conduct, 2026-11-03): 2.00"),
        Line("finding", "−1.50", "inspection finding no. 12 (police appearance and bearing, 2026-11-10): 1.50"),
        Line("base", "22.50", "max(0, 30.00 − 1.00 − 1.00 − 5.50) = 22.50"),
    ]
    assert lines[11:14] == [
        Line("quality_findings", "−1.50", "quality findings and verified complaints recorded by the panel: 1.50"),
        Line("finding", "−2.00", "inspection finding no. 13 (enforcement error, 2026-11-12): 2.00"),
        Line("quality", "15.00", "max(0, 20.00 − 1.00 − 0.50 − 3.50) = 15.00"),
    ]


def test_findings_alone_never_take_a_part_below_zero():
    many = month(findings=tuple(FindingDeduction(i, "complaint", "2026-11-02", D("6")) for i in range(1, 5)))
    s = score_month(many, R)
    assert s.quality == D("0.00") and s.base == D("30.00")  # 4 × 6 = 24 > 20: quality stops at 0


@pytest.mark.parametrize("bad", [
    {"category": "speeding"}, {"points": D("-1")}, {"points": D("NaN")}, {"points": 2},
])
def test_a_finding_that_cannot_be_counted_is_refused(bad):
    with pytest.raises(ValueError):
        FindingDeduction(**({"id": 1, "category": "discipline", "found_on": "2026-11-03", "points": D("2")} | bad))


def test_findings_must_be_findings():
    with pytest.raises(ValueError):
        month(findings=[FindingDeduction(1, "discipline", "2026-11-03", D("2"))])  # a list: not frozen
    with pytest.raises(ValueError):
        month(findings=({"id": 1},))
