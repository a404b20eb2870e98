"""The work facts' administration pages (/admin/facts): mappings, the waiting queue, the reconciliation per source
and day, and file feeds. Province-wide, as the systems that send the facts are: the top unit's administrators
only, as for the API clients."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from models import FactMapping, TaskType
from worklog.bounds import accepts_upload
from worklog.choices import choices
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.facts import feeds, queries, reconciliation, services
from worklog.facts.forms import (FeedUploadForm, MappingForm, MappingImportForm, MatchAgainForm, ReconciliationForm,
                                 WaitingFilterForm)
from worklog.facts.importer import import_mappings, two_places
from worklog.facts.labels import REASON_SHORT, reason_short, reason_text, status_label
from worklog.facts.reasons import REASONS
from worklog.facts.sources import source_names
from worklog.permissions import require_api_client_manager
from worklog.spreadsheets import ImportFailed
from worklog.web import current_person, int_arg, refuse, rollback_only

bp = Blueprint("facts", __name__, url_prefix="/admin/facts")

#: Facts matched again per call of services.match_again: a short IN list on every database.
MATCH_CHUNK = 5_000
#: Reasons of a fact refused before it is kept (answered to its sender only): never in the queue.
NEVER_KEPT = {"outside_units", "bad_date"}


@bp.before_request
@login_required
def _province_admins_only():
    require_api_client_manager(current_person())


@bp.context_processor
def _words():
    return {"status_label": status_label, "reason_short": reason_short, "reason_text": reason_text,
            "count_names": reconciliation.count_names}


# --- Overview -----------------------------------------------------------------------------------------------------


@bp.route("/")
def index():
    counts = queries.queue_counts()
    return render_template("facts/index.html", sources=queries.known_sources(), clients=source_names(),
                           counts=counts, waiting=sum(n for (s, _r), n in counts.items() if s == "waiting"),
                           refused=sum(n for (s, _r), n in counts.items() if s == "refused"))


# --- Mappings -----------------------------------------------------------------------------------------------------


@bp.route("/mappings")
def mappings():
    rows = queries.mappings()
    waiting = queries.waiting_by_type()
    mapped = {(m.source, m.fact_type) for m in rows}
    unmapped = sorted((key, reasons.get("unmapped_type", 0)) for key, reasons in waiting.items()
                      if key not in mapped and reasons.get("unmapped_type"))
    return render_template("facts/mappings.html", mappings=rows, waiting=waiting, unmapped=unmapped,
                           import_form=MappingImportForm(formdata=None))


def _task_choices(form: MappingForm, mapping: FactMapping | None) -> None:
    shown = []
    for task in queries.task_types():
        if task.active or (mapping is not None and task.id == mapping.task_type_id):
            label = f"{task.code} — {task.name}" if task.active else _("%(task)s (not in use)",
                                                                      task=f"{task.code} — {task.name}")
            shown.append((task.id, label))
    form.task_type.choices = choices(shown)


def _mapping_page(form: MappingForm, mapping: FactMapping | None, status: int = 200):
    if status >= 400:
        rollback_only()
    return render_template("facts/mapping_form.html", form=form, mapping=mapping, sources=queries.known_sources(),
                           waiting=queries.waiting_by_type()), status


@bp.route("/mappings/new", methods=["GET", "POST"], defaults={"mapping_id": None})
@bp.route("/mappings/<int:mapping_id>", methods=["GET", "POST"])
def mapping_edit(mapping_id: int | None):
    mapping = db.session.get(FactMapping, mapping_id) if mapping_id else None
    if mapping_id and mapping is None:
        abort(404)
    form = MappingForm(obj=mapping)
    _task_choices(form, mapping)
    if request.method == "GET":
        if mapping is not None:
            form.task_type.data = mapping.task_type_id
        else:  # "Map it" from the list of unmapped types
            form.source.data = (request.args.get("source") or "")[:40]
            form.fact_type.data = (request.args.get("fact_type") or "")[:60]
        return _mapping_page(form, mapping)
    if form.validate_on_submit():
        try:
            source = (form.source.data or "").strip().lower()
            fact_type = " ".join((form.fact_type.data or "").split())
            held = queries.queue_ids_of_type(source, fact_type)
            saved = services.save_mapping(mapping, {
                "source": form.source.data, "fact_type": form.fact_type.data,
                "task_type": db.session.get(TaskType, form.task_type.data),
                "quantity_rule": form.quantity_rule.data, "multiplier": two_places(form.multiplier.data)},
                current_person())
            entered = queries.entered_among(held)
            flash(_("Saved.") + (" " + _("Of the %(held)d facts that waited for this type, %(entered)d are entered "
                                         "now.", held=len(held), entered=entered) if held else ""), "success")
            return redirect(url_for("facts.mappings") + f"#mapping-{saved.id}")
        except ServiceError as error:
            refuse(form, error)
    return _mapping_page(form, mapping, 422)


@bp.route("/mappings/import", methods=["GET", "POST"])
@accepts_upload
def mappings_import():
    form = MappingImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            counts = import_mappings(upload.stream.read(), upload.filename, current_person())
            flash(_("Mappings imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.", **counts),
                  "success")
            return redirect(url_for("facts.mappings"))
        except ImportFailed as failure:
            rollback_only()
            return render_template("facts/mapping_import.html", form=form, failure=failure), 422
    if request.method == "POST":
        rollback_only()
        return render_template("facts/mapping_import.html", form=form, failure=None), 422
    return render_template("facts/mapping_import.html", form=form, failure=None)


# --- The waiting queue --------------------------------------------------------------------------------------------


def _queue_filters(form) -> tuple[str, str]:
    source = (form.source.data or "").strip()[:40]
    reason = form.reason.data or ""
    return source, reason if reason in REASONS else ""


@bp.route("/waiting")
def waiting():
    form = WaitingFilterForm(request.args)
    sources = queries.known_sources()
    form.source.choices = choices([("", _("Every source"))] + [(s, s) for s in sources])
    form.reason.choices = choices([("", _("Every reason"))] + [(code, REASON_SHORT[code]) for code in REASONS
                                                                if code in REASON_SHORT and code not in NEVER_KEPT])
    source, reason = _queue_filters(form)
    after = int_arg("after", 0, low=0)
    page = queries.queue_page(source or None, reason or None, after, int(current_app.config["PAGE_SIZE"]))
    counts = queries.queue_counts(source or None)
    match_form = MatchAgainForm(formdata=None, source=source, reason=reason)
    shown = sum(n for (_s, r), n in counts.items() if not reason or r == reason)
    return render_template("facts/waiting.html", form=form, page=page, counts=counts, source=source, reason=reason,
                           after=after, match_form=match_form, shown=shown)


@bp.route("/waiting/match", methods=["POST"])
def match_again():
    form = MatchAgainForm()
    if not form.validate_on_submit():
        rollback_only()
        flash(_("The request could not be understood."), "error")
        return redirect(url_for("facts.waiting"))
    source, reason = _queue_filters(form)
    actor = current_person()
    if not source and not reason:
        done = services.match_again(actor)
    else:
        done = {"entered": 0, "still": 0}
        ids = queries.queue_ids(source or None, reason or None)
        for start in range(0, len(ids), MATCH_CHUNK):
            result = services.match_again(actor, ids[start:start + MATCH_CHUNK])
            done = {key: done[key] + result[key] for key in done}
    flash(_("Matched again: %(entered)d entered, %(still)d still not entered.", **done), "success")
    return redirect(url_for("facts.waiting", **{k: v for k, v in (("source", source), ("reason", reason)) if v}))


# --- Reconciliation -----------------------------------------------------------------------------------------------


def _reconciliation_args():
    """(form, sources, source, start, end, problem): the page's and the download's choice, checked."""
    form = ReconciliationForm(request.args)
    sources = queries.known_sources()
    form.validate()
    start, end = reconciliation.range_of(form.start.data, form.end.data)
    if form.start.errors or form.end.errors or form.source.errors:
        problem = _("Please correct the marked fields.")
    else:
        problem = reconciliation.range_problem(start, end)
        if problem:
            form.end.errors = list(form.end.errors) + [problem]
    source = (form.source.data or "").strip().lower() or (sources[0] if sources else "")
    form.source.data = source
    form.start.data, form.end.data = start, end
    return form, sources, source, start, end, problem


@bp.route("/reconciliation")
def reconciliation_page():
    form, sources, source, start, end, problem = _reconciliation_args()
    rec = reconciliation.reconcile(source, start, end) if source and not problem else None
    return render_template("facts/reconciliation.html", form=form, sources=sources, rec=rec,
                           problem=problem), 400 if problem else 200


@bp.route("/reconciliation.xlsx")
def reconciliation_xlsx():
    from worklog.exports import xlsx_response
    form, _sources, source, start, end, problem = _reconciliation_args()
    if problem or not source:
        abort(400)
    rec = reconciliation.reconcile(source, start, end)
    facts, more = reconciliation.not_entered(source, start, end)
    return xlsx_response(reconciliation.sheets(rec, facts, more),
                         f"reconciliation-{source}-{start.isoformat()}-{end.isoformat()}.xlsx")


# --- File feeds ---------------------------------------------------------------------------------------------------


@bp.route("/upload", methods=["GET", "POST"])
@accepts_upload
def upload():
    form = FeedUploadForm()
    sources = queries.known_sources()
    if request.method == "GET":
        form.source.data = (request.args.get("source") or "")[:40]
        return render_template("facts/upload.html", form=form, sources=sources, report=None, problems=None)
    problems = None
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            report = feeds.receive_file(upload_file.stream.read(), upload_file.filename, form.source.data,
                                        current_person())
            return render_template("facts/upload.html", form=FeedUploadForm(formdata=None, source=report.source),
                                   sources=sources, report=report, problems=None)
        except ServiceError as error:
            refuse(form, error)
        except services.FactsInvalid as invalid:
            problems = feeds.details_by_row(invalid)
    rollback_only()
    return render_template("facts/upload.html", form=form, sources=sources, report=None, problems=problems), 422
