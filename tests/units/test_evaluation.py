"""Units' comprehensive evaluation: the same month under each year's weights, yellow cards at their boundary,
cards in a row, recording and sealing."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import AuditEvent
from models.survey import UnitEvaluation, UnitEvaluationRun
from tests.factories import make_person, sign_in
from tests.units.conftest import answers, calls, counties, poll, rule_set, work
from worklog import timekeeping
from worklog.errors import Conflict
from worklog.extensions import db
from worklog.units import evaluation

pytestmark = pytest.mark.postgres

D = Decimal


def seed_march(org, extra, year: int) -> None:
    """March of ``year``, the same figures every year.

    Work (approved points per officer): A1 1500 ÷ 10 = 150.00, A2 540 ÷ 4 = 135.00, B1 1000 ÷ 8 = 125.00;
    among the counties, as a share of the best (150): A1 100.00, A2 135 ÷ 150 = 90.00, B1 125 ÷ 150 = 83.33.
    Polls: A1's January round 70.00 is followed by March's 80.00 (sample 300): March counts; A2 only February's
    85.50 (sample 50); B1 March 90.00 (sample 200).
    Survey: A1 110: 6 satisfied, 2 basic, 1 dissatisfied, 1 unreachable; traffic: 4 satisfied, 1 refused →
    (10 + 1) ÷ 13 = 84.62, 13 valid of 15 called (86.67%). B1: 110 2 satisfied, 2 basic; complaints: 1 satisfied,
    1 dissatisfied, 2 unreachable → (3 + 1) ÷ 6 = 66.67, 6 of 8 (75.00%). A2: no call.
    Public (70% poll): A1 0.7 × 80 + 0.3 × 84.62 = 81.386 → 81.39; B1 0.7 × 90 + 0.3 × 66.67 = 83.001 → 83.00;
    A2 the poll alone, 85.50.
    """
    march, jan, feb = date(year, 3, 1), date(year, 1, 1), date(year, 2, 1)
    work(org.county_a, march, 10, "1500.00")
    work(extra, march, 4, "540.00")
    work(org.county_b, march, 8, "1000.00")
    poll(org.county_a, jan, "70.00", 100)
    poll(org.county_a, march, "80.00", 300)
    poll(extra, feb, "85.50", 50)
    poll(org.county_b, march, "90.00", 200)
    calls(org.county_a, "report_110", march, *answers(6, 2, 1, unreachable=1))
    calls(org.county_a, "window_traffic", march, *answers(4, refused=1))
    calls(org.county_b, "report_110", march, *answers(2, 2))
    calls(org.county_b, "complaint", march, *answers(1, 0, 1, unreachable=2))


@pytest.fixture
def three_years(org):
    """Rule sets: public weight 12% from 2024, 30% from 2025, 50% from 2026; the same March in each year."""
    from worklog.admin import services as admin
    extra = admin.create_unit(org.city_a, {"code": "CA2", "name": "County A2"}, None)
    rule_set(date(2024, 1, 1), public_weight="0.12")
    rule_set(date(2025, 1, 1), public_weight="0.30")
    rule_set(date(2026, 1, 1), public_weight="0.50")
    for year in (2024, 2025, 2026):
        seed_march(org, extra, year)
    db.session.commit()
    return extra


def _by_code(result, level):
    group = next(g for g in result.groups if g.level == level)
    return {row.unit.code: row for row in group.rated + group.unrated}


# Comprehensive = (1 − w) × normalised work + w × public:
#   w = 12%: A1 0.88 × 100 + 0.12 × 81.39 = 97.7668 → 97.77; A2 0.88 × 90 + 0.12 × 85.50 = 79.2 + 10.26 = 89.46;
#            B1 0.88 × 83.33 + 0.12 × 83.00 = 73.3304 + 9.96 = 83.2904 → 83.29
#   w = 30%: A1 70 + 24.417 → 94.42; A2 63 + 25.65 = 88.65; B1 58.331 + 24.9 = 83.231 → 83.23
#   w = 50%: A1 50 + 40.695 → 90.70 (half up); A2 45 + 42.75 = 87.75; B1 41.665 + 41.5 = 83.165 → 83.17 (half up)
# Three peers: no excellent place (floor(3 × 20%) = 0) and no yellow card (floor(3 × 10%) = 0); all ≥ 60 pass.
@pytest.mark.parametrize("year, weight, a1, a2, b1, grades", [
    (2024, "0.12", "97.77", "89.46", "83.29", ("pass", "pass", "pass")),
    (2025, "0.30", "94.42", "88.65", "83.23", ("pass", "pass", "pass")),
    (2026, "0.50", "90.70", "87.75", "83.17", ("pass", "pass", "pass")),
])
def test_the_same_month_under_each_years_weight(app, org, three_years, year, weight, a1, a2, b1, grades):
    result = evaluation.compute(date(year, 3, 1), False)
    assert result.rules.public_weight == D(weight)
    rows = _by_code(result, "county")
    a, x, b = rows["CA1"], rows["CA2"], rows["CB1"]
    assert (a.work_score, x.work_score, b.work_score) == (D("150.00"), D("135.00"), D("125.00"))
    assert (a.work_normalised, x.work_normalised, b.work_normalised) == (D("100.00"), D("90.00"), D("83.33"))
    assert (a.poll, a.poll_sample, x.poll, x.poll_sample) == (D("80.00"), 300, D("85.50"), 50)
    assert (a.survey, a.survey_valid, a.survey_called, a.reply_rate) == (D("84.62"), 13, 15, D("86.67"))
    assert (x.survey, x.survey_valid) == (None, 0)
    assert (a.public, x.public, b.public) == (D("81.39"), D("85.50"), D("83.00"))
    assert (a.comprehensive, x.comprehensive, b.comprehensive) == (D(a1), D(a2), D(b1))
    assert (a.rank, x.rank, b.rank) == (1, 2, 3)
    assert (a.public_rank, x.public_rank, b.public_rank) == (3, 1, 2)
    assert (a.grade, x.grade, b.grade) == grades
    assert not any(r.yellow_card for r in rows.values())


def test_a_city_counts_the_units_under_it(app, org, three_years):
    """City A: work (1500 + 540) ÷ (10 + 4) = 145.71, survey of A1 (and A2: none) 84.62; City B: 125.00 and
    B1's 66.67. No city poll, so the survey stands alone: comprehensive A 0.5 × 100 + 0.5 × 84.62 = 92.31,
    B (125 ÷ 145.71 = 85.787… → 85.79) 0.5 × 85.79 + 0.5 × 66.67 = 42.895 + 33.335 = 76.23."""
    rows = _by_code(evaluation.compute(date(2026, 3, 1), False), "city")
    a, b = rows["CA"], rows["CB"]
    assert (a.work_score, b.work_score) == (D("145.71"), D("125.00"))
    assert (a.survey, a.survey_valid, b.survey, b.survey_valid) == (D("84.62"), 13, D("66.67"), 6)
    assert (a.public, a.comprehensive, b.comprehensive) == (D("84.62"), D("92.31"), D("76.23"))
    assert b.work_normalised == D("85.79")
    assert any(line.rule == "public_alone" for line in a.explanation)


def test_the_year_weighs_polls_by_sample_and_averages_the_months(app, org, three_years):
    """2026: A1's rounds 70.00 × 100 + 80.00 × 300 → 31000 ÷ 400 = 77.50 (sample 400). In May A1 has 20 officers
    and 2000 points (100.00): the year's work is (150.00 + 100.00) ÷ 2 = 125.00; months without officers do
    not count."""
    work(org.county_a, date(2026, 5, 1), 20, "2000.00")
    db.session.commit()
    rows = _by_code(evaluation.compute(date(2026, 1, 1), True), "county")
    assert (rows["CA1"].poll, rows["CA1"].poll_sample) == (D("77.50"), 400)
    assert rows["CA1"].work_score == D("125.00")
    assert (rows["CA1"].survey, rows["CA1"].survey_valid) == (D("84.62"), 13)


def test_units_without_a_work_score_or_public_evaluation_are_not_rated(app, org, three_years):
    """In April only A1 has work: its March poll still counts (the latest round of the year), so it is rated,
    alone; B1 has a poll but no work, A2 neither."""
    april = date(2026, 4, 1)
    work(org.county_a, april, 10, "1000.00")
    db.session.commit()
    rows = _by_code(evaluation.compute(april, False), "county")
    assert rows["CA1"].rated and rows["CA1"].poll == D("80.00") and rows["CA1"].peers == 1
    assert (rows["CB1"].reason, rows["CB1"].rank, rows["CB1"].comprehensive) == (evaluation.NO_WORK, None, None)
    assert rows["CA2"].reason == evaluation.NO_WORK
    # In 2027 no poll carries over from 2026 and nobody was called: A1's work alone is not enough.
    work(org.county_a, date(2027, 1, 1), 10, "1000.00")
    db.session.commit()
    rows = _by_code(evaluation.compute(date(2027, 1, 1), False), "county")
    assert rows["CA1"].reason == evaluation.NO_PUBLIC and rows["CA1"].public is None


def _peers(org, n: int, polls: list[str], month: date) -> list:
    """``n`` counties under a new city. Work 200, 190, … (K1 best): normalised K1 100, K2 95, K3 90 …"""
    from worklog.admin import services as admin
    city = admin.create_unit(org.province, {"code": "CZ", "name": "City Z"}, None)
    units = counties(city, n)
    for i, (unit, score) in enumerate(zip(units, polls)):
        work(unit, month, 1, str(200 - 10 * i))
        poll(unit, date(month.year, 1, 1) if month.month > 1 else month, score, 100)
    db.session.commit()
    return units


def test_ten_peers_give_exactly_one_yellow_card_and_it_bars_excellent(app, org):
    """Ten counties K1…K10 (work 200 … 110; normalised K1 100, K2 95, K3 90, K4 85 …), polls K1 97, the
    others 99. K1 has the lowest public evaluation: floor(10 × 10%) = 1 card, K1's. Comprehensive K1
    0.5 × 100 + 0.5 × 97 = 98.50 (first), K2 47.5 + 49.5 = 97.00, K3 45 + 49.5 = 94.50, K4 42.5 + 49.5 = 92.00.
    K1 is carded, so not excellent though first; the 2 excellent places (floor(10 × 20%)) are counted among
    the others: K2 and K3 are excellent, K4 (≥ 90) is beyond the quota. CA1 and CB1, peers without work, are
    not rated."""
    march = date(2026, 3, 1)
    units = _peers(org, 10, ["97"] + ["99"] * 9, march)
    rows = _by_code(evaluation.compute(march, False), "county")
    k1, k2, k3, k4 = rows["K1"], rows["K2"], rows["K3"], rows["K4"]
    assert [r.unit.code for r in rows.values() if r.yellow_card] == ["K1"]
    assert (k1.comprehensive, k1.rank, k1.public_rank, k1.grade) == (D("98.50"), 1, 10, "pass")
    assert (k2.comprehensive, k2.rank, k2.grade) == (D("97.00"), 2, "excellent")
    assert (k3.comprehensive, k3.grade) == (D("94.50"), "excellent")
    assert (k4.comprehensive, k4.grade) == (D("92.00"), "pass")
    assert k1.peers == 10 and len(units) == 10
    assert (rows["CA1"].reason, rows["CB1"].reason) == (evaluation.NO_WORK, evaluation.NO_WORK)
    assert any(line.rule == "yellow_card" and not line.passed for line in k1.explanation)


def test_nine_peers_give_no_yellow_card(app, org):
    """floor(9 × 10%) = 0: K1 (98.50) keeps the first place and, within floor(9 × 20%) = 1 place, is
    excellent; K2 (97.00) is beyond the quota."""
    march = date(2026, 3, 1)
    _peers(org, 9, ["97"] + ["99"] * 8, march)
    rows = _by_code(evaluation.compute(march, False), "county")
    assert not any(r.yellow_card for r in rows.values())
    assert (rows["K1"].grade, rows["K2"].grade) == ("excellent", "pass")


def test_a_tie_at_the_edge_gives_no_card(app, org):
    """K1 and K2 share the lowest public evaluation (88): two units for one place, so neither is carded."""
    march = date(2026, 3, 1)
    _peers(org, 10, ["88", "88"] + ["99"] * 8, march)
    rows = _by_code(evaluation.compute(march, False), "county")
    assert not any(r.yellow_card for r in rows.values())
    assert rows["K1"].public_rank == rows["K2"].public_rank == 9


def test_two_cards_in_a_row_are_flagged_from_the_stored_months(app, org):
    """K1 is carded in February and March. February's run is stored first: March's card makes two in a row.
    Without February's stored run, March alone is not flagged. The year finds the pair among its months."""
    feb, march = date(2026, 2, 1), date(2026, 3, 1)
    units = _peers(org, 10, ["88"] + ["99"] * 9, feb)
    for i, unit in enumerate(units):
        work(unit, march, 1, str(200 - 10 * i))
    db.session.commit()
    root = org["root_admin"]
    assert not _by_code(evaluation.compute(march, False), "county")["K1"].yellow_flagged
    evaluation.record(feb, False, root)
    db.session.commit()
    rows = _by_code(evaluation.compute(march, False), "county")
    assert rows["K1"].yellow_card and rows["K1"].yellow_flagged
    assert not rows["K2"].yellow_flagged
    run = evaluation.record(march, False, root)
    db.session.commit()
    stored = {r.unit.code: r for r in run.results}
    assert stored["K1"].yellow_flagged and not stored["K5"].yellow_flagged
    feb_run = evaluation.run_for(feb, False)
    assert {r.unit.code for r in feb_run.results if r.yellow_card} == {"K1"}
    assert not any(r.yellow_flagged for r in feb_run.results)
    year = _by_code(evaluation.compute(date(2026, 1, 1), True), "county")
    assert year["K1"].yellow_flagged and not year["K2"].yellow_flagged


def test_record_stores_every_figure_and_recomputing_replaces_the_rows(app, org, three_years):
    root = org["root_admin"]
    run = evaluation.record(date(2026, 3, 1), False, root)
    db.session.commit()
    assert run.rules["public_weight"] == "0.50" and run.status == "recorded"
    a1 = next(r for r in run.results if r.unit.code == "CA1")
    assert (a1.work_score, a1.work_normalised, a1.poll, a1.poll_sample, a1.survey, a1.survey_called,
            a1.survey_valid, a1.reply_rate, a1.public, a1.comprehensive, a1.rank, a1.public_rank, a1.peers,
            a1.grade) == (D("150.00"), D("100.00"), D("80.00"), 300, D("84.62"), 15, 13, D("86.67"), D("81.39"),
                          D("90.70"), 1, 3, 3, "pass")
    rules = [line["rule"] for line in a1.explanation]
    for rule in ("unit_work", "unit_normalised", "unit_poll", "unit_survey", "unit_public", "unit_weights",
                 "unit_comprehensive", "yellow_card", "excellent_score"):
        assert rule in rules
    old_2024 = evaluation.record(date(2024, 3, 1), False, root)
    assert old_2024.rules["public_weight"] == "0.12"
    db.session.commit()
    # B1's March work is corrected: recomputing keeps the run and replaces its rows.
    from models import UnitMonth
    db.session.get(UnitMonth, (org.county_b.id, date(2026, 3, 1))).approved_points = D("1400.00")  # 175.00
    db.session.commit()
    again = evaluation.record(date(2026, 3, 1), False, root)
    db.session.commit()
    assert again.id == run.id and again.version == 2
    assert db.session.scalar(select(func.count()).select_from(UnitEvaluation)
                             .where(UnitEvaluation.run_id == run.id)) == len(again.results)
    b1 = next(r for r in again.results if r.unit.code == "CB1")
    assert (b1.work_score, b1.rank) == (D("175.00"), 1)
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("units.%"))))
    assert actions.count("units.evaluation_recorded") == 2 and actions.count("units.evaluation_recomputed") == 1


def test_a_final_run_is_sealed(client, org, three_years):
    sign_in(client, org["root_admin"].badge)
    assert client.post("/units/evaluation/record?month=2026-03").status_code == 302
    run = db.session.scalar(select(UnitEvaluationRun))
    stale = run.version
    assert client.post(f"/units/evaluation/runs/{run.id}/finalise", data={"version": "99"}).status_code == 409
    assert client.post(f"/units/evaluation/runs/{run.id}/finalise", data={"version": str(stale)}).status_code == 302
    db.session.refresh(run)
    assert run.status == "final" and run.finalised_by_id == org["root_admin"].id
    before = [(r.unit_id, r.comprehensive) for r in run.results]
    assert client.post("/units/evaluation/record?month=2026-03").status_code == 409
    assert client.post(f"/units/evaluation/runs/{run.id}/finalise",
                       data={"version": str(run.version)}).status_code == 409
    db.session.refresh(run)
    assert [(r.unit_id, r.comprehensive) for r in run.results] == before and run.status == "final"
    page = client.get("/units/evaluation?month=2026-03").get_data(as_text=True)
    assert "Final" in page and "Not recorded" not in page and "Record the evaluation" not in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "units.evaluation_finalised")) == 1


def test_a_period_not_over_is_refused_with_a_message(client, org):
    sign_in(client, org["root_admin"].badge)
    this_month = timekeeping.today().strftime("%Y-%m")
    for query in ("year=2099", f"month={this_month}", f"year={timekeeping.today().year}"):
        response = client.post(f"/units/evaluation/record?{query}")
        assert response.status_code == 422, query
        assert "not over yet" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(UnitEvaluationRun)) == 0
    # The page offers to record a month that is over, and only a preview of this one.
    assert "Record the evaluation" not in client.get(f"/units/evaluation?month={this_month}").get_data(as_text=True)
    assert "Record the evaluation" in client.get("/units/evaluation?month=2026-03").get_data(as_text=True)


def test_a_month_counted_by_a_final_later_run_is_not_computed_again(app, org, three_years):
    root = org["root_admin"]
    evaluation.record(date(2026, 3, 1), False, root)
    april = evaluation.record(date(2026, 4, 1), False, root)
    evaluation.finalise(april, root)
    db.session.commit()
    with pytest.raises(Conflict):
        evaluation.record(date(2026, 3, 1), False, root)
    evaluation.record(date(2026, 5, 1), False, root)  # a month with no final month after it


def test_a_recomputation_records_what_changed_for_each_unit(app, org, three_years):
    from models import UnitMonth
    root = org["root_admin"]
    evaluation.record(date(2026, 3, 1), False, root)
    db.session.get(UnitMonth, (org.county_b.id, date(2026, 3, 1))).approved_points = D("1400.00")
    db.session.commit()
    evaluation.record(date(2026, 3, 1), False, root)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "units.evaluation_recomputed"))
    changed = event.after["changed"]
    # B1 moves from third place (83.17) to first; A1 and A2 each move down one place.
    assert changed[str(org.county_b.id)]["before"][:2] == [3, "pass"]
    assert changed[str(org.county_b.id)]["after"][0] == 1
    assert {str(org.county_a.id), str(org.county_b.id), str(three_years.id)} <= set(changed)
    # City B counts county B's work too, so its score changed with it.
    assert str(org.city_b.id) in changed


def test_the_page_previews_until_recorded_and_shows_the_figures(client, org, three_years):
    sign_in(client, org["survey"].badge)
    page = client.get("/units/evaluation?month=2026-03").get_data(as_text=True)
    assert "Not recorded" in page and "Record the evaluation" not in page  # survey staff do not record
    assert "90.70" in page and "84.62 (13, 86.67)" in page and "80.00 (300)" in page
    assert "Rank" not in page
    explanation = client.get(f"/units/evaluation/{org.county_a.id}?month=2026-03").get_data(as_text=True)
    assert "81.39" in explanation and "Yellow card" in explanation
    assert client.get(f"/units/evaluation/{org.province.id}?month=2026-03").status_code == 404


def test_permissions_of_the_evaluation(client, org, three_years, new_client):
    make_person("400001", "County Admin", org.dept_a, org.post, roles={"admin": org.county_a})
    db.session.commit()
    sign_in(client, "400001")
    page = client.get("/units/evaluation?month=2026-03").get_data(as_text=True)
    assert "County A1" in page and "County B1" not in page and "County A2" not in page
    assert "1 / 3" in page  # the place is still among all three peers
    assert client.get(f"/units/evaluation/{org.county_b.id}?month=2026-03").status_code == 404
    sheet = load_workbook(io.BytesIO(client.get("/units/evaluation.xlsx?month=2026-03").data)).active
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["CA1"]
    assert client.post("/units/evaluation/record?month=2026-03").status_code == 403
    other = new_client()
    sign_in(other, org["admin_a"].badge)  # a city's admin is not the province's
    assert other.post("/units/evaluation/record?month=2026-03").status_code == 403
    officer = new_client()
    sign_in(officer, org["officer_a"].badge)
    for path in ("/units/evaluation?month=2026-03", "/units/evaluation.xlsx?month=2026-03",
                 f"/units/evaluation/{org.county_a.id}?month=2026-03", "/units/polls"):
        assert officer.get(path).status_code == 403, path
    assert db.session.scalar(select(func.count()).select_from(UnitEvaluationRun)) == 0


def test_the_evaluation_export(client, org, three_years):
    sign_in(client, org["root_admin"].badge)
    response = client.get("/units/evaluation.xlsx?year=2026")
    assert response.status_code == 200
    response = client.get("/units/evaluation.xlsx?month=2026-03")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = {row[2]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["CA1"][:4] == ("County bureaus", 1, "CA1", "County A1")
    assert rows["CA1"][4:16] == (150.0, 100.0, 80.0, 300, 84.62, 15, 13, 86.67, 81.39, 3, 90.7, "Pass")
    assert rows["CA"][14] == 92.31
