"""Indicators set from above: plans and their versions, the unit's work score from its indicators (worked out by
hand), a finding's deduction reaching the unit's evaluation, break-downs that must add up, officers' monthly
targets reaching their month, and a past year that reproduces."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import AuditEvent, DepartmentTarget, Finding, IndicatorTarget, MonthResult, OfficerTarget
from tests.factories import make_person, sign_in
from tests.units.conftest import poll, rule_set, work
from worklog.admin import services as admin
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.indicators import services
from worklog.indicators.queries import monthly_targets, plan_in_force
from worklog.units import evaluation

pytestmark = pytest.mark.postgres

D = Decimal
APRIL = datetime(2026, 4, 10, 2, 0, tzinfo=timezone.utc)
MARCH = date(2026, 3, 1)


@pytest.fixture
def county_a2(app, org):
    app.config["FIXED_NOW"] = APRIL
    unit = admin.create_unit(org.city_a, {"code": "CA2", "name": "County A2"}, None)
    db.session.commit()
    return unit


def _plan(org, actor=None, valid_from=date(2026, 1, 1)):
    return services.create_plan(org.city_a, 2026, valid_from, ["业务工作", "执法质量"], "", actor or org["admin_a"])


def _indicator(plan, actor, **data):
    fields = {"dimension": "业务工作", "name": "积分", "measure": "ledger_points", "measure_param": "",
              "rule": "proportional", "cap": D("1"), "weight": D("60")} | data
    return services.save_indicator(plan, fields, actor)


def seed(org, a2, finding: bool = True):
    """City A sets its counties two indicators for 2026:

    - 积分 (业务工作, weight 60): approved ledger points, proportional, cap 100%; targets A1 3650, A2 7300. In
      March (31 of 365 days) A1 is due 3650 × 31 ÷ 365 = 310.00 and has 279.00: 100 × 279 ÷ 310 = 90.00;
      A2 is due 620.00 and has 700.00: capped at 100.00.
    - 执法质量 (weight 40): inspection deductions, 5 points off per point deducted; target 0. A1 has one finding
      of 2.00 points in March: 100 − 5 × 2 = 90.00; A2 none: 100.00.

    A1: (60 × 90 + 40 × 90) ÷ 100 = 90.00; A2: (60 × 100 + 40 × 100) ÷ 100 = 100.00. County B1 (City B has no
    plan) keeps approved points per officer: 1000 ÷ 10 = 100.00, the best of the peers scored on points → 100.00.
    Polls alone make the public evaluation: A1 80.00, A2 90.00, B1 70.00.
    Comprehensive (50%): A1 0.5 × 90 + 0.5 × 80 = 85.00; A2 0.5 × 100 + 0.5 × 90 = 95.00; B1 50 + 35 = 85.00."""
    actor = org["admin_a"]
    plan = _plan(org)
    points = _indicator(plan, actor)
    quality = _indicator(plan, actor, dimension="执法质量", name="执法质量", measure="inspection_deductions",
                         rule="deductions", per_unit=D("5"), weight=D("40"))
    services.set_targets(points, {org.county_a.id: D("3650"), a2.id: D("7300")}, actor)
    services.set_targets(quality, {org.county_a.id: D("0"), a2.id: D("0")}, actor)
    work(org.county_a, MARCH, 3, "279.00")
    work(a2, MARCH, 5, "700.00")
    work(org.county_b, MARCH, 10, "1000.00")
    for unit, score in ((org.county_a, "80.00"), (a2, "90.00"), (org.county_b, "70.00")):
        poll(unit, MARCH, score, 100)
    if finding:
        officer = org["officer_a"]
        db.session.add(Finding(target="officer", unit_id=org.county_a.id, department_id=org.dept_a.id,
                               person_id=officer.id, found_on=date(2026, 3, 10), category="enforcement",
                               description="笔录不规范", points=D("2.00"), source="inspection"))
    db.session.commit()
    return plan, points, quality


def _rows(result):
    group = next(g for g in result.groups if g.level == "county")
    return {row.unit.code: row for row in group.rated + group.unrated}


def test_a_units_work_score_comes_from_its_indicators(app, org, county_a2):
    seed(org, county_a2)
    rows = _rows(evaluation.compute(MARCH, False))
    a1, a2, b1 = rows["CA1"], rows["CA2"], rows["CB1"]
    assert (a1.work_score, a2.work_score, b1.work_score) == (D("90.00"), D("100.00"), D("100.00"))
    assert (a1.work_normalised, a2.work_normalised, b1.work_normalised) == (D("90.00"), D("100.00"), D("100.00"))
    assert (a1.comprehensive, a2.comprehensive, b1.comprehensive) == (D("85.00"), D("95.00"), D("85.00"))
    assert (a2.rank, a1.rank, b1.rank) == (1, 2, 2)
    lines = [line for line in a1.explanation if line.rule == "unit_indicator"]
    assert [line.value["args"]["due"] for line in lines] == ["310.00", "0.00"]
    assert [line.value["args"]["value"] for line in lines] == ["279.00", "2.00"]
    assert lines[0].threshold["code"] == "indicator.proportional" and lines[0].threshold["args"]["score"] == "90.00"
    assert lines[1].threshold["args"]["score"] == "90.00"
    work_line = next(line for line in a1.explanation if line.rule == "unit_work")
    assert work_line.threshold["code"] == "unit.work_indicators" and work_line.value == "90.00"
    b1_work = next(line for line in b1.explanation if line.rule == "unit_work")
    assert b1_work.threshold["code"] == "unit.work_no_indicators"


def test_a_findings_deduction_reaches_the_units_evaluation(app, org, county_a2):
    """Without the finding A1's quality indicator scores 100: (60 × 90 + 40 × 100) ÷ 100 = 94.00, comprehensive
    0.5 × 94 + 0.5 × 80 = 87.00. The finding (2.00 points) takes it to 90.00 and 85.00; voided, back to 87.00."""
    seed(org, county_a2, finding=False)
    before = _rows(evaluation.compute(MARCH, False))["CA1"]
    assert (before.work_score, before.comprehensive) == (D("94.00"), D("87.00"))
    finding = Finding(target="officer", unit_id=org.county_a.id, department_id=org.dept_a.id,
                      person_id=org["officer_a"].id, found_on=date(2026, 3, 10), category="enforcement",
                      description="笔录不规范", points=D("2.00"), source="inspection")
    db.session.add(finding)
    db.session.commit()
    after = _rows(evaluation.compute(MARCH, False))["CA1"]
    assert (after.work_score, after.comprehensive) == (D("90.00"), D("85.00"))
    finding.voided_at, finding.void_reason = APRIL, "查无实据"
    db.session.commit()
    assert _rows(evaluation.compute(MARCH, False))["CA1"].comprehensive == D("87.00")


def test_a_year_on_points_keeps_them_though_indicators_exist(app, org, county_a2):
    """The year's rule set says points: the plan is ignored, A1 and A2 are scored on approved points per
    officer (279 ÷ 3 = 93.00, 700 ÷ 5 = 140.00, B1 100.00; best 140)."""
    rule_set(date(2026, 1, 1), unit_work_basis="points")
    seed(org, county_a2)
    rows = _rows(evaluation.compute(MARCH, False))
    assert (rows["CA1"].work_score, rows["CA2"].work_score) == (D("93.00"), D("140.00"))
    assert rows["CA1"].work_normalised == D("66.43")   # 93 ÷ 140 × 100 = 66.428…
    assert not any(line.rule == "unit_indicator" for line in rows["CA1"].explanation)


def test_a_past_year_reproduces_unchanged(app, org, county_a2):
    """2025 was scored on points (its rule set, stored before indicators, says so). Its March is recorded and
    sealed; then City A sets indicators for 2025 and 2026. March 2025 computes as it was recorded, and no version
    can take effect on a day its final evaluation covers."""
    rule_set(date(2025, 1, 1), unit_work_basis="points")
    march_2025 = date(2025, 3, 1)
    work(org.county_a, march_2025, 3, "279.00")
    work(county_a2, march_2025, 5, "700.00")
    work(org.county_b, march_2025, 10, "1000.00")
    for unit, score in ((org.county_a, "80.00"), (county_a2, "90.00"), (org.county_b, "70.00")):
        poll(unit, march_2025, score, 100)
    db.session.commit()
    root = org["root_admin"]
    run = evaluation.record(march_2025, False, root)
    evaluation.finalise(run, root)
    db.session.commit()
    stored = {r.unit.code: (r.work_score, r.comprehensive, r.rank, r.grade, r.explanation) for r in run.results}

    with pytest.raises(ServiceError, match="2025-03") as sealed:
        services.create_plan(org.city_a, 2025, date(2025, 1, 1), ["业务工作"], "", org["admin_a"])
    assert sealed.value.field == "valid_from"
    db.session.rollback()
    late = services.create_plan(org.city_a, 2025, date(2025, 12, 1), ["业务工作"], "", org["admin_a"])
    indicator = _indicator(late, org["admin_a"])
    services.set_targets(indicator, {org.county_a.id: D("100")}, org["admin_a"])
    seed(org, county_a2)
    again = evaluation.compute(march_2025, False)
    for row in again.rows():
        if row.unit.code in stored:
            assert (row.work_score, row.comprehensive, row.rank, row.grade,
                    evaluation.explanation_json(row.explanation)) == stored[row.unit.code]


def test_versions_take_effect_by_date_and_copy_the_one_before(app, org, county_a2):
    plan, points, _quality = seed(org, county_a2)
    actor = org["admin_a"]
    later = services.create_plan(org.city_a, 2026, date(2026, 7, 1), ["业务工作"], "下半年", actor)
    assert [i.name for i in later.indicators] == ["积分", "执法质量"]
    assert later.dimensions == ["业务工作", "执法质量"]
    copied = next(i for i in later.indicators if i.name == "积分")
    assert copied.key == points.key and {t.unit_id: t.target for t in copied.targets}[org.county_a.id] == D("3650")
    assert plan_in_force(org.city_a.id, 2026, date(2026, 6, 30)).id == plan.id
    assert plan_in_force(org.city_a.id, 2026, date(2026, 7, 1)).id == later.id
    with pytest.raises(ServiceError) as twice:
        services.create_plan(org.city_a, 2026, date(2026, 7, 1), ["业务工作"], "", actor)
    assert twice.value.field == "valid_from"
    db.session.rollback()
    with pytest.raises(ServiceError):
        services.create_plan(org.city_a, 2026, date(2027, 1, 1), ["业务工作"], "", actor)


def test_only_the_administrators_above_set_indicators(app, org, county_a2):
    with pytest.raises(ServiceError):
        _plan(org, org["admin_b"])
    db.session.rollback()
    with pytest.raises(ServiceError):
        services.create_plan(org.county_a, 2026, date(2026, 1, 1), ["业务工作"], "", org["root_admin"])
    db.session.rollback()
    plan = _plan(org)
    with pytest.raises(ServiceError):
        services.set_targets(_indicator(plan, org["admin_a"]), {org.county_b.id: D("1")}, org["admin_a"])


def test_bad_indicators_are_refused(app, org, county_a2):
    plan = _plan(org)
    actor = org["admin_a"]
    for bad, field in [({"dimension": "队伍建设"}, "dimension"), ({"name": "  "}, "name"),
                       ({"measure": "mood"}, "measure"), ({"measure": "fact_count", "measure_param": "jj110"},
                                                          "measure_param"),
                       ({"rule": "thresholds", "steps": "all of it"}, "steps"), ({"weight": D("0")}, "weight"),
                       ({"cap": D("0.5")}, "cap"), ({"personal": True, "measure": "manual"}, "personal")]:
        with pytest.raises(ServiceError) as error:
            _indicator(plan, actor, **bad)
        assert error.value.field == field, bad
    steps = _indicator(plan, actor, rule="thresholds", steps="90:80，100：100, 95=90")
    assert steps.params == {"steps": [["1", "100"], ["0.95", "90"], ["0.9", "80"]]}


def _department(org, code: str):
    return admin.create_department(org.county_a, {"code": code, "name": f"Department {code}"}, None)


def test_a_breakdown_that_does_not_add_up_is_refused(app, org, county_a2):
    """A1's 积分 target 3650 to its departments: 2000 + 1000 = 3000 is refused and nothing is kept; 2000.04 +
    1649.96 is saved. The first department's 2000.04 to its officers' monthly targets: 12 × (100 + 66.66) =
    1999.92 is refused; 12 × (100 + 66.67) = 2000.04 is saved."""
    plan, points, _quality = seed(org, county_a2)
    # The personal flag: only an indicator of all ledger points becomes officers' workload targets.
    services.save_indicator(plan, {"dimension": "业务工作", "name": "积分", "measure": "ledger_points",
                                   "measure_param": "", "rule": "proportional", "cap": D("1"), "weight": D("60"),
                                   "personal": True}, org["admin_a"], points)
    target = db.session.scalar(select(IndicatorTarget).where(IndicatorTarget.indicator_id == points.id,
                                                             IndicatorTarget.unit_id == org.county_a.id))
    county_admin = make_person("100010", "County admin", org.dept_a, org.post, roles={"admin": org.county_a})
    other = _department(org, "XJ")
    db.session.commit()
    with pytest.raises(ServiceError, match="3000.00.*3650") as error:
        services.break_down(target, {org.dept_a.id: D("2000"), other.id: D("1000")}, county_admin)
    assert "-650" in error.value.message
    db.session.rollback()
    assert db.session.scalar(select(DepartmentTarget.id)) is None
    with pytest.raises(ServiceError):
        services.break_down(target, {org.dept_a.id: D("2000"), other.id: D("1650")}, org["admin_b"])
    db.session.rollback()
    services.break_down(target, {org.dept_a.id: D("2000.04"), other.id: D("1649.96")}, county_admin)
    db.session.commit()
    share = db.session.scalar(select(DepartmentTarget).where(DepartmentTarget.department_id == org.dept_a.id))
    officers = [org["supervisor_a"], org["officer_a"]]
    with pytest.raises(ServiceError, match="1999.92"):
        services.set_officer_targets(share, {officers[0].id: D("100"), officers[1].id: D("66.66")}, county_admin)
    db.session.rollback()
    with pytest.raises(ServiceError):
        services.set_officer_targets(share, {org["officer_b"].id: D("166.67")}, county_admin)
    db.session.rollback()
    services.set_officer_targets(share, {officers[0].id: D("100"), officers[1].id: D("66.67")}, county_admin)
    db.session.commit()
    assert {o.person_id: o.monthly_target for o in db.session.scalars(select(OfficerTarget))} == \
        {officers[0].id: D("100.00"), officers[1].id: D("66.67")}
    assert monthly_targets([o.id for o in officers] + [org["panel_a"].id], MARCH) == \
        {officers[0].id: D("100.00"), officers[1].id: D("66.67")}
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("indicators.%"))))
    assert {"indicators.plan_created", "indicators.indicator_added", "indicators.targets_set",
            "indicators.broken_down", "indicators.officer_targets_set"} <= actions


def test_the_parts_include_the_targets_a_unit_set_the_units_under_it(app, org, county_a2):
    """The province sets City A 积分 10000. City A set its counties 3650 + 7300 = 10950 in its own plan, so its
    departments can take no more: the parts already make 10950, 950 over the whole."""
    seed(org, county_a2)
    root = org["root_admin"]
    province = services.create_plan(org.province, 2026, date(2026, 1, 1), ["业务工作"], "", root)
    points = _indicator(province, root)
    services.set_targets(points, {org.city_a.id: D("10000")}, root)
    target = points.targets[0]
    city_department = admin.create_department(org.city_a, {"code": "ZZ", "name": "政治处"}, None)
    with pytest.raises(ServiceError, match="10950.00.*10000"):
        services.break_down(target, {city_department.id: D("0")}, org["admin_a"])


def test_an_officers_monthly_target_replaces_the_posts_in_the_month(app, client, org, county_a2):
    """Officer A's post asks 400 a month; the break-down gives 300 (12 × 300 = 3600, the department's share):
    March computes the workload against it. The supervisor, given none, keeps the post's 400."""
    from worklog.monthly import services as monthly
    plan, points, _q = seed(org, county_a2)
    services.save_indicator(plan, {"dimension": "业务工作", "name": "积分", "measure": "ledger_points",
                                   "measure_param": "", "rule": "proportional", "cap": D("1"), "weight": D("60"),
                                   "personal": True}, org["admin_a"], points)
    target = next(t for t in points.targets if t.unit_id == org.county_a.id)
    other = _department(org, "XJ")
    services.break_down(target, {org.dept_a.id: D("3600"), other.id: D("50")}, org["admin_a"])
    share = db.session.scalar(select(DepartmentTarget).where(DepartmentTarget.department_id == org.dept_a.id))
    services.set_officer_targets(share, {org["officer_a"].id: D("300")}, org["admin_a"])
    db.session.commit()
    review = monthly.open_month(org.county_a, MARCH, org["panel_a"])
    monthly.compute(review, org["panel_a"])
    db.session.commit()
    results = {r.person_id: r for r in db.session.scalars(select(MonthResult))}
    assert results[org["officer_a"].id].target_points == D("300.00")
    assert results[org["officer_a"].id].explanation["target"] == "breakdown"
    sign_in(client, org["panel_a"].badge)
    page = client.get(f"/month/results/{results[org['officer_a'].id].id}")
    assert page.status_code == 200 and "break-down of its indicators" in page.text
    assert results[org["supervisor_a"].id].target_points == D("400.00")
    assert results[org["supervisor_a"].id].explanation["target"] == "post"
