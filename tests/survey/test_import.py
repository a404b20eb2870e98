"""Importing contacts: every row or none, every bad row listed, no number in clear anywhere but the cipher."""
from __future__ import annotations

import io
import json

from openpyxl import Workbook
from sqlalchemy import select

from models import AuditEvent, SurveyContact
from tests.factories import row_counts, sign_in
from tests.survey.conftest import add_contacts, csv_upload
from worklog.extensions import db
from worklog.survey import phones

HEAD_ZH = ["单位代码", "类别", "日期", "姓名", "联系电话", "案件编号"]
HEAD_EN = ["unit", "kind", "date", "name", "phone", "reference"]


def _post(client, upload):
    return client.post("/survey/contacts/import", data=upload, content_type="multipart/form-data")


def test_import_with_chinese_headings_in_gb18030(client, staff):
    sign_in(client, staff["survey_a"].badge)
    rows = [HEAD_ZH,
            ["CA1", "110", "2026-09-01", "张三", "+86 139-1234-0001", "J001"],
            ["CA1", "户籍", "2026/9/2", "李四", "13912340002", ""],
            ["CA1", "网上信访", "2026年9月3日", "王五", "0571 8765 4321", "X9"],
            ["CA1", "window_traffic", "20260904", "", "13912340001", ""]]
    response = _post(client, csv_upload(rows, "gb18030"))
    assert response.status_code == 302, response.get_data(as_text=True)
    contacts = list(db.session.scalars(select(SurveyContact).order_by(SurveyContact.id)))
    assert [c.kind for c in contacts] == ["report_110", "window_household", "online", "window_traffic"]
    assert [c.name for c in contacts] == ["张三", "李四", "王五", ""]
    assert contacts[0].phone_last4 == "0001" and contacts[0].reference == "J001"
    assert contacts[0].phone_hash == contacts[3].phone_hash  # the same person twice
    assert phones.decrypt(contacts[2].phone_cipher) == "057187654321"
    # The database holds no number in clear.
    for contact in contacts:
        for value in (contact.phone_cipher, contact.phone_hash, contact.name, contact.reference):
            assert "13912340001" not in value and "1391234" not in value and "87654321" not in value
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.contacts_imported"))
    assert event.after["contacts"] == 4 and event.after["units"] == 1 and event.unit_id == staff.county_a.id
    assert "1391234" not in json.dumps(event.after) and "8765" not in json.dumps(event.after)


def test_import_xlsx_with_numbers_as_numbers(client, staff):
    sign_in(client, staff["survey"].badge)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEAD_EN)
    sheet.append(["CA1", "122", "2026-09-10", "Zhao", 13912340010, "T1"])
    sheet.append(["CB1", "出入境", "2026-09-11", "Qian", "13912340011", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    response = _post(client, {"file": (buffer, "contacts.xlsx")})
    assert response.status_code == 302, response.get_data(as_text=True)
    contacts = list(db.session.scalars(select(SurveyContact).order_by(SurveyContact.id)))
    assert [(c.unit_id, c.kind, c.phone_last4) for c in contacts] == [
        (staff.county_a.id, "report_122", "0010"), (staff.county_b.id, "window_exit_entry", "0011")]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "survey.contacts_imported"))
    assert event.unit_id == staff.province.id and event.after["units"] == 2


def test_bad_rows_are_all_listed_and_nothing_is_kept(client, staff):
    add_contacts(staff.county_a, "report_110", __import__("datetime").date(2026, 9, 5), ["13912340099"])
    sign_in(client, staff["survey_a"].badge)
    before = row_counts()
    rows = [HEAD_EN,
            ["CA1", "110", "2026-09-01", "Good", "13912340001", ""],          # 2: fine
            ["NOPE", "110", "2026-09-01", "A", "13912340002", ""],           # 3: unknown unit
            ["CB1", "110", "2026-09-01", "B", "13912340003", ""],            # 4: outside the scope
            ["CA1", "999", "2026-09-01", "C", "13912340004", ""],            # 5: unknown kind
            ["CA1", "110", "", "D", "13912340005", ""],                      # 6: no date
            ["CA1", "110", "2026-10-30", "E", "13912340006", ""],            # 7: future
            ["CA1", "110", "2025-01-01", "F", "13912340007", ""],            # 8: older than retention
            ["CA1", "110", "2026-09-01", "N" * 61, "13912340008", ""],       # 9: name too long
            ["CA1", "110", "2026-09-01", "G", "139-12x4-55", ""],            # 10: invalid phone
            ["CA1", "110", "2026-09-01", "H", "+86 139 1234 0001", ""],      # 11: same as row 2
            ["CA1", "110", "2026-09-05", "I", "13912340099", "R0"],          # 12: already stored
            ["CA1", "110", "2026-09-01", "J", "", ""]]                       # 13: no phone
    response = _post(client, csv_upload(rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert row_counts() == before
    for row in range(3, 14):
        assert f'<td class="num">{row}</td>' in page, row
    assert '<td class="num">2</td>' not in page
    assert "There is no unit NOPE among the units you survey." in page
    assert "There is no unit CB1 among the units you survey." in page
    assert "There is no kind of contact 999." in page
    assert "The date is in the future." in page and "retention period" in page
    assert "At most 60 characters." in page
    assert "The phone number is not valid." in page
    assert "already in row 2" in page and "already been imported" in page
    # A row about a phone never repeats the number.
    for number in ("139-12x4-55", "13912340001", "13912340099", "1391234"):
        assert number not in page


def test_missing_columns_and_unreadable_files(client, staff):
    sign_in(client, staff["survey_a"].badge)
    response = _post(client, csv_upload([["unit", "kind", "name"], ["CA1", "110", "x"]]))
    assert response.status_code == 422 and "This column is missing." in response.get_data(as_text=True)
    response = _post(client, {"file": (io.BytesIO(b"not a workbook"), "contacts.xlsx")})
    assert response.status_code == 422 and "not a valid XLSX" in response.get_data(as_text=True)
    assert db.session.scalar(select(SurveyContact)) is None


def test_only_survey_staff_import(client, staff):
    for badge in (staff["officer_a"].badge, staff["admin_a"].badge):
        sign_in(client, badge)
        assert client.get("/survey/contacts/import").status_code == 403
        response = _post(client, csv_upload([HEAD_EN, ["CA1", "110", "2026-09-01", "A", "13912340001", ""]]))
        assert response.status_code == 403
        client.post("/sign-out")
    assert db.session.scalar(select(SurveyContact)) is None


def test_no_error_message_repeats_a_number_from_a_shifted_column(client, staff):
    sign_in(client, staff["survey_a"].badge)
    before = row_counts()
    rows = [HEAD_EN,
            ["13912345671", "110", "2026-09-01", "A", "13912340001", ""],         # 2: a number for the unit
            ["CA1", "139 1234 5672", "2026-09-01", "B", "13912340002", ""],       # 3: for the kind
            ["CA1", "110", "139-1234-5673", "C", "13912340003", ""],              # 4: for the date
            ["CA1", "110", "2026-09-01", "D", "13912340004", "0571 8765 4321 and more" * 4]]  # 5: too long
    response = _post(client, csv_upload(rows))
    assert response.status_code == 422 and row_counts() == before
    page = response.get_data(as_text=True)
    assert "There is no unit ****5671 among the units you survey." in page
    assert "There is no kind of contact ****5672." in page
    assert "****5673 is not a date" in page
    for digits in ("1391234567", "139 1234 567", "139-1234-567", "8765 4321", "1391234000"):
        assert digits not in page


def test_no_sheet_name_repeats_a_number(client, staff):
    sign_in(client, staff["survey_a"].badge)
    workbook = Workbook()
    workbook.active.title = "13912345678"
    workbook.active.append(["unit", "kind", "date"])
    workbook.active.append(["CA1", "110", "2026-09-01"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    response = _post(client, {"file": (buffer, "contacts.xlsx")})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "This column is missing." in page
    assert "****5678" in page and "13912345678" not in page


def test_spreadsheet_numbers_and_the_shape_of_a_phone_number(client, staff):
    sign_in(client, staff["survey_a"].badge)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEAD_EN)
    sheet.append(["CA1", "110", "2026-09-01", "A", 13912340021.0, ""])    # 2: a whole float: fine
    sheet.append(["CA1", "110", "2026-09-01", "B", 13912340022, ""])      # 3: an int: fine
    sheet.append(["CA1", "110", "2026-09-01", "C", 57187654321, ""])      # 4: a landline that lost its 0
    sheet.append(["CA1", "110", "2026-09-01", "D", 1391234002.5, ""])     # 5: not a whole number
    sheet.append(["CA1", "110", "2026-09-01", "E", "13912340026.0", ""])  # 6: a decimal written out
    sheet.append(["CA1", "110", "2026-09-01", "F", "12912340027", ""])    # 7: no mobile prefix
    sheet.append(["CA1", "110", "2026-09-01", "G", 87654321, ""])         # 8: a local number: fine
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    response = _post(client, {"file": (buffer, "contacts.xlsx")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for row in (4, 5, 6, 7):
        assert f'<td class="num">{row}</td>' in page, row
    for row in (2, 3, 8):
        assert f'<td class="num">{row}</td>' not in page, row
    assert page.count("The phone number is not valid.") == 4
    # The good rows alone go in, each with the number as dialled.
    sheet.delete_rows(4, 4)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    assert _post(client, {"file": (buffer, "contacts.xlsx")}).status_code == 302
    stored = [phones.decrypt(c.phone_cipher) for c in db.session.scalars(select(SurveyContact)
                                                                         .order_by(SurveyContact.id))]
    assert stored == ["13912340021", "13912340022", "87654321"]


def test_an_inactive_unit_takes_no_contacts(client, staff):
    from worklog.admin.services import create_unit
    closed = create_unit(staff.city_a, {"code": "CA9", "name": "Closed county"}, None)
    closed.active = False
    db.session.commit()
    sign_in(client, staff["survey"].badge)
    response = _post(client, csv_upload([HEAD_EN, ["CA9", "110", "2026-09-01", "A", "13912340001", ""],
                                         ["CA1", "110", "2026-09-01", "B", "13912340002", ""]]))
    assert response.status_code == 422
    assert "The unit CA9 is no longer active: its contacts cannot be imported." in response.get_data(as_text=True)
    assert db.session.scalar(select(SurveyContact)) is None


def test_a_racing_identical_import_answers_409(client, staff, monkeypatch):
    from worklog.survey import importer
    sign_in(client, staff["survey_a"].badge)
    rows = [HEAD_EN, ["CA1", "110", "2026-09-01", "A", "13912340001", "R1"]]
    assert _post(client, csv_upload(rows)).status_code == 302
    before = row_counts()
    # As if the other import had been saved after this one looked: the unique constraint answers.
    monkeypatch.setattr(importer, "_already_stored", lambda keys: set())
    response = _post(client, csv_upload(rows + [["CA1", "110", "2026-09-02", "B", "13912340002", ""]]))
    assert response.status_code == 409
    assert "imported by someone else at the same time" in response.get_data(as_text=True)
    assert row_counts() == before
