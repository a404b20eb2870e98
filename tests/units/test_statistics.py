"""Survey statistics and the monthly bulletin: hand-computed counts, who sees what, nothing personal shown."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.factories import make_person, sign_in
from tests.units.conftest import answers, calls
from worklog.extensions import db
from worklog.units.statistics import statistics

pytestmark = pytest.mark.postgres

MARCH, FEBRUARY, JANUARY = date(2026, 3, 1), date(2026, 2, 1), date(2026, 1, 1)


@pytest.fixture
def march(org):
    """County A1: 110 reports: 6 satisfied, 2 basic, 1 dissatisfied, 1 unreachable, 1 not called yet;
    traffic window: 4 satisfied, 1 refused.
    County B1: 110 reports: 2 satisfied, 2 basic; complaints: 1 satisfied, 1 dissatisfied, 2 unreachable.
    Outside March: a January 110 call of A1 (dissatisfied) and a February one of B1 (satisfied)."""
    calls(org.county_a, "report_110", MARCH, *answers(6, 2, 1, unreachable=1, uncalled=1))
    calls(org.county_a, "window_traffic", MARCH, *answers(4, refused=1))
    calls(org.county_b, "report_110", MARCH, *answers(2, 2))
    calls(org.county_b, "complaint", MARCH, *answers(1, 0, 1, unreachable=2))
    calls(org.county_a, "report_110", JANUARY, *answers(dissatisfied=1))
    calls(org.county_b, "report_110", FEBRUARY, *answers(satisfied=1))
    db.session.commit()


def test_march_per_kind_per_unit_per_group_and_in_total(app, org, march):
    s = statistics(MARCH, False, None)
    a, b = s.units
    assert (a.unit.code, b.unit.code) == ("CA1", "CB1")
    # A1's 110: (6 + 0.5 × 2) ÷ 9 = 77.78; 9 valid of 10 called (the uncalled one does not count) = 90.00%.
    k = a.kinds["report_110"]
    assert (k.called, k.reached, k.valid, k.unreachable, k.satisfaction, k.reply_rate) == \
        (10, 9, 9, 1, Decimal("77.78"), Decimal("90.00"))
    # A1's traffic window: 4 ÷ 4 = 100.00; 4 valid of 5 called = 80.00%; the refusal was reached.
    k = a.kinds["window_traffic"]
    assert (k.called, k.reached, k.valid, k.refused, k.satisfaction, k.reply_rate) == \
        (5, 5, 4, 1, Decimal("100.00"), Decimal("80.00"))
    # A1 overall from the summed answers: (10 + 0.5 × 2) ÷ 13 = 84.62 — not the mean of the kinds (88.89);
    # 13 valid of 15 called = 86.67%.
    assert (a.overall.valid, a.overall.called, a.overall.satisfaction, a.overall.reply_rate) == \
        (13, 15, Decimal("84.62"), Decimal("86.67"))
    # B1: 110 (2 + 1) ÷ 4 = 75.00; complaints 1 ÷ 2 = 50.00 with 2 of 4 = 50.00%; overall (3 + 1) ÷ 6 = 66.67.
    assert b.kinds["report_110"].satisfaction == Decimal("75.00")
    assert (b.kinds["complaint"].satisfaction, b.kinds["complaint"].reply_rate) == (Decimal("50.00"), Decimal("50.00"))
    assert (b.overall.satisfaction, b.overall.valid, b.overall.reply_rate) == (Decimal("66.67"), 6, Decimal("75.00"))
    # 110 across both: (8 + 0.5 × 4) ÷ 13 = 76.92; 13 of 14 = 92.86%.
    k = s.kinds["report_110"]
    assert (k.valid, k.called, k.satisfaction, k.reply_rate) == (13, 14, Decimal("76.92"), Decimal("92.86"))
    assert s.kinds["report_119"].satisfaction is None and s.kinds["report_119"].valid == 0
    # Groups: reports = the 110 figures; windows = traffic; complaints = the complaint figures.
    assert s.groups["reports"].satisfaction == Decimal("76.92")
    assert (s.groups["windows"].satisfaction, s.groups["windows"].valid) == (Decimal("100.00"), 4)
    assert (s.groups["complaints"].satisfaction, s.groups["complaints"].valid) == (Decimal("50.00"), 2)
    # Total: (13 + 0.5 × 4) ÷ 19 = 78.95; 19 valid of 23 called = 82.61%.
    assert (s.total.valid, s.total.called, s.total.satisfaction, s.total.reply_rate) == \
        (19, 23, Decimal("78.95"), Decimal("82.61"))


def test_year_totals_add_every_month_and_the_rule_sets_factor_applies(app, org, march):
    from tests.units.conftest import rule_set
    rule_set(JANUARY, survey_basic_factor="0.60")
    db.session.commit()
    s = statistics(date(2026, 7, 1), True, None)
    a = s.units[0]
    # A1's year: satisfied 10, basic 2, dissatisfied 1 + 1 (January): (10 + 0.6 × 2) ÷ 14 = 80.00; 14 of 16.
    assert (a.overall.valid, a.overall.called, a.overall.satisfaction) == (14, 16, Decimal("80.00"))
    # Total: satisfied 13 + 1 (B1's February), basic 4, dissatisfied 3: (14 + 2.4) ÷ 21 = 78.10; 21 of 25.
    assert (s.total.valid, s.total.called, s.total.satisfaction) == (21, 25, Decimal("78.10"))


def test_a_county_admin_sees_its_own_county_only_and_totals_are_its_own(client, org, march):
    make_person("400001", "County Admin", org.dept_a, org.post, roles={"admin": org.county_a})
    db.session.commit()
    sign_in(client, "400001")
    page = client.get("/units/statistics?month=2026-03").get_data(as_text=True)
    assert "County A1" in page and "County B1" not in page
    assert "84.62" in page and "66.67" not in page and "78.95" not in page  # the total is A1's alone
    bulletin = client.get("/units/bulletin.xlsx?month=2026-03")
    sheet = load_workbook(io.BytesIO(bulletin.data))["Units"]
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["County A1"]


@pytest.mark.parametrize("who, status", [("survey", 200), ("root_admin", 200), ("admin_a", 200), ("panel_a", 200),
                                         ("hr_a", 200), ("officer_a", 403), ("supervisor_a", 403)])
def test_who_reads_the_statistics(client, org, march, who, status):
    sign_in(client, org[who].badge)
    for path in ("/units/statistics?month=2026-03", "/units/statistics?year=2026", "/units/bulletin?month=2026-03",
                 "/units/bulletin.xlsx?month=2026-03"):
        assert client.get(path).status_code == status, path


def test_a_bad_period_is_404(client, org):
    sign_in(client, org["survey"].badge)
    for path in ("/units/statistics?month=2026-13", "/units/statistics?year=20x6", "/units/bulletin?year=2026",
                 "/units/statistics?month=2026-03&year=2026"):
        assert client.get(path).status_code == 404, path


def test_the_bulletin_shows_sample_sizes_and_no_personal_data(client, org, march):
    sign_in(client, org["survey"].badge)
    page = client.get("/units/bulletin?month=2026-03").get_data(as_text=True)
    assert "23 people were called; 19 valid samples (reply rate 82.61%); overall satisfaction 78.95." in page
    assert "Secretname" not in page and "1390000" not in page and "****" not in page
    # Counties by satisfaction: A1 (84.62, 13 valid) before B1 (66.67, 6 valid).
    assert page.index("County A1") < page.index("County B1")
    stats_page = client.get("/units/statistics?month=2026-03").get_data(as_text=True)
    assert "Secretname" not in stats_page and "1390000" not in stats_page


def test_the_bulletin_export(client, org, march):
    sign_in(client, org["survey"].badge)
    response = client.get("/units/bulletin.xlsx?month=2026-03")
    assert response.status_code == 200 and "2026-03" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Summary", "Kinds of contact", "Units"]
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert summary[0] == ("Contacts", "People called", "Reached", "Valid samples", "Reply rate (%)", "Satisfaction")
    assert summary[1] == ("All contacts", 23, 20, 19, 82.61, 78.95)  # the refusal was reached
    assert summary[2] == ("Reports to 110, 119 and 122", 14, 13, 13, 92.86, 76.92)
    kinds = {row[0]: row for row in book["Kinds of contact"].iter_rows(min_row=2, values_only=True)}
    assert kinds["Traffic administration window"] == ("Traffic administration window", 5, 5, 4, 80.0, 100.0)
    assert kinds["119 report"] == ("119 report", 0, 0, 0, None, None)
    units = list(book["Units"].iter_rows(min_row=2, values_only=True))
    assert units == [("County bureaus", 1, "CA1", "County A1", 15, 14, 13, 86.67, 84.62),
                     ("County bureaus", 2, "CB1", "County B1", 8, 6, 6, 75.0, 66.67)]
    text = " ".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row)
    assert "Secretname" not in text and "1390000" not in text


def test_bulletin_places_are_province_wide_and_ties_share_one(client, org, march):
    # County B's administrator sees only County B1, in its province-wide place: second of the counties.
    sign_in(client, org["admin_b"].badge)
    page = client.get("/units/bulletin?month=2026-03").get_data(as_text=True)
    assert "County A1" not in page
    row = page[page.index("County B1") - 120:page.index("County B1")]
    assert '<td class="num">2</td>' in row
    response = client.get("/units/bulletin.xlsx?month=2026-03")
    units = list(load_workbook(io.BytesIO(response.data))["Units"].iter_rows(min_row=2, values_only=True))
    assert [(u[1], u[2]) for u in units] == [(2, "CB1")]
    # County B1 gets the same answers as A1 (84.62): both are first, and nobody is second.
    calls(org.county_b, "window_traffic", date(2026, 3, 1), *answers(7, 0, 0))
    db.session.commit()
    from worklog.units.statistics import places
    figures = statistics(date(2026, 3, 1), False, None)
    b1 = next(u for u in figures.units if u.unit.code == "CB1")
    a1 = next(u for u in figures.units if u.unit.code == "CA1")
    assert b1.overall.satisfaction == a1.overall.satisfaction
    assert (places(figures)[a1.unit.id], places(figures)[b1.unit.id]) == (1, 1)


# --- Places: each unit's satisfaction computed once, sorted (the province has 143 peers) ----------------------------


def _pairwise_places(province) -> dict[int, int]:
    """The bulletin's first algorithm, kept as the reference: every unit compared with every peer."""
    from worklog.units.statistics import PEER_LEVELS
    result: dict[int, int] = {}
    for level in PEER_LEVELS:
        scored = [u for u in province.units if u.unit.level == level and u.overall.satisfaction is not None]
        for unit in scored:
            result[unit.unit.id] = 1 + sum(1 for other in scored
                                           if other.overall.satisfaction > unit.overall.satisfaction)
    return result


def _random_province(rng, units: int):
    """Statistics of ``units`` made-up units of every level, with few distinct answer counts so that many tie
    (and some have no valid answer at all)."""
    from types import SimpleNamespace
    from worklog.rules.public import SurveyCounts
    from worklog.units.statistics import Figures, Statistics, UnitFigures
    factor = Decimal("0.50")
    rows = []
    for unit_id in rng.sample(range(1, 10 * units), units):
        satisfied, basic, dissatisfied = rng.randint(0, 4), rng.randint(0, 3), rng.randint(0, 2)
        refused = rng.randint(0, 1)
        counts = SurveyCounts(called=satisfied + basic + dissatisfied + refused + 1,
                              reached=satisfied + basic + dissatisfied + refused, satisfied=satisfied, basic=basic,
                              dissatisfied=dissatisfied, refused=refused)
        unit = SimpleNamespace(id=unit_id, level=rng.choice(("province", "city", "county", "county")),
                               code=f"U{unit_id}", path=f"/{unit_id}/")
        rows.append(UnitFigures(unit, Figures(counts, factor)))
    empty = Figures(SurveyCounts(), factor)
    return Statistics(period=MARCH, annual=False, factor=factor, units=rows, kinds={}, groups={}, total=empty)


def test_places_are_the_pairwise_places_on_random_provinces_with_ties():
    import random
    from worklog.units.statistics import places
    rng = random.Random(20261110)
    ties = 0
    for size in [0, 1, 2, 3, 5, 8, 13] + [rng.randint(20, 160) for _ in range(40)]:
        province = _random_province(rng, size)
        expected = _pairwise_places(province)
        assert places(province) == expected
        ties += len(expected) - len(set(expected.values()))
    assert ties > 100  # the data did tie, often


def test_places_compute_each_units_satisfaction_once(monkeypatch):
    """The pairwise places recomputed two satisfactions (in fractions) for every pair of peers: 20,000 for the
    province's 129 counties and 14 cities, most of the bulletin's second."""
    import random
    from worklog.rules import public
    from worklog.units.statistics import places
    province = _random_province(random.Random(7), 150)
    computed = []
    original = public.SurveyCounts.satisfaction_with

    def counting(self, factor):
        computed.append(self)
        return original(self, factor)
    monkeypatch.setattr(public.SurveyCounts, "satisfaction_with", counting)
    places(province)
    assert len(computed) <= len(province.units)


def test_a_viewers_figures_taken_from_the_provinces_are_the_viewers_own(app, org, march):
    """The bulletin reads the calls once, for every unit's place, and takes the viewer's units from them."""
    from worklog.units.statistics import within
    province = statistics(MARCH, False, None)
    make_person("400002", "County Admin", org.dept_a, org.post, roles={"admin": org.county_a})
    db.session.commit()
    for who in ("survey", "admin_a", "admin_b", "hr_a", "panel_a"):
        assert within(province, org[who]) == statistics(MARCH, False, org[who]), who
    assert [u.unit.code for u in within(province, org["admin_b"]).units] == ["CB1"]


def test_the_statistics_and_the_bulletin_open_on_the_last_month_over(app, client, org, march):
    """On 10 April the current month has hardly a call: both pages open on March, the month last over."""
    from datetime import datetime, timezone
    app.config["FIXED_NOW"] = datetime(2026, 4, 10, 2, 0, tzinfo=timezone.utc)
    sign_in(client, org["survey"].badge)
    for path in ("/units/statistics", "/units/bulletin"):
        page = client.get(path).get_data(as_text=True)
        assert "2026-03</h1>" in page and "84.62" in page, path  # County A1's March satisfaction
    # A month asked for is shown, the current one included.
    assert "· 2026-04</h1>" in client.get("/units/statistics?month=2026-04").get_data(as_text=True)
