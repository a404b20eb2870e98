"""The supervisor's week: the queue, approve / adjust / return, signing and its lock, bulk signing,
delegation, assigned tasks, reminders, audit."""
from __future__ import annotations

import html
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AssignedTask, AuditEvent, Delegation, Entry, Notification, PersonDayTotal, WeekReview
from tests.factories import PASSWORD, make_person, sign_in, state_counts
from tests.weekly.conftest import LATE_TIME, MONDAY, REVIEW_TIME, log_week
from worklog.extensions import db

pytestmark = pytest.mark.postgres

WEEK = f"/review/{{pid}}/{MONDAY.isoformat()}"


def _week_url(org, who="officer_a"):
    return WEEK.format(pid=org[who].id)


def _entry(entry_id):
    db.session.expire_all()
    return db.session.get(Entry, entry_id)


def _actions(action):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


# --- Queue --------------------------------------------------------------------------------------------------


def test_queue_lists_the_supervisors_officers_with_their_week_state(client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    page = client.get(f"/review?week={MONDAY.isoformat()}").get_data(as_text=True)
    assert "Officer A" in page and "In progress" in page
    assert "Officer B" not in page  # another supervisor's (none) officer in another city
    # Approving everything makes the week ready; signing makes it signed.
    client.post(f"{_week_url(org)}/approve-all")
    assert "Ready to sign" in client.get(f"/review?week={MONDAY.isoformat()}").get_data(as_text=True)
    client.post(f"{_week_url(org)}/sign", data={"password": PASSWORD})
    assert "Signed" in client.get(f"/review?week={MONDAY.isoformat()}").get_data(as_text=True)


def test_queue_follows_effective_dated_supervision(app, client, org, catalog):
    # Officer B is moved under supervisor A from Thursday 19th: A reviews Thursday and Friday only.
    from worklog.admin import services as admin
    admin.assign(org["officer_b"], {"department": org.dept_a, "post": org.post, "supervisor": org["supervisor_a"],
                                    "valid_from": date(2026, 11, 19)}, None)
    db.session.commit()
    entries = log_week(app, org["officer_b"], catalog, per_day=1)
    sign_in(client, org["supervisor_a"].badge)
    assert "Officer B" in client.get(f"/review?week={MONDAY.isoformat()}").get_data(as_text=True)
    monday_entry, thursday_entry = entries[0], entries[3]
    assert client.post(f"/review/entries/{monday_entry.id}/approve").status_code == 404
    assert client.post(f"/review/entries/{thursday_entry.id}/approve").status_code == 302
    assert _entry(monday_entry.id).status == "submitted"
    assert _entry(thursday_entry.id).status == "approved"


def test_overdue_weeks_stand_out(app, client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    assert "overdue" not in client.get(f"/review?week={MONDAY.isoformat()}").get_data(as_text=True)
    app.config["FIXED_NOW"] = LATE_TIME
    assert "overdue" in client.get(f"/review?week={MONDAY.isoformat()}").get_data(as_text=True)


# --- Approve, adjust, return --------------------------------------------------------------------------------


def test_approve_adjust_and_return(client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    first, second, third = week[0], week[1], week[2]
    assert client.post(f"/review/entries/{first.id}/approve", data={"version": first.version}).status_code == 302
    assert _entry(first.id).status == "approved" and _entry(first.id).approved_points == Decimal("4.00")

    # 4 points, ±30%: 2.80 to 5.20.
    response = client.post(f"/review/entries/{third.id}/adjust", data={"points": "5.2", "reason": "Extra effort"})
    assert response.status_code == 302
    adjusted = _entry(third.id)
    assert (adjusted.status, adjusted.approved_points, adjusted.review_note) == ("approved", Decimal("5.20"),
                                                                               "Extra effort")
    response = client.post(f"/review/entries/{second.id}/return", data={"comment": "Which households?"})
    assert response.status_code == 302
    returned = _entry(second.id)
    assert returned.status == "returned" and returned.review_note == "Which households?"
    note = db.session.scalar(select(Notification).where(Notification.person_id == org["officer_a"].id))
    assert note.kind == "entry_returned" and note.params["comment"] == "Which households?"
    # The roll-up counts approved points only.
    total = db.session.get(PersonDayTotal, (org["officer_a"].id, MONDAY))
    assert total.approved_points == Decimal("4.00")
    assert {_actions(a) for a in ("entry.approved", "entry.adjusted", "entry.returned")} == {1}
    adjusted_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "entry.adjusted"))
    assert adjusted_event.before["approved_points"] is None and adjusted_event.after["approved_points"] == "5.20"
    assert adjusted_event.reason == "Extra effort"


@pytest.mark.parametrize("data, message", [
    ({"points": "5.21", "reason": "too much"}, "between 2.80 and 5.20"),
    ({"points": "2.79", "reason": "too little"}, "between 2.80 and 5.20"),
    ({"points": "4.5", "reason": ""}, "reason"),
    ({"points": "abc", "reason": "x"}, "decimal"),
])
def test_adjustment_beyond_the_bound_or_without_reason_is_refused(client, org, week, data, message):
    sign_in(client, org["supervisor_a"].badge)
    target = week[0]
    before = state_counts()
    response = client.post(f"/review/entries/{target.id}/adjust", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True).lower() or message in response.get_data(as_text=True)
    assert _entry(target.id).status == "submitted" and _entry(target.id).approved_points is None
    assert state_counts() == before


def test_return_needs_a_comment(client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    before = state_counts()
    assert client.post(f"/review/entries/{week[0].id}/return", data={"comment": " "}).status_code == 422
    assert state_counts() == before


def test_returned_entry_is_corrected_resubmitted_and_back_in_the_queue(app, client, org, catalog, week):
    supervisor, officer = org["supervisor_a"], org["officer_a"]
    sign_in(client, supervisor.badge)
    target = week[0]
    client.post(f"/review/entries/{target.id}/return", data={"comment": "Quantity?"})
    client.post("/sign-out")
    sign_in(client, officer.badge)
    assert "Quantity?" in client.get("/notifications").get_data(as_text=True)
    # Monday 16th is beyond the 7-day window on the 24th, but a returned entry may still be corrected.
    response = client.post(f"/entries/{target.id}/edit", data={"task_type": catalog["T1"].id, "quantity": "3",
                                                               "hours": "1", "completion": "done"})
    assert response.status_code == 302
    corrected = _entry(target.id)
    assert corrected.status == "resubmitted" and corrected.points == Decimal("6.00")
    client.post("/sign-out")
    sign_in(client, supervisor.badge)
    page = client.get(f"/review?week={MONDAY.isoformat()}").get_data(as_text=True)
    assert "In progress" in page
    assert client.post(f"/review/entries/{target.id}/approve").status_code == 302
    assert _entry(target.id).approved_points == Decimal("6.00")


def test_nobody_reviews_their_own_entries(app, client, org, catalog):
    # The supervisor also logs as an officer; with supervisor and officer roles they still cannot approve
    # their own entries, not even as someone's acting supervisor.
    supervisor = org["supervisor_a"]
    own = log_week(app, supervisor, catalog, days=1, per_day=1)[0]
    from worklog.weekly import services
    services.delegate(org["panel_a"], supervisor, MONDAY, MONDAY + timedelta(days=30), "", org["panel_a"])
    db.session.commit()
    sign_in(client, supervisor.badge)
    assert client.post(f"/review/entries/{own.id}/approve").status_code == 404
    assert client.get(f"/review/{supervisor.id}/{MONDAY.isoformat()}").status_code == 404
    assert _entry(own.id).status == "submitted"


def test_a_supervisor_sees_only_their_own_officers(client, org, week):
    sign_in(client, org["admin_a"].badge)  # an administrator, but nobody's supervisor
    assert client.get(_week_url(org)).status_code == 404
    assert client.post(f"/review/entries/{week[0].id}/approve").status_code == 404
    assert client.post(f"{_week_url(org)}/sign", data={"password": PASSWORD}).status_code == 404
    assert "Officer A" not in client.get(f"/review?week={MONDAY.isoformat()}").get_data(as_text=True)


# --- Signing --------------------------------------------------------------------------------------------------


def test_signing_asks_for_the_password_and_needs_every_entry_reviewed(client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    response = client.post(f"{_week_url(org)}/sign", data={"password": PASSWORD})
    assert response.status_code == 422 and "wait for review" in response.get_data(as_text=True)
    client.post(f"{_week_url(org)}/approve-all")
    response = client.post(f"{_week_url(org)}/sign", data={"password": "wrong-password"})
    # 200 like a refused sign-in: the failed attempt is kept, and counts towards the sign-in's limits.
    assert response.status_code == 200 and "password is wrong" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WeekReview).where(WeekReview.status == "signed")) == 0
    assert client.post(f"{_week_url(org)}/sign", data={"password": PASSWORD}).status_code == 302
    review = db.session.scalar(select(WeekReview))
    assert review.status == "signed" and review.signed_by_id == org["supervisor_a"].id
    assert review.entries == 10 and review.approved_points == Decimal("25.00")  # 5 × (4 + 1)
    assert _actions("week.signed") == 1


def test_the_current_week_cannot_be_signed_before_it_ends(app, client, org, catalog):
    log_week(app, org["officer_a"], catalog, days=1, per_day=1)
    app.config["FIXED_NOW"] = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)  # Friday: the week goes on
    sign_in(client, org["supervisor_a"].badge)
    client.post(f"{_week_url(org)}/approve-all")
    response = client.post(f"{_week_url(org)}/sign", data={"password": PASSWORD})
    assert response.status_code == 422 and "not ended" in response.get_data(as_text=True)


@pytest.fixture
def signed_week(client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    client.post(f"{_week_url(org)}/approve-all")
    assert client.post(f"{_week_url(org)}/sign", data={"password": PASSWORD}).status_code == 302
    client.post("/sign-out")
    return week


def test_a_signed_week_refuses_every_write_path(app, client, runner, org, catalog, signed_week):
    officer, supervisor = org["officer_a"], org["supervisor_a"]
    target = signed_week[0]
    app.config["FIXED_NOW"] = app.config["FIXED_NOW"] - timedelta(days=3)  # inside the back-fill window
    before = state_counts()
    sign_in(client, officer.badge)
    day = MONDAY + timedelta(days=4)  # Friday 20th
    assert client.post(f"/day/{day.isoformat()}/entries", data={"task_type": catalog["T1"].id, "quantity": "1",
                                                                 "hours": "1", "completion": "done"}).status_code == 422
    friday_entry = signed_week[-1]
    assert client.post(f"/entries/{friday_entry.id}/edit", data={"task_type": catalog["T1"].id, "quantity": "1",
                                                                 "hours": "1", "completion": "done"}).status_code == 422
    client.post(f"/entries/{friday_entry.id}/delete")
    assert client.post(f"/day/{day.isoformat()}/submit", data={"self_assessment": "again"}).status_code == 422
    client.post(f"/day/{day.isoformat()}/copy")
    client.post("/sign-out")
    sign_in(client, supervisor.badge)
    for action, data in (("approve", {}), ("adjust", {"points": "4.1", "reason": "x"}), ("return", {"comment": "x"})):
        client.post(f"/review/entries/{target.id}/{action}", data=data)
    # Services and commands: the same refusals whatever the caller.
    from worklog.daily import services as daily
    from worklog.errors import ServiceError
    with pytest.raises(ServiceError):
        daily.update_entry(db.session.get(Entry, friday_entry.id), {"task_type": catalog["T1"], "quantity": "9",
                                                                    "hours": "1", "completion": "done"}, officer)
    db.session.rollback()
    assert state_counts() == before
    assert _entry(friday_entry.id).quantity == Decimal("2.00")


def test_only_the_panel_unsigns_with_a_reason(client, org, catalog, signed_week):
    sign_in(client, org["supervisor_a"].badge)
    assert client.post(f"{_week_url(org)}/unsign", data={"reason": "mistake"}).status_code == 403
    client.post("/sign-out")
    sign_in(client, org["panel_a"].badge)
    assert client.get(_week_url(org)).status_code == 200
    assert client.post(f"{_week_url(org)}/unsign", data={"reason": "", "confirm": "yes"}).status_code == 422
    assert db.session.scalar(select(WeekReview.status)) == "signed"
    assert client.post(f"{_week_url(org)}/unsign", data={"reason": "Complaint verified",
                                                         "confirm": "yes"}).status_code == 302
    assert db.session.scalar(select(WeekReview.status)) == "open"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "week.unsigned"))
    assert event.reason == "Complaint verified" and event.actor_id == org["panel_a"].id


def test_reopening_a_signed_week_asks_first_and_says_what_will_happen(client, org, catalog, signed_week):
    sign_in(client, org["panel_a"].badge)
    page = client.get(_week_url(org)).get_data(as_text=True)
    assert f'href="{_week_url(org)}/unsign">Reopen the week…</a>' in page
    confirm = client.get(f"{_week_url(org)}/unsign")
    text = html.unescape(confirm.get_data(as_text=True))
    assert confirm.status_code == 200 and db.session.scalar(select(WeekReview.status)) == "signed"
    assert ("Reopening unlocks the week of Nov 16, 2026 to Nov 22, 2026 of Officer A (200002): its entries "
            "can be changed again, and its 25.00 approved points leave the ledgers until the week is signed "
            "again.") in text
    assert 'name="confirm" value="yes"' in text and 'name="reason"' in text
    before = state_counts()
    # Without the confirmation the server does nothing, whatever the reason says.
    for data in ({"reason": "Complaint verified"}, {"reason": "Complaint verified", "confirm": "no"}):
        response = client.post(f"{_week_url(org)}/unsign", data=data)
        assert response.status_code == 422
        assert "Nothing was done yet: read what will happen, then confirm." in response.get_data(as_text=True)
    assert state_counts() == before and db.session.scalar(select(WeekReview.status)) == "signed"
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "重新开放后，民警 Officer A（200002）" in client.get(f"{_week_url(org)}/unsign").get_data(as_text=True)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert client.post(f"{_week_url(org)}/unsign", data={"reason": "Complaint verified",
                                                         "confirm": "yes"}).status_code == 302
    assert db.session.scalar(select(WeekReview.status)) == "open"


def test_bulk_sign_previews_then_signs_only_ready_weeks(app, client, org, catalog, week):
    # A second officer under supervisor A, whose week still has an entry waiting.
    other = make_person("200010", "Officer C", org.dept_a, org.post, org["supervisor_a"])
    db.session.commit()
    log_week(app, other, catalog, days=1, per_day=1)
    sign_in(client, org["supervisor_a"].badge)
    client.post(f"{_week_url(org)}/approve-all")
    preview = client.get(f"/review/sign-all?week={MONDAY.isoformat()}").get_data(as_text=True)
    assert "1 week will be signed" in preview
    assert "Officer C" in preview and "wait for review" in preview
    assert db.session.scalar(select(func.count()).select_from(WeekReview).where(WeekReview.status == "signed")) == 0
    response = client.post(f"/review/sign-all?week={MONDAY.isoformat()}", data={"password": PASSWORD})
    assert response.status_code == 302
    signed = {r.person_id for r in db.session.scalars(select(WeekReview).where(WeekReview.status == "signed"))}
    assert signed == {org["officer_a"].id}


def test_bulk_signing_skips_a_week_with_no_entry_or_no_submitted_day_and_says_why(app, client, org, catalog, week):
    """A "not started" week (an officer away, say) was listed under "will be signed" with no warning."""
    make_person("200011", "Officer Away", org.dept_a, org.post, org["supervisor_a"])
    drafts = make_person("200012", "Officer Drafts", org.dept_a, org.post, org["supervisor_a"])
    db.session.commit()
    app.config["FIXED_NOW"] = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    from worklog.daily import services as day
    day.add_entry(drafts, {"work_date": MONDAY, "task_type": catalog["T1"], "quantity": "1", "completion": "done"},
                  drafts)
    db.session.commit()
    app.config["FIXED_NOW"] = REVIEW_TIME
    sign_in(client, org["supervisor_a"].badge)
    client.post(f"{_week_url(org)}/approve-all")
    preview = client.get(f"/review/sign-all?week={MONDAY.isoformat()}").get_data(as_text=True)
    assert "1 week will be signed" in preview
    skipped = preview[preview.index("Skipped"):]
    assert "Officer Away" in skipped and "The week has no entries." in skipped
    assert "No day of the week was submitted." in skipped
    assert "Officer Drafts" in skipped
    assert client.post(f"/review/sign-all?week={MONDAY.isoformat()}", data={"password": PASSWORD}).status_code == 302
    signed = {r.person_id for r in db.session.scalars(select(WeekReview).where(WeekReview.status == "signed"))}
    assert signed == {org["officer_a"].id}


def test_the_signing_bar_comes_first_and_waits_with_the_focus_once_every_entry_is_decided(client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    page = client.get(_week_url(org)).get_data(as_text=True)
    assert page.index('id="sign"') < page.index('id="day-')
    assert "autofocus" not in page[page.index('id="sign"'):page.index('id="day-')]  # entries still wait
    client.post(f"{_week_url(org)}/approve-all")
    page = client.get(_week_url(org)).get_data(as_text=True)
    bar = page[page.index('id="sign"'):page.index('id="day-')]
    assert "autofocus" in bar and 'name="password"' in bar and "Every entry is decided" in bar


# --- Delegation -------------------------------------------------------------------------------------------------


def test_acting_supervisor_reviews_and_signs_in_their_own_name(client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    response = client.post("/review/delegations", data={"acting": org["panel_a"].badge, "start_date": "2026-11-16",
                                                          "end_date": "2026-11-30", "reason": "Training course"})
    assert response.status_code == 302
    delegation = db.session.scalar(select(Delegation))
    assert delegation.acting_id == org["panel_a"].id and _actions("delegation.created") == 1
    client.post("/sign-out")
    sign_in(client, org["panel_a"].badge)
    assert "Officer A" in client.get(f"/review?week={MONDAY.isoformat()}").get_data(as_text=True)
    client.post(f"{_week_url(org)}/approve-all")
    assert client.post(f"{_week_url(org)}/sign", data={"password": PASSWORD}).status_code == 302
    review = db.session.scalar(select(WeekReview))
    assert review.signed_by_id == org["panel_a"].id
    assert {e.reviewed_by_id for e in db.session.scalars(select(Entry))} == {org["panel_a"].id}


def test_delegation_outside_its_dates_gives_nothing(client, org, week):
    from worklog.weekly import services
    services.delegate(org["supervisor_a"], org["panel_a"], date(2026, 12, 1), date(2026, 12, 31), "",
                      org["supervisor_a"])
    db.session.commit()
    sign_in(client, org["panel_a"].badge)
    assert client.post(f"/review/entries/{week[0].id}/approve").status_code == 404


def test_only_the_supervisor_or_their_admin_delegates(client, org):
    sign_in(client, org["officer_b"].badge)
    response = client.post("/review/delegations", data={"supervisor": org["supervisor_a"].badge,
                                                          "acting": org["officer_b"].badge,
                                                          "start_date": "2026-11-16", "end_date": "2026-11-20"})
    assert response.status_code == 422 and db.session.scalar(select(func.count()).select_from(Delegation)) == 0
    client.post("/sign-out")
    sign_in(client, org["admin_a"].badge)
    response = client.post("/review/delegations", data={"supervisor": org["supervisor_a"].badge,
                                                          "acting": org["panel_a"].badge,
                                                          "start_date": "2026-11-16", "end_date": "2026-11-20"})
    assert response.status_code == 302


# --- Assigned tasks ---------------------------------------------------------------------------------------------


def test_assigned_task_reaches_the_officer_and_logging_it_makes_an_entry(app, client, org, catalog):
    sign_in(client, org["supervisor_a"].badge)
    response = client.post("/review/tasks", data={"task_type": catalog["T2"].id, "officers": [org["officer_a"].id],
                                                  "expected_quantity": "6", "due_date": "2026-11-25",
                                                  "note": "Building 3"})
    assert response.status_code == 302
    task = db.session.scalar(select(AssignedTask))
    assert task.status == "open"
    assert db.session.scalar(select(Notification.kind).where(Notification.person_id == org["officer_a"].id)) == \
        "task_assigned"
    # Not in the team: refused.
    response = client.post("/review/tasks", data={"task_type": catalog["T2"].id, "officers": [org["officer_b"].id],
                                                  "expected_quantity": "1", "due_date": "2026-11-25"})
    assert response.status_code == 422
    client.post("/sign-out")
    sign_in(client, org["officer_a"].badge)
    page = client.get("/day/2026-11-24").get_data(as_text=True)
    assert "Home visit" in page and "Building 3" in page
    assert client.post(f"/tasks/{task.id}/log", data={"day": "2026-11-24"}).status_code == 302
    db.session.expire_all()
    entry = db.session.scalar(select(Entry))
    assert (entry.task_type_id, entry.quantity, entry.description, entry.work_date) == (
        catalog["T2"].id, Decimal("6.00"), "Building 3", date(2026, 11, 24))
    assert db.session.get(AssignedTask, task.id).status == "done"
    # Logging twice is refused (409), and counted once.
    assert client.post(f"/tasks/{task.id}/log", data={"day": "2026-11-24"}).status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_overdue_assigned_tasks_show_on_both_sides(app, client, org, catalog):
    from worklog.weekly import services
    services.assign_task([org["officer_a"]], {"task_type": catalog["T1"], "expected_quantity": "1",
                                              "due_date": date(2026, 11, 26)}, org["supervisor_a"])
    db.session.commit()
    app.config["FIXED_NOW"] = LATE_TIME + timedelta(days=2)  # Friday 27th
    sign_in(client, org["officer_a"].badge)
    assert "overdue" in client.get("/day/2026-11-27").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, org["supervisor_a"].badge)
    assert "overdue" in client.get("/review/tasks").get_data(as_text=True)


# --- Reminders --------------------------------------------------------------------------------------------------


def test_reminders_page_and_command(app, client, runner, org, catalog):
    log_week(app, org["officer_a"], catalog, days=3, per_day=1)  # Thursday and Friday never submitted
    app.config["FIXED_NOW"] = LATE_TIME
    sign_in(client, org["supervisor_a"].badge)
    page = client.get("/review/reminders").get_data(as_text=True)
    assert "Officer A" in page and "11-19" in page and "11-20" in page
    result = runner.invoke(args=["reminders"])
    assert result.exit_code == 0
    assert "200002 Officer A" in result.output and "11-19, 11-20" in result.output
    # Supervisor A's week of 16 November is past Tuesday 24:00 unsigned.
    assert "200001 Supervisor A: 200002 (2026-11-16)" in result.output


def test_each_review_action_is_audited_with_before_and_after(client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    client.post(f"/review/entries/{week[0].id}/approve")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "entry.approved"))
    assert event.before["status"] == "submitted" and event.after["status"] == "approved"
    assert event.actor_id == org["supervisor_a"].id and event.object_id == week[0].id


def test_approve_all_is_offered_only_while_an_entry_waits(client, org, week):
    sign_in(client, org["supervisor_a"].badge)
    assert "Approve every waiting entry" in client.get(_week_url(org)).get_data(as_text=True)
    client.post(f"{_week_url(org)}/approve-all")
    assert "Approve every waiting entry" not in client.get(_week_url(org)).get_data(as_text=True)
