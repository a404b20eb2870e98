"""Background jobs' pages: start a month close, follow a job's progress, download what it made."""
from __future__ import annotations

import os
from datetime import timedelta

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale, gettext as _

from models import PromotionRound, Role, Unit
from worklog import timekeeping
from worklog.choices import choices
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.jobs import queries, services
from worklog.jobs.forms import ExportForm, MonthCloseForm, RunAgainForm
from worklog.jobs.queue import after_commit
from worklog.labels import JOB_KIND_LABELS, JOB_STATUS_LABELS
from worklog.permissions import can_close_months, can_download_job_file, has_role
from worklog.web import after_this_transaction, current_person, refuse, rollback_only, signed_in_blueprint

bp = signed_in_blueprint("jobs", __name__)


@bp.route("/jobs", methods=["GET", "POST"])
def index():
    person = current_person()
    units = queries.closable_units(person)
    form = MonthCloseForm()
    form.unit.choices = choices((u.id, u.name) for u in units)
    status = 200
    if request.method == "GET":
        # The month a close is for: the last one over (a month under way is refused).
        form.month.data = (timekeeping.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    if request.method == "POST":
        if not units:
            abort(403)
        if form.validate_on_submit():
            unit = db.session.get(Unit, form.unit.data)
            if unit is None or not can_close_months(person, unit):
                abort(404)
            try:
                job = services.start_month_close(unit, {"month": form.month.data, "subtree": form.subtree.data},
                                                 person)
            except ServiceError as error:
                refuse(form, error)
            else:
                after_this_transaction(after_commit(job.id))
                flash(_("The month close has started."), "success")
                return redirect(url_for("jobs.job_page", job_id=job.id))
        rollback_only()
        status = 422
    return render_template("jobs/index.html", form=form, can_close=bool(units), jobs=queries.jobs_for(person),
                           KIND_LABELS=JOB_KIND_LABELS, STATUS_LABELS=JOB_STATUS_LABELS), status


def _job(job_id: int):
    job = queries.job_for(current_person(), job_id)
    if job is None:
        abort(404)
    return job


@bp.route("/jobs/<int:job_id>")
def job_page(job_id: int):
    job = _job(job_id)
    return render_template("jobs/job.html", job=job, progress=queries.progress(job),
                           units_done=queries.units_done(job), run_again_form=RunAgainForm(formdata=None),
                           may_download=can_download_job_file(current_person(), job),
                           KIND_LABELS=JOB_KIND_LABELS, STATUS_LABELS=JOB_STATUS_LABELS)


@bp.route("/jobs/<int:job_id>.json")
def job_progress(job_id: int):
    return jsonify(queries.progress(_job(job_id)))


@bp.route("/jobs/<int:job_id>/run-again", methods=["POST"])
def run_again(job_id: int):
    job = _job(job_id)
    back = url_for("jobs.job_page", job_id=job.id)
    if RunAgainForm().validate_on_submit():
        try:
            services.run_again(job, {}, current_person())
        except ServiceError as error:
            rollback_only()
            flash(error.message, "error")
        else:
            after_this_transaction(after_commit(job.id))
            flash(_("The parts not done yet will run again."), "success")
    else:
        rollback_only()
    return redirect(back)


@bp.route("/jobs/round-export/<int:round_id>", methods=["POST"])
def round_export(round_id: int):
    """HR writes a promotion round's spreadsheet in the background (a province's is too big for a request)."""
    person = current_person()
    round_ = db.session.get(PromotionRound, round_id)
    if round_ is None or not has_role(person, Role.hr, db.session.get(Unit, round_.unit_id)):
        abort(404)
    if not ExportForm().validate_on_submit():
        rollback_only()
        return redirect(url_for("hr.round_page", round_id=round_.id))
    job = services.start_round_export(round_, {"locale": str(get_locale())}, person)
    after_this_transaction(after_commit(job.id))
    flash(_("The export has started; the file will be on this page."), "success")
    return redirect(url_for("jobs.job_page", job_id=job.id))


@bp.route("/jobs/<int:job_id>/download")
def download(job_id: int):
    job = _job(job_id)
    name = (job.result or {}).get("file")
    if not name or not can_download_job_file(current_person(), job):
        abort(404)
    from worklog.annual.exports import export_path
    path = export_path(name)
    if not os.path.isfile(path):
        abort(404)
    return send_file(path, as_attachment=True, download_name=f"round-{job.params.get('round_id')}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", max_age=0)
