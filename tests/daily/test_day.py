"""The officer's day: entries, the rules that guard them, submission, deadlines, the ledger and the dashboard."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import AuditEvent, CalendarDay, DayLog, Entry, PersonDayTotal, TaskTypeVersion
from tests.daily.conftest import TODAY, count_queries
from tests.factories import make_person, sign_in
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _add(client, day, task, quantity="1", hours="1", completion="done", description=""):
    return client.post(f"/day/{day.isoformat()}/entries", data={
        "task_type": task.id, "quantity": quantity, "hours": hours, "completion": completion,
        "description": description})


def _counts():
    return (db.session.scalar(select(func.count()).select_from(Entry)),
            db.session.scalar(select(func.count()).select_from(DayLog)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)))


def test_officer_logs_three_tasks_submits_and_sees_them_in_the_ledger(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    assert _add(client, TODAY, catalog["T1"], quantity="3", hours="3").status_code == 302
    assert _add(client, TODAY, catalog["T2"], quantity="12", hours="4", completion="mostly").status_code == 302
    assert _add(client, TODAY, catalog["T3"], quantity="2", hours="2", description="=cmd|' /C calc'!A0").status_code == 302
    response = client.post(f"/day/{TODAY.isoformat()}/submit", data={"self_assessment": "All done"})
    assert response.status_code == 302

    entries = list(db.session.scalars(select(Entry).order_by(Entry.id)))
    # 3 × 2 × 1.0 × 1.00 = 6; 12 × 0.5 × 0.8 = 4.80; 2 × 1 × 1.0 = 2
    assert [e.points for e in entries] == [Decimal("6.00"), Decimal("4.80"), Decimal("2.00")]
    assert {e.status for e in entries} == {"submitted"}
    day = db.session.scalar(select(DayLog))
    assert day.status == "submitted" and day.self_assessment == "All done" and not day.late

    ledger = client.get("/ledger/2026-11")
    text = ledger.get_data(as_text=True)
    assert ledger.status_code == 200
    assert "Patrol" in text and "Home visit" in text and "Training" in text and "12.80" in text

    # Another officer can neither see nor change any of it.
    other = org["officer_b"]
    client.post("/sign-out", data={})
    sign_in(client, other.badge)
    target = entries[0]
    assert client.get(f"/entries/{target.id}/edit").status_code == 404
    assert client.post(f"/entries/{target.id}/edit", data={"task_type": catalog["T1"].id, "quantity": "9",
                                                           "hours": "1", "completion": "done"}).status_code == 404
    assert client.post(f"/entries/{target.id}/delete").status_code == 404
    assert client.get(f"/people/{org['officer_a'].id}/ledger/2026-11").status_code == 404
    assert client.get(f"/people/{org['officer_a'].id}/ledger/2026-11/export.xlsx").status_code == 404
    db.session.expire_all()
    assert db.session.get(Entry, target.id).quantity == Decimal("3.00")
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 3


def test_supervisor_sees_the_officers_ledger(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    _add(client, TODAY, catalog["T1"], quantity="2")
    client.post("/sign-out", data={})
    sign_in(client, org["supervisor_a"].badge)
    response = client.get(f"/people/{org['officer_a'].id}/ledger/2026-11")
    assert response.status_code == 200 and "Patrol" in response.get_data(as_text=True)


@pytest.mark.parametrize("case, data, message", [
    ("zero quantity", {"quantity": "0"}, "above 0"),
    ("negative quantity", {"quantity": "-2"}, "above 0"),
    ("quantity over the daily cap", {"quantity": "11"}, "At most 10"),
    ("hours below 0", {"hours": "-1"}, "between 0 and 24"),
    ("hours above 24", {"hours": "25"}, "between 0 and 24"),
    ("quantity not a number", {"quantity": "abc"}, "number"),
    ("description too long", {"description": "x" * 501}, "500"),
    ("no completion", {"completion": "perfect"}, "Not a valid choice"),
])
def test_entry_rules_refuse_with_a_message_and_store_nothing(client, org, catalog, case, data, message):
    sign_in(client, org["officer_a"].badge)
    before = _counts()
    payload = {"task_type": catalog["T1"].id, "quantity": "1", "hours": "1", "completion": "done", **data}
    response = client.post(f"/day/{TODAY.isoformat()}/entries", data=payload)
    assert response.status_code == 422, case
    assert message in response.get_data(as_text=True), case
    assert _counts() == before


@pytest.mark.parametrize("offset, message", [
    (1, "future"),            # tomorrow
    (8, "no longer"),         # beyond the 7-day back-fill window
])
def test_dates_outside_the_open_window_are_refused(client, org, catalog, offset, message):
    sign_in(client, org["officer_a"].badge)
    day = TODAY + timedelta(days=1) if offset == 1 else TODAY - timedelta(days=offset)
    before = _counts()
    response = _add(client, day, catalog["T1"])
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _counts() == before
    response = client.post(f"/day/{day.isoformat()}/submit", data={"self_assessment": "x"})
    assert response.status_code == 422 and _counts() == before


def test_task_outside_the_post_catalog_is_refused(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    before = _counts()
    response = _add(client, TODAY, catalog["X1"])
    assert response.status_code == 422 and _counts() == before


def test_daily_cap_counts_the_whole_day_and_hours_at_most_24(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    assert _add(client, TODAY, catalog["T1"], quantity="6", hours="10").status_code == 302
    before = _counts()
    response = _add(client, TODAY, catalog["T1"], quantity="5", hours="1")  # 6 + 5 > cap 10
    assert response.status_code == 422 and "6" in response.get_data(as_text=True)
    response = _add(client, TODAY, catalog["T2"], quantity="1", hours="14.5")  # 10 + 14.5 > 24
    assert response.status_code == 422 and "24" in response.get_data(as_text=True)
    assert _counts() == before
    assert _add(client, TODAY, catalog["T1"], quantity="4", hours="14").status_code == 302  # exactly 10 and 24


def test_self_assessment_rules(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    before = _counts()
    assert client.post(f"/day/{TODAY.isoformat()}/submit", data={"self_assessment": ""}).status_code == 422
    response = client.post(f"/day/{TODAY.isoformat()}/submit", data={"self_assessment": "y" * 201})
    assert response.status_code == 422
    assert _counts() == before


def test_edit_and_delete_keep_the_roll_up_exact(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    _add(client, TODAY, catalog["T1"], quantity="2")
    _add(client, TODAY, catalog["T2"], quantity="10")
    first, second = db.session.scalars(select(Entry).order_by(Entry.id)).all()
    response = client.post(f"/entries/{first.id}/edit", data={"task_type": catalog["T1"].id, "quantity": "5",
                                                              "hours": "2", "completion": "mostly"})
    assert response.status_code == 302
    assert client.post(f"/entries/{second.id}/delete").status_code == 302
    db.session.expire_all()
    total = db.session.get(PersonDayTotal, (org["officer_a"].id, TODAY))
    assert total.entries == 1 and total.points == Decimal("8.00")  # 5 × 2 × 0.8
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "entry")))
    assert actions == {"entry.created", "entry.updated", "entry.deleted"}


def test_points_snapshot_survives_a_catalog_change(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    _add(client, TODAY, catalog["T1"], quantity="2")
    db.session.add(TaskTypeVersion(task_type_id=catalog["T1"].id, valid_from=TODAY,
                                   standard_points=Decimal("9"), daily_cap=Decimal("10")))
    db.session.commit()
    old = db.session.scalar(select(Entry))
    assert old.points == Decimal("4.00") and old.standard_points == Decimal("2.00")
    _add(client, TODAY, catalog["T1"], quantity="1")
    new = db.session.scalars(select(Entry).order_by(Entry.id.desc())).first()
    assert new.points == Decimal("9.00")
    db.session.refresh(old)
    assert old.points == Decimal("4.00")


def test_late_submission_is_flagged_and_the_deadline_follows_the_calendar(app, client, org, catalog):
    # Friday 20 November is due Monday 23 November 09:00 Shanghai; make Monday a holiday: due Tuesday.
    db.session.add(CalendarDay(day=date(2026, 11, 23), working=False, name="Holiday"))
    db.session.commit()
    sign_in(client, org["officer_a"].badge)
    friday = date(2026, 11, 20)
    _add(client, friday, catalog["T1"])
    client.post(f"/day/{friday.isoformat()}/submit", data={"self_assessment": "late one"})
    day = db.session.scalar(select(DayLog).where(DayLog.work_date == friday))
    assert day.deadline_at == datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
    assert day.late  # submitted on Wednesday 25th
    # Tuesday 24th, submitted on Wednesday at noon: before Wednesday 09:00? No — late too.
    tuesday = date(2026, 11, 24)
    client.post(f"/day/{tuesday.isoformat()}/submit", data={"self_assessment": "rest"})
    assert db.session.scalar(select(DayLog).where(DayLog.work_date == tuesday)).late
    # Today (Wednesday) is due Thursday 09:00: on time.
    client.post(f"/day/{TODAY.isoformat()}/submit", data={"self_assessment": "on time"})
    assert not db.session.scalar(select(DayLog).where(DayLog.work_date == TODAY)).late


def test_copy_previous_day_and_favourites(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    yesterday = TODAY - timedelta(days=1)
    _add(client, yesterday, catalog["T1"], quantity="2", completion="mostly")
    _add(client, yesterday, catalog["T2"], quantity="8")
    assert client.post(f"/day/{TODAY.isoformat()}/copy").status_code == 302
    copied = list(db.session.scalars(select(Entry).where(Entry.work_date == TODAY).order_by(Entry.id)))
    assert [(e.task_type_id, e.quantity, e.completion, e.status) for e in copied] == [
        (catalog["T1"].id, Decimal("2.00"), "done", "draft"), (catalog["T2"].id, Decimal("8.00"), "done", "draft")]

    client.post(f"/favourites/{catalog['T3'].id}", data={"day": TODAY.isoformat()})
    page = client.get(f"/day/{TODAY.isoformat()}").get_data(as_text=True)
    usual = page.index("My usual tasks")
    option = page.index(f'<option value="{catalog["T3"].id}"')
    assert usual < option < page.index('label="Operations"')
    # A task outside the post's catalog cannot be made a favourite.
    assert client.post(f"/favourites/{catalog['X1'].id}", data={"day": TODAY.isoformat()}).status_code == 404


def test_ledger_totals_equal_the_sum_of_the_entries(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    for offset, (task, quantity) in enumerate([("T1", "3"), ("T2", "7"), ("T3", "1.5"), ("T1", "1")]):
        _add(client, TODAY - timedelta(days=offset), catalog[task], quantity=quantity)
    from worklog.daily.queries import month_ledger
    ledger = month_ledger(org["officer_a"], TODAY)
    raw = db.session.scalar(select(func.sum(Entry.points)).where(Entry.person_id == org["officer_a"].id))
    assert ledger.total.points == raw == Decimal("13.00")  # 6 + 3.5 + 1.5 + 2
    assert sum(d.total.points for d in ledger.days) == raw
    assert sum(t.points for t in ledger.weeks.values()) == raw
    assert sum(t.points for _, t in ledger.categories) == raw
    rollup = db.session.scalar(select(func.sum(PersonDayTotal.points)).where(
        PersonDayTotal.person_id == org["officer_a"].id))
    assert rollup == raw


def test_exports_neutralise_formulas(client, org, catalog):
    sign_in(client, org["officer_a"].badge)
    _add(client, TODAY, catalog["T1"], description="=HYPERLINK(\"http://x\")")
    _add(client, TODAY, catalog["T2"], description="+1+1")
    response = client.get("/ledger/2026-11/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    descriptions = [row[-1] for row in rows[1:]]
    assert descriptions == ["'=HYPERLINK(\"http://x\")", "'+1+1"]
    response = client.get("/ledger/2026-11/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    cells = [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells == ["'=HYPERLINK(\"http://x\")", "'+1+1"]


def _fill_days(person, catalog, days: int, per_day: int):
    from worklog.daily import services
    for offset in range(days):
        day = TODAY - timedelta(days=offset)
        for _ in range(per_day):
            services.add_entry(person, {"work_date": day, "task_type": catalog["T2"], "quantity": "1",
                                        "hours": "0.5", "completion": "done", "description": ""}, person)
    db.session.commit()


@pytest.mark.parametrize("path", ["/ledger/2026-11", "/", "/day/2026-11-25", "/ledger/2026-11/export.xlsx"])
def test_pages_use_a_bounded_number_of_queries(app, client, org, catalog, path):
    person = org["officer_a"]
    sign_in(client, person.badge)
    _fill_days(person, catalog, days=2, per_day=2)
    client.get(path)
    with count_queries() as few:
        assert client.get(path).status_code == 200
    _fill_days(person, catalog, days=7, per_day=5)  # many more entries, over more days
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert len(many) == len(few)
    assert len(many) <= 30  # a fixed handful: session, person, roles, navigation, the page itself


def test_dashboard_shows_rank_target_and_clearance(client, org, catalog):
    officer, peer = org["officer_a"], org["supervisor_a"]  # same unit and sequence
    from worklog.daily import services
    services.add_entry(peer, {"work_date": TODAY, "task_type": catalog["T1"], "quantity": "5", "hours": "1",
                              "completion": "done"}, peer)
    db.session.commit()
    sign_in(client, officer.badge)
    _add(client, TODAY, catalog["T1"], quantity="2")
    client.post(f"/day/{TODAY.isoformat()}/submit", data={"self_assessment": "ok"})
    text = client.get("/").get_data(as_text=True)
    assert "4.00" in text and "400" in text  # month points and the post's target
    assert "2 of 2" in text  # second of the two officers who logged this month
    from worklog.daily.queries import dashboard
    board = dashboard(officer)
    # Working days of November up to Tuesday 24th are due (their deadlines have passed), plus nothing else;
    # only today was submitted, and today is not yet due but counts once submitted.
    assert board.clearance.cleared == 1
    assert board.clearance.due == 17 + 1  # 17 working days from 2 to 24 November, and today
    assert board.rank == 2 and board.peers == 2


@pytest.mark.parametrize("lang, word", [("zh-CN", "我的一天"), ("en", "My day")])
def test_day_and_ledger_render_in_both_languages(client, org, catalog, lang, word):
    sign_in(client, org["officer_a"].badge)
    _add(client, TODAY, catalog["T1"])
    for path in (f"/day/{TODAY.isoformat()}", "/ledger/2026-11", "/"):
        response = client.get(path, headers={"Accept-Language": lang})
        assert response.status_code == 200 and word in response.get_data(as_text=True), path


def test_officer_without_post_on_a_date_is_refused(client, org, catalog):
    newcomer = make_person("200099", "Newcomer", org.dept_a, org.post, valid_from=TODAY)
    db.session.commit()
    sign_in(client, newcomer.badge)
    response = _add(client, TODAY - timedelta(days=1), catalog["T1"])
    assert response.status_code == 422 and "no post" in response.get_data(as_text=True)


def test_the_smallest_quantity_is_accepted_and_nothing_below_it(client, org, catalog):
    """0.01 is the least an entry can hold. The form compared it with the float 0.01, a hair larger, and
    refused it as "not above 0"."""
    sign_in(client, org["officer_a"].badge)
    assert _add(client, TODAY, catalog["T2"], quantity="0.01").status_code == 302
    assert db.session.scalar(select(Entry.quantity)) == Decimal("0.01")
    assert _add(client, TODAY, catalog["T2"], quantity="0.00").status_code == 422
    assert _counts()[0] == 1
