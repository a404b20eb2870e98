"""Erasure at the end of the retention period: names and numbers go, calls and answers stay."""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from models import AuditEvent, SurveyCall, SurveyContact
from tests.factories import sign_in
from tests.survey.conftest import NOW, add_contacts, numbers
from worklog.extensions import db
from worklog.survey import phones, services

TODAY = date(2026, 9, 29)  # the pinned clock's day; the retention period is 365 days


def _run(runner, *args):
    with force_locale("en"):
        result = runner.invoke(args=["survey", "erase", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_erase_command(client, runner, staff, app):
    old = add_contacts(staff.county_a, "report_110", date(2025, 9, 28), numbers(3))       # 366 days old
    edge = add_contacts(staff.county_a, "report_110", date(2025, 9, 29), numbers(1, 10))  # exactly 365: kept
    # Drawn and called a year ago, when September 2025 had just ended.
    app.config["FIXED_NOW"] = NOW - timedelta(days=350)
    sign_in(client, staff["survey_a"].badge)
    assert client.post("/survey/draws", data={"unit": staff.county_a.id, "kind": "report_110",
                                              "month": "2025-09"}).status_code == 302
    call = db.session.scalar(select(SurveyCall).where(SurveyCall.contact_id == old[0].id))
    assert call is not None
    assert client.post(f"/survey/calls/{call.id}", data={"outcome": "satisfied", "version": call.version}).status_code == 302
    app.config["FIXED_NOW"] = NOW

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


def test_erasure_keeps_a_recently_called_hash_until_the_no_repeat_period_has_passed(client, staff, app):
    repeat = "13900000004"
    called_at = NOW - timedelta(days=100)
    app.config["FIXED_NOW"] = called_at
    old = add_contacts(staff.county_a, "complaint", date(2025, 9, 20), [repeat])
    sign_in(client, staff["survey_a"].badge)
    assert client.post("/survey/draws", data={"unit": staff.county_a.id, "kind": "complaint",
                                              "month": "2025-09"}).status_code == 302
    call = db.session.scalar(select(SurveyCall))
    assert client.post(f"/survey/calls/{call.id}", data={"outcome": "satisfied", "version": call.version}
                       ).status_code == 302
    # A year after the contact, 100 days after the call: name, number and reference go, the hash stays.
    app.config["FIXED_NOW"] = NOW
    assert services.erase_expired(TODAY) == 1
    db.session.commit()
    contact = db.session.get(SurveyContact, old[0].id)
    assert (contact.name, contact.phone_cipher, contact.phone_last4, contact.reference) == ("", None, "", "")
    assert contact.erased_at is not None and contact.phone_hash == phones.phone_hash(repeat)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.contacts_erased"))
    assert (event.after["erased"], event.after["hashes_kept"], event.after["hashes_cleared_later"]) == (1, 1, 0)
    # So the person is not drawn again within the period.
    august = add_contacts(staff.county_a, "petition", date(2026, 8, 3), [repeat] + numbers(2))
    assert client.post("/survey/draws", data={"unit": staff.county_a.id, "kind": "petition", "month": "2026-08",
                                              "sample_size": 10}).status_code == 302
    drawn = set(db.session.scalars(select(SurveyCall.contact_id).where(SurveyCall.id != call.id)))
    assert drawn == {august[1].id, august[2].id}
    # A later run, once the period has passed, clears the hash; it erases nobody more.
    app.config["FIXED_NOW"] = called_at + timedelta(days=181)
    assert services.erase_expired(TODAY + timedelta(days=81)) == 0
    db.session.commit()
    assert db.session.get(SurveyContact, old[0].id).phone_hash is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.contacts_erased")
                              .order_by(AuditEvent.id.desc()))
    assert (event.after["erased"], event.after["hashes_cleared_later"]) == (0, 1)
    assert services.erase_expired(TODAY + timedelta(days=81)) == 0                # and again: nothing


def test_no_number_is_shown_past_the_retention_period_before_the_erase_runs(client, staff, app):
    app.config["FIXED_NOW"] = NOW - timedelta(days=100)
    add_contacts(staff.county_a, "complaint", date(2025, 9, 20), ["13900000005"])
    sign_in(client, staff["survey_a"].badge)
    assert client.post("/survey/draws", data={"unit": staff.county_a.id, "kind": "complaint",
                                              "month": "2025-09"}).status_code == 302
    call = db.session.scalar(select(SurveyCall))
    assert "13900000005" in client.get(f"/survey/calls/{call.id}").get_data(as_text=True)
    # 374 days after the contact; the erase command has not run.
    app.config["FIXED_NOW"] = NOW
    assert db.session.get(SurveyContact, call.contact_id).erased_at is None
    page = client.get(f"/survey/calls/{call.id}").get_data(as_text=True)
    assert "13900000005" not in page and "cannot be made" in page
    response = client.post(f"/survey/calls/{call.id}", data={"outcome": "satisfied", "version": call.version})
    assert response.status_code == 422 and "cannot be made" in response.get_data(as_text=True)
    assert services.show_number(db.session.get(SurveyCall, call.id), staff["survey_a"]) is None
    # Nor drawn: the month's other contacts past the period are no candidates.
    add_contacts(staff.county_a, "petition", date(2025, 9, 20), numbers(2))
    assert services.candidates(staff.county_a.id, "petition", date(2025, 9, 1)) == []
    response = client.post("/survey/draws", data={"unit": staff.county_a.id, "kind": "petition",
                                                  "month": "2025-09"})
    assert response.status_code == 422 and "no contacts of this kind" in response.get_data(as_text=True)


def test_lists_show_a_contact_past_the_retention_period_as_erased_before_the_erase_runs(client, staff, app):
    add_contacts(staff.county_a, "complaint", date(2025, 9, 20), ["13900000005"], name="Oldname")   # 374 days
    add_contacts(staff.county_a, "complaint", date(2026, 9, 20), ["13900000006"], name="Newname")
    sign_in(client, staff["survey_a"].badge)
    page = client.get("/survey/contacts").get_data(as_text=True)
    assert "Oldname" not in page and "****0005" not in page and "erased" in page
    assert "Newname 0" in page and "****0006" in page
