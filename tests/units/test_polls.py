"""Opinion-poll import: all or nothing, every bad row listed, a stored round never replaced silently."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from models import AuditEvent
from models.survey import OpinionPoll
from tests.factories import make_person, sign_in, state_counts
from worklog.extensions import db

GOOD = ("单位代码,轮次/月份,名称,得分,样本量\n"
        "CA1,2026-03,第一季度,86.25,400\n"
        "CB1,2026/03,第一季度,79.5,350\n")


def _upload(client, text: str | bytes, name: str = "polls.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/units/polls/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _stored():
    db.session.expire_all()
    return [(p.unit.code, p.round_month, p.label, p.score, p.sample_size)
            for p in db.session.scalars(select(OpinionPoll).order_by(OpinionPoll.unit_id))]


def test_a_good_file_with_chinese_headings_is_imported_and_again_is_unchanged(client, org):
    sign_in(client, org["survey"].badge)
    response = _upload(client, GOOD)
    assert response.status_code == 302
    assert _stored() == [("CA1", date(2026, 3, 1), "第一季度", Decimal("86.25"), 400),
                         ("CB1", date(2026, 3, 1), "第一季度", Decimal("79.50"), 350)]
    page = client.get("/units/polls?year=2026").get_data(as_text=True)
    assert "2 new, 0 unchanged" in page and "86.25" in page
    assert _upload(client, GOOD).status_code == 302
    assert "0 new, 2 unchanged" in client.get("/units/polls?year=2026").get_data(as_text=True)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "units.polls_imported")
                                     .order_by(AuditEvent.id)))
    assert [(e.after["created"], e.after["unchanged"]) for e in events] == [(2, 0), (0, 2)]
    assert events[0].actor_id == org["survey"].id


def test_an_xlsx_file_with_english_headings(client, org):
    book = Workbook()
    sheet = book.active
    sheet.append(["Unit code", "Round month", "Label", "Score", "Sample size"])
    sheet.append(["CA1", "2026-04", "April", 91, 120.0])
    buffer = io.BytesIO()
    book.save(buffer)
    sign_in(client, org["root_admin"].badge)
    assert _upload(client, buffer.getvalue(), "polls.xlsx").status_code == 302
    assert _stored() == [("CA1", date(2026, 4, 1), "April", Decimal("91.00"), 120)]


def test_bad_rows_are_all_listed_and_nothing_is_kept(client, org):
    sign_in(client, org["survey"].badge)
    before = state_counts()
    bad = ("unit,round,label,score,sample_size\n"
           "CA1,2026-03,good,80,100\n"          # row 2: good, but not kept
           "NOPE,2026-03,x,80,100\n"            # row 3: no such unit
           "CB1,2026-13,x,80,100\n"             # row 4: no such month
           "CB1,2026-05,x,100.5,100\n"          # row 5: above 100
           "CB1,2026-06,x,80.123,100\n"         # row 6: three decimals
           "CB1,2026-07,x,80,-1\n"              # row 7: negative sample
           "CA1,2026-03,good,80,100\n")         # row 8: the same round twice in the file
    response = _upload(client, bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was imported: 6 problems were found" in page
    for text in ("There is no unit NOPE", "2026-13 is not a month", "Must be between 0 and 100",
                 "At most 2 decimal places", "-1 is not a whole number", "Row 2 already has CA1"):
        assert text in page, text
    assert state_counts() == before


def test_a_stored_round_with_other_values_is_refused_not_replaced(client, org):
    sign_in(client, org["survey"].badge)
    assert _upload(client, GOOD).status_code == 302
    before = state_counts()
    changed = GOOD.replace("86.25", "88.00") + "CA1,2026-04,新,70,10\n"
    response = _upload(client, changed)
    assert response.status_code == 422
    assert "CA1&#39;s round 2026-03 is already stored with score 86.25" in response.get_data(as_text=True)
    assert state_counts() == before
    assert _stored()[0][3] == Decimal("86.25")


@pytest.mark.parametrize("who, status", [("officer_a", 403), ("panel_a", 403), ("hr_a", 403)])
def test_only_survey_staff_and_admins_import(client, org, who, status):
    sign_in(client, org[who].badge)
    assert _upload(client, GOOD).status_code == status
    assert _stored() == []


def test_an_admin_imports_for_the_units_under_it_only(client, org):
    make_person("400001", "County Admin", org.dept_a, org.post, roles={"admin": org.county_a})
    db.session.commit()
    sign_in(client, "400001")
    response = _upload(client, GOOD)
    assert response.status_code == 422
    assert "There is no unit CB1 among the units you import polls for" in response.get_data(as_text=True)
    assert _stored() == []
    assert _upload(client, GOOD.splitlines()[0] + "\n" + GOOD.splitlines()[1] + "\n").status_code == 302
    assert [row[0] for row in _stored()] == ["CA1"]
    page = client.get("/units/polls?year=2026").get_data(as_text=True)
    assert "County A1" in page


def test_a_missing_file_or_column(client, org):
    sign_in(client, org["survey"].badge)
    before = state_counts()
    response = client.post("/units/polls/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    response = _upload(client, "unit,round\nCA1,2026-03\n")
    assert response.status_code == 422 and "This column is missing." in response.get_data(as_text=True)
    assert _upload(client, GOOD, "polls.txt").status_code == 422
    assert state_counts() == before
