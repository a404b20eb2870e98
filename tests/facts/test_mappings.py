"""Mappings of a source's fact types to tasks: the form and the CSV/XLSX import, by the same rules, all or nothing."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from openpyxl import Workbook
from sqlalchemy import func, select

from models import Entry, FactMapping, WorkFact
from tests.facts.conftest import fact, send
from tests.factories import state_counts
from worklog.extensions import db


def mapping(source: str, fact_type: str) -> FactMapping | None:
    db.session.expire_all()
    return db.session.scalar(select(FactMapping).where(FactMapping.source == source,
                                                       FactMapping.fact_type == fact_type))


def status_of(external_id: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(WorkFact.status).where(WorkFact.external_id == external_id))


def form(catalog, **values) -> dict:
    return {"source": "jj110", "fact_type": "stop", "task_type": str(catalog["T1"].id), "quantity_rule": "as_sent",
            "multiplier": "1", **values}


def problems(response) -> list[tuple[str, str, str]]:
    """(row, column, problem) of an import's error table."""
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    table = soup.find("table")
    return [tuple(td.get_text(strip=True) for td in tr.find_all("td"))[1:] for tr in table.find("tbody").find_all("tr")]


def csv_file(text: str, name: str = "mappings.csv") -> dict:
    return {"file": (io.BytesIO(text.encode("utf-8")), name)}


# --- The form -----------------------------------------------------------------------------------------------------


def test_a_new_mapping_enters_the_facts_that_waited_for_it(admin, mapped):
    send([fact("t1", type_="stop", quantity="3"), fact("t2", type_="stop", quantity="2")])
    assert status_of("t1") == "waiting"
    response = admin.post("/admin/facts/mappings/new", data=form(mapped, source=" JJ110 ", fact_type="  stop ",
                                                                 quantity_rule="one_each", multiplier="2.5"))
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = mapping("jj110", "stop")
    assert (saved.task_type_id, saved.quantity_rule, saved.multiplier) == (mapped["T1"].id, "one_each",
                                                                           Decimal("2.50"))
    assert status_of("t1") == status_of("t2") == "entered"
    quantities = sorted(db.session.scalars(select(Entry.quantity).where(Entry.source == "jj110")))
    assert quantities == [Decimal("2.50"), Decimal("2.50")]  # one each, × 2.5
    page = admin.get(response.location).get_data(as_text=True)
    assert "Of the 2 facts that waited for this type, 2 are entered now." in page


@pytest.mark.parametrize("values, field, message", [
    ({"multiplier": "0"}, "multiplier", "Number must be between 0.01 and 9999.99."),
    ({"multiplier": "-1"}, "multiplier", "Number must be between"),
    ({"multiplier": "abc"}, "multiplier", "Not a valid decimal value."),
    ({"multiplier": "1.234"}, "multiplier", "at most two decimals"),
    ({"multiplier": "1e999999"}, "multiplier", "Enter a number of reasonable size."),
    ({"source": "JJ 110!"}, "source", "A source name has 1 to 40 small letters"),
    ({"source": ""}, "source", "This field is required."),
    ({"fact_type": "x" * 61}, "fact_type", "Field cannot be longer than 60 characters."),
    ({"task_type": "999999"}, "task_type", "Not a valid choice."),
    ({"task_type": "abc"}, "task_type", "This field is required."),
    ({"quantity_rule": "twice"}, "quantity_rule", "Not a valid choice."),
    ({"fact_type": "call"}, "fact_type", "This source&#39;s fact type is mapped already."),
])
def test_a_wrong_value_is_named_and_nothing_is_saved(admin, mapped, values, field, message):
    send([fact("t1", type_="stop")])
    before = state_counts()
    response = admin.post("/admin/facts/mappings/new", data=form(mapped, **values))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "Nothing was saved" in page
    assert state_counts() == before
    assert status_of("t1") == "waiting"


def test_a_mapping_is_changed_by_its_form(admin, mapped):
    call = mapping("jj110", "call")
    page = admin.get(f"/admin/facts/mappings/{call.id}").get_data(as_text=True)
    assert f'<option selected value="{mapped["T1"].id}">' in page
    response = admin.post(f"/admin/facts/mappings/{call.id}",
                          data=form(mapped, fact_type="call", task_type=str(mapped["T3"].id), multiplier="2"))
    assert response.status_code == 302
    changed = mapping("jj110", "call")
    assert (changed.id, changed.task_type_id, changed.multiplier) == (call.id, mapped["T3"].id, Decimal("2.00"))


def test_a_missing_mapping_is_not_found(admin, mapped):
    assert admin.get("/admin/facts/mappings/999999").status_code == 404
    assert admin.post("/admin/facts/mappings/999999", data=form(mapped)).status_code == 404


def test_the_list_shows_each_mapping_and_what_waits(admin, mapped):
    send([fact("s1", type_="scene"), fact("s2", type_="scene"), fact("t1", type_="stop")])
    soup = BeautifulSoup(admin.get("/admin/facts/mappings").get_data(as_text=True), "html.parser")
    scene = mapping("jj110", "scene")
    row = [td.get_text(" ", strip=True) for td in soup.find(id=f"mapping-{scene.id}").find_all("td")]
    assert row == ["jj110", "scene", "X1 Crime scene", "as sent", "1.00", "2"]
    assert soup.find("a", href="/admin/facts/mappings/new?source=jj110&fact_type=stop").get_text() == "Map it"


# --- The import ---------------------------------------------------------------------------------------------------


def test_an_import_creates_and_changes_mappings_and_enters_what_waited(admin, mapped):
    send([fact("t1", type_="stop", quantity="2")])
    before = db.session.scalar(select(func.count()).select_from(FactMapping))
    response = admin.post("/admin/facts/mappings/import", data=csv_file(
        "source,fact_type,task_code,quantity_rule,multiplier\n"
        "jj110,stop,T1,as_sent,1\n"
        "JJ110,call,T3,one_each,2\n"
        "ajxt,case accepted,T2,,\n"
        "jj110,visit,T2,as_sent,1\n"), content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = admin.get(response.location).get_data(as_text=True)
    assert "Mappings imported: 2 new, 1 updated, 1 unchanged." in page, page[page.find("<main>"):][:1500]
    assert db.session.scalar(select(func.count()).select_from(FactMapping)) == before + 2
    assert (mapping("jj110", "call").task_type_id, mapping("jj110", "call").multiplier) == (mapped["T3"].id,
                                                                                          Decimal("2.00"))
    assert (mapping("ajxt", "case accepted").quantity_rule, mapping("ajxt", "case accepted").multiplier) == (
        "as_sent", Decimal("1.00"))
    assert status_of("t1") == "entered"


def test_an_xlsx_import_reads_chinese_headings_and_excel_numbers(admin, mapped):
    book = Workbook()
    sheet = book.active
    sheet.append(["来源系统", "业务类型", "任务代码", "数量规则", "倍数"])
    sheet.append(["jj110", "patrol hour", "T1", "按数量", 1.5])
    sheet.append(["jj110", 110, "T2", "每条计一", 2])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    response = admin.post("/admin/facts/mappings/import", data={"file": (data, "mappings.xlsx")},
                          content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert (mapping("jj110", "patrol hour").quantity_rule, mapping("jj110", "patrol hour").multiplier) == (
        "as_sent", Decimal("1.50"))
    assert (mapping("jj110", "110").quantity_rule, mapping("jj110", "110").multiplier) == ("one_each",
                                                                                           Decimal("2.00"))


def test_an_import_with_a_wrong_row_keeps_nothing_and_names_every_wrong_row(admin, mapped):
    send([fact("t1", type_="stop")])
    before = state_counts()
    response = admin.post("/admin/facts/mappings/import", data=csv_file(
        "source,fact_type,task_code,quantity_rule,multiplier\n"
        "jj110,stop,T1,as_sent,1\n"            # row 2: good (and would enter t1)
        "jj110,traffic,NOPE,as_sent,1\n"       # row 3: no such task
        "jj110,fine,T1,sometimes,1\n"          # row 4: no such rule
        "jj110,ticket,T1,as_sent,0\n"          # row 5: multiplier 0
        "jj110,stop,T2,as_sent,1\n"            # row 6: row 2 again
        "JJ 110,parking,T1,as_sent,1\n"        # row 7: a source name with a space
        ",late,T1,,\n"), content_type="multipart/form-data")  # row 8: no source
    assert response.status_code == 422
    found = problems(response)
    assert [(row, column) for row, column, _message in found] == [
        ("3", "task_code"), ("4", "quantity_rule"), ("5", "multiplier"), ("6", "fact_type"), ("7", "source"),
        ("8", "source")]
    assert "There is no task NOPE in the catalog." in found[0][2]
    assert "above 0" in found[2][2] and "row 2" in found[3][2]
    assert "Nothing was imported: 6 problems were found." in response.get_data(as_text=True)
    assert state_counts() == before
    assert mapping("jj110", "stop") is None and status_of("t1") == "waiting"


def test_an_import_without_a_needed_column_or_rows_keeps_nothing(admin, mapped):
    before = state_counts()
    missing = admin.post("/admin/facts/mappings/import", data=csv_file("source,fact_type\njj110,stop\n"),
                         content_type="multipart/form-data")
    assert missing.status_code == 422 and ("1", "task_code", "This column is missing.") in problems(missing)
    empty = admin.post("/admin/facts/mappings/import", data=csv_file("source,fact_type,task_code\n"),
                       content_type="multipart/form-data")
    assert empty.status_code == 422 and "The file has nothing to import." in empty.get_data(as_text=True)
    wrong = admin.post("/admin/facts/mappings/import", data=csv_file("x", name="mappings.txt"),
                       content_type="multipart/form-data")
    assert wrong.status_code == 422 and "Only .csv and .xlsx files can be imported." in wrong.get_data(as_text=True)
    assert state_counts() == before


def test_import_errors_are_worded_in_chinese(admin, mapped):
    response = admin.post("/admin/facts/mappings/import", data=csv_file(
        "source,fact_type,task_code,quantity_rule,multiplier\njj110,traffic,NOPE,as_sent,1\n"),
        content_type="multipart/form-data", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 422
    [(row, column, message)] = problems(response)
    assert (row, column) == ("2", "task_code") and "NOPE" in message and "There is no" not in message
