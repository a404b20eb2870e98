"""The indicators' state changes: plan versions, indicators, targets, their break-down, manual values.

Who: a unit's administrators set the indicators and targets of the units directly under it (``may_set_indicators``);
an assessed unit's administrators break its targets down (``may_break_down``).

When: a plan version covers the days from its ``valid_from`` to the day before the next version of the year (or
the year's end). It can be made, and its indicators and targets changed, only while no final evaluation of the
units covers one of those days: a sealed result is never computed from rules other than those it was sealed
with. A break-down only divides a target among departments and officers, so it can change at any time; an
officer's monthly target reaches only months not yet final (a final month keeps the target it was sealed with).
"""
from __future__ import annotations

import re
import secrets
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import joinedload

from models import (Department, DepartmentTarget, Indicator, IndicatorPlan, IndicatorTarget, IndicatorValue, Measure,
                    OfficerTarget, Person, ScoringRule, TaskCategory, Unit)
from models.survey import EvaluationStatus, UnitEvaluationRun
from worklog import audit, timekeeping
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.indicators.queries import (child_units, officers_of, own_plan_parts, plan_span, previous_version,
                                        scoring_of)
from worklog.permissions import may_break_down, may_set_indicators
from worklog.rules.indicators import Mismatch, check_breakdown

INDICATOR_FIELDS = ("dimension", "name", "measure", "measure_param", "rule", "cap", "params", "weight", "personal")
MAX_INDICATORS = 40
MAX_DIMENSIONS = 8


def _require_setter(actor: Person, unit: Unit) -> None:
    if not may_set_indicators(actor, unit):
        raise ServiceError(_("Only the administrators over this unit set its units' indicators."))


def _require_open(plan_unit: Unit, first: date, last: date) -> None:
    """Refuse a change reaching a day that a final evaluation of the units covers."""
    months = select(UnitEvaluationRun.period).where(
        UnitEvaluationRun.status == EvaluationStatus.final.value, UnitEvaluationRun.annual.is_(False),
        UnitEvaluationRun.period >= first.replace(day=1), UnitEvaluationRun.period <= last)
    sealed = db.session.scalar(select(func.min(months.subquery().c.period)))
    if sealed is None and db.session.scalar(select(UnitEvaluationRun.id).where(
            UnitEvaluationRun.status == EvaluationStatus.final.value, UnitEvaluationRun.annual.is_(True),
            UnitEvaluationRun.period == date(first.year, 1, 1))):
        sealed = date(first.year, 1, 1)
    if sealed is not None:
        raise ServiceError(_("The units' evaluation of %(period)s is final: indicators in force then cannot change. "
                             "Make a new version that takes effect after it.",
                             period=sealed.strftime("%Y-%m") if sealed.day == 1 and first.year == sealed.year
                             and sealed != date(first.year, 1, 1) else str(sealed.year)), "valid_from")


def require_plan_open(plan: IndicatorPlan) -> None:
    first, last = plan_span(plan)
    _require_open(plan.unit, first, last)


# --- Plan versions -------------------------------------------------------------------------------------------------


def create_plan(unit: Unit, year: int, valid_from: date, dimensions: list[str], note: str,
                actor: Person) -> IndicatorPlan:
    """A new version of the unit's plan for its units in ``year``, from ``valid_from``: a copy of the version in
    force before that day (its indicators, targets and break-downs), or an empty plan with ``dimensions``."""
    _require_setter(actor, unit)
    today = timekeeping.today()
    if not child_units(unit):
        raise ServiceError(_("This unit has no units under it to assess."))
    if not today.year - 1 <= year <= today.year + 1:
        raise ServiceError(_("Plans are made for last year, this year or next year."), "year")
    if valid_from.year != year:
        raise ServiceError(_("A version takes effect within its year."), "valid_from")
    if db.session.scalar(select(IndicatorPlan.id).where(IndicatorPlan.unit_id == unit.id,
                                                        IndicatorPlan.year == year,
                                                        IndicatorPlan.valid_from == valid_from)):
        raise ServiceError(_("A version already takes effect on that day."), "valid_from")
    names = _dimensions(dimensions)
    plan = IndicatorPlan(unit_id=unit.id, year=year, valid_from=valid_from, dimensions=names,
                         note=(note or "").strip()[:200], created_by_id=actor.id, created_at=timekeeping.now())
    plan.unit = unit
    _require_open(unit, *plan_span(plan))  # not yet in the session: the versions around it decide its span
    before = previous_version(unit.id, year, valid_from)
    db.session.add(plan)
    db.session.flush()
    if before is not None:
        plan.dimensions = list(dict.fromkeys(before.dimensions + [n for n in names if n not in before.dimensions]))
        _copy(before, plan)
    audit.record(actor, "indicators.plan_created", "indicator_plan", plan.id, unit_id=unit.id,
                 after={"year": year, "valid_from": valid_from.isoformat(), "dimensions": plan.dimensions,
                        "copied_from": before.id if before else None,
                        "indicators": len(before.indicators) if before else 0})
    return plan


def _dimensions(dimensions: list[str]) -> list[str]:
    names = list(dict.fromkeys(" ".join(d.split())[:40] for d in dimensions if d and d.strip()))
    if not names:
        raise ServiceError(_("Name at least one dimension."), "dimensions")
    if len(names) > MAX_DIMENSIONS:
        raise ServiceError(_("A plan has at most %(most)d dimensions.", most=MAX_DIMENSIONS), "dimensions")
    return names


def _copy(source: IndicatorPlan, plan: IndicatorPlan) -> None:
    for old in source.indicators:
        new = Indicator(plan_id=plan.id, position=old.position, key=old.key,
                        **{name: getattr(old, name) for name in INDICATOR_FIELDS})
        db.session.add(new)
        db.session.flush()
        for old_target in old.targets:
            target = IndicatorTarget(indicator_id=new.id, unit_id=old_target.unit_id, target=old_target.target)
            db.session.add(target)
            db.session.flush()
            shares = list(db.session.scalars(select(DepartmentTarget).where(
                DepartmentTarget.indicator_target_id == old_target.id)))
            for share in shares:
                copied = DepartmentTarget(indicator_target_id=target.id, department_id=share.department_id,
                                          target=share.target, updated_by_id=share.updated_by_id,
                                          updated_at=share.updated_at)
                db.session.add(copied)
                db.session.flush()
                for officer in db.session.scalars(select(OfficerTarget).where(
                        OfficerTarget.department_target_id == share.id)):
                    db.session.add(OfficerTarget(department_target_id=copied.id, person_id=officer.person_id,
                                                 monthly_target=officer.monthly_target))
    db.session.flush()
    db.session.expire(plan, ["indicators"])


# --- Indicators ----------------------------------------------------------------------------------------------------


def _check_indicator(plan: IndicatorPlan, data: dict) -> dict:
    """The indicator's fields, checked: a ServiceError names the first field in the way."""
    dimension = (data.get("dimension") or "").strip()
    if dimension not in plan.dimensions:
        raise ServiceError(_("Choose one of the plan's dimensions."), "dimension")
    name = " ".join((data.get("name") or "").split())
    if not name:
        raise ServiceError(_("Give the indicator a name."), "name")
    measure = data.get("measure")
    if measure not in {m.value for m in Measure}:
        raise ServiceError(_("Choose what the indicator measures."), "measure")
    param = (data.get("measure_param") or "").strip()
    if measure == Measure.ledger_points.value:
        if param and (not param.isdigit() or db.session.get(TaskCategory, int(param)) is None):
            raise ServiceError(_("Choose a task category, or all of them."), "measure_param")
    elif measure == Measure.fact_count.value:
        source, _sep, fact_type = param.partition(":")
        if not source.strip() or not fact_type.strip():
            raise ServiceError(_("Give the source and the fact type as source:type, e.g. jj110:dispatch."),
                               "measure_param")
        param = f"{source.strip().lower()}:{' '.join(fact_type.split())}"
    else:
        param = ""
    rule = data.get("rule")
    if rule not in {r.value for r in ScoringRule}:
        raise ServiceError(_("Choose how the value is scored."), "rule")
    cap = data.get("cap") if data.get("cap") is not None else Decimal("1")
    if not Decimal("1") <= cap <= Decimal("2"):
        raise ServiceError(_("The cap lies from 100 to 200 per cent of the target."), "cap")
    params: dict = {}
    if rule == ScoringRule.thresholds.value:
        params["steps"] = parse_steps(data.get("steps") or "")
    elif rule == ScoringRule.deductions.value:
        per_unit = data.get("per_unit")
        if per_unit is None or per_unit < 0 or per_unit > 100:
            raise ServiceError(_("Give the points taken off per unit of the value, from 0 to 100."), "per_unit")
        params["per_unit"] = str(per_unit)
    weight = data.get("weight")
    if weight is None or not Decimal("0.01") <= weight <= Decimal("1000"):
        raise ServiceError(_("A weight is above 0 and at most 1000."), "weight")
    personal = bool(data.get("personal"))
    if personal and (measure != Measure.ledger_points.value or param):
        raise ServiceError(_("Only an indicator of all approved ledger points is broken down to officers: it "
                             "becomes their monthly workload target."), "personal")
    return {"dimension": dimension, "name": name[:100], "measure": measure, "measure_param": param, "rule": rule,
            "cap": cap, "params": params, "weight": weight, "personal": personal}


_STEP = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*[:：=→]\s*(\d+(?:\.\d+)?)\s*$")


def parse_steps(text: str) -> list[list[str]]:
    """"100:100, 95:90, 90:80" (share of the target in %, score) → [["1", "100"], ["0.95", "90"], …]."""
    steps = []
    for chunk in re.split(r"[,，;；\n]+", text.strip()):
        if not chunk.strip():
            continue
        match = _STEP.match(chunk)
        if not match:
            raise ServiceError(_("Write each step as the share of the target in per cent and the score, e.g. "
                                 "100:100, 90:80."),
                               "steps")
        share, points = Decimal(match.group(1)), Decimal(match.group(2))
        if share > 1000 or points > 200:
            raise ServiceError(_("A step is at most ten times the target, and its score at most 200."), "steps")
        steps.append([f"{(share / 100).normalize():f}", f"{points.normalize():f}"])
    if not steps:
        raise ServiceError(_("Give at least one step."), "steps")
    if len({s for s, _p in steps}) != len(steps):
        raise ServiceError(_("Two steps have the same share of the target."), "steps")
    return sorted(steps, key=lambda s: Decimal(s[0]), reverse=True)


def save_indicator(plan: IndicatorPlan, data: dict, actor: Person, indicator: Indicator | None = None) -> Indicator:
    """Add an indicator to the plan's version, or change one."""
    _require_setter(actor, plan.unit)
    require_plan_open(plan)
    values = _check_indicator(plan, data)
    scoring_of(values)  # the rule code accepts it
    if indicator is None:
        count, last = db.session.execute(select(func.count(Indicator.id), func.max(Indicator.position))
                                         .where(Indicator.plan_id == plan.id)).one()
        if count >= MAX_INDICATORS:
            raise ServiceError(_("A plan has at most %(most)d indicators.", most=MAX_INDICATORS))
        indicator = Indicator(plan_id=plan.id, position=(last or 0) + 1, key=secrets.token_hex(8), **values)
        db.session.add(indicator)
        db.session.flush()
        db.session.expire(plan, ["indicators"])
        audit.record(actor, "indicators.indicator_added", "indicator", indicator.id, unit_id=plan.unit_id,
                     after=audit.snapshot(indicator, INDICATOR_FIELDS) | {"plan": plan.id})
        return indicator
    before = audit.snapshot(indicator, INDICATOR_FIELDS)
    if indicator.personal and not values["personal"]:
        _drop_officer_targets(indicator)
    for name, value in values.items():
        setattr(indicator, name, value)
    db.session.flush()
    old, new = audit.changes(before, audit.snapshot(indicator, INDICATOR_FIELDS))
    if new:
        audit.record(actor, "indicators.indicator_changed", "indicator", indicator.id, unit_id=plan.unit_id,
                     before=old, after=new | {"plan": plan.id})
    return indicator


def _drop_officer_targets(indicator: Indicator) -> None:
    shares = select(DepartmentTarget.id).join(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id)
    db.session.execute(delete(OfficerTarget).where(OfficerTarget.department_target_id.in_(shares)))


def remove_indicator(indicator: Indicator, actor: Person) -> None:
    plan = indicator.plan
    _require_setter(actor, plan.unit)
    require_plan_open(plan)
    audit.record(actor, "indicators.indicator_removed", "indicator", indicator.id, unit_id=plan.unit_id,
                 before=audit.snapshot(indicator, INDICATOR_FIELDS) | {"plan": plan.id})
    db.session.delete(indicator)
    db.session.flush()
    db.session.expire(plan, ["indicators"])


def set_targets(indicator: Indicator, targets: dict[int, Decimal | None], actor: Person) -> None:
    """The year's target of each unit under the plan's unit (None: the indicator does not apply to it)."""
    plan = indicator.plan
    _require_setter(actor, plan.unit)
    require_plan_open(plan)
    allowed = {u.id for u in child_units(plan.unit)}
    if set(targets) - allowed:
        raise ServiceError(_("Targets are set for the units directly under this unit only."))
    existing = {t.unit_id: t for t in indicator.targets}
    before = {str(k): str(t.target) for k, t in existing.items()}
    for unit_id, value in targets.items():
        if value is not None and (value < 0 or value > Decimal("999999999999")):
            raise ServiceError(_("A target cannot be negative."), f"unit_{unit_id}")
        row = existing.get(unit_id)
        if value is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(IndicatorTarget(indicator_id=indicator.id, unit_id=unit_id, target=value))
        else:
            row.target = value
    db.session.flush()
    db.session.expire(indicator, ["targets"])
    after = {str(t.unit_id): str(t.target) for t in indicator.targets}
    if before != after:
        audit.record(actor, "indicators.targets_set", "indicator", indicator.id, unit_id=plan.unit_id,
                     before={"targets": before}, after={"targets": after})


# --- Break-down (责任分解) -------------------------------------------------------------------------------------


def _mismatch_error(mismatch: Mismatch, field: str | None = None) -> ServiceError:
    cents = Decimal("0.01")
    difference = mismatch.difference.quantize(cents)
    return ServiceError(_("The parts add up to %(parts)s, not the whole %(whole)s (%(difference)s). Change them "
                          "until they add up.", parts=mismatch.parts.quantize(cents), whole=mismatch.whole.quantize(cents),
                          difference=("+" if difference > 0 else "") + str(difference)), field)


def break_down(target: IndicatorTarget, shares: dict[int, Decimal], actor: Person) -> None:
    """Divide a unit's target among its departments. With the targets the unit set the units under it for the
    same measure (in its own plan), the parts must make the whole exactly."""
    unit = target.unit
    if not may_break_down(actor, unit):
        raise ServiceError(_("Only the unit's administrators break its targets down."))
    departments = set(db.session.scalars(select(Department.id).where(Department.unit_id == unit.id)))
    if set(shares) - departments:
        raise ServiceError(_("A target is broken down to the unit's own departments."))
    for department_id, value in shares.items():
        if value < 0:
            raise ServiceError(_("A target cannot be negative."), f"department_{department_id}")
    indicator = target.indicator
    below = own_plan_parts(unit, indicator)
    mismatch = check_breakdown(target.target, list(shares.values()) + [part for _name, part in below])
    if mismatch is not None:
        raise _mismatch_error(mismatch)
    existing = {s.department_id: s for s in db.session.scalars(select(DepartmentTarget).where(
        DepartmentTarget.indicator_target_id == target.id))}
    before = {str(k): str(s.target) for k, s in existing.items()}
    now = timekeeping.now()
    for department_id, value in shares.items():
        row = existing.get(department_id)
        if row is None:
            db.session.add(DepartmentTarget(indicator_target_id=target.id, department_id=department_id,
                                            target=value, updated_by_id=actor.id, updated_at=now))
        elif row.target != value:
            row.target, row.updated_by_id, row.updated_at = value, actor.id, now
    for department_id, row in existing.items():
        if department_id not in shares:
            db.session.delete(row)
    db.session.flush()
    after = {str(k): str(v) for k, v in shares.items()}
    if before != after:
        audit.record(actor, "indicators.broken_down", "indicator_target", target.id, unit_id=unit.id,
                     before={"departments": before}, after={"departments": after, "indicator": indicator.id})


def set_officer_targets(share: DepartmentTarget, monthly: dict[int, Decimal], actor: Person) -> None:
    """A department's share of a personal indicator as its officers' monthly targets: twelve months of them make
    the department's share exactly."""
    department = share.department
    if not may_break_down(actor, department.unit):
        raise ServiceError(_("Only the unit's administrators break its targets down."))
    target = db.session.get(IndicatorTarget, share.indicator_target_id)
    if not target.indicator.personal:
        raise ServiceError(_("This indicator is not broken down to officers."))
    officers = {p.id for p in officers_of(department, timekeeping.today())}
    if set(monthly) - officers:
        raise ServiceError(_("Monthly targets are set for the department's own officers."))
    for person_id, value in monthly.items():
        if value <= 0:
            raise ServiceError(_("A monthly target is above 0."), f"person_{person_id}")
    mismatch = check_breakdown(share.target, list(monthly.values()), months=12)
    if mismatch is not None:
        raise _mismatch_error(mismatch)
    existing = {o.person_id: o for o in db.session.scalars(select(OfficerTarget).where(
        OfficerTarget.department_target_id == share.id))}
    before = {str(k): str(o.monthly_target) for k, o in existing.items()}
    for person_id, value in monthly.items():
        row = existing.get(person_id)
        if row is None:
            db.session.add(OfficerTarget(department_target_id=share.id, person_id=person_id, monthly_target=value))
        else:
            row.monthly_target = value
    for person_id, row in existing.items():
        if person_id not in monthly:
            db.session.delete(row)
    db.session.flush()
    after = {str(k): str(v) for k, v in monthly.items()}
    if before != after:
        audit.record(actor, "indicators.officer_targets_set", "department_target", share.id,
                     unit_id=department.unit_id, before={"officer_targets": before}, after={"officer_targets": after})


# --- Manual values -------------------------------------------------------------------------------------------------


def enter_value(indicator: Indicator, unit: Unit, month: date, value: Decimal, evidence: str,
                actor: Person) -> IndicatorValue:
    """A month's value of a manual indicator for one of the plan's units, with its evidence."""
    plan = indicator.plan
    _require_setter(actor, plan.unit)
    if indicator.measure != Measure.manual.value:
        raise ServiceError(_("This indicator's value is read from the data: nobody enters it."))
    if unit.id not in {t.unit_id for t in indicator.targets}:
        raise ServiceError(_("The indicator has no target for this unit."), "unit")
    month = month.replace(day=1)
    if month.year != plan.year or month > timekeeping.today():
        raise ServiceError(_("Enter values for the plan's year, up to this month."), "month")
    if value is None or value < 0 or value > Decimal("999999999999"):
        raise ServiceError(_("A value cannot be negative."), "value")
    evidence = " ".join((evidence or "").split())
    if not evidence:
        raise ServiceError(_("Say where the value comes from: the evidence is kept with it."), "evidence")
    _require_open(plan.unit, month, month)
    row = db.session.scalar(select(IndicatorValue).where(
        IndicatorValue.indicator_key == indicator.key, IndicatorValue.plan_unit_id == plan.unit_id,
        IndicatorValue.unit_id == unit.id, IndicatorValue.month == month))
    before = {"value": str(row.value), "evidence": row.evidence} if row else None
    if row is None:
        row = IndicatorValue(indicator_key=indicator.key, plan_unit_id=plan.unit_id, unit_id=unit.id, month=month,
                             value=value, evidence=evidence[:500], entered_by_id=actor.id,
                             entered_at=timekeeping.now())
        db.session.add(row)
    else:
        row.value, row.evidence, row.entered_by_id, row.entered_at = value, evidence[:500], actor.id, \
            timekeeping.now()
    db.session.flush()
    audit.record(actor, "indicators.value_entered", "indicator_value", row.id, unit_id=unit.id, before=before,
                 after={"value": str(value), "evidence": evidence[:500], "month": month.isoformat(),
                        "indicator": indicator.id})
    return row


def _local_midnight(day: date):
    from datetime import datetime, time
    return datetime.combine(day, time(0), tzinfo=timekeeping.tz())


# --- Warnings ------------------------------------------------------------------------------------------------------


def send_warnings() -> int:
    """In-app warnings for every indicator (of a unit, or of one of its departments) below the warning share of
    its pro-rata target today, to the unit's assessment panel and administrators. Each warning reaches a person
    once a month, however often this runs. Returns the notifications made."""
    from models import Notification, RoleGrant, Role
    from worklog.indicators.progress import progress
    from worklog.notifications import notify
    today = timekeeping.today()
    month = today.replace(day=1).isoformat()
    units = list(db.session.scalars(select(Unit).join(IndicatorTarget, IndicatorTarget.unit_id == Unit.id)
                                    .join(Indicator, Indicator.id == IndicatorTarget.indicator_id)
                                    .join(IndicatorPlan, IndicatorPlan.id == Indicator.plan_id)
                                    .where(IndicatorPlan.year == today.year, IndicatorPlan.valid_from <= today)
                                    .distinct().order_by(Unit.path)))
    if not units:
        return 0
    recipients: dict[int, list[Person]] = {}
    for grant in db.session.scalars(select(RoleGrant).where(
            RoleGrant.unit_id.in_([u.id for u in units]),
            RoleGrant.role.in_([Role.panel.value, Role.admin.value])).options(joinedload(RoleGrant.person))):
        people = recipients.setdefault(grant.unit_id, [])
        if grant.person.active and grant.person not in people:
            people.append(grant.person)
    sent = {(n.person_id, (n.params or {}).get("warning")) for n in db.session.scalars(
        select(Notification).where(Notification.kind == "indicator_behind",
                                   Notification.created_at >= _local_midnight(today.replace(day=1))))}
    made = 0
    for unit in units:
        found = progress(unit, today.year, with_trend=False)
        warnings = [(line.indicator, None, line.value, line.due) for line in found.behind]
        warnings += [(line.indicator, line.department, line.value, line.due) for line in found.departments_behind]
        for indicator, department, value, due in warnings:
            key = f"{month}:{indicator.key}:{unit.id}:{department.id if department else ''}"
            for person in recipients.get(unit.id, []):
                if (person.id, key) in sent:
                    continue
                notify(person, "indicator_behind",
                       {"warning": key, "indicator": indicator.name, "unit": unit.name,
                        "department": department.name if department else "", "value": str(value),
                        "due": str(due), "share": str(found.share)},
                       "indicators.progress_page", unit_id=unit.id, year=today.year)
                sent.add((person.id, key))
                made += 1
    db.session.flush()
    return made
