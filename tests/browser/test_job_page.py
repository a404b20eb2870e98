"""A job's page in a real browser: its script follows the job's parts as they finish, then shows the end."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_day_page import _sign_in
from tests.jobs.conftest import NOVEMBER, signed  # noqa: F401  (the ledgers' signed week)
from worklog.extensions import db
from worklog.jobs import runner, services


def test_the_job_page_follows_the_parts_as_they_finish(app, live_server, browser_page, org, signed, tmp_path):
    job = services.start_month_close(org.province, {"month": NOVEMBER, "subtree": True}, org["root_admin"])
    db.session.commit()
    parts = runner.parts(job)
    page = browser_page
    _sign_in(page, live_server, org["root_admin"].badge)
    page.goto(f"{live_server}/jobs/{job.id}")
    assert page.eval_on_selector("progress", "p => [p.value, p.max]") == [0, 5]
    assert page.inner_text(".job-status") == "Queued"

    for unit_id in parts[:2]:
        runner.run_part(job.id, unit_id)
    # (Playwright's own waits are used: the page's CSP forbids the string evaluation of wait_for_function.)
    expect(page.locator(".job-count")).to_have_text("2 of 5 parts done", timeout=10_000)
    assert page.eval_on_selector("progress", "p => [p.value, p.max]") == [2, 5]
    assert page.inner_text(".job-status") == "Running"
    assert page.inner_text(".job-units") == "P Province\nCA City A"
    page.screenshot(path=str(tmp_path / "running.png"))

    for unit_id in parts[2:]:
        runner.run_part(job.id, unit_id)
    # Finished: the page reloads itself and shows what the server renders for a finished job.
    expect(page.locator("section[data-finished=true]")).to_have_count(1, timeout=10_000)
    assert page.inner_text(".job-status") == "Done"
    assert "CA1 County A1: 7 officers" in page.inner_text(".job-units")
    assert page.script_errors == []
