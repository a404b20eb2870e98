"""HR's decisions and honours in the API's events feed, filed under the officer's unit: a system of that unit (or of
a unit above it) reads them, another unit's does not; the details are the object's as it stands now."""
from __future__ import annotations

import itertools

import pytest
import schemathesis
from sqlalchemy import select

from models import Honour
from tests.api.conftest import Caller, register  # noqa: F401  (the API's fixtures)
from tests.daily.conftest import count_queries
from tests.decisions.conftest import final_year
from tests.factories import sign_in
from worklog.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture
def caller(register, client):  # noqa: F811
    numbers = itertools.count(1)

    def make(units, *operations):
        _, token = register(list(units), operations=operations, name=f"HR system {next(numbers)}")
        return Caller(client, token)
    return make


def _events(system, after: int = 0) -> list[dict]:
    items, cursor = [], after
    while True:
        page = system.get(f"/api/v1/events?limit=3&after={cursor}").get_json()
        items += page["items"]
        if page["next"] is None:
            return items
        cursor = page["next"]


def test_decisions_and_honours_are_events_in_scope(app, client, org, published, on_lists, caller):
    county_a, county_b = caller([org.county_a], "read:events"), caller([org.county_b], "read:events")
    city_a = caller([org.city_a], "read:events")
    start = max([0] + [e["id"] for e in _events(city_a)])
    sign_in(client, org["hr_a"].badge)
    officer = org["officer_a"]
    assert client.post(f"/hr/rounds/{published.id}/decisions/{officer.id}", data={
        "outcome": "promoted", "decided_on": "2027-01-20", "reference": "示公人〔2027〕3号",
        "version": "0"}).status_code == 302
    assert client.post(f"/hr/rounds/{published.id}/decisions/{officer.id}", data={
        "outcome": "deferred", "decided_on": "2027-01-21", "reference": "示公人〔2027〕4号",
        "version": "1"}).status_code == 302
    assert client.post(f"/hr/lists/{org.county_a.id}/2026/actions/{org['supervisor_a'].id}", data={
        "outcome": "held", "decided_on": "2027-01-15", "version": "0"}).status_code == 302
    assert client.post(f"/hr/honours/{org.county_a.id}/2026", data={
        "badge": officer.badge, "kind": "merit", "title": "个人三等功", "decided_on": "2027-01-10",
        "reference": "示公政〔2027〕8号", "reason": "破获重大案件"}).status_code == 302
    honour = db.session.scalar(select(Honour))
    assert client.post(f"/hr/honours/{honour.id}/revoke", data={"reason": "事迹不实", "version": "1"}).status_code == 302

    schema = schemathesis.openapi.from_dict(client.get("/api/v1/openapi.json").get_json())
    response = county_a.get(f"/api/v1/events?after={start}&limit=50")
    schema["/api/v1/events"]["GET"].validate_response(response)
    events = [e for e in response.get_json()["items"] if e["type"].startswith(("decision.", "honour."))]
    assert [(e["type"], e["unit_id"]) for e in events] == [
        ("decision.recorded", org.county_a.id), ("decision.changed", org.county_a.id),
        ("decision.recorded", org.county_a.id), ("honour.given", org.county_a.id),
        ("honour.revoked", org.county_a.id)]
    # The details as the objects stand now: the round's decision deferred, the honour revoked.
    assert events[0]["details"] == {"person_id": officer.id, "decision": "promotion", "outcome": "deferred",
                                    "decided_on": "2027-01-21", "reference": "示公人〔2027〕4号",
                                    "round_id": published.id}
    assert events[2]["details"] == {"person_id": org["supervisor_a"].id, "decision": "warning_talk",
                                    "outcome": "held", "decided_on": "2027-01-15", "reference": "", "year": 2026}
    assert events[3]["details"] == events[4]["details"] == {
        "person_id": officer.id, "honour": "merit", "title": "个人三等功", "year": 2026, "decided_on": "2027-01-10",
        "reference": "示公政〔2027〕8号", "revoked": True}
    # The city above reads them; the other county learns nothing.
    assert [e["id"] for e in _events(city_a, start) if e["type"].startswith(("decision.", "honour."))] == \
        [e["id"] for e in events]
    assert not [e for e in _events(county_b) if e["type"].startswith(("decision.", "honour."))]
    # Paged by three, each event once and in order, the other events of the feed among them.
    paged = _events(county_a, start)
    assert [e["id"] for e in paged] == sorted({e["id"] for e in paged})
    assert [e["id"] for e in paged if e["type"].startswith(("decision.", "honour."))] == [e["id"] for e in events]


def test_the_feed_reads_a_fixed_number_of_statements_with_decisions(app, client, org, published, caller):
    final_year(org.county_a, 2026, {org["officer_a"]: (1, "excellent")})
    sign_in(client, org["hr_a"].badge)
    for person in (org["officer_a"], org["supervisor_a"], org["panel_a"]):
        assert client.post(f"/hr/rounds/{published.id}/decisions/{person.id}", data={
            "outcome": "promoted", "decided_on": "2027-01-20", "version": "0"}).status_code == 302
    system = caller([org.city_a], "read:events")
    events = _events(system)
    published_at = next(i for i, e in enumerate(events) if e["type"] == "round.published")
    after = events[published_at - 1]["id"]
    assert [e["type"] for e in events[published_at:]] == ["round.published"] + ["decision.recorded"] * 3

    def statements(limit: int) -> int:
        with count_queries() as seen:
            assert len(system.get(f"/api/v1/events?limit={limit}&after={after}").get_json()["items"]) == min(limit, 4)
        return sum(1 for s in seen if not s.startswith("BEGIN"))
    assert statements(200) == statements(2)
