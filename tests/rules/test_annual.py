from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from worklog.rules.annual import AnnualInput, AnnualRules, annual_quota, annual_score, grade_year
from worklog.rules.grading import BASIC, COMPETENT, EXCELLENT, INCOMPETENT, Check
from tests.rules.wording import worded

D = Decimal
R = AnnualRules()


def test_annual_score_is_the_mean_plus_adjustments():
    # (92.00 + 88.50 + 95.25) ÷ 3 = 275.75 ÷ 3 = 91.9166… → 91.92; + 1.50 = 93.42
    assert annual_score([D("92.00"), D("88.50"), D("95.25")], D("1.50")) == D("93.42")
    # The mean is rounded half up before adjusting: (90.00 + 90.01) ÷ 2 = 90.005 → 90.01; − 2.00 = 88.01
    assert annual_score([D("90.00"), D("90.01")], D("-2")) == D("88.01")
    # Twelve months of 80 and no adjustment.
    assert annual_score([D("80")] * 12, D("0")) == D("80.00")


def test_no_finalised_month_scores_zero_whatever_the_adjustments():
    assert annual_score([], D("5.00")) == D("0.00")
    assert annual_score([], D("0")) == D("0")


def test_annual_score_refuses_floats():
    with pytest.raises(ValueError):
        annual_score([90.0], D("0"))
    with pytest.raises(ValueError):
        annual_score([D("90")], D("NaN"))


def test_default_rules():
    assert (R.excellent_quota, R.excellent_min_score, R.competent_min_score, R.basic_min_score) == \
        (D("0.20"), D("90"), D("70"), D("60"))
    assert (R.incompetent_months_limit, R.excellent_min_service_years) == (2, D("1"))


@pytest.mark.parametrize("values", [
    {"excellent_quota": D("1.5")},
    {"excellent_quota": D("-0.1")},
    {"competent_min_score": D("95")},          # above excellent
    {"basic_min_score": D("75")},              # above competent
    {"incompetent_months_limit": 0},
    {"incompetent_months_limit": True},
    {"excellent_min_service_years": 1},        # an int, not a Decimal
])
def test_bad_rules_refused(values):
    with pytest.raises(ValueError):
        AnnualRules(**values)


# A group of 10: quota floor(10 × 20%) = 2. Person id → AnnualInput.
GROUP = [
    AnnualInput(1, D("96.00")),                                   # rank 1, first place fit → excellent
    AnnualInput(2, D("95.00"), service_years=D("0.5")),           # rank 2, under a year: no place → competent
    AnnualInput(3, D("93.00"), excellent_months=5),               # rank 3, second place fit → excellent
    AnnualInput(4, D("92.00"), incompetent_months=2),             # rank 4, two incompetent months → basic
    AnnualInput(5, D("91.00")),                                   # rank 5, 3rd fit, quota 2 → competent
    AnnualInput(6, D("97.00"), incompetent_months=1, veto=True),  # vetoed: ranked last (10), never excellent
    AnnualInput(7, D("70.00")),                                   # rank 6, exactly 70 → competent
    AnnualInput(8, D("65.00"), incompetent_months=3),             # rank 7, ≥ 60 with 3 bad months → basic
    AnnualInput(9, D("59.99")),                                   # rank 8, below 60 → incompetent
    AnnualInput(10, D("55.00"), incompetent_months=2),            # rank 9, below 60 → incompetent
]
EXPECTED = {  # person → (rank, grade, in quota)
    1: (1, EXCELLENT, True), 2: (2, COMPETENT, False), 3: (3, EXCELLENT, True), 4: (4, BASIC, False),
    5: (5, COMPETENT, False), 7: (6, COMPETENT, False), 8: (7, BASIC, False), 9: (8, INCOMPETENT, False),
    10: (9, INCOMPETENT, False), 6: (10, COMPETENT, False),
}


def by_person(results):
    return {res.person_id: res for res in results}


def test_hand_computed_group():
    results = grade_year(GROUP[::-1], R)  # the input order must not matter
    assert [res.rank for res in results] == list(range(1, 11))
    assert {res.person_id: (res.rank, res.grade, res.in_quota) for res in results} == EXPECTED
    assert {res.quota for res in results} == {2}
    # Percentile = rank ÷ 10.
    assert [res.percentile for res in results] == [D(rank) / 10 for rank in range(1, 11)]
    assert results[0].percentile == D("0.1000")


def test_explanations():
    res = by_person(grade_year(GROUP, R))
    assert worded(res[1].explanation) == [
        Check("veto", "none", "no veto", True),
        Check("incompetent_months", "0 month(s)", "fewer than 2 month(s)", True),
        Check("excellent_score", "96.00", "≥ 90.00", True),
        Check("excellent_service", "1 year(s)", "at least 1 year(s)", True),
        Check("excellent_quota", "place 1 of 3 fit for excellent", "top 2 (20%)", True),
    ]
    assert worded(res[2].explanation[2:]) == [
        Check("excellent_score", "95.00", "≥ 90.00", True),
        Check("excellent_service", "0.5 year(s)", "at least 1 year(s)", False),
        Check("competent_score", "95.00", "≥ 70.00", True),
    ]
    assert worded(res[4].explanation) == [
        Check("veto", "none", "no veto", True),
        Check("incompetent_months", "2 month(s)", "fewer than 2 month(s)", False),
        Check("basic_score", "92.00", "≥ 60.00", True),
    ]
    assert worded(res[5].explanation[-2:]) == [
        Check("excellent_quota", "place 3 of 3 fit for excellent", "top 2 (20%)", False),
        Check("competent_score", "91.00", "≥ 70.00", True),
    ]
    assert worded(res[6].explanation) == [
        Check("veto", "a veto", "no veto", False),
        Check("incompetent_months", "1 month(s)", "fewer than 2 month(s)", True),
        Check("competent_score", "97.00", "≥ 70.00", True),
    ]
    assert worded(res[10].explanation[-1]) == Check("basic_score", "55.00", "≥ 60.00", False)


def test_two_incompetent_months_cap_at_basic():
    # 99 with 2 incompetent months: basic, never competent or excellent; 1 month is no bar.
    res = by_person(grade_year([AnnualInput(1, D("99"), incompetent_months=2),
                                AnnualInput(2, D("98"), incompetent_months=1)] +
                               [AnnualInput(i, D("80")) for i in range(3, 11)], R))
    assert (res[1].rank, res[1].grade) == (1, BASIC)
    assert (res[2].rank, res[2].grade) == (2, EXCELLENT)  # place 1 of the fit, quota 2


def test_under_one_year_rules_out_excellent_only():
    res = by_person(grade_year([AnnualInput(1, D("99"), service_years=D("0.99")),
                                AnnualInput(2, D("99"), service_years=D("1.00"))] +
                               [AnnualInput(i, D("75")) for i in range(3, 6)], R))
    # Group of 5: quota 1. Tied at rank 1, but only person 2 is fit, alone in place 1.
    assert (res[1].rank, res[1].grade) == (1, COMPETENT)
    assert (res[2].rank, res[2].grade) == (1, EXCELLENT)


def test_vetoed_officers_rank_last_and_are_never_excellent():
    res = by_person(grade_year([AnnualInput(1, D("100"), veto=True), AnnualInput(2, D("105"), veto=True),
                                AnnualInput(3, D("61")), AnnualInput(4, D("91")), AnnualInput(5, D("62"))],
                               R))
    # Group of 5, quota 1: 91 first, then 62, 61, then the vetoed by score: 105, 100.
    assert [(res[p].rank, res[p].grade) for p in (4, 5, 3, 2, 1)] == [
        (1, EXCELLENT), (2, BASIC), (3, BASIC), (4, COMPETENT), (5, COMPETENT)]
    assert res[1].percentile == D("1.0000") and res[4].percentile == D("0.2000")


def test_a_tie_at_the_quota_boundary_gets_excellent_only_if_all_fit():
    base = [AnnualInput(i, D("80")) for i in range(4, 11)]
    # Group of 10, quota 2: 96 takes place 1; the two 93s tie for place 2 and both would make 3.
    res = by_person(grade_year([AnnualInput(1, D("96")), AnnualInput(2, D("93")), AnnualInput(3, D("93"))]
                               + base, R))
    assert [res[p].grade for p in (1, 2, 3)] == [EXCELLENT, COMPETENT, COMPETENT]
    assert Check("excellent_tie", "2 tied at place 2", "all of them within the top 2 (20%)", False) \
        in worded(res[2].explanation)
    # Two tied at the top share the quota.
    res = by_person(grade_year([AnnualInput(1, D("96")), AnnualInput(2, D("96")), AnnualInput(3, D("93"))]
                               + base, R))
    assert [res[p].grade for p in (1, 2, 3)] == [EXCELLENT, EXCELLENT, COMPETENT]
    # One of the two 93s is under a year: the other is alone in place 2 and gets it.
    res = by_person(grade_year([AnnualInput(1, D("96")), AnnualInput(2, D("93"), service_years=D("0")),
                                AnnualInput(3, D("93"))] + base, R))
    assert [res[p].grade for p in (1, 2, 3)] == [EXCELLENT, COMPETENT, EXCELLENT]
    assert res[2].rank == res[3].rank == 2


def test_percentile_to_four_places():
    res = grade_year([AnnualInput(1, D("80")), AnnualInput(2, D("70")), AnnualInput(3, D("60"))], R)
    assert [r.percentile for r in res] == [D("0.3333"), D("0.6667"), D("1.0000")]  # 1/3, 2/3, 3/3


@pytest.mark.parametrize("n, quota", [(0, 0), (4, 0), (5, 1), (9, 1), (10, 2), (14, 2), (15, 3)])
def test_quota_rounds_down(n, quota):
    assert annual_quota(n, R) == quota


def test_bad_inputs_refused():
    for items in ([AnnualInput(1, D("80")), AnnualInput(1, D("70"))],
                  [AnnualInput(1, 80.0)],
                  [AnnualInput(1, D("80"), incompetent_months=-1)],
                  [AnnualInput(1, D("80"), excellent_months=7, incompetent_months=6)],
                  [AnnualInput(1, D("80"), service_years=D("-1"))],
                  [AnnualInput(1, D("80"), veto=1)]):
        with pytest.raises(ValueError):
            grade_year(items, R)


def test_empty_group():
    assert grade_year([], R) == []


@st.composite
def annual_rules(draw):
    cents = st.decimals(min_value=0, max_value=110, places=2)
    excellent, competent, basic = sorted(draw(st.lists(cents, min_size=3, max_size=3)), reverse=True)
    return AnnualRules(excellent_quota=draw(st.decimals(min_value=0, max_value=1, places=4)),
                       excellent_min_score=excellent, competent_min_score=competent, basic_min_score=basic,
                       incompetent_months_limit=draw(st.integers(1, 12)),
                       excellent_min_service_years=draw(st.decimals(min_value=0, max_value=3, places=1)))


@st.composite
def annual_groups(draw):
    scores = st.one_of(st.sampled_from([D(s) for s in ("96.00", "93.00", "90.00", "70.00", "60.00")]),
                       st.decimals(min_value=0, max_value=110, places=2))
    items = []
    for pid in range(draw(st.integers(0, 30))):
        incompetent = draw(st.integers(0, 4))
        items.append(AnnualInput(pid, draw(scores), excellent_months=draw(st.integers(0, 12 - incompetent)),
                                 incompetent_months=incompetent,
                                 service_years=draw(st.decimals(min_value=0, max_value=3, places=1)),
                                 veto=draw(st.integers(0, 9)) == 0))
    return items


@given(annual_groups(), annual_rules())
def test_quota_never_exceeded_and_every_bar_holds(items, r):
    results = grade_year(items, r)
    inputs = {i.person_id: i for i in items}
    n = len(items)
    assert sum(res.grade == EXCELLENT for res in results) <= annual_quota(n, r)
    for res in results:
        i = inputs[res.person_id]
        assert res.percentile == (D(res.rank) / n).quantize(D("0.0001"))
        if res.grade == EXCELLENT:
            assert not i.veto and i.score >= r.excellent_min_score
            assert i.service_years >= r.excellent_min_service_years
        if i.incompetent_months >= r.incompetent_months_limit:
            assert res.grade in (BASIC, INCOMPETENT)
        # Competition ranks, vetoed last.
        assert res.rank == 1 + sum((o.veto, -o.score) < (i.veto, -i.score) for o in items)
        if i.veto:
            assert all(res.rank > other.rank for other in results if not inputs[other.person_id].veto)


@given(annual_groups(), annual_rules())
def test_excellent_goes_to_the_best_fit_first(items, r):
    grades = {res.person_id: res.grade for res in grade_year(items, r)}
    for a in items:
        for b in items:
            fit_b = (not b.veto and b.score >= r.excellent_min_score
                     and b.incompetent_months < r.incompetent_months_limit
                     and b.service_years >= r.excellent_min_service_years)
            # A fit officer with a score at least as high as an excellent one is excellent too.
            if grades[a.person_id] == EXCELLENT and fit_b and b.score >= a.score:
                assert grades[b.person_id] == EXCELLENT
