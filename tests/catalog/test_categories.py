"""The task categories' page, and a catalog imported on an installation that has no category yet (issue 15)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from models import AuditEvent, TaskCategory, TaskType
from tests.factories import sign_in
from worklog.extensions import db


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _category(code):
    return db.session.scalar(select(TaskCategory).where(TaskCategory.code == code))


@pytest.mark.parametrize("who, status", [("officer_a", 403), ("hr_a", 403), ("admin_a", 200), ("root_admin", 200)])
def test_who_sees_the_categories(client, org, catalog, who, status):
    sign_in(client, org[who].badge)
    response = client.get("/admin/task-categories")
    assert response.status_code == status
    if status == 200:
        text = response.get_data(as_text=True)
        assert "Operations" in text and "Team building" in text
        assert ("New category" in text) == (who == "root_admin")


def test_an_administrator_below_the_province_may_look_but_not_change(client, org, catalog):
    sign_in(client, org["admin_a"].badge)
    category = catalog["T1"].category
    before = (_count(TaskCategory), _count(AuditEvent))
    assert client.get("/admin/task-categories/new").status_code == 403
    assert client.post("/admin/task-categories/new", data={"code": "ZZ", "name": "Other"}).status_code == 403
    assert client.get(f"/admin/task-categories/{category.id}").status_code == 403
    assert client.post(f"/admin/task-categories/{category.id}",
                       data={"code": "YW", "name": "Renamed", "position": "0"}).status_code == 403
    unused = TaskCategory(code="UN", name="Unused", position=9)
    db.session.add(unused)
    db.session.commit()
    assert client.post(f"/admin/task-categories/{unused.id}/delete").status_code == 403
    assert (_count(TaskCategory), _count(AuditEvent)) == (before[0] + 1, before[1])
    assert client.get("/admin/task-categories/99999").status_code in (403, 404)


def test_create_and_edit_a_category(client, org, catalog):
    sign_in(client, org["root_admin"].badge)
    response = client.post("/admin/task-categories/new", data={"code": "QZ", "name": "Public work", "position": ""})
    assert response.status_code == 302
    created = _category("QZ")
    assert created.name == "Public work" and created.position == 2  # after Operations (0) and Team building (1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task_category.created"))
    assert event.object_id == created.id and event.after["code"] == "QZ"
    response = client.post(f"/admin/task-categories/{created.id}",
                           data={"code": "QZ", "name": "Public relations", "position": "0"})
    assert response.status_code == 302
    db.session.refresh(created)
    assert (created.name, created.position) == ("Public relations", 0)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task_category.updated"))
    assert event.before == {"name": "Public work", "position": 2}
    assert event.after == {"name": "Public relations", "position": 0}
    page = client.get("/admin/task-categories").get_data(as_text=True)
    assert page.index("Public relations") < page.index("Team building")
    # Left empty on an edit, the order stays as it was.
    client.post(f"/admin/task-categories/{created.id}", data={"code": "QZ", "name": "Public relations", "position": ""})
    db.session.refresh(created)
    assert created.position == 0


@pytest.mark.parametrize("data, field, message", [
    ({"code": "YW", "name": "Another"}, "code", "The code YW is already in use."),
    ({"code": "NEW", "name": "Team building"}, "name", "Another category is already called Team building."),
    ({"code": "bad code", "name": "Thing"}, "code", "letters, digits"),
    ({"code": "", "name": "Thing"}, "code", "required"),
    ({"code": "NEW", "name": ""}, "name", "required"),
    ({"code": "NEW", "name": "x" * 61}, "name", "60"),
    ({"code": "NEW", "name": "Thing", "position": "-1"}, "position", "between"),
    ({"code": "NEW", "name": "Thing", "position": "first"}, "position", "integer"),
])
def test_bad_category_input_is_refused_and_nothing_stored(client, org, catalog, data, field, message):
    sign_in(client, org["root_admin"].badge)
    before = (_count(TaskCategory), _count(AuditEvent))
    response = client.post("/admin/task-categories/new", data=data)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message.lower() in text.lower()
    assert "Nothing was saved" in text
    assert (_count(TaskCategory), _count(AuditEvent)) == before


def test_renaming_onto_another_categorys_code_is_refused(client, org, catalog):
    sign_in(client, org["root_admin"].badge)
    team = _category("DW")
    response = client.post(f"/admin/task-categories/{team.id}", data={"code": "YW", "name": "Team building"})
    assert response.status_code == 422 and "already in use" in response.get_data(as_text=True)
    db.session.refresh(team)
    assert team.code == "DW"


def test_a_category_in_use_is_not_deleted_an_unused_one_is(client, org, catalog):
    sign_in(client, org["root_admin"].badge)
    used = catalog["T3"].category
    response = client.post(f"/admin/task-categories/{used.id}/delete")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "is in use" in text and "mark its task types as not in use" in text
    assert _category("DW") is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task_category.deleted")) is None
    # One made by mistake, that nothing refers to, goes.
    spare = TaskCategory(code="SP", name="Spare", position=5)
    db.session.add(spare)
    db.session.commit()
    spare_id = spare.id
    response = client.post(f"/admin/task-categories/{spare_id}/delete")
    assert response.status_code == 302
    assert _category("SP") is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task_category.deleted"))
    assert event.before["code"] == "SP"
    assert client.post(f"/admin/task-categories/{spare_id}/delete").status_code == 404


def test_a_category_an_indicator_counts_is_not_deleted(client, org, catalog):
    from datetime import date
    from decimal import Decimal

    from models import Indicator, IndicatorPlan
    spare = TaskCategory(code="SP", name="Spare", position=5)
    plan = IndicatorPlan(unit_id=org.province.id, year=2026, valid_from=date(2026, 1, 1), dimensions=["Work"])
    db.session.add_all([spare, plan])
    db.session.flush()
    db.session.add(Indicator(plan_id=plan.id, position=1, key="k1", dimension="Work", name="Spare points",
                             measure="ledger_points", measure_param=str(spare.id), weight=Decimal("10")))
    db.session.commit()
    sign_in(client, org["root_admin"].badge)
    response = client.post(f"/admin/task-categories/{spare.id}/delete")
    assert response.status_code == 422 and "is in use" in response.get_data(as_text=True)
    assert _category("SP") is not None


def test_the_catalog_and_the_menu_lead_to_the_categories(client, org, catalog):
    sign_in(client, org["admin_a"].badge)
    page = client.get("/admin/tasks").get_data(as_text=True)
    assert page.count('href="/admin/task-categories"') == 2  # the page's button and the Administration menu


# --- The must-show: a catalog imported on an installation without any category ---------------------------

FRESH_CSV = ("code,name,category,category_name,sequence,posts,unit,standard_points,daily_cap,valid_from,active\n"
             "N1,Night patrol,YW,Operations,PS,PS-SQ,hour,1.5,10,2026-11-01,yes\n"
             "N2,Home visit,YW,Operations,PS,,household,0.5,40,,\n"
             "N3,Lecture,DW,Team building,,,session,3,2,,\n")


@pytest.mark.postgres  # all or nothing is one transaction there, chunks on SQLite
def test_a_catalog_imports_on_an_installation_without_categories(client, org):
    assert _count(TaskCategory) == 0 and _count(TaskType) == 0
    sign_in(client, org["root_admin"].badge)
    page = client.get("/admin/task-categories").get_data(as_text=True)
    assert "No categories yet" in page and "category_name" in page
    assert "There is no task category yet" in client.get("/admin/tasks/new").get_data(as_text=True)
    response = client.post("/admin/tasks/import", data={"file": (io.BytesIO(FRESH_CSV.encode()), "tasks.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "3 new, 0 updated, 0 unchanged" in text
    assert "New task categories: YW、DW." in text
    categories = db.session.scalars(select(TaskCategory).order_by(TaskCategory.position)).all()
    assert [(c.code, c.name, c.position) for c in categories] == [("YW", "Operations", 0), ("DW", "Team building", 1)]
    by_task = {t.code: t.category.code for t in db.session.scalars(select(TaskType))}
    assert by_task == {"N1": "YW", "N2": "YW", "N3": "DW"}
    created = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "task_category.created")).all()
    assert len(created) == 2
    imported = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "catalog.imported"))
    assert imported.after["categories"] == ["YW", "DW"]
    # The export names the categories too, so a catalog moves to another new installation in one file; and the
    # same file imported again changes nothing and makes no category.
    exported = client.get("/admin/tasks/export.csv").data.decode("utf-8-sig")
    assert exported.splitlines()[0].startswith("code,name,category,category_name,")
    assert "N1,Night patrol,YW,Operations,PS" in exported
    response = client.post("/admin/tasks/import", data={"file": (io.BytesIO(exported.encode()), "tasks.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "0 new, 0 updated, 3 unchanged" in text and "New task categories" not in text
    assert _count(TaskCategory) == 2


@pytest.mark.postgres  # all or nothing is one transaction there, chunks on SQLite
def test_a_fresh_import_with_a_bad_row_keeps_no_category(client, org):
    sign_in(client, org["root_admin"].badge)
    bad = FRESH_CSV + "N4,Thing,ZZ,,PS,,hour,1,10,,\n" + "N5,Thing,QQ,Other,PS,,hour,abc,10,,\n"
    events = _count(AuditEvent)
    response = client.post("/admin/tasks/import", data={"file": (io.BytesIO(bad.encode()), "tasks.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert '<td class="num">5</td><td>category</td>' in text
    assert "category_name" in text and "task categories page" in text
    assert '<td class="num">6</td><td>standard_points</td>' in text
    assert (_count(TaskCategory), _count(TaskType), _count(AuditEvent)) == (0, 0, events)


def test_a_row_that_names_an_unknown_category_without_its_name_points_to_the_page(client, org, catalog):
    sign_in(client, org["root_admin"].badge)
    bad = "code,name,category,unit,standard_points,daily_cap\nN1,Thing,Nope,hour,1,10\n"
    response = client.post("/admin/tasks/import", data={"file": (io.BytesIO(bad.encode()), "tasks.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "There is no category Nope." in response.get_data(as_text=True)
    assert _category("Nope") is None
