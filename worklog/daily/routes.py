"""The day page, the officer detail ledger and its exports."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, get_template_attribute, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext as _

from models import Entry, Person, TaskType
from worklog import timekeeping
from worklog.catalog import queries as catalog
from worklog.choices import choices
from worklog.daily import queries, services
from worklog.daily.forms import ActionForm, EntryForm, GoToDateForm, SubmitDayForm
from worklog.errors import ServiceError
from worklog.exports import csv_response, xlsx_response
from worklog.extensions import db
from worklog.permissions import can_view_work
from worklog.web import current_person, refuse, rollback_only, signed_in_blueprint
from worklog.rulesets.queries import values_on
from worklog.weekly.queries import open_tasks_of

bp = signed_in_blueprint("daily", __name__)


def _options_for(person: Person, day: date):
    assignment = person.assignment_on(day)
    return catalog.task_options(assignment, person.id, day) if assignment else []


def _entry_form(options, blank: bool = False, **kwargs) -> EntryForm:
    """The entry form with the task choices open to the officer that day; ``blank`` ignores the request."""
    form = EntryForm(formdata=None, **kwargs) if blank else EntryForm(**kwargs)
    form.task_type.choices = choices((o.id, o.name) for o in options)
    return form


def _summary(person: Person, day: date, log, entries: list[Entry]) -> dict:
    """What the day's summary line shows (the page and the quick line's answer write it alike)."""
    return {"log": log, "deadline": log.deadline_at if log else timekeeping.deadline_for(day),
            "total": sum((e.points for e in entries), start=0), "hours": sum((e.hours for e in entries), start=0),
            "assignment": person.assignment_on(day)}


def _page(person: Person, day: date, form: EntryForm | None = None, submit_form: SubmitDayForm | None = None,
          status: int = 200):
    options = _options_for(person, day)
    if form is None:
        form = _entry_form(options, blank=True)
    elif form.task_type.choices is None:  # a refused entry: its form is shown again, with the tasks
        form.task_type.choices = choices((o.id, o.name) for o in options)
    log = queries.day_log(person.id, day)
    if submit_form is None:
        submit_form = SubmitDayForm(formdata=None, self_assessment=log.self_assessment if log else "")
    closed_reason = None
    try:
        services.check_open(person, day, lock=False)
    except ServiceError as error:
        closed_reason = error.message
    if status >= 400:
        rollback_only()
    entries = queries.day_entries(person.id, day)
    return render_template(
        "daily/day.html", person=person, day=day, entries=entries, options=options, form=form,
        submit_form=submit_form, action_form=ActionForm(formdata=None), closed_reason=closed_reason,
        **_summary(person, day, log, entries), today=timekeeping.today(),
        prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1),
        goto=GoToDateForm(formdata=None, day=day), assigned=open_tasks_of(person.id), rules=values_on(day)), status


@bp.route("/day")
def today():
    form = GoToDateForm(request.args)
    if request.args and form.validate():
        return redirect(url_for("daily.day_page", day=form.day.data))
    return redirect(url_for("daily.day_page", day=timekeeping.today()))


@bp.route("/day/<isodate:day>")
def day_page(day: date):
    return _page(current_person(), day)


def _from_script() -> bool:
    """Sent by the day page's quick entry line (day.js), which wants JSON, not a page."""
    return request.headers.get("X-Requested-With") == "fetch"


@bp.route("/day/<isodate:day>/entries", methods=["POST"])
def add_entry(day: date):
    person = current_person()
    # The task is checked against the post's catalog by the service: the catalog is read again only to show a
    # refused form.
    form = EntryForm()
    form.task_type.validate_choice = False
    if form.validate_on_submit():
        try:
            entry = services.add_entry(person, _entry_data(form, day), person)
            if _from_script():
                return _added(person, day, entry)
            flash(_("Entry added."), "success")
            return redirect(url_for("daily.day_page", day=day) + "#entries")
        except ServiceError as error:
            refuse(form, error)
    if _from_script():
        rollback_only()
        errors = {name: [str(m) for m in field.errors] for name, field in form._fields.items() if field.errors}
        first = next(iter(errors.values()), [_("The entry could not be added.")])[0]
        return jsonify(message=first, errors=errors), 422
    return _page(person, day, form=form, status=422)


def _added(person: Person, day: date, entry: Entry):
    """The quick entry line's answer: the day's rows and summary written again, and what to announce."""
    entries = queries.day_entries(person.id, day)
    rows = get_template_attribute("daily/_entries.html", "entry_rows")
    summary = get_template_attribute("daily/_entries.html", "summary_line")
    return jsonify(
        message=_("Added: %(task)s × %(quantity)s %(unit)s, %(points)s points.", task=entry.task_type.name,
                  quantity=format_decimal(entry.quantity, "0.##"), unit=entry.task_type.unit_of_measure,
                  points=format_decimal(entry.points, "0.00")),
        rows=str(rows(entries, day, None, ActionForm(formdata=None), catalog.favourite_ids(person.id))),
        summary=str(summary(**_summary(person, day, queries.day_log(person.id, day), entries))))


def _entry_data(form: EntryForm, day: date) -> dict:
    return {"work_date": day, "task_type": db.session.get(TaskType, form.task_type.data),
            "quantity": form.quantity.data, "hours": form.hours.data, "description": form.description.data,
            "completion": form.completion.data}


def _own_entry(entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.person_id != current_person().id:
        abort(404)
    return entry


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
def edit_entry(entry_id: int):
    entry = _own_entry(entry_id)
    person = current_person()
    options = _options_for(person, entry.work_date)
    if request.method == "POST":
        form = _entry_form(options)
    else:
        form = _entry_form(options, blank=True, obj=entry)
        form.task_type.data = entry.task_type_id
    if form.validate_on_submit():
        try:
            services.update_entry(entry, _entry_data(form, entry.work_date), person)
            flash(_("Entry saved."), "success")
            return redirect(url_for("daily.day_page", day=entry.work_date) + "#entries")
        except ServiceError as error:
            refuse(form, error)
    status = 422 if request.method == "POST" else 200
    if status == 422:
        rollback_only()
    return render_template("daily/edit_entry.html", entry=entry, form=form, options=options,
                           rules=values_on(entry.work_date)), status


@bp.route("/entries/<int:entry_id>/delete", methods=["POST"])
def delete_entry(entry_id: int):
    entry = _own_entry(entry_id)
    day = entry.work_date
    if ActionForm().validate_on_submit():
        try:
            services.delete_entry(entry, current_person())
            flash(_("Entry deleted."), "success")
        except ServiceError as error:
            rollback_only()
            flash(error.message, "error")
    return redirect(url_for("daily.day_page", day=day) + "#entries")


@bp.route("/day/<isodate:day>/submit", methods=["POST"])
def submit_day(day: date):
    person = current_person()
    form = SubmitDayForm()
    if form.validate_on_submit():
        try:
            log = services.submit_day(person, day, form.self_assessment.data, person)
            if log.late:
                flash(_("Day submitted after its deadline: it is marked late."), "warning")
            else:
                flash(_("Day submitted."), "success")
            return redirect(url_for("daily.day_page", day=day))
        except ServiceError as error:
            refuse(form, error)
    return _page(person, day, submit_form=form, status=422)


@bp.route("/day/<isodate:day>/copy", methods=["POST"])
def copy_previous(day: date):
    person = current_person()
    if ActionForm().validate_on_submit():
        try:
            copied = services.copy_previous_day(person, day, person)
            flash(_("%(n)d entries copied as drafts: check quantities and completion.", n=len(copied)), "success")
        except ServiceError as error:
            rollback_only()
            flash(error.message, "error")
    return redirect(url_for("daily.day_page", day=day))


@bp.route("/favourites/<int:task_type_id>", methods=["POST"])
def toggle_favourite(task_type_id: int):
    person = current_person()
    task_type = db.session.get(TaskType, task_type_id)
    back = request.form.get("day") or timekeeping.today().isoformat()
    try:
        day = date.fromisoformat(back)
    except ValueError:
        day = timekeeping.today()
    assignment = person.assignment_on(day)
    if task_type is None or assignment is None or not catalog.is_available(task_type, assignment):
        abort(404)
    if ActionForm().validate_on_submit():
        if services.toggle_favourite(person, task_type):
            flash(_("%(task)s is now among your usual tasks.", task=task_type.name), "success")
        else:
            flash(_("%(task)s is no longer among your usual tasks.", task=task_type.name), "info")
    return redirect(url_for("daily.day_page", day=day))


# --- The officer detail ledger ------------------------------------------------------------------------------


def _month(text: str | None) -> date:
    if not text:
        return timekeeping.today().replace(day=1)
    month = timekeeping.parse_month(text)
    if month is None:
        abort(404)
    return month


def _ledger_person(person_id: int | None) -> Person:
    if person_id is None:
        return current_person()
    person = db.session.get(Person, person_id)
    if person is None or not can_view_work(current_person(), person):
        abort(404)
    return person


@bp.route("/ledger", defaults={"person_id": None, "month": None})
@bp.route("/ledger/<month>", defaults={"person_id": None})
@bp.route("/people/<int:person_id>/ledger", defaults={"month": None})
@bp.route("/people/<int:person_id>/ledger/<month>")
def ledger(person_id: int | None, month: str | None):
    person = _ledger_person(person_id)
    ledger = queries.month_ledger(person, _month(month))
    template = "daily/ledger_print.html" if request.args.get("print") else "daily/ledger.html"
    first = ledger.month
    return render_template(template, ledger=ledger, person=person, person_id=person_id,
                           prev_month=(first - timedelta(days=1)).strftime("%Y-%m"),
                           next_month=(first + timedelta(days=32)).strftime("%Y-%m"),
                           month_key=first.strftime("%Y-%m"))


@bp.route("/ledger/<month>/export.<fmt>", defaults={"person_id": None})
@bp.route("/people/<int:person_id>/ledger/<month>/export.<fmt>")
def ledger_export(person_id: int | None, month: str, fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    person = _ledger_person(person_id)
    ledger = queries.month_ledger(person, _month(month))
    headers = [_("Date"), _("Task"), _("Category"), _("Quantity"), _("Unit of measure"), _("Hours"),
               _("Completion"), _("Self-assessed points"), _("Approved points"), _("Status"), _("Origin"),
               _("Reference"), _("What was done")]
    from worklog.facts.sources import source_name
    from worklog.labels import COMPLETION_LABELS, ENTRY_STATUS_LABELS
    rows = [[e.work_date, e.task_type.name, e.category.name, e.quantity, e.task_type.unit_of_measure, e.hours,
             str(COMPLETION_LABELS[e.completion]), e.points, e.approved_points,
             str(ENTRY_STATUS_LABELS[e.status]), source_name(e.source) if e.source else _("Self-reported"),
             e.reference, e.description]
            for d in ledger.days for e in d.entries]
    filename = f"{_('ledger')}-{person.badge}-{ledger.month:%Y-%m}.{fmt}"
    if fmt == "csv":
        return csv_response(headers, rows, filename)
    days = [[d.day, d.total.entries, d.total.hours, d.total.points, d.total.approved,
             (d.log.self_assessment if d.log else "")] for d in ledger.days if d.entries or d.log]
    categories = [[c.name, t.entries, t.points, t.approved] for c, t in ledger.categories]
    return xlsx_response([
        (_("Entries"), headers, rows),
        (_("Days"), [_("Date"), _("Entries"), _("Hours"), _("Self-assessed points"), _("Approved points"),
                     _("Self-assessment")], days),
        (_("Categories"), [_("Category"), _("Entries"), _("Self-assessed points"), _("Approved points")],
         categories),
        (_("Origins"), [_("Origin"), _("Entries"), _("Self-assessed points"), _("Approved points")],
         [[source_name(s) if s else _("Self-reported"), t.entries, t.points, t.approved] for s, t in ledger.origins]),
    ], filename)
