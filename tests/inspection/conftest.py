"""Inspection's fixtures: inspectors of county A, of city A and of county B, a pinned clock, evidence files kept in
a folder of the test's own."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from models import Role
from tests.factories import make_person
from worklog.extensions import db

#: Tuesday 10 November 2026, 10:00 in Shanghai.
NOW = datetime(2026, 11, 10, 2, 0, tzinfo=timezone.utc)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


@pytest.fixture(autouse=True)
def pinned_clock(app):
    app.config["FIXED_NOW"] = NOW
    yield
    app.config["FIXED_NOW"] = None


@pytest.fixture(autouse=True)
def evidence_dir(app, tmp_path):
    path = tmp_path / "evidence"
    app.config["ATTACHMENT_DIR"] = str(path)
    return path


@pytest.fixture
def inspectors(org):
    """An inspector over county A (working in its station), one over city A, one over county B."""
    org.people["inspector_a"] = make_person("500001", "Inspector A", org.dept_a, org.post,
                                            roles={Role.inspector.value: org.county_a})
    org.people["inspector_city"] = make_person("500003", "Inspector City A", org.dept_a, org.post,
                                               roles={Role.inspector.value: org.city_a})
    org.people["inspector_b"] = make_person("500002", "Inspector B", org.dept_b, org.post,
                                            roles={Role.inspector.value: org.county_b})
    db.session.commit()
    return org


def finding_form(**values) -> dict:
    """A finding about officer A (badge 200002) on Monday 2 November, discipline, to rectify."""
    return {"target": "officer", "badge": "200002", "found_on": "2026-11-02", "category": "discipline",
            "description": "Late to the morning briefing", "rectify": "y"} | values
