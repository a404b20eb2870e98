"""The survey's loop closed (issue 14, point 7): the call back after the unit's reply, escalation of unresolved and
overdue cases to the unit above, the follow-up's states, a finding made of it, and praise heard on calls made a
commendation in the officer's month."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select
from werkzeug.routing import Rule

from models import (AuditEvent, MonthAdjustment, MonthResult, Notification, Role, SurveyCall, SurveyFollowUp,
                    SurveyPraise)
from tests.factories import make_person, row_counts, sign_in
from tests.survey.conftest import NUMBER
from worklog.extensions import db
from worklog.survey import services


def _record(client, call, outcome="satisfied", comment=""):
    call = db.session.get(SurveyCall, call.id)
    return client.post(f"/survey/calls/{call.id}", data={"outcome": outcome, "comment": comment,
                                                         "version": call.version})


def _saved() -> dict[str, int]:
    """Row counts, the audit of numbers shown left out (a refused calling view shows the number again, audited)."""
    counts = row_counts()
    counts["audit_event"] = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action != "survey.number_shown"))
    return counts


def _follow_up() -> SurveyFollowUp:
    db.session.expire_all()
    return db.session.scalar(select(SurveyFollowUp))


@pytest.fixture
def follow_up(client, staff, drawn):
    """County A's follow-up of a dissatisfied complainant, not answered yet; the survey staff of county A signed
    in on ``client``."""
    assert _record(client, drawn, "dissatisfied", "Nobody came.").status_code == 302
    return _follow_up()


@pytest.fixture
def unit_side(new_client, staff):
    """County A's panel, signed in."""
    panel = new_client()
    sign_in(panel, staff["panel_a"].badge)
    return panel


@pytest.fixture
def replied(follow_up, unit_side):
    response = unit_side.post(f"/survey/follow-ups/{follow_up.id}",
                              data={"reply": "We called and apologised.", "version": follow_up.version})
    assert response.status_code == 302
    return _follow_up()


def _verify(client, follow_up, verified="resolved", comment="", version=None):
    return client.post(f"/survey/follow-ups/{follow_up.id}/verify", data={
        "verified": verified, "comment": comment, "version": follow_up.version if version is None else version})


# --- The call back ----------------------------------------------------------------------------------------------


def test_the_call_back_waits_for_the_unit_reply(client, staff, follow_up):
    page = client.get(f"/survey/follow-ups/{follow_up.id}").get_data(as_text=True)
    assert "Waiting for the unit" in page and "Record the call back" not in page
    before = _saved()
    response = _verify(client, follow_up)
    assert response.status_code == 422
    assert "The unit has not replied yet: the person is called back once it has." in response.get_data(as_text=True)
    assert _saved() == before and _follow_up().verified is None


def test_resolved(client, staff, replied):
    page = client.get(f"/survey/follow-ups/{replied.id}").get_data(as_text=True)
    assert "Replied: to call back" in page and "Record the call back" in page
    notified = db.session.scalar(select(func.count()).select_from(Notification))
    response = _verify(client, replied, "resolved", "Satisfied with the apology, call me on 13987654321")
    assert response.status_code == 302 and response.location == f"/survey/follow-ups/{replied.id}"
    follow_up = _follow_up()
    assert follow_up.verified == "resolved" and follow_up.verified_by_id == staff["survey_a"].id
    assert follow_up.verified_at is not None and NUMBER not in follow_up.verify_comment
    assert follow_up.escalated_to_id is None and follow_up.escalated_at is None
    assert db.session.scalar(select(func.count()).select_from(Notification)) == notified  # nobody told
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.follow_up_verified"))
    assert event.actor_id == staff["survey_a"].id and event.object_id == follow_up.id
    assert event.after == {"verified": "resolved", "comment": True}
    page = client.get(f"/survey/follow-ups/{follow_up.id}").get_data(as_text=True)
    assert "Resolved" in page and "Record the call back" not in page
    assert f"/survey/follow-ups/{follow_up.id}" in client.get("/survey/follow-ups?state=resolved").get_data(as_text=True)
    assert f"/survey/follow-ups/{follow_up.id}" not in client.get(
        "/survey/follow-ups?state=replied").get_data(as_text=True)


@pytest.mark.parametrize("comment", ["", "   "])
def test_not_resolved_needs_what_the_person_said(client, staff, replied, comment):
    before = _saved()
    response = _verify(client, replied, "not_resolved", comment)
    assert response.status_code == 422
    assert "Say what is still not resolved: the unit above follows it up." in response.get_data(as_text=True)
    assert _saved() == before and _follow_up().verified is None


@pytest.mark.parametrize("verified", ["", "maybe"])
def test_the_answer_must_be_one_of_the_two(client, staff, replied, verified):
    before = _saved()
    assert _verify(client, replied, verified).status_code == 422
    assert _saved() == before


def test_not_resolved_escalates_at_once_to_the_unit_above(client, new_client, staff, replied):
    response = _verify(client, replied, "not_resolved", "Still nobody came.")
    assert response.status_code == 302
    follow_up = _follow_up()
    assert follow_up.verified == "not_resolved" and follow_up.verify_comment == "Still nobody came."
    assert follow_up.escalated_to_id == staff.city_a.id and follow_up.escalated_at is not None
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "survey_follow_up")
                                      .order_by(AuditEvent.id)))
    assert actions[-2:] == ["survey.follow_up_verified", "survey.follow_up_escalated"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.follow_up_escalated"))
    assert event.after == {"escalated_to": "City A", "cause": "not_resolved"}
    # City A's administrator answers for the city itself; county A's panel was told of the follow-up before.
    told = list(db.session.scalars(select(Notification).where(Notification.kind == "survey_follow_up_escalated")))
    assert [n.person_id for n in told] == [staff["admin_a"].id]
    city = new_client()
    sign_in(city, staff["admin_a"].badge)
    page = city.get("/notifications").get_data(as_text=True)
    assert "case at County A1 (Complaint) was not resolved" in page
    assert f"/survey/follow-ups/{follow_up.id}" in page and NUMBER not in page
    listed = city.get("/survey/follow-ups?state=escalated").get_data(as_text=True)
    assert f"/survey/follow-ups/{follow_up.id}" in listed and "Escalated to City A" in listed
    assert "Not resolved" in city.get("/survey/follow-ups?state=not_resolved").get_data(as_text=True)
    page = city.get(f"/survey/follow-ups/{follow_up.id}").get_data(as_text=True)
    assert "Still nobody came." in page and "City A" in page
    with force_locale("zh_Hans_CN"):
        from worklog.labels import audit_details
        assert audit_details(event)  # worded, whatever the catalog holds yet


def test_the_call_back_is_final(client, staff, replied):
    assert _verify(client, replied, "resolved").status_code == 302
    follow_up = _follow_up()
    before = _saved()
    response = _verify(client, follow_up, "not_resolved", "Changed my mind.")
    assert response.status_code == 409
    assert "already been recorded; it is final" in response.get_data(as_text=True)
    assert _saved() == before and _follow_up().verified == "resolved"


def test_a_stale_call_back_answers_409(client, new_client, staff, replied):
    opened = replied.version
    other = new_client()
    sign_in(other, staff["survey"].badge)  # the province's survey staff
    assert _verify(other, replied, "resolved").status_code == 302
    before = _saved()
    response = _verify(client, replied, "not_resolved", "No.", version=opened)
    assert response.status_code == 409 and "at the same time" in response.get_data(as_text=True)
    assert _saved() == before and _follow_up().verified == "resolved"


@pytest.mark.parametrize("who, status", [
    ("panel_a", 403),       # the unit answers; it does not judge its own answer
    ("admin_a", 403),
    ("survey_b", 404),      # another county's survey staff
    ("admin_b", 404),
    ("officer_a", 404),
])
def test_who_may_call_back(client, new_client, staff, replied, who, status):
    other = new_client()
    sign_in(other, staff[who].badge)
    before = _saved()
    assert _verify(other, replied, "resolved").status_code == status
    assert _saved() == before


def test_the_service_checks_scope_too(app, staff, replied):
    from worklog.errors import NotAllowed, OutOfScope
    with pytest.raises(OutOfScope):
        services.verify(replied, {"verified": "resolved"}, staff["survey_b"])
    with pytest.raises(NotAllowed):
        services.verify(replied, {"verified": "resolved"}, staff["panel_a"])
    db.session.rollback()


# --- Overdue: the escalation command ---------------------------------------------------------------------------


def _escalate(runner) -> str:
    with force_locale("en"):
        result = runner.invoke(args=["survey", "escalate"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.postgres
def test_the_escalation_command(client, new_client, runner, app, staff, follow_up):
    assert "0 overdue follow-up(s) escalated" in _escalate(runner)  # not due yet: the deadline is 12 October
    app.config["FIXED_NOW"] = datetime(2026, 10, 12, 15, 0, tzinfo=timezone.utc)  # 23:00 on the deadline
    assert "0 overdue follow-up(s) escalated" in _escalate(runner)
    app.config["FIXED_NOW"] = datetime(2026, 10, 13, 1, 0, tzinfo=timezone.utc)
    assert "1 overdue follow-up(s) escalated" in _escalate(runner)
    escalated = _follow_up()
    assert escalated.escalated_to_id == staff.city_a.id and escalated.verified is None
    assert escalated.escalated_at == datetime(2026, 10, 13, 1, 0, tzinfo=timezone.utc)
    # Again: nothing more, nobody told twice.
    before = row_counts()
    assert "0 overdue follow-up(s) escalated" in _escalate(runner)
    assert row_counts() == before
    told = list(db.session.scalars(select(Notification).where(Notification.kind == "survey_follow_up_escalated")))
    assert [(n.person_id, n.params["cause"]) for n in told] == [(staff["admin_a"].id, "overdue")]
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.follow_up_escalated")))
    assert len(events) == 1 and events[0].actor_id is None and events[0].after["cause"] == "overdue"
    page = client.get("/survey/follow-ups?state=overdue").get_data(as_text=True)
    assert "Escalated to City A" in page
    city = new_client()
    sign_in(city, staff["admin_a"].badge)
    assert "had no reply by its deadline, 2026-10-12" in city.get("/notifications").get_data(as_text=True)
    # A late reply is still taken, and the call back after it escalates nothing more.
    panel = new_client()
    sign_in(panel, staff["panel_a"].badge)
    assert panel.post(f"/survey/follow-ups/{escalated.id}", data={"reply": "Late, sorry.",
                                                                  "version": escalated.version}).status_code == 302
    assert _verify(client, _follow_up(), "not_resolved", "Still nothing.").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "survey.follow_up_escalated")) == 1
    assert _follow_up().escalated_at == datetime(2026, 10, 13, 1, 0, tzinfo=timezone.utc)


def test_replied_follow_ups_are_not_escalated_for_lateness(client, runner, app, staff, replied):
    app.config["FIXED_NOW"] = app.config["FIXED_NOW"] + timedelta(days=30)
    assert "0 overdue follow-up(s) escalated" in _escalate(runner)
    assert _follow_up().escalated_at is None


def test_a_unit_with_none_above_keeps_its_overdue_follow_up(app, runner, staff, follow_up):
    db.session.get(SurveyFollowUp, follow_up.id).unit_id = staff.province.id
    db.session.commit()
    app.config["FIXED_NOW"] = app.config["FIXED_NOW"] + timedelta(days=30)
    output = _escalate(runner)
    assert "0 overdue follow-up(s) escalated" in output and "1 overdue follow-up(s) kept" in output
    assert _follow_up().escalated_at is None


# --- States and scope of the list ---------------------------------------------------------------------------------


def test_the_list_shows_each_state(client, staff, follow_up, app):
    page = client.get("/survey/follow-ups").get_data(as_text=True)
    assert "Waiting for the unit" in page
    assert f"/survey/follow-ups/{follow_up.id}" in client.get("/survey/follow-ups?state=waiting").get_data(
        as_text=True)
    for state in ("overdue", "replied", "resolved", "not_resolved", "escalated"):
        assert f"/survey/follow-ups/{follow_up.id}" not in client.get(
            f"/survey/follow-ups?state={state}").get_data(as_text=True), state
    # An unknown state is all of them, not an error.
    assert f"/survey/follow-ups/{follow_up.id}" in client.get("/survey/follow-ups?state=nonsense").get_data(
        as_text=True)


@pytest.mark.postgres
@pytest.mark.parametrize("who", ["survey_b", "admin_b", "panel_b"])
def test_nobody_outside_sees_an_escalated_follow_up(client, new_client, staff, replied, who):
    from tests.factories import make_person as person
    staff.people["panel_b"] = person("300003", "Panel B", staff.dept_b, staff.post,
                                     roles={Role.panel.value: staff.county_b})
    db.session.commit()
    assert _verify(client, replied, "not_resolved", "Still nobody came.").status_code == 302
    other = new_client()
    sign_in(other, staff[who].badge)
    assert other.get(f"/survey/follow-ups/{replied.id}").status_code == 404
    for state in ("", "escalated", "not_resolved"):
        page = other.get(f"/survey/follow-ups?state={state}").get_data(as_text=True)
        assert f"/survey/follow-ups/{replied.id}" not in page and "****4321" not in page


def test_a_panel_of_the_unit_above_sees_the_escalated_follow_up(client, new_client, staff, replied):
    city_panel = make_person("200010", "City Panel", staff.dept_a, staff.post, roles={Role.panel.value: staff.city_a})
    db.session.commit()
    assert _verify(client, replied, "not_resolved", "Still nobody came.").status_code == 302
    told = set(db.session.scalars(select(Notification.person_id).where(
        Notification.kind == "survey_follow_up_escalated")))
    assert told == {staff["admin_a"].id, city_panel.id}
    city = new_client()
    sign_in(city, "200010")
    assert city.get(f"/survey/follow-ups/{replied.id}").status_code == 200
    assert f"/survey/follow-ups/{replied.id}" in city.get("/survey/follow-ups?state=escalated").get_data(as_text=True)


# --- A finding ----------------------------------------------------------------------------------------------------


@pytest.fixture
def inspector(staff, new_client):
    make_person("500001", "Inspector A", staff.dept_a, staff.post, roles={Role.inspector.value: staff.city_a})
    make_person("500002", "Inspector B", staff.dept_b, staff.post, roles={Role.inspector.value: staff.city_b})
    db.session.commit()
    browser = new_client()
    sign_in(browser, "500001")
    return browser


def test_an_inspector_over_the_unit_reads_the_follow_up(client, new_client, staff, replied, inspector):
    page = inspector.get(f"/survey/follow-ups/{replied.id}")
    assert page.status_code == 200 and "****4321" in page.get_data(as_text=True)
    assert f"/inspection/findings/new?follow_up={replied.id}" in page.get_data(as_text=True)
    assert f"/survey/follow-ups/{replied.id}" in inspector.get("/survey/follow-ups").get_data(as_text=True)
    assert _verify(inspector, replied).status_code == 403
    other = new_client()
    sign_in(other, "500002")
    assert other.get(f"/survey/follow-ups/{replied.id}").status_code == 404
    assert "****4321" not in other.get("/survey/follow-ups").get_data(as_text=True)


def test_the_link_to_a_new_finding_shows_once_the_page_exists(app, client, staff, replied, inspector):
    app.url_map.add(Rule("/inspection/findings/new", endpoint="inspection.new_finding"))
    app.view_functions["inspection.new_finding"] = lambda: "new finding"
    page = inspector.get(f"/survey/follow-ups/{replied.id}").get_data(as_text=True)
    assert f'href="/inspection/findings/new?follow_up={replied.id}"' in page
    # Only for an inspector: the survey staff do not record findings.
    assert "/inspection/findings/new" not in client.get(f"/survey/follow-ups/{replied.id}").get_data(as_text=True)


def test_a_finding_made_of_the_follow_up_shows(client, staff, replied, inspector):
    from models import Finding
    db.session.add(Finding(target="officer", unit_id=staff.county_a.id, department_id=staff.dept_a.id,
                           person_id=staff["officer_a"].id, found_on=date(2026, 9, 30), category="complaint",
                           description="Did not answer the complainant.", points=Decimal("2"), source="survey",
                           follow_up_id=replied.id))
    db.session.commit()
    for browser in (client, inspector):
        page = browser.get(f"/survey/follow-ups/{replied.id}").get_data(as_text=True)
        assert "recorded as a finding" in page and "Did not answer the complainant." in page


# --- Praise -------------------------------------------------------------------------------------------------------


def _praise(client, call, text="The officer was very patient.", badge=""):
    return client.post(f"/survey/calls/{call.id}/praise", data={"text": text, "badge": badge})


def test_praise_is_recorded_on_a_call_that_reached_somebody(client, staff, drawn):
    before = _saved()
    response = _praise(client, drawn)
    assert response.status_code == 422 and "outcome first: praise is recorded from a call that reached somebody" in response.get_data(as_text=True)
    assert _saved() == before
    assert _record(client, drawn, "satisfied").status_code == 302
    page = client.get(f"/survey/calls/{drawn.id}").get_data(as_text=True)
    assert "Record the praise" in page
    response = _praise(client, drawn, "Officer 200002 was kind; call me on 13987654321", badge=" 200002 ")
    assert response.status_code == 302
    praise = db.session.scalar(select(SurveyPraise))
    assert praise.person_id == staff["officer_a"].id and praise.unit_id == staff.county_a.id
    assert praise.recorded_by_id == staff["survey_a"].id and NUMBER not in praise.text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.praise_recorded"))
    assert event.after == {"call": drawn.id, "person": "200002"}
    assert _praise(client, drawn, "Quick, too.").status_code == 302  # several on one call; nobody named
    assert db.session.scalar(select(func.count()).select_from(SurveyPraise)) == 2
    assert "Officer A (200002)" in client.get(f"/survey/calls/{drawn.id}").get_data(as_text=True)


def test_an_unreachable_call_takes_no_praise(client, staff, drawn):
    assert _record(client, drawn, "unreachable").status_code == 302
    assert "Record the praise" not in client.get(f"/survey/calls/{drawn.id}").get_data(as_text=True)
    before = _saved()
    assert _praise(client, drawn).status_code == 422
    assert _saved() == before


@pytest.mark.parametrize("text, badge, message", [
    ("", "", "This field is required."),
    ("x" * 1001, "", "Field cannot be longer than 1000 characters."),
    ("Kind.", "999999", "Nobody with badge number 999999 worked in County A1 or the units under it on Aug 14, 2026."),
    ("Kind.", "300002", "Nobody with badge number 300002 worked in County A1"),     # county B's officer
])
def test_bad_praise_is_refused(client, staff, drawn, text, badge, message):
    assert _record(client, drawn, "basic").status_code == 302
    before = _saved()
    response = _praise(client, drawn, text, badge)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _saved() == before


def test_other_survey_staff_cannot_record_praise(client, new_client, staff, drawn):
    assert _record(client, drawn, "satisfied").status_code == 302
    for who, status in (("survey_b", 404), ("panel_a", 403), ("officer_a", 403)):
        other = new_client()
        sign_in(other, staff[who].badge)
        before = _saved()
        assert _praise(other, drawn).status_code == status, who
        assert _saved() == before


# --- Praise made a commendation -------------------------------------------------------------------------------


@pytest.fixture
def praised(client, staff, drawn):
    """Praise of officer A heard on the call of Tuesday 29 September."""
    assert _record(client, drawn, "satisfied").status_code == 302
    assert _praise(client, drawn, "Officer A was very patient.", "200002").status_code == 302
    return db.session.scalar(select(SurveyPraise))


def _commend(browser, praise, points="3", badge="200002", reason="Praised by a caller", evidence=""):
    return browser.post(f"/survey/praise/{praise.id}/commend", data={
        "badge": badge, "points": points, "reason": reason, "evidence": evidence})


def _open_september(app, staff):
    from worklog.monthly import services as monthly
    app.config["FIXED_NOW"] = datetime(2026, 10, 9, 2, 0, tzinfo=timezone.utc)
    review = monthly.open_month(staff.county_a, date(2026, 9, 1), staff["panel_a"])
    db.session.commit()
    return review


def test_the_panel_sees_its_units_praise(client, new_client, staff, praised, unit_side):
    page = unit_side.get("/survey/praise").get_data(as_text=True)
    assert "Officer A was very patient." in page and f"/survey/praise/{praised.id}/commend" in page
    assert "/survey/praise?state=open" in unit_side.get("/month").get_data(as_text=True)  # where the panel works
    # The survey staff read it; they do not commend.
    page = client.get("/survey/praise").get_data(as_text=True)
    assert "Officer A was very patient." in page and f"/survey/praise/{praised.id}/commend" not in page
    assert client.get(f"/survey/praise/{praised.id}/commend").status_code == 403
    staff.people["panel_b"] = make_person("300003", "Panel B", staff.dept_b, staff.post,
                                          roles={Role.panel.value: staff.county_b})
    db.session.commit()
    for who in ("panel_b", "survey_b"):
        other = new_client()
        sign_in(other, staff[who].badge)
        assert "Officer A was very patient." not in other.get("/survey/praise").get_data(as_text=True)
        assert other.get(f"/survey/praise/{praised.id}/commend").status_code == 404
        assert _commend(other, praised).status_code == 404
    officer = new_client()
    sign_in(officer, staff["officer_a"].badge)
    assert officer.get("/survey/praise").status_code == 403


def test_a_commendation_waits_for_the_month_to_be_opened(app, staff, praised, unit_side):
    before = _saved()
    response = _commend(unit_side, praised)
    assert response.status_code == 422
    assert "2026-09 is not over yet" in response.get_data(as_text=True)
    app.config["FIXED_NOW"] = datetime(2026, 10, 9, 2, 0, tzinfo=timezone.utc)
    response = _commend(unit_side, praised)
    assert response.status_code == 422
    assert "The panel of County A1 has not opened 2026-09 for grading yet" in response.get_data(as_text=True)
    assert _saved() == before


@pytest.mark.postgres
def test_praise_becomes_a_commendation_in_the_officers_month(app, staff, praised, unit_side):
    from worklog.monthly import services as monthly
    review = _open_september(app, staff)
    monthly.compute(review, staff["panel_a"])
    db.session.commit()
    result = db.session.scalar(select(MonthResult).where(MonthResult.person_id == staff["officer_a"].id))
    assert result.bonus == 0
    without = (result.base, result.workload, result.quality, result.score)
    page = unit_side.get(f"/survey/praise/{praised.id}/commend").get_data(as_text=True)
    assert "200002" in page and "Officer A was very patient." in page
    response = _commend(unit_side, praised, points="3")
    assert response.status_code == 302
    praise = db.session.get(SurveyPraise, praised.id)
    adjustment = db.session.get(MonthAdjustment, praise.adjustment_id)
    assert adjustment.month_review_id == review.id and adjustment.person_id == staff["officer_a"].id
    assert adjustment.kind == "commendation" and adjustment.points == Decimal("3.00")
    assert adjustment.created_by_id == staff["panel_a"].id
    assert db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "survey.praise_commended")) == {
        "person": "200002", "points": "3.00", "month": "2026-09-01"}
    monthly.compute(db.session.get(type(review), review.id), staff["panel_a"])
    db.session.commit()
    result = db.session.scalar(select(MonthResult).where(MonthResult.person_id == staff["officer_a"].id))
    # Worked out by hand: the bonus is the commendation's 3 points (under the cap of 10), and nothing else moves.
    assert result.commendations == Decimal("3.00") and result.bonus == Decimal("3.00")
    assert (result.base, result.workload, result.quality) == without[:3]
    assert result.score == without[3] + 3
    # Officer A logged nothing in September: 22 working days missing take the base of 30 down to 8, no workload,
    # quality untouched at 20, and the bonus of 3: 8 + 0 + 20 + 3 = 31.
    assert result.missing_days == 22 and result.score == Decimal("31.00")
    # Once per praise.
    before = _saved()
    response = _commend(unit_side, praise)
    assert response.status_code == 409 and "already been made a commendation" in response.get_data(as_text=True)
    assert _saved() == before
    assert "already been made a commendation: 3.00 points" in unit_side.get(
        f"/survey/praise/{praised.id}/commend").get_data(as_text=True)


def test_nobody_commends_themselves(app, client, staff, drawn, unit_side):
    assert _record(client, drawn, "satisfied").status_code == 302
    assert _praise(client, drawn, "The panel member helped.", staff["panel_a"].badge).status_code == 302
    praise = db.session.scalar(select(SurveyPraise))
    _open_september(app, staff)
    before = _saved()
    response = _commend(unit_side, praise, badge=staff["panel_a"].badge)
    assert response.status_code == 422
    assert "Nobody records adjustments, vetoes or grades for themselves." in response.get_data(as_text=True)
    assert _saved() == before and db.session.get(SurveyPraise, praise.id).adjustment_id is None


def test_praise_naming_nobody_needs_a_badge(app, client, staff, drawn, unit_side):
    assert _record(client, drawn, "satisfied").status_code == 302
    assert _praise(client, drawn, "Everyone was kind.").status_code == 302
    praise = db.session.scalar(select(SurveyPraise))
    _open_september(app, staff)
    before = _saved()
    response = _commend(unit_side, praise, badge="")
    assert response.status_code == 422 and "Give the badge number" in response.get_data(as_text=True)
    response = _commend(unit_side, praise, badge="300002")
    assert response.status_code == 422 and "Nobody with badge number 300002" in response.get_data(as_text=True)
    assert _saved() == before
    assert _commend(unit_side, praise, badge="200002").status_code == 302
    assert db.session.get(SurveyPraise, praise.id).adjustment_id is not None


@pytest.mark.parametrize("points", ["", "0", "-1", "101", "abc"])
def test_bad_points_are_refused(app, staff, praised, unit_side, points):
    _open_september(app, staff)
    before = _saved()
    assert _commend(unit_side, praised, points=points).status_code == 422
    assert _saved() == before


def test_a_final_month_takes_no_commendation(app, staff, praised, unit_side):
    from models import MonthReview, MonthStatus
    review = _open_september(app, staff)
    db.session.get(MonthReview, review.id).status = MonthStatus.final.value
    db.session.commit()
    before = _saved()
    response = _commend(unit_side, praised)
    assert response.status_code == 422 and "final and sealed" in response.get_data(as_text=True)
    assert _saved() == before


def test_an_escalated_case_keeps_its_dissatisfied_outcome(client, runner, app, staff, follow_up):
    """Escalated for lateness, the case is the unit above's too: correcting the call away from dissatisfied, which
    would withdraw it, is refused and changes nothing."""
    app.config["FIXED_NOW"] = datetime(2026, 10, 13, 1, 0, tzinfo=timezone.utc)
    assert "1 overdue follow-up(s) escalated" in _escalate(runner)
    call = db.session.get(SurveyCall, _follow_up().call_id)
    before = row_counts()
    refused = client.post(f"/survey/calls/{call.id}/correct", data={
        "outcome": "satisfied", "comment": "", "reason": "Typed the wrong answer", "version": call.version})
    assert refused.status_code == 422 and "gone to the unit above" in refused.get_data(as_text=True)
    assert row_counts() == before and _follow_up() is not None
