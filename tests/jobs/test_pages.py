"""The jobs' pages: starting a close from the web, the job's page and its progress, and who may see them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import BackgroundJob, JobStatus, MonthReview, MonthStatus
from tests.factories import sign_in
from tests.jobs.conftest import NOVEMBER, NOW, results_of
from worklog import integrity
from worklog.extensions import db
from worklog.jobs import services


def _start(client, unit, month="2026-11", subtree="y"):
    data = {"unit": str(unit.id), "month": month}
    if subtree:
        data["subtree"] = subtree
    return client.post("/jobs", data=data)


def test_a_panel_starts_a_close_and_follows_it_on_the_job_page(client, org, signed):
    sign_in(client, org["panel_a"].badge)
    page = client.get("/jobs")
    assert page.status_code == 200 and b"Close a month" in page.data
    response = _start(client, org.county_a)
    job = db.session.scalar(select(BackgroundJob))
    assert response.status_code == 302 and response.location == f"/jobs/{job.id}"
    # No queue configured: the parts ran inline once the request had committed the job.
    assert (job.status, job.done, job.total, job.created_by_id) == (JobStatus.done.value, 1, 1, org["panel_a"].id)
    assert len(results_of(org.county_a)) == 7

    page = client.get(f"/jobs/{job.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<progress class="job-progress" max="1" value="1">' in text
    assert "1 of 1 parts done" in text and "CA1 County A1: 7 officers" in text
    assert 'src="/static/jobs.js"' in text and "<script>" not in text  # CSP: no inline script
    data = client.get(f"/jobs/{job.id}.json").get_json()
    assert data["status"] == "done" and data["finished"] is True and data["percent"] == 100
    assert data["units_done"] == [{"code": "CA1", "name": "County A1"}]


def test_the_progress_of_a_running_job(client, org, signed):
    job = services.start_month_close(org.province, {"month": NOVEMBER, "subtree": True}, org["root_admin"])
    job.status, job.done, job.units_done = JobStatus.running.value, 2, [org.province.id, org.city_a.id]
    db.session.commit()
    sign_in(client, org["root_admin"].badge)
    data = client.get(f"/jobs/{job.id}.json").get_json()
    assert (data["status"], data["done"], data["total"], data["percent"], data["finished"]) == \
        ("running", 2, 5, 40, False)
    assert [u["code"] for u in data["units_done"]] == ["P", "CA"]
    text = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'max="5" value="2"' in text and 'data-finished="false"' in text


def test_a_close_refused_from_the_web_writes_nothing(client, org, signed):
    db.session.add(MonthReview(unit_id=org.county_a.id, month=NOVEMBER, status=MonthStatus.final.value,
                               reopened=0))
    db.session.commit()
    sign_in(client, org["admin_a"].badge)
    response = _start(client, org.city_a)
    assert response.status_code == 422
    assert "2026-11 is final and sealed for CA1" in response.get_data(as_text=True)
    assert db.session.scalar(select(BackgroundJob)) is None
    # A month not begun is refused too (the clock is on 1 December 2026).
    assert _start(client, org.city_a, "2027-01").status_code == 422


def test_a_month_not_over_is_refused_from_the_web_naming_the_day_it_can_be_closed(client, app, org, signed):
    app.config["FIXED_NOW"] = NOW  # 25 November 2026: November is under way
    sign_in(client, org["admin_a"].badge)
    response = _start(client, org.city_a)
    assert response.status_code == 422
    assert "2026-11 is not over yet: it can be opened for grading from Dec 1, 2026. Nothing was changed." in \
        response.get_data(as_text=True)
    assert db.session.scalar(select(BackgroundJob)) is None and db.session.scalar(select(MonthReview)) is None
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    text = _start(client, org.city_a).get_data(as_text=True)
    assert "2026-11 尚未结束，自2026年12月1日起方可开启考核。未作任何更改。" in text


@pytest.mark.parametrize("who, unit, status", [
    ("officer_a", "county_a", 403),   # no panel or admin grant anywhere
    ("panel_a", "city_a", 404),       # a county's panel cannot close its city
    ("admin_b", "county_a", 404),     # another city's admin
    ("hr_a", "city_a", 403),          # HR closes no month
])
def test_only_the_panel_or_an_admin_over_the_unit_starts_a_close(client, org, signed, who, unit, status):
    sign_in(client, org[who].badge)
    assert _start(client, getattr(org, unit)).status_code == status
    assert db.session.scalar(select(BackgroundJob)) is None


@pytest.mark.parametrize("who, visible", [
    ("panel_a", True),       # who started it
    ("admin_a", True),       # an admin over its unit (City A covers County A1)
    ("root_admin", True),
    ("admin_b", False),      # another unit's admin
    ("officer_b", False),
    ("hr_a", False),         # HR over the city, but a close is not theirs to see
    ("officer_a", False),
])
def test_a_job_is_seen_by_who_started_it_and_admins_over_its_unit(client, org, signed, who, visible):
    job = services.start_month_close(org.county_a, {"month": NOVEMBER, "subtree": False}, org["panel_a"])
    db.session.commit()
    sign_in(client, org[who].badge)
    expected = 200 if visible else 404
    assert client.get(f"/jobs/{job.id}").status_code == expected
    assert client.get(f"/jobs/{job.id}.json").status_code == expected
    assert (f'href="/jobs/{job.id}"'.encode() in client.get("/jobs").data) is visible


def test_a_missing_job_is_404(client, org):
    sign_in(client, org["root_admin"].badge)
    assert client.get("/jobs/999").status_code == 404
    assert client.get("/jobs/99999999999999999999.json").status_code == 404


def test_a_failed_job_runs_again_from_its_page(client, new_client, org, signed):
    db.session.add(MonthReview(unit_id=org.county_a.id, month=NOVEMBER, status=MonthStatus.final.value,
                               reopened=0))
    db.session.commit()
    job = services.start_month_close(org.city_a, {"month": NOVEMBER, "subtree": False}, org["admin_a"])
    job.params = {**job.params, "parts": [org.city_a.id, org.county_a.id]}
    job.total = 2
    db.session.commit()
    sign_in(client, org["admin_a"].badge)
    from worklog.jobs import queue
    queue.dispatch(job.id)
    db.session.commit()
    text = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Failed" in text and "CA1: " in text and "Run the rest again" in text

    integrity.allow_reopening(db.session)  # the month reopened, shortest way: past the triggers of sealed rows
    db.session.execute(MonthReview.__table__.delete().where(MonthReview.unit_id == org.county_a.id))
    db.session.commit()
    response = client.post(f"/jobs/{job.id}/run-again")
    assert response.status_code == 302
    db.session.expire_all()
    job = db.session.get(BackgroundJob, job.id)
    assert (job.status, job.done, job.error) == (JobStatus.done.value, 2, "")
    # Done: nothing to run again.
    assert client.post(f"/jobs/{job.id}/run-again").status_code == 302
    other = new_client()
    sign_in(other, org["admin_b"].badge)
    assert other.post(f"/jobs/{job.id}/run-again").status_code == 404


def test_the_close_form_offers_the_last_month_over(client, app, org, signed):
    app.config["FIXED_NOW"] = NOW  # 25 November 2026
    sign_in(client, org["panel_a"].badge)
    page = client.get("/jobs").get_data(as_text=True)
    assert 'value="2026-10"' in page and "Only a month that is over can be closed." in page
