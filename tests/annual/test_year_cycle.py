"""The year's publish / appeal / decide / finalise cycle is the month's (worklog/cycle.py): the same refusals,
the same version check on a decision, the same statuses and audit."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models import AppealStatus, AuditEvent, YearAppeal, YearReview
from tests.annual.test_hr import _year
from tests.factories import sign_in, state_counts
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _appeal(client, org, county):
    review = db.session.scalar(select(YearReview))
    client.post("/sign-out")
    sign_in(client, county.officers["O5"].badge)
    assert client.post(f"/my/years/{review.id}", data={"reason": "A commendation is missing"}).status_code == 302
    client.post("/sign-out")
    sign_in(client, org["panel_a"].badge)
    return db.session.scalar(select(YearAppeal))


def test_a_year_appeal_decided_on_a_stale_page_is_refused_and_changes_nothing(app, client, org, county, history):
    _year(app, client, org, county, finalise=False)
    appeal = _appeal(client, org, county)
    assert appeal.status == AppealStatus.pending.value and appeal.version == 1
    stale = appeal.version
    # Someone else's decision lands first (the appeal's version moves on) …
    appeal.decision = "being looked at"
    db.session.commit()
    assert appeal.version == stale + 1
    before = state_counts()
    response = client.post(f"/year/appeals/{appeal.id}/decide", data={
        "version": str(stale), "outcome": "reject", "decision": "No record of it"}, follow_redirects=True)
    assert "Someone else changed this at the same time" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(YearAppeal, appeal.id).status == AppealStatus.pending.value
    assert state_counts() == before
    # … and the page's current version decides it.
    response = client.post(f"/year/appeals/{appeal.id}/decide", data={
        "version": str(stale + 1), "outcome": "reject", "decision": "No record of it"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(YearAppeal, appeal.id).status == AppealStatus.rejected.value


def test_the_year_refuses_as_the_month_does(app, client, org, county, history):
    url = _year(app, client, org, county, finalise=False)
    review = db.session.scalar(select(YearReview))
    # Someone with no result in the year cannot appeal it (the month refused this; the year did not).
    from worklog.annual import services
    from worklog.errors import ServiceError
    outsider = org["officer_b"]
    with pytest.raises(ServiceError) as refused:
        services.file_year_appeal(review, outsider, "not mine", outsider)
    assert refused.value.message
    db.session.rollback()
    # The finalise refusal names the day the appeal window ends, as the month's does.
    response = client.post(f"{url}/finalise", follow_redirects=True)
    assert "the year can be finalised from" in response.get_data(as_text=True)
    assert db.session.scalar(select(YearReview.status)) == "published"
    # Publishing and finalising are audited with the status before and after.
    app.config["FIXED_NOW"] = datetime(2026, 12, 10, 4, 0, tzinfo=timezone.utc)
    assert client.post(f"{url}/finalise").status_code == 302
    events = {e.action: e for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "year_review"))}
    assert events["year.published"].before["status"] == "computed"
    assert events["year.finalised"].after["status"] == "final"
    # A final year is sealed against computing and adjusting until it is reopened with a reason.
    before = state_counts()
    response = client.post(f"{url}/compute", follow_redirects=True)
    assert "This year is final and sealed." in response.get_data(as_text=True)
    assert state_counts() == before
    response = client.post(f"{url}/reopen", data={"reason": ""}, follow_redirects=True)
    assert "Give the reason for reopening the year." in response.get_data(as_text=True)
    assert client.post(f"{url}/reopen", data={"reason": "a late commendation"}).status_code == 302
    assert db.session.scalar(select(YearReview.status)) == "computed"


def test_month_and_year_run_one_cycle():
    from worklog.annual.services import YEAR
    from worklog.cycle import Period
    from worklog.monthly.services import MONTH
    assert isinstance(MONTH, Period) and isinstance(YEAR, Period)
    assert type(MONTH).publish is type(YEAR).publish
