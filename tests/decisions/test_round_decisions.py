"""A published round's outcomes, recorded by HR over its unit through the pages: one at a time and in bulk,
changed with the version read, audited before and after; refused for a draft, for an officer not on the list, for a
bad date and for HR elsewhere, each leaving nothing written."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, PersonnelDecision
from tests.decisions.conftest import make_round, sheet_rows
from tests.factories import sign_in, state_counts
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _decisions() -> dict[int, PersonnelDecision]:
    db.session.expire_all()
    return {d.person_id: d for d in db.session.scalars(select(PersonnelDecision))}


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _one(client, round_, person, **data):
    values = {"outcome": "promoted", "decided_on": "2027-01-20", "reference": "示公人〔2027〕3号", "note": "",
              "version": "0", **data}
    return client.post(f"/hr/rounds/{round_.id}/decisions/{person.id}", data=values)


def test_hr_records_an_officers_outcome_and_changes_it_audited(client, org, published):
    sign_in(client, org["hr_a"].badge)
    officer = org["officer_a"]
    page = client.get(f"/hr/rounds/{published.id}/decisions")
    assert page.status_code == 200 and "Officer A" in page.text and "nothing recorded yet" in page.text
    form = client.get(f"/hr/rounds/{published.id}/decisions/{officer.id}")
    assert form.status_code == 200 and 'name="version"' in form.text
    assert _one(client, published, officer).status_code == 302
    decision = _decisions()[officer.id]
    assert (decision.kind, decision.outcome, decision.decided_on, decision.reference, decision.round_id,
            decision.unit_id, decision.version) == ("promotion", "promoted", date(2027, 1, 20), "示公人〔2027〕3号",
                                                    published.id, org.city_a.id, 1)
    [recorded] = _events("decision.recorded")
    assert (recorded.object_type, recorded.object_id, recorded.actor_id) == (
        "personnel_decision", decision.id, org["hr_a"].id)
    assert recorded.unit_id == org.county_a.id  # filed under the officer's unit: its systems and HR follow it
    assert recorded.after["outcome"] == "promoted" and recorded.after["officer"] == officer.badge
    assert recorded.after["round_name"] == published.name
    # A change, with the version read: audited before and after.
    assert _one(client, published, officer, outcome="deferred", note="待编制到位", version="1").status_code == 302
    decision = _decisions()[officer.id]
    assert (decision.outcome, decision.note, decision.version) == ("deferred", "待编制到位", 2)
    [changed] = _events("decision.changed")
    assert changed.before == {"outcome": "promoted", "note": ""}
    assert {k: changed.after[k] for k in ("outcome", "note")} == {"outcome": "deferred", "note": "待编制到位"}
    # The page shows it, and the audit trail words it.
    page = client.get(f"/hr/rounds/{published.id}/decisions?outcome=deferred")
    assert "Deferred" in page.text and "待编制到位" in page.text and "Officer A" in page.text
    assert "Officer B" not in page.text


def test_a_stale_version_is_refused_and_nothing_is_kept(client, org, published):
    sign_in(client, org["hr_a"].badge)
    officer = org["officer_a"]
    assert _one(client, published, officer).status_code == 302
    assert _one(client, published, officer, outcome="not_selected", version="1").status_code == 302
    before = state_counts()
    # Read at version 1, sent after someone else made it version 2.
    stale = _one(client, published, officer, outcome="promoted", version="1")
    assert stale.status_code == 409 and "Someone else recorded" in stale.text
    # Read before anything was recorded: a new decision over one recorded since is refused too.
    assert _one(client, published, officer, outcome="promoted", version="0").status_code == 409
    assert state_counts() == before
    assert _decisions()[officer.id].outcome == "not_selected"


def test_several_officers_at_once_all_or_nothing(client, org, published):
    sign_in(client, org["hr_a"].badge)
    a, s, p = org["officer_a"], org["supervisor_a"], org["panel_a"]
    data = {"outcome": "not_selected", "decided_on": "2027-01-25", "reference": "示公人〔2027〕5号", "note": ""}
    response = client.post(f"/hr/rounds/{published.id}/decisions", data={**data, "people": [f"{a.id}:0", f"{s.id}:0"]})
    assert response.status_code == 302
    decided = _decisions()
    assert {pid: d.outcome for pid, d in decided.items()} == {a.id: "not_selected", s.id: "not_selected"}
    assert len(_events("decision.recorded")) == 2
    before = state_counts()
    # One of them stale (A is at version 1, sent as 0): nobody's decision is kept, Panel A's neither.
    stale = client.post(f"/hr/rounds/{published.id}/decisions",
                        data={**data, "outcome": "promoted", "people": [f"{p.id}:0", f"{a.id}:0"]})
    assert stale.status_code == 409 and state_counts() == before
    # None ticked, or an officer off the list among them: refused, nothing kept.
    assert client.post(f"/hr/rounds/{published.id}/decisions", data=data).status_code == 422
    off = client.post(f"/hr/rounds/{published.id}/decisions",
                      data={**data, "people": [f"{p.id}:0", f"{org['officer_b'].id}:0"]})
    assert off.status_code == 422 and "not on the round" in off.text and state_counts() == before
    # Both changed, each at the version the page showed.
    page = client.get(f"/hr/rounds/{published.id}/decisions").text
    assert f'value="{a.id}:1"' in page and f'value="{p.id}:0"' in page
    assert client.post(f"/hr/rounds/{published.id}/decisions",
                       data={**data, "outcome": "promoted", "people": [f"{a.id}:1", f"{p.id}:0"]}).status_code == 302
    assert {pid: d.outcome for pid, d in _decisions().items()} == {
        a.id: "promoted", s.id: "not_selected", p.id: "promoted"}


def test_a_draft_round_is_refused(client, org):
    draft = make_round(org, publish=False, name="Draft")
    sign_in(client, org["hr_a"].badge)
    page = client.get(f"/hr/rounds/{draft.id}/decisions")
    assert page.status_code == 200 and "is a draft" in page.text and 'name="people"' not in page.text
    before = state_counts()
    refused = _one(client, draft, org["officer_a"])
    assert refused.status_code == 422 and "is a draft" in refused.text
    bulk = client.post(f"/hr/rounds/{draft.id}/decisions", data={
        "outcome": "promoted", "decided_on": "2027-01-20", "people": [f"{org['officer_a'].id}:0"]})
    assert bulk.status_code == 422
    assert state_counts() == before


def test_an_officer_not_on_the_list_is_refused(client, org, published):
    sign_in(client, org["hr_a"].badge)
    outsider = org["officer_b"]  # County B1: not in City A's round
    before = state_counts()
    assert client.get(f"/hr/rounds/{published.id}/decisions/{outsider.id}").status_code == 404
    refused = _one(client, published, outsider)
    assert refused.status_code == 422 and "not on the round" in refused.text
    assert state_counts() == before


@pytest.mark.parametrize("day, words", [("2027-02-30", "Not a valid date value."),
                                        ("2027-03-01", "cannot be dated in the future"),
                                        ("2026-10-31", "cannot have been decided before"),
                                        ("", "Give the date it was decided.")])
def test_a_bad_date_is_refused_and_nothing_is_kept(client, org, published, day, words):
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    refused = _one(client, published, org["officer_a"], decided_on=day)
    assert refused.status_code == 422 and words in refused.text
    assert state_counts() == before


def test_nobody_decides_about_themselves_and_the_outcome_must_be_a_rounds(client, org, published):
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    assert _one(client, published, org["hr_a"]).status_code == 422
    assert _one(client, published, org["officer_a"], outcome="carried_out").status_code == 422
    assert state_counts() == before


@pytest.mark.parametrize("who", ["hr_b", "officer_a", "panel_a"])
def test_others_learn_nothing_of_the_round(client, org, published, who):
    from models import Role
    from tests.factories import make_person
    if who == "hr_b":
        org.people["hr_b"] = make_person("300004", "HR B", org.dept_b, org.post, roles={Role.hr.value: org.city_b})
        db.session.commit()
    sign_in(client, org[who].badge)
    before = state_counts()
    assert client.get(f"/hr/rounds/{published.id}/decisions").status_code == 404
    assert client.get(f"/hr/rounds/{published.id}/decisions/{org['officer_a'].id}").status_code == 404
    assert client.get(f"/hr/rounds/{published.id}/decisions/export.xlsx").status_code == 404
    assert _one(client, published, org["supervisor_a"]).status_code == 404
    assert state_counts() == before


def test_the_spreadsheet_holds_the_outcomes(client, org, published):
    sign_in(client, org["hr_a"].badge)
    assert _one(client, published, org["officer_a"], note="名额有限").status_code == 302
    rows = sheet_rows(client.get(f"/hr/rounds/{published.id}/decisions/export.xlsx"))
    assert rows[0][:5] == ("Place", "Badge number", "Full name", "Unit", "Decision taken")
    officer = next(r for r in rows if r[1] == org["officer_a"].badge)
    assert officer[2:] == ("Officer A", "County A1", "Promoted", officer[5], "示公人〔2027〕3号", "名额有限")
    assert officer[5].date() == date(2027, 1, 20)
    undecided = next(r for r in rows if r[1] == org["supervisor_a"].badge)
    assert undecided[4] is None or undecided[4] == ""
    count = db.session.scalar(select(func.count()).select_from(PersonnelDecision))
    assert len(rows) - 1 == published.counts["eligible"] and count == 1


def test_the_round_page_links_to_its_outcomes_once_published(client, org, published):
    sign_in(client, org["hr_a"].badge)
    page = client.get(f"/hr/rounds/{published.id}").text
    assert f"/hr/rounds/{published.id}/decisions" in page


def test_a_round_named_with_characters_a_sheet_name_refuses_still_exports(client, org):
    named = make_round(org, name="2026/竞争上岗 [一]: 第*批?")
    sign_in(client, org["hr_a"].badge)
    for url in (f"/hr/rounds/{named.id}/export.xlsx", f"/hr/rounds/{named.id}/decisions/export.xlsx"):
        from openpyxl import load_workbook
        import io
        response = client.get(url)
        assert response.status_code == 200, url
        assert load_workbook(io.BytesIO(response.get_data())).sheetnames == ["2026_竞争上岗 _一__ 第_批_"]


def test_the_outcomes_page_reads_a_fixed_number_of_statements(client, org, published):
    from tests.daily.conftest import count_queries
    sign_in(client, org["hr_a"].badge)

    def statements() -> int:
        with count_queries() as seen:
            assert client.get(f"/hr/rounds/{published.id}/decisions").status_code == 200
        return sum(1 for s in seen if not s.startswith("BEGIN"))
    assert _one(client, published, org["officer_a"]).status_code == 302
    one = statements()
    for person in (org["supervisor_a"], org["panel_a"], org["admin_a"]):
        assert _one(client, published, person, outcome="deferred").status_code == 302
    assert statements() == one


def test_a_warning_or_removal_round_is_never_decided_as_a_promotion(client, org):
    """A round made from the bottom-of-the-ranking rules lists officers for a warning talk or a removal: its page
    leads to the year's lists' actions, its outcomes pages send back there, a promotion posted for it is refused
    with nothing kept, and its publication tells nobody by message."""
    from models import Notification
    from worklog.annual import rounds
    from worklog.jobs.queue import dispatch
    hr = org["hr_a"]
    round_ = rounds.create_round(org.city_a, "2026 removal list", date(2026, 11, 1), "removal", hr)
    db.session.commit()
    dispatch(round_.job_id)
    rounds.save_policy(round_, {"rules": [{"key": "bottom", "kind": "bottom_percentile",
                                           "params": {"bottom": "1", "years": 1}}], "tie_breakers": []}, hr)
    db.session.commit()
    dispatch(round_.job_id)
    rounds.publish_round(round_, {"not_final": rounds.not_final_token(rounds.not_final(round_))}, hr)
    db.session.commit()
    assert not rounds.is_promotion(round_)
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.kind == "round_published")) == 0
    sign_in(client, hr.badge)
    page = client.get(f"/hr/rounds/{round_.id}").text
    assert f"/hr/rounds/{round_.id}/decisions" not in page
    assert f"/hr/lists/{org.city_a.id}/2025/actions" in page
    response = client.get(f"/hr/rounds/{round_.id}/decisions")
    assert response.status_code == 302 and response.location.endswith(f"/hr/rounds/{round_.id}")
    before = state_counts()
    response = _one(client, round_, org["officer_a"])
    assert response.status_code == 422 and "not for a promotion" in response.text
    response = client.post(f"/hr/rounds/{round_.id}/decisions", data={
        "people": [str(org["officer_a"].id)], "outcome": "promoted", "decided_on": "2027-01-20"})
    assert response.status_code == 422
    assert state_counts() == before and _decisions() == {}
