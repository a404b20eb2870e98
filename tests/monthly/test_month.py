"""The panel's month: a hand-computed county of ten officers, publication and appeals, sealing."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from models import Appeal, DepartmentMonth, DepartmentMonthCategory, MonthResult, MonthReview, UnitMonth
from tests.factories import sign_in, state_counts
from tests.monthly.conftest import OCTOBER
from worklog.extensions import db

pytestmark = pytest.mark.postgres

D = Decimal
PAGE = "/month/{unit}/2026-10"


def _url(county, suffix=""):
    return PAGE.format(unit=county.unit.id) + suffix


def _results(county):
    db.session.expire_all()
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))
    rows = db.session.scalars(select(MonthResult).where(MonthResult.month_review_id == review.id))
    return {row.person.name: row for row in rows}


def _close_october(client, org, county):
    """The panel opens October, records the adjustments and the veto, and computes."""
    sign_in(client, org["panel_a"].badge)
    assert client.post(_url(county, "/open")).status_code == 302
    for badge, kind, points, reason in (("O1", "commendation", "5", "Commended by the city bureau"),
                                        ("O9", "complaint", "5", "Verified complaint"),
                                        ("O10", "discipline", "10", "Late to duty twice")):
        response = client.post(_url(county, "/adjustments"), data={
            "person": county.officers[badge].badge, "kind": kind, "points": points, "reason": reason})
        assert response.status_code == 302, response.get_data(as_text=True)
    response = client.post(_url(county, "/vetoes"), data={"person": county.officers["O6"].badge,
                                                         "event_date": "2026-10-14", "reason": "Absent without leave"})
    assert response.status_code == 302
    assert client.post(_url(county, "/compute")).status_code == 302


def test_hand_computed_month(client, org, county):
    _close_october(client, org, county)
    results = _results(county)
    # Target 400 a month; 22 working days. Score = base + workload + quality + bonus:
    expected = {
        # name: (base, workload, quality, bonus, score, rank, grade)
        "O1": ("30.00", "50.00", "20.00", "5.00", "105.00", 1, "excellent"),     # 440 ≥ 400; +5 commendation
        "O2": ("30.00", "50.00", "20.00", "0.00", "100.00", 2, "excellent"),     # 418 ≥ 400
        "O3": ("30.00", "49.50", "20.00", "0.00", "99.50", 3, "competent"),      # 50 × 396/400; outside quota 2
        "O8": ("28.50", "50.00", "18.50", "0.00", "97.00", 4, "competent"),      # 3 late −1.5; returned −1, reduced −0.5
        "O4": ("30.00", "46.75", "20.00", "0.00", "96.75", 5, "competent"),      # 50 × 374/400
        "O5": ("30.00", "44.00", "20.00", "0.00", "94.00", 6, "competent"),      # 50 × 352/400
        "O7": ("28.00", "37.50", "20.00", "0.00", "85.50", 7, "competent"),      # 2 days missing; 50 × 300/400
        "O10": ("20.00", "22.00", "20.00", "0.00", "62.00", 8, "basic"),         # −10 discipline; 50 × 176/400
        "O9": ("30.00", "13.75", "15.00", "0.00", "58.75", 9, "incompetent"),    # −5 complaint; 50 × 110/400
        "O6": ("30.00", "38.50", "20.00", "0.00", "88.50", 10, "incompetent"),   # vetoed: ranked last
    }
    got = {name: (str(r.base), str(r.workload), str(r.quality), str(r.bonus), str(r.score), r.rank, r.final_grade)
           for name, r in results.items()}
    assert got == expected
    assert {r.quota for r in results.values()} == {2}
    assert sum(r.final_grade == "excellent" for r in results.values()) == 2  # quota use: 2 of 2
    assert (results["O7"].missing_days, results["O8"].late_days) == (2, 3)
    assert (results["O8"].returned_entries, results["O8"].reduced_entries) == (1, 1)
    assert results["O6"].veto and results["O6"].proposed_grade == "incompetent"

    # The ledgers of the month: 218 entries, 3314.00 points claimed, 3308.00 approved (O8's 20 → 14).
    month = db.session.get(DepartmentMonth, (county.department.id, OCTOBER))
    assert (month.officers, month.entries, month.points, month.approved_points) == (10, 218, D("3314.00"),
                                                                                    D("3308.00"))
    unit = db.session.get(UnitMonth, (county.unit.id, OCTOBER))
    assert (unit.officers, unit.entries, unit.approved_points) == (10, 218, D("3308.00"))
    cells = db.session.scalars(select(DepartmentMonthCategory).where(
        DepartmentMonthCategory.department_id == county.department.id))
    assert sum(c.approved_points for c in cells) == D("3308.00")

    # Every officer's explanation says how it was reached.
    page = client.get(f"/month/results/{results['O3'].id}").get_data(as_text=True)
    assert "49.50" in page and "rank 3 of 10" in page and "top 2 (20%)" in page
    # Stored as codes with their values, it reads in Chinese as well.
    zh = client.get(f"/month/results/{results['O3'].id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "10 人中第 3 名" in zh and "前 2 名（20%）" in zh and "基础分 30.00" in zh


def test_results_stored_with_text_explanations_read_as_written(client, org, county):
    # Months sealed before explanations were codes keep their English lines: never rewritten, shown as they are.
    _close_october(client, org, county)
    result = _results(county)["O3"]
    db.session.execute(update(MonthResult).where(MonthResult.id == result.id).values(explanation={
        "score": [{"rule": "late_days", "value": "−1.00", "detail": "2 late day(s) × 0.50 = 1.00"}],
        "grade": [{"rule": "excellent_quota", "value": "rank 3 of 10", "threshold": "top 2 (20%)", "passed": False}]}))
    db.session.commit()
    page = client.get(f"/month/results/{result.id}", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "2 late day(s) × 0.50 = 1.00" in page and "rank 3 of 10" in page and "top 2 (20%)" in page


def test_an_upheld_appeal_changes_the_grade_and_the_published_ranking(app, client, org, county):
    _close_october(client, org, county)
    assert client.post(_url(county, "/publish"), data={"confirm": "yes"}).status_code == 302
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == county.unit.id))
    client.post("/sign-out")
    o3 = county.officers["O3"]
    sign_in(client, o3.badge)
    page = client.get(f"/my/months/{review.id}").get_data(as_text=True)
    assert "99.50" in page and "O1" in page  # own result and the unit's published list
    response = client.post(f"/my/months/{review.id}", data={"reason": "A commendation was not recorded"})
    assert response.status_code == 302
    appeal = db.session.scalar(select(Appeal))
    client.post("/sign-out")
    sign_in(client, org["panel_a"].badge)
    response = client.post(f"/month/appeals/{appeal.id}/decide", data={
        "outcome": "uphold", "decision": "Commendation of 12 October confirmed", "kind": "commendation",
        "points": "1"})
    assert response.status_code == 302
    results = _results(county)
    assert results["O3"].score == D("100.50") and results["O3"].rank == 2
    assert results["O3"].final_grade == "excellent"
    assert results["O2"].rank == 3 and results["O2"].final_grade == "competent"
    assert db.session.get(Appeal, appeal.id).status == "upheld"
    assert db.session.get(MonthReview, review.id).status == "published"


def test_overrides_stay_within_the_quota(client, org, county):
    _close_october(client, org, county)
    results = _results(county)
    response = client.post(f"/month/results/{results['O3'].id}/override",
                           data={"grade": "excellent", "reason": "Outstanding case work"})
    assert response.status_code == 302
    assert _results(county)["O3"].final_grade == "competent"  # refused: quota full
    client.post(f"/month/results/{results['O2'].id}/override", data={"grade": "competent", "reason": "Complaint"})
    client.post(f"/month/results/{results['O3'].id}/override",
                data={"grade": "excellent", "reason": "Outstanding case work"})
    results = _results(county)
    assert (results["O2"].final_grade, results["O3"].final_grade) == ("competent", "excellent")
    assert results["O3"].override_reason == "Outstanding case work"
    assert sum(r.final_grade == "excellent" for r in results.values()) == 2


def _finalise(app, client, county):
    assert client.post(_url(county, "/publish"), data={"confirm": "yes"}).status_code == 302
    app.config["FIXED_NOW"] = datetime(2026, 12, 4, 4, 0, tzinfo=timezone.utc)  # after publication
    assert client.post(_url(county, "/finalise"), data={"confirm": "yes"}).status_code == 302
    assert db.session.scalar(select(MonthReview.status)) == "final"


def test_a_final_month_refuses_every_write_path(app, client, runner, org, catalog, county):
    _close_october(client, org, county)
    _finalise(app, client, county)
    app.config["BACKFILL_DAYS"] = 400  # so that only the seal stands in the way
    results = _results(county)
    before = state_counts()
    assert client.post(_url(county, "/compute")).status_code == 302
    client.post(_url(county, "/adjustments"), data={"person": county.officers["O2"].badge, "kind": "commendation",
                                                    "points": "1", "reason": "x"})
    client.post(_url(county, "/vetoes"), data={"person": county.officers["O2"].badge, "event_date": "2026-10-02",
                                               "reason": "x"})
    client.post(f"/month/results/{results['O2'].id}/override", data={"grade": "basic", "reason": "x"})
    client.post(_url(county, "/publish"), data={"confirm": "yes"})
    # The officer cannot log, change or appeal anything of October.
    client.post("/sign-out")
    o2 = county.officers["O2"]
    sign_in(client, o2.badge)
    response = client.post("/day/2026-10-15/entries", data={"task_type": catalog["T1"].id, "quantity": "1",
                                                             "hours": "1", "completion": "done"})
    assert response.status_code == 422 and "sealed" in response.get_data(as_text=True)
    review = db.session.scalar(select(MonthReview))
    assert client.post(f"/my/months/{review.id}", data={"reason": "late"}).status_code == 422
    # Nor can the command line, nor the panel reopen a signed week of the month.
    from worklog.monthly import services
    from worklog.errors import ServiceError
    with pytest.raises(ServiceError):
        services.compute(db.session.get(MonthReview, review.id), None)
    db.session.rollback()
    from models import WeekReview
    from worklog.weekly import services as weekly
    week = WeekReview(person_id=o2.id, week_start=date(2026, 10, 5), unit_id=county.unit.id, status="signed",
                      entries=5, points=D("95"), approved_points=D("95"))
    db.session.add(week)
    db.session.flush()
    from flask_babel import force_locale
    with force_locale("en"), pytest.raises(ServiceError, match="sealed"):
        weekly.unsign_week(week, "mistake", db.session.get(type(o2), org["panel_a"].id))
    db.session.rollback()
    assert state_counts() == before
    assert _results(county)["O2"].final_grade == "excellent"


def test_reopening_is_recorded_and_opens_the_month_again(app, client, org, county):
    _close_october(client, org, county)
    _finalise(app, client, county)
    assert client.post(_url(county, "/reopen"), data={"reason": ""}).status_code == 302
    assert db.session.scalar(select(MonthReview.status)) == "final"  # a reason is required
    assert client.post(_url(county, "/reopen"), data={"reason": "Complaint upheld by the city"}).status_code == 302
    review = db.session.scalar(select(MonthReview))
    assert review.status == "computed" and review.reopened == 1
    # The ledgers say so.
    page = client.get(f"/ledgers/units/{county.unit.id}/2026-10").get_data(as_text=True)
    assert "reopened 1 time" in page
    from models import AuditEvent
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "month.reopened"))
    assert event.reason == "Complaint upheld by the city"


def test_only_the_units_panel_sees_and_acts(client, org, county):
    for who in ("officer_a", "supervisor_a", "admin_b", "hr_a"):
        sign_in(client, org[who].badge)
        assert client.get(_url(county)).status_code == 404, who
        assert client.post(_url(county, "/open")).status_code == 404, who
        client.post("/sign-out")
    assert db.session.scalar(select(func.count()).select_from(MonthReview)) == 0


def test_nobody_adjusts_or_grades_themselves(client, org, county):
    from worklog.admin import services as admin
    admin.assign(org["panel_a"], {"department": county.department, "post": org.post, "supervisor": None,
                                  "valid_from": date(2026, 10, 1)}, None)
    db.session.commit()
    sign_in(client, org["panel_a"].badge)
    client.post(_url(county, "/open"))
    response = client.post(_url(county, "/adjustments"), data={"person": org["panel_a"].badge,
                                                               "kind": "commendation", "points": "5",
                                                               "reason": "Self-praise"})
    assert response.status_code == 422 and "themselves" in response.get_data(as_text=True)


def test_a_withdrawn_veto_stops_counting_and_stays_on_record(client, org, county):
    from models import VetoEvent
    _close_october(client, org, county)
    veto = db.session.scalar(select(VetoEvent))
    assert client.post(f"/month/vetoes/{veto.id}/withdraw", data={"reason": ""}).status_code == 302
    assert db.session.get(VetoEvent, veto.id).voided_at is None  # a reason is required
    assert client.post(f"/month/vetoes/{veto.id}/withdraw", data={"reason": "Leave was approved"}).status_code == 302
    client.post(_url(county, "/compute"))
    results = _results(county)
    assert not results["O6"].veto and results["O6"].final_grade == "competent"
    db.session.expire_all()
    assert db.session.get(VetoEvent, veto.id).void_reason == "Leave was approved"


def test_the_results_are_shown_a_page_at_a_time(app, client, org, county):
    """A county of nearly 2,000 officers put every result on one 2 MB page; now a page holds PAGE_SIZE of them,
    in the order of sequence and place, and a page beyond the last shows the last."""
    _close_october(client, org, county)
    app.config["PAGE_SIZE"] = 4
    shown = []
    for page in (1, 2, 3):
        html = client.get(_url(county, f"?page={page}")).get_data(as_text=True)
        table = html[html.index("<h2>Scores and grades"):]
        table = table[:table.index("</table>")]
        rows = [badge for badge in county.officers if f"{county.officers[badge].name}</a>" in table]
        assert len(rows) == (4 if page < 3 else 2), (page, rows)
        assert "10 officers" in html and f"Page {page} of 3" in html
        shown += rows
    assert sorted(shown) == sorted(county.officers)
    last = client.get(_url(county, "?page=999999999999")).get_data(as_text=True)
    assert "Page 3 of 3" in last


def _count_queries(client, url: str) -> tuple[int, str]:
    from sqlalchemy import event
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if statement != "BEGIN":  # SQLite's own (BEGIN IMMEDIATE), not a query
            seen.append(" ".join(statement.split())[:150])
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        html = client.get(url).get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen, html


def test_completeness_is_a_page_of_its_own_and_the_month_page_stays_small(app, client, new_client, org, county):
    """The month page recomputed every officer's completeness on each view (27 queries, 2.5 s for a county of
    1,850 officers); it now runs no more than 10 queries, whatever the unit's size, and completeness has its
    own page: only the officers with something missing, a page at a time."""
    from models import WeekReview
    _close_october(client, org, county)
    # O1 has every October week signed; nobody else has any signed.
    o1 = county.officers["O1"]
    for monday in (date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26)):
        db.session.add(WeekReview(person_id=o1.id, week_start=monday, unit_id=county.unit.id, status="signed"))
    db.session.commit()
    app.config["PAGE_SIZE"] = 4
    queries, html = _count_queries(client, _url(county))
    assert len(queries) <= 10, "\n".join(queries)
    assert "Completeness</a>" in html

    seen = {}
    for page in (1, 2, 3):
        queries, html = _count_queries(client, _url(county, f"/completeness?page={page}"))
        assert len(queries) <= 11, "\n".join(queries)
        assert "9 officers have weeks not signed or days not submitted." in html
        assert f"Page {page} of 3" in html
        for badge, person in county.officers.items():
            if f"{person.name} <span" in html:
                row = html[html.index(f"{person.name} <span"):]
                seen[badge] = row[:row.index("</tr>")]
    assert sorted(seen) == sorted(set(county.officers) - {"O1"})
    # O7 did not submit 2 working days, O8 submitted 3 late; everyone's five weeks are unsigned.
    assert '<td class="num">2</td><td class="num">0</td>' in seen["O7"]
    assert '<td class="num">0</td><td class="num">3</td>' in seen["O8"]
    assert "09-28, 10-05, 10-12, 10-19, 10-26" in seen["O2"]
    # Nobody but the unit's panel sees it.
    other = new_client()
    sign_in(other, org["officer_a"].badge)
    assert other.get(_url(county, "/completeness")).status_code == 404
