"""Pages of units' public evaluation and comprehensive scores: the survey's statistics and monthly bulletin,
opinion polls and their import, and the units' evaluation with its explanation and exports."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from models import Person, Unit
from models.survey import ContactKind, OpinionPoll, UnitEvaluationRun
from worklog import timekeeping
from worklog.bounds import accepts_upload
from worklog.exports import xlsx_response
from worklog.extensions import db
from worklog.ledgers.queries import parse_month
from worklog.permissions import is_root_admin
from worklog.units import evaluation as evaluations, labels, polls, statistics as stats
from worklog.web import current_person, rollback_only, signed_in_blueprint, submit

bp = signed_in_blueprint("units", __name__, url_prefix="/units")


@bp.before_request
def _reports_from_replica():
    """The bulletin, statistics and evaluation pages only read: served by the read replica when there is one."""
    if request.method == "GET":
        db.read_from_replica()


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[
        FileRequired(), FileAllowed(["csv", "xlsx"], _l("Only .csv and .xlsx files can be imported."))])
    submit = SubmitField(_l("Import"))


class RecordForm(FlaskForm):
    submit = SubmitField(_l("Record the evaluation"))


class FinaliseForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Make it final"))


@bp.app_context_processor
def _labels():
    return {"KIND_LABELS": labels.KIND_LABELS, "GROUP_LABELS": labels.GROUP_LABELS,
            "UNIT_GRADE_LABELS": labels.UNIT_GRADE_LABELS, "PEER_LABELS": labels.PEER_LABELS,
            "REASON_LABELS": labels.REASON_LABELS, "EVALUATION_STATUS_LABELS": labels.STATUS_LABELS,
            "EXPLANATION_LABELS": labels.EXPLANATION_LABELS}


def _viewer() -> Person:
    """Survey staff, administrators, the panel and HR read these pages, each over the units of their grants."""
    me = current_person()
    if not stats.may_view(me):
        abort(403)
    return me


@dataclass(frozen=True)
class Period:
    start: date
    annual: bool

    @property
    def args(self) -> dict[str, str]:
        return {"year": str(self.start.year)} if self.annual else {"month": self.start.strftime("%Y-%m")}

    @property
    def key(self) -> str:
        return str(self.start.year) if self.annual else self.start.strftime("%Y-%m")

    def neighbours(self) -> tuple[Period, Period]:
        if self.annual:
            return Period(date(self.start.year - 1, 1, 1), True), Period(date(self.start.year + 1, 1, 1), True)
        before = date(self.start.year - (self.start.month == 1), (self.start.month - 2) % 12 + 1, 1)
        after = date(self.start.year + (self.start.month == 12), self.start.month % 12 + 1, 1)
        return Period(before, False), Period(after, False)


def _period(allow_year: bool = True, last_over: bool = False) -> Period:
    """``?month=YYYY-MM`` or ``?year=YYYY``; when neither is given, this month, or with ``last_over`` the last
    month over (the survey's figures of the current month are still being called); anything else is a 404."""
    month, year = request.args.get("month"), request.args.get("year")
    if month is not None and year is None:
        start = parse_month(month)
        if start is None:
            abort(404)
        return Period(start, False)
    if year is not None and month is None and allow_year:
        if not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100):
            abort(404)
        return Period(date(int(year), 1, 1), True)
    if month is None and year is None:
        this_month = timekeeping.today().replace(day=1)
        if last_over:
            return Period((this_month - timedelta(days=1)).replace(day=1), False)
        return Period(this_month, False)
    abort(404)


# --- Survey statistics and the bulletin -------------------------------------------------------------------------


@bp.route("/statistics")
def statistics_page():
    me = _viewer()
    period = _period(last_over=True)
    figures = stats.statistics(period.start, period.annual, me)
    return render_template("units/statistics.html", stats=figures, period=period, kinds=list(ContactKind))


@bp.route("/bulletin")
def bulletin():
    me = _viewer()
    period = _period(allow_year=False, last_over=True)
    province = stats.statistics(period.start, False, None)  # every unit's place is province-wide
    return render_template("units/bulletin.html", stats=stats.within(province, me), period=period,
                           kinds=list(ContactKind), places=stats.places(province))


@bp.route("/bulletin.xlsx")
def bulletin_export():
    me = _viewer()
    period = _period(allow_year=False, last_over=True)
    province = stats.statistics(period.start, False, None)
    s = stats.within(province, me)
    heads = [_("People called"), _("Reached"), _("Valid samples"), _("Reply rate (%)"), _("Satisfaction")]

    def figures(f: stats.Figures) -> list:
        return [f.called, f.reached, f.valid, f.reply_rate, f.satisfaction]

    summary = [[_("All contacts"), *figures(s.total)]]
    summary += [[str(labels.GROUP_LABELS[name]), *figures(f)] for name, f in s.groups.items()]
    kinds = [[str(labels.KIND_LABELS[kind]), *figures(f)] for kind, f in s.kinds.items()]
    units = []
    places = stats.places(province)
    for level, rows in s.peer_groups():
        for row in rows:
            units.append([str(labels.PEER_LABELS[level]), places.get(row.unit.id), row.unit.code, row.unit.name,
                          *figures(row.overall)])
    sheets = [(_("Summary"), [_("Contacts"), *heads], summary),
              (_("Kinds of contact"), [_("Kind of contact"), *heads], kinds),
              (_("Units"), [_("Peer group"), _("Place"), _("Code"), _("Unit"), *heads], units)]
    return xlsx_response(sheets, f"{_('survey-bulletin')}-{period.key}.xlsx")


# --- Opinion polls ---------------------------------------------------------------------------------------------------


def _year_arg() -> int:
    year = request.args.get("year", str(timekeeping.today().year))
    if not (year.isascii() and year.isdigit() and 2000 <= int(year) <= 2100):
        abort(404)
    return int(year)


def _polls_page(me: Person, year: int, form: ImportForm, status: int = 200):
    rows = list(db.session.scalars(
        select(OpinionPoll).join(Unit, Unit.id == OpinionPoll.unit_id)
        .where(OpinionPoll.round_month >= date(year, 1, 1), OpinionPoll.round_month <= date(year, 12, 1),
               stats.scope_clause(me))
        .options(selectinload(OpinionPoll.unit))
        .order_by(OpinionPoll.round_month.desc(), Unit.code)))
    return render_template("units/polls.html", polls=rows, year=year, may_import=polls.may_import(me),
                           form=form), status


@bp.route("/polls")
def polls_page():
    me = _viewer()
    return _polls_page(me, _year_arg(), ImportForm(formdata=None))


@bp.route("/polls/import", methods=["POST"])
@accepts_upload
def polls_import():
    me = current_person()
    if not polls.may_import(me):
        abort(403)
    from worklog.spreadsheets import ImportFailed
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            counts = polls.import_polls(upload.stream.read(), upload.filename or "", me)
        except ImportFailed as failure:
            rollback_only()
            return render_template("units/import_failed.html", failure=failure), 422
        flash(_("Opinion polls imported: %(created)d new, %(unchanged)d unchanged.", **counts), "success")
        return redirect(url_for("units.polls_page"))
    rollback_only()
    return _polls_page(me, timekeeping.today().year, form, 422)


# --- Units' evaluation -----------------------------------------------------------------------------------------------


@dataclass
class ViewRow:
    """One unit's line as the pages show it, from a stored run or a live computation."""
    unit: Unit
    level: str
    work_score: Decimal | None
    work_normalised: Decimal | None
    poll: Decimal | None
    poll_sample: int
    survey: Decimal | None
    survey_called: int
    survey_valid: int
    reply_rate: Decimal | None
    public: Decimal | None
    comprehensive: Decimal | None
    rank: int | None
    public_rank: int | None
    peers: int
    grade: str | None
    yellow_card: bool
    yellow_flagged: bool
    explanation: list[dict] = field(default_factory=list)

    @property
    def reason(self) -> str:
        for line in self.explanation:
            if line.get("rule") == "unit_not_rated":
                return line.get("value", "")
        return ""


FIGURES = ("level", "work_score", "work_normalised", "poll", "poll_sample", "survey", "survey_called",
           "survey_valid", "reply_rate", "public", "comprehensive", "rank", "public_rank", "peers", "grade",
           "yellow_card", "yellow_flagged")


def _view_rows(period: Period) -> tuple[UnitEvaluationRun | None, list[ViewRow], dict]:
    """The stored run's rows if there is one, else a live computation; with the rule values used."""
    run = evaluations.run_for(period.start, period.annual)
    if run is not None:
        rows = [ViewRow(r.unit, **{name: getattr(r, name) for name in FIGURES}, explanation=list(r.explanation))
                for r in run.results]
        return run, rows, dict(run.rules)
    computed = evaluations.compute(period.start, period.annual)
    rows = [ViewRow(r.unit, **{name: getattr(r, name) for name in FIGURES},
                    explanation=evaluations.explanation_json(r.explanation)) for r in computed.rows()]
    return None, rows, computed.rules.to_mapping()


def _groups(rows: list[ViewRow], me: Person) -> list[tuple[str, list[ViewRow], list[ViewRow]]]:
    """Per peer group, the rows the viewer may see: rated by place, then the units not rated."""
    groups = []
    for level in stats.PEER_LEVELS:
        mine = [r for r in rows if r.level == level and stats.may_view_unit(me, r.unit)]
        if not mine:
            continue
        rated = sorted((r for r in mine if r.rank is not None), key=lambda r: (r.rank, r.unit.code))
        unrated = sorted((r for r in mine if r.rank is None), key=lambda r: r.unit.code)
        groups.append((level, rated, unrated))
    return groups


def _evaluation_page(period: Period, status: int = 200, record_form=None):
    me = _viewer()
    run, rows, rules = _view_rows(period)
    finalise_form = FinaliseForm(formdata=None, version=str(run.version)) if run is not None else None
    return render_template("units/evaluation.html", period=period, run=run, groups=_groups(rows, me), rules=rules,
                           may_record=is_root_admin(me) and evaluations.period_end(period.start, period.annual)
                           < timekeeping.today(),
                           record_form=record_form or RecordForm(formdata=None),
                           finalise_form=finalise_form), status


@bp.route("/evaluation")
def evaluation_page():
    return _evaluation_page(_period())


@bp.route("/evaluation.xlsx")
def evaluation_export():
    me = _viewer()
    period = _period()
    run, rows, _rules = _view_rows(period)
    heads = [_("Peer group"), _("Place"), _("Code"), _("Unit"), _("Work score"), _("Work score among the peers"),
             _("Opinion poll"), _("Poll sample"), _("Survey satisfaction"), _("People called"), _("Valid samples"),
             _("Reply rate (%)"), _("Public evaluation"), _("Public place"), _("Comprehensive score"), _("Grade"),
             _("Yellow card"), _("Yellow cards in a row"), _("Not rated because")]
    lines = []
    for level, rated, unrated in _groups(rows, me):
        for r in rated + unrated:
            lines.append([str(labels.PEER_LABELS[level]), r.rank, r.unit.code, r.unit.name, r.work_score,
                          r.work_normalised, r.poll, r.poll_sample, r.survey, r.survey_called, r.survey_valid,
                          r.reply_rate, r.public, r.public_rank, r.comprehensive,
                          str(labels.UNIT_GRADE_LABELS[r.grade]) if r.grade else "",
                          _("Yes") if r.yellow_card else "", _("Yes") if r.yellow_flagged else "",
                          str(labels.REASON_LABELS.get(r.reason, "")) if r.reason else ""])
    status = (_("Final") if run.status == "final" else _("Recorded")) if run else _("Not recorded")
    title = f"{_('Evaluation')} {period.key} ({status})"
    return xlsx_response([(title, heads, lines)], f"{_('unit-evaluation')}-{period.key}.xlsx")


@bp.route("/evaluation/record", methods=["POST"])
def evaluation_record():
    me = _viewer()
    if not is_root_admin(me):
        abort(403)
    period = _period()
    form = RecordForm()
    response, status = submit(form, lambda: evaluations.record(period.start, period.annual, me),
                              _("The evaluation of %(period)s is recorded.", period=period.key),
                              url_for("units.evaluation_page", **period.args))
    if response is not None:
        return response, status
    return _evaluation_page(period, status, form)


@bp.route("/evaluation/runs/<int:run_id>/finalise", methods=["POST"])
def evaluation_finalise(run_id: int):
    me = _viewer()
    if not is_root_admin(me):
        abort(403)
    run = db.session.get(UnitEvaluationRun, run_id)
    if run is None:
        abort(404)
    period = Period(run.period, run.annual)
    form = FinaliseForm()

    def act():
        version = int(form.version.data) if str(form.version.data).isdigit() else -1
        evaluations.finalise(run, me, version)

    response, status = submit(form, act, _("The evaluation of %(period)s is final.", period=period.key),
                              url_for("units.evaluation_page", **period.args))
    if response is not None:
        return response, status
    return _evaluation_page(period, status)


@bp.route("/evaluation/<int:unit_id>")
def evaluation_unit(unit_id: int):
    me = _viewer()
    unit = db.session.get(Unit, unit_id)
    if unit is None or not stats.may_view_unit(me, unit):
        abort(404)
    period = _period()
    run, rows, rules = _view_rows(period)
    row = next((r for r in rows if r.unit.id == unit.id), None)
    if row is None:
        abort(404)
    return render_template("units/explanation.html", period=period, run=run, row=row, rules=rules)
