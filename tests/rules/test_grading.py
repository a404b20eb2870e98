from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from tests.rules.test_ruleset import rule_values
from worklog.rules.grading import (BASIC, COMPETENT, EXCELLENT, GRADE_ORDER, GRADES, INCOMPETENT, Check,
                                   GradeInput, QuotaExceeded, grade_group, quota_for)
from worklog.rules.ruleset import RuleValues
from tests.rules.wording import worded

D = Decimal
R = RuleValues()

# A group of 10: quota floor(10 × 20%) = 2. Person id → (score, veto).
GROUP = {
    1: ("96.00", False),   # rank 1: ≥ 90 and alone at the top → excellent
    2: ("92.50", False),   # rank 2, tied with 3: both would make 3 excellent > 2 → neither; competent
    3: ("92.50", False),   # rank 2, as above
    4: ("91.00", False),   # rank 4: ≥ 90 but outside the top 2 → competent
    5: ("85.00", False),   # rank 5 → competent
    6: ("78.00", True),    # vetoed → incompetent whatever the score, and ranked last (10)
    7: ("70.00", False),   # rank 6: exactly 70 → competent
    8: ("69.99", False),   # rank 7: below 70, ≥ 60 → basic
    9: ("60.00", False),   # rank 8: exactly 60 → basic
    10: ("59.99", False),  # rank 9: below 60 → incompetent
}
EXPECTED = {  # person id → (rank, proposed grade, in quota)
    1: (1, EXCELLENT, True), 2: (2, COMPETENT, False), 3: (2, COMPETENT, False), 4: (4, COMPETENT, False),
    5: (5, COMPETENT, False), 7: (6, COMPETENT, False), 8: (7, BASIC, False), 9: (8, BASIC, False),
    10: (9, INCOMPETENT, False), 6: (10, INCOMPETENT, False),
}


def group(overrides=None, scores=GROUP):
    overrides = overrides or {}
    items = []
    for pid, (score, veto) in scores.items():
        grade, reason = overrides.get(pid, (None, ""))
        items.append(GradeInput(pid, D(score), veto, grade, reason))
    # Shuffle the input order a little: the result must not depend on it.
    return items[::-1]


def by_person(results):
    return {res.person_id: res for res in results}


def test_hand_computed_group():
    results = grade_group(group(), R)
    assert [res.rank for res in results] == [1, 2, 2, 4, 5, 6, 7, 8, 9, 10]  # best first
    got = {res.person_id: (res.rank, res.proposed, res.in_quota) for res in results}
    assert got == EXPECTED
    assert all(res.final == res.proposed and res.quota == 2 for res in results)


def test_explanations():
    res = by_person(grade_group(group(), R))
    assert worded(res[1].explanation) == [
        Check("veto", "none", "no veto", True),
        Check("excellent_score", "96.00", "≥ 90.00", True),
        Check("excellent_quota", "rank 1 of 10", "top 2 (20%)", True),
    ]
    # The tie at the boundary is said in so many words.
    assert worded(res[2].explanation) == [
        Check("veto", "none", "no veto", True),
        Check("excellent_score", "92.50", "≥ 90.00", True),
        Check("excellent_quota", "rank 2 of 10", "top 2 (20%)", True),
        Check("excellent_tie", "2 tied at rank 2", "all of them within the top 2 (20%)", False),
        Check("competent_score", "92.50", "≥ 70.00", True),
    ]
    assert worded(res[4].explanation[2:]) == [Check("excellent_quota", "rank 4 of 10", "top 2 (20%)", False),
                                      Check("competent_score", "91.00", "≥ 70.00", True)]
    assert worded(res[6].explanation) == [Check("veto", "a veto", "no veto", False)]
    assert worded(res[8].explanation[1:]) == [Check("excellent_score", "69.99", "≥ 90.00", False),
                                      Check("competent_score", "69.99", "≥ 70.00", False),
                                      Check("basic_score", "69.99", "≥ 60.00", True)]
    assert worded(res[10].explanation[-1]) == Check("basic_score", "59.99", "≥ 60.00", False)


def test_a_tie_inside_the_quota_shares_it():
    # Two tied at the top of a group of 10 fill the quota of 2 together.
    scores = GROUP | {2: ("96.00", False)}
    res = by_person(grade_group(group(scores=scores), R))
    assert (res[1].rank, res[2].rank, res[3].rank) == (1, 1, 3)
    assert res[1].proposed == res[2].proposed == EXCELLENT
    assert res[3].proposed == COMPETENT and not res[3].in_quota


def test_a_vetoed_officer_takes_no_place_in_the_quota():
    # The vetoed 97 is ranked last; the 96 stays 1st and excellent, and one place stays open for the
    # tied 92.50s, who cannot both have it.
    scores = GROUP | {6: ("97.00", True), 3: ("91.00", False)}
    res = by_person(grade_group(group(scores=scores), R))
    assert (res[6].rank, res[6].proposed, res[6].in_quota) == (10, INCOMPETENT, False)
    assert (res[1].rank, res[1].proposed) == (1, EXCELLENT)
    assert (res[2].rank, res[2].proposed) == (2, EXCELLENT)  # 92.50, now alone in 2nd place
    assert sum(r.proposed == EXCELLENT for r in res.values()) == 2


@pytest.mark.parametrize("n, quota", [(0, 0), (4, 0), (5, 1), (9, 1), (10, 2), (11, 2), (14, 2), (15, 3)])
def test_quota_rounds_down(n, quota):
    assert quota_for(n, R) == quota


def test_quota_with_other_percentages():
    assert quota_for(8, RuleValues.from_mapping({"excellent_quota": "0.125"})) == 1   # 8 × 12.5% = 1
    assert quota_for(7, RuleValues.from_mapping({"excellent_quota": "0.125"})) == 0   # 0.875
    assert quota_for(3, RuleValues.from_mapping({"excellent_quota": "1"})) == 3


def test_a_group_of_four_has_no_excellent_place():
    scores = {pid: ("99.00", False) for pid in range(1, 4)} | {4: ("98.00", False)}
    results = grade_group(group(scores=scores), R)
    assert {res.quota for res in results} == {0}
    assert {res.proposed for res in results} == {COMPETENT}


def test_override_within_the_quota_is_accepted():
    res = by_person(grade_group(group({4: (EXCELLENT, "Led the flood rescue")}), R))
    assert (res[4].proposed, res[4].final) == (COMPETENT, EXCELLENT)
    assert worded(res[4].explanation[-1]) == Check("override", "Competent → Excellent", "Led the flood rescue", True)
    assert sum(r.final == EXCELLENT for r in res.values()) == 2


def test_override_down_frees_a_place_for_another():
    res = by_person(grade_group(group({1: (COMPETENT, "Complaint upheld after scoring"),
                                       2: (EXCELLENT, "Case of the year"),
                                       3: (EXCELLENT, "Case of the year")}), R))
    assert sorted(pid for pid, r in res.items() if r.final == EXCELLENT) == [2, 3]


def test_override_down_and_sideways_need_no_quota():
    res = by_person(grade_group(group({8: (INCOMPETENT, "Falsified entries"), 9: (BASIC, "Confirmed")}),
                                R))
    assert (res[8].final, res[9].final) == (INCOMPETENT, BASIC)


def test_override_beyond_the_quota_is_refused():
    with pytest.raises(QuotaExceeded):
        grade_group(group({4: (EXCELLENT, "Led the flood rescue"),
                           5: (EXCELLENT, "Solved the cold case")}), R)


def test_no_excellent_override_in_a_group_of_four():
    scores = {pid: ("95.00", False) for pid in range(1, 5)}
    with pytest.raises(QuotaExceeded):
        grade_group(group({1: (EXCELLENT, "Best of the four")}, scores=scores), R)


def test_override_cannot_lift_a_vetoed_officer():
    with pytest.raises(ValueError) as caught:
        grade_group(group({6: (BASIC, "Mitigating circumstances")}), R)
    assert not isinstance(caught.value, QuotaExceeded)
    # Confirming the lowest grade is no lift.
    assert by_person(grade_group(group({6: (INCOMPETENT, "Confirmed")}), R))[6].final == INCOMPETENT


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_needs_a_reason(reason):
    with pytest.raises(ValueError):
        grade_group(group({5: (EXCELLENT, reason)}), R)


def test_bad_inputs_refused():
    with pytest.raises(ValueError):
        grade_group(group({5: ("outstanding", "Typo")}), R)
    with pytest.raises(ValueError):
        grade_group([GradeInput(1, D("80")), GradeInput(1, D("70"))], R)
    with pytest.raises(ValueError):
        grade_group([GradeInput(1, 80.0)], R)


def test_empty_group():
    assert grade_group([], R) == []


scores = st.one_of(st.sampled_from([D(s) for s in ("95.00", "92.50", "90.00", "89.99", "70.00", "60.00")]),
                   st.decimals(min_value=0, max_value=110, places=2))


@given(st.lists(scores, max_size=30), rule_values())
def test_higher_score_never_gets_a_lower_grade(score_list, r):
    results = grade_group([GradeInput(pid, s) for pid, s in enumerate(score_list)], r)
    quota = quota_for(len(score_list), r)
    for a in results:
        assert a.rank == 1 + sum(b.rank < a.rank for b in results)
        for b in results:
            if score_list[a.person_id] > score_list[b.person_id]:
                assert a.rank < b.rank
                assert GRADE_ORDER[a.final] >= GRADE_ORDER[b.final]
    assert sum(res.final == EXCELLENT for res in results) <= quota


@st.composite
def groups_with_overrides(draw):
    size = draw(st.integers(0, 30))
    items = []
    for pid in range(size):
        veto = draw(st.booleans().filter(lambda v: v) if draw(st.integers(0, 9)) == 0 else st.just(False))
        override = draw(st.one_of(st.none(), st.sampled_from(GRADES)))
        if veto and override is not None:
            override = INCOMPETENT  # the only valid override of a vetoed officer
        items.append(GradeInput(pid, draw(scores), veto, override, "Panel decision" if override else ""))
    return items


@given(groups_with_overrides(), rule_values())
def test_final_excellent_never_exceeds_the_quota(items, r):
    quota = quota_for(len(items), r)
    plain = {res.person_id: res.proposed
             for res in grade_group([GradeInput(i.person_id, i.score, i.veto) for i in items], r)}
    assert sum(grade == EXCELLENT for grade in plain.values()) <= quota
    wanted = sum((i.override or plain[i.person_id]) == EXCELLENT for i in items)
    if wanted > quota:
        with pytest.raises(QuotaExceeded):
            grade_group(items, r)
    else:
        results = grade_group(items, r)
        assert sum(res.final == EXCELLENT for res in results) == wanted <= quota
        final = {res.person_id: res.final for res in results}
        assert all(final[i.person_id] == INCOMPETENT for i in items if i.veto)
