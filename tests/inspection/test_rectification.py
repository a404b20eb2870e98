"""Rectification: the unit answers with evidence, the inspector accepts or returns it; past the deadline it escalates
to the unit above, once; the ledger counts it per unit and category."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Finding, Notification, Rectification
from tests.factories import sign_in, state_counts
from tests.inspection.conftest import JPEG, PNG, finding_form
from worklog.extensions import db

#: The ledger's conditional counts, the escalation's joins and the version checks: on both databases.
pytestmark = pytest.mark.postgres


def _finding(client, inspectors, **values) -> Finding:
    sign_in(client, inspectors["inspector_a"].badge)
    assert client.post("/inspection/findings/new", data=finding_form(**values)).status_code == 302
    client.post("/sign-out")
    db.session.expire_all()
    return db.session.scalars(select(Finding).order_by(Finding.id.desc())).first()


def _rectification(finding_id: int) -> Rectification:
    db.session.expire_all()
    return db.session.scalar(select(Rectification).where(Rectification.finding_id == finding_id))


def _answer(client, finding_id, text="Briefing attendance now checked daily", files=()):
    r = _rectification(finding_id)
    return client.post(f"/inspection/findings/{finding_id}/answer", content_type="multipart/form-data", data={
        "answer": text, "version": r.version, "evidence": [(io.BytesIO(body), name) for name, body in files]})


def test_answered_returned_answered_again_and_accepted(client, new_client, inspectors):
    finding = _finding(client, inspectors)
    panel, inspector = new_client(), new_client()
    sign_in(panel, inspectors["panel_a"].badge)
    sign_in(inspector, inspectors["inspector_a"].badge)
    assert "200002" in panel.get("/inspection/rectifications").get_data(as_text=True)
    # Nothing to verify before the unit answers.
    r = _rectification(finding.id)
    assert inspector.post(f"/inspection/findings/{finding.id}/accept", data={"version": r.version}).status_code == 409
    assert _answer(panel, finding.id, files=[("sign-in sheet.jpg", JPEG)]).status_code == 302
    r = _rectification(finding.id)
    assert (r.status, r.rounds, r.answered_by_id) == ("answered", 1, inspectors["panel_a"].id)
    assert [a.stage for a in db.session.get(Finding, finding.id).attachments] == ["answer"]
    # The unit cannot answer twice while the inspector verifies; the inspector needs a reason to return it.
    assert _answer(panel, finding.id).status_code == 409
    response = inspector.post(f"/inspection/findings/{finding.id}/return", data={"reason": "", "version": r.version})
    assert response.status_code == 422 and "Say why the answer is not accepted" in response.get_data(as_text=True)
    response = inspector.post(f"/inspection/findings/{finding.id}/return",
                              data={"reason": "No evidence of the daily check", "version": r.version})
    assert response.status_code == 302
    r = _rectification(finding.id)
    assert (r.status, r.verdict_reason) == ("returned", "No evidence of the daily check")
    assert db.session.scalar(select(Notification.kind).where(Notification.person_id == inspectors["panel_a"].id,
                                                             Notification.kind == "rectification_returned"))
    assert _answer(panel, finding.id, "Daily check sheet attached", files=[("sheet.png", PNG)]).status_code == 302
    r = _rectification(finding.id)
    assert (r.status, r.rounds) == ("answered", 2)
    # A stale form (the version before the second answer) is refused as someone else's change.
    response = inspector.post(f"/inspection/findings/{finding.id}/accept", data={"version": r.version - 1})
    assert response.status_code == 409 and "Reload the page" in response.get_data(as_text=True)
    assert inspector.post(f"/inspection/findings/{finding.id}/accept", data={"version": r.version}).status_code == 302
    r = _rectification(finding.id)
    assert (r.status, r.on_time, r.verified_by_id) == ("accepted", True, inspectors["inspector_a"].id)
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "rectification")))
    assert actions == {"inspection.rectification_answered", "inspection.rectification_returned",
                       "inspection.rectification_accepted"}
    assert "200002" not in panel.get("/inspection/rectifications").get_data(as_text=True)


def test_the_inspector_and_the_officer_named_cannot_answer_and_the_unit_cannot_verify(client, new_client,
                                                                                     inspectors):
    finding = _finding(client, inspectors)
    inspector, officer, panel = new_client(), new_client(), new_client()
    sign_in(inspector, inspectors["inspector_a"].badge)
    sign_in(officer, inspectors["officer_a"].badge)
    sign_in(panel, inspectors["panel_a"].badge)
    before = state_counts()
    assert _answer(inspector, finding.id).status_code == 403
    assert _answer(officer, finding.id).status_code == 404
    assert state_counts() == before
    assert _answer(panel, finding.id).status_code == 302
    assert panel.post(f"/inspection/findings/{finding.id}/accept",
                      data={"version": _rectification(finding.id).version}).status_code == 403
    response = _answer(new_client(), finding.id)
    assert response.status_code == 302 and "/sign-in" in response.location


def test_an_answer_after_the_deadline_is_accepted_late(app, client, new_client, inspectors):
    finding = _finding(client, inspectors)
    app.config["FIXED_NOW"] = datetime(2026, 11, 17, 2, 0, tzinfo=timezone.utc)  # the day after the deadline
    panel = new_client()
    sign_in(panel, inspectors["panel_a"].badge)
    page = panel.get(f"/inspection/findings/{finding.id}").get_data(as_text=True)
    assert "overdue" in page
    assert _answer(panel, finding.id).status_code == 302
    inspector = new_client()
    sign_in(inspector, inspectors["inspector_a"].badge)
    inspector.post(f"/inspection/findings/{finding.id}/accept", data={"version": _rectification(finding.id).version})
    assert _rectification(finding.id).on_time is False


def test_overdue_rectifications_escalate_to_the_unit_above_once(app, client, new_client, runner, inspectors):
    finding = _finding(client, inspectors)
    on_time = _finding(client, inspectors, found_on="2026-11-09", category="appearance")
    app.config["FIXED_NOW"] = datetime(2026, 11, 17, 2, 0, tzinfo=timezone.utc)  # 16th was the first's deadline
    result = runner.invoke(args=["inspection", "escalate"])
    assert result.exit_code == 0 and "1 rectification(s) escalated" in result.output
    r = _rectification(finding.id)
    assert r.escalated_to_id == inspectors.city_a.id and r.escalated_at is not None
    assert _rectification(on_time.id).escalated_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inspection.rectification_escalated"))
    assert event.object_id == r.id and event.after["escalated_to_id"] == inspectors.city_a.id
    # The city's inspectors, panel and administrators are told (admin A is granted over city A).
    told = set(db.session.scalars(select(Notification.person_id).where(
        Notification.kind == "rectification_escalated")))
    assert told == {inspectors["inspector_city"].id, inspectors["admin_a"].id}
    # Idempotent: nothing more the second time.
    assert "0 rectification(s) escalated" in runner.invoke(args=["inspection", "escalate"]).output
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "inspection.rectification_escalated")) == 1
    city = new_client()
    sign_in(city, inspectors["inspector_city"].badge)
    page = city.get("/inspection/?state=overdue").get_data(as_text=True)
    assert f'href="/inspection/findings/{finding.id}"' in page and "escalated to City A" in page
    admin = new_client()
    sign_in(admin, inspectors["admin_a"].badge)
    assert f'/inspection/findings/{finding.id}' in admin.get("/inspection/rectifications").get_data(as_text=True)


def test_the_ledger_counts_per_unit_and_category(app, client, new_client, inspectors):
    from worklog.inspection.queries import rectification_counts
    first = _finding(client, inspectors)                                            # due 16 Nov: accepted on time
    late = _finding(client, inspectors, found_on="2026-11-03")                     # due 17 Nov: accepted late
    _finding(client, inspectors, found_on="2026-11-04", category="complaint")      # due 18 Nov: never answered
    _finding(client, inspectors, found_on="2026-11-05", category="complaint", rectify="")  # no rectification
    panel, inspector = new_client(), new_client()
    sign_in(panel, inspectors["panel_a"].badge)
    sign_in(inspector, inspectors["inspector_a"].badge)
    _answer(panel, first.id)
    app.config["FIXED_NOW"] = datetime(2026, 11, 18, 2, 0, tzinfo=timezone.utc)
    _answer(panel, late.id)
    for f in (first, late):
        inspector.post(f"/inspection/findings/{f.id}/accept", data={"version": _rectification(f.id).version})
    app.config["FIXED_NOW"] = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
    november = (date(2026, 11, 1), date(2026, 11, 30))
    counts = rectification_counts([inspectors.county_a.id, inspectors.city_a.id, inspectors.county_b.id], *november)
    assert set(counts) == {inspectors.county_a.id, inspectors.city_a.id}   # the city counts its county's
    discipline = counts[inspectors.county_a.id]["discipline"]
    # findings 2 (the first repeats: 2.00 + 3.00), due 2, on time 1, late 1, rate 1 ÷ 2
    assert (discipline.findings, str(discipline.points), discipline.due, discipline.on_time, discipline.late,
            discipline.overdue) == (2, "5.00", 2, 1, 1, 0)
    assert str(discipline.rate) == "50.0"
    complaint = counts[inspectors.county_a.id]["complaint"]
    assert (complaint.findings, complaint.due, complaint.on_time, complaint.overdue, complaint.rate) == (
        2, 1, 0, 1, 0)
    assert counts[inspectors.city_a.id]["complaint"].findings == 2
    assert rectification_counts([inspectors.city_a.id], *november, subtree=False) == {}
    page = inspector.get("/inspection/ledger?month=2026-11").get_data(as_text=True)
    assert "County A1" in page and "50.0%" in page
    response = inspector.get("/inspection/ledger.xlsx?month=2026-11")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1] == ["CA1", "County A1", "Discipline and conduct", 2, 5.0, 2, 1, 1, 0, 0, 0, 50.0]
    assert rows[-1][1] == "Total" and rows[-1][3] == 4 and rows[-1][11] == 33.3  # 1 on time of 3 due
    # County B's inspector sees none of it.
    other = new_client()
    sign_in(other, inspectors["inspector_b"].badge)
    assert "County A1" not in other.get("/inspection/ledger?month=2026-11").get_data(as_text=True)
    export = load_workbook(io.BytesIO(other.get("/inspection/ledger.xlsx?month=2026-11").data)).active
    assert [c.value for c in export["B"]] == ["Unit", "Total"]
