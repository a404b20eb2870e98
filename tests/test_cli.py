"""The command line: demo data, accounts, import and migrations."""
from __future__ import annotations

import csv
import io

import pytest
from flask_babel import force_locale
from sqlalchemy import distinct, func, inspect, select, text

from models import Assignment, AuditEvent, Base, Department, Person, Post, RoleGrant, Unit
from tests.factories import sign_in
from worklog import demo
from worklog.extensions import db

STRONG = "Blue-Ocean-Lantern-9"


@pytest.fixture(autouse=True)
def english(app):
    """Commands word the app's messages in the default language (Chinese); these tests read English."""
    with force_locale("en"):
        yield


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables}


def grant_count(role: str) -> int:
    return db.session.scalar(select(func.count()).select_from(RoleGrant).where(RoleGrant.role == role))


def person(badge: str) -> Person | None:
    db.session.expire_all()
    return db.session.scalar(select(Person).where(Person.badge == badge))


@pytest.fixture
def signs_in(new_client):
    """signs_in(badge, password) → where a sign-in with these credentials leads, or None when it fails."""
    def attempt(badge: str, password: str) -> str | None:
        response = sign_in(new_client(), badge, password)
        return response.headers["Location"] if response.status_code == 302 else None
    return attempt




def invoke(runner, *args: str):
    result = runner.invoke(args=list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


# --- demo ---------------------------------------------------------------------------------------------------


@pytest.fixture
def demo_loaded(runner):
    result = invoke(runner, "demo")
    assert result.exit_code == 0, result.output
    assert demo.DEMO_PASSWORD in result.output
    return result


def test_demo_loads_a_city_bureau_once(runner, demo_loaded):
    city = db.session.scalar(select(Unit).where(Unit.level == "city"))
    counties = list(db.session.scalars(select(Unit).where(Unit.parent_id == city.id)))
    assert len(counties) >= 3 and all(c.level == "county" for c in counties)
    assert db.session.scalar(select(func.count()).select_from(Department)) >= 10
    officers = select(RoleGrant.person_id).where(RoleGrant.role == "officer")
    assert db.session.scalar(select(func.count(distinct(RoleGrant.person_id)))
                             .where(RoleGrant.role == "officer")) >= 100
    sequences = db.session.scalar(
        select(func.count(distinct(Post.sequence_id))).join(Assignment, Assignment.post_id == Post.id)
        .where(Assignment.person_id.in_(officers)))
    assert sequences >= 3
    # Supervisors who supervise, a panel in every city and county bureau, HR and admin accounts.
    assert grant_count("supervisor") >= 3
    assert db.session.scalar(select(func.count(distinct(Assignment.supervisor_id)))) >= 3
    panel_units = set(db.session.scalars(select(RoleGrant.unit_id).where(RoleGrant.role == "panel")))
    assert {city.id, *(c.id for c in counties)} <= panel_units
    for role in ("hr", "admin", "survey"):
        assert grant_count(role) >= 1
    # Every unit and officer is where the README says.
    for role, badge in demo.ACCOUNTS.items():
        assert person(badge) is not None, role
    assert {g.role for g in person(demo.ACCOUNTS["admin"]).grants} >= {"admin"}
    county_admin = person(demo.ACCOUNTS["county_admin"])
    assert [(g.role, g.unit.level) for g in county_admin.grants if g.role == "admin"] == [("admin", "county")]
    supervisor, officer = person(demo.ACCOUNTS["supervisor"]), person(demo.ACCOUNTS["officer"])
    assert officer.latest_assignment().supervisor_id == supervisor.id
    # The panel members of each county work in that county's office (办公室), the city's in its 政治处.
    for grant in db.session.scalars(select(RoleGrant).where(RoleGrant.role == "panel")):
        department = grant.person.latest_assignment().department
        assert department.unit_id == grant.unit_id
        assert department.code == ("BGS" if grant.unit.level == "county" else "ZZC")
    # One transfer shows the effective-dated history.
    mover = person("310003")
    assert [a.department.code for a in mover.assignments] == ["PCS1", "PCS2"]
    assert mover.assignments[0].valid_to is not None

    # A second run changes nothing.
    db.session.commit()
    before = row_counts()
    result = invoke(runner, "demo")
    assert result.exit_code == 0
    assert "already loaded" in result.output
    assert row_counts() == before


def test_every_demo_account_signs_in(demo_loaded, signs_in, new_client):
    for role, badge in demo.ACCOUNTS.items():
        target = signs_in(badge, demo.DEMO_PASSWORD)
        assert target is not None, role
        assert not target.endswith("/account/password"), role
    assert signs_in(demo.ACCOUNTS["admin"], "wrong-password") is None
    # The county admin manages the county's people; the officer has no administration pages.
    client = new_client()
    sign_in(client, demo.ACCOUNTS["county_admin"], demo.DEMO_PASSWORD)
    page = client.get("/admin/people")
    assert page.status_code == 200
    assert demo.ACCOUNTS["officer"] in page.get_data(as_text=True)
    officer = new_client()
    sign_in(officer, demo.ACCOUNTS["officer"], demo.DEMO_PASSWORD)
    assert officer.get("/admin/people").status_code == 403


# --- users --------------------------------------------------------------------------------------------------


def test_users_create_an_admin_who_signs_in(runner, org, signs_in, new_client):
    result = invoke(runner, "users", "create", "--badge", "500001", "--name", "New Admin",
                    "--password", STRONG, "--role", "admin", "--unit", "CA")
    assert result.exit_code == 0, result.output
    created = person("500001")
    assert created.name == "New Admin" and not created.must_change_password
    assert [(g.role, g.unit.code) for g in created.grants] == [("admin", "CA")]
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == created.id,
                                                         AuditEvent.object_type == "person"))
    assert [e.action for e in events] == ["person.created", "person.password_reset", "role.granted"]
    assert signs_in("500001", STRONG) == "/"
    client = new_client()
    sign_in(client, "500001", STRONG)
    assert client.get("/admin/people").status_code == 200


def test_users_create_asks_for_the_password_twice(runner, org, signs_in):
    result = runner.invoke(args=["users", "create", "--badge", "500003", "--name", "Prompted"],
                           input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 0, result.output
    assert STRONG not in result.output
    assert signs_in("500003", STRONG) == "/"


def test_users_create_with_an_assignment(runner, org):
    result = invoke(runner, "users", "create", "--badge", "500002", "--name", "Officer", "--password", STRONG,
                    "--role", "officer", "--unit", "CA1", "--department", "PCS", "--post", "PS-SQ")
    assert result.exit_code == 0, result.output
    assert [a.department.unit.code for a in person("500002").assignments] == ["CA1"]


BAD_CREATE = [
    (["--password", "password"], "too common"),
    (["--password", "short"], "at least"),
    (["--password", "x500001-Lantern"], "badge"),
    (["--password", STRONG, "--role", "admin"], "--unit"),
    (["--password", STRONG, "--role", "admin", "--unit", "NOPE"], "No unit with code NOPE"),
    (["--password", STRONG, "--unit", "CA1", "--department", "PCS"], "--post"),
    (["--password", STRONG, "--unit", "CA1", "--department", "NOPE", "--post", "PS-SQ"],
     "Unknown department"),
    (["--password", STRONG, "--badge", "200002"], "already registered"),
    (["--password", STRONG, "--badge", "50 0001"], "badge number"),
    (["--password", STRONG, "--badge", "5" * 21], "badge number"),
    (["--password", STRONG, "--name", "  "], "name"),
]


def test_users_create_refuses_bad_input(runner, org):
    db.session.commit()
    before = row_counts()
    for args, message in BAD_CREATE:
        result = invoke(runner, "users", "create", "--badge", "500001", "--name", "New Admin", *args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
        assert row_counts() == before, args


def test_users_set_password(runner, org, signs_in):
    result = invoke(runner, "users", "set-password", "200002", "--password", STRONG)
    assert result.exit_code == 0, result.output
    assert signs_in("200002", STRONG) == "/"
    assert signs_in("200002", "Correct-Horse-42") is None
    result = invoke(runner, "users", "set-password", "200002", "--password", "Another-Lantern-8",
                    "--temporary")
    assert result.exit_code == 0
    assert signs_in("200002", "Another-Lantern-8").endswith("/account/password")


def test_users_set_password_refuses(runner, org):
    kept = person("200002").password_hash
    assert invoke(runner, "users", "set-password", "200002", "--password", "12345678").exit_code != 0
    result = invoke(runner, "users", "set-password", "999999", "--password", STRONG)
    assert result.exit_code != 0 and "No person with badge number 999999" in result.output
    assert person("200002").password_hash == kept


def test_users_grant(runner, org):
    result = invoke(runner, "users", "grant", "200002", "panel", "CA1")
    assert result.exit_code == 0, result.output
    assert ("panel", "CA1") in {(g.role, g.unit.code) for g in person("200002").grants}
    assert invoke(runner, "users", "grant", "200002", "panel", "NOPE").exit_code != 0
    assert invoke(runner, "users", "grant", "200002", "king", "CA1").exit_code != 0


def test_users_deactivate(runner, org, signs_in, new_client):
    client = new_client()
    sign_in(client, "200002")
    result = invoke(runner, "users", "deactivate", "200002", "--reason", "left the service")
    assert result.exit_code == 0, result.output
    assert person("200002").active is False
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.deactivated"))
    assert (event.object_id, event.reason, event.actor_id) == (person("200002").id, "left the service", None)
    assert signs_in("200002", "Correct-Horse-42") is None
    assert client.get("/account/password").status_code == 302  # the running session ended too
    assert invoke(runner, "users", "deactivate", "999999").exit_code != 0


def test_users_list(runner, org):
    result = invoke(runner, "users", "list")
    assert result.exit_code == 0
    assert "100001\tRoot Admin\tadmin@P" in result.output


# --- import-org ---------------------------------------------------------------------------------------------


def write_csv(path, rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return str(path)


HEADINGS = ["badge", "name", "unit_code", "department_code", "post_code", "supervisor_badge", "valid_from"]


def test_import_org(runner, org, tmp_path):
    path = write_csv(tmp_path / "people.csv",
                     [HEADINGS, ["200101", "New One", "CA1", "PCS", "PS-SQ", "200001", "2026-02-01"]])
    result = invoke(runner, "import-org", path)
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
    assert person("200101").assignments[0].supervisor.badge == "200001"


def test_import_org_with_bad_rows_imports_nothing(runner, org, tmp_path):
    path = write_csv(tmp_path / "people.csv", [
        HEADINGS,
        ["200101", "Good", "CA1", "PCS", "PS-SQ", "", ""],
        ["200102", "Bad unit", "ZZ9", "PCS", "PS-SQ", "", ""],
        ["200103", "", "CA1", "PCS", "PS-SQ", "", ""],
        ["200104", "Bad date", "CA1", "PCS", "PS-SQ", "", "2026-02-30"],
        ["200105", "Bad supervisor", "CA1", "PCS", "PS-SQ", "777777", ""]])
    before = row_counts()
    result = invoke(runner, "import-org", path)
    assert result.exit_code != 0
    for line in ("CSV row 3, column unit_code:", "CSV row 4, column name:", "CSV row 5, column valid_from:",
                 "CSV row 6, column supervisor_badge:"):
        assert line in result.output
    assert "Nothing was imported: 4 problem(s)." in result.output
    assert row_counts() == before


def test_import_org_unreadable_file(runner, org, tmp_path):
    path = tmp_path / "org.xlsx"
    path.write_bytes(b"not a workbook")
    result = invoke(runner, "import-org", str(path))
    assert result.exit_code != 0
    assert "not a valid XLSX workbook" in result.output


# --- db -----------------------------------------------------------------------------------------------------


def test_db_upgrade_is_idempotent(runner, org):
    def schema():
        with db.engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
            return version, sorted(inspect(connection).get_table_names())
    before, counts = schema(), row_counts()
    db.session.commit()
    for _ in range(2):
        result = invoke(runner, "db", "upgrade")
        assert result.exit_code == 0, result.output
        assert "upgraded to head" in result.output
    assert schema() == before and len(before[0]) == 1
    assert row_counts() == counts
    result = invoke(runner, "db", "current")
    assert result.exit_code == 0
