"""Tests that bite: each catches a small fault that once survived the whole suite when planted (issue 11, finding 7).

a. a score of exactly a grade's threshold no longer meeting it; b. the access check of a score's explanation;
c. the HR check of a round's export; d. a commit of a refused (4xx) request; e. the audit event of finalising a
month; f. an appeal refused on the last day of its window; g. the services' own checks, called directly.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask import abort
from flask_babel import force_locale
from sqlalchemy import func, select

from models import Appeal, AuditEvent, MonthResult, MonthReview, Unit, WeekReview, YearAppeal, YearReview
from tests.annual.conftest import history  # noqa: F401  (twelve final months of the county)
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.annual.test_hr import _round, _year
from tests.factories import make_person, sign_in, state_counts
from tests.ledgers.conftest import signed  # noqa: F401  (officer A's week, signed)
from tests.monthly.conftest import county  # noqa: F401  (the county of ten)
from tests.monthly.test_month import _close_october, _url
from tests.weekly.conftest import MONDAY
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.rules.grading import BASIC, COMPETENT, EXCELLENT, INCOMPETENT, GradeInput, grade_group
from worklog.rules.ruleset import RuleValues

D = Decimal


def _at(day: date) -> datetime:
    """Noon in Shanghai on ``day``."""
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=timezone.utc)


# --- a. Every grade threshold of the default rule set, met exactly --------------------------------------------


@pytest.mark.parametrize("score, below, grade_at, grade_below", [
    ("90.00", "89.99", EXCELLENT, COMPETENT),
    ("70.00", "69.99", COMPETENT, BASIC),
    ("60.00", "59.99", BASIC, INCOMPETENT),
])
def test_a_score_exactly_at_a_threshold_meets_it_in_the_pure_rule(score, below, grade_at, grade_below):
    r = RuleValues()
    assert (r.excellent_min_score, r.competent_min_score, r.basic_min_score) == (D("90"), D("70"), D("60"))
    # A group of five has one excellent place; the officer under test is alone at the top.
    others = [GradeInput(i, D("10.00")) for i in range(2, 6)]
    at = {g.person_id: g for g in grade_group([GradeInput(1, D(score))] + others, r)}[1]
    under = {g.person_id: g for g in grade_group([GradeInput(1, D(below))] + others, r)}[1]
    assert (at.rank, at.proposed, at.final) == (1, grade_at, grade_at)
    assert (under.rank, under.proposed) == (1, grade_below)


def test_a_score_of_exactly_90_is_excellent_through_a_month_close(client, org, county):
    """O1 logs 440 points (a full workload) and a verified complaint costs 10 of the 20 quality points:
    30 + 50 + 10 = 90.00 exactly. Everyone else is pushed below 90 with the same complaint, so O1 is first of
    ten (quota 2) and excellent only because 90.00 ≥ 90."""
    sign_in(client, org["panel_a"].badge)
    assert client.post(_url(county, "/open")).status_code == 302
    for badge, person in county.officers.items():
        response = client.post(_url(county, "/adjustments"), data={
            "person": person.badge, "kind": "complaint", "points": "10", "reason": "Verified complaint"})
        assert response.status_code == 302
    assert client.post(_url(county, "/compute")).status_code == 302
    db.session.expire_all()
    results = {r.person.name: r for r in db.session.scalars(select(MonthResult))}
    o1, o2 = results["O1"], results["O2"]
    assert (o1.base, o1.workload, o1.quality, o1.score) == (D("30.00"), D("50.00"), D("10.00"), D("90.00"))
    assert (o1.rank, o1.proposed_grade, o1.final_grade) == (1, EXCELLENT, EXCELLENT)
    # O2 (418 points) scores the same 90.00 and shares the first place, inside the quota of two.
    assert (o2.score, o2.rank, o2.final_grade) == (D("90.00"), 1, EXCELLENT)
    # O3 (396 points): 30 + 49.50 + 10 = 89.50, below the threshold by half a point.
    assert (results["O3"].score, results["O3"].final_grade) == (D("89.50"), COMPETENT)


# --- b. A score's explanation: the panel, and the officer once published ----------------------------------------


def test_a_score_explanation_is_for_the_panel_and_its_own_officer_once_published(client, new_client, org, county):
    _close_october(client, org, county)
    results = {r.person.name: r for r in db.session.scalars(select(MonthResult))}
    o3 = results["O3"]
    path = f"/month/results/{o3.id}"
    assert client.get(path).status_code == 200  # the panel
    readers = {}
    for who in ("O3", "O2"):
        readers[who] = new_client()
        sign_in(readers[who], county.officers[who].badge)
    for who in ("officer_a", "supervisor_a", "hr_a", "admin_a", "root_admin"):
        readers[who] = new_client()
        sign_in(readers[who], org[who].badge)
    # Computed, not published: nobody but the panel, not even the officer.
    for who, reader in readers.items():
        assert reader.get(path).status_code == 404, who
    assert client.post(_url(county, "/publish"), data={"confirm": "yes"}).status_code == 302
    assert readers["O3"].get(path).status_code == 200
    for who, reader in readers.items():
        if who != "O3":
            assert reader.get(path).status_code == 404, who


# --- c. A round's export is HR's ---------------------------------------------------------------------------------


def test_a_rounds_export_is_only_for_hr_over_its_unit(client, new_client, org, county, history):  # noqa: F811
    round_ = _round(client, org, county)
    assert client.get(f"/hr/rounds/{round_.id}/export.xlsx").status_code == 200
    hr_b = make_person("300009", "HR B", org.dept_b, org.post, roles={"hr": org.city_b})
    db.session.commit()
    for who in ("officer_a", "supervisor_a", "panel_a", "admin_a", "root_admin", "survey", hr_b.badge):
        other = new_client()
        sign_in(other, org[who].badge if who in org.people else who)
        response = other.get(f"/hr/rounds/{round_.id}/export.xlsx")
        assert response.status_code == 404, who
        assert not response.mimetype.endswith("sheet"), who


# --- d. A refused request keeps nothing ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 404, 409, 422])
def test_a_request_that_writes_and_then_answers_4xx_keeps_nothing(app, client, org, status):
    """The one commit per request (worklog/web.py) commits only answers below 400: a route that has written
    and then refuses must not leave its writes behind, whether it returns the status or aborts with it."""
    province_id = org.province.id

    def writes_then_refuses(how: str):
        db.session.add(Unit(code=f"W{how}", name="Written, then refused", parent_id=province_id, level="city"))
        db.session.flush()
        if how == "abort":
            abort(status)
        return "refused", status

    app.add_url_rule("/test/writes-then-refuses/<how>", view_func=writes_then_refuses, methods=["POST"])
    app.add_url_rule("/test/writes", view_func=lambda: (writes_then_refuses("ok"), ("done", 200))[1],
                     endpoint="writes", methods=["POST"])
    before = db.session.scalar(select(func.count()).select_from(Unit))
    for how in ("return", "abort"):
        assert client.post(f"/test/writes-then-refuses/{how}").status_code == status
    assert db.session.scalar(select(func.count()).select_from(Unit)) == before
    # The same route answering 200 does commit: the test above is not passing for want of a commit at all.
    assert client.post("/test/writes").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Unit)) == before + 1


def test_a_refused_form_on_a_real_page_keeps_nothing(client, org, county):
    """A refusal by a service after the route had written (the adjustment's person is unknown)."""
    sign_in(client, org["panel_a"].badge)
    assert client.post(_url(county, "/open")).status_code == 302
    before = state_counts()
    response = client.post(_url(county, "/adjustments"), data={"person": "no-such-badge", "kind": "complaint",
                                                               "points": "5", "reason": "x"})
    assert 400 <= response.status_code < 500
    assert state_counts() == before


# --- e. Finalising a month is in the audit trail --------------------------------------------------------------------


def test_finalising_a_month_writes_its_audit_event(app, client, org, county):
    _close_october(client, org, county)
    assert client.post(_url(county, "/publish"), data={"confirm": "yes"}).status_code == 302
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))
    app.config["FIXED_NOW"] = _at(review.publication_ends + timedelta(days=1))
    assert client.post(_url(county, "/finalise"), data={"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(MonthReview, review.id).status == "final"
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "month.finalised")))
    assert len(events) == 1
    event = events[0]
    assert (event.object_type, event.object_id, event.actor_id, event.unit_id) == (
        "month_review", review.id, org["panel_a"].id, county.unit.id)
    assert event.before["status"] == "published" and event.after["status"] == "final"


# --- f. The last day of an appeal window is inside it ----------------------------------------------------------------


def test_a_monthly_appeal_on_the_last_day_of_the_window_is_accepted_the_day_after_refused(app, client, new_client,
                                                                                          org, county):
    # Published on Wednesday 25 November 2026 (the pinned clock); three working days: 26, 27 and 30 November.
    _close_october(client, org, county)
    assert client.post(_url(county, "/publish"), data={"confirm": "yes"}).status_code == 302
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))
    assert review.appeal_deadline == date(2026, 11, 30)
    path = f"/my/months/{review.id}"
    app.config["FIXED_NOW"] = _at(date(2026, 11, 30))
    o2 = new_client()
    sign_in(o2, county.officers["O2"].badge)
    assert o2.post(path, data={"reason": "A commendation is missing"}).status_code == 302
    app.config["FIXED_NOW"] = _at(date(2026, 12, 1))
    o3 = new_client()
    sign_in(o3, county.officers["O3"].badge)
    before = state_counts()
    response = o3.post(path, data={"reason": "One day too late"})
    assert response.status_code == 422 and "The appeal window closed on 2026-11-30." in response.get_data(as_text=True)
    assert state_counts() == before
    assert [a.person_id for a in db.session.scalars(select(Appeal))] == [county.officers["O2"].id]


def test_a_year_appeal_on_the_last_day_of_the_window_is_accepted_the_day_after_refused(app, client, new_client,
                                                                                       org, county, history):  # noqa: F811
    _year(app, client, org, county, finalise=False)
    review = db.session.scalar(select(YearReview))
    assert review.appeal_deadline == date(2026, 11, 30)
    app.config["FIXED_NOW"] = _at(date(2026, 11, 30))
    o5 = new_client()
    sign_in(o5, county.officers["O5"].badge)
    assert o5.post(f"/my/years/{review.id}", data={"reason": "A commendation is missing"}).status_code == 302
    app.config["FIXED_NOW"] = _at(date(2026, 12, 1))
    o4 = new_client()
    sign_in(o4, county.officers["O4"].badge)
    before = state_counts()
    response = o4.post(f"/my/years/{review.id}", data={"reason": "One day too late"})
    assert response.status_code == 422 and "The appeal window closed on 2026-11-30." in response.get_data(as_text=True)
    assert state_counts() == before
    assert [a.person_id for a in db.session.scalars(select(YearAppeal))] == [county.officers["O5"].id]


# --- g. The services' own checks, without the routes in front of them ------------------------------------------------


def test_nobody_reopens_their_own_week_even_sitting_on_the_panel(app, org, signed):  # noqa: F811
    from worklog.admin import services as admin
    from worklog.weekly import services as weekly
    officer = org["officer_a"]
    admin.grant_role(officer, "panel", org.county_a, None)  # now on the panel that reopens weeks
    db.session.commit()
    review = db.session.scalar(select(WeekReview).where(WeekReview.person_id == officer.id,
                                                        WeekReview.week_start == MONDAY))
    assert review.status == "signed"
    before = state_counts()
    with force_locale("en"), pytest.raises(ServiceError, match="Nobody reopens their own week."):
        weekly.unsign_week(review, "I want to change it", officer)
    db.session.rollback()
    assert state_counts() == before
    assert db.session.get(WeekReview, review.id).status == "signed"
    # The panel's other member may.
    weekly.unsign_week(db.session.get(WeekReview, review.id), "Corrections needed", org["panel_a"])
    assert db.session.get(WeekReview, review.id).status == "open"


@pytest.mark.parametrize("status", ["open", "computed", "final"])
def test_year_appeals_only_while_published(app, client, org, county, history, status):  # noqa: F811
    from worklog.annual import services as annual
    _year(app, client, org, county, finalise=False)
    review = db.session.scalar(select(YearReview))
    # As a reopening may leave it: a status other than published, with an appeal deadline still ahead.
    review.status, review.appeal_deadline = status, date(2026, 12, 31)
    db.session.commit()
    o5 = county.officers["O5"]
    before = state_counts()
    with force_locale("en"), pytest.raises(ServiceError,
                                           match="Appeals can be filed only while the results are published."):
        annual.file_year_appeal(review, o5, "A commendation is missing", o5)
    db.session.rollback()
    assert state_counts() == before
    # Published again, the same appeal is accepted: the refusal above was for the status alone.
    review = db.session.get(YearReview, review.id)
    review.status = "published"
    annual.file_year_appeal(review, o5, "A commendation is missing", o5)
    assert db.session.scalar(select(func.count()).select_from(YearAppeal)) == 1
