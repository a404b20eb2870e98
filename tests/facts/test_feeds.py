"""File feeds: the API's facts as CSV or XLSX, uploaded or imported by a command, under the same rules; a file with a
wrong value is refused whole, each wrong value named by its row."""
from __future__ import annotations

import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from openpyxl import Workbook
from sqlalchemy import func, select

from models import AuditEvent, Entry, WorkFact
from tests.facts.conftest import fact, send
from tests.factories import state_counts
from worklog.extensions import db
from worklog.facts import reconciliation, services

HEADER = "id,badge,occurred_at,type,quantity,reference\n"
GOOD = HEADER + ("f1,200002,2026-11-24T10:00:00+08:00,call,1,J1\n"
                 "f2,200002,2026-11-24 11:30,visit,2.5,\n"
                 "f3,999999,2026-11-24T12:00:00+08:00,call,,J3\n")


def upload(client, data: bytes | str, name: str = "facts.csv", source: str = "jj110", language: str = "en"):
    body = data.encode("utf-8") if isinstance(data, str) else data
    return client.post("/admin/facts/upload", data={"source": source, "file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data", headers={"Accept-Language": language})


def row(external_id: str) -> WorkFact | None:
    db.session.expire_all()
    return db.session.scalar(select(WorkFact).where(WorkFact.external_id == external_id))


def problems(response) -> list[tuple[str, str, str]]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    table = soup.find("table")
    return [tuple(td.get_text(strip=True) for td in tr.find_all("td")) for tr in table.find("tbody").find_all("tr")]


def xlsx(rows: list[list], sheets: int = 1) -> bytes:
    book = Workbook()
    for n in range(sheets):
        sheet = book.active if n == 0 else book.create_sheet(f"More {n}")
        for values in rows:
            sheet.append(values)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def test_an_uploaded_file_becomes_entries_as_the_api_would_make_them(admin, org, mapped):
    response = upload(admin, GOOD)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "Received from jj110: 3 rows; 2 entered, 0 updated, 0 unchanged, 1 waiting, 0 refused." in page
    assert "No officer has this badge number." in page
    f1, f2, f3 = row("f1"), row("f2"), row("f3")
    assert (f1.channel, f1.client_id, f1.status, f1.work_date) == ("file", None, "entered", date(2026, 11, 24))
    assert f2.occurred_at == datetime(2026, 11, 24, 3, 30, tzinfo=timezone.utc)  # no offset: local time
    assert (f2.quantity, f2.reference) == (Decimal("2.50"), "")
    assert (f3.status, f3.reason, f3.quantity) == ("waiting", "unknown_badge", Decimal("1.00"))
    entry = db.session.scalar(select(Entry).where(Entry.fact_id == f1.id))
    assert (entry.person_id, entry.source, entry.reference) == (org["officer_a"].id, "jj110", "J1")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "work_facts.received"))
    assert event.actor_id == org["root_admin"].id and event.after["channel"] == "file"


def test_excel_cells_are_read_as_text_a_numeric_badge_matches_and_a_date_time_is_local(admin, mapped):
    data = xlsx([["编号", "警号", "发生时间", "业务类型", "数量", "关联编号"],
                 [1001, 200002, datetime(2026, 11, 24, 9, 15), "call", 1, "J1"],
                 ["1002", 200002.0, datetime(2026, 11, 24, 9, 59, 59, 999995), "visit", 2.0, 20261124001],
                 ["1003", "200002", "2026/11/24 10:30", "visit", "1.25", None]])
    response = upload(admin, data, "facts.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "3 entered" in response.get_data(as_text=True)
    first, second, third = row("1001"), row("1002"), row("1003")
    assert (first.badge, first.status) == ("200002", "entered")
    assert first.occurred_at == datetime(2026, 11, 24, 1, 15, tzinfo=timezone.utc)
    assert second.occurred_at == datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)  # Excel's crumbs rounded
    assert (second.quantity, second.reference) == (Decimal("2.00"), "20261124001")
    assert (third.occurred_at, third.quantity) == (datetime(2026, 11, 24, 2, 30, tzinfo=timezone.utc),
                                                  Decimal("1.25"))


def test_a_gb18030_csv_with_chinese_headings_is_read(admin, mapped):
    text = "编号,警号,发生时间,业务类型,数量,关联编号\ng1,200002,2026-11-24 08:00,call,1,警情一号\n"
    response = upload(admin, text.encode("gb18030"))
    assert response.status_code == 200 and row("g1").reference == "警情一号"


def test_a_file_with_a_wrong_value_is_refused_whole_with_each_row_named(admin, mapped):
    before = state_counts()
    response = upload(admin, HEADER + ("f1,200002,2026-11-24T10:00:00+08:00,call,1,J1\n"
                                       "f2,200002,2026-11-24T10:00:00+08:00,call,-1,\n"
                                       "f3,200002,yesterday,call,1,\n"
                                       "\n"
                                       "f5,,2026-11-24T10:00:00+08:00,call,1.005,\n"
                                       "f6,200002,2026-11-24T10:00:00+08:00,call,1," + "R" * 101 + "\n"))
    assert response.status_code == 422
    found = problems(response)
    assert [(r, c) for r, c, _m in found] == [("3", "quantity"), ("4", "occurred_at"), ("6", "badge"),
                                              ("6", "quantity"), ("7", "reference")]
    assert found[0][2] == "A number above 0 with at most two decimals."
    assert "Nothing was received: 5 problems were found." in response.get_data(as_text=True)
    assert state_counts() == before
    assert row("f1") is None


@pytest.mark.parametrize("data, name, message", [
    ("id,badge,type\nf1,200002,call\n", "facts.csv", "This column is missing."),
    (HEADER, "facts.csv", "The file has nothing to import."),
    ("not a workbook", "facts.xlsx", "The file is not a valid XLSX workbook."),
    ("a,b\n", "facts.txt", "Only .csv and .xlsx files can be imported."),
    (xlsx([HEADER.strip().split(","), ["f1", "200002", "2026-11-24 10:00", "call", 1, ""]], sheets=2), "f.xlsx",
     "The facts must be on one sheet"),
])
def test_a_file_that_cannot_be_read_is_refused_and_says_why(admin, mapped, data, name, message):
    before = state_counts()
    response = upload(admin, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert state_counts() == before


def test_a_wrong_source_name_is_refused(admin, mapped):
    before = state_counts()
    response = upload(admin, GOOD, source="JJ 110!")
    assert response.status_code == 422
    assert "A source name has 1 to 40 small letters" in response.get_data(as_text=True)
    assert state_counts() == before


def test_problems_are_worded_in_the_users_language(admin, mapped):
    response = upload(admin, HEADER + "f1,200002,2026-11-24T10:00:00+08:00,call,-1,\n", language="zh-CN")
    assert response.status_code == 422
    [(number, column, message)] = problems(response)
    assert (number, column) == ("2", "quantity") and "A number" not in message


def test_the_same_file_twice_changes_nothing_and_the_reconciliation_stays(admin, mapped):
    assert upload(admin, GOOD).status_code == 200
    rec = reconciliation.reconcile("jj110", date(2026, 11, 24), date(2026, 11, 24))
    before = state_counts()
    again = upload(admin, GOOD)
    assert "0 entered, 0 updated, 2 unchanged, 1 waiting" in again.get_data(as_text=True)
    after = state_counts()
    assert after.pop("audit_event") == before.pop("audit_event") + 1 and after == before
    assert reconciliation.reconcile("jj110", date(2026, 11, 24), date(2026, 11, 24)).total == rec.total
    assert rec.total.numbers() == (3, 2, 2, 0, 0, 1)


def test_a_fact_sent_by_the_api_and_again_by_file_is_the_same_fact(admin, mapped):
    send([fact("f1", reference="J1")])
    upload(admin, GOOD)
    assert db.session.scalar(select(func.count()).select_from(WorkFact).where(WorkFact.external_id == "f1")) == 1
    assert row("f1").channel == "api" and row("f1").revisions == 0


def test_a_large_file_is_received_in_batches_in_one_go(admin, mapped, monkeypatch):
    monkeypatch.setattr(services, "MAX_BATCH", 3)
    lines = [f"b{i},200002,2026-11-24T{8 + i:02d}:00:00+08:00,visit,1,\n" for i in range(7)]
    lines.append("b0,200002,2026-11-24T08:00:00+08:00,visit,2,\n")  # b0 again, last: its values win
    response = upload(admin, HEADER + "".join(lines))
    assert "Received from jj110: 8 rows; 7 entered, 0 updated" in response.get_data(as_text=True)
    assert (row("b0").quantity, row("b0").revisions) == (Decimal("2.00"), 0)
    bad = upload(admin, HEADER + "".join(lines[:5]) + "b9,200002,2026-11-24T09:00:00+08:00,visit,x,\n")
    assert bad.status_code == 422 and problems(bad) == [("7", "quantity", "A number above 0 with at most two "
                                                                         "decimals.")]


# --- The command ------------------------------------------------------------------------------------------------


def test_the_command_imports_a_file(runner, tmp_path, org, mapped):
    path = tmp_path / "facts.csv"
    path.write_text(GOOD, encoding="utf-8")
    with force_locale("en"):
        result = runner.invoke(args=["facts", "import", str(path), "--source", "jj110"])
    assert result.exit_code == 0, result.output
    assert "Received from jj110: 3 rows; 2 entered, 0 updated, 0 unchanged, 1 waiting, 0 refused." in result.output
    assert row("f1").status == "entered"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "work_facts.received"))
    assert event.actor_id is None


def test_the_command_refuses_a_wrong_file_whole(runner, tmp_path, mapped):
    path = tmp_path / "facts.csv"
    path.write_text(HEADER + "f1,200002,2026-11-24T10:00:00+08:00,call,1,\nf2,200002,2026-11-24,call,0,\n",
                    encoding="utf-8")
    before = state_counts()
    with force_locale("en"):
        result = runner.invoke(args=["facts", "import", str(path), "--source", "jj110"])
    assert result.exit_code == 1
    assert "row 3, column quantity: A number above 0 with at most two decimals." in result.output
    assert "Nothing was received: 1 problem(s)." in result.output
    assert state_counts() == before
    with force_locale("en"):
        result = runner.invoke(args=["facts", "import", str(path), "--source", "Bad Name"])
    assert result.exit_code == 1 and "A source name" in result.output


def test_problems_name_the_columns_as_the_file_heads_them(admin, mapped):
    text = "编号,警号,发生时间,业务类型,数量\ng1,200002,昨天,call,0\ng2,,2026-11-24 08:00,call,1\n"
    response = upload(admin, text.encode("utf-8"))
    assert response.status_code == 422
    assert [(r, c) for r, c, _m in problems(response)] == [("2", "发生时间"), ("2", "数量"), ("3", "警号")]
