"""Findings: recorded in scope with their deduction (repeats weigh more), evidence files checked, withdrawn with a
reason, refused in a sealed month; nobody records one about themselves."""
from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import Attachment, AuditEvent, Finding, MonthReview, Notification
from tests.factories import sign_in, state_counts
from tests.inspection.conftest import PDF, PNG, finding_form
from worklog.extensions import db

D = Decimal


def _record(client, **values):
    data = finding_form(**values)
    files = data.pop("files", None)
    if files is not None:
        data["evidence"] = [(io.BytesIO(body), name) for name, body in files]
    return client.post("/inspection/findings/new", data=data, content_type="multipart/form-data")


def _findings():
    db.session.expire_all()
    return list(db.session.scalars(select(Finding).order_by(Finding.id)))


def test_a_finding_about_an_officer_carries_the_rule_sets_deduction(client, inspectors, evidence_dir):
    sign_in(client, inspectors["inspector_a"].badge)
    response = _record(client, files=[("briefing.pdf", PDF), ("photo.png", PNG)])
    assert response.status_code == 302
    [finding] = _findings()
    assert response.location.endswith(f"/inspection/findings/{finding.id}")
    officer = inspectors["officer_a"]
    assert (finding.target, finding.person_id, finding.department_id, finding.unit_id) == (
        "officer", officer.id, inspectors.dept_a.id, inspectors.county_a.id)
    assert finding.points == D("2.00") and finding.repeat_of_id is None and finding.source == "inspection"
    # Rectification: 10 working days after Monday 2 November (no holidays in the test calendar) is Monday 16th.
    assert finding.rectification.deadline == date(2026, 11, 16) and finding.rectification.status == "open"
    pdf, png = finding.attachments
    assert (pdf.filename, pdf.content_type, pdf.size, pdf.stage) == ("briefing.pdf", "application/pdf", len(PDF),
                                                                     "finding")
    assert png.content_type == "image/png" and pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (evidence_dir / pdf.storage_key).read_bytes() == PDF
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inspection.finding_recorded"))
    assert event.object_id == finding.id and event.after["points"] == "2.00" and event.unit_id == finding.unit_id
    # The unit's panel is told what to put right, and by when.
    told = db.session.scalar(select(Notification).where(Notification.person_id == inspectors["panel_a"].id))
    assert told.kind == "rectification_due" and told.params["deadline"] == "2026-11-16"
    page = client.get(f"/inspection/findings/{finding.id}").get_data(as_text=True)
    assert "Officer A" in page and "briefing.pdf" in page and "2.00" in page


@pytest.mark.postgres
def test_a_repeat_within_the_period_weighs_more(client, inspectors):
    sign_in(client, inspectors["inspector_a"].badge)
    assert _record(client).status_code == 302
    assert _record(client, found_on="2026-11-05").status_code == 302              # discipline again: × 1.5
    assert _record(client, found_on="2026-11-06", category="appearance").status_code == 302  # another category
    assert _record(client, target="department", department=inspectors.dept_a.id, badge="",
                   found_on="2026-11-06").status_code == 302                      # the department: another target
    first, repeat, other, department = _findings()
    assert repeat.points == D("3.00") and repeat.repeat_of_id == first.id         # 2.00 × 1.50
    assert other.points == D("1.00") and other.repeat_of_id is None
    assert department.points == D("2.00") and department.repeat_of_id is None
    assert department.person_id is None and department.department_id == inspectors.dept_a.id
    # A withdrawn finding makes nothing a repeat.
    response = client.post(f"/inspection/findings/{repeat.id}/void",
                           data={"reason": "Recorded twice", "version": repeat.version})
    assert response.status_code == 302
    response = client.post(f"/inspection/findings/{first.id}/void",
                           data={"reason": "Wrong officer", "version": first.version})
    assert response.status_code == 302
    assert _record(client, found_on="2026-11-09").status_code == 302
    assert _findings()[-1].points == D("2.00") and _findings()[-1].repeat_of_id is None
    voided = db.session.get(Finding, first.id)
    assert voided.voided_at is not None and voided.void_reason == "Wrong officer"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "inspection.finding_voided")) == 2


@pytest.mark.parametrize("values, message", [
    ({"files": [("report.pdf", b"plain text pretending to be a PDF")]}, "Only PDF, JPEG and PNG"),
    ({"files": [("script.png", b"<script>alert(1)</script>")]}, "Only PDF, JPEG and PNG"),
    ({"files": [("empty.pdf", b"")]}, "The file is empty"),
    ({"files": [("big.pdf", PDF + b"0" * 200)]}, "larger than"),
    ({"found_on": "2026-11-11"}, "cannot be dated in the future"),
    ({"description": ""}, "Describe what was found"),
    ({"category": "speeding"}, "Not a valid choice"),
    ({"badge": "999999"}, "No officer with this badge number"),
    ({"badge": "300002"}, "No officer with this badge number"),   # officer B: out of county A's scope
    ({"target": "", "badge": ""}, "Say whom the finding is about"),
    ({"target": "unit", "badge": ""}, "Choose one of your units"),
    ({"found_on": "9999-01-01"}, "between the years"),
])
def test_bad_input_is_refused_and_nothing_is_kept(app, client, inspectors, evidence_dir, values, message):
    app.config["ATTACHMENT_MAX_BYTES"] = 200
    sign_in(client, inspectors["inspector_a"].badge)
    before = state_counts()
    response = _record(client, **values)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert state_counts() == before and _findings() == []
    assert not evidence_dir.exists() or list(evidence_dir.iterdir()) == []


def test_nobody_records_a_finding_about_themselves(client, inspectors):
    sign_in(client, inspectors["inspector_a"].badge)
    response = _record(client, badge=inspectors["inspector_a"].badge)
    assert response.status_code == 422 and "about themselves" in response.get_data(as_text=True)
    assert _findings() == []


@pytest.mark.postgres  # the sealed month is read under PostgreSQL's KEY SHARE lock
def test_a_finding_in_a_final_month_is_refused(client, inspectors):
    db.session.add(MonthReview(unit_id=inspectors.county_a.id, month=date(2026, 10, 1), status="final"))
    db.session.commit()
    sign_in(client, inspectors["inspector_a"].badge)
    response = _record(client, found_on="2026-10-20")
    assert response.status_code == 422
    assert "final and sealed" in response.get_data(as_text=True) and _findings() == []
    assert _record(client, found_on="2026-11-02").status_code == 302  # November is still open


def test_the_files_of_a_finding_are_served_only_in_scope(client, new_client, inspectors):
    sign_in(client, inspectors["inspector_a"].badge)
    _record(client, files=[("brief ing\u202e.pdf", PDF)])
    [item] = db.session.scalars(select(Attachment)).all()
    url = f"/inspection/attachments/{item.id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "\u202e" not in item.filename and item.filename == "brief ing.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for name, expected in (("inspector_city", 200), ("panel_a", 200), ("admin_a", 200), ("root_admin", 200),
                           ("inspector_b", 404), ("officer_a", 404), ("supervisor_a", 404), ("hr_a", 404),
                           ("officer_b", 404), ("admin_b", 404)):
        other = new_client()
        sign_in(other, inspectors[name].badge)
        assert other.get(url).status_code == expected, name
        assert other.get(f"/inspection/attachments/{item.id + 100}").status_code in (403, 404)


def test_a_file_changed_where_it_is_stored_is_refused_and_the_refusal_recorded(client, inspectors, evidence_dir):
    sign_in(client, inspectors["inspector_a"].badge)
    _record(client, files=[("briefing.pdf", PDF)])
    [item] = db.session.scalars(select(Attachment)).all()
    (evidence_dir / item.storage_key).write_bytes(PDF.replace(b"1.4", b"1.5"))
    response = client.get(f"/inspection/attachments/{item.id}")
    assert response.status_code == 409
    assert "has changed since it was stored" in response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/html")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inspection.attachment_tampered"))
    assert event is not None and event.object_id == item.id and event.actor_id == inspectors["inspector_a"].id
    (evidence_dir / item.storage_key).unlink()  # gone altogether: refused the same way
    assert client.get(f"/inspection/attachments/{item.id}").status_code == 409


def test_an_inspector_sees_and_acts_only_within_the_subtree(client, new_client, inspectors):
    sign_in(client, inspectors["inspector_a"].badge)
    _record(client)
    [finding] = _findings()
    other = new_client()
    sign_in(other, inspectors["inspector_b"].badge)
    assert other.get(f"/inspection/findings/{finding.id}").status_code == 404
    for action, data in (("void", {"reason": "x"}), ("accept", {}), ("return", {"reason": "x"}),
                         ("answer", {"answer": "x"})):
        assert other.post(f"/inspection/findings/{finding.id}/{action}", data=data).status_code == 404
    link = f'href="/inspection/findings/{finding.id}"'
    assert link not in other.get("/inspection/").get_data(as_text=True)
    assert link in client.get("/inspection/").get_data(as_text=True)
    # County B's inspector cannot name county A's unit, department or officer.
    for values in ({"target": "unit", "unit": inspectors.county_a.id, "badge": ""},
                   {"target": "department", "department": inspectors.dept_a.id, "badge": ""}, {}):
        assert _record(other, **values).status_code == 422
    # The city's inspector sees county A's finding and may act on it.
    city = new_client()
    sign_in(city, inspectors["inspector_city"].badge)
    assert city.get(f"/inspection/findings/{finding.id}").status_code == 200
    assert db.session.get(Finding, finding.id).voided_at is None
    # The unit's side sees it but does not void it; the officer it names does not see it.
    panel = new_client()
    sign_in(panel, inspectors["panel_a"].badge)
    assert panel.get(f"/inspection/findings/{finding.id}").status_code == 200
    assert panel.post(f"/inspection/findings/{finding.id}/void", data={"reason": "x"}).status_code == 403
    officer = new_client()
    sign_in(officer, inspectors["officer_a"].badge)
    assert officer.get(f"/inspection/findings/{finding.id}").status_code == 404
    assert officer.get("/inspection/").status_code == 403
    assert officer.get("/inspection/findings/new").status_code == 403


def test_a_form_larger_than_evidence_takes_is_answered_413_and_keeps_nothing(app, client, inspectors, evidence_dir):
    app.config["ATTACHMENT_REQUEST_MAX_BYTES"] = 4096
    sign_in(client, inspectors["inspector_a"].badge)
    response = _record(client, files=[("a.pdf", PDF + b"0" * 3000), ("b.pdf", PDF + b"0" * 3000)])
    assert response.status_code == 413
    assert "Send fewer files at a time" in response.get_data(as_text=True)
    assert _findings() == [] and not evidence_dir.exists()
