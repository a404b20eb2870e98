"""Reminders on a schedule (``flask notifications remind``): each is sent once however often the schedule runs, and
only while it is due: a day not yet submitted near its deadline, the appeal window about to close (a month's and
a year's), a survey follow-up and a rectification near their deadlines."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from models import Appeal, MonthReview, Notification, Rectification, Role, SurveyFollowUp, YearReview
from tests.annual.conftest import history  # noqa: F401  (twelve final months of the county)
from tests.annual.test_hr import _year
from tests.factories import make_person, sign_in
from tests.monthly.conftest import county  # noqa: F401  (the county of ten)
from tests.monthly.test_month import _close_october, _url
from tests.notifications.conftest import choose
from tests.survey.conftest import NOW as SURVEY_NOW, drawn, staff  # noqa: F401  (a drawn call of county A)
from tests.weekly.conftest import MONDAY, log_week
from worklog.extensions import db

pytestmark = pytest.mark.postgres

SHANGHAI = timezone(timedelta(hours=8))


def _remind(app, runner, when: datetime) -> str:
    app.config["FIXED_NOW"] = when
    result = runner.invoke(args=["notifications", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def _count(kind: str, person=None) -> int:
    db.session.expire_all()
    query = select(func.count()).select_from(Notification).where(Notification.kind == kind)
    if person is not None:
        query = query.where(Notification.person_id == person.id)
    return db.session.scalar(query)


def _send(runner) -> None:
    for _ in range(2):
        result = runner.invoke(args=["mail", "send"])
        assert result.exit_code == 0, result.output


def test_a_day_not_submitted_is_reminded_once_from_the_evening_until_its_deadline(app, runner, org, catalog, smtp):
    officer = org["officer_a"]
    choose(officer, ["day_not_submitted"], language="zh_CN")
    log_week(app, officer, catalog, days=4)  # Monday to Thursday submitted; Friday 20 November not
    friday = date(2026, 11, 20)
    # Friday afternoon: the day is not over, nobody is reminded yet.
    assert "day_not_submitted: 0 reminder(s)" in _remind(app, runner, datetime(2026, 11, 20, 16, 0, tzinfo=SHANGHAI))
    # From 17:00: officer A and everyone else assigned who has not submitted Friday; twice run, once sent.
    output = _remind(app, runner, datetime(2026, 11, 20, 18, 0, tzinfo=SHANGHAI))
    assigned = len(org.people)  # everyone in the small province holds an assignment, and none submitted Friday
    assert f"day_not_submitted: {assigned} reminder(s)" in output
    assert "day_not_submitted: 0 reminder(s)" in _remind(app, runner, datetime(2026, 11, 20, 21, 0, tzinfo=SHANGHAI))
    # Monday 08:00, before Friday's deadline (Monday 09:00): still nothing new.
    assert "day_not_submitted: 0 reminder(s)" in _remind(app, runner, datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI))
    assert _count("day_not_submitted", officer) == 1
    note = db.session.scalar(select(Notification).where(Notification.person_id == officer.id,
                                                        Notification.kind == "day_not_submitted"))
    assert note.key == f"day:{friday.isoformat()}"
    _send(runner)
    [mail] = smtp.to(officer.email)
    assert mail["Subject"] == "2026-11-20的日清尚未提交"
    assert "您2026-11-20的日清尚未提交，截止时间为2026-11-23 09:00。" in mail.get_content()
    # Monday after 17:00: Monday's own reminder, and a submitted day is never reminded.
    from worklog.daily import services as day
    app.config["FIXED_NOW"] = datetime(2026, 11, 23, 12, 0, tzinfo=SHANGHAI)
    day.add_entry(officer, {"work_date": date(2026, 11, 23), "task_type": catalog["T1"], "quantity": "1",
                            "hours": "1", "completion": "done"}, officer)
    day.submit_day(officer, date(2026, 11, 23), "done", officer)
    db.session.commit()
    _remind(app, runner, datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI))
    assert _count("day_not_submitted", officer) == 1
    assert _count("day_not_submitted", org["officer_b"]) == 2


def test_the_appeal_window_closing_reminds_each_officer_who_has_not_appealed(app, client, runner, org, county, smtp):
    o1, o3 = county.officers["O1"], county.officers["O3"]
    choose(o1, ["appeal_closing"])
    _close_october(client, org, county)
    assert client.post(_url(county, "/publish"), data={"confirm": "yes"}).status_code == 302
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))
    client.post("/sign-out")
    sign_in(client, o3.badge)
    assert client.post(f"/my/months/{review.id}", data={"reason": "Missing commendation"}).status_code == 302
    assert db.session.scalar(select(Appeal.person_id)) == o3.id
    deadline = review.appeal_deadline
    two_days_before = datetime.combine(deadline - timedelta(days=2), datetime.min.time(), SHANGHAI) + timedelta(hours=9)
    assert "appeal_closing: 0 reminder(s)" in _remind(app, runner, two_days_before)
    day_before = two_days_before + timedelta(days=1)
    assert "appeal_closing: 9 reminder(s)" in _remind(app, runner, day_before)
    assert "appeal_closing: 0 reminder(s)" in _remind(app, runner, day_before + timedelta(days=1))
    assert _count("appeal_closing", o3) == 0 and _count("appeal_closing", o1) == 1
    # After the deadline: nothing.
    assert "appeal_closing: 0 reminder(s)" in _remind(app, runner, day_before + timedelta(days=3))
    _send(runner)
    assert smtp.subjects(o1.email) == [f"Appeals for 2026-10 close on {deadline.isoformat()}"]


def test_a_years_appeal_window_closing_is_reminded_too(app, client, runner, org, county, history):
    _year(app, client, org, county, finalise=False)
    review = db.session.scalar(select(YearReview))
    day_before = datetime.combine(review.appeal_deadline - timedelta(days=1), datetime.min.time(), SHANGHAI)
    assert "appeal_closing: 10 reminder(s)" in _remind(app, runner, day_before + timedelta(hours=9))
    assert "appeal_closing: 0 reminder(s)" in _remind(app, runner, day_before + timedelta(hours=10))
    note = db.session.scalar(select(Notification).where(Notification.kind == "appeal_closing").limit(1))
    assert note.params["period"] == "2026" and note.link == "hr.my_year"


def _dissatisfied(client, call):
    return client.post(f"/survey/calls/{call.id}", data={"outcome": "dissatisfied", "comment": "Nobody came.",
                                                        "version": call.version})


def test_a_follow_up_near_its_deadline_reminds_the_units_panel_once(app, client, runner, staff, drawn, smtp):
    app.config["FIXED_NOW"] = SURVEY_NOW
    panel = staff["panel_a"]
    choose(panel, ["follow_up_due"])
    assert _dissatisfied(client, drawn).status_code == 302
    follow_up = db.session.scalar(select(SurveyFollowUp))
    at = datetime.combine(follow_up.deadline - timedelta(days=1), datetime.min.time(), SHANGHAI) + timedelta(hours=9)
    assert "follow_up_due: 1 reminder(s)" in _remind(app, runner, at)
    assert "follow_up_due: 0 reminder(s)" in _remind(app, runner, at + timedelta(hours=5))
    assert _count("follow_up_due", panel) == 1
    _send(runner)
    [mail] = smtp.to(panel.email)
    assert mail["Subject"] == f"Follow-up due by {follow_up.deadline.isoformat()}"
    assert f"https://worklog.example.invalid/survey/follow-ups/{follow_up.id}" in mail.get_content()


def test_a_replied_follow_up_is_not_reminded(app, client, runner, staff, drawn):
    app.config["FIXED_NOW"] = SURVEY_NOW
    assert _dissatisfied(client, drawn).status_code == 302
    follow_up = db.session.scalar(select(SurveyFollowUp))
    panel = staff["panel_a"]
    client.post("/sign-out")
    sign_in(client, panel.badge)
    assert client.post(f"/survey/follow-ups/{follow_up.id}", data={"reply": "We called and apologised.",
                                                                   "version": follow_up.version}).status_code == 302
    at = datetime.combine(follow_up.deadline, datetime.min.time(), SHANGHAI) + timedelta(hours=9)
    assert "follow_up_due: 0 reminder(s)" in _remind(app, runner, at)


def test_a_rectification_near_its_deadline_reminds_the_units_panel_once(app, runner, org, catalog, smtp):
    from worklog.inspection import services as inspection
    inspector = make_person("500001", "Inspector A", org.dept_a, org.post, roles={Role.inspector.value: org.county_a})
    panel = org["panel_a"]
    choose(panel, ["rectification_due_soon"], language="zh_CN")
    inspection.record_finding({"target": "officer", "badge": org["officer_a"].badge, "found_on": MONDAY,
                               "category": "discipline", "description": "Late", "rectify": True, "files": []},
                              inspector)
    db.session.commit()
    rectification = db.session.scalar(select(Rectification))
    at = datetime.combine(rectification.deadline - timedelta(days=1), datetime.min.time(), SHANGHAI) \
        + timedelta(hours=9)
    assert "rectification_due_soon: 1 reminder(s)" in _remind(app, runner, at)
    assert "rectification_due_soon: 0 reminder(s)" in _remind(app, runner, at + timedelta(hours=1))
    _send(runner)
    [mail] = smtp.to(panel.email)
    assert mail["Subject"] == f"整改须在{rectification.deadline.isoformat()}前完成"
    assert (f"第{rectification.finding_id}号问题（纪律作风）的整改须在{rectification.deadline.isoformat()}前完成"
            in mail.get_content())
