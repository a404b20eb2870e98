"""The week page by keyboard alone: tab to the approve-all button, press Enter, then sign."""
from __future__ import annotations

from sqlalchemy import select

from models import Entry, WeekReview
from tests.browser.test_day_page import _sign_in
from tests.factories import PASSWORD
from tests.weekly.conftest import MONDAY, log_week
from worklog.extensions import db


def test_review_and_sign_a_week_by_keyboard(app, live_server, browser_page, org, catalog):
    log_week(app, org["officer_a"], catalog, days=2, per_day=1)
    page = browser_page
    _sign_in(page, live_server, org["supervisor_a"].badge)
    page.goto(f"{live_server}/review/{org['officer_a'].id}/{MONDAY.isoformat()}")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Approve every waiting entry":
            break
    else:
        raise AssertionError("the approve-all button is not reachable by keyboard")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-success")
    page.focus("#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server}/review?week={MONDAY.isoformat()}")
    assert page.script_errors == []
    db.session.expire_all()
    assert {e.status for e in db.session.scalars(select(Entry))} == {"approved"}
    assert db.session.scalar(select(WeekReview.status)) == "signed"


def test_a_ready_week_is_signed_from_the_home_page_in_three_interactions(app, live_server, chromium, org, catalog):
    """The supervisor's home page lists the weeks ready to sign; the link opens the week with the password field
    focused in the signing bar: a click, the password, Enter."""
    from worklog.weekly import services
    entries = log_week(app, org["officer_a"], catalog, days=2, per_day=1)
    for entry in entries:
        services.approve(entry, db.session.get(type(org["supervisor_a"]), org["supervisor_a"].id))
    db.session.commit()
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        _sign_in(page, live_server, org["supervisor_a"].badge)
        interactions = 0
        page.click("section.signing-duty a.sign-link")
        interactions += 1
        page.wait_for_selector("#sign")
        assert page.evaluate("() => document.activeElement.id") == "password"
        page.keyboard.type(PASSWORD)
        interactions += 1
        page.keyboard.press("Enter")
        interactions += 1
        page.wait_for_selector(".flash-success")
    finally:
        context.close()
    assert interactions <= 3 and errors == []
    db.session.expire_all()
    assert db.session.scalar(select(WeekReview.status)) == "signed"
