"""Inspection's pages: a finding from a survey follow-up, a refused answer keeps nothing, and the lists read each
table a fixed number of times whatever their rows."""
from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import event, select

from models import Finding, Rectification
from tests.factories import make_person, sign_in, state_counts
from tests.inspection.conftest import NOW, finding_form
from worklog.extensions import db
from worklog.inspection.services import escalate_overdue


@pytest.fixture
def follow_up(app, inspectors):
    """A dissatisfied caller of county A, followed up: the survey's call of October."""
    from models import Role, SurveyCall
    from tests.survey.conftest import add_contacts
    from worklog.survey import services as survey
    staff = make_person("400001", "Surveyor A", inspectors.dept_a, inspectors.post,
                        roles={Role.survey.value: inspectors.county_a})
    add_contacts(inspectors.county_a, "complaint", date(2026, 10, 14), ["13987654321"], name="Complainant")
    draw = survey.make_draw(inspectors.county_a, "complaint", date(2026, 10, 1), None, staff)
    call = db.session.scalar(select(SurveyCall).where(SurveyCall.draw_id == draw.id))
    survey.record_outcome(call, "dissatisfied", "Nobody came after the report", staff)
    db.session.commit()
    app.config["FIXED_NOW"] = NOW
    return call.follow_up


def test_a_finding_from_a_survey_follow_up(client, new_client, inspectors, follow_up):
    sign_in(client, inspectors["inspector_a"].badge)
    page = client.get(f"/inspection/findings/new?follow_up={follow_up.id}").get_data(as_text=True)
    assert "Nobody came after the report" in page and f'value="{follow_up.id}"' in page
    response = client.post("/inspection/findings/new", data={
        "target": "unit", "unit": inspectors.county_a.id, "found_on": "2026-11-09", "category": "complaint",
        "description": "Nobody came after the report", "follow_up": follow_up.id})
    assert response.status_code == 302
    finding = db.session.scalar(select(Finding))
    assert (finding.source, finding.follow_up_id, finding.unit_id) == ("survey", follow_up.id,
                                                                      inspectors.county_a.id)
    # One finding per follow-up; an inspector of another county does not see the follow-up at all.
    again = client.post("/inspection/findings/new", data={
        "target": "unit", "unit": inspectors.county_a.id, "found_on": "2026-11-09", "category": "complaint",
        "description": "Again", "follow_up": follow_up.id})
    assert again.status_code == 409
    other = new_client()
    sign_in(other, inspectors["inspector_b"].badge)
    assert other.get(f"/inspection/findings/new?follow_up={follow_up.id}").status_code == 404
    assert other.get("/inspection/findings/new?follow_up=99999999999").status_code == 404


def test_a_refused_answer_keeps_nothing(client, new_client, inspectors, evidence_dir):
    sign_in(client, inspectors["inspector_a"].badge)
    client.post("/inspection/findings/new", data=finding_form())
    finding = db.session.scalar(select(Finding))
    evidence_dir.mkdir(exist_ok=True)
    panel = new_client()
    sign_in(panel, inspectors["panel_a"].badge)
    version = db.session.scalar(select(Rectification.version))
    before = state_counts()
    for data in ({"answer": "", "version": version},
                 {"answer": "Done", "version": version, "evidence": [(io.BytesIO(b"MZ\x90\x00"), "fix.pdf")]},
                 {"answer": "Done", "version": version, "evidence": [(io.BytesIO(b"%PDF-1.4"), f"{i}.pdf")
                                                                     for i in range(6)]}):
        response = panel.post(f"/inspection/findings/{finding.id}/answer", data=data,
                              content_type="multipart/form-data")
        assert response.status_code == 422
    assert state_counts() == before
    assert db.session.scalar(select(Rectification.status)) == "open"
    assert list(evidence_dir.iterdir()) == []  # the refused answer's file was removed again


@contextmanager
def _statements():
    seen = []

    def count(*_args):
        seen.append(1)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_the_lists_read_a_fixed_number_of_statements(app, client, inspectors):
    sign_in(client, inspectors["inspector_city"].badge)
    panel_badge = inspectors["panel_a"].badge

    def counts():
        found = {}
        for url in ("/inspection/", "/inspection/ledger?month=2026-11"):
            with _statements() as seen:
                assert client.get(url).status_code == 200
            found[url] = len(seen)
        return found

    def record(n):
        for i in range(n):
            assert client.post("/inspection/findings/new", data=finding_form(
                found_on=f"2026-11-0{2 + i % 5}", category=("discipline", "complaint")[i % 2],
                badge=("200002", "200001")[i % 2])).status_code == 302
    record(2)
    app.config["FIXED_NOW"] = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
    escalate_overdue(date(2026, 11, 20))  # escalated rows name the unit above
    db.session.commit()
    few = counts()
    app.config["FIXED_NOW"] = NOW
    record(8)
    app.config["FIXED_NOW"] = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
    escalate_overdue(date(2026, 11, 20))
    db.session.commit()
    assert counts() == few, few
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(other, panel_badge)
    with _statements() as seen:
        assert other.get("/inspection/rectifications").status_code == 200
    assert len(seen) <= 12
