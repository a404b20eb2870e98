"""Bulk import from CSV and XLSX: all or nothing, every bad row reported, updates by code and badge number."""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from models import AuditEvent, Department, Person, Post, RoleGrant, Sequence, Unit
from tests.factories import row_counts, sign_in, state_counts as org_counts
from worklog.admin import services
from worklog.admin.importer import ImportFailed, import_file
from worklog.extensions import db

pytestmark = pytest.mark.postgres

PEOPLE_HEADINGS = ["badge", "name", "rank", "hire_date", "unit_code", "department_code", "post_code",
                   "supervisor_badge", "valid_from", "roles"]


@pytest.fixture(autouse=True)
def english(app):
    with force_locale("en"):
        yield


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def person(badge: str) -> Person | None:
    db.session.expire_all()
    return db.session.scalar(select(Person).where(Person.badge == badge))


def history(badge: str) -> list[tuple[str, date, date | None]]:
    return [(a.department.code, a.valid_from, a.valid_to) for a in person(badge).assignments]


def grants(badge: str) -> set[tuple[str, str]]:
    return {(g.role, g.unit.code) for g in person(badge).grants}


def failure_of(data: bytes, filename: str, actor) -> ImportFailed:
    before = row_counts()
    with pytest.raises(ImportFailed) as failed:
        import_file(data, filename, actor)
    db.session.rollback()
    assert row_counts() == before, "a failed import kept something"
    return failed.value


def where(failure: ImportFailed) -> set[tuple[str, int, str]]:
    assert all(error.message for error in failure.errors)
    return {(error.sheet, error.row, error.column) for error in failure.errors}


@pytest.fixture
def new_client(app, client):
    """new_client() → another browser, of the same kind as the ``client`` fixture's (its own app context per
    request, English)."""
    def make():
        other = app.test_client()
        other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return other
    return make


@pytest.fixture
def login(new_client):
    def sign(badge: str):
        client = new_client()
        assert sign_in(client, badge).status_code == 302
        return client
    return sign


def upload(client, data: bytes, filename: str, kind: str = ""):
    return client.post("/admin/import", data={"file": (io.BytesIO(data), filename), "kind": kind},
                       content_type="multipart/form-data")


def reported_rows(response) -> set[tuple[str, int, str]]:
    """(sheet, row, column) of each bad row listed on the import page."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = set()
    for tr in soup.select("table tbody tr"):
        cells = [td.get_text(strip=True) for td in tr.find_all("td")]
        assert cells[3], "a bad row without a message"
        rows.add((cells[0], int(cells[1] or 0), cells[2]))
    return rows


# --- Formats ------------------------------------------------------------------------------------------------


def test_csv_people_by_city_admin(org):
    data = csv_bytes([PEOPLE_HEADINGS,
                      ["200101", "New One", "二级警员", "2024-05-01", "CA1", "PCS", "PS-SQ", "200001",
                       "2026-02-01", ""],
                      ["200102", "New Two", "", "2024/05/02", "CA1", "PCS", "PS-SQ", "200001", "2026-02-01",
                       "officer;supervisor"]])
    report = import_file(data, "people.csv", org["admin_a"])
    db.session.commit()
    assert report.created["people"] == 2 and report.updated["people"] == report.unchanged["people"] == 0
    one, two = person("200101"), person("200102")
    assert (one.name, one.rank, one.hire_date) == ("New One", "二级警员", date(2024, 5, 1))
    assert two.hire_date == date(2024, 5, 2)
    assert history("200101") == [("PCS", date(2026, 2, 1), None)]
    assert one.assignments[0].supervisor.badge == "200001"
    assert grants("200101") == {("officer", "CA1")}
    assert grants("200102") == {("officer", "CA1"), ("supervisor", "CA1")}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "org.imported"))
    assert event.actor_id == org["admin_a"].id and event.after["created"]["people"] == 2
    created = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.created",
                                                               AuditEvent.object_id.in_([one.id, two.id]))))
    assert [e.unit_id for e in created] == [org.county_a.id] * 2  # where city A's admin sees them


def test_xlsx_workbook_with_every_sheet_and_chinese_headings(org):
    data = xlsx({
        # Sheets in any order: units come first whatever the workbook says.
        "people": [["警号", "姓名", "入职日期", "单位代码", "部门代码", "岗位代码", "主管考核人警号", "生效日期", "角色"],
                   ["400001", "张伟", datetime(2020, 3, 1), "CA2", "XZDD", "XZ-ZC", "400002", date(2026, 3, 1),
                    ""],
                   [400002, "李强", "2015年6月1日", "CA2", "XZDD", "XZ-DZ", None, "2026-03-01", "主管"],
                   ["400003", "王芳", "20230901", "CA2", "PCS", "PS-JX", "400002", "2026.3.1", None],
                   [None, None, None, None, None, None, None, None, None]],
        "departments": [["单位代码", "部门代码", "部门名称"], ["CA2", "XZDD", "刑侦大队"], ["CA2", "PCS", "城关派出所"]],
        "posts": [["岗位代码", "岗位名称", "序列代码", "序列名称", "岗位系数", "月目标分"],
                  ["XZ-ZC", "侦查员", "XZ", "刑侦序列", 1, 380], ["XZ-DZ", "刑侦大队长", "XZ", "", 1.1, 360],
                  ["PS-JX", "见习民警", "PS", "", 0.85, 360]],
        "units": [["单位代码", "单位名称", "级别", "上级单位代码"], ["CA2", "示范县公安局", "县局", "CA"]],
    })
    report = import_file(data, "org.xlsx", org["root_admin"])
    db.session.commit()
    assert report.created == {"units": 1, "departments": 2, "posts": 3, "people": 3}
    county = db.session.scalar(select(Unit).where(Unit.code == "CA2"))
    assert (county.name, county.level, county.parent_id) == ("示范县公安局", "county", org.city_a.id)
    assert county.path == f"{org.city_a.path}{county.id}/"
    assert {d.code for d in county.departments} == {"XZDD", "PCS"}
    assert db.session.scalar(select(Sequence.name).where(Sequence.code == "XZ")) == "刑侦序列"
    trainee = db.session.scalar(select(Post).where(Post.code == "PS-JX"))
    assert trainee.coefficient == Decimal("0.85") and trainee.monthly_target_points == Decimal("360")
    assert person("400001").hire_date == date(2020, 3, 1)
    assert person("400002").hire_date == date(2015, 6, 1)
    assert person("400003").hire_date == date(2023, 9, 1)
    assert history("400003") == [("PCS", date(2026, 3, 1), None)]
    # 400001's supervisor comes two rows later in the same sheet.
    assert person("400001").assignments[0].supervisor.badge == "400002"
    assert grants("400002") == {("supervisor", "CA2")}


def test_gb18030_csv_with_chinese_headings(org):
    rows = [["警号", "姓名", "警衔", "单位代码", "部门代码", "岗位代码", "主管考核人警号", "生效日期"],
            ["200201", "欧阳娜娜", "一级警员", "CA1", "PCS", "PS-SQ", "200001", "2026-04-01"],
            ["200202", "诸葛亮", "", "CA1", "PCS", "PS-SQ", "", "2026/4/1"]]
    data = csv_bytes(rows, "gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # so the test really needs the GB18030 fallback
    report = import_file(data, "人员.csv", org["admin_a"])
    db.session.commit()
    assert report.created["people"] == 2
    assert person("200201").name == "欧阳娜娜" and person("200201").rank == "一级警员"
    assert history("200202") == [("PCS", date(2026, 4, 1), None)]


def test_utf8_csv_with_bom_and_semicolons(org):
    data = "\ufeffcode;name;sequence_code;monthly_target_points\nPS-XL;Patrol officer;PS;420\n".encode()
    report = import_file(data, "posts.csv", org["root_admin"])
    assert report.created["posts"] == 1
    assert db.session.scalar(select(Post.monthly_target_points).where(Post.code == "PS-XL")) == Decimal("420")


# --- All or nothing -----------------------------------------------------------------------------------------

BAD_WORKBOOK = {
    "posts": [["code", "name", "sequence_code", "coefficient", "monthly_target_points"],
              ["XZ-ZC", "Investigator", "PS", 1, 380],
              ["PS-JX", "Trainee", "PS", "abc", 360],
              ["PS-XX", "Too heavy", "PS", 5, 360]],
    "people": [["badge", "name", "hire_date", "unit_code", "department_code", "post_code",
                "supervisor_badge"],
               ["200101", "Good One", "2024-01-01", "CA1", "PCS", "PS-SQ", "200001"],
               ["200102", "Bad Unit", "", "ZZ9", "PCS", "PS-SQ", ""],
               ["200103", "Bad Date", "2024-02-30", "CA1", "PCS", "PS-SQ", ""],
               ["200104", "", "", "CA1", "PCS", "PS-SQ", ""],
               ["200105", "Bad Supervisor", "", "CA1", "PCS", "PS-SQ", "777777"],
               ["200101", "Good One Again", "", "CA1", "PCS", "PS-SQ", ""],
               ["20 01", "Bad Badge", "", "CA1", "PCS", "PS-SQ", ""],
               ["200107", "Bad Department", "", "CA1", "NOPE", "PS-SQ", ""],
               ["200108", "Good Two", "", "CA1", "PCS", "PS-SQ", ""]],
}
BAD_ROWS = {("posts", 3, "coefficient"), ("posts", 4, "coefficient"), ("people", 3, "unit_code"),
            ("people", 4, "hire_date"), ("people", 5, "name"), ("people", 6, "supervisor_badge"),
            ("people", 7, "badge"), ("people", 8, "badge"), ("people", 9, "department_code")}


def test_bad_rows_import_nothing_and_are_all_reported(org):
    failure = failure_of(xlsx(BAD_WORKBOOK), "bad.xlsx", org["root_admin"])
    assert where(failure) == BAD_ROWS
    messages = {(e.sheet, e.row): e.message for e in failure.errors}
    assert "777777" in messages[("people", 6)]
    assert "2024-02-30" in messages[("people", 4)]
    assert "row 2" in messages[("people", 7)]  # the duplicate names the row it repeats
    assert person("200101") is None and person("200108") is None


def test_bad_rows_through_the_page(org, login):
    client = login("100001")
    before = org_counts()
    response = upload(client, xlsx(BAD_WORKBOOK), "bad.xlsx")
    assert response.status_code == 422
    assert reported_rows(response) == BAD_ROWS
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert org_counts() == before


def test_bad_csv_rows_through_the_page(org, login):
    client = login("100002")
    data = csv_bytes([PEOPLE_HEADINGS,
                      ["200101", "Fine", "", "", "CA1", "PCS", "PS-SQ", "", "", ""],
                      ["200102", "Bad Role", "", "", "CA1", "PCS", "PS-SQ", "", "", "chief"],
                      ["200103", "Bad From", "", "", "CA1", "PCS", "PS-SQ", "", "someday", ""]])
    before = org_counts()
    response = upload(client, data, "people.csv")
    assert response.status_code == 422
    assert reported_rows(response) == {("CSV", 3, "roles"), ("CSV", 4, "valid_from")}
    assert org_counts() == before


# --- Importing again ----------------------------------------------------------------------------------------


def test_importing_again_updates_people_by_badge(org):
    admin = org["admin_a"]
    services.create_department(org.county_a, {"code": "PCS2", "name": "Station A2"}, None)
    db.session.commit()
    first = csv_bytes([PEOPLE_HEADINGS,
                       ["200101", "First Name", "", "", "CA1", "PCS", "PS-SQ", "200001", "2026-01-01", ""],
                       ["200102", "Mover", "", "", "CA1", "PCS", "PS-SQ", "200001", "2026-01-01", ""],
                       ["200103", "Stays", "", "", "CA1", "PCS", "PS-SQ", "200001", "2026-01-01", ""]])
    assert import_file(first, "people.csv", admin).created["people"] == 3
    db.session.commit()
    second = csv_bytes([PEOPLE_HEADINGS,
                        ["200101", "Renamed", "", "", "CA1", "PCS", "PS-SQ", "200001", "2026-01-01", ""],
                        ["200102", "Mover", "", "", "CA1", "PCS2", "PS-SQ", "200001", "2026-06-15", ""],
                        ["200103", "Stays", "", "", "CA1", "PCS", "PS-SQ", "200001", "2026-01-01", ""]])
    report = import_file(second, "people.csv", admin)
    db.session.commit()
    assert (report.created["people"], report.updated["people"], report.unchanged["people"]) == (0, 2, 1)
    assert "2 updated, 1 unchanged" in report.summary()
    assert person("200101").name == "Renamed"
    assert history("200102") == [("PCS", date(2026, 1, 1), date(2026, 6, 14)),
                                 ("PCS2", date(2026, 6, 15), None)]
    assert person("200102").assignment_on(date(2026, 6, 14)).department.code == "PCS"
    assert history("200103") == [("PCS", date(2026, 1, 1), None)]
    renamed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.updated"))
    assert (renamed.before, renamed.after) == ({"name": "First Name"}, {"name": "Renamed"})
    # The same file once more changes nothing but the record of the import itself.
    mark = db.session.scalar(select(func.max(AuditEvent.id)))
    report = import_file(second, "people.csv", admin)
    db.session.commit()
    assert (report.created["people"], report.updated["people"], report.unchanged["people"]) == (0, 0, 3)
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.id > mark))] == [
        "org.imported"]


def test_a_transfer_before_the_current_assignment_is_a_bad_row(org):
    data = csv_bytes([PEOPLE_HEADINGS,
                      ["200002", "Officer A", "", "", "CA1", "PCS", "PS-SQ", "", "2025-06-01", ""]])
    services.create_department(org.county_a, {"code": "PCS2", "name": "Station A2"}, None)
    db.session.commit()
    data = data.replace(b",PCS,", b",PCS2,")
    failure = failure_of(data, "people.csv", org["admin_a"])
    assert where(failure) == {("CSV", 2, "valid_from")}


def test_units_departments_and_posts_update_by_code(org):
    root = org["root_admin"]
    data = xlsx({"units": [["code", "name"], ["CA1", "County A One"], ["CB1", "County B1"]],
                 "departments": [["unit_code", "code", "name", "active"], ["CA1", "PCS", "Station A", "否"]],
                 "posts": [["code", "name", "sequence_code", "coefficient", "monthly_target_points"],
                           ["PS-SQ", "Community officer", "PS", "0.9", "400"]]})
    report = import_file(data, "org.xlsx", root)
    db.session.commit()
    assert report.updated == {"units": 1, "departments": 1, "posts": 1, "people": 0}
    assert report.unchanged == {"units": 1, "departments": 0, "posts": 0, "people": 0}
    db.session.expire_all()
    assert db.session.get(Unit, org.county_a.id).name == "County A One"
    assert db.session.get(Department, org.dept_a.id).active is False
    assert db.session.get(Post, org.post.id).coefficient == Decimal("0.90")


# --- Scope --------------------------------------------------------------------------------------------------


def test_city_admin_cannot_import_into_another_city(org):
    data = xlsx({
        "units": [["code", "name", "level", "parent_code"], ["CB2", "New in B", "county", "CB"],
                  ["CB1", "Renamed B", "", ""], ["CA2", "New in A", "county", "CA"]],
        "departments": [["unit_code", "code", "name"], ["CB1", "NEW", "New in B"],
                        ["CA1", "NEW", "New in A"]],
        "posts": [["code", "name", "sequence_code", "monthly_target_points"], ["PS-ZZ", "Any", "PS", 100]],
        "people": [["badge", "name", "unit_code", "department_code", "post_code"],
                   ["300101", "New in B", "CB1", "PCS", "PS-SQ"],
                   ["300002", "Officer B Renamed", "CA1", "PCS", "PS-SQ"],
                   ["200101", "New in A", "CA1", "PCS", "PS-SQ"]],
    })
    failure = failure_of(data, "org.xlsx", org["admin_a"])
    assert where(failure) == {("units", 2, "parent_code"), ("units", 3, "code"),
                              ("departments", 2, "unit_code"), ("posts", 2, "code"),
                              ("people", 2, "unit_code"), ("people", 3, "badge")}
    assert person("300002").name == "Officer B"
    assert db.session.scalar(select(Unit).where(Unit.code == "CA2")) is None


def test_import_cannot_lock_out_people_beyond_the_importer(org):
    """Root admin and province survey staff work in city A, but city A's admin must not deactivate them;
    nobody deactivates themselves."""
    for badge in ("100001", "100004", "100002"):
        data = csv_bytes([["badge", "name", "unit_code", "department_code", "post_code", "active"],
                          [badge, person(badge).name, "CA1", "PCS", "PS-SQ", "no"]])
        failure = failure_of(data, "people.csv", org["admin_a"])
        assert where(failure) == {("CSV", 2, "active")}, badge
        assert person(badge).active is True


def test_root_admin_can_deactivate_by_import(org):
    data = csv_bytes([["badge", "name", "unit_code", "department_code", "post_code", "active"],
                      ["200002", "Officer A", "CA1", "PCS", "PS-SQ", "离职"]])
    report = import_file(data, "people.csv", org["root_admin"])
    db.session.commit()
    assert report.updated["people"] == 1
    assert person("200002").active is False


def test_supervisor_defined_later_in_the_file_by_city_admin(org):
    data = csv_bytes([PEOPLE_HEADINGS,
                      ["200101", "Officer", "", "", "CA1", "PCS", "PS-SQ", "200102", "2026-03-01", ""],
                      ["200102", "Chief", "", "", "CA1", "PCS", "PS-SQ", "", "2026-03-01",
                       "officer,supervisor"]])
    import_file(data, "people.csv", org["admin_a"])
    db.session.commit()
    assert person("200101").assignments[0].supervisor.badge == "200102"


def test_supervisor_of_another_city_is_a_bad_row(org):
    data = csv_bytes([PEOPLE_HEADINGS,
                      ["200101", "Officer", "", "", "CA1", "PCS", "PS-SQ", "300002", "", ""]])
    assert where(failure_of(data, "people.csv", org["admin_a"])) == {("CSV", 2, "supervisor_badge")}


def test_own_supervisor_is_a_bad_row(org):
    data = csv_bytes([PEOPLE_HEADINGS,
                      ["200101", "Officer", "", "", "CA1", "PCS", "PS-SQ", "200101", "", ""]])
    assert where(failure_of(data, "people.csv", org["admin_a"])) == {("CSV", 2, "supervisor_badge")}


# --- Files that are not what they claim ---------------------------------------------------------------------


def _not_an_xlsx_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


def _damaged_sheet() -> bytes:
    """A workbook that opens but whose first sheet is cut short (read lazily, so it fails late)."""
    source, buffer = zipfile.ZipFile(io.BytesIO(xlsx(BAD_WORKBOOK))), io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            archive.writestr(item, data)
    return buffer.getvalue()


UNREADABLE = [
    (b"badge,name\n1,x\n", "people.txt", "Only .csv and .xlsx files can be imported."),
    (b"PK\x03\x04 this is no zip", "org.xlsx", "not a valid XLSX workbook"),
    (b"badge,name\n1,x\n", "org.xlsx", "not a valid XLSX workbook"),
    (xlsx(BAD_WORKBOOK)[:1500], "org.xlsx", "not a valid XLSX workbook"),
    (_not_an_xlsx_zip(), "org.xlsx", "not a valid XLSX workbook"),
    (_damaged_sheet(), "org.xlsx", "not a valid XLSX workbook"),
    (b"\xff\xfe\x00\x00\x81\x30\x81", "org.csv", "not readable text"),
    (b"colour,size\nred,3\n", "org.csv", "column headings do not match"),
    (b"", "org.csv", "nothing to import"),
    (b'badge,name\n1,"' + b"x" * 200_000 + b'"\n', "org.csv", "The CSV file cannot be read"),
]


def test_unreadable_files_get_a_clear_message(org):
    for data, filename, message in UNREADABLE:
        failure = failure_of(data, filename, org["root_admin"])
        assert message in " ".join(e.message for e in failure.errors), (filename, message)


def test_unreadable_files_through_the_page(org, login):
    client = login("100001")
    before = org_counts()
    for data, filename, message in UNREADABLE:
        response = upload(client, data, filename)
        assert response.status_code == 422, filename
        assert message in response.get_data(as_text=True), (filename, message)
    assert org_counts() == before
    response = client.post("/admin/import", data={"kind": ""}, content_type="multipart/form-data")
    assert response.status_code == 422


def test_missing_column_is_named(org):
    data = xlsx({"people": [["badge", "name", "unit_code", "post_code"], ["1", "x", "CA1", "PS-SQ"]]})
    failure = failure_of(data, "people.xlsx", org["root_admin"])
    assert where(failure) == {("people", 1, "department_code")}
    assert failure.errors[0].message == "This column is missing."


def test_people_csv_missing_columns_is_not_read_as_units(org):
    """badge, name, unit_code are also a unit's code and name: guessed as units, the file would rename
    unit CA1 to "x". It is people with columns missing."""
    failure = failure_of(b"badge,name,unit_code\n1,x,CA1\n", "people.csv", org["root_admin"])
    assert where(failure) == {("CSV", 1, "department_code"), ("CSV", 1, "post_code")}
    assert db.session.get(Unit, org.county_a.id).name == "County A1"


def test_blank_sheets_are_skipped(org):
    workbook = Workbook()
    workbook.active.title = "Sheet1"
    people = workbook.create_sheet("人员")
    people.append(["警号", "姓名", "单位代码", "部门代码", "岗位代码"])
    people.append(["200301", "空表测试", "CA1", "PCS", "PS-SQ"])
    workbook.create_sheet("Sheet3")["C7"] = "  "
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert import_file(buffer.getvalue(), "org.xlsx", org["admin_a"]).created["people"] == 1


# --- Through the page ---------------------------------------------------------------------------------------


def test_import_page_imports_and_reports_counts(org, login):
    client = login("100002")
    data = csv_bytes([PEOPLE_HEADINGS,
                      ["200101", "New One", "", "", "CA1", "PCS", "PS-SQ", "200001", "2026-02-01", ""]])
    response = upload(client, data, "people.csv", kind="people")
    assert response.status_code == 200
    assert "1 new, 0 updated, 0 unchanged" in response.get_data(as_text=True)
    assert person("200101").name == "New One"
    assert grants("200101") == {("officer", "CA1")}
    assert db.session.scalar(select(func.count()).select_from(RoleGrant).where(
        RoleGrant.person_id == person("200101").id)) == 1


def test_other_roles_cannot_import(org, login):
    client = login("200001")
    before = org_counts()
    data = csv_bytes([PEOPLE_HEADINGS, ["200101", "New One", "", "", "CA1", "PCS", "PS-SQ", "", "", ""]])
    assert upload(client, data, "people.csv").status_code == 403
    assert org_counts() == before


# --- Short write transactions (SQLite) --------------------------------------------------------------------------


def _people_rows(first: int, count: int, department: str = "PCS") -> list[list]:
    return [[str(first + i), f"Chunk {i}", "", "", "CA1", department, "PS-SQ", "", "2026-02-01", ""]
            for i in range(count)]


@pytest.fixture
def small_chunks(app, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL locks rows, not the database: an import is one transaction there")
    app.config.update(IMPORT_CHUNK_ROWS=10, IMPORT_CHUNK_PAUSE_SECONDS=0)
    return app


def test_a_large_import_writes_in_short_transactions_after_checking_the_whole_file(small_chunks, org, login):
    """SQLite has one write lock: 35 people are written 10 rows per transaction (people, then their posts), so a
    sign-in or an entry waits at most one chunk; and a bad last row still keeps nothing (the check comes first)."""
    from sqlalchemy import event
    client = login("100001")
    engine = db.engine
    people_at_commits: list[int] = []

    def committed(conn):
        people_at_commits.append(conn.exec_driver_sql("SELECT count(*) FROM person").scalar())

    before = db.session.scalar(select(func.count()).select_from(Person))
    event.listen(engine, "commit", committed)
    try:
        bad = upload(client, csv_bytes([PEOPLE_HEADINGS, *_people_rows(500000, 34),
                                        ["500099", "Bad", "", "", "CA1", "PCS", "PS-SQ", "", "someday", ""]]),
                     "people.csv")
        assert bad.status_code == 422 and reported_rows(bad) == {("CSV", 36, "valid_from")}
        assert person("500000") is None and set(people_at_commits) <= {before}  # checked on a copy
        people_at_commits.clear()
        response = upload(client, csv_bytes([PEOPLE_HEADINGS, *_people_rows(500000, 35)]), "people.csv")
    finally:
        event.remove(engine, "commit", committed)
    assert response.status_code == 200, response.get_data(as_text=True)
    written = [n - before for n in people_at_commits]
    # 10 people per transaction, then their posts 10 at a time (the last 5 people and the first 5 posts share
    # the fourth): seven transactions where one would have held the lock for the whole file.
    assert sorted(set(written) - {0}) == [10, 20, 30, 35] and written == sorted(written)
    assert len([n for n in written if n == 35]) >= 4
    assert history("500034") == [("PCS", date(2026, 2, 1), None)]


def test_an_import_stopped_by_a_change_since_its_check_says_what_it_kept(small_chunks, org, login, monkeypatch):
    """What the file names can change between the check and the writing: the writing stops at the first row
    refused, keeps the chunks written before it and says so."""
    from worklog import imports
    real_copy = imports.copy_database

    def copy_with_a_department(source: str, target: str) -> None:
        real_copy(source, target)  # the copy has a department the live database lacks (deleted since)
        import sqlite3
        with sqlite3.connect(target) as conn:
            conn.execute("INSERT INTO department (unit_id, code, name, active) "
                         "SELECT unit_id, 'GONE', 'Gone', 1 FROM department WHERE code = 'PCS'")

    monkeypatch.setattr(imports, "copy_database", copy_with_a_department)
    client = login("100001")
    rows = _people_rows(500000, 20) + _people_rows(500100, 5, department="GONE")
    response = upload(client, csv_bytes([PEOPLE_HEADINGS, *rows]), "people.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The 20 rows written before it are kept" in page
    assert reported_rows(response) == {("CSV", 22, "department_code")}
    assert person("500019") is not None and person("500100") is None
