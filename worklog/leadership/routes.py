"""Leadership's view: the units a reader leads (or whose ledgers they read), and a unit's dashboard for a month,
half-year or year beside the same period a year earlier, with its tables as XLSX. Every page here reads; none
writes."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import Unit
from worklog import timekeeping
from worklog.exports import xlsx_response
from worklog.extensions import db
from worklog.leadership import labels, queries, tables
from worklog.ledgers.queries import ancestors, unit_with_ancestors
from worklog.permissions import LEADERSHIP_ROLES, may_view_leadership, scope_units
from worklog.rules.leadership import HALF, KINDS, MONTH, YEAR, Period, parse_period, period_of
from worklog.web import current_person, signed_in_blueprint

bp = signed_in_blueprint("leadership", __name__, url_prefix="/leadership")
bp.before_request(db.read_from_replica)  # reports only


@bp.app_context_processor
def _labels():
    return {"LEADERSHIP_KIND_LABELS": labels.KIND_LABELS}


def _reader():
    """Leadership and whoever reads ledgers open these pages, each over the units of their grants; nobody else."""
    me = current_person()
    if not may_view_leadership(me):
        abort(403)
    return me


def _unit(unit_id: int) -> Unit:
    """Load → check: a unit outside the reader's scope is answered as a missing one."""
    me = _reader()
    unit = unit_with_ancestors(unit_id)
    if unit is None or not may_view_leadership(me, unit):
        abort(404)
    return unit


def _default_period() -> Period:
    """The last month that is over: this month's results are not out yet."""
    return period_of(timekeeping.today().replace(day=1) - timedelta(days=1), MONTH)


def _period() -> Period:
    """``?period=2026-03``, ``2026-H1`` or ``2026``; the last month over when absent; anything else, or a period not
    begun, is a 404."""
    text = request.args.get("period")
    period = _default_period() if text is None else parse_period(text)
    if period is None or period.first > timekeeping.today():
        abort(404)
    return period


def _choices(period: Period) -> list[tuple[str, list[Period]]]:
    """The periods the selector offers, by kind, newest first: two years of months, three of halves and years
    (and the one shown, if older)."""
    today = timekeeping.today()
    found = []
    for kind, count in ((MONTH, 24), (HALF, 6), (YEAR, 4)):
        newest = period_of(today, kind)
        offered = [p for p in (newest.shifted(-i) for i in range(count)) if p is not None]
        if period.kind == kind and period not in offered:
            offered.append(period)
        found.append((kind, offered))
    return found


@bp.route("/")
def index():
    me = _reader()
    units = {unit.id: unit for role in LEADERSHIP_ROLES for unit in scope_units(me, role)}
    # A unit already under another listed one is reached from there.
    tops = sorted((u for u in units.values() if not any(u.id != o.id and u.is_within(o) for o in units.values())),
                  key=lambda u: u.path)
    if len(tops) == 1:
        return redirect(url_for("leadership.unit_page", unit_id=tops[0].id))
    return render_template("leadership/index.html", units=tops)


@bp.route("/<int:unit_id>")
def unit_page(unit_id: int):
    unit = _unit(unit_id)
    period = _period()
    view = queries.dashboard(unit, period)
    me = current_person()
    before, after = period.shifted(-1), period.shifted(1)
    return render_template(
        "leadership/unit.html", view=view, unit=unit, period=period, tables=tables.tables_of(view),
        GRADES=queries.GRADES, row_name=tables.row_name, period_name=labels.period_name,
        figure_label=labels.figure_label, months_list=labels.months_list, TABLE_LABELS=labels.TABLE_LABELS, choices=_choices(period),
        kinds=KINDS, previous=before, following=after if after and after.first <= timekeeping.today() else None,
        trail=[u for u in ancestors(unit) if may_view_leadership(me, u)])


@bp.route("/<int:unit_id>/export.xlsx")
def export(unit_id: int):
    unit = _unit(unit_id)
    period = _period()
    view = queries.dashboard(unit, period)
    wanted = request.args.get("table")
    chosen = tables.tables_of(view)
    if wanted is not None:
        chosen = [t for t in chosen if t.key == wanted]
        if not chosen:
            abort(404)
    sheets = [tables.sheet(view, table) for table in chosen]
    prefix = _("leadership-view")
    name = chosen[0].key if wanted else "all"
    return xlsx_response(sheets, f"{prefix}-{unit.code}-{period.key}-{name}.xlsx")

