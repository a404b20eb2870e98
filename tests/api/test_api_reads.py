"""The API's reads for HR and other systems: assignments, final monthly and annual results, published lists,
ledgers and the events feed. Each within the client's units, a page at a time, answered as the document says."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest
import schemathesis
from sqlalchemy import select

from models import MonthResult, Person, Role, YearResult
from tests.api.conftest import Caller
from tests.daily.conftest import catalog, count_queries  # noqa: F401  (the task catalog, for entries)
from tests.monthly.conftest import _entries
from worklog.admin import services as admin
from worklog.annual import rounds, services as annual
from worklog.extensions import db
from worklog.jobs.queue import dispatch
from worklog.ledgers import services as ledgers
from worklog.monthly import services as monthly

MARCH = date(2026, 3, 1)
MARCH_DAYS = [date(2026, 3, d) for d in (2, 3, 4, 5, 6)]
#: Rules every officer passes (none has a veto), so that the lists have lines to read.
EVERYONE = {"rules": [{"key": "clean", "kind": "no_veto", "params": {"months": 12}}], "tie_breakers": []}


def at(*parts) -> datetime:
    return datetime(*parts, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
def caller(register, client):
    """caller(units, *operations) → a Caller registered for those units with those operations."""
    numbers = itertools.count(1)

    def make(units, *operations):
        _, token = register(list(units), operations=operations, name=f"System {next(numbers)}")
        return Caller(client, token)
    return make


@pytest.fixture
def documented(client):
    """documented(response, path) → the JSON body, once schemathesis finds it as the OpenAPI document says."""
    schema = schemathesis.openapi.from_dict(client.get("/api/v1/openapi.json").get_json())

    def check(response, path: str):
        assert response.status_code == 200, response.get_data(as_text=True)
        schema[path]["GET"].validate_response(response)
        return response.get_json()
    return check


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


def _walk(caller, path: str, limit: int) -> list[dict]:
    """Every item of a paged read, following next from the first page to the last."""
    items, cursor = [], None
    while True:
        separator = "&" if "?" in path else "?"
        page = caller.get(f"{path}{separator}limit={limit}" + (f"&after={cursor}" if cursor else "")).get_json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next"]
        if cursor is None:
            return items


def _panel(org, unit):
    """Someone on the unit's assessment panel (county B has none in the small province)."""
    if unit is org.county_a:
        return org["panel_a"]
    admin.grant_role(org["admin_b"], Role.panel.value, unit, None)
    return org["admin_b"]


def _close_month(app, org, unit, month=MARCH, final=True):
    """The panel opens, computes and publishes the month, and (unless ``final`` is false) finalises it once the
    publication and appeal window has passed."""
    panel = _panel(org, unit)
    app.config["FIXED_NOW"] = at(2026, 4, 2)
    review = monthly.open_month(unit, month, panel)
    monthly.compute(review, panel)
    monthly.publish(review, panel)
    if final:
        app.config["FIXED_NOW"] = at(2026, 4, 30)
        monthly.finalise(review, panel)
    db.session.commit()
    return review


def _close_year(app, org, unit, year=2026, final=True):
    panel = _panel(org, unit)
    app.config["FIXED_NOW"] = at(year + 1, 1, 5)
    review = annual.open_year(unit, year, panel)
    annual.compute_year(review, panel)
    annual.publish_year(review, panel)
    if final:
        app.config["FIXED_NOW"] = at(year + 1, 2, 15)
        annual.finalise_year(review, panel)
    db.session.commit()
    return review


def _round(org, policy_key: str, name: str, publish=True, reference=date(2026, 11, 1)):
    """A round of city A made from ``policy_key``'s rules, then given rules everyone passes, its list judged
    (inline, as the HR page's request would have it judged) and, unless ``publish`` is false, published."""
    hr = org["hr_a"]
    round_ = rounds.create_round(org.city_a, name, reference, policy_key, hr)
    db.session.commit()
    dispatch(round_.job_id)
    rounds.save_policy(round_, EVERYONE, hr)
    db.session.commit()
    dispatch(round_.job_id)
    if publish:
        # Its rules read months nobody closed here: published knowingly, as the page's confirmation does.
        rounds.publish_round(round_, {"not_final": rounds.not_final_token(rounds.not_final(round_))}, hr)
    db.session.commit()
    return round_


def _statements(path: str, caller) -> int:
    """Statements one read runs (SQLite's own BEGIN left out: the driver sends it, not the code)."""
    with count_queries() as statements:
        assert caller.get(path).status_code == 200
    return sum(1 for statement in statements if not statement.startswith("BEGIN"))


def _county_a_people(org) -> list[Person]:
    return sorted((p for p in org.people.values() if p.latest_assignment().department_id == org.dept_a.id),
                  key=lambda p: p.id)


# --- Who may read what ---------------------------------------------------------------------------------------------

READS = {
    "/api/v1/assignments?unit={unit}": "read:people",
    "/api/v1/monthly-results?unit={unit}&month=2026-03": "read:results",
    "/api/v1/annual-results?unit={unit}&year=2026": "read:results",
    "/api/v1/published-lists?unit={unit}&year=2026": "read:lists",
    "/api/v1/ledgers/units?unit={unit}&month=2026-03": "read:ledgers",
    "/api/v1/ledgers/departments?unit={unit}&month=2026-03": "read:ledgers",
    "/api/v1/events": "read:events",
}


@pytest.mark.parametrize("path, operation", READS.items())
def test_a_client_without_the_operation_is_forbidden(org, caller, path, operation):
    others = sorted(name for name in set(READS.values()) if name != operation)
    error = _error(caller([org.county_a], *others).get(path.format(unit=org.county_a.id)), 403, "forbidden")
    assert error["details"] == {"operation": operation}


@pytest.mark.parametrize("path, operation", [(p, o) for p, o in READS.items() if "{unit}" in p])
def test_a_unit_outside_the_clients_units_is_missing(app, org, caller, path, operation):
    _close_month(app, org, org.county_b)  # something to read there, were it the client's
    _close_year(app, org, org.county_b)
    system = caller([org.county_a], operation)
    outside = _error(system.get(path.format(unit=org.county_b.id)), 404, "not_found")
    above = _error(system.get(path.format(unit=org.city_a.id)), 404, "not_found")
    missing = _error(system.get(path.format(unit=999999)), 404, "not_found")
    assert outside == above == missing


def test_query_parameters_are_checked_and_refusals_worded_in_the_callers_language(org, caller):
    system = caller([org.county_a], "read:results", "read:ledgers", "read:events")
    for month in ("2026-3", "2026-13", "0999-01", "march", "2026-03-01", ""):
        error = _error(system.get(f"/api/v1/monthly-results?unit={org.county_a.id}&month={month}"), 422, "invalid")
        assert error["details"] == {"month": "Give the month as YYYY-MM, for example 2026-03."}
    error = _error(system.get(f"/api/v1/ledgers/units?unit={org.county_a.id}"), 422, "invalid")
    assert error["details"] == {"month": "This parameter is required."}
    # A misspelt cursor is refused rather than read as "from the start".
    error = _error(system.get("/api/v1/events?afer=10"), 422, "invalid")
    assert set(error["details"]) == {"afer"}
    chinese = _error(system.get(f"/api/v1/annual-results?unit={org.county_a.id}&year=26&month=x&limit=0",
                                language="zh-CN"), 422, "invalid")
    assert set(chinese["details"]) == {"year", "month", "limit"}
    assert all(not message.isascii() for message in chinese["details"].values())


# --- Assignments ---------------------------------------------------------------------------------------------------


def test_assignments_of_a_unit_and_those_under_it_with_their_history(app, org, caller, documented):
    county_a_people = {p.id for p in _county_a_people(org)}
    traffic = admin.create_department(org.county_a, {"code": "TR", "name": "Traffic"}, None)
    app.config["FIXED_NOW"] = at(2026, 5, 2)
    admin.assign(org["officer_a"], {"department": traffic, "post": org.post, "valid_from": date(2026, 5, 1)}, None)
    db.session.commit()
    system = caller([org.city_a], "read:people")
    body = documented(system.get(f"/api/v1/assignments?unit={org.city_a.id}"), "/api/v1/assignments")
    assert body["next"] is None
    officer = [a for a in body["items"] if a["person"]["id"] == org["officer_a"].id]
    assert [(a["department"]["code"], a["valid_from"], a["valid_to"]) for a in officer] == [
        ("PCS", "2026-01-01", "2026-04-30"), ("TR", "2026-05-01", None)]
    assert officer[0]["person"] == {"id": org["officer_a"].id, "badge": "200002", "name": "Officer A"}
    assert officer[0]["post"]["code"] == "PS-SQ" and officer[0]["unit_id"] == org.county_a.id
    people = {a["person"]["id"] for a in body["items"]}
    assert people == county_a_people and org["officer_b"].id not in people
    county_b = caller([org.county_b], "read:people").get(f"/api/v1/assignments?unit={org.county_b.id}")
    assert {a["person"]["badge"] for a in county_b.get_json()["items"]} == {"100003", "300002"}


def test_assignments_are_paged_each_once_in_a_fixed_number_of_statements(org, caller):
    system = caller([org.county_a], "read:people")
    everything = system.get(f"/api/v1/assignments?unit={org.county_a.id}&limit=200").get_json()["items"]
    paged = _walk(system, f"/api/v1/assignments?unit={org.county_a.id}", limit=2)
    assert paged == everything and len(everything) == len(_county_a_people(org)) > 2
    assert [a["id"] for a in paged] == sorted(a["id"] for a in paged)
    url = f"/api/v1/assignments?unit={org.county_a.id}"
    assert _statements(url + "&limit=1", system) == _statements(url + "&limit=200", system)


# --- Monthly and annual results ----------------------------------------------------------------------------------


def test_monthly_results_of_a_final_month(app, org, caller, catalog, documented):
    officer = org["officer_a"]
    _entries(officer, officer.latest_assignment(), catalog["T1"], "10", MARCH_DAYS, 0)
    ledgers.refresh([org.dept_a.id], [MARCH])
    review = _close_month(app, org, org.county_a)
    system = caller([org.county_a], "read:results")
    body = documented(system.get(f"/api/v1/monthly-results?unit={org.county_a.id}&month=2026-03"),
                      "/api/v1/monthly-results")
    stored = {r.person_id: r for r in db.session.scalars(select(MonthResult).where(
        MonthResult.month_review_id == review.id))}
    assert body["month"] == "2026-03" and body["finalised_at"] is not None
    assert [item["person"]["id"] for item in body["items"]] == sorted(stored) and len(stored) > 2
    mine = next(item for item in body["items"] if item["person"]["id"] == officer.id)
    result = stored[officer.id]
    assert mine["approved_points"] == "50.00" and mine["score"] == str(result.score)
    assert (mine["grade"], mine["rank"], mine["group_size"]) == (result.final_grade, result.rank, result.group_size)
    assert mine["department"]["code"] == "PCS" and mine["post"]["code"] == "PS-SQ"
    assert mine["sequence"]["code"] == "PS"
    assert _walk(system, f"/api/v1/monthly-results?unit={org.county_a.id}&month=2026-03", limit=2) == body["items"]
    url = f"/api/v1/monthly-results?unit={org.county_a.id}&month=2026-03"
    assert _statements(url + "&limit=1", system) == _statements(url + "&limit=200", system)


def test_monthly_results_of_a_month_not_final_are_not_shown(app, org, caller):
    system = caller([org.county_a], "read:results")
    url = f"/api/v1/monthly-results?unit={org.county_a.id}&month=2026-03"
    never_opened = _error(system.get(url), 404, "not_found")
    review = _close_month(app, org, org.county_a, final=False)  # computed and published: officers may appeal
    assert db.session.scalar(select(MonthResult.id).where(MonthResult.month_review_id == review.id)) is not None
    published = _error(system.get(url), 404, "not_found")
    assert published == never_opened  # nothing tells a month under appeal from one never opened
    app.config["FIXED_NOW"] = at(2026, 4, 30)
    monthly.finalise(review, org["panel_a"])
    db.session.commit()
    assert system.get(url).status_code == 200
    monthly.reopen(review, "A complaint verified late", org["panel_a"])
    db.session.commit()
    assert _error(system.get(url), 404, "not_found") == never_opened


def test_annual_results_only_of_a_final_year(app, org, caller, documented):
    _close_month(app, org, org.county_a)
    system = caller([org.county_a], "read:results")
    url = f"/api/v1/annual-results?unit={org.county_a.id}&year=2026"
    review = _close_year(app, org, org.county_a, final=False)
    _error(system.get(url), 404, "not_found")
    app.config["FIXED_NOW"] = at(2027, 2, 15)
    annual.finalise_year(review, org["panel_a"])
    db.session.commit()
    body = documented(system.get(url), "/api/v1/annual-results")
    stored = {r.person_id: r for r in db.session.scalars(select(YearResult).where(
        YearResult.year_review_id == review.id))}
    assert body["year"] == 2026 and [item["person"]["id"] for item in body["items"]] == sorted(stored)
    first = body["items"][0]
    result = stored[first["person"]["id"]]
    assert (first["months"], first["score"], first["grade"], first["rank"]) == (
        1, str(result.score), result.final_grade, result.rank)
    assert _walk(system, url, limit=3) == body["items"]
    _error(system.get(f"/api/v1/annual-results?unit={org.county_a.id}&year=2025"), 404, "not_found")


# --- Published lists -----------------------------------------------------------------------------------------------


def test_published_lists_show_the_lines_on_published_rounds_only(org, caller, documented):
    promotion = _round(org, "competitive_promotion", "2026 competitive promotion")
    warning = _round(org, "warning_talk", "2026 warning talks")
    _round(org, "removal", "2026 removals, still a draft", publish=False)
    _round(org, "post_promotion", "2027 promotions", reference=date(2027, 3, 1))
    system = caller([org.county_a], "read:lists")
    url = f"/api/v1/published-lists?unit={org.county_a.id}&year=2026"
    body = documented(system.get(url + "&limit=200"), "/api/v1/published-lists")
    people = _county_a_people(org)
    by_round = {}
    for line in body["items"]:
        by_round.setdefault(line["round"]["id"], []).append(line)
    assert set(by_round) == {promotion.id, warning.id}  # not the draft, nor the round of another year
    first = by_round[promotion.id][0]["round"]
    assert (first["name"], first["kind"], first["reference_date"]) == (
        "2026 competitive promotion", "promotion", "2026-11-01")
    assert by_round[warning.id][0]["round"]["kind"] == "warning"  # its rules were changed; it stays a warning list
    for lines in by_round.values():
        assert sorted(line["person"]["id"] for line in lines) == [p.id for p in people]
        assert all(line["unit_id"] == org.county_a.id for line in lines)
    badge = {p.id: p.badge for p in people}
    assert all(line["person"]["badge"] == badge[line["person"]["id"]] for line in body["items"])
    assert _walk(system, url, limit=3) == body["items"]
    # The city's round lists no officer of county B: B's client reads nothing of it.
    other = caller([org.county_b], "read:lists").get(f"/api/v1/published-lists?unit={org.county_b.id}&year=2026")
    assert other.get_json() == {"items": [], "next": None}


# --- Ledgers -------------------------------------------------------------------------------------------------------


def test_unit_and_department_ledgers(app, org, caller, catalog, documented):
    officer = org["officer_a"]
    _entries(officer, officer.latest_assignment(), catalog["T1"], "10", MARCH_DAYS, 0)
    ledgers.refresh([org.dept_a.id], [MARCH])
    db.session.commit()
    system = caller([org.city_a], "read:ledgers")
    units = documented(system.get(f"/api/v1/ledgers/units?unit={org.city_a.id}&month=2026-03"),
                       "/api/v1/ledgers/units")
    assert units["unit"]["code"] == "CA" and units["month"] == "2026-03" and units["final"] is False
    assert units["own"]["entries"] == 0 and units["own"]["per_capita"] is None
    assert units["with_children"]["approved_points"] == "50.00"
    [county] = units["children"]
    assert county["unit"]["id"] == org.county_a.id and county["rank"] == 1
    assert county["totals"] == {"officers": 1, "entries": 5, "points": "50.00", "approved_points": "50.00",
                                "per_capita": "50.00"}
    departments = documented(system.get(f"/api/v1/ledgers/departments?unit={org.county_a.id}&month=2026-03"),
                             "/api/v1/ledgers/departments")
    [station] = departments["departments"]
    assert station["department"]["code"] == "PCS" and station["totals"]["approved_points"] == "50.00"
    [cell] = station["cells"]
    assert cell["category_id"] == catalog["T1"].category_id and cell["totals"]["approved_points"] == "50.00"
    assert [c["code"] for c in departments["categories"]] == ["YW", "DW"]
    assert departments["category_totals"] == station["cells"]
    assert departments["total"] == station["totals"]
    _close_month(app, org, org.county_a)
    assert system.get(f"/api/v1/ledgers/departments?unit={org.county_a.id}&month=2026-03").get_json()["final"]


# --- Events --------------------------------------------------------------------------------------------------------


def _events(system, limit=50) -> list[dict]:
    return _walk(system, "/api/v1/events", limit=limit)


def test_the_events_feed_shows_a_finalised_month_once_and_only_in_scope(app, org, caller, documented):
    review_a = _close_month(app, org, org.county_a)
    review_b = _close_month(app, org, org.county_b)
    system = caller([org.county_a], "read:events")
    body = documented(system.get("/api/v1/events?limit=200"), "/api/v1/events")
    events = _events(system, limit=2)
    assert events == body["items"] and [e["id"] for e in events] == sorted({e["id"] for e in events})
    months = [e for e in events if e["type"] == "month.finalised"]
    assert [(e["object_id"], e["unit_id"], e["details"]) for e in months] == [
        (review_a.id, org.county_a.id, {"month": "2026-03"})]
    assert all(e["unit_id"] == org.county_a.id for e in events)
    assert review_b.id in [e["object_id"] for e in _events(caller([org.county_b], "read:events"))
                           if e["type"] == "month.finalised"]
    # Read from the last event on, the feed has nothing new; a finalised year is new.
    last = events[-1]["id"]
    assert system.get(f"/api/v1/events?after={last}").get_json() == {"items": [], "next": None}
    year = _close_year(app, org, org.county_a)
    new = system.get(f"/api/v1/events?after={last}").get_json()["items"]
    assert [(e["type"], e["object_id"], e["details"]) for e in new] == [("year.finalised", year.id, {"year": 2026})]


def test_the_events_feed_names_transfers_and_published_rounds(app, org, caller):
    system_a, system_b = caller([org.county_a], "read:events"), caller([org.county_b], "read:events")
    city = caller([org.city_a], "read:events")
    start_a, start_b = _events(system_a)[-1]["id"], _events(system_b)[-1]["id"]
    app.config["FIXED_NOW"] = at(2026, 5, 2)
    moved = admin.assign(org["officer_a"], {"department": org.dept_b, "post": org.post,
                                            "valid_from": date(2026, 5, 1)}, None)
    db.session.commit()
    [transfer] = system_b.get(f"/api/v1/events?after={start_b}").get_json()["items"]
    assert (transfer["type"], transfer["object_id"], transfer["unit_id"]) == (
        "person.transferred", moved.id, org.county_b.id)
    assert transfer["details"] == {"person_id": org["officer_a"].id, "department_id": org.dept_b.id,
                                   "post_id": org.post.id, "valid_from": "2026-05-01"}
    # Filed under the unit the person joins: the unit left sees the assignment's end in /assignments.
    assert system_a.get(f"/api/v1/events?after={start_a}").get_json()["items"] == []
    round_ = _round(org, "competitive_promotion", "2026 competitive promotion")
    published = [e for e in _events(city) if e["type"] == "round.published"]
    assert [(e["object_id"], e["unit_id"], e["details"]) for e in published] == [
        (round_.id, org.city_a.id, {"name": "2026 competitive promotion", "kind": "promotion",
                                    "reference_date": "2026-11-01"})]
    assert not [e for e in _events(system_a) if e["type"] == "round.published"]  # the round is the city's


def test_the_events_feed_reads_a_fixed_number_of_statements(app, org, caller):
    _close_month(app, org, org.county_a)
    _close_year(app, org, org.county_a)
    _round(org, "competitive_promotion", "2026 competitive promotion")
    system = caller([org.city_a], "read:events")
    assert len({e["type"] for e in _events(system)}) == 4
    # One more for the page's rounds, read together, once a round is on the page.
    assert _statements("/api/v1/events?limit=200", system) == _statements("/api/v1/events?limit=1", system) + 1


def test_the_events_feed_waits_until_an_event_has_settled(app, org, caller):
    """An event's id is taken before its transaction commits: the feed shows it only once it is older than
    API_EVENTS_SETTLE_SECONDS, by when every transaction that took an id below it has ended."""
    from models.audit import FEED_ACTIONS
    from worklog.api.read_queries import EVENT_ACTIONS
    assert set(FEED_ACTIONS) == set(EVENT_ACTIONS)  # the partial index covers what the feed reads
    system = caller([org.county_a], "read:events")
    start = (_events(system) or [{"id": 0}])[-1]["id"]
    app.config["API_EVENTS_SETTLE_SECONDS"] = 60
    review = _close_month(app, org, org.county_a)
    assert system.get(f"/api/v1/events?after={start}").get_json() == {"items": [], "next": None}
    app.config["API_EVENTS_SETTLE_SECONDS"] = 0
    assert review.id in [e["object_id"] for e in system.get(f"/api/v1/events?after={start}").get_json()["items"]]


def test_the_events_feed_says_when_a_final_month_or_year_is_reopened(app, org, caller):
    """HR systems that read a period's results learn that they are withdrawn, and then that they are final again."""
    system = caller([org.county_a], "read:events")
    start = (_events(system) or [{"id": 0}])[-1]["id"]
    review = _close_month(app, org, org.county_a)
    monthly.reopen(review, "A complaint verified late", org["panel_a"])
    year = _close_year(app, org, org.county_a)
    annual.reopen_year(year, "A grade corrected", org["panel_a"])
    db.session.commit()
    events = system.get(f"/api/v1/events?after={start}").get_json()["items"]
    assert [(e["type"], e["object_id"], e["details"]) for e in events] == [
        ("month.finalised", review.id, {"month": "2026-03"}), ("month.reopened", review.id, {"month": "2026-03"}),
        ("year.finalised", year.id, {"year": 2026}), ("year.reopened", year.id, {"year": 2026})]
