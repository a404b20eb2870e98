"""A month's bonus pool: shared over the subtree's final monthly results by grade coefficient × score, exact to the
cent, within the spread the rule set allows; refused, with nothing saved, when it cannot be."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, select

from models import AuditEvent, BonusPool, BonusShare, MonthResult, MonthReview, Role
from tests.factories import make_person, sign_in, state_counts
from tests.units.conftest import rule_set
from worklog.extensions import db

OCTOBER = date(2026, 10, 1)

#: badge → (final grade, monthly score). Weights (coefficient × score, the default coefficients):
#: M1 1.3 × 96.50 = 125.45; M2 1.0 × 84.25 = 84.25; M3 1.0 × 77.00 = 77.00; M4 0.7 × 63.10 = 44.17; M5 0 × 58 = 0.
#: Total 330.87.
GRADES = {"M1": ("excellent", "96.50"), "M2": ("competent", "84.25"), "M3": ("competent", "77.00"),
          "M4": ("basic", "63.10"), "M5": ("incompetent", "58.00")}

#: A pool of 10,000.00 (1,000,000 cents), worked out by hand:
#:   exact shares 1,000,000 × weight ÷ 330.87 cents: M1 379,151.93…, M2 254,631.73…, M3 232,719.80…, M4 133,496.54…,
#:   M5 0; rounded down: 3,791.51 + 2,546.31 + 2,327.19 + 1,334.96 + 0.00 = 9,999.97, three cents short;
#:   the three cents go to the largest remainders: M1 (.93), M3 (.80), M2 (.73); M4 (.54) gets none.
EXPECTED = {"M1": Decimal("3791.52"), "M2": Decimal("2546.32"), "M3": Decimal("2327.20"), "M4": Decimal("1334.96"),
            "M5": Decimal("0.00")}


def _month(unit, department, post, people: dict, month: date, status: str = "final") -> MonthReview:
    review = MonthReview(unit_id=unit.id, month=month, status=status, reopened=0)
    db.session.add(review)
    db.session.flush()
    rows = []
    for badge, person in people.items():
        grade, score = GRADES[badge]
        rows.append({"month_review_id": review.id, "person_id": person.id, "department_id": department.id,
                     "sequence_id": post.sequence_id, "post_id": post.id, "approved_points": Decimal("400"),
                     "target_points": Decimal("400"), "missing_days": 0, "late_days": 0, "returned_entries": 0,
                     "reduced_entries": 0, "discipline_deductions": Decimal("0"), "quality_deductions": Decimal("0"),
                     "commendations": Decimal("0"), "base": Decimal("30"), "workload": Decimal("50"),
                     "quality": Decimal("20"), "bonus": Decimal("0"), "score": Decimal(score), "veto": False,
                     "rank": 1, "group_size": 5, "quota": 1, "proposed_grade": grade, "final_grade": grade,
                     "explanation": {}})
    db.session.execute(insert(MonthResult), rows)
    return review


@pytest.fixture
def five(app, org):
    """Five officers of county A with a final October 2026 (and a final September, with the same grades)."""
    people = {badge: make_person(f"77{i:04d}", badge, org.dept_a, org.post) for i, badge in enumerate(GRADES, 1)}
    _month(org.county_a, org.dept_a, org.post, people, OCTOBER)
    _month(org.county_a, org.dept_a, org.post, people, date(2026, 9, 1))
    db.session.commit()
    return people


def _shares(pool: BonusPool) -> dict[str, Decimal]:
    return {s.person.name: s.amount for s in db.session.scalars(select(BonusShare).where(BonusShare.pool_id == pool.id))}


@pytest.mark.postgres  # the spreads' GROUP BY and the amounts' numerics
def test_a_month_pool_is_shared_exactly_as_worked_out_by_hand(client, org, five):
    sign_in(client, org["hr_a"].badge)
    url = f"/hr/bonus/{org.county_a.id}/months/2026-10"
    response = client.post(url, data={"amount": "10000.00", "note": "October"})
    assert response.status_code == 302, response.get_data(as_text=True)
    pool = db.session.scalar(select(BonusPool))
    assert (pool.unit_id, pool.year, pool.month, pool.amount) == (org.county_a.id, 2026, OCTOBER, Decimal("10000.00"))
    assert pool.coefficients == {"excellent": "1.30", "competent": "1.00", "basic": "0.70", "incompetent": "0.00"}
    shares = _shares(pool)
    assert shares == EXPECTED
    assert sum(shares.values()) == Decimal("10000.00")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "bonus.distributed"))
    assert event.after == {"year": 2026, "month": "2026-10", "amount": "10000.00", "officers": 5}

    page = client.get(url).get_data(as_text=True)
    assert "3,791.52" in page and "1,334.96" in page
    # The spread: highest 3,791.52, lowest 0.00 (M5, coefficient 0), lowest paid 1,334.96: 2.84 times.
    assert "Spread" in page and "3,791.52" in page and "2.84" in page
    book = load_workbook(io.BytesIO(client.get(url + "?export=1").data))
    rows = list(book["2026-10"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], Decimal(str(r[4])).quantize(Decimal("0.01"))) for r in rows] == \
        [(badge, EXPECTED[badge]) for badge in ("M1", "M2", "M3", "M4", "M5")]
    spread = dict(book["Spread"].iter_rows(min_row=2, values_only=True))
    assert spread["Highest"] == 3791.52 and spread["Lowest share above 0"] == 1334.96 and spread["Spread"] == 3791.52

    # The year's page lists the month's pool, and shows no year's pool (none was shared).
    year = client.get(f"/hr/bonus/{org.county_a.id}/2026").get_data(as_text=True)
    assert "10,000.00" in year and "2.84" in year and "2026-10" in year
    assert "2,546.32" not in year  # the month's shares are on the month's page, not as the year's
    book = load_workbook(io.BytesIO(client.get(f"/hr/bonus/{org.county_a.id}/2026?export=1").data))
    months = {r[0]: r for r in book["Months"].iter_rows(min_row=2, values_only=True)}
    assert months["2026-10"][2] == 10000 and months["2026-10"][3] == 5 and months["2026-10"][7] == 2.84
    assert months["2026-09"][2] is None

    # Shared again: the new pool stands, the earlier stays on record.
    assert client.post(url, data={"amount": "500.01"}).status_code == 302
    latest = db.session.scalar(select(BonusPool).order_by(BonusPool.id.desc()))
    assert sum(_shares(latest).values()) == Decimal("500.01")
    assert "500.01" in client.get(url).get_data(as_text=True)


def test_a_city_pool_shares_over_its_counties_and_waits_for_every_one(client, org, five):
    """HR over city A shares the city's pool over county A's officers (the city has none of its own); a county of
    the city whose month is not final stops it, named."""
    sign_in(client, org["hr_a"].badge)
    assert client.post(f"/hr/bonus/{org.city_a.id}/months/2026-10", data={"amount": "10000"}).status_code == 302
    pool = db.session.scalar(select(BonusPool))
    assert pool.unit_id == org.city_a.id and _shares(pool) == EXPECTED

    from worklog.admin import services as admin
    county = admin.create_unit(org.city_a, {"code": "CA9", "name": "County A9"}, None)
    station = admin.create_department(county, {"code": "PCS", "name": "Station A9"}, None)
    make_person("779999", "Newcomer", station, org.post)
    db.session.commit()
    before = state_counts()
    response = client.post(f"/hr/bonus/{org.city_a.id}/months/2026-10", data={"amount": "10000"})
    assert response.status_code == 422
    assert "County A9 (not opened)" in response.get_data(as_text=True)
    assert state_counts() == before
    assert "County A9" in client.get(f"/hr/bonus/{org.city_a.id}/months/2026-10").get_data(as_text=True)


@pytest.mark.parametrize("amount", ["-5", "0", "100.005", "0.001", "abc", "1e999999", "NaN", ""])
def test_a_bad_amount_is_refused_and_nothing_is_saved(client, org, five, amount):
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    response = client.post(f"/hr/bonus/{org.county_a.id}/months/2026-10", data={"amount": amount})
    assert response.status_code == 422
    assert state_counts() == before


def test_the_service_refuses_a_fraction_of_a_cent_rather_than_rounding_it(app, org, five):
    from worklog.annual.bonuses import create_month_pool
    from worklog.errors import ServiceError
    for amount in ("100.005", "-1", "0", "Infinity", "1000000000000"):
        with pytest.raises(ServiceError) as refused:
            create_month_pool(org.county_a, OCTOBER, amount, "", org["hr_a"])
        assert refused.value.field == "amount"
    db.session.rollback()


def test_a_month_not_final_is_refused(client, org, five):
    from worklog import integrity
    integrity.allow_reopening(db.session)  # let PostgreSQL's guard of sealed months through (migration 0011)
    review = db.session.scalar(select(MonthReview).where(MonthReview.month == OCTOBER))
    review.status = "published"
    db.session.commit()
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    response = client.post(f"/hr/bonus/{org.county_a.id}/months/2026-10", data={"amount": "10000"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "2026-10 is not final for County A1 (published, not final)" in text
    assert state_counts() == before
    # A month nobody opened: the county is named as not opened.
    response = client.post(f"/hr/bonus/{org.county_a.id}/months/2026-11", data={"amount": "10000"})
    assert response.status_code == 422 and "County A1 (not opened)" in response.get_data(as_text=True)
    assert state_counts() == before


def test_a_spread_beyond_the_rule_sets_limit_is_refused(client, org, five):
    """From October, the rule set allows the highest share at most 2.50 times the lowest paid: October's 2.84 is
    refused whatever the pool; September keeps the earlier rule set (no limit field at all: no limit)."""
    from models import RuleSet
    db.session.add(RuleSet(valid_from=date(2026, 1, 1), values={"bonus_excellent": "1.30"}))  # stored without it
    rule_set(OCTOBER, bonus_max_ratio="2.50")
    db.session.commit()
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    for amount in ("10000.00", "99.99"):
        response = client.post(f"/hr/bonus/{org.county_a.id}/months/2026-10", data={"amount": amount})
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert "2.84 times the lowest, beyond the 2.50 times the rule set allows" in text
    assert state_counts() == before
    assert "at most 2.50 times the lowest share above 0" in \
        client.get(f"/hr/bonus/{org.county_a.id}/months/2026-10").get_data(as_text=True)
    # September: the rule set stored without the field shares exactly as before.
    assert client.post(f"/hr/bonus/{org.county_a.id}/months/2026-09", data={"amount": "10000.00"}).status_code == 302
    assert _shares(db.session.scalar(select(BonusPool))) == EXPECTED


def test_a_spread_within_the_limit_is_shared(client, org, five):
    rule_set(OCTOBER, bonus_max_ratio="3.00")
    db.session.commit()
    sign_in(client, org["hr_a"].badge)
    assert client.post(f"/hr/bonus/{org.county_a.id}/months/2026-10", data={"amount": "10000.00"}).status_code == 302
    assert _shares(db.session.scalar(select(BonusPool))) == EXPECTED


def test_a_pool_nobody_can_be_paid_from_is_refused(client, org, app):
    people = {"M5": make_person("770009", "M5", org.dept_a, org.post)}
    _month(org.county_a, org.dept_a, org.post, people, OCTOBER)
    db.session.commit()
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    response = client.post(f"/hr/bonus/{org.county_a.id}/months/2026-10", data={"amount": "100"})
    assert response.status_code == 422 and "Nobody would get a share" in response.get_data(as_text=True)
    assert state_counts() == before


def test_only_hr_over_the_unit_shares_or_reads_a_month_pool(client, org, five):
    hr_b = make_person("300004", "HR B", org.dept_b, org.post, roles={Role.hr.value: org.city_b})
    db.session.commit()
    url = f"/hr/bonus/{org.county_a.id}/months/2026-10"
    before = state_counts()
    for badge in (hr_b.badge, org["officer_a"].badge, org["panel_a"].badge, org["admin_a"].badge):
        sign_in(client, badge)
        assert client.get(url).status_code == 404, badge
        assert client.get(url + "?export=1").status_code == 404, badge
        assert client.post(url, data={"amount": "10000"}).status_code == 404, badge
        client.post("/sign-out")
    assert state_counts() == before
    sign_in(client, org["hr_a"].badge)
    assert client.get(url).status_code == 200
    assert client.get(f"/hr/bonus/{org.county_a.id}/months/2026-13").status_code == 404
    assert client.get(f"/hr/bonus/{org.county_a.id}/months/nonsense").status_code == 404


def test_the_service_checks_hr_scope_itself(app, org, five):
    from worklog.annual.bonuses import create_month_pool
    from worklog.errors import ServiceError
    with pytest.raises(ServiceError):
        create_month_pool(org.county_a, OCTOBER, "100", "", org["panel_a"])
    db.session.rollback()


def test_the_spread_limit_counts_the_lowest_share_above_zero():
    from worklog.annual.bonuses import Spread, within_spread
    from worklog.errors import ServiceError
    amounts = [Decimal("300.00"), Decimal("100.00"), Decimal("0.00")]
    assert Spread.of(amounts) == Spread(Decimal("300.00"), Decimal("0.00"), Decimal("300.00"), Decimal("100.00"),
                                        Decimal("3.00"))
    within_spread(amounts, Decimal("0"))      # no limit
    within_spread(amounts, Decimal("3.00"))   # exactly at the limit
    with pytest.raises(ServiceError):
        within_spread(amounts, Decimal("2.99"))
    within_spread([Decimal("0.00")], Decimal("1.00"))  # nobody paid: nothing to compare
    assert Spread.of([]).ratio is None


def test_a_years_pool_over_a_review_without_results_is_refused(client, org):
    """As a month's: a final annual review nobody has a result in pays nobody, and nothing is saved."""
    from models import YearReview
    db.session.add(YearReview(unit_id=org.county_a.id, year=2025, status="final", reopened=0))
    db.session.commit()
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    response = client.post(f"/hr/bonus/{org.county_a.id}/2025", data={"amount": "5000.00", "note": "x"})
    assert response.status_code == 422 and "No officer has a result" in response.text
    assert state_counts() == before and db.session.scalar(select(BonusPool)) is None
