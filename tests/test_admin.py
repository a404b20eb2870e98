"""Administration pages: who may open what, scoping to the admin's units, the services behind the pages,
and the audit trail every change leaves."""
from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from sqlalchemy import func, select

from models import AuditEvent, Department, LoginSession, Person, Post, RoleGrant, Sequence, Unit
from tests.factories import PASSWORD, sign_in, state_counts
from worklog.admin import services
from worklog.errors import ServiceError
from worklog.extensions import db

MISSING = 999999
SIGNED_IN_PAGE = "/account/password"  # any page that needs a sign-in and nothing else
NEW_PASSWORD = "Lantern-Harbour-73"


def events_after(event_id: int) -> list[AuditEvent]:
    """Audit events written since ``event_id``, sign-ins left out."""
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.id > event_id, AuditEvent.action.not_like("auth.%")).order_by(AuditEvent.id)))


def last_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def person(badge: str) -> Person | None:
    db.session.expire_all()
    return db.session.scalar(select(Person).where(Person.badge == badge))


def grant_rows(person_id: int) -> list[tuple[str, int]]:
    return sorted(tuple(row) for row in db.session.execute(
        select(RoleGrant.role, RoleGrant.unit_id).where(RoleGrant.person_id == person_id)))


@pytest.fixture(autouse=True)
def english(app):
    """Services called outside a request word their refusals in English."""
    with force_locale("en"):
        yield


def same_page(first, second, *paths: str) -> bool:
    """Two answers are the same page, but for the address itself (the language switch carries it)."""
    texts = [first.get_data(as_text=True), second.get_data(as_text=True)]
    for path in paths:
        texts = [t.replace(path, "PATH") for t in texts]
    return texts[0] == texts[1]


@pytest.fixture
def login(new_client):
    """login(badge) → a client signed in as that person."""
    def sign(badge: str, password: str = PASSWORD):
        client = new_client()
        response = sign_in(client, badge, password)
        assert response.status_code == 302, f"{badge} could not sign in"
        return client
    return sign


# --- Who may open which page --------------------------------------------------------------------------------

PAGES = {
    "/admin/": lambda org: "/admin/",
    "/admin/people": lambda org: "/admin/people",
    "/admin/catalog": lambda org: "/admin/catalog",
    "/admin/import": lambda org: "/admin/import",
    "/admin/audit": lambda org: "/admin/audit",
    "/admin/people/new": lambda org: "/admin/people/new",
    "/admin/people/<id>": lambda org: f"/admin/people/{org['officer_a'].id}",
    "/admin/units/<id>": lambda org: f"/admin/units/{org.county_a.id}",
    "/admin/departments/<id>": lambda org: f"/admin/departments/{org.dept_a.id}",
    "/admin/posts/<id>": lambda org: f"/admin/posts/{org.post.id}",
}
NON_ADMINS = {"officer": "officer_a", "supervisor": "supervisor_a", "panel": "panel_a", "hr": "hr_a",
              "survey": "survey"}


def statuses(client, org, method: str = "get") -> dict[str, int]:
    """The status of every administration page for this client, so that a failure names each page."""
    return {page: getattr(client, method)(url(org)).status_code for page, url in PAGES.items()}


@pytest.mark.parametrize("role", NON_ADMINS)
def test_other_roles_are_forbidden_every_page(org, login, role):
    client = login(org[NON_ADMINS[role]].badge)
    assert statuses(client, org) == dict.fromkeys(PAGES, 403)


@pytest.mark.parametrize("role", NON_ADMINS)
def test_other_roles_cannot_post(org, login, role):
    client = login(org[NON_ADMINS[role]].badge)
    before = state_counts()
    target = org["officer_a"].id
    assert client.post(f"/admin/people/{target}/details", data={"name": "Hijacked"}).status_code == 403
    assert client.post(f"/admin/people/{target}/roles",
                       data={"role": "admin", "unit": org.province.id}).status_code == 403
    assert client.post("/admin/sequences/new", data={"code": "X", "name": "X"}).status_code == 403
    assert client.post("/admin/people/new", data={"badge": "1", "name": "X"}).status_code == 403
    assert state_counts() == before
    assert person("200002").name == "Officer A"


def test_anonymous_is_sent_to_sign_in(org, client):
    for page, url in PAGES.items():
        response = client.get(url(org))
        assert response.status_code == 302, page
        assert response.headers["Location"].startswith("/sign-in"), page
    assert client.post(f"/admin/people/{org['officer_a'].id}/active").status_code == 302
    assert person("200002").active is True


def test_root_admin_opens_every_page(org, login):
    assert statuses(login("100001"), org) == dict.fromkeys(PAGES, 200)


def test_city_admin_opens_pages_of_their_scope(org, login):
    expected = dict.fromkeys(PAGES, 200) | {"/admin/posts/<id>": 403}  # the catalog is the root admin's
    assert statuses(login("100002"), org) == expected


def test_county_admin_sees_their_county_only(org, login):
    from tests.factories import make_person
    make_person("200010", "County Admin", org.dept_a, org.post, roles={"admin": org.county_a})
    db.session.commit()
    client = login("200010")
    assert statuses(client, org) == dict.fromkeys(PAGES, 200) | {"/admin/posts/<id>": 403}
    assert client.get(f"/admin/units/{org.city_a.id}").status_code == 404
    assert client.get(f"/admin/people/{org['officer_a'].id}").status_code == 200


# --- Objects of another unit are missing --------------------------------------------------------------------

GET_ROUTES = {
    "person": lambda org, x: f"/admin/people/{x if x else org['officer_b'].id}",
    "unit": lambda org, x: f"/admin/units/{x if x else org.county_b.id}",
    "city": lambda org, x: f"/admin/units/{x if x else org.city_b.id}",
    "department": lambda org, x: f"/admin/departments/{x if x else org.dept_b.id}",
    "new department": lambda org, x: f"/admin/units/{x if x else org.county_b.id}/departments/new",
    "new unit": lambda org, x: f"/admin/units/{x if x else org.city_b.id}/units/new",
}


def test_other_units_objects_answer_like_missing_ones(org, login):
    client = login("100002")
    for route, url in GET_ROUTES.items():
        other_path, missing_path = url(org, None), url(org, MISSING)
        other, missing = client.get(other_path), client.get(missing_path)
        assert other.status_code == missing.status_code == 404, route
        assert same_page(other, missing, other_path, missing_path), route


def _person_posts(org) -> dict[str, tuple[str, dict]]:
    return {
        "details": ("details", {"name": "Changed Name", "rank": "", "hire_date": ""}),
        "assignments": ("assignments", {"department": org.dept_a.id, "post": org.post.id, "supervisor": "",
                                        "valid_from": "2026-06-15"}),
        "assignments/end": ("assignments/end", {"last_day": "2026-06-30", "reason": "left"}),
        "roles": ("roles", {"role": "panel", "unit": org.county_a.id}),
        "revoke": (f"roles/{org['officer_b'].grants[0].id}/revoke", {"reason": "no"}),
        "active": ("active", {"reason": "no"}),
        "password": ("password", {"password": NEW_PASSWORD, "reason": "no"}),
    }


def _snapshot(p: Person) -> tuple:
    db.session.expire_all()
    p = db.session.get(Person, p.id)
    return (p.name, p.rank, p.active, p.password_hash, p.must_change_password,
            [(a.department_id, a.valid_from, a.valid_to) for a in p.assignments], grant_rows(p.id))


def test_posts_about_another_units_person_are_404_and_change_nothing(org, login):
    client = login("100002")
    officer_b = org["officer_b"]
    before, kept = state_counts(), _snapshot(officer_b)
    routes = _person_posts(org)
    assert set(routes) == {"details", "assignments", "assignments/end", "roles", "revoke", "active",
                           "password"}
    for route, (path, data) in routes.items():
        other_path, missing_path = f"/admin/people/{officer_b.id}/{path}", f"/admin/people/{MISSING}/{path}"
        other, missing = client.post(other_path, data=data), client.post(missing_path, data=data)
        assert other.status_code == missing.status_code == 404, route
        assert same_page(other, missing, other_path, missing_path), route
        assert state_counts() == before, route
        assert _snapshot(officer_b) == kept, route


def test_revoking_a_grant_of_someone_else_is_404(org, login):
    client = login("100002")
    officer_a, officer_b = org["officer_a"], org["officer_b"]
    before = state_counts()
    foreign = officer_b.grants[0].id
    assert client.post(f"/admin/people/{officer_a.id}/roles/{foreign}/revoke").status_code == 404
    assert client.post(f"/admin/people/{officer_a.id}/roles/{MISSING}/revoke").status_code == 404
    assert state_counts() == before


ORG_POSTS = [
    ("/admin/units/{county_b}", {"code": "HACK", "name": "Hacked", "active": "y"}),
    ("/admin/units/{city_b}", {"code": "HACK", "name": "Hacked", "active": "y"}),
    ("/admin/departments/{dept_b}", {"code": "HACK", "name": "Hacked", "active": "y"}),
    ("/admin/units/{county_b}/departments/new", {"code": "NEW", "name": "New"}),
    ("/admin/units/{city_b}/units/new", {"code": "NEWU", "name": "New"}),
]


def test_posts_about_another_units_org_are_404(org, login):
    client = login("100002")
    ids = {"county_b": org.county_b.id, "city_b": org.city_b.id, "dept_b": org.dept_b.id}
    before = state_counts()
    for path, data in ORG_POSTS:
        other_path, missing_path = path.format(**ids), path.format(**dict.fromkeys(ids, MISSING))
        other, missing = client.post(other_path, data=data), client.post(missing_path, data=data)
        assert other.status_code == missing.status_code == 404, path
        assert same_page(other, missing, other_path, missing_path), path
        assert state_counts() == before, path
    db.session.expire_all()
    assert db.session.get(Unit, org.county_b.id).name == "County B1"
    assert db.session.get(Department, org.dept_b.id).name == "Station B"


def test_people_list_is_scoped(org, login):
    page = login("100002").get("/admin/people").get_data(as_text=True)
    assert "200002" in page and "Officer A" in page
    assert "300002" not in page and "Officer B" not in page and "Admin B" not in page
    # Asking for the other city's unit or badge does not widen the list.
    page = login("100002").get(f"/admin/people?unit={org.city_b.id}&q=3000").get_data(as_text=True)
    assert "300002" not in page
    page = login("100003").get("/admin/people").get_data(as_text=True)
    assert "300002" in page and "200002" not in page
    page = login("100001").get("/admin/people").get_data(as_text=True)
    assert "300002" in page and "200002" in page


def test_people_search(org, login):
    client = login("100002")
    page = client.get("/admin/people?q=officer").get_data(as_text=True)
    assert "200002" in page and "200001" not in page  # by name, whatever the case
    page = client.get("/admin/people?q=20000").get_data(as_text=True)
    assert "200001" in page and "200002" in page and "100001" not in page  # by badge number
    page = client.get("/admin/people?q=_").get_data(as_text=True)
    assert "Nobody matches." in page  # "_" is a character, not a wildcard
    page = client.get(f"/admin/people?unit={org.county_a.id}").get_data(as_text=True)
    assert "200002" in page


def test_org_tree_is_scoped(org, login):
    page = login("100002").get("/admin/").get_data(as_text=True)
    assert "County A1" in page and "County B1" not in page and "Station B" not in page


def test_audit_log_is_scoped(org, login):
    admin_b = login("100003")
    assert admin_b.post(f"/admin/people/{org['officer_b'].id}/details",
                        data={"name": "Marker Bee", "rank": "", "hire_date": ""}).status_code == 302
    admin_a = login("100002")
    assert admin_a.post(f"/admin/people/{org['officer_a'].id}/details",
                        data={"name": "Marker Ay", "rank": "", "hire_date": ""}).status_code == 302
    page = admin_a.get("/admin/audit").get_data(as_text=True)
    assert "Marker Ay" in page and "Marker Bee" not in page
    page = admin_b.get("/admin/audit").get_data(as_text=True)
    assert "Marker Bee" in page and "Marker Ay" not in page
    page = login("100001").get("/admin/audit").get_data(as_text=True)
    assert "Marker Bee" in page and "Marker Ay" in page


def test_audit_log_names_actions_and_changes_in_the_readers_language(org, login):
    admin = login("100002")
    assert admin.post(f"/admin/people/{org['officer_a'].id}/details",
                      data={"name": "Marker Ay", "rank": "", "hire_date": ""}).status_code == 302
    page = admin.get("/admin/audit", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    row = soup.select("tbody tr")[0]
    cells = [td for td in row.find_all("td", recursive=False)]
    assert cells[2].get_text(strip=True) == "修改人员信息" and cells[3].get_text(strip=True).startswith("人员")
    changes = cells[4].find("ul").get_text(" ", strip=True)
    assert "名称：Officer A → Marker Ay" in changes
    # The recorded data stays at hand for experts, folded away.
    raw = cells[4].find("details")
    assert raw is not None and "person.updated" in raw.get_text() and '"name": "Marker Ay"' in raw.get_text()


# --- The catalog is the root admin's ------------------------------------------------------------------------

POST_DATA = {"code": "XZ-ZC", "name": "Investigator", "coefficient": "1.00", "monthly_target_points": "380",
             "active": "y"}


def test_city_admin_cannot_edit_the_catalog(org, login):
    client = login("100002")
    before = state_counts()
    seq = org.post.sequence_id
    assert client.post("/admin/posts/new", data={**POST_DATA, "sequence": seq}).status_code == 403
    assert client.post(f"/admin/posts/{org.post.id}", data={**POST_DATA, "sequence": seq}).status_code == 403
    sequence = {"code": "XZ", "name": "Investigation"}
    assert client.post("/admin/sequences/new", data=sequence).status_code == 403
    assert client.post(f"/admin/sequences/{seq}", data=sequence).status_code == 403
    assert client.get(f"/admin/sequences/{seq}").status_code == 403
    assert state_counts() == before
    assert client.get(f"/admin/posts/{MISSING}").status_code == 404
    assert "Community officer" in client.get("/admin/catalog").get_data(as_text=True)


def test_root_admin_edits_the_catalog(org, login):
    client = login("100001")
    mark = last_event_id()
    assert client.post("/admin/sequences/new", data={"code": "XZ", "name": "Investigation"}).status_code \
        == 302
    seq = db.session.scalar(select(Sequence).where(Sequence.code == "XZ"))
    assert client.post("/admin/posts/new", data={**POST_DATA, "sequence": seq.id}).status_code == 302
    post = db.session.scalar(select(Post).where(Post.code == "XZ-ZC"))
    assert post is not None and post.sequence_id == seq.id
    assert client.post(f"/admin/posts/{post.id}",
                       data={**POST_DATA, "coefficient": "0.85", "sequence": seq.id}).status_code == 302
    events = events_after(mark)
    assert [e.action for e in events] == ["sequence.created", "post.created", "post.updated"]
    assert events[2].before == {"coefficient": "1.00"} and events[2].after == {"coefficient": "0.85"}
    assert all(e.actor_id == org["root_admin"].id for e in events)
    # Out of range: refused with a message, nothing stored.
    before = state_counts()
    response = client.post("/admin/posts/new", data={**POST_DATA, "code": "BAD", "coefficient": "5",
                                                     "sequence": seq.id})
    assert response.status_code == 422
    assert state_counts() == before


# --- Services: effective-dated assignments ------------------------------------------------------------------


def _second_station(org) -> Department:
    department = services.create_department(org.county_a, {"code": "PCS2", "name": "Station A2"}, None)
    db.session.commit()
    return department


def test_transfer_mid_month_keeps_history(org):
    station = _second_station(org)
    officer, admin = org["officer_a"], org["admin_a"]
    mark = last_event_id()
    services.assign(officer, {"department": station, "post": org.post, "supervisor": org["supervisor_a"],
                              "valid_from": date(2026, 3, 15)}, admin)
    db.session.commit()
    officer = person("200002")
    assert [(a.department_id, a.valid_from, a.valid_to) for a in officer.assignments] == [
        (org.dept_a.id, date(2026, 1, 1), date(2026, 3, 14)), (station.id, date(2026, 3, 15), None)]
    assert officer.assignment_on(date(2026, 3, 14)).department_id == org.dept_a.id
    assert officer.assignment_on(date(2026, 2, 1)).department_id == org.dept_a.id
    assert officer.assignment_on(date(2026, 3, 15)).department_id == station.id
    assert officer.assignment_on(date(2025, 12, 31)) is None
    ended, created = events_after(mark)
    assert (ended.action, ended.before, ended.after) == ("assignment.ended", {"valid_to": None},
                                                         {"valid_to": "2026-03-14"})
    assert created.action == "assignment.created"
    assert created.after["department_id"] == station.id and created.after["valid_from"] == "2026-03-15"
    assert ended.actor_id == created.actor_id == admin.id


def test_transfer_through_the_page(org, login):
    station = _second_station(org)
    client = login("100002")
    response = client.post(f"/admin/people/{org['officer_a'].id}/assignments", data={
        "department": station.id, "post": org.post.id, "supervisor": "200001", "valid_from": "2026-05-16"})
    assert response.status_code == 302
    officer = person("200002")
    assert [(a.department_id, a.valid_to) for a in officer.assignments] == [
        (org.dept_a.id, date(2026, 5, 15)), (station.id, None)]
    assert officer.assignment_on(date(2026, 5, 15)).department_id == org.dept_a.id
    assert officer.assignments[1].supervisor_id == org["supervisor_a"].id


def test_assignment_before_a_later_one_is_refused(org, login):
    station = _second_station(org)
    officer = org["officer_a"]
    services.assign(officer, {"department": station, "post": org.post, "valid_from": date(2026, 3, 15)}, None)
    db.session.commit()
    with pytest.raises(ServiceError) as refused:
        services.assign(officer, {"department": org.dept_a, "post": org.post,
                                  "valid_from": date(2026, 3, 1)}, None)
    assert "2026-03-15" in refused.value.message
    db.session.rollback()
    before, kept = state_counts(), _snapshot(officer)
    response = login("100002").post(f"/admin/people/{officer.id}/assignments", data={
        "department": org.dept_a.id, "post": org.post.id, "supervisor": "", "valid_from": "2026-03-01"})
    assert response.status_code == 422
    assert "already has an assignment from 2026-03-15" in response.get_data(as_text=True)
    assert state_counts() == before and _snapshot(officer) == kept


def test_nobody_is_their_own_supervisor(org, login):
    officer = org["officer_a"]
    with pytest.raises(ServiceError):
        services.assign(officer, {"department": org.dept_a, "post": org.post, "supervisor": officer,
                                  "valid_from": date(2026, 4, 1)}, None)
    db.session.rollback()
    before, kept = state_counts(), _snapshot(officer)
    response = login("100002").post(f"/admin/people/{officer.id}/assignments", data={
        "department": org.dept_a.id, "post": org.post.id, "supervisor": officer.badge,
        "valid_from": "2026-04-01"})
    assert response.status_code == 422
    assert "Nobody can be their own supervisor." in response.get_data(as_text=True)
    assert state_counts() == before and _snapshot(officer) == kept


def test_supervisor_of_another_unit_is_refused(org, login):
    officer = org["officer_a"]
    before = state_counts()
    response = login("100002").post(f"/admin/people/{officer.id}/assignments", data={
        "department": org.dept_a.id, "post": org.post.id, "supervisor": "300002", "valid_from": "2026-04-01"})
    assert response.status_code == 422
    assert "No person with badge number 300002 in your units." in response.get_data(as_text=True)
    assert state_counts() == before


def test_ending_an_assignment(org, login):
    officer = org["officer_a"]
    client = login("100002")
    before = state_counts()
    response = client.post(f"/admin/people/{officer.id}/assignments/end",
                           data={"last_day": "2025-08-31", "reason": "retired"})
    assert response.status_code == 422
    assert "has no assignment on 2025-08-31" in response.get_data(as_text=True)
    assert state_counts() == before
    mark = last_event_id()
    response = client.post(f"/admin/people/{officer.id}/assignments/end",
                           data={"last_day": "2026-08-31", "reason": "retired"})
    assert response.status_code == 302
    assert person("200002").assignments[0].valid_to == date(2026, 8, 31)
    (event,) = events_after(mark)
    assert (event.action, event.before, event.after, event.reason) == (
        "assignment.ended", {"valid_to": None}, {"valid_to": "2026-08-31"}, "retired")


# --- Nobody acts on their own account -----------------------------------------------------------------------


def test_root_admin_cannot_change_own_roles_or_account(org, login):
    root = org["root_admin"]
    client = login(root.badge)
    before, kept = state_counts(), _snapshot(root)
    own_grant = next(g for g in root.grants if g.role == "admin")
    assert client.post(f"/admin/people/{root.id}/roles",
                       data={"role": "hr", "unit": org.province.id}).status_code == 403
    assert client.post(f"/admin/people/{root.id}/roles/{own_grant.id}/revoke").status_code == 403
    assert client.post(f"/admin/people/{root.id}/active", data={"reason": "x"}).status_code == 403
    assert client.post(f"/admin/people/{root.id}/password",
                       data={"password": NEW_PASSWORD}).status_code == 403
    assert state_counts() == before and _snapshot(root) == kept
    assert client.get("/admin/").status_code == 200  # still signed in, still an admin


def test_services_refuse_changes_to_ones_own_account(org):
    root = org["root_admin"]
    own_grant = next(g for g in root.grants if g.role == "admin")
    for attempt in (lambda: services.grant_role(root, "hr", org.province, root),
                    lambda: services.revoke_role(own_grant, root),
                    lambda: services.set_active(root, False, root),
                    lambda: services.reset_password(root, NEW_PASSWORD, root)):
        with pytest.raises(ServiceError):
            attempt()
        db.session.rollback()
    assert _snapshot(root)[2] is True and grant_rows(root.id) == [("admin", org.province.id)]


@pytest.mark.parametrize("target", ["root_admin", "survey"])
def test_city_admin_cannot_take_over_a_wider_account(org, login, new_client, target):
    """The province admin works in a station of city A; city A's admin sees them but must not be able to
    set their password (and so sign in as them) or lock them out."""
    victim = org[target]
    client = login("100002")
    assert client.get(f"/admin/people/{victim.id}").status_code == 200
    before, kept = state_counts(), _snapshot(victim)
    assert client.post(f"/admin/people/{victim.id}/password",
                       data={"password": NEW_PASSWORD}).status_code == 403
    assert client.post(f"/admin/people/{victim.id}/active", data={"reason": "x"}).status_code == 403
    own_grant = next(g for g in victim.grants if g.unit_id == org.province.id)
    assert client.post(f"/admin/people/{victim.id}/roles/{own_grant.id}/revoke").status_code == 404
    assert state_counts() == before and _snapshot(victim) == kept
    assert sign_in(new_client(), victim.badge, NEW_PASSWORD).status_code == 200


# --- Registering people -------------------------------------------------------------------------------------

NEW_PERSON = {"badge": "200099", "name": "New Officer", "rank": "二级警员", "hire_date": "2025-09-01",
              "post": None, "supervisor": "200001", "valid_from": "2026-02-01"}


def _new_person(org, **changes) -> dict:
    return {**NEW_PERSON, "department": org.dept_a.id, "post": org.post.id, **changes}


def test_grants_stay_within_the_admins_units(org, login):
    client = login("100002")
    officer = org["officer_a"]
    before, kept = state_counts(), _snapshot(officer)
    for data in ({"role": "admin", "unit": org.province.id}, {"role": "panel", "unit": org.county_b.id},
                 {"role": "king", "unit": org.county_a.id}):
        assert client.post(f"/admin/people/{officer.id}/roles", data=data).status_code == 422, data
    assert state_counts() == before and _snapshot(officer) == kept
    assert client.post(f"/admin/people/{officer.id}/roles",
                       data={"role": "admin", "unit": org.county_a.id}).status_code == 302
    assert ("admin", org.county_a.id) in grant_rows(officer.id)


def test_register_a_person(org, login):
    mark = last_event_id()
    response = login("100002").post("/admin/people/new", data=_new_person(org))
    assert response.status_code == 302
    created = person("200099")
    assert created.name == "New Officer" and created.hire_date == date(2025, 9, 1)
    assert [(a.department_id, a.supervisor_id, a.valid_from) for a in created.assignments] == [
        (org.dept_a.id, org["supervisor_a"].id, date(2026, 2, 1))]
    assert grant_rows(created.id) == [("officer", org.county_a.id)]
    events = events_after(mark)
    assert [e.action for e in events] == ["person.created", "assignment.created", "role.granted"]
    assert events[0].after["badge"] == "200099"
    # Filed under the new person's unit, so that city A's admin finds them in the audit log.
    assert {e.unit_id for e in events} == {org.county_a.id}
    page = login("100002").get("/admin/audit").get_data(as_text=True)
    assert "person.created" in page and "200099" in page


def test_register_in_a_department_outside_scope_is_refused(org, login):
    before = state_counts()
    response = login("100002").post("/admin/people/new", data=_new_person(org, department=org.dept_b.id))
    assert response.status_code == 422
    assert person("200099") is None
    assert state_counts() == before


INVALID_NEW_PERSON = [
    ({"name": ""}, "This field is required."),
    ({"name": "   "}, "This field is required."),
    ({"badge": "AB 12!"}, "A badge number has only letters, digits and dashes."),
    ({"badge": "警号1"}, "A badge number has only letters, digits and dashes."),
    ({"badge": ""}, "This field is required."),
    ({"badge": "1" * 21}, "Field cannot be longer than 20 characters."),
    ({"hire_date": "2026-13-45"}, "Not a valid date value."),
    ({"valid_from": "yesterday"}, "Not a valid date value."),
    ({"valid_from": ""}, "This field is required."),
    ({"post": MISSING}, "Not a valid choice."),
    ({"badge": "200002"}, "Badge number 200002 is already registered."),
    ({"supervisor": "999999"}, "No person with badge number 999999 in your units."),
]


def test_register_invalid_input(org, login):
    client = login("100002")
    before = state_counts()
    for changes, message in INVALID_NEW_PERSON:
        response = client.post("/admin/people/new", data=_new_person(org, **changes))
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
        assert state_counts() == before, changes
        assert person("200099") is None


def test_update_invalid_input(org, login):
    client = login("100002")
    officer = org["officer_a"]
    before, kept = state_counts(), _snapshot(officer)
    for changes, message in [({"name": ""}, "This field is required."),
                             ({"hire_date": "31/31/2020"}, "Not a valid date value."),
                             ({"name": "x" * 61}, "Field cannot be longer than 60 characters.")]:
        response = client.post(f"/admin/people/{officer.id}/details",
                               data={"name": "Fine", "rank": "", "hire_date": "", **changes})
        assert response.status_code == 422, changes
        assert message in response.get_data(as_text=True), changes
        assert state_counts() == before and _snapshot(officer) == kept, changes


# --- Every change leaves an audit event ---------------------------------------------------------------------


def test_every_change_on_the_person_page_is_audited(org, login):
    client = login("100002")
    officer, admin = org["officer_a"], org["admin_a"]
    base = f"/admin/people/{officer.id}"

    def step(path, data, action, before, after):
        mark = last_event_id()
        response = client.post(base + path, data=data)
        assert response.status_code == 302, (path, response.status_code)
        events = events_after(mark)
        assert [e.action for e in events] == [action]
        assert (events[0].before, events[0].after) == (before, after)
        assert events[0].actor_id == admin.id and events[0].object_id == officer.id
        assert events[0].unit_id == org.county_a.id  # filed under the person's unit, so city A sees it
        return events[0]

    step("/details", {"name": "Officer Renamed", "rank": "一级警员", "hire_date": "2020-01-01"},
         "person.updated", {"name": "Officer A", "rank": ""}, {"name": "Officer Renamed", "rank": "一级警员"})
    step("/roles", {"role": "panel", "unit": org.county_a.id}, "role.granted",
         None, {"role": "panel", "unit": "CA1"})
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.person_id == officer.id,
                                                      RoleGrant.role == "panel"))
    event = step(f"/roles/{grant.id}/revoke", {"reason": "rotation"}, "role.revoked",
                 {"role": "panel", "unit": "CA1"}, None)
    assert event.reason == "rotation"
    assert grant_rows(officer.id) == [("officer", org.county_a.id)]
    event = step("/active", {"reason": "suspended"}, "person.deactivated",
                 {"active": True}, {"active": False})
    assert event.reason == "suspended" and person("200002").active is False
    step("/active", {"reason": "back"}, "person.activated", {"active": False}, {"active": True})
    step("/password", {"password": NEW_PASSWORD, "reason": "forgot"}, "person.password_reset", None, None)
    assert person("200002").must_change_password is True


def test_org_changes_are_audited(org, login):
    client = login("100002")
    mark = last_event_id()
    assert client.post(f"/admin/units/{org.county_a.id}",
                       data={"code": "CA1", "name": "County A One", "active": "y"}).status_code == 302
    assert client.post(f"/admin/units/{org.city_a.id}/units/new",
                       data={"code": "CA2", "name": "County A2"}).status_code == 302
    assert client.post(f"/admin/units/{org.county_a.id}/departments/new",
                       data={"code": "XZ", "name": "Investigation"}).status_code == 302
    assert client.post(f"/admin/departments/{org.dept_a.id}",
                       data={"code": "PCS", "name": "Station A One", "active": "y"}).status_code == 302
    events = events_after(mark)
    assert [e.action for e in events] == ["unit.updated", "unit.created",
                                          "department.created", "department.updated"]
    assert (events[0].before, events[0].after) == ({"name": "County A1"}, {"name": "County A One"})
    new_unit = db.session.scalar(select(Unit).where(Unit.code == "CA2"))
    assert new_unit.parent_id == org.city_a.id and new_unit.level == "county"
    assert new_unit.path == f"{org.city_a.path}{new_unit.id}/"
    assert events[1].after["code"] == "CA2"
    assert events[2].after["code"] == "XZ" and events[2].unit_id == org.county_a.id
    assert (events[3].before, events[3].after) == ({"name": "Station A"}, {"name": "Station A One"})
    assert all(e.actor_id == org["admin_a"].id for e in events)
    # A code already taken: refused with a message, nothing stored.
    before = state_counts()
    response = client.post(f"/admin/units/{org.county_a.id}/departments/new",
                           data={"code": "XZ", "name": "Again"})
    assert response.status_code == 422 and "already used" in response.get_data(as_text=True)
    assert state_counts() == before


def test_saving_without_a_change_writes_no_event(org, login):
    mark = last_event_id()
    response = login("100002").post(f"/admin/people/{org['officer_a'].id}/details",
                                    data={"name": "Officer A", "rank": "", "hire_date": "2020-01-01"})
    assert response.status_code == 302
    assert events_after(mark) == []


# --- Deactivated people cannot sign in ----------------------------------------------------------------------


def test_deactivated_person_cannot_sign_in(org, login, new_client):
    officer_client = login("200002")
    assert officer_client.get(SIGNED_IN_PAGE).status_code == 200
    assert login("100002").post(f"/admin/people/{org['officer_a'].id}/active",
                                data={"reason": "left"}).status_code == 302
    # The running session has ended …
    response = officer_client.get(SIGNED_IN_PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert db.session.scalar(select(func.count()).select_from(LoginSession).where(
        LoginSession.person_id == org["officer_a"].id, LoginSession.ended_at.is_(None))) == 0
    # … and no new one starts, even with the right password.
    fresh = new_client()
    assert sign_in(fresh, "200002").status_code == 200
    assert fresh.get(SIGNED_IN_PAGE).status_code == 302


def test_password_reset_by_admin_signs_in_with_forced_change(org, login, new_client):
    assert login("100002").post(f"/admin/people/{org['officer_a'].id}/password",
                                data={"password": NEW_PASSWORD}).status_code == 302
    client = new_client()
    assert sign_in(client, "200002", PASSWORD).status_code == 200
    response = sign_in(client, "200002", NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")


def test_weak_temporary_password_is_refused(org, login):
    officer = org["officer_a"]
    kept = _snapshot(officer)
    response = login("100002").post(f"/admin/people/{officer.id}/password", data={"password": "password"})
    assert response.status_code == 422
    assert _snapshot(officer) == kept
