import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from worklog.rules.points import COMPLETION_FACTORS
from worklog.explanations import Wording
from worklog.rules.ruleset import DEFAULTS, FIELDS, InvalidRuleValues, RuleValues, from_mapping

D = Decimal


def cents(lo="0", hi="100"):
    return st.decimals(min_value=D(lo), max_value=D(hi), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def rule_values(draw):
    """Any valid rule set: weights first, then thresholds that are ordered and reachable."""
    done, mostly, not_done = sorted(draw(st.lists(cents("0", "1"), min_size=3, max_size=3)), reverse=True)
    weights = dict(base_points=draw(cents()), workload_points=draw(cents("1", "100")),
                   quality_points=draw(cents()), bonus_cap=draw(cents("0", "20")))
    top = sum(weights.values())
    excellent, competent, basic = sorted(draw(st.lists(cents("0", str(top)), min_size=3, max_size=3)),
                                         reverse=True)
    return RuleValues(
        completion_done=done, completion_mostly=mostly, completion_not_done=not_done,
        adjust_bound=draw(cents("0", "1")),
        missing_day_deduction=draw(cents("0", "5")), late_day_deduction=draw(cents("0", "5")),
        returned_entry_deduction=draw(cents("0", "5")), reduced_entry_deduction=draw(cents("0", "5")),
        excellent_min_score=excellent, competent_min_score=competent, basic_min_score=basic,
        excellent_quota=draw(st.decimals(min_value=0, max_value=1, places=4)),
        publication_days=draw(st.integers(1, 30)), appeal_days=draw(st.integers(1, 30)),
        **weights)


def test_defaults():
    r = RuleValues()
    assert (r.completion_done, r.completion_mostly, r.completion_not_done) == (D("1"), D("0.8"), D("0"))
    assert r.adjust_bound == D("0.30")
    assert (r.base_points, r.missing_day_deduction, r.late_day_deduction) == (D("30"), D("1"), D("0.5"))
    assert r.workload_points == D("50")
    assert r.quality_points == D("20")
    assert (r.returned_entry_deduction, r.reduced_entry_deduction) == (D("1"), D("0.5"))
    assert r.bonus_cap == D("10")
    assert (r.excellent_min_score, r.excellent_quota) == (D("90"), D("0.20"))
    assert (r.competent_min_score, r.basic_min_score) == (D("70"), D("60"))
    assert (r.publication_days, r.appeal_days) == (3, 3)
    assert r.max_score == D("110")
    assert DEFAULTS == r


def test_default_completion_factors_are_the_ones_entries_use():
    r = RuleValues()
    assert {"done": r.completion_done, "mostly": r.completion_mostly,
            "not_done": r.completion_not_done} == COMPLETION_FACTORS


def test_fields_describe_every_value_in_order():
    assert [name for name, _ in FIELDS] == list(RuleValues().to_mapping())
    kinds = dict(FIELDS)
    assert len(kinds) == 53
    assert kinds["bonus_max_ratio"] == kinds["leniency_deviations"] == "decimal"
    assert kinds["leniency_floor"] == "percent" and kinds["leniency_min_peers"] == kinds["leniency_min_entries"] == "int"
    assert kinds["annual_excellent_quota"] == "percent" and kinds["bonus_excellent"] == "decimal"
    assert kinds["unit_work_basis"] == "choice" and kinds["progress_warning_share"] == "percent"
    assert kinds["finding_repeat_days"] == kinds["rectification_days"] == "int"
    assert kinds["public_weight"] == kinds["poll_weight"] == kinds["yellow_bottom"] == "percent"
    assert kinds["survey_sample_size"] == kinds["survey_no_repeat_days"] == kinds["yellow_run"] == "int"
    assert kinds["excellent_quota"] == kinds["adjust_bound"] == kinds["completion_mostly"] == "percent"
    assert kinds["base_points"] == kinds["excellent_min_score"] == "decimal"
    assert kinds["publication_days"] == kinds["appeal_days"] == "int"
    assert FIELDS[0] == ("completion_done", "percent")


def test_a_choice_takes_only_its_words():
    assert RuleValues.from_mapping({"unit_work_basis": " points "}).unit_work_basis == "points"
    with pytest.raises(InvalidRuleValues) as error:
        RuleValues.from_mapping({"unit_work_basis": "ledger"})
    assert error.value.errors["unit_work_basis"].code == "value.choice"
    with pytest.raises(InvalidRuleValues) as error:
        RuleValues.from_mapping({"finding_repeat_factor": "0.50"})
    assert error.value.errors["finding_repeat_factor"].code == "ruleset.repeat_factor"


def test_to_mapping_is_json_ready():
    mapping = RuleValues().to_mapping()
    assert mapping["base_points"] == "30.00"
    assert mapping["excellent_quota"] == "0.20"
    assert mapping["appeal_days"] == 3
    assert json.loads(json.dumps(mapping)) == mapping


def test_missing_keys_take_defaults():
    assert from_mapping({}) == RuleValues()
    r = RuleValues.from_mapping({"excellent_quota": "0.15", "publication_days": 5})
    assert r == replace(RuleValues(), excellent_quota=D("0.15"), publication_days=5)


def test_values_are_read_into_canonical_form():
    r = RuleValues.from_mapping({"base_points": 40, "workload_points": "45", "adjust_bound": 0.3,
                                 "excellent_quota": "0.125", "appeal_days": "5",
                                 "late_day_deduction": "0.500"})
    mapping = r.to_mapping()
    assert mapping["base_points"] == "40.00"
    assert mapping["workload_points"] == "45.00"
    assert mapping["adjust_bound"] == "0.30"       # a JSON float read through str, not binary
    assert mapping["excellent_quota"] == "0.1250"  # 12.5%
    assert mapping["late_day_deduction"] == "0.50"
    assert mapping["appeal_days"] == 5


@given(rule_values())
def test_from_mapping_round_trips_to_mapping(r):
    mapping = r.to_mapping()
    assert RuleValues.from_mapping(mapping) == r
    assert RuleValues.from_mapping(json.loads(json.dumps(mapping))) == r


def test_unknown_keys_are_named():
    with pytest.raises(ValueError) as caught:
        RuleValues.from_mapping({"base_points": "30", "bonus_cpa": "5", "weight_public": "0.5"})
    assert "bonus_cpa" in str(caught.value) and "weight_public" in str(caught.value)
    assert "base_points" not in str(caught.value)


@pytest.mark.parametrize("changes, field", [
    ({"base_points": "-1"}, "base_points"),
    ({"late_day_deduction": "-0.50"}, "late_day_deduction"),
    ({"bonus_cap": "abc"}, "bonus_cap"),
    ({"bonus_cap": "NaN"}, "bonus_cap"),
    ({"bonus_cap": "Infinity"}, "bonus_cap"),
    ({"bonus_cap": True}, "bonus_cap"),
    ({"bonus_cap": None}, "bonus_cap"),
    ({"base_points": "30.005"}, "base_points"),
    ({"excellent_quota": "1.5"}, "excellent_quota"),
    ({"excellent_quota": "-0.1"}, "excellent_quota"),
    ({"excellent_quota": "0.12345"}, "excellent_quota"),
    ({"adjust_bound": "2"}, "adjust_bound"),
    ({"completion_done": "1.20"}, "completion_done"),
    ({"completion_mostly": "0.50", "completion_not_done": "0.60"}, "completion_mostly"),
    ({"competent_min_score": "95"}, "competent_min_score"),
    ({"basic_min_score": "75"}, "basic_min_score"),
    ({"excellent_min_score": "111"}, "excellent_min_score"),
    ({"base_points": "0", "workload_points": "0", "quality_points": "0",
      "excellent_min_score": "0", "competent_min_score": "0", "basic_min_score": "0"}, "workload_points"),
    ({"publication_days": 0}, "publication_days"),
    ({"appeal_days": 31}, "appeal_days"),
    ({"appeal_days": 2.5}, "appeal_days"),
    ({"appeal_days": "three"}, "appeal_days"),
    ({"appeal_days": False}, "appeal_days"),
])
def test_out_of_range_values_are_refused(changes, field):
    with pytest.raises(InvalidRuleValues) as caught:
        RuleValues.from_mapping(changes)
    assert field in caught.value.errors
    assert isinstance(caught.value, ValueError)


def test_boundaries_are_accepted():
    r = RuleValues.from_mapping({"excellent_quota": "0", "adjust_bound": "1", "excellent_min_score": "110",
                                 "competent_min_score": "60", "basic_min_score": "60",
                                 "publication_days": 1, "appeal_days": 30})
    assert r.excellent_quota == 0 and r.excellent_min_score == r.max_score


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidRuleValues) as caught:
        RuleValues.from_mapping({"base_points": "-1", "appeal_days": 0, "colour": "red"})
    assert set(caught.value.errors) == {"base_points", "appeal_days", "unknown"}


def test_direct_construction_is_validated_too():
    with pytest.raises(InvalidRuleValues):
        RuleValues(excellent_min_score=D("65"))  # below the competent threshold of 70
    with pytest.raises(InvalidRuleValues):
        RuleValues(bonus_cap=10.0)  # a float, not a Decimal
    with pytest.raises(InvalidRuleValues):
        replace(RuleValues(), excellent_quota=D("1.01"))


def test_whole_numbers_have_their_own_bounds():
    assert RuleValues.from_mapping({"survey_no_repeat_days": 3650}).survey_no_repeat_days == 3650
    with pytest.raises(InvalidRuleValues) as caught:
        RuleValues.from_mapping({"survey_no_repeat_days": 3651, "appeal_days": 31, "survey_sample_size": 0})
    # Problems are codes with their values, worded by the form layer in the reader's language.
    wording = Wording()
    assert {name: wording.problem(p) for name, p in caught.value.errors.items()} == {
        "survey_no_repeat_days": "must be from 1 to 3650 days",
        "appeal_days": "must be from 1 to 30 working days",
        "survey_sample_size": "must be from 1 to 1000 people"}


def test_unit_thresholds_are_ordered_and_reachable():
    with pytest.raises(InvalidRuleValues) as caught:
        RuleValues.from_mapping({"unit_pass_min": "95", "unit_excellent_min": "90"})
    assert set(caught.value.errors) == {"unit_pass_min"}
    with pytest.raises(InvalidRuleValues) as caught:
        RuleValues.from_mapping({"unit_excellent_min": "100.01"})
    assert set(caught.value.errors) == {"unit_excellent_min"}


def test_the_bonus_spread_and_leniency_rules_default_to_changing_nothing_and_refuse_nonsense():
    """A rule set stored before these fields existed reads no spread limit (0.00) and the leniency defaults."""
    stored = RuleValues.from_mapping({"bonus_excellent": "1.30"})
    assert stored.bonus_max_ratio == D("0.00")
    assert (stored.leniency_deviations, stored.leniency_floor, stored.leniency_min_peers,
            stored.leniency_min_entries) == (D("3.00"), D("0.02"), 3, 20)
    assert RuleValues.from_mapping({"bonus_max_ratio": "1"}).bonus_max_ratio == D("1.00")
    for values, name, code in [({"bonus_max_ratio": "0.5"}, "bonus_max_ratio", "ruleset.ratio_below_one"),
                               ({"leniency_deviations": "0"}, "leniency_deviations", "ruleset.above_zero"),
                               ({"leniency_min_entries": "0"}, "leniency_min_entries", "value.between_entries"),
                               ({"leniency_min_peers": "1"}, "leniency_min_peers", "value.between_people"),
                               ({"leniency_floor": "1.5"}, "leniency_floor", "value.percent")]:
        with pytest.raises(InvalidRuleValues) as error:
            RuleValues.from_mapping(values)
        assert error.value.errors[name].code == code, values
