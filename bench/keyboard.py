"""The officer's day by keyboard in a real browser (issue 12): three tasks and the day's submission, scripted.

A fresh demo (SQLite) is served by the bench's server; Chromium (Debian's, through Playwright) signs in as the demo
officer and, on the day page, types ``jcj 3`` Enter, ``rhzf 5`` Enter, ``xxpx 2`` Ctrl+Enter, a self-assessment and
Enter: eight interactions. The floor is the same three entries and the submission posted by the bench's plain HTTP
client to the same server, taking turns with the browser. Printed:

``day_by_keyboard seconds floor_seconds ratio s interactions=8 n=…``
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

from bench.client import Browser, Server
from bench.data import ROOT, Settings, child_environment
from bench.figures import info, timings

OFFICER, PASSWORD = "310002", "Jingwu-2026"
LINES = (("jcj 3", "Enter"), ("rhzf 5", "Enter"), ("xxpx 2", "Control+Enter"))


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _demo(url: str) -> None:
    env = child_environment(url)
    for args in (["db", "upgrade"], ["demo"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)


def _open_days(url: str, today) -> list[str]:
    """Today and the days before it still open to the officer (within the back-fill window, in no signed week),
    newest first: each takes one run of each kind, so that no daily cap is reached."""
    from datetime import timedelta
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    with engine.connect() as conn:
        signed = {str(row[0]) for row in conn.execute(text(
            "SELECT week_start FROM week_review JOIN person ON person.id = week_review.person_id "
            "WHERE person.badge = :badge AND week_review.status = 'signed'"), {"badge": OFFICER})}
    engine.dispose()
    days = [today - timedelta(days=back) for back in range(7)]
    return [d.isoformat() for d in days if (d - timedelta(days=d.weekday())).isoformat() not in signed]


def _by_keyboard(page, base: str, day: str) -> float:
    page.goto(f"{base}/day/{day}")
    started = time.perf_counter()
    for text, key in LINES:
        page.keyboard.type(text)
        page.keyboard.press(key)
        for _ in range(400):
            if page.evaluate("() => document.querySelector('#quick-line').value === ''"):
                break
            time.sleep(0.005)
    for _ in range(400):
        if page.evaluate("() => document.activeElement && document.activeElement.id === 'self_assessment'"):
            break
        time.sleep(0.005)
    page.keyboard.type("接警三起，入户走访五户，参加培训两小时")
    page.keyboard.press("Enter")
    page.wait_for_selector(".flash-success")
    return time.perf_counter() - started


def _by_form_posts(client: Browser, day: str, tasks: dict[str, str]) -> float:
    token = client.token(f"/day/{day}")
    started = time.perf_counter()
    for code, quantity in (("PS01", "3"), ("PS04", "5"), ("GG01", "2")):
        answer = client.post(f"/day/{day}/entries", {"csrf_token": token, "task_type": tasks[code],
                                                     "quantity": quantity, "completion": "done"})
        if answer.status != 302:
            raise RuntimeError(f"the floor's entry was refused: {answer.status}")
    answer = client.post(f"/day/{day}/submit", {"csrf_token": token, "self_assessment": "接警三起"})
    if answer.status != 302:
        raise RuntimeError(f"the floor's submission was refused: {answer.status}")
    return time.perf_counter() - started


def run(settings: Settings) -> None:
    chromium = _chromium()
    if not chromium:
        info("keyboard: Chromium is not installed, skipped")
        return
    from playwright.sync_api import sync_playwright
    from sqlalchemy import create_engine, text
    with tempfile.TemporaryDirectory(prefix="worklog-bench-keyboard-") as folder:
        url = f"sqlite:///{folder}/demo.db"
        info("keyboard: a fresh demo …")
        _demo(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            tasks = dict(conn.execute(text("SELECT code, id FROM task_type WHERE code IN ('PS01', 'PS04', 'GG01')"))
                         .all())
        engine.dispose()
        tasks = {code: str(task_id) for code, task_id in tasks.items()}
        now = datetime.now(timezone.utc)
        with Server(url, now.isoformat(), settings.workers, folder) as server, sync_playwright() as playwright:
            base = f"http://127.0.0.1:{server.port}"
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
            page.goto(f"{base}/sign-in")
            page.fill("#badge", OFFICER)
            page.fill("#password", PASSWORD)
            page.click("button.primary")
            page.wait_for_url(f"{base}/")
            client = Browser(server.port)
            client.sign_in(OFFICER, PASSWORD)
            product, floor = [], []
            for day in _open_days(url, now.date())[:settings.repeats]:
                product.append(_by_keyboard(page, base, day))
                floor.append(_by_form_posts(client, day, tasks))
            browser.close()
    timings("day_by_keyboard", product, floor, "s", interactions=8)
