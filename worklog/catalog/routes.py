"""Administration of the task catalog (考核项目) and the working-day calendar."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from models import CalendarDay, Post, Role, Sequence, TaskCategory, TaskType
from worklog import timekeeping
from worklog.bounds import accepts_upload
from worklog.catalog import queries, services
from worklog.catalog.forms import (CalendarDayForm, CatalogImportForm, NewTaskTypeForm, TaskCategoryForm, TaskTypeForm,
                                   VersionForm)
from worklog.choices import choices, grouped
from worklog.daily.forms import ActionForm
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.permissions import may_manage_catalog, require_catalog_manager, require_role
from worklog.web import current_person, int_arg, refuse, rollback_only

bp = Blueprint("catalog", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    require_role(current_user, Role.admin)


def _may_manage() -> bool:
    return may_manage_catalog(current_person())


def _require_manager() -> None:
    require_catalog_manager(current_person())


@bp.route("/tasks")
def tasks():
    sequences = list(db.session.scalars(select(Sequence).order_by(Sequence.code)))
    sequence_id = int_arg("sequence")
    types = queries.catalog_types(sequence_id)
    today = timekeeping.today()
    return render_template("catalog/tasks.html", types=types, sequences=sequences, sequence_id=sequence_id,
                           today=today, may_manage=_may_manage(), import_form=CatalogImportForm(formdata=None))


# --- Task categories ----------------------------------------------------------------------------------------


@bp.route("/task-categories")
def categories():
    return render_template("catalog/categories.html", rows=queries.categories_with_counts(),
                           may_manage=_may_manage(), action_form=ActionForm(formdata=None))


@bp.route("/task-categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/task-categories/<int:category_id>", methods=["GET", "POST"])
def category_edit(category_id: int | None):
    category = db.session.get(TaskCategory, category_id) if category_id else None
    if category_id and category is None:
        abort(404)
    _require_manager()
    form = TaskCategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            services.save_category(category, {"code": form.code.data, "name": form.name.data,
                                              "position": form.position.data}, current_person())
            flash(_("Saved."), "success")
            return redirect(url_for("catalog.categories"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        rollback_only()
        return render_template("catalog/category_form.html", form=form, category=category), 422
    return render_template("catalog/category_form.html", form=form, category=category)


@bp.route("/task-categories/<int:category_id>/delete", methods=["POST"])
def category_delete(category_id: int):
    category = db.session.get(TaskCategory, category_id)
    if category is None:
        abort(404)
    _require_manager()
    if not ActionForm().validate_on_submit():  # CSRF is checked app-wide: nothing else to report here
        rollback_only()
        return redirect(url_for("catalog.categories")), 303
    name = category.name
    try:
        services.delete_category(category, current_person())
    except ServiceError as error:
        rollback_only()
        flash(error.message, "error")
        return render_template("catalog/categories.html", rows=queries.categories_with_counts(), may_manage=True,
                               action_form=ActionForm(formdata=None)), 422
    flash(_("Category %(name)s deleted.", name=name), "success")
    return redirect(url_for("catalog.categories"))


def _fill_choices(form: TaskTypeForm) -> None:
    form.category.choices = choices((c.id, c.name) for c in queries.categories())
    sequences = list(db.session.scalars(select(Sequence).order_by(Sequence.code)))
    form.sequence.choices = choices([("", _("Every sequence"))] + [(s.id, s.name) for s in sequences])
    posts = db.session.scalars(select(Post).join(Sequence).order_by(Sequence.code, Post.code))
    groups: dict[str, list] = {}
    for post in posts:
        groups.setdefault(post.sequence.name, []).append((post.id, f"{post.name} ({post.code})"))
    form.posts.choices = grouped(groups)


def _type_data(form: TaskTypeForm) -> dict:
    category = db.session.get(TaskCategory, form.category.data)
    sequence = db.session.get(Sequence, form.sequence.data) if form.sequence.data else None
    posts = list(db.session.scalars(select(Post).where(Post.id.in_(form.posts.data or []))))
    if category is None:
        raise ServiceError(_("Choose a category."), "category")
    data = {"code": form.code.data, "name": form.name.data, "category": category, "sequence": sequence,
            "posts": posts, "unit_of_measure": form.unit_of_measure.data, "active": form.active.data}
    if isinstance(form, NewTaskTypeForm):
        data |= {"standard_points": form.standard_points.data, "daily_cap": form.daily_cap.data,
                 "valid_from": form.valid_from.data}
    return data


@bp.route("/tasks/new", methods=["GET", "POST"])
def task_new():
    _require_manager()
    form = NewTaskTypeForm()
    _fill_choices(form)
    if request.method == "GET":
        form.valid_from.data = timekeeping.today()
    if form.validate_on_submit():
        try:
            task_type = services.save_task_type(None, _type_data(form), current_person())
            flash(_("Task created."), "success")
            return redirect(url_for("catalog.task_edit", task_type_id=task_type.id))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        rollback_only()
        return render_template("catalog/task_form.html", form=form, task_type=None), 422
    return render_template("catalog/task_form.html", form=form, task_type=None)


def _task_page(task_type: TaskType, form=None, version_form=None, status: int = 200):
    if form is None:
        form = TaskTypeForm(formdata=None, obj=task_type)
        form.sequence.data = task_type.sequence_id or 0
        form.posts.data = [p.id for p in task_type.posts]
        form.category.data = task_type.category_id
    _fill_choices(form)
    if version_form is None:
        version_form = VersionForm(formdata=None, valid_from=timekeeping.today())
    if status >= 400:
        rollback_only()
    return render_template("catalog/task_form.html", form=form, task_type=task_type, version_form=version_form,
                           may_manage=_may_manage(), today=timekeeping.today()), status


@bp.route("/tasks/<int:task_type_id>", methods=["GET", "POST"])
def task_edit(task_type_id: int):
    task_type = db.session.get(TaskType, task_type_id)
    if task_type is None:
        abort(404)
    if request.method == "GET":
        return _task_page(task_type)
    _require_manager()
    form = TaskTypeForm()
    _fill_choices(form)
    if form.validate_on_submit():
        try:
            services.save_task_type(task_type, _type_data(form), current_person())
            flash(_("Saved."), "success")
            return redirect(url_for("catalog.task_edit", task_type_id=task_type.id))
        except ServiceError as error:
            refuse(form, error)
    return _task_page(task_type, form=form, status=422)


@bp.route("/tasks/<int:task_type_id>/versions", methods=["POST"])
def task_version(task_type_id: int):
    task_type = db.session.get(TaskType, task_type_id)
    if task_type is None:
        abort(404)
    _require_manager()
    form = VersionForm()
    if form.validate_on_submit():
        try:
            services.add_version(task_type, {"valid_from": form.valid_from.data,
                                             "standard_points": form.standard_points.data,
                                             "daily_cap": form.daily_cap.data}, current_person())
            flash(_("New values saved. Entries already made keep the values they were computed with."), "success")
            return redirect(url_for("catalog.task_edit", task_type_id=task_type.id))
        except ServiceError as error:
            refuse(form, error)
    return _task_page(task_type, version_form=form, status=422)


# --- Calendar -----------------------------------------------------------------------------------------------


def _calendar_form(formdata=None) -> CalendarDayForm:
    form = CalendarDayForm(formdata=formdata) if formdata is not None else CalendarDayForm()
    form.working.choices = choices([("0", _("Public holiday (no work due)")),
                                    ("1", _("Working day (for example a make-up Saturday)"))])
    return form


@bp.route("/calendar", methods=["GET", "POST"])
def calendar():
    year = int_arg("year", timekeeping.today().year, 1900, 2100)
    form = _calendar_form()
    status = 200
    if request.method == "POST":
        _require_manager()
        if form.validate_on_submit():
            try:
                services.set_calendar_day(form.day.data, form.working.data == "1", form.name.data,
                                          current_person())
                flash(_("Calendar saved."), "success")
                return redirect(url_for("catalog.calendar", year=form.day.data.year))
            except ServiceError as error:
                refuse(form, error)
        rollback_only()
        status = 422
    days = list(db.session.scalars(select(CalendarDay).where(
        CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31)).order_by(CalendarDay.day)))
    return render_template("catalog/calendar.html", days=days, year=year, form=form,
                           action_form=ActionForm(formdata=None), may_manage=_may_manage()), status


@bp.route("/calendar/<isodate:day>/delete", methods=["POST"])
def calendar_clear(day: date):
    _require_manager()
    row = db.session.get(CalendarDay, day)
    if row is None:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            services.clear_calendar_day(row, current_person())
            flash(_("%(day)s follows the ordinary week again.", day=day.isoformat()), "success")
        except ServiceError as error:
            rollback_only()
            flash(error.message, "error")
            return redirect(url_for("catalog.calendar", year=day.year))
    return redirect(url_for("catalog.calendar", year=day.year))


@bp.route("/tasks/export.<fmt>")
def tasks_export(fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    from worklog.catalog.importer import HEADERS, export_rows
    from worklog.exports import csv_response, xlsx_response
    rows = export_rows(queries.catalog_types(), timekeeping.today())
    filename = f"task-catalog-{timekeeping.today():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        return csv_response(HEADERS, rows, filename)
    return xlsx_response([(_("Task catalog"), HEADERS, rows)], filename)


@bp.route("/tasks/import", methods=["POST"])
@accepts_upload
def tasks_import():
    _require_manager()
    from worklog.catalog.importer import import_catalog
    from worklog.spreadsheets import ImportFailed
    form = CatalogImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            counts = import_catalog(upload.stream.read(), upload.filename, current_person())
            flash(_("Catalog imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged.",
                    created=counts["created"], updated=counts["updated"], unchanged=counts["unchanged"]), "success")
            if counts["categories"]:
                flash(_("New task categories: %(codes)s.", codes="、".join(counts["categories"])), "success")
            return redirect(url_for("catalog.tasks"))
        except ImportFailed as failure:
            rollback_only()
            return render_template("catalog/import_failed.html", failure=failure), 422
    rollback_only()
    for error in form.file.errors:
        flash(error, "error")
    return redirect(url_for("catalog.tasks")), 303
