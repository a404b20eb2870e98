"""Reading indicators: plan versions, targets, and each measure's value for units and departments over a period.

A measure's value for a unit counts the unit together with the units under it (as the work score and the survey
do); for a department, the department alone. Each measure is read with one aggregate query for any number of
units (or departments), from the roll-up tables where there is one; a manual value is the latest month's value
the assessing unit entered in the period (a level, such as a completion rate, not a count).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from models import (Assignment, Department, DepartmentMonth, DepartmentMonthCategory, DepartmentTarget, Entry,
                    Indicator, IndicatorPlan, IndicatorTarget, IndicatorValue, Measure, OfficerTarget, Person, Unit,
                    UnitMonth, WorkFact)
from models.inspection import Finding
from worklog import timekeeping
from worklog.extensions import db
from worklog.rules.indicators import DEDUCTIONS, THRESHOLDS, Scoring
from worklog.rules.inspection import rectification_rate
from worklog.rules.ruleset import RuleValues


#: (measure, parameter): what a value is read by; a manual indicator adds its key and the plan's unit.
MeasureKey = tuple[str, str]


# --- Plans -------------------------------------------------------------------------------------------------------


def child_units(unit: Unit) -> list[Unit]:
    """The active units directly under ``unit``: those its plan sets indicators for."""
    return list(db.session.scalars(select(Unit).where(Unit.parent_id == unit.id, Unit.active.is_(True))
                                   .order_by(Unit.path)))


def plan_versions(unit_id: int, year: int) -> list[IndicatorPlan]:
    return list(db.session.scalars(select(IndicatorPlan).where(IndicatorPlan.unit_id == unit_id,
                                                               IndicatorPlan.year == year)
                                   .order_by(IndicatorPlan.valid_from)))


def plan_in_force(unit_id: int, year: int, day: date) -> IndicatorPlan | None:
    """The version of ``unit_id``'s plan for ``year`` in force on ``day``: the newest that took effect by then."""
    return db.session.scalar(select(IndicatorPlan).where(
        IndicatorPlan.unit_id == unit_id, IndicatorPlan.year == year, IndicatorPlan.valid_from <= day)
        .order_by(IndicatorPlan.valid_from.desc()).limit(1)
        .options(selectinload(IndicatorPlan.indicators).selectinload(Indicator.targets)))


def plans_in_force(unit_ids: Iterable[int], year: int, day: date) -> dict[int, IndicatorPlan]:
    """:func:`plan_in_force` for several assessing units at once (two queries)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    newest = (select(IndicatorPlan.unit_id, func.max(IndicatorPlan.valid_from).label("valid_from"))
              .where(IndicatorPlan.unit_id.in_(ids), IndicatorPlan.year == year, IndicatorPlan.valid_from <= day)
              .group_by(IndicatorPlan.unit_id).subquery())
    plans = db.session.scalars(select(IndicatorPlan).join(
        newest, (newest.c.unit_id == IndicatorPlan.unit_id) & (newest.c.valid_from == IndicatorPlan.valid_from))
        .where(IndicatorPlan.year == year)
        .options(selectinload(IndicatorPlan.indicators).selectinload(Indicator.targets)))
    return {plan.unit_id: plan for plan in plans}


def previous_version(unit_id: int, year: int, before: date) -> IndicatorPlan | None:
    return db.session.scalar(select(IndicatorPlan).where(
        IndicatorPlan.unit_id == unit_id, IndicatorPlan.year == year, IndicatorPlan.valid_from < before)
        .order_by(IndicatorPlan.valid_from.desc()).limit(1))


def plan_span(plan: IndicatorPlan) -> tuple[date, date]:
    """The days a version covers: from its date to the day before the next version, or to the year's end."""
    following = db.session.scalar(select(func.min(IndicatorPlan.valid_from)).where(
        IndicatorPlan.unit_id == plan.unit_id, IndicatorPlan.year == plan.year,
        IndicatorPlan.valid_from > plan.valid_from))
    return plan.valid_from, (following - timedelta(days=1)) if following else date(plan.year, 12, 31)


def scoring_of(indicator: Indicator | dict) -> Scoring:
    """The rule code's view of an indicator's scoring."""
    get = indicator.get if isinstance(indicator, dict) else lambda name: getattr(indicator, name)
    params = get("params") or {}
    if get("rule") == THRESHOLDS:
        steps = tuple((Decimal(share), Decimal(points)) for share, points in params.get("steps", []))
        return Scoring(THRESHOLDS, Decimal(get("cap")), steps)
    if get("rule") == DEDUCTIONS:
        return Scoring(DEDUCTIONS, Decimal(get("cap")), per_unit=Decimal(params.get("per_unit", "1")))
    return Scoring(get("rule"), Decimal(get("cap")))


def officers_of(department: Department, day: date) -> list[Person]:
    """The officers whose assignment on ``day`` is to the department, by badge."""
    return list(db.session.scalars(select(Person).join(Assignment, Assignment.person_id == Person.id).where(
        Assignment.department_id == department.id, Assignment.valid_from <= day,
        or_(Assignment.valid_to.is_(None), Assignment.valid_to >= day), Person.active.is_(True))
        .order_by(Person.badge)))


def own_plan_parts(unit: Unit, indicator: Indicator) -> list[tuple[str, Decimal]]:
    """The targets ``unit`` set the units under it for the same measure in its own plan of the year (the
    version in force today, or the first of the year): with its departments' shares, the parts of its target."""
    year = indicator.plan.year
    day = min(max(timekeeping.today(), date(year, 1, 1)), date(year, 12, 31))
    own = plan_in_force(unit.id, year, day) or next(iter(plan_versions(unit.id, year)), None)
    if own is None:
        return []
    parts = []
    for mine in own.indicators:
        if (mine.measure, mine.measure_param) == (indicator.measure, indicator.measure_param) \
                and mine.measure != Measure.manual.value:
            parts.extend((t.unit.name, t.target) for t in mine.targets)
    return parts


def department_shares(target_ids: Iterable[int]) -> dict[int, list[DepartmentTarget]]:
    rows: dict[int, list[DepartmentTarget]] = defaultdict(list)
    ids = list(target_ids)
    if ids:
        for share in db.session.scalars(select(DepartmentTarget).where(
                DepartmentTarget.indicator_target_id.in_(ids)).options(selectinload(DepartmentTarget.department))):
            rows[share.indicator_target_id].append(share)
    return rows


def officer_targets(share_ids: Iterable[int]) -> dict[int, dict[int, Decimal]]:
    rows: dict[int, dict[int, Decimal]] = defaultdict(dict)
    ids = list(share_ids)
    if ids:
        for share_id, person_id, monthly in db.session.execute(select(
                OfficerTarget.department_target_id, OfficerTarget.person_id, OfficerTarget.monthly_target)
                .where(OfficerTarget.department_target_id.in_(ids))):
            rows[share_id][person_id] = monthly
    return rows


def monthly_targets(person_ids: Iterable[int], month: date) -> dict[int, Decimal]:
    """Officers' monthly workload targets broken down from a personal indicator for ``month``: the plan of the
    year in force on the month's last day, of the unit above the officer's unit. An officer with none keeps the
    post's target. One query for any number of officers."""
    ids = list(person_ids)
    if not ids:
        return {}
    last = timekeeping.month_bounds(month)[1]
    newest = (select(IndicatorPlan.unit_id, func.max(IndicatorPlan.valid_from).label("valid_from"))
              .where(IndicatorPlan.year == month.year, IndicatorPlan.valid_from <= last)
              .group_by(IndicatorPlan.unit_id).subquery())
    rows = db.session.execute(
        select(OfficerTarget.person_id, OfficerTarget.monthly_target)
        .join(DepartmentTarget, DepartmentTarget.id == OfficerTarget.department_target_id)
        .join(IndicatorTarget, IndicatorTarget.id == DepartmentTarget.indicator_target_id)
        .join(Indicator, Indicator.id == IndicatorTarget.indicator_id)
        .join(IndicatorPlan, IndicatorPlan.id == Indicator.plan_id)
        .join(newest, (newest.c.unit_id == IndicatorPlan.unit_id) & (newest.c.valid_from == IndicatorPlan.valid_from))
        .where(IndicatorPlan.year == month.year, Indicator.personal.is_(True),
               OfficerTarget.person_id.in_(ids))
        .order_by(OfficerTarget.person_id, Indicator.position))
    found: dict[int, Decimal] = {}
    for person_id, target in rows:
        found.setdefault(person_id, Decimal(target))  # one personal indicator counts: the first of the plan
    return found


# --- Measures ----------------------------------------------------------------------------------------------------


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def unit_values(units: list[Unit], measures: Iterable[MeasureKey], first: date, last: date, rules: RuleValues,
                manual: Iterable[tuple[str, int]] = ()) -> dict[tuple[str, str, int], Decimal | None]:
    """(measure, parameter, unit id) → the value from ``first`` to ``last`` for each unit with those under it;
    a manual value is keyed (``manual``, indicator key, unit id) and read for the (key, plan unit) pairs given.
    None where there is nothing to measure (no survey answer, no rectification due, no value entered)."""
    ids = [u.id for u in units]
    wanted = set(measures)
    found: dict[tuple[str, str, int], Decimal | None] = {}
    if not ids:
        return found
    head, member = Unit.__table__.alias("head"), Unit.__table__.alias("member")
    months = months_between(first, last)

    def subtree(query, table, unit_column, *more):
        """``query`` over the units with those under them: ``table`` joined by its unit, then ``more`` joins."""
        query = (query.select_from(head).join(member, member.c.path.startswith(head.c.path))
                 .join(table, unit_column == member.c.id))
        for target, onclause in more:
            query = query.join(target, onclause)
        return query.where(head.c.id.in_(ids))

    points_params = {param for measure, param in wanted if measure == Measure.ledger_points.value}
    if "" in points_params:
        rows = db.session.execute(subtree(select(head.c.id, func.sum(UnitMonth.approved_points)), UnitMonth,
                                          UnitMonth.unit_id)
                                  .where(UnitMonth.month.in_(months)).group_by(head.c.id))
        totals = {unit_id: Decimal(total or 0) for unit_id, total in rows}
        found.update({(Measure.ledger_points.value, "", i): totals.get(i, Decimal("0")) for i in ids})
    categories = sorted(int(p) for p in points_params if p)
    if categories:
        rows = db.session.execute(subtree(
            select(head.c.id, DepartmentMonthCategory.category_id, func.sum(DepartmentMonthCategory.approved_points)),
            Department, Department.unit_id,
            (DepartmentMonthCategory, DepartmentMonthCategory.department_id == Department.id))
            .where(DepartmentMonthCategory.month.in_(months), DepartmentMonthCategory.category_id.in_(categories))
            .group_by(head.c.id, DepartmentMonthCategory.category_id))
        totals = {(unit_id, category): Decimal(total or 0) for unit_id, category, total in rows}
        for category in categories:
            found.update({(Measure.ledger_points.value, str(category), i): totals.get((i, category), Decimal("0"))
                          for i in ids})
    fact_params = sorted(p for m, p in wanted if m == Measure.fact_count.value)
    if fact_params:
        pairs = [tuple(p.split(":", 1)) for p in fact_params]
        rows = db.session.execute(subtree(
            select(head.c.id, WorkFact.source, WorkFact.fact_type, func.count(Entry.id)), Entry, Entry.unit_id,
            (WorkFact, WorkFact.id == Entry.fact_id))
            .where(Entry.work_date >= first, Entry.work_date <= last, Entry.fact_id.is_not(None),
                   or_(*((WorkFact.source == s) & (WorkFact.fact_type == t) for s, t in pairs)))
            .group_by(head.c.id, WorkFact.source, WorkFact.fact_type))
        counts = {(unit_id, f"{source}:{fact_type}"): Decimal(n) for unit_id, source, fact_type, n in rows}
        for param in fact_params:
            found.update({(Measure.fact_count.value, param, i): counts.get((i, param), Decimal("0")) for i in ids})
    if (Measure.inspection_deductions.value, "") in wanted:
        rows = db.session.execute(subtree(select(head.c.id, func.sum(Finding.points)), Finding, Finding.unit_id)
                                  .where(Finding.found_on >= first, Finding.found_on <= last,
                                         Finding.voided_at.is_(None)).group_by(head.c.id))
        totals = {unit_id: Decimal(total or 0) for unit_id, total in rows}
        found.update({(Measure.inspection_deductions.value, "", i): totals.get(i, Decimal("0")) for i in ids})
    if (Measure.satisfaction.value, "") in wanted:
        from worklog.units.statistics import subtree_counts
        counts = subtree_counts(units, months)
        for i in ids:
            satisfaction = counts[i].satisfaction_with(rules.survey_basic_factor) if i in counts else None
            found[(Measure.satisfaction.value, "", i)] = satisfaction
    if (Measure.rectification_rate.value, "") in wanted:
        # As the rectification ledger counts them: accepted on time ÷ due (past the deadline, or accepted).
        from worklog.inspection.queries import rectification_counts
        for i, by_category in rectification_counts(ids, first, last).items():
            due = sum(c.due for c in by_category.values())
            on_time = sum(c.on_time for c in by_category.values())
            found[(Measure.rectification_rate.value, "", i)] = rectification_rate(on_time, due)
    manual = list(manual)
    if manual:
        # A manual value is a level as of its month (a completion rate, a score): the period's is the latest.
        keys = sorted({key for key, _plan_unit in manual})
        rows = db.session.execute(select(IndicatorValue.indicator_key, IndicatorValue.plan_unit_id,
                                         IndicatorValue.unit_id, IndicatorValue.value)
                                  .where(IndicatorValue.indicator_key.in_(keys), IndicatorValue.unit_id.in_(ids),
                                         IndicatorValue.month >= first.replace(day=1), IndicatorValue.month <= last)
                                  .order_by(IndicatorValue.month))
        wanted_manual = set(manual)
        for key, plan_unit_id, unit_id, value in rows:
            if (key, plan_unit_id) in wanted_manual:
                found[(Measure.manual.value, key, unit_id)] = Decimal(value)
    return found


def department_values(department_ids: list[int], measures: Iterable[MeasureKey], first: date,
                      last: date) -> dict[tuple[str, str, int], Decimal | None]:
    """(measure, parameter, department id) → the department's own value, for the measures a department has:
    ledger points, work facts and inspection deductions (the survey and rectification are the unit's)."""
    ids = list(department_ids)
    wanted = set(measures)
    found: dict[tuple[str, str, int], Decimal | None] = {}
    if not ids:
        return found
    months = months_between(first, last)
    points_params = {p for m, p in wanted if m == Measure.ledger_points.value}
    if "" in points_params:
        totals = dict(db.session.execute(
            select(DepartmentMonth.department_id, func.sum(DepartmentMonth.approved_points))
            .where(DepartmentMonth.department_id.in_(ids), DepartmentMonth.month.in_(months))
            .group_by(DepartmentMonth.department_id)).all())
        found.update({(Measure.ledger_points.value, "", i): Decimal(totals.get(i) or 0) for i in ids})
    categories = sorted(int(p) for p in points_params if p)
    if categories:
        totals = {(d, c): Decimal(t or 0) for d, c, t in db.session.execute(
            select(DepartmentMonthCategory.department_id, DepartmentMonthCategory.category_id,
                   func.sum(DepartmentMonthCategory.approved_points))
            .where(DepartmentMonthCategory.department_id.in_(ids), DepartmentMonthCategory.month.in_(months),
                   DepartmentMonthCategory.category_id.in_(categories))
            .group_by(DepartmentMonthCategory.department_id, DepartmentMonthCategory.category_id))}
        for c in categories:
            found.update({(Measure.ledger_points.value, str(c), i): totals.get((i, c), Decimal("0")) for i in ids})
    fact_params = sorted(p for m, p in wanted if m == Measure.fact_count.value)
    if fact_params:
        pairs = [tuple(p.split(":", 1)) for p in fact_params]
        counts = {(d, f"{s}:{t}"): Decimal(n) for d, s, t, n in db.session.execute(
            select(Entry.department_id, WorkFact.source, WorkFact.fact_type, func.count(Entry.id))
            .join(WorkFact, WorkFact.id == Entry.fact_id)
            .where(Entry.department_id.in_(ids), Entry.work_date >= first, Entry.work_date <= last,
                   or_(*((WorkFact.source == s) & (WorkFact.fact_type == t) for s, t in pairs)))
            .group_by(Entry.department_id, WorkFact.source, WorkFact.fact_type))}
        for p in fact_params:
            found.update({(Measure.fact_count.value, p, i): counts.get((i, p), Decimal("0")) for i in ids})
    if (Measure.inspection_deductions.value, "") in wanted:
        totals = dict(db.session.execute(
            select(Finding.department_id, func.sum(Finding.points))
            .where(Finding.department_id.in_(ids), Finding.found_on >= first, Finding.found_on <= last,
                   Finding.voided_at.is_(None)).group_by(Finding.department_id)).all())
        found.update({(Measure.inspection_deductions.value, "", i): Decimal(totals.get(i) or 0) for i in ids})
    return found


def value_of(found: dict, indicator: Indicator, unit_id: int) -> Decimal | None:
    """An indicator's value for a unit in what :func:`unit_values` (or :func:`department_values`) read."""
    if indicator.measure == Measure.manual.value:
        return found.get((Measure.manual.value, indicator.key, unit_id))
    return found.get((indicator.measure, indicator.measure_param, unit_id))


def measure_keys(indicators: Iterable[Indicator]) -> tuple[set[MeasureKey], set[tuple[str, int]]]:
    """What to read for these indicators: (measure, parameter) pairs, and the manual (key, plan unit) pairs."""
    measures, manual = set(), set()
    for indicator in indicators:
        if indicator.measure == Measure.manual.value:
            manual.add((indicator.key, indicator.plan.unit_id))
        else:
            measures.add((indicator.measure, indicator.measure_param))
    return measures, manual
