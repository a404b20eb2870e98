"""The leniency page: each supervisor's figures worked out by hand on the county of tests/leniency/conftest.py, the
lenient one flagged and the peers not, who may read it, its export, and a bounded number of statements."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from models import Role
from tests.daily.conftest import count_queries
from tests.factories import make_person, sign_in, state_counts
from tests.leniency.conftest import add_entries, grade_month
from worklog.extensions import db
from worklog.leniency import queries

#: The month's GROUP BY is written for each database (date_trunc, date(…, 'start of month')) and sums numerics.
pytestmark = pytest.mark.postgres

URL = "/leniency/{unit}/2026-10"


def _rows(html: str) -> dict[str, str]:
    """Each supervisor's block on the page, as its text, by name."""
    soup = BeautifulSoup(html, "html.parser")
    return {li.select_one(".name").get_text(strip=True): " ".join(li.get_text(" ", strip=True).split())
            for li in soup.select("li.supervisor")}


def test_each_supervisors_figures_as_worked_out_by_hand(app, org, county):
    report = queries.report(org.county_a, date(2026, 10, 1), date(2026, 10, 1))
    rows = {report.people[r.supervisor_id].name: r for r in report.rows}
    assert set(rows) == {"S1", "S2", "S3", "S4"}  # S3's county B entry and November entry are elsewhere
    s1, s2, s3, s4 = (rows[k] for k in ("S1", "S2", "S3", "S4"))
    # S1: 20 reviewed (A1's unreviewed eleventh not among them), 3 cut, 3 returned (one still waiting): 6 = 30%;
    # approved 16 × 10 + 3 × 8 = 184 of the 19 approved entries' 190 reported.
    assert (s1.reviews.reviewed, s1.reviews.adjusted, s1.reviews.returned, s1.reviews.adjusted_or_returned) == \
        (20, 3, 3, 6)
    assert (s1.reviews.reported, s1.reviews.approved) == (Decimal("190"), Decimal("184"))
    assert (s2.reviews.reviewed, s2.reviews.adjusted, s2.reviews.returned, s2.reviews.adjusted_or_returned) == \
        (20, 5, 1, 6)
    assert (s2.reviews.reported, s2.reviews.approved) == (Decimal("200"), Decimal("190"))
    assert (s3.reviews.reviewed, s3.reviews.adjusted_or_returned, s3.reviews.reported, s3.reviews.approved) == \
        (20, 0, Decimal("200"), Decimal("200"))
    assert s4.reviews.reviewed == 5
    assert (s1.officers, s2.officers, s3.officers, s4.officers) == (2, 2, 2, 1)
    assert s1.grades == {"excellent": 1, "competent": 1, "basic": 0, "incompetent": 0}
    assert s2.grades == {"excellent": 0, "competent": 1, "basic": 1, "incompetent": 0}
    assert s3.grades == {"excellent": 2, "competent": 0, "basic": 0, "incompetent": 0}
    assert s4.grades == {"excellent": 0, "competent": 0, "basic": 0, "incompetent": 1}
    # The peers: S1, S2, S3 (S4 reviewed 5, fewer than 20). Shares 30%, 30%, 0% → median 30%, MAD 0 → the 2% floor;
    # S3 lies (0 − 30%) ÷ 2% = −15 deviations away: lenient. Ratios 96.84%, 95%, 100% → median 96.84%; MAD 1.84%
    # → 1.4826 × 1.84% = 2.73%; S3 lies 3.16% ÷ 2.73% = 1.16 away: not flagged on the ratio.
    group = report.groups[org.post.sequence_id]
    assert group.counted == 3 and group.judged
    assert [(f.measure, f.side, f.score) for f in s3.judgement.flags] == [("share", "lenient", -15)]
    assert s1.judgement.flags == () and s2.judgement.flags == ()
    assert not s4.judgement.counted and s4.judgement.why_not["code"] == "leniency.few_entries"
    assert report.flagged == 1


def test_the_page_flags_the_lenient_supervisor_and_says_why(client, org, county):
    sign_in(client, org["panel_a"].badge)
    response = client.get(URL.format(unit=org.county_a.id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = _rows(html)
    assert ("Officers: 2 Entries reviewed: 20 more lenient than peers Share adjusted or returned: 0.00% "
            "(Adjusted 0 · Returned 0) Approved ÷ self-assessed: 100.00% (200.00 / 200.00)") in rows["S3"]
    assert ("adjusts or returns 0.00% of the entries reviewed, against the peers' median of 30.00%: 15.00 robust "
            "deviations (of 2.00%) below it") in rows["S3"]
    assert ("Officers: 2 Entries reviewed: 20 Share adjusted or returned: 30.00% (Adjusted 3 · Returned 3) "
            "Approved ÷ self-assessed: 96.84% (184.00 / 190.00)") in rows["S1"]
    assert "Officers’ monthly grades: Excellent 1 · Competent 1 · Basically competent 0 · Incompetent 0" in rows["S1"]
    assert "within the peers’ range" in rows["S1"] and "within the peers’ range" in rows["S2"]
    assert "lenient" not in rows["S1"] + rows["S2"] + rows["S4"]
    assert "not judged: 5 entries reviewed, fewer than the 20 a supervisor needs to count" in rows["S4"]
    assert list(rows)[0] == "S3"  # the flagged first
    text = " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())
    assert "Median share adjusted or returned: 30.00% (± 2.00%)" in text
    assert "Median approved ÷ self-assessed: 96.84% (± 2.73%)" in text
    assert "2026-10 Published" in text
    # The rule, with the rule set's numbers, is on the page.
    assert "more than 3.00 robust deviations" in html and "at least 20 entries reviewed" in html
    # The panel's month page links here.
    month = client.get(f"/month/{org.county_a.id}/2026-10").get_data(as_text=True)
    assert f'href="/leniency/{org.county_a.id}/2026-10"' in month


def test_the_export_holds_the_same_figures(client, org, county):
    sign_in(client, org["panel_a"].badge)
    response = client.get(f"/leniency/{org.county_a.id}/2026-10/export.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["2026-10"]
    heads = [c.value for c in sheet[1]]
    rows = {r[2]: dict(zip(heads, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["S3"]["Share adjusted or returned"] == "0.00%" and rows["S3"]["Flag"] == "more lenient than peers"
    assert rows["S1"]["Entries reviewed"] == 20 and rows["S1"]["Adjusted or returned"] == 6
    assert rows["S1"]["Approved points"] == 184 and rows["S1"]["Self-assessed points"] == 190
    assert rows["S1"]["Excellent"] == 1 and rows["S1"]["Flag"] is None
    assert rows["S4"]["Why"].startswith("not judged")
    groups = list(book["Peer groups"].iter_rows(min_row=2, values_only=True))
    assert groups == [("Police stations", 3, "yes", "30.00%", "2.00%", "96.84%", "2.73%")]


def test_a_period_of_several_months(client, org, county, catalog):
    """September's entries join October's: S3 adjusted four of C1's September entries (4 of 24: 16.67%)."""
    september = [date(2026, 9, d) for d in (1, 2, 3, 4)]
    add_entries(county.officers["C1"], county.supervisors["S3"], ["cut"] * 4, catalog["T1"], september)
    db.session.commit()
    sign_in(client, org["panel_a"].badge)
    one = _rows(client.get(URL.format(unit=org.county_a.id)).get_data(as_text=True))
    assert "Entries reviewed: 20 " in one["S3"]
    both = client.get(f"/leniency/{org.county_a.id}/2026-09?to=2026-10")
    rows = _rows(both.get_data(as_text=True))
    assert "Entries reviewed: 24 " in rows["S3"] and "Share adjusted or returned: 16.67%" in rows["S3"]
    assert "2026-09–2026-10" in both.get_data(as_text=True)
    # The period form: ?from= names the first month.
    moved = client.get(f"/leniency/{org.county_a.id}/2026-10?from=2026-09&to=2026-10")
    assert moved.status_code == 302 and moved.location.endswith(f"/leniency/{org.county_a.id}/2026-09?to=2026-10")
    # A period reads at most twelve months; a "to" before the month, or unreadable, is the month alone.
    assert "2026-10–2027-09" in client.get(f"/leniency/{org.county_a.id}/2026-10?to=2030-01").get_data(as_text=True)
    for junk in ("2026-08", "nonsense", "9999-99"):
        response = client.get(f"/leniency/{org.county_a.id}/2026-10?to={junk}")
        assert response.status_code == 200 and "Entries reviewed: 20 " in _rows(response.get_data(as_text=True))["S3"]
    assert client.get(f"/leniency/{org.county_a.id}/2026-13").status_code == 404


def test_only_the_units_panel_reads_it(client, org, county):
    city_panel = make_person("630001", "City panel", org.dept_a, org.post, roles={Role.panel.value: org.city_a})
    panel_b = make_person("630002", "Panel B", org.dept_b, org.post, roles={Role.panel.value: org.county_b})
    db.session.commit()
    before = state_counts()
    for badge, allowed in [(org["panel_a"].badge, True), (city_panel.badge, True), (panel_b.badge, False),
                           (org["hr_a"].badge, False), (org["admin_a"].badge, False), (org["root_admin"].badge, False),
                           (county.supervisors["S3"].badge, False), (county.officers["C1"].badge, False)]:
        sign_in(client, badge)
        for url in (URL.format(unit=org.county_a.id), f"/leniency/{org.county_a.id}/2026-10/export.xlsx"):
            assert client.get(url).status_code == (200 if allowed else 404), (badge, url)
        client.post("/sign-out")
    assert client.get(URL.format(unit=org.county_a.id)).status_code == 302  # signed out: to the sign-in page
    assert state_counts() == before  # reading changes nothing


def test_the_page_reads_a_fixed_number_of_statements_whatever_its_rows(client, org, county, catalog):
    sign_in(client, org["panel_a"].badge)
    url = URL.format(unit=org.county_a.id)
    client.get(url)
    with count_queries() as fewer:
        small = client.get(url)
    # Twelve more supervisors with officers, entries and grades, in another sequence too.
    from worklog.admin import services as admin
    other = admin.save_sequence(None, {"code": "XX", "name": "Traffic"}, None)
    post = admin.save_post(None, {"sequence": other, "code": "XX-1", "name": "Traffic officer",
                                  "coefficient": Decimal("1"), "monthly_target_points": Decimal("400")}, None)
    grades = {}
    for i in range(12):
        supervisor = make_person(f"64{i:04d}", f"T{i}", org.dept_a, post if i % 2 else org.post)
        for j in range(2):
            officer = make_person(f"65{i:02d}{j:02d}", f"T{i}-{j}", org.dept_a, post if i % 2 else org.post,
                                  supervisor)
            add_entries(officer, supervisor, ["ok", "cut"] * 6, catalog["T1"])
            grades[officer] = "competent"
    grade_month(org.county_a, org.dept_a, org.post, grades, date(2026, 9, 1))
    db.session.commit()
    client.get(url)
    with count_queries() as more:
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert len(large.get_data()) > len(small.get_data())
    assert len(more) <= len(fewer) <= 12, "\n".join(fewer)
