"""The ledger pages and exports: who sees them, what they show, how many queries they cost."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from models import Department, DepartmentMonth, Role, UnitMonth
from tests.daily.conftest import count_queries
from tests.factories import make_person, sign_in
from tests.ledgers.conftest import NOVEMBER, bulk_entries, working_days
from worklog.admin import services as admin
from worklog.extensions import db
from worklog.ledgers import services as ledgers

pytestmark = pytest.mark.postgres


def _pages(org) -> list[str]:
    unit, department = org.county_a.id, org.dept_a.id
    return [f"/ledgers/units/{unit}/2026-11", f"/ledgers/units/{unit}/2026-11/departments",
            f"/ledgers/units/{unit}/year/2026", f"/ledgers/departments/{department}/2026-11"]


def _exports(org) -> list[str]:
    unit, department = org.county_a.id, org.dept_a.id
    return [f"/ledgers/units/{unit}/2026-11/export.xlsx", f"/ledgers/units/{unit}/2026-11/departments/export.xlsx",
            f"/ledgers/units/{unit}/year/2026/export.xlsx", f"/ledgers/departments/{department}/2026-11/export.xlsx"]


@pytest.mark.parametrize("who, status", [
    ("panel_a", 200), ("hr_a", 200), ("admin_a", 200), ("root_admin", 200),
    ("officer_a", 404), ("supervisor_a", 404), ("admin_b", 404), ("survey", 404),
])
def test_ledgers_are_for_the_panel_hr_and_admins_of_the_unit(client, org, signed, who, status):
    sign_in(client, org[who].badge)
    for path in _pages(org) + _exports(org):
        assert client.get(path).status_code == status, path
    # Another city's administrator has ledgers of their own, just not these.
    assert client.get("/ledgers/").status_code == (200 if status == 200 or who == "admin_b" else 404)


def test_the_index_lists_the_units_of_ones_grants_and_refuses_others(client, org):
    sign_in(client, org["hr_a"].badge)
    page = client.get("/ledgers/").get_data(as_text=True)
    assert "City A" in page and "County A1" not in page  # the county is reached from its city
    client.post("/sign-out")
    sign_in(client, org["officer_a"].badge)
    assert client.get("/ledgers/").status_code == 404
    assert "/ledgers/" not in client.get("/").get_data(as_text=True)  # no menu item


def test_a_missing_unit_or_month_is_404_and_anonymous_users_sign_in(client, org):
    assert client.get(f"/ledgers/units/{org.county_a.id}/2026-11").status_code == 302
    sign_in(client, org["root_admin"].badge)
    for path in ("/ledgers/units/9999/2026-11", f"/ledgers/units/{org.county_a.id}/2026-13",
                 f"/ledgers/units/{org.county_a.id}/november", f"/ledgers/units/{org.county_a.id}/year/1066",
                 "/ledgers/departments/9999/2026-11", f"/ledgers/units/{org.county_a.id}/2026-11/export.csv"):
        assert client.get(path).status_code == 404, path


def test_the_pages_show_the_signed_week_and_drill_down_to_the_officer(client, org, signed):
    sign_in(client, org["panel_a"].badge)
    unit = client.get(f"/ledgers/units/{org.county_a.id}/2026-11").get_data(as_text=True)
    assert "Station A" in unit and "25.00" in unit
    assert f"/ledgers/departments/{org.dept_a.id}/2026-11" in unit
    classified = client.get(f"/ledgers/units/{org.county_a.id}/2026-11/departments").get_data(as_text=True)
    assert "Operations" in classified and "Team building" in classified and "25.00" in classified
    department = client.get(f"/ledgers/departments/{org.dept_a.id}/2026-11").get_data(as_text=True)
    assert "Officer A" in department
    officer_link = f"/people/{org['officer_a'].id}/ledger/2026-11"
    assert officer_link in department
    assert "Patrol" in client.get(officer_link).get_data(as_text=True)  # the entries themselves
    # Unsigned work stays out of the unit's ledgers: nothing in October.
    assert "25.00" not in client.get(f"/ledgers/units/{org.county_a.id}/2026-10").get_data(as_text=True)


def test_a_city_ranks_its_counties_by_approved_points_per_officer(client, org, catalog, signed):
    county = admin.create_unit(org.city_a, {"code": "CA2", "name": "County A2"}, None)
    station = admin.create_department(county, {"code": "PCS", "name": "Station A2"}, None)
    people = [make_person(f"70000{i}", f"Officer A2-{i}", station, org.post) for i in range(2)]
    days = working_days(date(2026, 11, 2), date(2026, 11, 6))
    for person in people:
        bulk_entries(person, station, catalog["T1"], days, "4")  # 20 points each: 20 per officer
    ledgers.refresh([station.id], [NOVEMBER])
    db.session.commit()
    sign_in(client, org["admin_a"].badge)
    page = client.get(f"/ledgers/units/{org.city_a.id}/2026-11").get_data(as_text=True)
    # County A1: 25 points for one officer, first; County A2: 40 points for two officers, 20 each, second.
    assert page.index("County A1") < page.index("County A2")
    assert "25.00" in page and "20.00" in page and "65.00" in page  # and the city with both
    year = client.get(f"/ledgers/units/{org.city_a.id}/year/2026")
    text = year.get_data(as_text=True)
    assert year.status_code == 200 and "<svg" in text and "<script" not in text and "style=" not in text


def test_the_department_ledger_export_opens_and_its_totals_match(client, org, catalog, signed):
    other = admin.create_department(org.county_a, {"code": "XZ", "name": "Brigade"}, None)
    bulk_entries(org["panel_a"], other, catalog["T3"], working_days(date(2026, 11, 2), date(2026, 11, 6)), "3",
                 approved="2.5")
    ledgers.refresh([other.id], [NOVEMBER])
    db.session.commit()
    sign_in(client, org["hr_a"].badge)
    response = client.get(f"/ledgers/units/{org.county_a.id}/2026-11/departments/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    heads, departments, total = rows[0], rows[1:-1], rows[-1]
    approved = heads.index("Approved points")
    assert [r[1] for r in departments] == ["Station A", "Brigade"]
    stored = db.session.get(UnitMonth, (org.county_a.id, NOVEMBER))
    assert sum(Decimal(str(r[approved])) for r in departments) == stored.approved_points == Decimal("37.50")
    assert Decimal(str(total[approved])) == stored.approved_points
    # Each category's approved column adds up to the department's approved points.
    category_columns = [i for i, h in enumerate(heads) if str(h).endswith(": approved")]
    for row in departments:
        assert sum(Decimal(str(row[i] or 0)) for i in category_columns) == Decimal(str(row[approved]))
    # Per capita: Station A 25 for one officer; the brigade 12.50 for one; ranked in that order.
    per_capita, rank = heads.index("Approved points per officer"), heads.index("Rank")
    assert [(r[per_capita], r[rank]) for r in departments] == [(25, 1), (12.5, 2)]
    unit_book = load_workbook(io.BytesIO(client.get(f"/ledgers/units/{org.county_a.id}/2026-11/export.xlsx").data))
    assert [s.title for s in unit_book.worksheets] == ["Unit", "Departments"]
    assert unit_book["Unit"]["E2"].value == 37.5


def _grow(org, catalog, departments: int, officers: int) -> None:
    """Many more departments, officers, categories and entries in the county, all signed."""
    days = working_days(date(2026, 11, 2), date(2026, 11, 20))
    made = []
    for d in range(departments):
        made.append(admin.create_department(org.county_a, {"code": f"D{d}", "name": f"Department {d}"}, None))
    for i in range(officers):
        department = made[i % len(made)]
        person = make_person(f"8{i:05d}", f"Officer {i}", department, org.post)
        for task in ("T1", "T2", "T3"):
            bulk_entries(person, department, catalog[task], days, str(i % 7 + 1))
    ledgers.refresh([d.id for d in made], [NOVEMBER])
    db.session.commit()


def test_pages_use_a_bounded_number_of_queries(client, org, catalog, signed):
    admin.grant_role(org["panel_a"], Role.panel.value, org.city_a, None)  # so the city's page is seen too
    db.session.commit()
    sign_in(client, org["panel_a"].badge)
    paths = _pages(org) + _exports(org) + [f"/ledgers/units/{org.city_a.id}/2026-11",
                                           f"/ledgers/units/{org.city_a.id}/year/2026"]
    few = {}
    for path in paths:
        client.get(path)
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        few[path] = len(statements)
    _grow(org, catalog, departments=6, officers=30)
    assert db.session.scalar(select(DepartmentMonth.officers).where(
        DepartmentMonth.department_id == db.session.scalar(select(Department.id).where(
            Department.code == "D0")))) == 5
    for path in paths:
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        assert len(statements) == few[path], path
        assert len(statements) <= 20, path
