"""A round names the months (and years) its rules read that are not final for its units, and publishing it then
asks first: the confirmation repeats them, the service refuses without it, and the audit trail names them."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from models import AuditEvent, MonthReview, PromotionRound, YearReview
from tests.annual.publishing import publish
from tests.factories import sign_in, state_counts
from worklog import integrity
from worklog.annual import rounds
from worklog.errors import ServiceError
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _county_round(client, org, county) -> tuple[PromotionRound, str]:
    """County A2's competitive round at 2026-11-15 (its rules read 2025-11 … 2026-10, and 2025's annual score)."""
    sign_in(client, org["hr_a"].badge)
    response = client.post("/hr", data={"name": "County A2 promotion", "unit": county.unit.id,
                                        "reference_date": "2026-11-15", "policy": "competitive_promotion"})
    assert response.status_code == 302, response.get_data(as_text=True)
    round_ = db.session.scalar(select(PromotionRound))
    return round_, f"/hr/rounds/{round_.id}"


@pytest.fixture
def october_published(app, county, history):
    """County A2's twelve months are final but October 2026, published and not final yet; its year 2025 final."""
    db.session.add(YearReview(unit_id=county.unit.id, year=2025, status="final", reopened=0))
    integrity.allow_reopening(db.session)  # the history is written straight into the tables, sealed rows too
    db.session.execute(update(MonthReview).where(MonthReview.unit_id == county.unit.id,
                                                 MonthReview.month == date(2026, 10, 1)).values(status="published"))
    db.session.commit()


def test_the_month_not_final_is_named_and_publishing_asks_first(client, org, county, october_published):
    round_, url = _county_round(client, org, county)
    page = client.get(url).get_data(as_text=True)
    assert "Months not final" in page
    assert "<li>2026-10 · published, not final: County A2 (10 officers)</li>" in page
    assert "2026-09" not in page and "annual review" not in page  # final ones are not named

    confirm = client.get(f"{url}/publish").get_data(as_text=True)
    assert "1 period the round&#39;s rules read is not final for some of its units" in confirm
    assert "<li>2026-10 · published, not final: County A2 (10 officers)</li>" in confirm
    assert "Publish without the periods not final" in confirm

    # The plain confirmation is not enough: nothing is done, the page names the month again.
    before = state_counts()
    refused = client.post(f"{url}/publish", data={"confirm": "yes"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "2026-10 · published, not final" in text
    assert "1 period the round&#39;s rules read is not final" in text
    assert state_counts() == before and db.session.get(PromotionRound, round_.id).status == "draft"

    # With the confirmation of that very month: published, and the audit trail says so.
    assert publish(client, url).status_code == 302
    assert db.session.get(PromotionRound, round_.id).status == "published"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.published"))
    assert event.after["periods_not_final"] == 1
    assert event.after["not_final"] == [{"period": "2026-10", "status": "published", "units": ["County A2"]}]
    # The audit trail's page words them, as the confirmation did.
    client.post("/sign-out")
    sign_in(client, org["root_admin"].badge)
    assert "2026-10 · published, not final: County A2" in client.get("/admin/audit").get_data(as_text=True)


def test_the_service_refuses_without_the_confirmation_of_those_periods(app, client, org, county, october_published):
    round_, _url = _county_round(client, org, county)
    hr = org["hr_a"]
    missing = rounds.not_final(round_)
    assert [(m.code, m.status, m.officers) for m in missing] == [("2026-10", "published", 10)]
    for data in (None, {}, {"not_final": "something else"}):
        with pytest.raises(rounds.NotFinalUnconfirmed):
            rounds.publish_round(round_, data, hr)
        db.session.rollback()
    token = rounds.not_final_token(missing)
    # A month that stops being final after the page was read is not covered by the confirmation given then.
    integrity.allow_reopening(db.session)
    db.session.execute(update(MonthReview).where(MonthReview.month == date(2026, 9, 1)).values(status="computed"))
    with pytest.raises(ServiceError):
        rounds.publish_round(round_, {"not_final": token}, hr)
    db.session.rollback()
    assert rounds.publish_round(round_, {"not_final": token}, hr) == 10


def test_a_round_whose_periods_are_all_final_publishes_as_before(client, org, county, october_published):
    integrity.allow_reopening(db.session)
    db.session.execute(update(MonthReview).values(status="final"))
    db.session.commit()
    round_, url = _county_round(client, org, county)
    assert "Months not final" not in client.get(url).get_data(as_text=True)
    confirm = client.get(f"{url}/publish").get_data(as_text=True)
    assert 'name="not_final"' not in confirm and "Publish and freeze the list" in confirm
    assert client.post(f"{url}/publish", data={"confirm": "yes"}).status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.published"))
    assert event.after["periods_not_final"] == 0 and event.after["not_final"] == []


def test_units_without_a_month_opened_and_years_not_reviewed_are_named(client, org, county, history):
    """City A's round: County A1 never opened a month, and no year 2025 was reviewed anywhere."""
    sign_in(client, org["hr_a"].badge)
    client.post("/hr", data={"name": "City round", "unit": org.city_a.id, "reference_date": "2026-11-15",
                             "policy": "competitive_promotion"})
    round_ = db.session.scalar(select(PromotionRound))
    page = client.get(f"/hr/rounds/{round_.id}").get_data(as_text=True)
    assert "<li>2025-11 · not opened: County A1 (7 officers)</li>" in page
    assert "<li>2025 annual review · not opened: County A1 (7 officers), County A2 (10 officers)</li>" in page
    months = page[page.index("Months not final"):page.index("2025 annual review")]
    assert months.count("</li>") == 12 and "County A2" not in months  # its months are all final
