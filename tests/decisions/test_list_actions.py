"""What was done about the year's warning (诫勉) and removal (免职) lists: recorded only for an officer on the list of
that unit and year as the server computes it, with the outcomes of that list, a note required when not carried
out; audited, and in the spreadsheet."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import AuditEvent, PersonnelDecision
from tests.decisions.conftest import sheet_rows
from tests.factories import sign_in, state_counts
from worklog.extensions import db

pytestmark = pytest.mark.postgres


def _post(client, org, person, **data):
    values = {"outcome": "held", "decided_on": "2027-01-15", "reference": "示公纪〔2027〕1号", "note": "",
              "version": "0", **data}
    return client.post(f"/hr/lists/{org.county_a.id}/2026/actions/{person.id}", data=values)


def test_the_lists_and_what_was_done_about_them(client, org, on_lists):
    sign_in(client, org["hr_a"].badge)
    lists = client.get(f"/hr/lists/{org.county_a.id}/2026")
    assert f"/hr/lists/{org.county_a.id}/2026/actions" in lists.text
    page = client.get(f"/hr/lists/{org.county_a.id}/2026/actions").text
    removal, warning = page.index("Removal from post candidates"), page.index("Warning talk")
    assert removal < page.index("Officer A") < warning < page.index("Supervisor A")
    # Supervisor A: the warning talk held.
    assert _post(client, org, org["supervisor_a"]).status_code == 302
    # Officer A: the removal not carried out, and why.
    assert _post(client, org, org["officer_a"], outcome="not_carried_out", note="本人已提出辞职").status_code == 302
    db.session.expire_all()
    decided = {d.person_id: d for d in db.session.scalars(select(PersonnelDecision))}
    assert {(d.kind, d.outcome, d.unit_id, d.year, d.round_id) for d in decided.values()} == {
        ("warning_talk", "held", org.county_a.id, 2026, None),
        ("removal", "not_carried_out", org.county_a.id, 2026, None)}
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "decision.recorded")))
    assert {(e.after["officer"], e.after["kind"], e.after["outcome"]) for e in events} == {
        ("200001", "warning_talk", "held"), ("200002", "removal", "not_carried_out")}
    page = client.get(f"/hr/lists/{org.county_a.id}/2026/actions").text
    assert "Warning talk held" in page and "本人已提出辞职" in page
    rows = sheet_rows(client.get(f"/hr/lists/{org.county_a.id}/2026/actions/export.xlsx"))
    assert rows[0] == ("List", "Badge number", "Full name", "Action taken", "Decided on", "Document reference",
                       "Note")
    officer = next(r for r in rows if r[1] == "200002")
    assert officer[:4] == ("Removal from post", "200002", "Officer A", "Not carried out")
    assert officer[4].date() == date(2027, 1, 15) and officer[5:] == ("示公纪〔2027〕1号", "本人已提出辞职")


def test_only_the_outcomes_of_the_officers_list_and_a_reason_when_not_carried_out(client, org, on_lists):
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    # A removal's outcome for an officer on the warning-talk list.
    assert _post(client, org, org["supervisor_a"], outcome="carried_out").status_code == 422
    refused = _post(client, org, org["officer_a"], outcome="not_carried_out", note="  ")
    assert refused.status_code == 422 and "Say why it was not carried out." in refused.text
    # Dated before the year it is about was over.
    early = _post(client, org, org["officer_a"], outcome="carried_out", decided_on="2026-12-31")
    assert early.status_code == 422 and "cannot have been decided before" in early.text
    assert _post(client, org, org["officer_a"], outcome="carried_out", decided_on="2027-13-01").status_code == 422
    assert state_counts() == before


def test_an_officer_not_on_the_list_is_refused(client, org, on_lists):
    sign_in(client, org["hr_a"].badge)
    before = state_counts()
    for person in (org["panel_a"], org["officer_b"]):  # ranked first; of another county
        assert client.get(f"/hr/lists/{org.county_a.id}/2026/actions/{person.id}").status_code == 404
        refused = _post(client, org, person)
        assert refused.status_code == 422 and "not on the unit" in refused.text
    # Nor on another year's list: 2025 puts nobody on the removal list (one year only) and the warning list is
    # Officer A's then.
    assert client.post(f"/hr/lists/{org.county_a.id}/2025/actions/{org['supervisor_a'].id}", data={
        "outcome": "held", "decided_on": "2027-01-15", "version": "0"}).status_code == 422
    assert state_counts() == before


def test_hr_of_another_city_and_officers_are_answered_as_missing(client, org, on_lists):
    from models import Role
    from tests.factories import make_person
    make_person("300004", "HR B", org.dept_b, org.post, roles={Role.hr.value: org.city_b})
    db.session.commit()
    for badge in ("300004", org["officer_a"].badge):
        sign_in(client, badge)
        before = state_counts()
        assert client.get(f"/hr/lists/{org.county_a.id}/2026/actions").status_code == 404
        assert client.get(f"/hr/lists/{org.county_a.id}/2026/actions/export.xlsx").status_code == 404
        assert _post(client, org, org["supervisor_a"]).status_code == 404
        assert state_counts() == before
        client.post("/sign-out")


def test_a_change_is_audited_and_a_stale_one_refused(client, org, on_lists):
    sign_in(client, org["hr_a"].badge)
    assert _post(client, org, org["officer_a"], outcome="not_carried_out", note="待研究").status_code == 302
    assert _post(client, org, org["officer_a"], outcome="carried_out", note="", version="1").status_code == 302
    changed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "decision.changed"))
    assert changed.before == {"outcome": "not_carried_out", "note": "待研究"}
    assert changed.after["outcome"] == "carried_out" and changed.after["note"] == ""
    before = state_counts()
    assert _post(client, org, org["officer_a"], outcome="not_carried_out", note="x", version="1").status_code == 409
    assert state_counts() == before
