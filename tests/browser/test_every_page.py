"""Every page of every demo role, in Chromium at 390 × 844 in Chinese: it fits the phone's screen (a wide table
scrolls inside its own box, never the page), no status, date or other short cell breaks across lines, and axe-core finds no
accessibility violation (issue 12, points 4 and 6).

The demo is loaded once; the addresses are those of ``app.url_map`` with their parameters filled from the demo's
objects (as the privacy crawl does), one visit per address and role; spreadsheets, JSON and evidence files are left
out.
"""
from __future__ import annotations

import os
from collections import defaultdict

import pytest
from flask_babel import force_locale

from tests.browser.test_day_page import _sign_in
from tests.test_privacy_crawl import _addresses
from worklog import demo

axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")

#: What the page measures in the browser: how far it overflows the screen, and the status badges that wrap.
MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1 && !el.closest('.table-wrap, .scroll')) {
      wide.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
                ? '.' + el.className.trim().split(/\\s+/).join('.') : '') + ' ' + Math.round(box.right));
    }
  }
  // A short word (a status, a date, a place like 1 / 17) laid out on more than one line: its text's line boxes.
  const wrapped = [];
  for (const el of document.querySelectorAll('.badge, .status, td, th')) {
    const words = el.textContent.trim();
    if (!words || words.length > 12 || el.closest('.visually-hidden')
        || el.querySelector('br, input, select, textarea, button, form, .visually-hidden')) { continue; }
    const tops = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) { if (r.width > 0) { tops.push(r.top); } }
    }
    // Lines lie a line's height apart; a badge's text sits a few pixels off the cell's text on the same line.
    if (tops.length && Math.max(...tops) - Math.min(...tops) > 10) { wrapped.push(words); }
  }
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 5), wrapped: wrapped};
}"""


def _html_addresses(app) -> list[str]:
    """Every page's address; spreadsheets, JSON and evidence files (downloads) left out."""
    return [a for a in _addresses(app) if not a.endswith((".csv", ".xlsx", ".json")) and "/export" not in a
            and "/inspection/attachments/" not in a]


@pytest.mark.slow
def test_every_page_fits_a_phone_and_passes_axe(app, runner, live_server, chromium):
    from worklog.extensions import db
    with force_locale("en"):
        assert runner.invoke(args=["demo"]).exit_code == 0
    addresses = _html_addresses(app)
    db.session.commit()  # the server's requests write (sign-in): the test's transaction must not hold the lock
    axe = axe_module.Axe()
    too_wide, wrapped, violations = [], [], defaultdict(set)
    visited = 0
    for role, badge in demo.ACCOUNTS.items():
        context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        page = context.new_page()
        try:
            page.goto(f"{live_server}/sign-in")
            page.fill("#badge", badge)
            page.fill("#password", demo.DEMO_PASSWORD)
            page.click("button.primary")
            page.wait_for_url(f"{live_server}/")
            for address in addresses:
                response = page.goto(f"{live_server}{address}")
                if response is None or response.status != 200 or "text/html" not in response.headers.get(
                        "content-type", ""):
                    continue
                visited += 1
                measured = page.evaluate(MEASURE)
                if measured["scroll"] > measured["width"] + 1:
                    too_wide.append((role, address, measured["scroll"], measured["wide"]))
                if measured["wrapped"]:
                    wrapped.append((role, address, measured["wrapped"][:3]))
                for violation in axe.run(page).response["violations"]:
                    violations[(violation["id"], violation["impact"])].add(f"{role} {address}")
        finally:
            context.close()
    report = {rule: sorted(pages)[:4] + [f"… {len(pages)} pages"] for rule, pages in violations.items()}
    if os.environ.get("EVERY_PAGE_REPORT"):
        import json
        with open(os.environ["EVERY_PAGE_REPORT"], "w") as out:
            json.dump({"visited": visited, "too_wide": too_wide, "wrapped": wrapped,
                       "violations": {f"{k[0]} {k[1]}": sorted(v) for k, v in violations.items()}}, out,
                      ensure_ascii=False, indent=1)
    assert visited > 150, visited
    assert too_wide == [], too_wide
    assert wrapped == [], wrapped
    assert report == {}, report
