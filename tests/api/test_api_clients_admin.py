"""The province's administrator registers, changes, rotates and revokes API clients on /admin/api-clients."""
from __future__ import annotations

import re

from sqlalchemy import select

from models import ApiClient, AuditEvent
from tests.api.conftest import Caller
from tests.factories import sign_in
from worklog.extensions import db


def _token(response) -> str:
    return re.search(r"wlk_[A-Za-z0-9_\-]{43}", response.get_data(as_text=True)).group(0)


def test_register_shows_the_token_once_then_rotate_and_revoke(client, org, new_client):
    assert sign_in(client, "100001").status_code == 302
    response = client.post("/admin/api-clients/new", data={
        "name": "110 dispatch", "units": [str(org.county_a.id)], "operations": ["read:people"],
        "rate_limit_per_minute": "30"})
    assert response.status_code == 200
    token = _token(response)
    api_client = db.session.scalar(select(ApiClient).where(ApiClient.name == "110 dispatch"))
    assert [unit.code for unit in api_client.units] == ["CA1"] and api_client.rate_limit_per_minute == 30
    listing = client.get("/admin/api-clients").get_data(as_text=True)
    assert api_client.token_prefix in listing and token not in listing
    assert token not in client.get(f"/admin/api-clients/{api_client.id}").get_data(as_text=True)
    system = Caller(new_client(), token)
    assert system.get("/api/v1/units").status_code == 200

    rotated = client.post(f"/admin/api-clients/{api_client.id}/rotate", data={"reason": "Leaked"})
    new = _token(rotated)
    assert new != token
    assert system.get("/api/v1/units").status_code == 401
    assert system.get("/api/v1/units", token=new).status_code == 200

    assert client.post(f"/admin/api-clients/{api_client.id}/revoke", data={"reason": "Retired"}).status_code == 302
    assert system.get("/api/v1/units", token=new).status_code == 401
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "api_client")
                                     .order_by(AuditEvent.id)))
    assert [e.action for e in events] == ["api_client.registered", "api_client.rotated", "api_client.revoked"]
    assert all(e.actor_id == org["root_admin"].id for e in events)
    assert all(token not in str(e.after) and new not in str(e.after) for e in events)


def test_bad_input_is_refused_with_nothing_kept(client, org):
    assert sign_in(client, "100001").status_code == 302
    response = client.post("/admin/api-clients/new", data={"name": "X", "units": [], "rate_limit_per_minute": "0"})
    assert response.status_code == 422
    assert db.session.scalar(select(ApiClient.id)) is None


def test_only_the_provinces_administrators_manage_clients(client, org):
    assert sign_in(client, "100002").status_code == 302  # administrator of a city
    assert client.get("/admin/api-clients").status_code == 403
    assert client.post("/admin/api-clients/new", data={"name": "X", "units": [str(org.city_a.id)],
                                                       "rate_limit_per_minute": "5"}).status_code == 403
    assert db.session.scalar(select(ApiClient.id)) is None
