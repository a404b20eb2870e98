"""Who reads leadership's view, and that the leadership role changes nothing: a leader of a city reads it and its
counties, not another city; the panel, HR and administrators read the units whose ledgers they read; an officer is
refused. The role is granted on the administrator's page like any other, opens its menu entry and its home link."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import RoleGrant
from tests.factories import make_person, sign_in, state_counts
from tests.test_access_matrix import MATRIX, SIGNED_IN
from worklog.extensions import db

OK, NOT_FOUND, FORBIDDEN = 200, 404, 403


@pytest.mark.parametrize("who, where, status", [
    ("leader_a", "city_a", OK), ("leader_a", "county_a", OK), ("leader_a", "city_b", NOT_FOUND),
    ("leader_a", "county_b", NOT_FOUND), ("leader_a", "province", NOT_FOUND),
    ("leader_b", "city_b", OK), ("leader_b", "county_a", NOT_FOUND),
    ("panel_a", "county_a", OK), ("panel_a", "city_a", NOT_FOUND),
    ("hr_a", "city_a", OK), ("admin_a", "county_a", OK), ("admin_b", "county_a", NOT_FOUND),
    ("root_admin", "province", OK),
    ("officer_a", "county_a", FORBIDDEN), ("supervisor_a", "county_a", FORBIDDEN), ("survey", "county_a", FORBIDDEN),
])
def test_a_unit_is_read_by_its_leadership_and_its_ledgers_readers(client, leaders, who, where, status):
    sign_in(client, leaders[who].badge)
    unit = getattr(leaders, where)
    assert client.get(f"/leadership/{unit.id}").status_code == status
    assert client.get(f"/leadership/{unit.id}/export.xlsx").status_code == status


def test_the_list_opens_the_leaders_unit_and_refuses_an_officer(client, leaders, new_client):
    sign_in(client, leaders["leader_a"].badge)
    response = client.get("/leadership/")
    assert response.status_code == 302 and response.location.endswith(f"/leadership/{leaders.city_a.id}")
    officer = new_client()
    sign_in(officer, leaders["officer_a"].badge)
    assert officer.get("/leadership/").status_code == 403
    # Someone who leads one city and reads the other's ledgers chooses between them.
    from worklog.admin import services
    services.grant_role(leaders["leader_a"], "hr", leaders.city_b, None)
    db.session.commit()
    page = client.get("/leadership/").get_data(as_text=True)
    assert f"/leadership/{leaders.city_a.id}" in page and f"/leadership/{leaders.city_b.id}" in page


def test_the_leaders_menu_and_home_lead_to_the_view(client, leaders):
    sign_in(client, leaders["leader_a"].badge)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/leadership/"' in home.split("</nav>")[0]  # the menu
    assert f'href="/leadership/{leaders.city_a.id}"' in home  # beside the role on the home page
    client.post("/sign-out")
    sign_in(client, leaders["officer_a"].badge)
    assert "/leadership/" not in client.get("/").get_data(as_text=True)


def test_an_administrator_grants_the_leadership_role_like_any_other(client, org):
    person = make_person("600009", "New leader", org.dept_a, org.post)
    db.session.commit()
    sign_in(client, org["admin_a"].badge)
    page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert '<option value="leader">Leadership</option>' in page
    response = client.post(f"/admin/people/{person.id}/roles", data={"role": "leader", "unit": org.city_a.id})
    assert response.status_code == 302
    assert db.session.scalar(select(RoleGrant.role).where(RoleGrant.person_id == person.id)) == "leader"
    client.post("/sign-out")
    sign_in(client, "600009")
    assert client.get(f"/leadership/{org.county_a.id}").status_code == 200


def test_the_leadership_role_is_refused_every_change_but_a_persons_own():
    """In the access matrix, a leader may post only where everyone signed in may (their own day, password,
    language…): the role itself opens no change anywhere."""
    for (rule, method), allowed in MATRIX.items():
        if method == "POST" and "leader" in allowed:
            assert allowed >= SIGNED_IN, f"a leader may {method} {rule}"
    own = {rule for (rule, method), allowed in MATRIX.items() if method == "POST" and allowed >= SIGNED_IN}
    assert own <= {"/sign-out", "/language", "/account/password", "/notifications", "/notifications/settings",
                   "/day/<isodate:day>/copy",
                   "/day/<isodate:day>/entries", "/day/<isodate:day>/submit", "/favourites/<int:task_type_id>",
                   "/review/sign-all", "/review/delegations", "/review/tasks", "/sign-in"}, own


def test_a_leaders_posts_to_the_units_they_lead_change_nothing(client, leaders):
    """A few of the changes a unit's people make, posted by its leader: each refused, nothing written."""
    sign_in(client, leaders["leader_a"].badge)
    county = leaders.county_a.id
    before = state_counts()
    for url in (f"/month/{county}/2026-07/open", f"/admin/units/{county}", f"/admin/units/{county}/units/new",
                "/inspection/findings/new", "/hr", "/units/evaluation/record", "/survey/draws",
                f"/indicators/units/{leaders.city_a.id}/plans", "/jobs", "/admin/rules/"):
        response = client.post(url, data={"reason": "x", "name": "x", "code": "X9"})
        assert response.status_code in (403, 404), url
    assert state_counts() == before


def test_leads_is_the_leadership_grant_over_a_unit_or_above_it(app, leaders):
    from worklog.permissions import leads, may_view_leadership
    leader, admin = leaders["leader_a"], leaders["admin_a"]
    assert leads(leader, leaders.city_a) and leads(leader, leaders.county_a)
    assert not leads(leader, leaders.province) and not leads(leader, leaders.county_b) and not leads(leader, None)
    assert not leads(admin, leaders.county_a) and may_view_leadership(admin, leaders.county_a)
    leader.active = False
    assert not leads(leader, leaders.county_a)
