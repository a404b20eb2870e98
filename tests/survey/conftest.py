"""The survey's fixtures: survey staff of one county each, a pinned clock, contacts and uploads."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest

from sqlalchemy import select

from models import CalendarDay, Role, SurveyCall, SurveyContact, Unit
from tests.factories import make_person, sign_in
from worklog import timekeeping
from worklog.extensions import db
from worklog.survey import phones

#: Tuesday 29 September 2026, 10:00 in Shanghai: the National Day holidays begin on Thursday.
NOW = datetime(2026, 9, 29, 2, 0, tzinfo=timezone.utc)
HOLIDAYS = [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7)]
MAKE_UP_DAY = date(2026, 10, 10)  # a Saturday worked in exchange


@pytest.fixture(autouse=True)
def pinned_clock(app):
    app.config["FIXED_NOW"] = NOW
    yield
    app.config["FIXED_NOW"] = None


@pytest.fixture
def staff(org):
    """Survey staff of county A and of county B, beside the province's (org["survey"])."""
    org.people["survey_a"] = make_person("400001", "Surveyor A", org.dept_a, org.post,
                                         roles={Role.survey.value: org.county_a})
    org.people["survey_b"] = make_person("400002", "Surveyor B", org.dept_b, org.post,
                                         roles={Role.survey.value: org.county_b})
    db.session.add_all([CalendarDay(day=d, working=False, name="National Day") for d in HOLIDAYS])
    db.session.add(CalendarDay(day=MAKE_UP_DAY, working=True, name="National Day (make-up)"))
    db.session.commit()
    return org


#: The one contact of the ``drawn`` fixture.
NUMBER = "13987654321"


@pytest.fixture
def drawn(client, staff):
    """One county A contact of August (the last month over) drawn and waiting to be called; the survey staff of
    county A signed in."""
    add_contacts(staff.county_a, "complaint", date(2026, 8, 14), [NUMBER], name="Complainant")
    sign_in(client, staff["survey_a"].badge)
    response = client.post("/survey/draws", data={"unit": staff.county_a.id, "kind": "complaint", "month": "2026-08"})
    assert response.status_code == 302
    return db.session.scalar(select(SurveyCall))


def add_contacts(unit: Unit, kind: str, day: date, numbers: list[str], name: str = "Caller") -> list[SurveyContact]:
    """Contacts stored as an import would store them."""
    made = []
    for i, number in enumerate(numbers):
        cipher, phone_hash, last4 = phones.protect(number)
        contact = SurveyContact(unit_id=unit.id, kind=kind, contact_date=day, reference=f"R{i}",
                                name=f"{name} {i}", phone_cipher=cipher, phone_hash=phone_hash, phone_last4=last4,
                                imported_at=timekeeping.now())
        db.session.add(contact)
        made.append(contact)
    db.session.commit()
    return made


def numbers(count: int, start: int = 0, prefix: str = "1391234") -> list[str]:
    return [f"{prefix}{start + i:04d}" for i in range(count)]


def csv_upload(rows: list[list], encoding: str = "utf-8", name: str = "contacts.csv"):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return {"file": (io.BytesIO(buffer.getvalue().encode(encoding)), name)}
