"""Promotion rounds, what-if, frozen lists, the annual review, bonuses and access, on real data."""
from __future__ import annotations

from decimal import Decimal

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select, update

from models import BonusPool, BonusShare, MonthResult, PromotionCandidate, PromotionRound, YearAppeal, YearResult, YearReview
from tests.annual.policy_form import policy_data
from tests.annual.publishing import publish
from tests.factories import sign_in, state_counts
from worklog import integrity
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _round(client, org, county, policy="competitive_promotion"):
    sign_in(client, org["hr_a"].badge)
    response = client.post("/hr", data={"name": "2026 competitive promotion", "unit": org.city_a.id,
                                        "reference_date": "2026-11-15", "policy": policy})
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalar(select(PromotionRound))


def _eligible(page: str, name: str) -> bool:
    row = page[page.index(f"<td>{name} "):]
    return row[:row.index("</tr>")].count("<td>yes</td>") == 1


def test_four_excellent_months_are_eligible_three_are_not(client, org, county, history):
    round_ = _round(client, org, county)
    page = client.get(f"/hr/rounds/{round_.id}").get_data(as_text=True)
    assert _eligible(page, "O1") and not _eligible(page, "O2") and not _eligible(page, "O3")
    assert page.index("<td>O1 ") < page.index("<td>O2 ")  # eligible first


def test_what_if_shows_who_would_enter_and_saves_nothing(client, org, county, history):
    round_ = _round(client, org, county)
    before = state_counts()
    page = client.get(f"/hr/rounds/{round_.id}?p-0-at_least=3").get_data(as_text=True)
    assert "Would enter" in page and "O2" in page[page.index("Would enter"):page.index("Would leave")]
    assert state_counts() == before
    assert db.session.get(PromotionRound, round_.id).policy["rules"][0]["params"]["at_least"] == 4
    # Saving the tried rules is a separate, audited act.
    assert client.post(f"/hr/rounds/{round_.id}/rules", data={"p-0-at_least": "3"}).status_code == 302
    db.session.expire_all()
    assert str(db.session.get(PromotionRound, round_.id).policy["rules"][0]["params"]["at_least"]) == "3"


def test_a_published_round_stays_as_published(client, org, county, history):
    round_ = _round(client, org, county)
    assert publish(client, f"/hr/rounds/{round_.id}").status_code == 302
    frozen = {c.name: c.eligible for c in db.session.scalars(select(PromotionCandidate))}
    assert frozen["O1"] and not frozen["O2"]
    # A later appeal takes away one of O1's excellent months: the published list does not move.
    o1 = county.officers["O1"]
    integrity.allow_reopening(db.session)  # the appeal's outcome, written straight into the final month
    db.session.execute(update(MonthResult).where(MonthResult.person_id == o1.id, MonthResult.final_grade == "excellent")
                       .values(final_grade="competent"))
    db.session.commit()
    page = client.get(f"/hr/rounds/{round_.id}").get_data(as_text=True)
    assert "frozen" in page and _eligible(page, "O1")
    assert client.post(f"/hr/rounds/{round_.id}/publish", data={"confirm": "yes"}).status_code == 409
    printed = client.get(f"/hr/rounds/{round_.id}?print=1").get_data(as_text=True)
    assert "O1" in printed and "<nav" not in printed
    export = client.get(f"/hr/rounds/{round_.id}/export.xlsx")
    assert export.status_code == 200 and export.mimetype.endswith("sheet")


def _year(app, client, org, county, finalise=True):
    sign_in(client, org["panel_a"].badge)
    url = f"/year/{county.unit.id}/2026"
    for action in ("open", "compute", "publish"):
        assert client.post(f"{url}/{action}").status_code == 302
    if finalise:
        app.config["FIXED_NOW"] = datetime(2026, 12, 10, 4, 0, tzinfo=timezone.utc)  # after the appeal window
        assert client.post(f"{url}/finalise").status_code == 302
        assert db.session.scalar(select(YearReview.status)) == "final"
    return url


def test_annual_review_and_bonus(app, client, org, county, history):
    _year(app, client, org, county)
    results = {r.person.name: r for r in db.session.scalars(select(YearResult))}
    # O1: 10 months of the year (2026-01 … 2026-10): excellent in 3, 6, 9 → indexes 3, 6, 9 of the window.
    assert results["O1"].months == 10 and results["O1"].score == Decimal("84.50")  # (3 × 95 + 7 × 80) ÷ 10
    assert results["O9"].incompetent_months == 0  # its incompetent months were in 2025
    client.post("/sign-out")
    sign_in(client, org["hr_a"].badge)
    assert client.post(f"/hr/bonus/{county.unit.id}/2026", data={"amount": "10000"}).status_code == 302
    shares = list(db.session.scalars(select(BonusShare)))
    assert len(shares) == 10 and sum(s.amount for s in shares) == Decimal("10000.00")
    page = client.get(f"/hr/bonus/{county.unit.id}/2026").get_data(as_text=True)
    assert "Spread" in page
    lists = client.get(f"/hr/lists/{county.unit.id}/2026")
    # Ten officers in one ranking group: 3% of 10 is no place, and the page says so instead of a bare "nobody".
    assert lists.status_code == 200
    assert "gives a place only to a group of 34 or more officers, and the largest group here has 10" in lists.text


def test_hr_sees_only_its_subtree(client, org, county, history):
    round_ = _round(client, org, county)
    client.post("/sign-out")
    sign_in(client, org["officer_a"].badge)
    before = state_counts()
    assert client.get("/hr").status_code == 403
    assert client.get(f"/hr/rounds/{round_.id}").status_code == 404
    assert client.get(f"/hr/lists/{county.unit.id}/2026").status_code == 404
    page = client.get("/my/eligibility")
    assert page.status_code == 200
    assert state_counts() == before


def test_an_upheld_annual_appeal_changes_the_score_and_the_ranking(app, client, org, county, history):
    url = _year(app, client, org, county, finalise=False)
    review = db.session.scalar(select(YearReview))
    before = {r.person.name: r.rank for r in db.session.scalars(select(YearResult))}
    client.post("/sign-out")
    o5 = county.officers["O5"]
    sign_in(client, o5.badge)
    assert client.post(f"/my/years/{review.id}", data={"reason": "A commendation is missing"}).status_code == 302
    appeal = db.session.scalar(select(YearAppeal))
    client.post("/sign-out")
    sign_in(client, org["panel_a"].badge)
    response = client.post(f"/year/appeals/{appeal.id}/decide", data={
        "outcome": "uphold", "decision": "Commendation confirmed", "correction": "10"})
    assert response.status_code == 302
    after = {r.person.name: (r.rank, r.score) for r in db.session.scalars(select(YearResult))}
    assert after["O5"][1] == Decimal("90.00") and after["O5"][0] < before["O5"]
    # The panel cannot finalise while the appeal window is open.
    assert client.post(f"{url}/finalise").status_code == 302
    assert db.session.scalar(select(YearReview.status)) == "published"


def test_rules_are_data_a_new_rule_needs_no_code(client, org, county, history):
    round_ = _round(client, org, county)
    policy = dict(db.session.get(PromotionRound, round_.id).policy)
    # A new rule is a row of the form: its kind from the list, its value in a labelled field.
    policy["rules"] = policy["rules"] + [{"kind": "service_years", "params": {"at_least": 20}}]
    response = client.post(f"/hr/rounds/{round_.id}/policy", data=policy_data(policy))
    assert response.status_code == 302
    saved = db.session.get(PromotionRound, round_.id).policy
    assert saved["rules"][1] == {"key": "rule_1", "kind": "service_years", "params": {"at_least": "20"}}
    page = client.get(f"/hr/rounds/{round_.id}").get_data(as_text=True)
    assert not _eligible(page, "O1") and "at least 20 year(s) of service" in page  # hired 2020
    # Nonsense is refused with a message under its field, and nothing changes.
    before = db.session.get(PromotionRound, round_.id).policy
    response = client.post(f"/hr/rounds/{round_.id}/policy", data={"rules-0-kind": "astrology"})
    assert response.status_code == 422
    data = policy_data(before) | {"rules-0-months": "0", "rules-1-service": ""}
    response = client.post(f"/hr/rounds/{round_.id}/policy", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "must be a whole number from 1 to 120" in page and "fill this in" in page
    response = client.post(f"/hr/rounds/{round_.id}/policy", data={"rules-0-kind": ""})
    assert response.status_code == 422 and "Give the round at least one rule." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PromotionRound, round_.id).policy == before


def test_a_rule_reads_what_it_requires_and_what_the_officer_has(client, org, county, history):
    # Saving other numbers from the what-if: the rule's line says the numbers it now has, never the old ones.
    round_ = _round(client, org, county)
    assert client.post(f"/hr/rounds/{round_.id}/rules", data={"p-0-at_least": "1"}).status_code == 302
    page = client.get(f"/hr/rounds/{round_.id}?q=O3").get_data(as_text=True)
    assert "at least 1 monthly “Excellent” grades in the 12 months before the reference date: 3 “Excellent”" \
        in page and "at least 4" not in page
    # The what-if form names each value, shares in percent.
    page = client.get(f"/hr/rounds/{round_.id}").get_data(as_text=True)
    assert '<label>At least <input name="p-0-at_least" value="1"' in page
    zh = client.get(f"/hr/rounds/{round_.id}?q=O3", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "基准日前 12 个月内至少 1 个月度“优秀”：2025-11 至 2026-10 共 3 个“优秀” " in zh


def test_bad_annual_input_changes_nothing(app, client, org, county, history):
    url = _year(app, client, org, county, finalise=False)
    before = state_counts()
    for points in ("0", "25", "abc"):
        response = client.post(f"{url}/adjustments", data={"person": county.officers["O1"].badge, "points": points,
                                                          "reason": "x"})
        assert response.status_code == 302
    client.post(f"{url}/adjustments", data={"person": "nobody", "points": "3", "reason": "x"})
    assert state_counts() == before
    # A bonus needs a final year; a pool of nothing is refused too.
    client.post("/sign-out")
    sign_in(client, org["hr_a"].badge)
    response = client.post(f"/hr/bonus/{county.unit.id}/2026", data={"amount": "10000"})
    assert response.status_code == 422 and "not final" in response.get_data(as_text=True)
    assert client.post(f"/hr/bonus/{county.unit.id}/2026", data={"amount": "-5"}).status_code == 422
    assert state_counts() == before


def test_the_round_reads_the_same_few_statements_however_many_officers(app, org, county, history):
    """A round over a province named 100,000 officers in one statement, past PostgreSQL's limit of 65,535
    parameters (HTTP 500). The officers are now chosen inside the statements: the parameters of every statement
    stay the same whether the subtree holds ten officers or forty."""
    from sqlalchemy import event
    from tests.factories import make_person
    from worklog.annual import rounds

    def largest_statement():
        seen = []

        def count(_conn, _cursor, _statement, parameters, _context, executemany):
            seen.append(0 if executemany else len(parameters or ()))
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            judged = rounds.judge(rounds.DEFAULT_POLICIES["competitive_promotion"], org.city_a, history[-1])
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(judged), max(seen), len(seen)

    few = largest_statement()
    from datetime import date
    from models import Assignment
    for n in range(30):
        extra = make_person(f"X{n:03d}", f"Extra {n}")
        # Written straight into the county's sealed year, as the history itself is: the service refuses a
        # placement dated into final months.
        db.session.add(Assignment(person_id=extra.id, department_id=county.department.id, post_id=org.post.id,
                                  valid_from=date(2026, 1, 1)))
    db.session.commit()
    many = largest_statement()
    assert many[0] == few[0] + 30
    assert many[1:] == few[1:]


def test_the_bonus_page_is_named_as_the_link_to_it(client, org):
    """The pool shared by grade is a bonus (奖金), not the month's bonus points (加分)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    sign_in(client, org["hr_a"].badge)
    hr = client.get("/hr").get_data(as_text=True)
    page = client.get(f"/hr/bonus/{org.city_a.id}/2025").get_data(as_text=True)
    assert "2025年度绩效奖金</a>" in hr
    assert "<title>绩效奖金 · " in page and "<h1>绩效奖金 · City A 2025</h1>" in page and "加分" not in page


@pytest.mark.parametrize("policy", ["warning_talk", "removal"])
def test_hr_makes_warning_and_removal_rounds_too(client, org, county, history, policy):
    """The warning-talk and removal lists are judged, frozen and published as rounds, so other systems read
    them from the published lists (GET /api/v1/published-lists)."""
    round_ = _round(client, org, county, policy)
    assert round_.policy["rules"][0]["kind"] == "bottom_percentile"
    assert client.get(f"/hr/rounds/{round_.id}").status_code == 200


def test_the_rounding_of_a_share_is_a_rule_parameter_on_the_form(client, org, county, history):
    """The post-promotion round's top 30% rounded up in groups of at least 5: saved as the rule's parameters,
    said in the rule's line; rounded down again, the parameter is left out, so the policy reads as before."""
    round_ = _round(client, org, county)
    policy = {"rules": [{"key": "annual_top_30", "kind": "annual_percentile",
                         "params": {"max_percentile": "0.30", "years": 1, "scope": "unit_sequence"}}],
              "tie_breakers": [{"kind": "annual_score", "params": {}}]}
    data = policy_data(policy) | {"rules-0-rounding": "up", "rules-0-min_group": "5"}
    assert client.post(f"/hr/rounds/{round_.id}/policy", data=data).status_code == 302
    saved = db.session.get(PromotionRound, round_.id).policy
    assert saved["rules"][0]["params"] == {"max_percentile": "0.3", "years": "1", "scope": "unit_sequence",
                                           "rounding": "up", "min_group": "5"}
    page = client.get(f"/hr/rounds/{round_.id}").get_data(as_text=True)
    assert "places rounded up, in groups of at least 5" in page
    refused = client.post(f"/hr/rounds/{round_.id}/policy", data=data | {"rules-0-rounding": "sideways"})
    assert refused.status_code == 422
    assert client.post(f"/hr/rounds/{round_.id}/policy", data=policy_data(policy)).status_code == 302
    assert "rounding" not in db.session.get(PromotionRound, round_.id).policy["rules"][0]["params"]


def test_the_years_rules_and_bonus_coefficients_come_from_its_rule_set(app, client, org, county, history):
    """A rule set from 2027 (excellent from 80, an excellent coefficient of 2.00) leaves 2026 as it was: nobody
    reaches 90, so nobody is excellent, and the bonus is shared by 2026's coefficients (1.30, 1.00, 0.70, 0). With
    2026's own rule set asking 80 for excellent, computed again, the best two of the ten (the 20% quota) are
    excellent; the pool shared before keeps the coefficients it used."""
    from tests.units.conftest import rule_set
    rule_set(date(2027, 1, 1), annual_excellent_min="80.00", bonus_excellent="2.00")
    db.session.commit()
    _year(app, client, org, county)
    graded = {r.person.name: (r.final_grade, r.score) for r in db.session.scalars(select(YearResult))}
    assert "excellent" not in {grade for grade, _score in graded.values()}
    client.post("/sign-out")
    sign_in(client, org["hr_a"].badge)
    assert client.post(f"/hr/bonus/{county.unit.id}/2026", data={"amount": "10000"}).status_code == 302
    pool = db.session.scalar(select(BonusPool))
    assert pool.coefficients == {"excellent": "1.30", "competent": "1.00", "basic": "0.70", "incompetent": "0.00"}
    rule_set(date(2026, 1, 1), annual_excellent_min="80.00")
    db.session.commit()
    review = db.session.scalar(select(YearReview))
    from worklog.annual import services as annual
    review.status = "computed"  # as before publication: computed again under the year's rules
    annual.compute_year(review, None)
    db.session.commit()
    again = {r.person.name: r.final_grade for r in db.session.scalars(select(YearResult))}
    # O1 84.50 (3 × 95 + 7 × 80 over ten months), O3 83.90 (3 × 93 + 7 × 80), O2 82.80; the quota is 2 of 10.
    assert {name for name, grade in again.items() if grade == "excellent"} == {"O1", "O3"}
    assert db.session.scalar(select(BonusPool)).coefficients["excellent"] == "1.30"  # the pool keeps its own
