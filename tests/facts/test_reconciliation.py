"""The reconciliation per source and day, worked out by hand for a small day, as a page, an XLSX and a command;
sending the day again changes none of its numbers."""
from __future__ import annotations

import io
from datetime import date

import pytest
from bs4 import BeautifulSoup
from flask_babel import force_locale
from openpyxl import load_workbook

from tests.facts.conftest import DAY, DAY_BEFORE, fact, send
from tests.factories import state_counts
from worklog.facts import reconciliation

pytestmark = pytest.mark.postgres  # aggregates' types, the facts' upserts

#: Officer A's Tuesday from the 110 dispatch system (home visits: cap 40 a day), and one call on Monday.
FIRST = [
    fact("c1"), fact("c2"),                               # calls: patrols, entered
    fact("v1", type_="visit", quantity="2"),               # entered, then changed to 3: updated
    fact("v2", type_="visit", quantity="1"),               # entered, then changed to 45: the change is refused (cap)
    fact("x1", badge="999999"),                            # nobody has the badge: waits, not matched
    fact("t1", type_="stop"),                              # not mapped: waits
    fact("s1", type_="scene"),                             # crime scenes are not open to the post: waits
    fact("c3", when=f"{DAY_BEFORE}T09:00:00+08:00"),       # Monday's one call
]
SECOND = [
    fact("v1", type_="visit", quantity="3"),
    fact("v2", type_="visit", quantity="45"),
    fact("v3", type_="visit", quantity="39"),              # 3 + 39 > 40: refused (daily cap)
]
#: The day's facts as the system holds them at the end: what a resend of the day sends.
THE_DAY = [f for f in FIRST if f["id"] not in ("v1", "v2")] + SECOND

# (received, matched, entered, updated, refused, waiting), worked out above.
TUESDAY = (8, 7, 4, 1, 2, 3)
MONDAY = (1, 1, 1, 0, 0, 0)
REASONS = {"unknown_badge": 1, "unmapped_type": 1, "not_in_catalog": 1, "daily_cap": 2}


@pytest.fixture
def day(mapped):
    send(FIRST)
    send(SECOND)


def numbers(rec, day_: str) -> tuple[int, ...]:
    return next(d for d in rec.days if d.day == date.fromisoformat(day_)).numbers()


def test_a_small_day_reconciles_as_worked_out_by_hand(day):
    rec = reconciliation.reconcile("jj110", date(2026, 11, 22), date(2026, 11, 25))
    assert [d.day.day for d in rec.days] == [22, 23, 24, 25]
    assert numbers(rec, DAY) == TUESDAY
    assert numbers(rec, DAY_BEFORE) == MONDAY
    assert numbers(rec, "2026-11-22") == numbers(rec, "2026-11-25") == (0,) * 6
    assert rec.total.numbers() == (9, 8, 5, 1, 2, 3)
    tuesday = next(d for d in rec.days if d.day == date(2026, 11, 24))
    assert tuesday.reasons == REASONS and rec.total.reasons == REASONS
    assert rec.reasons == ["unknown_badge", "unmapped_type", "not_in_catalog", "daily_cap"]
    assert reconciliation.reconcile("ajxt", date(2026, 11, 22), date(2026, 11, 25)).total.numbers() == (0,) * 6


def test_sending_the_day_again_changes_none_of_the_numbers(day):
    first, last = date(2026, 11, 19), date(2026, 11, 25)
    before = reconciliation.reconcile("jj110", first, last)
    rows_before = state_counts()
    counts = send(THE_DAY)
    assert (counts["created"], counts["updated"]) == (0, 0)  # v2 is refused again, the others unchanged or waiting
    after = reconciliation.reconcile("jj110", first, last)
    assert [d.numbers() for d in after.days] == [d.numbers() for d in before.days]
    assert [d.reasons for d in after.days] == [d.reasons for d in before.days]
    assert numbers(after, DAY) == TUESDAY
    rows_after = state_counts()
    assert rows_after.pop("audit_event") == rows_before.pop("audit_event") + 1  # the batch itself
    assert rows_after == rows_before
    send(THE_DAY, channel="file")  # by file, the same
    assert [d.numbers() for d in reconciliation.reconcile("jj110", first, last).days] == \
        [d.numbers() for d in before.days]


def test_fold_counts_a_refused_change_as_refused_and_keeps_received_whole():
    rows = [(date(2026, 11, 24), "entered", "", "", 5, 5, 1),
            (date(2026, 11, 24), "entered", "", "sealed_week", 2, 2, 0),
            (date(2026, 11, 24), "waiting", "unknown_badge", "", 3, 0, 0),
            (date(2026, 11, 24), "refused", "sealed_month", "", 1, 1, 0),
            (date(2026, 11, 30), "entered", "", "", 9, 9, 0)]  # outside the range
    rec = reconciliation.fold("jj110", date(2026, 11, 24), date(2026, 11, 24), rows)
    assert rec.total.numbers() == (11, 8, 7, 1, 3, 3)
    assert rec.total.reasons == {"unknown_badge": 3, "sealed_week": 2, "sealed_month": 1}
    assert rec.reasons == ["unknown_badge", "sealed_week", "sealed_month"]


def test_the_default_range_is_the_last_seven_days(mapped):  # the clock pinned on Wednesday 25 November
    assert reconciliation.range_of(None, None) == (date(2026, 11, 19), date(2026, 11, 25))
    assert reconciliation.range_of(date(2026, 11, 1), None) == (date(2026, 11, 1), date(2026, 11, 25))
    assert reconciliation.range_of(None, date(2026, 11, 10)) == (date(2026, 11, 4), date(2026, 11, 10))
    assert reconciliation.range_problem(date(2026, 11, 2), date(2026, 11, 1))
    assert reconciliation.range_problem(date(2025, 1, 1), date(2026, 1, 2))  # 367 days
    assert reconciliation.range_problem(date(2025, 1, 1), date(2026, 1, 1)) is None  # 366 days


# --- As a page, a download and a command -----------------------------------------------------------------------


def page_numbers(response) -> dict[str, tuple[int, ...]]:
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    table = soup.find("table")
    rows = table.find("tbody").find_all("tr") + table.find("tfoot").find_all("tr")
    return {tr.find("th").get_text(strip=True): tuple(int(td.get_text(strip=True).replace(",", ""))
                                                      for td in tr.find_all("td")) for tr in rows}


def test_the_page_shows_the_numbers_by_day(admin, day):
    response = admin.get("/admin/facts/reconciliation?source=jj110")  # the last seven days by default
    assert response.status_code == 200
    shown = page_numbers(response)
    assert list(shown)[0] == "Nov 19, 2026" and len(shown) == 8
    assert shown["Nov 24, 2026"] == TUESDAY and shown["Nov 23, 2026"] == MONDAY
    assert shown["Total"] == (9, 8, 5, 1, 2, 3)
    page = response.get_data(as_text=True)
    assert "No officer has this badge number." in page and "Daily cap" in page


def test_the_page_refuses_a_range_it_cannot_show(admin, day):
    for query, message in [("start=2026-11-25&end=2026-11-20", "The first day comes after the last."),
                           ("start=2024-01-01&end=2026-11-20", "At most 366 days at once."),
                           ("start=2026-13-01", "Not a valid date value."),
                           ("start=9999-12-31", "Enter a date between the years")]:
        response = admin.get(f"/admin/facts/reconciliation?source=jj110&{query}")
        assert response.status_code == 400 and message in response.get_data(as_text=True), query
        assert admin.get(f"/admin/facts/reconciliation.xlsx?source=jj110&{query}").status_code == 400


def test_the_xlsx_has_the_same_numbers_and_lists_the_facts_not_entered(admin, day):
    response = admin.get("/admin/facts/reconciliation.xlsx?source=jj110&start=2026-11-23&end=2026-11-25")
    assert response.status_code == 200
    assert "reconciliation-jj110-2026-11-23-2026-11-25.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    days, listed = book.worksheets
    rows = list(days.iter_rows(values_only=True))
    assert rows[0][:7] == ("Date", "Received", "Matched", "Entered", "Updated", "Refused", "Waiting")
    assert rows[0][7:] == ("Unknown badge (unknown_badge)", "Unmapped type (unmapped_type)",
                           "Task not open (not_in_catalog)", "Daily cap (daily_cap)")
    assert [r[0].date() for r in rows[1:4]] == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)]
    assert rows[1][1:7] == MONDAY and rows[2][1:7] == TUESDAY and rows[3][1:] == (0,) * 10
    assert rows[2][7:] == (1, 1, 1, 2)
    assert rows[4][0] == "Total" and rows[4][1:7] == (9, 8, 5, 1, 2, 3)
    facts = {r[0]: r for r in list(listed.iter_rows(values_only=True))[1:]}
    assert sorted(facts) == ["s1", "t1", "v2", "v3", "x1"]
    assert facts["x1"][7:] == ("Waiting", "unknown_badge", "No officer has this badge number.")
    assert facts["v2"][7:9] == ("Entered; its last change was refused", "daily_cap")
    assert facts["v3"][2].isoformat() == "2026-11-24T10:00:00"  # local time, as the system sent it


def test_the_command_prints_the_same_table(runner, day):
    with force_locale("en"):
        result = runner.invoke(args=["facts", "reconcile", "--source", "jj110", "--from", "2026-11-23",
                                     "--to", "2026-11-24"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    table = {line.split()[0]: tuple(int(n) for n in line.split()[1:]) for line in lines
             if line.split() and line.split()[0][:1] in "2t" and line.split()[-1].isdigit()}
    assert table == {"2026-11-23": MONDAY, "2026-11-24": TUESDAY, "total": (9, 8, 5, 1, 2, 3)}
    assert "unknown_badge 1, unmapped_type 1, not_in_catalog 1, daily_cap 2" in result.output


def test_the_command_refuses_a_range_it_cannot_show(runner, day):
    result = runner.invoke(args=["facts", "reconcile", "--source", "jj110", "--from", "2026-11-25",
                                 "--to", "2026-11-20"])
    assert result.exit_code == 2
    result = runner.invoke(args=["facts", "reconcile", "--source", "jj110", "--from", "yesterday"])
    assert result.exit_code == 2
