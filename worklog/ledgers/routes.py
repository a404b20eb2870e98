"""The ledger pages: unit general ledger, department classified ledger, a department's officers, the year,
and their XLSX exports. Every page and export reads the roll-up tables only."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _

from models import Department, FindingTarget, Unit
from worklog import timekeeping
from worklog.exports import xlsx_response
from worklog.extensions import db
from worklog.ledgers import queries
from worklog.permissions import LEDGER_ROLES, can_view_ledger, scope_units
from worklog.web import current_person, signed_in_blueprint

bp = signed_in_blueprint("ledgers", __name__, url_prefix="/ledgers")
bp.before_request(db.read_from_replica)  # reports only: every page and export here reads, none writes

def _unit(unit_id: int) -> Unit:
    unit = queries.unit_with_ancestors(unit_id)
    if unit is None or not can_view_ledger(current_person(), unit):
        abort(404)
    return unit


def _department(department_id: int) -> Department:
    department = queries.department_with_ancestors(department_id)
    if department is None or not can_view_ledger(current_person(), department.unit):
        abort(404)
    return department


def _month(text: str) -> date:
    month = queries.parse_month(text)
    if month is None:
        abort(404)
    return month


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _key(month: date) -> str:
    return month.strftime("%Y-%m")


def _findings(target: FindingTarget, month: date, **where) -> dict:
    """The month's inspection findings about the unit itself or its departments (their deductions, each named), and
    which of them the reader may open (their inspectors and the unit's side)."""
    from worklog.inspection.labels import CATEGORY_LABELS
    from worklog.inspection.queries import findings_of_month
    from worklog.permissions import answers_for, inspects
    me = current_person()
    findings = findings_of_month(target, *timekeeping.month_bounds(month), **where)
    return {"findings": findings, "FINDING_CATEGORY_LABELS": CATEGORY_LABELS,
            "finding_links": {f.id for f in findings if inspects(me, f.unit) or answers_for(me, f.unit)}}


def _context(unit: Unit, month: date | None = None, **extra) -> dict:
    """What every ledger page shows around its table: the way up the tree, months before and after."""
    me = current_person()
    context = {"unit": unit, "trail": [u for u in queries.ancestors(unit) if can_view_ledger(me, u)]}
    if month is not None:
        from worklog.monthly.services import month_review
        context.update(month=month, month_key=_key(month), prev_month=_key((month - timedelta(days=1)).replace(day=1)),
                       next_month=_key((month + timedelta(days=32)).replace(day=1)),
                       month_review=month_review(unit.id, month))
    return context | extra


@bp.route("/")
def index():
    me = current_person()
    units = {unit.id: unit for role in LEDGER_ROLES for unit in scope_units(me, role)}
    if not units:
        abort(404)
    # A unit already under another listed one is reached from there.
    tops = sorted((u for u in units.values() if not any(u.id != o.id and u.is_within(o) for o in units.values())),
                  key=lambda u: u.path)
    return render_template("ledgers/index.html", units=tops, month_key=_key(timekeeping.today()),
                           year=timekeeping.today().year)


@bp.route("/units/<int:unit_id>")
def unit_current(unit_id: int):
    unit = _unit(unit_id)
    return redirect(url_for("ledgers.unit_page", unit_id=unit.id, month=_key(timekeeping.today())))


# --- Unit general ledger (单位总帐) -------------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/<month>")
def unit_page(unit_id: int, month: str):
    unit = _unit(unit_id)
    ledger = queries.unit_ledger(unit, _month(month))
    return render_template("ledgers/unit.html", ledger=ledger, **_context(unit, ledger.month),
                           **_findings(FindingTarget.unit, ledger.month, unit_id=unit.id))


@bp.route("/units/<int:unit_id>/<month>/export.xlsx")
def unit_export(unit_id: int, month: str):
    unit = _unit(unit_id)
    ledger = queries.unit_ledger(unit, _month(month))
    heads = [_("Officers"), _("Entries"), _("Self-assessed points"), _("Approved points"),
             _("Approved points per officer")]
    summary = [[_("This unit's own departments"), *_figures(ledger.own)]]
    if ledger.children:
        summary.append([_("With the units under it"), *_figures(ledger.with_children)])
    sheets = [(_("Unit"), [_("Scope"), *heads], summary),
              (_("Departments"), [_("Code"), _("Department"), *heads, _("Rank")],
               [[r.department.code, r.department.name, *_figures(r.totals), r.rank] for r in ledger.departments.rows])]
    if ledger.children:
        sheets.append((_("Units under it"), [_("Code"), _("Unit"), *heads, _("Rank")],
                       [[c.unit.code, c.unit.name, *_figures(c.totals), c.rank] for c in ledger.children]))
    return xlsx_response(sheets, f"{_('unit-ledger')}-{unit.code}-{_key(ledger.month)}.xlsx")


def _figures(totals: queries.Totals) -> list:
    return [totals.officers, totals.entries, totals.points, totals.approved, totals.per_capita]


# --- Department classified ledger (部门分类帐) ----------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/<month>/departments")
def departments_page(unit_id: int, month: str):
    unit = _unit(unit_id)
    ledger = queries.department_ledger(unit, _month(month))
    return render_template("ledgers/departments.html", ledger=ledger, **_context(unit, ledger.month),
                           **_findings(FindingTarget.department, ledger.month, unit_id=unit.id))


@bp.route("/units/<int:unit_id>/<month>/departments/export.xlsx")
def departments_export(unit_id: int, month: str):
    unit = _unit(unit_id)
    ledger = queries.department_ledger(unit, _month(month))
    heads = [_("Code"), _("Department")]
    for category in ledger.categories:
        heads += [_("%(category)s: points", category=category.name),
                  _("%(category)s: approved", category=category.name)]
    heads += [_("Officers"), _("Entries"), _("Self-assessed points"), _("Approved points"),
              _("Approved points per officer"), _("Rank")]
    rows = []
    for row in ledger.rows:
        cells = []
        for category in ledger.categories:
            cell = row.cells.get(category.id, queries.Totals())
            cells += [cell.points, cell.approved]
        rows.append([row.department.code, row.department.name, *cells, *_figures(row.totals), row.rank])
    totals = []
    for category in ledger.categories:
        cell = ledger.category_totals.get(category.id, queries.Totals())
        totals += [cell.points, cell.approved]
    rows.append(["", _("Unit total"), *totals, *_figures(ledger.total), None])
    return xlsx_response([(_("Department ledger"), heads, rows)],
                         f"{_('department-ledger')}-{unit.code}-{_key(ledger.month)}.xlsx")


# --- One department's month: drill-down to its officers ------------------------------------------------------------


@bp.route("/departments/<int:department_id>/<month>")
def department_page(department_id: int, month: str):
    department = _department(department_id)
    view = queries.department_month(department, _month(month))
    return render_template("ledgers/department.html", view=view, department=department,
                           **_context(department.unit, view.month),
                           **_findings(FindingTarget.department, view.month, department_ids=[department.id]))


@bp.route("/departments/<int:department_id>/<month>/export.xlsx")
def department_export(department_id: int, month: str):
    department = _department(department_id)
    view = queries.department_month(department, _month(month))
    rows = [[o.person.badge, o.person.name, o.entries, o.points, o.approved] for o in view.officers]
    total = view.officers_total
    rows.append(["", _("Total"), total.entries, total.points, total.approved])
    return xlsx_response(
        [(_("Officers"), [_("Badge number"), _("Name"), _("Entries"), _("Self-assessed points"),
                          _("Approved points")], rows),
         (_("Categories"), [_("Category"), _("Entries"), _("Self-assessed points"), _("Approved points")],
          [[c.name, t.entries, t.points, t.approved] for c, t in view.cells])],
        f"{_('department-ledger')}-{department.unit.code}-{department.code}-{_key(view.month)}.xlsx")


# --- The year -------------------------------------------------------------------------------------------------------


@bp.route("/units/<int:unit_id>/year/<int:year>")
def year_page(unit_id: int, year: int):
    unit = _unit(unit_id)
    view = queries.unit_year(unit, _year(year))
    return render_template("ledgers/year.html", view=view, prev_year=year - 1, next_year=year + 1,
                           month_key=_key(date(year, 1, 1)) if year != timekeeping.today().year
                           else _key(timekeeping.today()), **_context(unit))


@bp.route("/units/<int:unit_id>/year/<int:year>/export.xlsx")
def year_export(unit_id: int, year: int):
    unit = _unit(unit_id)
    view = queries.unit_year(unit, _year(year))
    heads = [_("Month"), _("Officers"), _("Entries"), _("Self-assessed points"), _("Approved points"),
             _("Approved points per officer")]
    if view.has_children:
        heads += [_("With the units under it: officers"), _("With the units under it: approved points"),
                  _("With the units under it: approved points per officer")]
    rows = []
    for m in view.months:
        row = [_key(m.month), *_figures(m.own)]
        if view.has_children:
            row += [m.with_children.officers, m.with_children.approved, m.with_children.per_capita]
        rows.append(row)
    mix = [[_key(m.month), *[m.mix.get(c.id) for c in view.categories]] for m in view.months]
    return xlsx_response(
        [(_("Months"), heads, rows),
         (_("Categories"), [_("Month"), *[c.name for c in view.categories]], mix)],
        f"{_('unit-year')}-{unit.code}-{year}.xlsx")
