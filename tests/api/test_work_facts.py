"""POST /api/v1/work-facts: facts from a business system become entries on officers' days, once each."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Entry, EntryStatus, PersonDayTotal, WorkFact
from tests.daily.conftest import NOW, TODAY, catalog  # noqa: F401  (the fixture)
from tests.factories import make_person, state_counts
from worklog.api import services as api_services
from worklog.extensions import db
from worklog.facts import services as facts

pytestmark = pytest.mark.postgres  # row locks, upserts into partitioned tables, unique races

MONDAY = TODAY - timedelta(days=TODAY.weekday())


class Sender:
    """A business system posting facts with its token."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def post(self, facts_: list[dict], token: str | None = None, **body):
        return self.client.post("/api/v1/work-facts", json={"facts": facts_, **body},
                                headers={"Authorization": f"Bearer {token or self.token}",
                                         "Accept-Language": "en"})


@pytest.fixture
def dispatch(org, client, catalog):  # noqa: F811
    """The 110 dispatch system of county A, with "call" mapped to patrol (one each) and "visit" to home visits."""
    api_client, token = api_services.register(
        {"name": "110 dispatch", "source": "jj110", "units": [org.county_a],
         "operations": ["write:work-facts", "read:people"], "rate_limit_per_minute": 1000}, org["root_admin"])
    facts.save_mapping(None, {"source": "jj110", "fact_type": "call", "task_type": catalog["T1"],
                              "quantity_rule": "one_each", "multiplier": "1"}, org["root_admin"])
    facts.save_mapping(None, {"source": "jj110", "fact_type": "visit", "task_type": catalog["T2"],
                              "quantity_rule": "as_sent"}, org["root_admin"])
    db.session.commit()
    return Sender(client, token), api_client


def fact(external_id: str, badge: str = "200002", when: str = "2026-11-24T10:00:00+08:00", type_: str = "call",
         quantity=1, reference: str = "") -> dict:
    return {"id": external_id, "badge": badge, "occurred_at": when, "type": type_, "quantity": quantity,
            "reference": reference or f"J{external_id}"}


def entries_of(external_id: str) -> list[Entry]:
    db.session.expire_all()
    row = db.session.scalar(select(WorkFact).where(WorkFact.external_id == external_id))
    return list(db.session.scalars(select(Entry).where(Entry.fact_id == row.id))) if row else []


def test_a_fact_becomes_an_entry_marked_with_its_source(dispatch, org):
    sender, _client = dispatch
    answer = sender.post([fact("c1", reference="J20261124-0001"), fact("v1", type_="visit", quantity=3)])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["received"], body["created"], body["waiting"], body["refused"]) == (2, 2, 0, 0)
    [call] = entries_of("c1")
    assert (call.person_id, call.work_date, call.quantity, call.source, call.reference) == (
        org["officer_a"].id, date(2026, 11, 24), Decimal("1.00"), "jj110", "J20261124-0001")
    assert call.points == Decimal("2.00") and call.status == EntryStatus.draft.value and call.hours == 0
    [visit] = entries_of("v1")
    assert visit.quantity == Decimal("3.00") and visit.points == Decimal("1.50")
    total = db.session.get(PersonDayTotal, (org["officer_a"].id, date(2026, 11, 24)))
    assert (total.entries, total.points) == (2, Decimal("3.50"))
    assert body["results"] == []  # every fact created: counted, none named
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "work_facts.received"))
    assert event.api_client_id == _client.id and event.actor_id is None and event.after["created"] == 2


def test_a_resend_creates_nothing_and_changes_nothing(dispatch):
    sender, _client = dispatch
    batch = [fact("c1"), fact("c2"), fact("x1", badge="999999")]
    first = sender.post(batch).get_json()
    assert (first["created"], first["waiting"]) == (2, 1)
    before = state_counts()
    before.pop("audit_event")
    again = sender.post(batch).get_json()
    assert (again["created"], again["unchanged"], again["waiting"]) == (0, 2, 1)
    after = state_counts()
    after.pop("audit_event")  # the batch itself is recorded, nothing else
    assert after == before


def test_a_changed_fact_updates_its_entry_until_the_week_is_signed(app, dispatch, org, catalog):  # noqa: F811
    from worklog.weekly import services as weekly
    sender, _client = dispatch
    sender.post([fact("v1", type_="visit", quantity=2)])
    [entry] = entries_of("v1")
    changed = sender.post([fact("v1", type_="visit", quantity=4)]).get_json()
    assert changed["updated"] == 1
    [same] = entries_of("v1")
    assert same.id == entry.id and same.quantity == Decimal("4.00") and same.points == Decimal("2.00")

    # The week over, the officer submits; the supervisor approves and signs the week.
    from worklog.daily import services as daily
    app.config["FIXED_NOW"] = NOW + timedelta(days=5)
    officer, supervisor = org["officer_a"], org["supervisor_a"]
    for day in (MONDAY + timedelta(days=i) for i in range(5)):
        daily.submit_day(officer, day, "Done", officer)
    db.session.flush()
    for item in db.session.scalars(select(Entry).where(Entry.person_id == officer.id)):
        weekly.approve(item, supervisor)
    weekly.sign_checked(officer, MONDAY, supervisor)
    db.session.commit()

    refused = sender.post([fact("v1", type_="visit", quantity=9)]).get_json()
    assert (refused["refused"], refused["results"][0]["reason"]) == (1, "sealed_week")
    assert "signed" in refused["results"][0]["message"]
    [kept] = entries_of("v1")
    assert kept.quantity == Decimal("4.00")
    row = db.session.scalar(select(WorkFact).where(WorkFact.external_id == "v1"))
    assert (row.quantity, row.refused_change) == (Decimal("4.00"), "sealed_week")
    # A new fact into the signed week is refused too, and kept with its reason.
    late = sender.post([fact("c9")]).get_json()
    assert late["results"][0]["reason"] == "sealed_week" and entries_of("c9") == []
    assert db.session.scalar(select(WorkFact.status).where(WorkFact.external_id == "c9")) == "refused"


def test_an_unknown_badge_waits_and_is_matched_later(dispatch, org, client):
    sender, _client = dispatch
    answer = sender.post([fact("c1", badge="200777")]).get_json()
    assert answer["results"][0]["outcome"] == "waiting" and answer["results"][0]["reason"] == "unknown_badge"
    assert entries_of("c1") == []
    make_person("200777", "New Officer", org.dept_a, org.post, valid_from=date(2026, 11, 1))
    db.session.commit()
    assert facts.match_again(org["root_admin"]) == {"entered": 1, "still": 0}
    db.session.commit()
    [entry] = entries_of("c1")
    assert entry.quantity == Decimal("1.00")
    assert db.session.scalar(select(WorkFact.status).where(WorkFact.external_id == "c1")) == "entered"


def test_an_unmapped_type_waits_until_it_is_mapped(dispatch, org, catalog):  # noqa: F811
    sender, _client = dispatch
    answer = sender.post([fact("t1", type_="traffic stop", quantity=2)]).get_json()
    assert answer["results"][0]["reason"] == "unmapped_type"
    facts.save_mapping(None, {"source": "jj110", "fact_type": "traffic stop", "task_type": catalog["T1"],
                              "quantity_rule": "as_sent"}, org["root_admin"])
    db.session.commit()
    [entry] = entries_of("t1")
    assert entry.quantity == Decimal("2.00")


def test_a_fact_about_an_officer_outside_the_clients_units_is_refused_and_not_kept(dispatch):
    sender, _client = dispatch
    answer = sender.post([fact("b1", badge="300002")]).get_json()   # officer B, county B
    assert answer["results"][0] == {"id": "b1", "outcome": "refused", "reason": "outside_units",
                                    "message": answer["results"][0]["message"], "entry_id": None}
    assert db.session.scalar(select(func.count()).select_from(WorkFact)) == 0


def test_a_batch_with_a_wrong_value_is_refused_whole(dispatch):
    sender, _client = dispatch
    before = state_counts()
    answer = sender.post([fact("c1"), fact("c2", quantity="-1"), fact("c4", quantity="1.005"), "nonsense",
                          fact("c3", when="yesterday"), fact(" ")])
    assert answer.status_code == 422
    details = answer.get_json()["error"]["details"]
    assert set(details) == {"facts.1.quantity", "facts.2.quantity", "facts.3", "facts.4.occurred_at", "facts.5.id"}
    assert state_counts() == before


def test_an_id_sent_twice_in_a_batch_counts_once_with_its_last_values(dispatch):
    sender, _client = dispatch
    answer = sender.post([fact("v1", type_="visit", quantity=2), fact("v1", type_="visit", quantity=5)]).get_json()
    assert answer["received"] == 2 and answer["created"] == 2  # both places answered alike
    [entry] = entries_of("v1")
    assert entry.quantity == Decimal("5.00")


def test_a_time_in_the_future_is_refused_and_not_kept(dispatch):
    sender, _client = dispatch
    answer = sender.post([fact("f1", when="2026-12-25T10:00:00+08:00"), fact("c1")]).get_json()
    assert [(r["id"], r["reason"]) for r in answer["results"]] == [("f1", "bad_date")] and answer["created"] == 1
    assert db.session.scalar(select(func.count()).select_from(WorkFact)) == 1


def test_the_cap_and_the_catalog_are_the_officers_rules_too(dispatch, org, catalog):  # noqa: F811
    sender, _client = dispatch
    # Patrol's daily cap is 10: the eleventh call of the day is refused.
    answer = sender.post([fact(f"c{i}", when=f"2026-11-24T{8 + i // 2:02d}:{(i % 2) * 30:02d}:00+08:00")
                          for i in range(11)]).get_json()
    assert (answer["created"], answer["refused"]) == (10, 1)
    assert answer["results"][-1]["reason"] == "daily_cap"


def test_a_client_without_a_source_or_the_operation_cannot_send(org, client, catalog):  # noqa: F811
    reader, token = api_services.register({"name": "Reader", "units": [org.county_a], "operations": ["read:people"],
                                           "rate_limit_per_minute": 100}, org["root_admin"])
    db.session.commit()
    answer = Sender(client, token).post([fact("c1")])
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"


def test_a_revoked_token_stops_at_once(dispatch, org):
    sender, api_client = dispatch
    assert sender.post([fact("c1")]).status_code == 200
    api_services.revoke(api_client, org["root_admin"], "retired")
    db.session.commit()
    answer = sender.post([fact("c2")])
    assert answer.status_code == 401 and entries_of("c2") == []


def test_the_officer_cannot_change_a_fact_sourced_entry_through_any_page(dispatch, org, client):
    """Not its task, quantity or date, nor delete it; the hours, completion and description are theirs to give."""
    from tests.factories import sign_in
    sender, _client = dispatch
    sender.post([fact("v1", type_="visit", quantity=3)])
    [entry] = entries_of("v1")
    sign_in(client, "200002")
    edit = f"/entries/{entry.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert "110 dispatch" in page and 'name="quantity" value="3.00"' in page and 'type="hidden"' in page
    before = state_counts()
    for changed in ({"quantity": "30"}, {"task_type": str(entry.task_type_id + 1)}, {"quantity": "3.5"}):
        form = {"task_type": str(entry.task_type_id), "quantity": "3.00", "hours": "1", "completion": "done",
                "description": "", **changed}
        answer = client.post(edit, data=form)
        assert answer.status_code == 422 and "only that system changes them" in answer.get_data(as_text=True)
        assert state_counts() == before
    deleted = client.post(f"/entries/{entry.id}/delete", data={}, follow_redirects=True)
    assert "cannot be deleted" in deleted.get_data(as_text=True)
    assert state_counts() == before and len(entries_of("v1")) == 1
    # Hours, completion and a description: saved, the system's values kept.
    saved = client.post(edit, data={"task_type": str(entry.task_type_id), "quantity": "3", "hours": "1.5",
                                    "completion": "mostly", "description": "Three households on Elm Street"})
    assert saved.status_code == 302
    [kept] = entries_of("v1")
    assert (kept.quantity, kept.hours, kept.completion, kept.description, kept.source) == (
        Decimal("3.00"), Decimal("1.50"), "mostly", "Three households on Elm Street", "jj110")
    # The day page shows where it came from and offers no delete.
    day = client.get("/day/2026-11-24").get_data(as_text=True)
    assert "110 dispatch · Jv1" in day and f"/entries/{entry.id}/delete" not in day


def test_copying_the_previous_day_leaves_the_systems_lines_out(dispatch, org):
    from worklog.daily import services as daily
    sender, _client = dispatch
    sender.post([fact("c1", when="2026-11-24T09:00:00+08:00")])
    from worklog.errors import ServiceError
    officer = org["officer_a"]
    with pytest.raises(ServiceError):  # "There is no earlier day to copy."
        daily.copy_previous_day(officer, TODAY, officer)
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.work_date == TODAY)) == 0


def test_the_ledgers_show_what_systems_reported_apart(dispatch, org, client, catalog):  # noqa: F811
    from worklog.daily import queries as daily_queries
    from worklog.daily import services as daily
    from worklog.ledgers import queries as ledgers
    sender, _client = dispatch
    sender.post([fact("c1"), fact("c2"), fact("v1", type_="visit", quantity=4)])   # 2 + 2 + 2 points
    officer = org["officer_a"]
    daily.add_entry(officer, {"work_date": date(2026, 11, 24), "task_type": catalog["T3"], "quantity": "1",
                              "hours": "1", "completion": "done"}, officer)              # 1 point, self-reported
    db.session.commit()
    ledger = daily_queries.month_ledger(officer, date(2026, 11, 1))
    assert [(source, t.entries, t.points) for source, t in ledger.origins] == [
        (None, 1, Decimal("1.00")), ("jj110", 3, Decimal("6.00"))]
    view = ledgers.department_month(org.dept_a, date(2026, 11, 1))
    [row] = [o for o in view.officers if o.person.id == officer.id]
    assert (row.points, row.from_systems) == (Decimal("7.00"), Decimal("6.00"))
    from tests.factories import sign_in
    sign_in(client, "200002")
    page = client.get("/ledger/2026-11").get_data(as_text=True)
    assert "Self-reported and from systems" in page and "110 dispatch" in page


def test_matched_again_a_clients_fact_stays_within_the_clients_units(dispatch, org):
    """A badge unknown when the fact came, given later to an officer outside the client's units: matching again
    refuses it (outside_units) rather than enter it there."""
    sender, _client = dispatch
    sender.post([fact("c1", badge="300777")])
    make_person("300777", "Officer elsewhere", org.dept_b, org.post, valid_from=date(2026, 11, 1))
    db.session.commit()
    assert facts.match_again(org["root_admin"]) == {"entered": 0, "still": 1}
    db.session.commit()
    row = db.session.scalar(select(WorkFact).where(WorkFact.external_id == "c1"))
    assert (row.status, row.reason) == ("refused", "outside_units") and entries_of("c1") == []


def test_saving_a_mapping_again_with_the_same_values_records_nothing(dispatch, org, catalog):  # noqa: F811
    from models import FactMapping
    mapping = db.session.scalar(select(FactMapping).where(FactMapping.fact_type == "visit"))
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    facts.save_mapping(mapping, {"source": "jj110", "fact_type": "visit", "task_type": catalog["T2"],
                                 "quantity_rule": "as_sent", "multiplier": "1"}, org["root_admin"])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_audit_page_names_the_client_behind_a_batch(dispatch, org, client):
    from tests.factories import sign_in
    sender, _client = dispatch
    sender.post([fact("c1")])
    sign_in(client, "100001")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "API client: 110 dispatch" in page


def test_a_task_not_open_to_the_officers_post_waits(dispatch, org, catalog):  # noqa: F811
    """The catalog's own rule decides (a task of another sequence is not the police station's)."""
    sender, _client = dispatch
    facts.save_mapping(None, {"source": "jj110", "fact_type": "scene", "task_type": catalog["X1"]},
                       org["root_admin"])
    db.session.commit()
    answer = sender.post([fact("s1", type_="scene"), fact("c1")]).get_json()
    assert [(r["id"], r["reason"]) for r in answer["results"]] == [("s1", "not_in_catalog")]
    assert answer["created"] == 1 and entries_of("s1") == []
