"""The day page in a real browser: find a task by typing, see the points while typing, add the entry."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from models import Entry
from tests.daily.conftest import TODAY
from tests.factories import PASSWORD
from worklog.extensions import db


def _sign_in(page, base, badge):
    page.goto(f"{base}/sign-in")
    page.fill("#badge", badge)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{base}/")


def test_points_preview_follows_the_form_and_matches_the_server(live_server, browser_page, org, catalog):
    page = browser_page
    _sign_in(page, live_server, org["officer_a"].badge)
    page.goto(f"{live_server}/day/{TODAY.isoformat()}")
    page.fill(".task-filter", "visit")
    assert page.eval_on_selector("#task_type", "s => s.options[s.selectedIndex].textContent").startswith("Home visit")
    page.fill("#quantity", "7")
    assert page.text_content("#points-preview") == "3.50"       # 7 × 0.5 × done 1.0 × 1.00
    page.check("input[name=completion][value=mostly]")
    assert page.text_content("#points-preview") == "2.80"       # × 0.8
    page.fill("#hours", "2")
    page.click("form.entry-form button.primary")
    page.wait_for_selector(".flash-success")
    assert page.script_errors == []
    entry = db.session.scalar(select(Entry))
    assert entry.points == Decimal("2.80") and entry.task_type_id == catalog["T2"].id


def test_phone_menu_opens_without_script(live_server, browser_page, org):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 800})
    _sign_in(page, live_server, org["root_admin"].badge)
    assert not page.is_visible("nav.menu")
    page.click("label.menu-button")
    assert page.is_visible("nav.menu details.menu-group summary")
    page.click("nav.menu details.menu-group summary")  # the administration's areas, folded into one entry
    assert page.is_visible("nav.menu a[href='/admin/people']")
