"""Indicators set from above at the province's size (issue 14).

The province sets its cities, and every city its counties, one indicator of each measure (approved ledger points,
the points of one task category, work facts of one type, inspection deductions, satisfaction, the rectification
rate, a value entered by hand), with a target for every unit; the rows are written for the run and removed after it.

- ``indicators_values_<db>``: every measure's value for every peer unit (the cities and counties with the units
  under them) from 1 January to the end of the month of work, as the units' evaluation of the year reads them
  (``worklog.indicators.queries.unit_values``). The floor runs the same aggregates written by hand in SQL over
  the same rows (the rectification rate as the rectification ledger counts it: two statements), on the same
  connection, taking turns.
- ``evaluation_month_indicators_<db>``: the units' evaluation of the month of work with its work scores from the
  indicators (``worklog.units.evaluation.compute``: plans, measures, the survey, the polls, places and grades for
  143 units). The floor is the hand-written SQL of its inputs: the seven measures for the month, the units' ledger
  roll-up, the survey's counts and the polls.
- ``progress_county_<db>``: a county's progress page's figures (``worklog.indicators.progress.progress``: the year
  so far, each month's trend, the departments). The floor is the hand-written measures for the county over the
  year and over each month so far.

Printed: ``name seconds floor_seconds ratio s min=… max=… runs=…``.
"""
from __future__ import annotations

import calendar
import time
from datetime import date
from decimal import Decimal

from sqlalchemy import text

from bench.data import Cast, Settings
from bench.figures import info, timings

SOURCE, FACT_TYPE = "bench-feed", "call"


def _setup(app, cast: Cast) -> dict:
    """Plans, indicators and targets for every city and county; a manual value per county. Returns what the
    floors need."""
    from sqlalchemy import select
    from models import (Indicator, IndicatorPlan, IndicatorTarget, IndicatorValue, TaskCategory, Unit)
    from worklog.extensions import db
    with app.app_context():
        year = cast.month.year
        category = db.session.scalar(select(TaskCategory.id).order_by(TaskCategory.id))
        units = list(db.session.scalars(select(Unit).where(Unit.active.is_(True))))
        children: dict[int, list[Unit]] = {}
        for unit in units:
            if unit.parent_id is not None:
                children.setdefault(unit.parent_id, []).append(unit)
        measures = [("ledger_points", "", "proportional", {}), ("ledger_points", str(category), "proportional", {}),
                    ("fact_count", f"{SOURCE}:{FACT_TYPE}", "proportional", {}),
                    ("inspection_deductions", "", "deductions", {"per_unit": "2"}),
                    ("satisfaction", "", "thresholds", {"steps": [["1", "100"], ["0.9", "80"]]}),
                    ("rectification_rate", "", "proportional", {}), ("manual", "", "proportional", {})]
        keys = {}
        for parent_id, under in children.items():
            plan = IndicatorPlan(unit_id=parent_id, year=year, valid_from=date(year, 1, 1),
                                 dimensions=["业务工作", "执法质量"], note="bench")
            db.session.add(plan)
            db.session.flush()
            for position, (measure, param, rule, params) in enumerate(measures, start=1):
                indicator = Indicator(plan_id=plan.id, position=position, key=f"bench{parent_id}-{position}",
                                      dimension="业务工作", name=measure, measure=measure, measure_param=param,
                                      rule=rule, cap=Decimal("1"), params=params, weight=Decimal("10"))
                db.session.add(indicator)
                db.session.flush()
                keys.setdefault(measure, []).append(indicator.key)
                for unit in under:
                    db.session.add(IndicatorTarget(indicator_id=indicator.id, unit_id=unit.id,
                                                   target=Decimal("90") if measure in ("satisfaction",
                                                                                       "rectification_rate")
                                                   else Decimal("100000")))
                    if measure == "manual":
                        db.session.add(IndicatorValue(indicator_key=indicator.key, plan_unit_id=parent_id,
                                                      unit_id=unit.id, month=cast.month, value=Decimal("95"),
                                                      evidence="bench"))
        db.session.commit()
        peers = [u.id for u in units if u.level in ("city", "county")]
        return {"category": category, "peers": peers, "manual_keys": keys["manual"], "year": year}


def _teardown(url: str) -> None:
    from sqlalchemy import create_engine
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM indicator_value WHERE evidence = 'bench'"))
        conn.execute(text("DELETE FROM indicator_plan WHERE note = 'bench'"))
    engine.dispose()


def _floor_sql(pg: bool) -> list[str]:
    """The seven measures over the peers with the units under them, by hand."""
    ids = "h.id = ANY(:ids)" if pg else "h.id IN (SELECT value FROM json_each(:ids))"
    tree = "FROM unit h JOIN unit m ON m.path LIKE h.path || '%%' "
    return [
        f"SELECT h.id, sum(x.approved_points) {tree}JOIN unit_month x ON x.unit_id = m.id "
        f"WHERE {ids} AND x.month BETWEEN :first AND :last GROUP BY h.id",
        f"SELECT h.id, sum(x.approved_points) {tree}JOIN department d ON d.unit_id = m.id "
        f"JOIN department_month_category x ON x.department_id = d.id "
        f"WHERE {ids} AND x.month BETWEEN :first AND :last AND x.category_id = :category GROUP BY h.id",
        f"SELECT h.id, count(e.id) {tree}JOIN entry e ON e.unit_id = m.id JOIN work_fact f ON f.id = e.fact_id "
        f"WHERE {ids} AND e.work_date BETWEEN :first AND :last AND e.fact_id IS NOT NULL "
        f"AND f.source = :source AND f.fact_type = :fact_type GROUP BY h.id",
        f"SELECT h.id, sum(f.points) {tree}JOIN finding f ON f.unit_id = m.id "
        f"WHERE {ids} AND f.found_on BETWEEN :first AND :last AND f.voided_at IS NULL GROUP BY h.id",
        f"SELECT h.id, c.outcome, count(c.id) {tree}JOIN survey_draw d ON d.unit_id = m.id "
        f"JOIN survey_call c ON c.draw_id = d.id WHERE {ids} AND d.month BETWEEN :first AND :last "
        f"AND c.outcome IS NOT NULL GROUP BY h.id, c.outcome",
        f"SELECT h.id, f.category, count(*), coalesce(sum(f.points), 0) {tree}JOIN finding f ON f.unit_id = m.id "
        f"WHERE {ids} AND f.found_on BETWEEN :first AND :last AND f.voided_at IS NULL GROUP BY h.id, f.category",
        f"SELECT h.id, f.category, count(*) FILTER (WHERE r.status = 'accepted' AND r.on_time), "
        f"count(*) FILTER (WHERE r.status = 'accepted' AND r.on_time IS NOT TRUE), "
        f"count(*) FILTER (WHERE r.status <> 'accepted' AND r.deadline < :today), "
        f"count(*) FILTER (WHERE r.status <> 'accepted' AND r.deadline < :today AND r.escalated_at IS NOT NULL), "
        f"count(*) FILTER (WHERE r.status <> 'accepted' AND r.deadline >= :today) "
        f"FROM rectification r JOIN finding f ON f.id = r.finding_id JOIN unit m ON m.id = f.unit_id "
        f"JOIN unit h ON m.path LIKE h.path || '%%' "
        f"WHERE {ids} AND r.deadline BETWEEN :first AND :last AND f.voided_at IS NULL GROUP BY h.id, f.category",
        "SELECT v.indicator_key, v.plan_unit_id, v.unit_id, v.value FROM indicator_value v "
        + ("WHERE v.indicator_key = ANY(:keys) AND v.unit_id = ANY(:ids) " if pg else
           "WHERE v.indicator_key IN (SELECT value FROM json_each(:keys)) "
           "AND v.unit_id IN (SELECT value FROM json_each(:ids)) ")
        + "AND v.month BETWEEN :first AND :last ORDER BY v.month",
    ]


def _run_floor(conn, statements: list[str], params: dict) -> None:
    for statement in statements:
        conn.execute(text(statement), params).all()


def run(settings: Settings, cast: Cast, url: str, app) -> None:
    import json
    from sqlalchemy import select
    from models import Unit
    from worklog.extensions import db
    from worklog.indicators.progress import progress
    from worklog.indicators.queries import unit_values
    from worklog.rulesets.queries import values_on
    from worklog.units import evaluation
    pg = settings.kind == "pg"
    info("indicators: plans for every city and county …")
    made = _setup(app, cast)
    try:
        year, first = made["year"], date(made["year"], 1, 1)
        last = cast.month_last
        measures = {("ledger_points", ""), ("ledger_points", str(made["category"])),
                    ("fact_count", f"{SOURCE}:{FACT_TYPE}"), ("inspection_deductions", ""), ("satisfaction", ""),
                    ("rectification_rate", "")}
        statements = _floor_sql(pg)

        def params(ids, first_day, last_day):
            return {"ids": ids if pg else json.dumps(ids), "first": first_day, "last": last_day, "today": cast.today,
                    "category": made["category"], "source": SOURCE, "fact_type": FACT_TYPE,
                    "keys": made["manual_keys"] if pg else json.dumps(made["manual_keys"])}

        with app.app_context():
            units = list(db.session.scalars(select(Unit).where(Unit.id.in_(made["peers"]))))
            rules = values_on(first)
            manual = set()
            for key in made["manual_keys"]:
                manual.add((key, int(key.removeprefix("bench").split("-")[0])))
            product, floor = [], []
            for _ in range(settings.repeats):
                started = time.perf_counter()
                found = unit_values(units, measures, first, last, rules, manual)
                product.append(time.perf_counter() - started)
                db.session.rollback()
                conn = db.session.connection()
                started = time.perf_counter()
                _run_floor(conn, statements, params(made["peers"], first, last))
                floor.append(time.perf_counter() - started)
                db.session.rollback()
            timings(f"indicators_values_{settings.kind}", product, floor, "s", units=len(units),
                    values=len(found), months=last.month)

            product, floor = [], []
            for _ in range(settings.repeats):
                started = time.perf_counter()
                result = evaluation.compute(cast.month, False)
                product.append(time.perf_counter() - started)
                db.session.rollback()
                conn = db.session.connection()
                started = time.perf_counter()
                _run_floor(conn, statements, params(made["peers"], cast.month, last))
                conn.execute(text("SELECT unit_id, month, officers, approved_points FROM unit_month "
                                  "WHERE month = :m"), {"m": cast.month}).all()
                conn.execute(text("SELECT unit_id, round_month, score, sample_size FROM opinion_poll "
                                  "WHERE round_month BETWEEN :first AND :m"), {"first": first, "m": cast.month}).all()
                floor.append(time.perf_counter() - started)
                db.session.rollback()
            by_indicators = sum(1 for row in result.rows() if any(c.rule == "unit_indicator"
                                                                  for c in row.explanation))
            timings(f"evaluation_month_indicators_{settings.kind}", product, floor, "s", units=len(result.rows()),
                    on_indicators=by_indicators)

            county = db.session.get(Unit, cast.county.id)
            months = [date(year, m, 1) for m in range(1, last.month + 1)]
            product, floor = [], []
            for _ in range(settings.repeats):
                started = time.perf_counter()
                shown = progress(county, year)
                product.append(time.perf_counter() - started)
                db.session.rollback()
                conn = db.session.connection()
                started = time.perf_counter()
                _run_floor(conn, statements, params([county.id], first, cast.today))
                for month in months:
                    month_last = month.replace(day=calendar.monthrange(month.year, month.month)[1])
                    _run_floor(conn, statements, params([county.id], month, min(month_last, cast.today)))
                floor.append(time.perf_counter() - started)
                db.session.rollback()
            timings(f"progress_county_{settings.kind}", product, floor, "s", lines=len(shown.lines),
                    months=len(months))
    finally:
        _teardown(url)
