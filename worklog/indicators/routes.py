"""The indicators' pages (/indicators): the plans a unit sets the units under it, their targets and break-down,
manual values, and each unit's progress with its warnings and what lies behind a figure.

Load → check → act: a plan, indicator, target or unit the person may not see is a 404, like a missing one."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from models import (DayLog, Department, DepartmentTarget, Entry, EntryStatus, Indicator, IndicatorPlan, IndicatorTarget, IndicatorValue,
                    Measure, Role, TaskCategory, Unit, WorkFact)
from worklog import timekeeping
from worklog.choices import choices
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.indicators import services
from worklog.indicators.forms import ActionForm, IndicatorForm, PlanForm, ValueForm, grid_form
from worklog.indicators.labels import DEFAULT_DIMENSIONS, MEASURE_LABELS, RULE_LABELS
from worklog.indicators.progress import DEPARTMENT_MEASURES, progress
from worklog.indicators.queries import (child_units, department_shares, officer_targets, officers_of,
                                        own_plan_parts, plan_span, plan_versions)
from worklog.permissions import (can_view_ledger, may_break_down, may_set_indicators, may_view_progress,
                                 scope_units, unit_scope_clause)
from worklog.web import current_person, int_arg, refuse, rollback_only, signed_in_blueprint

bp = signed_in_blueprint("indicators", __name__, url_prefix="/indicators")


@bp.context_processor
def _words():
    return {"MEASURE_LABELS": MEASURE_LABELS, "RULE_LABELS": RULE_LABELS}


def _year() -> int:
    today = timekeeping.today()
    return int_arg("year", today.year, low=today.year - 5, high=today.year + 1)


def _unit(unit_id: int, allowed) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or not allowed(current_person(), unit):
        abort(404)
    return unit


def _plan(plan_id: int) -> IndicatorPlan:
    plan = db.session.get(IndicatorPlan, plan_id)
    if plan is None or not may_set_indicators(current_person(), plan.unit):
        abort(404)
    return plan


def _indicator(indicator_id: int) -> Indicator:
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or not may_set_indicators(current_person(), indicator.plan.unit):
        abort(404)
    return indicator


# --- Overview ------------------------------------------------------------------------------------------------------


@bp.route("/")
def index():
    """The units whose indicators the person sets (those with units under them) and whose progress they read."""
    me = current_person()
    year = _year()
    # Units with units under them, and their plans of the year: two statements whatever the size of the scope.
    child = aliased(Unit)
    setting = list(db.session.scalars(select(Unit).where(
        unit_scope_clause(me, Role.admin), Unit.active.is_(True),
        select(child.id).where(child.parent_id == Unit.id, child.active.is_(True)).exists())
        .order_by(Unit.path))) if scope_units(me, Role.admin) else []
    planned = {unit_id: True for unit_id in db.session.scalars(select(IndicatorPlan.unit_id).where(
        IndicatorPlan.unit_id.in_([u.id for u in setting]), IndicatorPlan.year == year))}
    readable = list(db.session.scalars(select(Unit).where(
        Unit.active.is_(True), Unit.parent_id.is_not(None),
        unit_scope_clause(me, Role.panel) | unit_scope_clause(me, Role.hr) | unit_scope_clause(me, Role.admin))
        .order_by(Unit.path).limit(300)))
    if not setting and not readable:
        abort(404)
    return render_template("indicators/index.html", year=year, setting=setting, planned=planned,
                           readable=readable)


# --- Plans ---------------------------------------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/plans", methods=["GET", "POST"])
def plans(unit_id: int):
    unit = _unit(unit_id, may_set_indicators)
    year = _year()
    versions = plan_versions(unit.id, year)
    form = PlanForm()
    if request.method == "GET":
        form.valid_from.data = max(timekeeping.today(), date(year, 1, 1)) if not versions else timekeeping.today()
        form.dimensions.data = "\n".join(versions[-1].dimensions if versions else [str(d) for d in DEFAULT_DIMENSIONS])
    elif form.validate_on_submit():
        try:
            plan = services.create_plan(unit, year, form.valid_from.data, form.dimensions.data.splitlines(),
                                        form.note.data, current_person())
            flash(_("The version takes effect on %(day)s.", day=plan.valid_from.isoformat()), "success")
            return redirect(url_for("indicators.plan_page", plan_id=plan.id))
        except ServiceError as error:
            refuse(form, error)
    status = 200
    if request.method == "POST":
        rollback_only()
        status = 422
    return render_template("indicators/plans.html", unit=unit, year=year, versions=versions, form=form,
                           children=child_units(unit)), status


@bp.route("/plans/<int:plan_id>")
def plan_page(plan_id: int):
    plan = _plan(plan_id)
    first, last = plan_span(plan)
    children = child_units(plan.unit)
    try:
        services.require_plan_open(plan)
        sealed = None
    except ServiceError as error:
        sealed = error.message
    return render_template("indicators/plan.html", plan=plan, first=first, last=last, children=children,
                           sealed=sealed, remove_form=ActionForm(),
                           total_weight=sum((i.weight for i in plan.indicators), Decimal("0")))


def _categories() -> list[TaskCategory]:
    return list(db.session.scalars(select(TaskCategory).order_by(TaskCategory.code)))


def _indicator_page(form: IndicatorForm, plan: IndicatorPlan, indicator: Indicator | None, status: int = 200):
    if status >= 400:
        rollback_only()
    return render_template("indicators/indicator_form.html", form=form, plan=plan, indicator=indicator), status


@bp.route("/plans/<int:plan_id>/indicators/new", methods=["GET", "POST"], defaults={"indicator_id": None})
@bp.route("/plans/<int:plan_id>/indicators/<int:indicator_id>", methods=["GET", "POST"])
def indicator_edit(plan_id: int, indicator_id: int | None):
    plan = _plan(plan_id)
    indicator = None
    if indicator_id is not None:
        indicator = db.session.get(Indicator, indicator_id)
        if indicator is None or indicator.plan_id != plan.id:
            abort(404)
    form = IndicatorForm()
    form.dimension.choices = choices((d, d) for d in plan.dimensions)
    form.category.choices = choices([("", _("All categories"))] + [(str(c.id), c.name) for c in _categories()])
    if request.method == "GET" and indicator is not None:
        form.dimension.data, form.name.data, form.measure.data = indicator.dimension, indicator.name, \
            indicator.measure
        form.rule.data, form.weight.data, form.personal.data = indicator.rule, indicator.weight, indicator.personal
        form.cap.data = indicator.cap * 100
        if indicator.measure == Measure.ledger_points.value:
            form.category.data = indicator.measure_param
        elif indicator.measure == Measure.fact_count.value:
            form.fact_type.data = indicator.measure_param
        form.steps.data = ", ".join(f"{Decimal(s) * 100:f}".rstrip("0").rstrip(".") + ":" + p
                                    for s, p in indicator.params.get("steps", []))
        form.per_unit.data = Decimal(indicator.params.get("per_unit", "1"))
    if request.method == "GET":
        return _indicator_page(form, plan, indicator)
    if form.validate_on_submit():
        measure = form.measure.data
        param = form.category.data if measure == Measure.ledger_points.value else (
            form.fact_type.data if measure == Measure.fact_count.value else "")
        try:
            saved = services.save_indicator(plan, {
                "dimension": form.dimension.data, "name": form.name.data, "measure": measure,
                "measure_param": param or "", "rule": form.rule.data,
                "cap": (form.cap.data or Decimal("100")) / 100, "steps": form.steps.data,
                "per_unit": form.per_unit.data, "weight": form.weight.data, "personal": form.personal.data},
                current_person(), indicator)
            flash(_("Saved."), "success")
            if indicator is None:
                return redirect(url_for("indicators.targets", indicator_id=saved.id))
            return redirect(url_for("indicators.plan_page", plan_id=plan.id))
        except ServiceError as error:
            if error.field == "measure_param":
                error.field = "category" if measure == Measure.ledger_points.value else "fact_type"
            refuse(form, error)
    return _indicator_page(form, plan, indicator, 422)


@bp.route("/indicators/<int:indicator_id>/remove", methods=["POST"])
def indicator_remove(indicator_id: int):
    indicator = _indicator(indicator_id)
    plan_id = indicator.plan_id
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.remove_indicator(indicator, current_person())
            flash(_("Removed."), "success")
        except ServiceError as error:
            rollback_only()
            flash(error.message, "error")
    else:
        rollback_only()
    return redirect(url_for("indicators.plan_page", plan_id=plan_id))


def _grid(prefix: str, rows: list[tuple[int, str]], current: dict, submit: str, save, back: str):
    """A grid page's form (an amount per row), filled from ``current`` on GET; on POST, ``save`` with the rows'
    amounts (None where left empty). Returns (form, the redirect when saved or None, status)."""
    form = grid_form(prefix, rows, submit)
    if request.method == "GET":
        for row_id, _label in rows:
            form[f"{prefix}_{row_id}"].data = current.get(row_id)
        return form, None, 200
    if form.validate_on_submit():
        try:
            save({row_id: form[f"{prefix}_{row_id}"].data for row_id, _label in rows})
            flash(_("Saved."), "success")
            return form, redirect(back), 302
        except ServiceError as error:
            refuse(form, error)
    rollback_only()
    return form, None, 422


@bp.route("/indicators/<int:indicator_id>/targets", methods=["GET", "POST"])
def targets(indicator_id: int):
    indicator = _indicator(indicator_id)
    children = child_units(indicator.plan.unit)
    form, done, status = _grid(
        "unit", [(u.id, u.name) for u in children], {t.unit_id: t.target for t in indicator.targets},
        _("Save the targets"), lambda amounts: services.set_targets(indicator, amounts, current_person()),
        url_for("indicators.plan_page", plan_id=indicator.plan_id))
    if done:
        return done
    return render_template("indicators/targets.html", indicator=indicator, children=children, form=form), status


# --- Break-down (责任分解) ------------------------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/targets")
def unit_targets(unit_id: int):
    """A unit's targets from the unit above, this year, with how far each is broken down."""
    unit = _unit(unit_id, lambda me, u: may_break_down(me, u) or may_view_progress(me, u))
    year = _year()
    rows = list(db.session.scalars(select(IndicatorTarget).join(Indicator).join(IndicatorPlan).where(
        IndicatorTarget.unit_id == unit.id, IndicatorPlan.year == year).order_by(IndicatorPlan.valid_from,
                                                                                 Indicator.position)))
    shares = department_shares(t.id for t in rows)
    return render_template("indicators/unit_targets.html", unit=unit, year=year, rows=rows, shares=shares,
                           may_break_down=may_break_down(current_person(), unit))


def _target(target_id: int) -> IndicatorTarget:
    target = db.session.get(IndicatorTarget, target_id)
    if target is None or not may_break_down(current_person(), target.unit):
        abort(404)
    return target


@bp.route("/targets/<int:target_id>/breakdown", methods=["GET", "POST"])
def breakdown(target_id: int):
    target = _target(target_id)
    departments = [d for d in target.unit.departments if d.active]
    existing = {s.department_id: s for s in department_shares([target.id]).get(target.id, [])}
    below = own_plan_parts(target.unit, target.indicator)
    form, done, status = _grid(
        "department", [(d.id, d.name) for d in departments], {k: s.target for k, s in existing.items()},
        _("Save the break-down"),
        lambda amounts: services.break_down(target, {k: v for k, v in amounts.items() if v is not None},
                                            current_person()),
        url_for("indicators.unit_targets", unit_id=target.unit_id, year=target.indicator.plan.year))
    if done:
        return done
    return render_template("indicators/breakdown.html", target=target, departments=departments, form=form,
                           existing=existing, below=below,
                           below_total=sum((p for _n, p in below), Decimal("0"))), status


@bp.route("/shares/<int:share_id>/officers", methods=["GET", "POST"])
def officer_breakdown(share_id: int):
    share = db.session.get(DepartmentTarget, share_id)
    if share is None or not may_break_down(current_person(), share.department.unit):
        abort(404)
    target = db.session.get(IndicatorTarget, share.indicator_target_id)
    officers = officers_of(share.department, timekeeping.today())
    form, done, status = _grid(
        "person", [(p.id, f"{p.name} ({p.badge})") for p in officers], officer_targets([share.id]).get(share.id, {}),
        _("Save the monthly targets"),
        lambda amounts: services.set_officer_targets(share, {k: v for k, v in amounts.items() if v is not None},
                                                     current_person()),
        url_for("indicators.unit_targets", unit_id=target.unit_id, year=target.indicator.plan.year))
    if done:
        return done
    return render_template("indicators/officers.html", share=share, target=target, officers=officers, form=form,
                           year_total=share.target), status


# --- Manual values -------------------------------------------------------------------------------------------------


@bp.route("/indicators/<int:indicator_id>/values", methods=["GET", "POST"])
def values(indicator_id: int):
    indicator = _indicator(indicator_id)
    units = [t.unit for t in indicator.targets]
    form = ValueForm()
    form.unit.choices = choices((u.id, u.name) for u in units)
    if request.method == "GET":
        form.month.data = timekeeping.today().strftime("%Y-%m")
    elif form.validate_on_submit():
        month = timekeeping.parse_month(form.month.data)
        unit = next((u for u in units if u.id == form.unit.data), None)
        try:
            if month is None:
                raise ServiceError(_("Write the month as YYYY-MM."), "month")
            if unit is None:
                raise ServiceError(_("The indicator has no target for this unit."), "unit")
            services.enter_value(indicator, unit, month, form.value.data, form.evidence.data, current_person())
            flash(_("Saved."), "success")
            return redirect(url_for("indicators.values", indicator_id=indicator.id))
        except ServiceError as error:
            refuse(form, error)
    entered = list(db.session.scalars(select(IndicatorValue).where(
        IndicatorValue.indicator_key == indicator.key, IndicatorValue.plan_unit_id == indicator.plan.unit_id)
        .order_by(IndicatorValue.month.desc(), IndicatorValue.unit_id)))
    status = 200
    if request.method == "POST":
        rollback_only()
        status = 422
    return render_template("indicators/values.html", indicator=indicator, form=form, entered=entered,
                           units={u.id: u for u in units}), status


# --- Progress (过程控制) --------------------------------------------------------------------------------------------


@bp.route("/progress/<int:unit_id>")
def progress_page(unit_id: int):
    unit = _unit(unit_id, may_view_progress)
    year = _year()
    found = progress(unit, year)
    return render_template("indicators/progress.html", unit=unit, year=year, found=found,
                           may_break_down=may_break_down(current_person(), unit),
                           department_measures=DEPARTMENT_MEASURES,
                           parent_may_set=unit.parent is not None
                           and may_set_indicators(current_person(), unit.parent))


@bp.route("/progress/<int:unit_id>/entries/<int:indicator_id>")
def behind_figure(unit_id: int, indicator_id: int):
    """The entries behind an indicator of ledger points or work facts (the unit with those under it, or one of its
    departments), the most recent first, a page at a time."""
    unit = _unit(unit_id, may_view_progress)
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or unit.id not in {t.unit_id for t in indicator.targets} \
            or indicator.measure not in (Measure.ledger_points.value, Measure.fact_count.value):
        abort(404)
    year = indicator.plan.year
    month = timekeeping.parse_month(request.args.get("month"))
    first, last = (timekeeping.month_bounds(month) if month and month.year == year
                   else (date(year, 1, 1), date(year, 12, 31)))
    department_id = int_arg("department_id")
    department = db.session.get(Department, department_id) if department_id else None
    if department is not None and not department.unit.is_within(unit):
        abort(404)
    query = (select(Entry).join(Unit, Unit.id == Entry.unit_id)
             .where(Unit.path.startswith(unit.path, autoescape=True), Entry.work_date >= first,
                    Entry.work_date <= last))
    if department is not None:
        query = query.where(Entry.department_id == department.id)
    if indicator.measure == Measure.ledger_points.value:
        query = query.where(Entry.status == EntryStatus.approved.value)
        if indicator.measure_param:
            query = query.where(Entry.category_id == int(indicator.measure_param))
    else:
        source, _sep, fact_type = indicator.measure_param.partition(":")
        query = query.join(WorkFact, WorkFact.id == Entry.fact_id).where(WorkFact.source == source,
                                                                          WorkFact.fact_type == fact_type)
    page = int_arg("page", 1, high=10_000)
    per_page = 50
    rows = list(db.session.scalars(query.order_by(Entry.work_date.desc(), Entry.id.desc())
                                   .offset((page - 1) * per_page).limit(per_page + 1)
                                   .options(selectinload(Entry.task_type),
                                            selectinload(Entry.day).selectinload(DayLog.person))))
    return render_template("indicators/entries.html", unit=unit, indicator=indicator, department=department,
                           rows=rows[:per_page], more=len(rows) > per_page, page=page, month=month,
                           first=first, last=last, can_view_ledger=can_view_ledger)
