"""Correcting a recorded outcome: with a reason, audited with both outcomes, follow-ups opened or withdrawn,
refused once the unit has answered or the month's units' evaluation is final."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import AuditEvent, EvaluationStatus, SurveyCall, SurveyFollowUp, UnitEvaluationRun
from tests.factories import row_counts, sign_in
from tests.survey.conftest import NUMBER
from tests.survey.test_calls import _record
from worklog.extensions import db


def _correct(client, call, outcome, reason="Misheard on the line.", comment="", version=None):
    call = db.session.get(SurveyCall, call.id)
    return client.post(f"/survey/calls/{call.id}/correct", data={
        "outcome": outcome, "comment": comment, "reason": reason,
        "version": call.version if version is None else version})


def _audit(action: str) -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc()))


def test_the_correction_page_shows_no_full_number(client, staff, drawn):
    assert client.get(f"/survey/calls/{drawn.id}/correct").status_code == 302  # not called yet: go and call
    assert _record(client, drawn, "satisfied").status_code == 302
    page = client.get(f"/survey/calls/{drawn.id}/correct").get_data(as_text=True)
    assert "****4321" in page and NUMBER not in page
    assert f"/survey/calls/{drawn.id}/correct" in client.get(f"/survey/draws/{drawn.draw_id}").get_data(as_text=True)


def test_to_dissatisfied_opens_a_follow_up_and_back_withdraws_it(client, staff, drawn):
    assert _record(client, drawn, "satisfied").status_code == 302
    assert _correct(client, drawn, "dissatisfied", comment="Nobody came.").status_code == 302
    call = db.session.get(SurveyCall, drawn.id)
    assert (call.outcome, call.comment) == ("dissatisfied", "Nobody came.")
    follow_up = db.session.scalar(select(SurveyFollowUp))
    assert follow_up.call_id == call.id and follow_up.deadline == date(2026, 10, 12)
    follow_up_id = follow_up.id
    event = _audit("survey.outcome_corrected")
    assert (event.before["outcome"], event.after["outcome"], event.reason) == ("satisfied", "dissatisfied",
                                                                              "Misheard on the line.")
    assert _correct(client, drawn, "basic", reason="Asked again: basically satisfied.").status_code == 302
    assert db.session.scalar(select(SurveyFollowUp)) is None
    withdrawn = _audit("survey.follow_up_withdrawn")
    assert withdrawn.object_id == follow_up_id and withdrawn.reason == "Asked again: basically satisfied."
    assert db.session.get(SurveyCall, drawn.id).outcome == "basic"


def test_refused_corrections_change_nothing(client, new_client, staff, drawn):
    assert _record(client, drawn, "dissatisfied", "Rude.").status_code == 302
    before = row_counts()
    assert _correct(client, drawn, "satisfied", reason="  ").status_code == 422            # no reason
    assert _correct(client, drawn, "maybe").status_code == 422                            # no such outcome
    assert _correct(client, drawn, "dissatisfied", comment="Rude.").status_code == 422     # nothing changes
    assert _correct(client, drawn, "satisfied", version=99).status_code == 409             # changed meanwhile
    assert row_counts() == before and db.session.get(SurveyCall, drawn.id).outcome == "dissatisfied"
    # Survey staff of another county do not find it; the unit side does not correct.
    other = new_client()
    sign_in(other, staff["survey_b"].badge)
    assert _correct(other, drawn, "satisfied").status_code == 404
    unit = new_client()
    sign_in(unit, staff["admin_a"].badge)
    assert _correct(unit, drawn, "satisfied").status_code == 403
    # Once the unit has answered, the dissatisfied answer stays.
    follow_up = db.session.scalar(select(SurveyFollowUp))
    assert unit.post(f"/survey/follow-ups/{follow_up.id}", data={"reply": "Apologised.", "version": 1}
                     ).status_code == 302
    before = row_counts()
    response = _correct(client, drawn, "satisfied")
    assert response.status_code == 422 and "already answered" in response.get_data(as_text=True)
    assert row_counts() == before


def test_a_final_evaluation_seals_the_months_calls(client, staff, drawn):
    assert _record(client, drawn, "satisfied").status_code == 302
    db.session.add(UnitEvaluationRun(period=date(2026, 8, 1), annual=False, status=EvaluationStatus.final.value,
                                     rules={}))
    db.session.commit()
    before = row_counts()
    response = _correct(client, drawn, "dissatisfied", comment="Nobody came.")
    assert response.status_code == 409 and "final" in response.get_data(as_text=True)
    assert row_counts() == before and db.session.get(SurveyCall, drawn.id).outcome == "satisfied"
    # A recorded (not final) run of the month does not: it is computed again.
    db.session.execute(UnitEvaluationRun.__table__.update().values(status=EvaluationStatus.recorded.value))
    db.session.commit()
    assert _correct(client, drawn, "dissatisfied", comment="Nobody came.").status_code == 302


def test_a_correction_keeps_the_previous_comment_and_holds_no_number(client, staff, drawn):
    assert _record(client, drawn, "dissatisfied", "Rude on the phone.").status_code == 302
    assert _correct(client, drawn, "dissatisfied", comment="Rude; call 13987654321 back.").status_code == 302
    assert db.session.get(SurveyCall, drawn.id).comment == "Rude; call ****4321 back."
    event = _audit("survey.outcome_corrected")
    assert event.before == {"outcome": "dissatisfied", "comment": "Rude on the phone."}
    assert event.after == {"outcome": "dissatisfied", "comment": "Rude; call ****4321 back."}
    assert _correct(client, drawn, "basic", comment="").status_code == 302
    event = _audit("survey.outcome_corrected")
    assert event.before["comment"] == "Rude; call ****4321 back." and event.after["comment"] == ""


def test_a_correction_to_dissatisfied_needs_a_comment(client, staff, drawn):
    assert _record(client, drawn, "satisfied").status_code == 302
    before = row_counts()
    response = _correct(client, drawn, "dissatisfied", comment=" ")
    assert response.status_code == 422
    message = "Say what the person was dissatisfied with: the unit follows it up."
    assert message in response.get_data(as_text=True)
    assert row_counts() == before and db.session.get(SurveyCall, drawn.id).outcome == "satisfied"
