"""API clients at the door: tokens (missing, unknown, revoked, rotated), units, operations and rate limits."""
from __future__ import annotations

from sqlalchemy import select

from models import ApiClient, AuditEvent
from worklog.api import services
from worklog.extensions import db


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_units_are_the_clients_units_and_those_under_them(org, county_a_system):
    caller, _ = county_a_system
    response = caller.get("/api/v1/units")
    assert response.status_code == 200
    assert [unit["code"] for unit in response.get_json()["items"]] == ["CA1"]


def test_people_of_a_unit_in_scope_with_their_assignment_and_keyset_pages(org, register, client):
    from tests.api.conftest import Caller
    api_client, token = register([org.city_a])
    caller = Caller(client, token)
    expected = sorted(p.id for p in org.people.values() if p.latest_assignment().department_id == org.dept_a.id)
    seen, cursor = [], None
    while True:
        response = caller.get(f"/api/v1/people?unit={org.county_a.id}&limit=3"
                              + (f"&after={cursor}" if cursor else ""))
        assert response.status_code == 200, response.data
        page = response.get_json()
        assert len(page["items"]) <= 3
        seen += [person["id"] for person in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == expected and len(expected) > 3
    first = caller.get(f"/api/v1/people?unit={org.county_a.id}").get_json()["items"][0]
    assert first["assignment"]["department"]["code"] == "PCS"
    assert first["assignment"]["post"]["code"] == "PS-SQ"


def test_a_unit_outside_the_clients_units_is_missing(org, county_a_system):
    caller, _ = county_a_system
    outside = caller.get(f"/api/v1/people?unit={org.county_b.id}")
    missing = caller.get("/api/v1/people?unit=999999")
    above = caller.get(f"/api/v1/people?unit={org.city_a.id}")  # the parent of its unit: not its to read
    for response in (outside, missing, above):
        _error(response, 404, "not_found")
    assert outside.get_json() == missing.get_json()


def test_an_operation_not_given_is_forbidden(org, register, client):
    from tests.api.conftest import Caller
    _, token = register([org.county_a], operations=())
    error = _error(Caller(client, token).get(f"/api/v1/people?unit={org.county_a.id}"), 403, "forbidden")
    assert error["details"] == {"operation": "read:people"}


def test_missing_unknown_and_malformed_tokens_are_401(client, org, county_a_system):
    caller, _ = county_a_system
    _error(client.get("/api/v1/units"), 401, "unauthorized")
    _error(caller.get("/api/v1/units", token="wlk_not-a-token"), 401, "unauthorized")
    response = client.get("/api/v1/units", headers={"Authorization": f"Basic {caller.token}"})
    _error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_at_once(org, county_a_system):
    caller, api_client = county_a_system
    assert caller.get("/api/v1/units").status_code == 200
    services.revoke(api_client, org["root_admin"], "Decommissioned")
    db.session.commit()
    _error(caller.get("/api/v1/units"), 401, "unauthorized")


def test_a_rotated_tokens_old_value_stops_and_the_new_one_works(org, county_a_system):
    caller, api_client = county_a_system
    old = caller.token
    new = services.rotate(api_client, org["root_admin"], "Leaked in a log")
    db.session.commit()
    assert new != old and api_client.token_prefix == new[:12]
    _error(caller.get("/api/v1/units", token=old), 401, "unauthorized")
    assert caller.get("/api/v1/units", token=new).status_code == 200


def test_tokens_are_kept_only_as_a_keyed_hash(org, county_a_system):
    caller, api_client = county_a_system
    row = db.session.scalar(select(ApiClient).where(ApiClient.id == api_client.id))
    assert caller.token not in (row.token_hash, row.token_prefix) and len(row.token_hash) == 64
    assert caller.token.startswith(row.token_prefix)


def test_the_rate_limit_answers_429_with_retry_after_per_client(org, register, client):
    from tests.api.conftest import Caller
    _, token = register([org.county_a], rate=3, name="Slow")
    _, other_token = register([org.county_a], rate=3, name="Other")
    slow, other = Caller(client, token), Caller(client, other_token)
    assert [slow.get("/api/v1/units").status_code for _ in range(3)] == [200, 200, 200]
    response = slow.get("/api/v1/units")
    error = _error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["Retry-After"]) <= 61  # the window of a minute, rounded up
    assert error["details"]["retry_after"] == int(response.headers["Retry-After"])
    assert other.get("/api/v1/units").status_code == 200  # each client counts its own


def test_errors_are_worded_in_the_callers_language(org, county_a_system, client):
    caller, _ = county_a_system
    english = _error(caller.get(f"/api/v1/people?unit={org.county_b.id}"), 404, "not_found")
    chinese = _error(caller.get(f"/api/v1/people?unit={org.county_b.id}", language="zh-CN"), 404, "not_found")
    assert english["message"].isascii() and not chinese["message"].isascii()
    invalid = _error(caller.get("/api/v1/people?unit=x&limit=0", language="zh-CN"), 422, "invalid")
    assert set(invalid["details"]) == {"unit", "limit"}
    assert all(not message.isascii() for message in invalid["details"].values())
    unauthenticated = _error(client.get("/api/v1/units", headers={"Accept-Language": "zh-CN"}), 401,
                             "unauthorized")
    assert not unauthenticated["message"].isascii()


def test_no_html_error_page_under_the_api(client, county_a_system):
    caller, _ = county_a_system
    _error(caller.get("/api/v1/no-such-thing"), 404, "not_found")
    response = client.delete("/api/v1/units", headers={"Authorization": f"Bearer {caller.token}"})
    _error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    _error(caller.get("/api/v1/people?unit=1%00"), 400, "bad_request")


def test_changes_to_clients_are_audited(org, county_a_system):
    _, api_client = county_a_system
    services.update(api_client, {"name": "Dispatch A", "units": [org.county_a, org.county_b],
                                 "operations": ["read:people", "write:work-facts"], "rate_limit_per_minute": 10,
                                 "source": "dispatch-a"},
                    org["root_admin"])
    services.rotate(api_client, org["root_admin"])
    services.revoke(api_client, org["root_admin"])
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "api_client")
                                      .order_by(AuditEvent.id)))
    assert actions == ["api_client.registered", "api_client.updated", "api_client.rotated", "api_client.revoked"]
