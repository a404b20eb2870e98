"""Administration of the task catalog and the working-day calendar."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AuditEvent, CalendarDay, Entry, TaskType, TaskTypeVersion
from tests.daily.conftest import TODAY
from tests.factories import sign_in
from worklog.extensions import db


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _new_task(client, catalog, **overrides):
    data = {"code": "T9", "name": "Traffic stop", "category": catalog["T1"].category_id, "sequence": "",
            "unit_of_measure": "case", "standard_points": "1.5", "daily_cap": "20",
            "valid_from": "2026-11-01", "active": "y", **overrides}
    return client.post("/admin/tasks/new", data=data)


@pytest.mark.parametrize("who, status", [("officer_a", 403), ("supervisor_a", 403), ("hr_a", 403),
                                         ("admin_a", 200), ("root_admin", 200)])
def test_catalog_pages_by_role(client, org, catalog, who, status):
    sign_in(client, org[who].badge)
    for path in ("/admin/tasks", f"/admin/tasks/{catalog['T1'].id}", "/admin/calendar"):
        assert client.get(path).status_code == status, path


def test_only_the_top_units_admin_changes_the_catalog(client, org, catalog):
    sign_in(client, org["admin_a"].badge)
    before = _count(TaskType)
    assert _new_task(client, catalog).status_code == 403
    assert client.post(f"/admin/tasks/{catalog['T1'].id}/versions", data={
        "valid_from": "2026-12-01", "standard_points": "9", "daily_cap": "9"}).status_code == 403
    assert client.post("/admin/calendar", data={"day": "2026-12-24", "working": "0", "name": "x"}).status_code == 403
    assert _count(TaskType) == before and _count(CalendarDay) == 0


def test_create_a_task_with_its_first_values(client, org, catalog):
    sign_in(client, org["root_admin"].badge)
    response = _new_task(client, catalog, posts=[str(org.post.id)], sequence=str(org.post.sequence_id))
    assert response.status_code == 302
    task = db.session.scalar(select(TaskType).where(TaskType.code == "T9"))
    assert [p.id for p in task.posts] == [org.post.id]
    assert [(v.valid_from, v.standard_points, v.daily_cap) for v in task.versions] == [
        (date(2026, 11, 1), Decimal("1.50"), Decimal("20.00"))]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task_type.created")) is not None


@pytest.mark.parametrize("overrides, message", [
    ({"code": "T1"}, "already in use"),
    ({"code": "bad code!"}, "letters, digits"),
    ({"name": ""}, "required"),
    ({"standard_points": "-1"}, "between"),
    ({"daily_cap": "0"}, "between"),
    ({"valid_from": "2026-13-01"}, "date"),
])
def test_bad_task_input_is_refused_and_nothing_stored(client, org, catalog, overrides, message):
    sign_in(client, org["root_admin"].badge)
    before = (_count(TaskType), _count(TaskTypeVersion))
    response = _new_task(client, catalog, **overrides)
    assert response.status_code == 422
    assert message.lower() in response.get_data(as_text=True).lower()
    assert (_count(TaskType), _count(TaskTypeVersion)) == before


def test_posts_must_belong_to_the_sequence(client, org, catalog):
    sign_in(client, org["root_admin"].badge)
    other_sequence = catalog["X1"].sequence_id
    response = _new_task(client, catalog, sequence=str(other_sequence), posts=[str(org.post.id)])
    assert response.status_code == 422 and _count(TaskType) == 4


def test_new_values_apply_from_their_date_and_used_values_cannot_be_rewritten(client, org, catalog):
    officer = org["officer_a"]
    from worklog.daily import services as day
    day.add_entry(officer, {"work_date": TODAY, "task_type": catalog["T1"], "quantity": "2", "hours": "1",
                            "completion": "done"}, officer)
    db.session.commit()
    sign_in(client, org["root_admin"].badge)
    # The values from 1 January are used by the entry: they cannot be corrected in place.
    response = client.post(f"/admin/tasks/{catalog['T1'].id}/versions", data={
        "valid_from": "2026-01-01", "standard_points": "7", "daily_cap": "10"})
    assert response.status_code == 422 and "later date" in response.get_data(as_text=True)
    response = client.post(f"/admin/tasks/{catalog['T1'].id}/versions", data={
        "valid_from": "2026-12-01", "standard_points": "7", "daily_cap": "10"})
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry))
    assert entry.points == Decimal("4.00")
    task = db.session.get(TaskType, catalog["T1"].id)
    assert task.version_on(date(2026, 11, 30)).standard_points == Decimal("2.00")
    assert task.version_on(date(2026, 12, 1)).standard_points == Decimal("7.00")


def test_calendar_days_move_deadlines(client, org, catalog):
    sign_in(client, org["root_admin"].badge)
    assert client.post("/admin/calendar", data={"day": "2026-11-26", "working": "0",
                                                "name": "Holiday"}).status_code == 302
    row = db.session.get(CalendarDay, date(2026, 11, 26))
    assert row is not None and not row.working
    from worklog import timekeeping
    # Wednesday 25th is due on Friday 27th now, Thursday being a holiday.
    assert timekeeping.deadline_for(TODAY).date() == date(2026, 11, 27)
    page = client.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "Holiday" in page
    assert client.post("/admin/calendar/2026-11-26/delete").status_code == 302
    assert db.session.get(CalendarDay, date(2026, 11, 26)) is None
    assert client.post("/admin/calendar", data={"day": "not a date", "working": "0"}).status_code == 422


CSV_GOOD = ("code,name,category,sequence,posts,unit,standard_points,daily_cap,valid_from,active\n"
            "N1,Night patrol,YW,PS,PS-SQ,hour,1.5,10,2026-11-01,yes\n"
            "N2,Lecture,Team building,,,session,3,2,,\n")


def test_import_creates_then_updates_with_new_values_and_export_round_trips(client, org, catalog):
    sign_in(client, org["root_admin"].badge)
    response = client.post("/admin/tasks/import", data={"file": (io.BytesIO(CSV_GOOD.encode()), "tasks.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    n1 = db.session.scalar(select(TaskType).where(TaskType.code == "N1"))
    assert n1.sequence.code == "PS" and [p.code for p in n1.posts] == ["PS-SQ"]
    changed = CSV_GOOD.replace("hour,1.5,10,2026-11-01", "hour,2.5,10,2026-12-01")
    response = client.post("/admin/tasks/import", data={"file": (io.BytesIO(changed.encode()), "tasks.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "0 new, 1 updated, 1 unchanged" in response.get_data(as_text=True)
    db.session.refresh(n1)
    assert [(v.valid_from, v.standard_points) for v in n1.versions] == [
        (date(2026, 11, 1), Decimal("1.50")), (date(2026, 12, 1), Decimal("2.50"))]
    exported = client.get("/admin/tasks/export.csv")
    assert exported.status_code == 200
    before = (_count(TaskType), _count(TaskTypeVersion))
    response = client.post("/admin/tasks/import", data={"file": (io.BytesIO(exported.data), "tasks.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "0 new, 0 updated" in response.get_data(as_text=True)
    assert (_count(TaskType), _count(TaskTypeVersion)) == before


def test_import_with_bad_rows_imports_nothing_and_lists_every_one(client, org, catalog):
    sign_in(client, org["root_admin"].badge)
    bad = ("code,name,category,sequence,posts,unit,standard_points,daily_cap\n"
           "N1,Night patrol,YW,PS,,hour,1.5,10\n"          # fine
           "N2,,YW,PS,,hour,1.5,10\n"                      # row 3: no name
           "N3,Thing,Nope,PS,,hour,1.5,10\n"               # row 4: unknown category
           "N4,Thing,YW,PS,,hour,abc,10\n"                 # row 5: points not a number
           "N5,Thing,YW,ZZ,,hour,1,10\n"                   # row 6: unknown sequence
           "N6,Thing,YW,PS,NOPE,hour,1,10\n")              # row 7: unknown post
    before = (_count(TaskType), _count(TaskTypeVersion), _count(AuditEvent))
    response = client.post("/admin/tasks/import", data={"file": (io.BytesIO(bad.encode()), "tasks.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for row, column in [(3, "name"), (4, "category"), (5, "standard_points"), (6, "sequence"), (7, "posts")]:
        assert f'<td class="num">{row}</td><td>{column}</td>' in text
    assert (_count(TaskType), _count(TaskTypeVersion), _count(AuditEvent)) == before
