"""Erasure at the end of the retention period: names and numbers go, calls and answers stay."""
from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from sqlalchemy import select

from models import AuditEvent, SurveyCall, SurveyContact
from tests.factories import sign_in
from tests.survey.conftest import add_contacts, numbers
from worklog.extensions import db
from worklog.survey import services

TODAY = date(2026, 9, 29)  # the pinned clock's day; the retention period is 365 days


def _run(runner, *args):
    with force_locale("en"):
        result = runner.invoke(args=["survey", "erase", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_erase_command(client, runner, staff):
    old = add_contacts(staff.county_a, "report_110", date(2025, 9, 28), numbers(3))       # 366 days old
    edge = add_contacts(staff.county_a, "report_110", date(2025, 9, 29), numbers(1, 10))  # exactly 365: kept
    sign_in(client, staff["survey_a"].badge)
    assert client.post("/survey/draws", data={"unit": staff.county_a.id, "kind": "report_110",
                                              "month": "2025-09"}).status_code == 302
    call = db.session.scalar(select(SurveyCall).where(SurveyCall.contact_id == old[0].id))
    assert call is not None
    assert client.post(f"/survey/calls/{call.id}", data={"outcome": "satisfied", "version": call.version}).status_code == 302

    assert "3 contact(s)" in _run(runner, "--dry-run")
    db.session.expire_all()
    assert db.session.get(SurveyContact, old[0].id).phone_cipher is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.contacts_erased")) is None

    assert "3 contact(s)" in _run(runner)
    db.session.expire_all()
    for contact in old:
        contact = db.session.get(SurveyContact, contact.id)
        assert (contact.name, contact.phone_cipher, contact.phone_hash, contact.phone_last4) == ("", None, None, "")
        assert contact.erased_at is not None
    kept = db.session.get(SurveyContact, edge[0].id)
    assert kept.phone_cipher is not None and kept.erased_at is None
    assert db.session.get(SurveyCall, call.id).outcome == "satisfied"   # the answer stays
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.contacts_erased"))
    assert event.after["erased"] == 3

    assert "0 contact(s)" in _run(runner)                              # idempotent
    # Lists show an erased contact as erased, with no number.
    page = client.get("/survey/contacts").get_data(as_text=True)
    assert "erased" in page and "—" in page


def test_erase_service_counts_only_expired(app, staff):
    add_contacts(staff.county_a, "window_traffic", date(2025, 1, 5), numbers(2))
    add_contacts(staff.county_a, "window_traffic", date(2026, 9, 1), numbers(2, 5))
    assert services.count_expired(TODAY) == 2
    assert services.erase_expired(TODAY) == 2
    db.session.commit()
    assert services.erase_expired(TODAY) == 0
    assert services.count_expired(TODAY) == 0
