"""Honours (记功, 嘉奖, 评先评优): recorded by hand for an officer in scope, proposed from the grades by the rules with
the reason shown, accepted (basis: the rule) or not, never proposed twice; revoked with a reason."""
from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from models import AuditEvent, Honour
from tests.decisions.conftest import final_months, final_year, sheet_rows
from tests.factories import sign_in, state_counts
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _by_hand(client, org, **data):
    values = {"badge": org["officer_a"].badge, "kind": "commendation", "title": "个人嘉奖", "decided_on": "2027-01-10",
              "reference": "示公政〔2027〕8号", "reason": "成功处置群体性事件", **data}
    return client.post(f"/hr/honours/{org.county_a.id}/2026", data=values)


def _honours() -> list[Honour]:
    db.session.expire_all()
    return list(db.session.scalars(select(Honour).order_by(Honour.id)))


def test_hr_records_an_honour_by_hand_audited(client, org):
    sign_in(client, org["hr_a"].badge)
    assert _by_hand(client, org).status_code == 302
    [honour] = _honours()
    assert (honour.person_id, honour.unit_id, honour.kind, honour.title, honour.year, honour.decided_on,
            honour.reference, honour.basis, honour.revoked_at) == (
        org["officer_a"].id, org.county_a.id, "commendation", "个人嘉奖", 2026, date(2027, 1, 10), "示公政〔2027〕8号",
        "", None)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "honour.given"))
    assert (event.object_type, event.object_id, event.unit_id) == ("honour", honour.id, org.county_a.id)
    assert event.after["title"] == "个人嘉奖" and event.after["officer"] == org["officer_a"].badge
    page = client.get(f"/hr/honours/{org.county_a.id}/2026").text
    assert "个人嘉奖" in page and "Entered by hand" in page
    # City A's page shows its counties' honours too.
    assert "个人嘉奖" in client.get(f"/hr/honours/{org.city_a.id}/2026").text
    rows = sheet_rows(client.get(f"/hr/honours/{org.county_a.id}/2026/export.xlsx"))
    assert rows[1][:4] == ("200002", "Officer A", "Official commendation", "个人嘉奖")
    assert rows[1][5].date() == date(2027, 1, 10) and rows[1][6:10] == ("示公政〔2027〕8号", "成功处置群体性事件",
                                                                       "Entered by hand", "County A1")


@pytest.mark.parametrize("data, field_words", [
    ({"badge": "300002"}, "No officer with this badge number worked in this unit in 2026."),  # County B1's
    ({"badge": "999999"}, "No officer with this badge number worked in this unit in 2026."),
    ({"decided_on": "2027-02-30"}, "Not a valid date value."),
    ({"decided_on": "2027-02-11"}, "cannot be dated in the future"),
    ({"decided_on": "2025-12-31"}, "cannot have been decided before"),
    ({"title": " "}, "Give the honour's title."),
    ({"reason": ""}, "Give the reason for the honour."),
    ({"kind": "medal"}, "Not a valid choice"),
    ({"badge": "200004"}, "about themselves"),
])
def test_a_bad_honour_is_refused_and_nothing_is_kept(client, org, data, field_words):
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    refused = _by_hand(client, org, **data)
    assert refused.status_code == 422 and field_words in refused.text.replace("&#39;", "'")
    assert state_counts() == before


def test_hr_elsewhere_is_answered_as_missing(client, org):
    from models import Role
    from tests.factories import make_person
    make_person("300004", "HR B", org.dept_b, org.post, roles={Role.hr.value: org.city_b})
    db.session.commit()
    sign_in(client, org["hr_a"].badge)
    assert _by_hand(client, org).status_code == 302
    [honour] = _honours()
    client.post("/sign-out")
    sign_in(client, "300004")
    before = state_counts()
    for url in (f"/hr/honours/{org.county_a.id}/2026", f"/hr/honours/{org.county_a.id}/2026/proposals",
                f"/hr/honours/{org.county_a.id}/2026/export.xlsx", f"/hr/honours/{honour.id}/revoke"):
        assert client.get(url).status_code == 404, url
    assert _by_hand(client, org).status_code == 404
    assert client.post(f"/hr/honours/{honour.id}/revoke", data={"reason": "x", "version": "1"}).status_code == 404
    assert state_counts() == before


def test_annual_excellent_is_proposed_with_why_accepted_once(client, org):
    final_year(org.county_a, 2026, {org["officer_a"]: (1, "excellent"), org["supervisor_a"]: (2, "excellent"),
                                    org["panel_a"]: (3, "competent")})
    sign_in(client, org["hr_a"].badge)
    page = client.get(f"/hr/honours/{org.county_a.id}/2026/proposals").text
    assert "Official commendation (2)" in page
    assert "annual grade “Excellent” in 2026" in page
    assert f'name="people" value="{org["officer_a"].id}"' in page and "Panel A" not in page
    response = client.post(f"/hr/honours/{org.county_a.id}/2026/proposals", data={
        "kind": "commendation", "people": [str(org["officer_a"].id)], "title": "嘉奖", "decided_on": "2027-01-20",
        "reference": "示公政〔2027〕9号"})
    assert response.status_code == 302
    [honour] = _honours()
    assert (honour.person_id, honour.kind, honour.basis, honour.title, honour.year) == (
        org["officer_a"].id, "commendation", "annual_excellent", "嘉奖", 2026)
    assert honour.reason == "annual grade “Excellent” in 2026"  # worded in the language of whoever accepted it
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "honour.given"))
    assert event.after["basis"] == "annual_excellent"
    # Shown as honoured now, not proposed twice; accepting again is refused and keeps nothing.
    page = client.get(f"/hr/honours/{org.county_a.id}/2026/proposals?kind=commendation").text
    assert "Official commendation (1)" in page and "already honoured: 嘉奖" in page
    assert f'name="people" value="{org["officer_a"].id}"' not in page
    before = state_counts()
    again = client.post(f"/hr/honours/{org.county_a.id}/2026/proposals", data={
        "kind": "commendation", "people": [str(org["officer_a"].id), str(org["supervisor_a"].id)], "title": "嘉奖",
        "decided_on": "2027-01-20"})
    assert again.status_code == 409 and "Officer A" in again.text
    # An officer the rules do not propose is refused.
    off = client.post(f"/hr/honours/{org.county_a.id}/2026/proposals", data={
        "kind": "commendation", "people": [str(org["panel_a"].id)], "title": "嘉奖", "decided_on": "2027-01-20"})
    assert off.status_code == 422 and "not proposed" in off.text
    assert state_counts() == before


def test_monthly_excellent_and_three_excellent_years_are_proposed(client, org):
    final_months(org.county_a, org["supervisor_a"], ["excellent"] * 6 + ["competent"] * 6)
    final_months(org.county_a, org["panel_a"], ["excellent"] * 5 + ["competent"] * 7)
    for year in (2024, 2025, 2026):
        final_year(org.county_a, year, {org["officer_a"]: (1, "excellent")})
    sign_in(client, org["hr_a"].badge)
    page = client.get(f"/hr/honours/{org.county_a.id}/2026/proposals?kind=commendation").text
    assert "6 monthly “Excellent” grades in 2026 (at least 6 asked)" in page
    assert "Panel A" not in page  # five are not enough
    officer = page[page.index("Officer A"):]
    assert "annual grade “Excellent” in 2026" in officer[:officer.index("</tr>")]
    merit = client.get(f"/hr/honours/{org.county_a.id}/2026/proposals?kind=merit").text
    assert "Merit citation (1)" in merit and "each year from 2024 to 2026" in merit
    assert "Supervisor A" not in merit


def test_an_empty_proposal_list_says_why(client, org):
    sign_in(client, org["hr_a"].badge)
    page = client.get(f"/hr/honours/{org.county_a.id}/2026/proposals").text
    assert "no annual review and no month of 2026 is final in these units yet" in page
    final_year(org.county_a, 2026, {org["panel_a"]: (3, "competent")})
    page = client.get(f"/hr/honours/{org.county_a.id}/2026/proposals").text
    assert "no officer's final grades of 2026 meet a rule for this honour" in page.replace("&#39;", "'")


def test_revoking_keeps_the_honour_on_record_with_the_reason(client, org):
    sign_in(client, org["hr_a"].badge)
    assert _by_hand(client, org).status_code == 302
    [honour] = _honours()
    form = client.get(f"/hr/honours/{honour.id}/revoke").text
    assert re.search(r'name="version"[^>]*value="1"', form)
    before = state_counts()
    assert client.post(f"/hr/honours/{honour.id}/revoke", data={"reason": "", "version": "1"}).status_code == 422
    assert client.post(f"/hr/honours/{honour.id}/revoke", data={"reason": "x", "version": "7"}).status_code == 409
    assert state_counts() == before
    assert client.post(f"/hr/honours/{honour.id}/revoke", data={"reason": "事迹不实", "version": "1"}).status_code == 302
    [honour] = _honours()
    assert honour.revoked_at is not None and honour.revoked_reason == "事迹不实"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "honour.revoked"))
    assert event.reason == "事迹不实" and event.object_id == honour.id
    assert client.post(f"/hr/honours/{honour.id}/revoke", data={"reason": "x", "version": "2"}).status_code == 409
    page = client.get(f"/hr/honours/{org.county_a.id}/2026").text
    assert "revoked" in page and "事迹不实" in page
    # A revoked honour no longer counts: the officer may be proposed again.
    final_year(org.county_a, 2026, {org["officer_a"]: (1, "excellent")})
    page = client.get(f"/hr/honours/{org.county_a.id}/2026/proposals?kind=commendation").text
    assert f'name="people" value="{org["officer_a"].id}"' in page


def test_accepting_with_a_kind_the_page_does_not_have_is_refused(client, org):
    final_year(org.county_a, 2026, {org["officer_a"]: (1, "excellent")})
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    refused = client.post(f"/hr/honours/{org.county_a.id}/2026/proposals", data={
        "kind": "medal", "people": [str(org["officer_a"].id)], "title": "嘉奖", "decided_on": "2027-01-20"})
    assert refused.status_code == 422 and "Choose the kind of honour." in refused.text
    garbled = client.post(f"/hr/honours/{org.county_a.id}/2026/proposals", data={
        "kind": "commendation", "people": ["x"], "title": "嘉奖", "decided_on": "2027-01-20"})
    assert garbled.status_code == 422 and "could not be read" in garbled.text
    assert state_counts() == before
