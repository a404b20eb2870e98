"""The officer's day by keyboard: three tasks found by pinyin initials and the day submitted, in a real browser,
in at most eight interactions (each typed text, key press or click counts one)."""
from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from models import DayLog, Entry, TaskCategory, TaskType, TaskTypeVersion
from tests.browser.test_day_page import _sign_in
from tests.daily.conftest import NOW, TODAY
from worklog.extensions import db


def _chinese_catalog(app, org) -> None:
    app.config["FIXED_NOW"] = NOW
    work = TaskCategory(code="YW", name="业务工作", position=0)
    team = TaskCategory(code="DW", name="队伍建设", position=1)
    db.session.add_all([work, team])
    for code, name, category, sequence, unit, points, cap in [
        ("PS01", "接处警", work, org.post.sequence, "起", "2.00", "30"),
        ("PS04", "入户走访", work, org.post.sequence, "户", "0.50", "60"),
        ("PS05", "接待群众", work, org.post.sequence, "人次", "0.20", "60"),
        ("GG01", "学习培训", team, None, "小时", "1.00", "8"),
    ]:
        task = TaskType(code=code, name=name, category=category, sequence=sequence, unit_of_measure=unit)
        task.versions.append(TaskTypeVersion(valid_from=date(2026, 1, 1), standard_points=Decimal(points),
                                             daily_cap=Decimal(cap)))
        db.session.add(task)
    db.session.commit()


class Counted:
    """The officer's hands: every typed text, key press and click is one interaction."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def type(self, text: str) -> None:
        self.count += 1
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.count += 1
        self.page.keyboard.press(key)

    def wait(self, script: str) -> None:
        for _ in range(200):
            if self.page.evaluate(script):
                return
            time.sleep(0.025)
        raise AssertionError(f"still false: {script}")


def test_a_three_task_day_is_logged_and_submitted_in_eight_interactions(app, live_server, chromium, org):
    _chinese_catalog(app, org)
    context = chromium.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        _sign_in(page, live_server, org["officer_a"].badge)
        page.goto(f"{live_server}/day/{TODAY.isoformat()}")
        assert page.evaluate("() => document.activeElement.id") == "quick-line"  # no click to begin
        hands = Counted(page)
        started = time.perf_counter()
        for line, key in (("jcj 3", "Enter"), ("rhzf 5", "Enter"), ("学习 2", "Control+Enter")):
            hands.type(line)
            hands.press(key)
            hands.wait("() => document.querySelector('#quick-line').value === ''")
        hands.wait("() => document.activeElement.id === 'self_assessment'")
        assert "学习培训 × 2 小时" in page.inner_text("#quick-status")
        hands.type("接警三起，入户走访五户，参加培训两小时")
        hands.press("Enter")
        page.wait_for_selector(".flash-success")
        seconds = time.perf_counter() - started
    finally:
        context.close()
    assert hands.count <= 8, hands.count
    assert errors == []
    entries = {(e.task_type.code, e.quantity, e.hours, e.completion) for e in db.session.scalars(select(Entry))}
    assert entries == {("PS01", Decimal("3.00"), Decimal("0.00"), "done"),
                       ("PS04", Decimal("5.00"), Decimal("0.00"), "done"),
                       ("GG01", Decimal("2.00"), Decimal("2.00"), "done")}
    log = db.session.scalar(select(DayLog))
    assert log.status == "submitted" and log.self_assessment.startswith("接警三起")
    print(f"\nday_by_keyboard interactions={hands.count} seconds={seconds:.2f}")


def test_the_line_finds_by_code_and_full_pinyin_and_refuses_what_it_cannot_find(app, live_server, browser_page,
                                                                                org):
    _chinese_catalog(app, org)
    page = browser_page
    _sign_in(page, live_server, org["officer_a"].badge)
    page.goto(f"{live_server}/day/{TODAY.isoformat()}")
    page.keyboard.type("ruhu")
    assert page.inner_text("#quick-list li[aria-selected=true]").startswith("入户走访")
    page.fill("#quick-line", "")
    page.keyboard.type("ps01")
    assert page.inner_text("#quick-list li[aria-selected=true]").startswith("接处警")
    page.keyboard.press("Enter")  # no quantity yet: the task waits in the line for it
    assert page.input_value("#quick-line") == "接处警 "
    page.keyboard.type("1.005")
    page.keyboard.press("Enter")
    page.wait_for_selector("#quick-status.error")
    assert "two decimal places" in page.inner_text("#quick-status") or "decimal" in page.inner_text("#quick-status")
    page.fill("#quick-line", "")
    page.keyboard.type("zzz 3")
    page.keyboard.press("Enter")
    assert "No task matches" in page.inner_text("#quick-status")
    assert db.session.scalar(select(Entry.id)) is None
    assert page.script_errors == []


def test_a_usual_task_is_one_tap_then_the_quantity(app, live_server, browser_page, org):
    from models import FavouriteTask
    _chinese_catalog(app, org)
    task = db.session.scalar(select(TaskType).where(TaskType.code == "PS05"))
    db.session.add(FavouriteTask(person_id=org["officer_a"].id, task_type_id=task.id))
    db.session.commit()
    page = browser_page
    _sign_in(page, live_server, org["officer_a"].badge)
    page.goto(f"{live_server}/day/{TODAY.isoformat()}")
    page.click(".usual-tasks button:has-text('接待群众')")
    assert page.input_value("#quick-line") == "接待群众 "
    assert page.evaluate("() => document.activeElement.id") == "quick-line"
    page.keyboard.type("4")
    page.keyboard.press("Enter")
    page.wait_for_selector("#quick-status:not(.error):has-text('接待群众')")
    assert db.session.scalar(select(Entry.quantity)) == Decimal("4.00")
    assert page.script_errors == []
