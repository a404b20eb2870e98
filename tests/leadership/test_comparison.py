"""Leadership's view, worked out by hand: the first half of 2026 beside the first half of 2025 for city A, whose county
A has figures in both, county A2 (set up in 2026) in 2026 only and county A3 (closed) in 2025 only. Year-on-year
changes are computed on county A alone, and the two others are named; the half-years end on 30 June; every table's
XLSX holds the page's figures; the charts print their values; the page reads a fixed number of statements."""
from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import event

from models import Role
from tests.factories import make_person, sign_in
from tests.leadership.conftest import (ledger_month, month_results, new_county, signed_week, survey_month,
                                       yellow_cards)
from worklog.extensions import db
from worklog.leadership import queries
from worklog.rules.leadership import parse_period

#: The JSON figures, the deadlines compared in SQL and the grouped weeks behave differently on the two databases.
pytestmark = pytest.mark.postgres

E, C, B, I = "excellent", "competent", "basic", "incompetent"


@pytest.fixture
def world(app, org, leaders):
    """City A's counties over March 2025 and March 2026 (see the module's docstring); the figures in the tests are
    worked out from these lines."""
    a, dept_a = org.county_a, org.dept_a
    a2, dept_a2 = new_county(org, "CA2", "County A2")
    a3, dept_a3 = new_county(org, "CA3", "County A3")
    other = make_person("610001", "Officer A2", dept_a2, org.post)
    inspector = make_person("500003", "Inspector City A", org.dept_a, org.post,
                            roles={Role.inspector.value: org.city_a})
    org.people["inspector_city"] = inspector
    # Grades and days: county A 2 of 10 excellent, 200 of 220 days in 2025; 3 of 10 and 209 of 220 in 2026.
    month_results(org, a, dept_a, date(2025, 3, 1), [E, E] + [C] * 8, [(22, 20)] * 10)
    month_results(org, a, dept_a, date(2026, 3, 1), [E, E, E] + [C] * 7, [(22, 22)] * 9 + [(22, 11)])
    month_results(org, a2, dept_a2, date(2026, 3, 1), [C, C, C, C, B], [(22, 22)] * 5)
    month_results(org, a3, dept_a3, date(2025, 4, 1), [I, C], [(22, 22)] * 2)
    ledger_month(a3, date(2025, 4, 1), 2)
    a3.active = False
    # Weeks: county A's officer signed one of two on time in 2025, both in 2026; county A2's week is unsigned.
    officer = org["officer_a"]
    signed_week(officer, a, dept_a, date(2025, 3, 3), -timedelta(hours=3))
    signed_week(officer, a, dept_a, date(2025, 3, 10), timedelta(days=1))
    signed_week(officer, a, dept_a, date(2026, 3, 2), -timedelta(days=1))
    signed_week(officer, a, dept_a, date(2026, 3, 9), -timedelta(hours=1))
    signed_week(other, a2, dept_a2, date(2026, 3, 2), None)
    # The survey: county A 70.00 in 2025 (6 satisfied, 2 basically, 2 not), 90.00 in 2026; county A2 50.00.
    survey_month(a, date(2025, 3, 1), {"satisfied": 6, "basic": 2, "dissatisfied": 2})
    survey_month(a, date(2026, 3, 1), {"satisfied": 8, "basic": 2})
    survey_month(a2, date(2026, 3, 1), {"satisfied": 2, "dissatisfied": 2})
    # Yellow cards: county A in March 2025, county A2 in March 2026.
    yellow_cards(date(2025, 3, 1), [a], [a3])
    yellow_cards(date(2026, 3, 1), [a2], [a])
    # A finding about county A in May of each year, to rectify (its deadline passed: overdue).
    from worklog.inspection import services as inspection
    for year in (2025, 2026):
        inspection.record_finding({"target": "unit", "unit": a.id, "found_on": date(year, 5, 6),
                                   "category": "discipline", "description": "Duty roster not kept", "rectify": True,
                                   "files": []}, inspector)
    db.session.commit()
    org.county_a2, org.county_a3 = a2, a3
    return org


def _view(org, key="2026-H1"):
    return queries.dashboard(org.city_a, parse_period(key))


def _row(view, unit):
    return next(r for r in view.rows if r.unit.id == unit.id)


def test_changes_are_computed_on_the_units_both_periods_have_and_the_others_are_named(world):
    view = _view(world)
    assert view.span.first == date(2026, 1, 1) and view.span.last == date(2026, 6, 30)
    assert view.earlier.first == date(2025, 1, 1) and view.earlier.last == date(2025, 6, 30)
    assert [(u.code, only_now) for u, only_now in view.left_out] == [("CA2", True), ("CA3", False)]
    # City A's own departments have nothing: no row of their own; the closed county keeps its row for 2025.
    assert [r.unit.code for r in view.rows] == ["CA1", "CA2", "CA3"]

    a, a2, a3, total = _row(view, world.county_a), _row(view, world.county_a2), _row(view, world.county_a3), \
        view.total
    share = a.line("share:excellent")
    assert (share.now, share.before, share.change) == (Decimal("30.0"), Decimal("20.0"), Decimal("10.0"))
    assert not share.partial and a.compared
    # County A2 is this period's only: its figures count, nothing is compared.
    new = a2.line("share:excellent")
    assert (new.now, new.before, new.change) == (Decimal("0.0"), None, None) and not a2.compared
    assert a2.line("graded").now == 5 and a2.line("count:basic").now == 1
    assert a3.line("graded").now == 0 and a3.line("graded").before is None and not a3.compared
    # The total keeps every unit this period, and compares county A alone: 3 of 15 excellent this period; on the same
    # units 30.0 against 20.0.
    share = total.line("share:excellent")
    assert (share.now, share.same_now, share.before, share.change) == (
        Decimal("20.0"), Decimal("30.0"), Decimal("20.0"), Decimal("10.0"))
    assert share.partial and [u.code for u in total.left_out] == ["CA2", "CA3"]

    # Day clearance: 209 of 220 against 200 of 220 (90.9); the whole subtree this period 319 of 330 (96.7). Had
    # county A3's 44 of 44 days of 2025 been counted, the year before would read 92.4.
    clearance = total.line("clearance")
    assert (clearance.now, clearance.same_now, clearance.before, clearance.change) == (
        Decimal("96.7"), Decimal("95.0"), Decimal("90.9"), Decimal("4.1"))
    assert total.line("days_due").before == 220

    # Weeks signed on time: 2 of 2 against 1 of 2; county A2's unsigned week counts this period (2 of 3).
    on_time = total.line("on_time")
    assert (on_time.now, on_time.same_now, on_time.before, on_time.change) == (
        Decimal("66.7"), Decimal("100.0"), Decimal("50.0"), Decimal("50.0"))
    assert a2.line("weeks_due").now == 1 and a2.line("on_time").now == Decimal("0.0")

    # Satisfaction: county A 90.00 against 70.00; with county A2 this period (11 of 14) 78.57.
    satisfaction = total.line("satisfaction")
    assert (satisfaction.now, satisfaction.same_now, satisfaction.before, satisfaction.change) == (
        Decimal("78.57"), Decimal("90.00"), Decimal("70.00"), Decimal("20.00"))
    assert total.line("valid").now == 14

    # Yellow cards: county A's one of 2025 is gone; county A2's of 2026 is not compared.
    cards = total.line("cards")
    assert (cards.now, cards.same_now, cards.before, cards.change) == (1, 0, 1, -1)
    assert (a.line("cards").now, a.line("cards").before) == (0, 1)

    # Findings: one each year, each overdue.
    findings, rate = a.line("findings"), a.line("rectification")
    assert (findings.now, findings.before, findings.change) == (1, 1, 0)
    assert (rate.now, rate.before, rate.change) == (Decimal("0.0"), Decimal("0.0"), Decimal("0.0"))


def test_the_half_years_end_on_the_thirtieth_of_june(world, app):
    """A month, a finding, a week and a survey on each side of 30 June / 1 July 2026 and 2025."""
    org = world
    a, dept = org.county_a, org.dept_a
    from worklog.inspection import services as inspection
    inspector = org["inspector_city"]
    for day in (date(2026, 6, 30), date(2026, 7, 1)):
        inspection.record_finding({"target": "unit", "unit": a.id, "found_on": day, "category": "appearance",
                                   "description": "Uniform", "rectify": False, "files": []}, inspector)
    month_results(org, a, dept, date(2026, 6, 1), [E], [(21, 21)])
    month_results(org, a, dept, date(2026, 7, 1), [I], [(23, 20)])
    signed_week(org["officer_a"], a, dept, date(2026, 6, 29), -timedelta(hours=1))  # a week begun in June
    signed_week(org["officer_a"], a, dept, date(2026, 7, 6), timedelta(hours=1))
    survey_month(a, date(2026, 6, 1), {"satisfied": 1})
    survey_month(a, date(2026, 7, 1), {"dissatisfied": 1})
    db.session.commit()

    first, second = _view(org, "2026-H1"), _view(org, "2026-H2")
    assert (second.span.first, second.span.last) == (date(2026, 7, 1), date(2026, 8, 10))  # so far
    assert (second.earlier.first, second.earlier.last) == (date(2025, 7, 1), date(2025, 8, 10))
    assert not second.complete and first.complete
    h1, h2 = _row(first, a), _row(second, a)
    # March's 10 results and June's excellent one in the first half; July's in the second.
    assert (h1.line("graded").now, h1.line("count:excellent").now) == (11, 4)
    assert (h2.line("graded").now, h2.line("count:incompetent").now, h2.line("days_due").now) == (1, 1, 23)
    assert h2.line("clearance").now == Decimal("87.0")
    assert (h1.line("findings").now, h2.line("findings").now) == (2, 1)
    assert (h1.line("weeks_due").now, h1.line("on_time").now) == (3, Decimal("100.0"))
    assert (h2.line("weeks_due").now, h2.line("on_time").now) == (1, Decimal("0.0"))
    assert (h1.line("valid").now, h2.line("valid").now) == (11, 1)
    # The second half's survey trend: its months so far, each beside the same month a year earlier.
    assert [p.month for p in second.trend] == [date(2026, 7, 1), date(2026, 8, 1)]
    # A month: the twelve months of the trend end with it.
    june = _view(org, "2026-06")
    assert (june.span.first, june.span.last) == (date(2026, 6, 1), date(2026, 6, 30))
    assert [p.month for p in june.trend][0] == date(2025, 7, 1) and june.trend[-1].month == date(2026, 6, 1)
    assert _row(june, a).line("graded").now == 1
    # The year so far holds both halves.
    year = _view(org, "2026")
    assert _row(year, a).line("graded").now == 12 and _row(year, a).line("findings").now == 3


def _sections(page: str) -> dict[str, BeautifulSoup]:
    soup = BeautifulSoup(page, "html.parser")
    return {section["id"]: section for section in soup.find_all("section") if section.get("id")}


def test_the_charts_are_drawn_on_the_server_with_their_values_printed(world, client):
    sign_in(client, world["leader_a"].badge)
    response = client.get(f"/leadership/{world.city_a.id}?period=2026-H1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script" not in page and "cdn" not in page.lower()
    sections = _sections(page)

    def printed(section: str) -> list[str]:
        svg = sections[section].find("svg")
        assert svg is not None and svg.get("role") == "img" and svg.get("aria-label"), section
        return [t.get_text() for t in svg.find_all("text")]

    grades = printed("grades")
    assert {"30.0%", "20.0%", "70.0%", "80.0%"} <= set(grades)  # county A's shares, this year and last
    assert "County A2 *" in grades  # marked: left out of the comparison
    assert {"95.0%", "90.9%", "96.7%"} <= set(printed("clearance"))
    assert {"100.0%", "50.0%", "66.7%"} <= set(printed("signing"))
    assert {"90.00", "70.00", "78.57"} <= set(printed("satisfaction"))
    trend = sections["satisfaction"].find("svg", class_="lead-trend")
    # March: the whole city 78.6 (to one decimal beside its point), a year earlier on the same units 70.0.
    assert {"78.6", "70.0", "Mar"} <= {t.get_text() for t in trend.find_all("text")}
    assert {"1", "0"} <= set(printed("cards"))
    # The tables beside the charts hold the same figures, and name the units left out.
    text = sections["clearance"].get_text(" ", strip=True)
    assert "95.0%" in text and "90.9%" in text and "+4.1" in text
    assert "County A2" in page and "figures in this period only" in page and "figures a year earlier only" in page


def _sheet(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(response.data))


def test_every_table_exports_to_xlsx_with_the_pages_figures(world, client):
    sign_in(client, world["leader_a"].badge)
    base = f"/leadership/{world.city_a.id}/export.xlsx?period=2026-H1"
    book = _sheet(client.get(base + "&table=grades"))
    assert book.sheetnames == ["Grades by unit"]
    rows = list(book.active.iter_rows(values_only=True))
    heads = rows[0]
    col = {h: i for i, h in enumerate(heads)}
    assert heads[:2] == ("Code", "Unit")
    a = next(r for r in rows if r[0] == "CA1")
    total = next(r for r in rows if r[1] == "Total")
    name = "Excellent: share (per cent)"
    assert (a[col[name]], a[col[f"{name}: a year earlier, same units"]], a[col[f"{name}: change"]]) == (30, 20, 10)
    assert (total[col[name]], total[col[f"{name}: this period, same units"]],
            total[col[f"{name}: a year earlier, same units"]], total[col[f"{name}: change"]]) == (20, 30, 20, 10)
    assert total[col["Left out of the comparison"]] == "County A2, County A3"
    assert a[col["Excellent: officer-months"]] == 3 and total[col["Officer-months graded"]] == 15
    new = next(r for r in rows if r[0] == "CA2")
    assert new[col[f"{name}: a year earlier, same units"]] is None and new[col[f"{name}: change"]] is None

    clearance = list(_sheet(client.get(base + "&table=clearance")).active.iter_rows(values_only=True))
    col = {h: i for i, h in enumerate(clearance[0])}
    total = next(r for r in clearance if r[1] == "Total")
    rate = "Day clearance rate (per cent)"
    assert [float(total[col[h]]) for h in (rate, f"{rate}: this period, same units",
                                           f"{rate}: a year earlier, same units", f"{rate}: change")] == \
        [96.7, 95.0, 90.9, 4.1]

    trend = list(_sheet(client.get(base + "&table=trend")).active.iter_rows(values_only=True))
    march = next(r for r in trend if r[0] == "2026-03")
    assert march[1] == "2025-03" and float(march[2]) == 78.57

    every = _sheet(client.get(base))
    assert every.sheetnames == ["Grades by unit", "Day clearance", "Weeks signed on time", "Indicator progress",
                                "Public satisfaction", "Public satisfaction by month", "Yellow cards",
                                "Inspection findings", "Rectification"]
    # A year has its annual grades too; a table that does not exist is a 404.
    year = _sheet(client.get(f"/leadership/{world.city_a.id}/export.xlsx?period=2025"))
    assert "Annual grades by unit" in year.sheetnames
    assert client.get(base + "&table=nothing").status_code == 404


def _statements(app, client, url: str) -> int:
    client.get(url)
    sent = []

    def seen(_conn, _cursor, statement, *_args):
        if not statement.startswith("BEGIN"):
            sent.append(statement)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    return len(sent)


def test_the_page_reads_as_many_statements_for_ten_counties_as_for_three(world, app, client):
    sign_in(client, world["leader_a"].badge)
    url = f"/leadership/{world.city_a.id}?period=2026-H1"
    few = _statements(app, client, url)
    for i in range(7):
        county, department = new_county(world, f"CX{i}", f"County X{i}")
        month_results(world, county, department, date(2025, 2, 1), [E, C, C], [(20, 20)] * 3)
        month_results(world, county, department, date(2026, 2, 1), [C, C, B], [(20, 19)] * 3)
        survey_month(county, date(2026, 2, 1), {"satisfied": 3})
        if i < 2:
            signed_week(make_person(f"62000{i}", None, department, world.post, valid_from=date(2026, 3, 1)),
                        county, department,
                        date(2026, 2, 2), -timedelta(hours=2))
    db.session.commit()
    many = _statements(app, client, url)
    assert many == few, (few, many)
    assert many <= 20, many


def test_a_period_not_begun_or_unreadable_is_not_found(world, client):
    sign_in(client, world["leader_a"].badge)
    unit = world.city_a.id
    for period in ("2026-09", "2027", "2026-H3", "2026-13", "26", "x", "2026-h1", ""):
        assert client.get(f"/leadership/{unit}?period={period}").status_code == 404, period
    # Without a period: the last month over (July 2026).
    page = client.get(f"/leadership/{unit}").get_data(as_text=True)
    assert re.search(r'<option value="2026-07" selected>', page)


def test_a_change_compares_only_the_months_settled_on_both_sides(app, org, leaders):
    """The year so far (to the pinned day) beside the same days a year earlier: a month whose results or evaluation
    are not in yet this year is left out of the change on both sides, not counted in full a year earlier. Every month
    settled on both sides is the same here, so every change is 0."""
    from tests.leadership.conftest import NOW, yellow_cards
    a, dept = org.county_a, org.dept_a
    this_year = NOW.year
    last = date(this_year, NOW.month, 1) - timedelta(days=1)  # the month before the pinned one: over, not settled
    for year in (this_year - 1, this_year):
        for m in range(1, last.month):
            month_results(org, a, dept, date(year, m, 1), ["excellent", "competent", "competent", "competent"],
                          [(22, 22)] * 4)
            ledger_month(a, date(year, m, 1), 4)
            yellow_cards(date(year, m, 1), [], [a])
        if year < this_year:
            # A year earlier, that last month is settled, and badly; this year it is not yet.
            month_results(org, a, dept, date(year, last.month, 1), ["competent"] * 4, [(22, 11)] * 4)
            ledger_month(a, date(year, last.month, 1), 4)
            yellow_cards(date(year, last.month, 1), [a], [])
    db.session.commit()
    view = queries.dashboard(org.city_a, parse_period(str(this_year)))
    total = view.total
    for name in ("graded", "cards", "share:excellent", "clearance"):
        assert total.line(name).change == 0, (name, total.line(name))
    assert date(this_year, last.month, 1) in view.months_without_results
