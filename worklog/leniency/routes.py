"""The leniency page of a unit's assessment panel (/leniency/<unit>/<month>, ``?to=`` a later month for a period), and
its XLSX export. It reads, never writes."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from models import Role
from worklog import timekeeping
from worklog.explanations import Wording
from worklog.exports import xlsx_response
from worklog.extensions import db
from worklog.labels import GRADE_LABELS, MONTH_STATUS_LABELS
from worklog.leniency import queries
from worklog.permissions import unit_for
from worklog.rules.leniency import LENIENT, STRICT, figure, percent
from worklog.web import current_person, signed_in_blueprint

bp = signed_in_blueprint("leniency", __name__, url_prefix="/leniency")
bp.before_request(db.read_from_replica)  # a report: nothing here writes


def side_label(side: str | None) -> str:
    """The flag's words: lenient, strict, or both at once on different measures."""
    if side == LENIENT:
        return _("more lenient than peers")
    if side == STRICT:
        return _("stricter than peers")
    return _("lenient on one measure, strict on the other") if side else ""


def _period(month: str) -> tuple[date, date]:
    """The period: the month in the address, to the month ``?to=`` names (at most a year; a ``to`` that cannot be
    read, or lies before the month, is the month alone)."""
    first = timekeeping.parse_month(month)
    if first is None:
        abort(404)
    last = timekeeping.parse_month(request.args.get("to")) or first
    if last < first:
        last = first
    months = queries.months_in(first, last)
    if len(months) > queries.MOST_MONTHS:
        last = months[queries.MOST_MONTHS - 1]
    return first, last


def _report(unit_id: int, month: str) -> queries.Report:
    unit = unit_for(current_person(), Role.panel, unit_id)
    first, last = _period(month)
    return queries.report(unit, first, last)


def _key(month: date) -> str:
    return month.strftime("%Y-%m")


@bp.route("/<int:unit_id>/<month>")
def page(unit_id: int, month: str):
    # The period form sends ?from=…&to=…: the address names the first month.
    chosen = timekeeping.parse_month(request.args.get("from"))
    if chosen is not None and _key(chosen) != month:
        unit_for(current_person(), Role.panel, unit_id)
        return redirect(url_for("leniency.page", unit_id=unit_id, month=_key(chosen), to=request.args.get("to")))
    report = _report(unit_id, month)
    months = queries.months_in(report.first, report.last)
    previous = (report.first - timedelta(days=1)).replace(day=1)
    following = date(report.last.year + report.last.month // 12, report.last.month % 12 + 1, 1)
    return render_template("leniency/page.html", report=report, groups=report.by_sequence(),
                           first_key=_key(report.first), last_key=_key(report.last), months=len(months),
                           previous_key=_key(previous), following_key=_key(following),
                           percent=percent, figure=figure, side_label=side_label,
                           MONTH_STATUS_LABELS=MONTH_STATUS_LABELS)


@bp.route("/<int:unit_id>/<month>/export.xlsx")
def export(unit_id: int, month: str):
    report = _report(unit_id, month)
    wording = Wording()
    grade_heads = [str(GRADE_LABELS[g]) for g in ("excellent", "competent", "basic", "incompetent")]
    rows = []
    groups = []
    for sequence, group, members in report.by_sequence():
        name = sequence.name if sequence else ""
        groups.append((name, group.counted, _("yes") if group.judged else _("no"),
                       percent(group.medians.get("share")), percent(group.deviations.get("share")),
                       percent(group.medians.get("ratio")), percent(group.deviations.get("ratio"))))
        for row in members:
            person = report.people.get(row.supervisor_id)
            judgement = row.judgement
            flag = ""
            if judgement and judgement.flags:
                flag = side_label(judgement.side)
            why = wording.say([f.phrase for f in judgement.flags]) if judgement and judgement.flags else \
                wording.say(judgement.why_not) if judgement else ""
            rows.append((name, person.badge if person else "", person.name if person else "", row.officers,
                         row.reviews.reviewed, row.reviews.adjusted, row.reviews.returned,
                         row.reviews.adjusted_or_returned, percent(row.share), row.reviews.reported,
                         row.reviews.approved, percent(row.ratio),
                         *[row.grades[g] for g in ("excellent", "competent", "basic", "incompetent")], flag, why))
    period = _key(report.first) if report.first == report.last else f"{_key(report.first)}–{_key(report.last)}"
    heads = [_("Sequence"), _("Badge number"), _("Supervisor"), _("Officers"), _("Entries reviewed"), _("Adjusted"),
             _("Returned"), _("Adjusted or returned"), _("Share adjusted or returned"), _("Self-assessed points"),
             _("Approved points"), _("Approved ÷ self-assessed"), *grade_heads, _("Flag"), _("Why")]
    return xlsx_response([(period, heads, rows),
                          (_("Peer groups"), [_("Sequence"), _("Supervisors counted"), _("Judged"),
                                              _("Median share adjusted or returned"), _("Robust deviation"),
                                              _("Median approved ÷ self-assessed"), _("Robust deviation")], groups)],
                         f"leniency-{report.unit.code}-{period}.xlsx")
