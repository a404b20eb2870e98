"""Demo data for assessment from above: 示范市公安局 sets its three county bureaus this year's indicators in three
dimensions, with targets that leave one county on track, one a little behind and one well behind pro rata;
东城分局 breaks its points target down to its departments and 城关派出所's down to its officers' monthly targets;
a manual indicator has values entered with their evidence.

Loaded after the demo's weeks and before its months are computed (worklog/cli/org_commands.py): the officers'
monthly targets reach those months, and a plan cannot take effect inside a final evaluation.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select

from models import Department, DepartmentTarget, IndicatorPlan, Person, Unit, UnitMonth
from worklog import demo, timekeeping
from worklog.extensions import db
from worklog.indicators import services
from worklog.indicators.queries import officers_of
from worklog.indicators.scores import year_days

CENT = Decimal("0.01")
#: How far each county's points target is above what it has done so far, pro rata: 90% → ahead, 115% and 150% →
#: behind (below 80% of what is due by now only for the last).
PACE = {"C01-D": Decimal("0.90"), "C01-X": Decimal("1.15"), "C01-N": Decimal("1.50")}


def _badge(code: str) -> Person:
    return db.session.scalar(select(Person).where(Person.badge == demo.ACCOUNTS[code]))


def load() -> dict[str, int]:
    if db.session.scalar(select(func.count()).select_from(IndicatorPlan)):
        return {"indicator plans": 0}
    today = timekeeping.today()
    year = today.year
    admin = _badge("admin")
    city = db.session.scalar(select(Unit).where(Unit.code == "C01"))
    counties = list(db.session.scalars(select(Unit).where(Unit.parent_id == city.id).order_by(Unit.code)))
    plan = services.create_plan(city, year, date(year, 1, 1), ["业务工作", "队伍建设", "执法质量"],
                                "年度绩效考核指标", admin)
    base = {"rule": "proportional", "cap": Decimal("1"), "measure_param": ""}
    points = services.save_indicator(plan, base | {"dimension": "业务工作", "name": "工作积分",
                                                   "measure": "ledger_points", "weight": Decimal("40"),
                                                   "personal": True}, admin)
    calls = services.save_indicator(plan, base | {"dimension": "业务工作", "name": "110 接警",
                                                  "measure": "fact_count", "measure_param": "jj110:接警",
                                                  "cap": Decimal("1.2"), "weight": Decimal("15")}, admin)
    training = services.save_indicator(plan, {"dimension": "队伍建设", "name": "教育训练完成率",
                                              "measure": "manual", "rule": "thresholds",
                                              "steps": "100:100, 90:85, 80:70, 60:50", "cap": Decimal("1"),
                                              "weight": Decimal("15")}, admin)
    quality = services.save_indicator(plan, {"dimension": "执法质量", "name": "督察扣分", "rule": "deductions",
                                             "measure": "inspection_deductions", "per_unit": Decimal("5"),
                                             "cap": Decimal("1"), "weight": Decimal("20")}, admin)
    rectified = services.save_indicator(plan, base | {"dimension": "执法质量", "name": "整改按期完成率",
                                                      "measure": "rectification_rate", "weight": Decimal("10")},
                                        admin)
    # Each county's points so far, and the year's target that puts it at its pace.
    done = dict(db.session.execute(select(UnitMonth.unit_id, func.sum(UnitMonth.approved_points)).where(
        UnitMonth.unit_id.in_([c.id for c in counties]), UnitMonth.month >= date(year, 1, 1))
        .group_by(UnitMonth.unit_id)).all())
    share_of_year = Decimal((today - date(year, 1, 1)).days + 1) / year_days(year)
    targets = {}
    for county in counties:
        so_far = Decimal(done.get(county.id) or 0)
        paced = so_far / share_of_year * PACE.get(county.code, Decimal("1"))
        targets[county.id] = max(Decimal("1200"), (paced / 12).to_integral_value(ROUND_DOWN) * 12)
    east = counties[0]
    station, shares, monthly = _east_breakdown(east, targets[east.id])
    targets[east.id] = sum(shares.values())
    services.set_targets(points, targets, admin)
    target = next(t for t in points.targets if t.unit_id == east.id)
    services.break_down(target, shares, admin)
    share = db.session.scalar(select(DepartmentTarget).where(DepartmentTarget.indicator_target_id == target.id,
                                                             DepartmentTarget.department_id == station.id))
    services.set_officer_targets(share, monthly, admin)
    services.set_targets(calls, {c.id: Decimal("600") for c in counties}, admin)
    services.set_targets(training, {c.id: Decimal("100") for c in counties}, admin)
    services.set_targets(quality, {c.id: Decimal("0") for c in counties}, admin)
    services.set_targets(rectified, {c.id: Decimal("100") for c in counties}, admin)
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for county, value, evidence in ((counties[0], "96", "市局政治处培训台账：应训 52 人，实训 50 人"),
                                    (counties[1], "82", "县局训练记录表（第三季度）"),
                                    (counties[2], "74", "县局训练记录表（第三季度），缺训人员名单附后")):
        if last_month.year == year:
            services.enter_value(training, county, last_month, Decimal(value), evidence, admin)
    db.session.flush()
    return {"indicator plans": 1, "indicators": 5}


def _east_breakdown(east: Unit, wanted: Decimal) -> tuple[Department, dict[int, Decimal], dict[int, Decimal]]:
    """东城分局's break-down, made to add up exactly: 城关派出所's share is twelve months of its officers' targets
    (90% of their posts'), the other departments share the rest of ``wanted`` by their size. Returns the station,
    each department's share (their sum is the county's target) and the station's officers' monthly targets."""
    departments = list(db.session.scalars(select(Department).where(Department.unit_id == east.id)
                                          .order_by(Department.code)))
    station = next(d for d in departments if d.code == "PCS1")
    today = timekeeping.today()
    officers = {d.id: officers_of(d, today) for d in departments}
    monthly = {}
    for person in officers[station.id]:
        assignment = next(a for a in reversed(person.assignments) if a.valid_from <= today)
        monthly[person.id] = (assignment.post.monthly_target_points * Decimal("0.9")).quantize(CENT)
    station_share = sum(monthly.values()) * 12
    others = [d for d in departments if d is not station]
    rest = max(wanted - station_share, Decimal("12") * len(others))
    sizes = {d.id: max(1, len(officers[d.id])) for d in others}
    total = sum(sizes.values())
    shares = {d.id: (rest * sizes[d.id] / total).quantize(CENT, ROUND_DOWN) for d in others}
    shares[others[-1].id] += rest - sum(shares.values())
    shares[station.id] = station_share
    return station, shares, monthly
