"""The queue and the calling view: the one page with a full number; outcomes final; dissatisfied answers
followed up; follow-ups answered by the unit; who sees what."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from models import AuditEvent, SurveyCall, SurveyContact, SurveyDraw, SurveyFollowUp
from tests.factories import row_counts, sign_in
from tests.survey.conftest import NUMBER, add_contacts
from worklog.extensions import db
from worklog.survey import services

def _saved() -> dict[str, int]:
    """Row counts, the audit of numbers shown left out (a refused form shows the number again, audited)."""
    counts = row_counts()
    counts["audit_event"] = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action != "survey.number_shown"))
    return counts


def _record(client, call, outcome="satisfied", comment="", version=None):
    return client.post(f"/survey/calls/{call.id}", data={
        "outcome": outcome, "comment": comment, "version": call.version if version is None else version})


def test_only_the_calling_view_shows_the_number(client, staff, drawn):
    for path in ("/survey/", "/survey/contacts", f"/survey/draws/{drawn.draw_id}", "/survey/draws"):
        page = client.get(path).get_data(as_text=True)
        assert NUMBER not in page and "4321" in page or path == "/survey/draws", path
        assert NUMBER not in page
    queue = client.get("/survey/").get_data(as_text=True)
    assert "****4321" in queue and f"/survey/calls/{drawn.id}" in queue
    response = client.get(f"/survey/calls/{drawn.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and NUMBER in page and "Complainant 0" in page
    assert "complaint or petition" in page                       # the complaints group's script
    assert response.headers["Cache-Control"] == "no-store"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.number_shown"))
    assert event.object_id == drawn.id and event.actor_id == staff["survey_a"].id
    assert NUMBER not in str(event.after) and "4321" not in str(event.after)


def test_an_outcome_is_recorded_once(client, staff, drawn):
    response = _record(client, drawn, "basic", "Polite, but slow.")
    assert response.status_code == 302 and response.location == "/survey/"  # no other call waits: the queue
    call = db.session.get(SurveyCall, drawn.id)
    assert call.outcome == "basic" and call.comment == "Polite, but slow." and call.called_by_id == staff["survey_a"].id
    assert db.session.scalar(select(func.count()).select_from(SurveyFollowUp)) == 0
    before = row_counts()
    response = _record(client, call, "dissatisfied")
    assert response.status_code == 409 and "already been recorded" in response.get_data(as_text=True)
    assert row_counts() == before and db.session.get(SurveyCall, drawn.id).outcome == "basic"
    # Once recorded, the number is not shown any more.
    assert NUMBER not in client.get(f"/survey/calls/{drawn.id}").get_data(as_text=True)


def test_a_stale_form_answers_409(client, new_client, staff, drawn):
    opened = db.session.get(SurveyCall, drawn.id).version
    other = new_client()
    sign_in(other, staff["survey"].badge)
    assert _record(other, drawn, "refused").status_code == 302
    before = row_counts()
    response = _record(client, drawn, "satisfied", version=opened)
    assert response.status_code == 409
    assert row_counts() == before and db.session.get(SurveyCall, drawn.id).outcome == "refused"


def test_the_version_column_catches_a_change_made_meanwhile(app, staff, drawn):
    call = db.session.get(SurveyCall, drawn.id)
    assert call.version == 1
    db.session.execute(update(SurveyCall).where(SurveyCall.id == call.id).values(version=2)
                       .execution_options(synchronize_session=False))
    with pytest.raises(StaleDataError):
        services.record_outcome(call, "satisfied", "", staff["survey_a"])
    db.session.rollback()


def test_refused_outcomes(client, staff, drawn):
    before = _saved()
    shown = before["audit_event"] - row_counts()["audit_event"]
    assert _record(client, drawn, "maybe").status_code == 422
    assert _record(client, drawn, "satisfied", "x" * 1001).status_code == 422
    assert _saved() == before and db.session.get(SurveyCall, drawn.id).outcome is None
    assert row_counts()["audit_event"] - _saved()["audit_event"] == 2 - shown


def test_an_erased_contact_cannot_be_called(client, staff, drawn):
    db.session.execute(update(SurveyContact).values(name="", phone_cipher=None, phone_hash=None, phone_last4="",
                                                    erased_at=func.now()))
    db.session.commit()
    page = client.get(f"/survey/calls/{drawn.id}").get_data(as_text=True)
    assert "cannot be made" in page and NUMBER not in page
    before = row_counts()
    response = _record(client, drawn)
    assert response.status_code == 422 and "cannot be made" in response.get_data(as_text=True)
    assert row_counts() == before


def test_dissatisfied_opens_a_follow_up_due_in_five_working_days(client, staff, drawn):
    assert _record(client, drawn, "dissatisfied", "Nobody called me back.").status_code == 302
    follow_up = db.session.scalar(select(SurveyFollowUp))
    assert follow_up.call_id == drawn.id and follow_up.unit_id == staff.county_a.id
    # Called Tuesday 29 September: Wed 30 (1); 1–7 October National Day, the weekend between;
    # Thu 8 (2), Fri 9 (3), Saturday 10 worked in exchange (4), Mon 12 (5).
    assert follow_up.deadline == date(2026, 10, 12)


def test_the_units_panel_is_told_of_a_follow_up(client, new_client, staff, drawn):
    from models import Notification
    assert _record(client, drawn, "dissatisfied", "Call me on 13987654321").status_code == 302
    follow_up = db.session.scalar(select(SurveyFollowUp))
    told = list(db.session.scalars(select(Notification)))
    # The panel of county A answers for it; the city's administrator and the survey staff are not told.
    assert [n.person_id for n in told] == [staff["panel_a"].id]
    assert told[0].params["kind"] == "complaint" and told[0].params["deadline"] == "2026-10-12"
    panel = new_client()
    sign_in(panel, staff["panel_a"].badge)
    page = panel.get("/notifications").get_data(as_text=True)
    assert "Complaint" in page and "2026-10-12" in page and f"/survey/follow-ups/{follow_up.id}" in page
    assert NUMBER not in page and "Complainant" not in page


def test_the_unit_replies_to_a_follow_up_once(client, new_client, staff, drawn):
    assert _record(client, drawn, "dissatisfied", "Nobody called me back.").status_code == 302
    follow_up = db.session.scalar(select(SurveyFollowUp))
    # The survey staff read it, but do not answer it.
    page = client.get("/survey/follow-ups").get_data(as_text=True)
    assert "Nobody called me back." in page and "****4321" in page and NUMBER not in page
    assert client.post(f"/survey/follow-ups/{follow_up.id}", data={"reply": "x"}).status_code == 403
    unit = new_client()
    sign_in(unit, staff["admin_a"].badge)
    page = unit.get("/survey/follow-ups").get_data(as_text=True)
    assert "Complainant 0" in page and "****4321" in page and "Nobody called me back." in page and NUMBER not in page
    before = row_counts()
    response = unit.post(f"/survey/follow-ups/{follow_up.id}", data={"reply": "  ", "version": 1})
    assert response.status_code == 422 and row_counts() == before
    response = unit.post(f"/survey/follow-ups/{follow_up.id}", data={"reply": "x" * 2001, "version": 1})
    assert response.status_code == 422
    response = unit.post(f"/survey/follow-ups/{follow_up.id}",
                         data={"reply": "We called the complainant and apologised.", "version": 1})
    assert response.status_code == 302
    follow_up = db.session.get(SurveyFollowUp, follow_up.id)
    assert follow_up.reply == "We called the complainant and apologised."
    assert follow_up.replied_by_id == staff["admin_a"].id and follow_up.replied_at is not None
    before = row_counts()
    response = unit.post(f"/survey/follow-ups/{follow_up.id}", data={"reply": "Again.", "version": follow_up.version})
    assert response.status_code == 409 and row_counts() == before
    assert "apologised" in client.get(f"/survey/follow-ups/{follow_up.id}").get_data(as_text=True)
    # The county's panel answers too; overdue shows once the deadline has passed.
    panel = new_client()
    sign_in(panel, staff["panel_a"].badge)
    assert panel.get(f"/survey/follow-ups/{follow_up.id}").status_code == 200


def test_overdue_follow_ups_are_flagged(client, staff, drawn, app):
    assert _record(client, drawn, "dissatisfied", "Nobody came.").status_code == 302
    assert "overdue" not in client.get("/survey/follow-ups?state=overdue").get_data(as_text=True).split("<table>")[1]
    app.config["FIXED_NOW"] = app.config["FIXED_NOW"] + timedelta(days=20)
    page = client.get("/survey/follow-ups?state=overdue").get_data(as_text=True)
    assert 'class="overdue">Overdue' in page


@pytest.mark.parametrize("who, queue, contacts, call, draw, follow_ups, follow_up", [
    ("officer_a", 403, 403, 403, 403, 403, 404),
    ("admin_a", 403, 403, 403, 403, 200, 200),       # the unit side: follow-ups only
    ("admin_b", 403, 403, 403, 403, 200, 404),       # another city's follow-ups only
    ("survey_b", 200, 200, 404, 404, 200, 404),      # survey staff of another county
    ("survey", 200, 200, 200, 200, 200, 200),        # the province's survey staff
])
def test_who_sees_what(client, new_client, staff, drawn, who, queue, contacts, call, draw, follow_ups, follow_up):
    assert _record(client, drawn, "dissatisfied", "Nobody came.").status_code == 302
    follow_up_id = db.session.scalar(select(SurveyFollowUp.id))
    # A second call to look at, still pending.
    add_contacts(staff.county_a, "petition", date(2026, 8, 15), ["13711112222"])
    assert client.post("/survey/draws", data={"unit": staff.county_a.id, "kind": "petition",
                                              "month": "2026-08"}).status_code == 302
    pending = db.session.scalar(select(SurveyCall).where(SurveyCall.outcome.is_(None)))
    other = new_client()
    sign_in(other, staff[who].badge)
    assert other.get("/survey/").status_code == queue
    assert other.get("/survey/contacts").status_code == contacts
    response = other.get(f"/survey/calls/{pending.id}")
    assert response.status_code == call
    if call != 200:
        assert "13711112222" not in response.get_data(as_text=True)
    assert other.get(f"/survey/draws/{pending.draw_id}").status_code == draw
    assert other.get("/survey/follow-ups").status_code == follow_ups
    assert other.get(f"/survey/follow-ups/{follow_up_id}").status_code == follow_up
    if follow_ups == 200 and follow_up == 404:
        assert "****4321" not in other.get("/survey/follow-ups").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyDraw)) == 2


def test_comments_and_replies_never_hold_a_phone_number(client, new_client, staff, drawn):
    assert _record(client, drawn, "dissatisfied", "Asked to be called on 13987654321 instead.").status_code == 302
    call = db.session.get(SurveyCall, drawn.id)
    assert call.comment == "Asked to be called on ****4321 instead."
    unit = new_client()
    sign_in(unit, staff["admin_a"].badge)
    follow_up = db.session.scalar(select(SurveyFollowUp))
    assert "****4321" in unit.get(f"/survey/follow-ups/{follow_up.id}").get_data(as_text=True)
    assert unit.post(f"/survey/follow-ups/{follow_up.id}",
                     data={"reply": "Called back on 0571-8765-4321.", "version": 1}).status_code == 302
    assert db.session.get(SurveyFollowUp, follow_up.id).reply == "Called back on ****4321."


def test_a_sealed_month_takes_no_outcome(client, staff, drawn):
    from models import EvaluationStatus, UnitEvaluationRun
    db.session.add(UnitEvaluationRun(period=date(2026, 8, 1), annual=False, status=EvaluationStatus.final.value,
                                     rules={}))
    db.session.commit()
    before = _saved()
    response = _record(client, drawn, "satisfied")
    assert response.status_code == 409
    assert "final: its calls can no longer be recorded" in response.get_data(as_text=True)
    assert _saved() == before and db.session.get(SurveyCall, drawn.id).outcome is None


def test_after_recording_a_call_the_next_one_in_the_queue_opens(client, staff, drawn):
    add_contacts(staff.county_a, "petition", date(2026, 8, 15), ["13711112222"])
    assert client.post("/survey/draws", data={"unit": staff.county_a.id, "kind": "petition",
                                              "month": "2026-08"}).status_code == 302
    second = db.session.scalar(select(SurveyCall).where(SurveyCall.id != drawn.id))
    response = _record(client, drawn, "satisfied")
    assert response.status_code == 302 and response.location == f"/survey/calls/{second.id}"
    response = _record(client, db.session.get(SurveyCall, second.id), "basic", "Slow.")
    assert response.status_code == 302 and response.location == "/survey/"


def test_the_calling_view_dials_the_number_and_no_other_page_does(client, staff, drawn):
    page = client.get(f"/survey/calls/{drawn.id}").get_data(as_text=True)
    assert f'<a class="phone" href="tel:{NUMBER}">{NUMBER}</a>' in page
    for path in ("/survey/", "/survey/contacts", f"/survey/draws/{drawn.draw_id}"):
        assert "tel:" not in client.get(path).get_data(as_text=True), path
    _record(client, drawn, "satisfied")
    assert "tel:" not in client.get(f"/survey/calls/{drawn.id}").get_data(as_text=True)  # called: masked


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_dissatisfied_answer_needs_a_comment(client, staff, drawn, comment):
    before = _saved()
    response = _record(client, drawn, "dissatisfied", comment)
    assert response.status_code == 422
    message = "Say what the person was dissatisfied with: the unit follows it up."
    assert message in response.get_data(as_text=True)
    assert _saved() == before and db.session.get(SurveyCall, drawn.id).outcome is None
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    text = _record(client, drawn, "dissatisfied", comment).get_data(as_text=True)
    assert "请填写群众不满意的具体内容，以便单位跟进核查。" in text
    assert _saved() == before
