"""Administration pages. Each route loads, checks (404 outside the admin's scope) and calls a service."""
from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from models import ApiClient, Department, Person, Post, Role, RoleGrant, Sequence, Unit
from worklog.bounds import accepts_upload
from worklog.admin import queries, services
from worklog.admin.forms import (ApiClientForm, AssignmentForm, DepartmentForm, EndAssignmentForm, GrantForm,
                                 ImportForm, NewPersonForm, PeopleFilterForm, PersonForm, PostForm, ReasonForm,
                                 ResetPasswordForm, SequenceForm, UnitForm)
from worklog.admin.importer import ImportFailed, import_file
from worklog.auth.passwords import password_problems
from worklog.choices import choices
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.labels import ROLE_LABELS
from worklog.api import services as api_services
from worklog.permissions import (can, is_root_admin, may_manage_api_clients, require, require_api_client_manager,
                                 require_catalog_manager, require_role)
from worklog.web import current_person, int_arg, refuse, rollback_only

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    require_role(current_user, Role.admin)


def _invalid(template: str, **context):
    rollback_only()
    return render_template(template, **context), 422


# --- Org tree ---------------------------------------------------------------------------------------------


@bp.route("/")
def org_tree():
    roots, children, departments = queries.unit_tree(current_person())
    counts = queries.people_counts_by_department([d.id for deps in departments.values() for d in deps])
    return render_template("admin/org_tree.html", roots=roots, children=children, departments=departments,
                           counts=counts, may_manage_api_clients=may_manage_api_clients(current_person()))


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = db.session.get(Unit, unit_id)
    require(current_person(), "manage", unit)
    form = UnitForm(obj=unit)
    if form.validate_on_submit():
        try:
            services.update_unit(unit, {"code": form.code.data, "name": form.name.data,
                                        "active": form.active.data}, current_person())
            flash(_("Saved."), "success")
            return redirect(url_for("admin.org_tree"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        return _invalid("admin/unit_form.html", form=form, unit=unit, parent=unit.parent)
    return render_template("admin/unit_form.html", form=form, unit=unit, parent=unit.parent)


@bp.route("/units/<int:parent_id>/units/new", methods=["GET", "POST"])
def unit_new(parent_id: int):
    parent = db.session.get(Unit, parent_id)
    require(current_person(), "manage", parent)
    if services.allowed_child_level(parent) is None:
        abort(404)
    form = UnitForm()
    if form.validate_on_submit():
        try:
            services.create_unit(parent, {"code": form.code.data, "name": form.name.data}, current_person())
            flash(_("Unit created."), "success")
            return redirect(url_for("admin.org_tree"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        return _invalid("admin/unit_form.html", form=form, unit=None, parent=parent)
    return render_template("admin/unit_form.html", form=form, unit=None, parent=parent)


@bp.route("/units/<int:unit_id>/departments/new", methods=["GET", "POST"])
def department_new(unit_id: int):
    unit = db.session.get(Unit, unit_id)
    require(current_person(), "manage", unit)
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            services.create_department(unit, {"code": form.code.data, "name": form.name.data}, current_person())
            flash(_("Department created."), "success")
            return redirect(url_for("admin.org_tree"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        return _invalid("admin/department_form.html", form=form, unit=unit, department=None)
    return render_template("admin/department_form.html", form=form, unit=unit, department=None)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def department_edit(department_id: int):
    department = db.session.get(Department, department_id)
    require(current_person(), "manage", department)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        try:
            services.update_department(department, {"code": form.code.data, "name": form.name.data,
                                                    "active": form.active.data}, current_person())
            flash(_("Saved."), "success")
            return redirect(url_for("admin.org_tree"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        return _invalid("admin/department_form.html", form=form, unit=department.unit, department=department)
    return render_template("admin/department_form.html", form=form, unit=department.unit, department=department)


# --- Sequences and posts --------------------------------------------------------------------------------


@bp.route("/catalog")
def catalog():
    return render_template("admin/catalog.html", sequences=queries.sequences_with_posts(),
                           may_manage=is_root_admin(current_person()))


def _require_catalog_manager() -> None:
    require_catalog_manager(current_person())


@bp.route("/sequences/new", methods=["GET", "POST"], defaults={"sequence_id": None})
@bp.route("/sequences/<int:sequence_id>", methods=["GET", "POST"])
def sequence_edit(sequence_id: int | None):
    sequence = db.session.get(Sequence, sequence_id) if sequence_id else None
    if sequence_id and sequence is None:
        abort(404)
    _require_catalog_manager()
    form = SequenceForm(obj=sequence)
    if form.validate_on_submit():
        try:
            services.save_sequence(sequence, {"code": form.code.data, "name": form.name.data}, current_person())
            flash(_("Saved."), "success")
            return redirect(url_for("admin.catalog"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        return _invalid("admin/sequence_form.html", form=form, sequence=sequence)
    return render_template("admin/sequence_form.html", form=form, sequence=sequence)


@bp.route("/posts/new", methods=["GET", "POST"], defaults={"post_id": None})
@bp.route("/posts/<int:post_id>", methods=["GET", "POST"])
def post_edit(post_id: int | None):
    post = db.session.get(Post, post_id) if post_id else None
    if post_id and post is None:
        abort(404)
    _require_catalog_manager()
    form = PostForm(obj=post)
    sequences = list(db.session.scalars(select(Sequence).order_by(Sequence.code)))
    form.sequence.choices = [(s.id, f"{s.name} ({s.code})") for s in sequences]
    if request.method == "GET" and post is not None:
        form.sequence.data = post.sequence_id
    if form.validate_on_submit():
        try:
            services.save_post(post, {
                "sequence": db.session.get(Sequence, form.sequence.data), "code": form.code.data,
                "name": form.name.data, "coefficient": form.coefficient.data,
                "monthly_target_points": form.monthly_target_points.data, "active": form.active.data}, current_person())
            flash(_("Saved."), "success")
            return redirect(url_for("admin.catalog"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        return _invalid("admin/post_form.html", form=form, post=post)
    return render_template("admin/post_form.html", form=form, post=post)


# --- People ---------------------------------------------------------------------------------------------------


@bp.route("/people")
def people():
    actor = current_person()
    form = PeopleFilterForm(request.args)
    units = queries.unit_choices(actor)
    form.unit.choices = choices([(0, _("All my units"))] + [(u.id, u.name) for u in units])
    form.validate()
    unit = next((u for u in units if u.id == form.unit.data), None)
    page = int_arg("page", 1, high=1_000_000)
    per_page = int(current_app.config["PAGE_SIZE"])
    rows, current, total = queries.people_page(actor, form.q.data or "", unit.path if unit else None, page, per_page)
    return render_template("admin/people.html", form=form, people=rows, current=current, total=total,
                           page=page, pages=max(1, math.ceil(total / per_page)),
                           filters={"q": form.q.data or "", "unit": form.unit.data or ""})


def _assignment_choices(form: AssignmentForm) -> None:
    form.department.choices = queries.department_choices(current_person())
    form.post.choices = queries.post_choices()


def _assignment_data(form: AssignmentForm) -> dict:
    """The assignment a form asks for, after checking that everything named in it is the admin's to use."""
    actor = current_person()
    department = db.session.get(Department, form.department.data)
    post = db.session.get(Post, form.post.data)
    if department is None or not can(actor, "manage", department):
        raise ServiceError(_("Choose a department of your units."), "department")
    if post is None:
        raise ServiceError(_("Choose a post."), "post")
    supervisor = None
    if form.supervisor.data:
        supervisor = queries.person_by_badge(form.supervisor.data)
        if supervisor is None or not can(actor, "view", supervisor):
            raise ServiceError(_("No person with badge number %(badge)s in your units.",
                                 badge=form.supervisor.data.strip()), "supervisor")
    return {"department": department, "post": post, "supervisor": supervisor,
            "valid_from": form.valid_from.data}


@bp.route("/people/new", methods=["GET", "POST"])
def person_new():
    form = NewPersonForm()
    _assignment_choices(form)
    if form.validate_on_submit():
        try:
            assignment = _assignment_data(form)
            person = services.create_person({"badge": form.badge.data, "name": form.name.data,
                                             "rank": form.rank.data, "hire_date": form.hire_date.data,
                                             "unit": assignment["department"].unit}, current_person())
            services.assign(person, assignment, current_person())
            services.grant_role(person, Role.officer.value, assignment["department"].unit, current_person())
            flash(_("%(name)s has been registered. Set a temporary password so they can sign in.",
                    name=person.name), "success")
            return redirect(url_for("admin.person_view", person_id=person.id))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        return _invalid("admin/person_new.html", form=form)
    return render_template("admin/person_new.html", form=form)


def _load_person(person_id: int, action: str = "view") -> Person:
    person = db.session.get(Person, person_id)
    require(current_person(), action, person)
    return person


def _person_page(person: Person, status: int = 200, **forms):
    actor = current_person()
    details = forms.get("details") or PersonForm(obj=person, formdata=None)
    assignment_form = forms.get("assignment") or AssignmentForm(formdata=None)
    _assignment_choices(assignment_form)
    grant_form = forms.get("grant") or GrantForm(formdata=None)
    grant_form.role.choices = [(r.value, ROLE_LABELS[r.value]) for r in Role]
    grant_form.unit.choices = [(u.id, u.name) for u in queries.units_in_scope(actor)]
    grants = queries.grants_of_person(person)
    rendered = render_template(
        "admin/person.html", person=person, details=details, assignment_form=assignment_form,
        end_form=forms.get("end") or EndAssignmentForm(formdata=None), grant_form=grant_form,
        reset_form=forms.get("reset") or ResetPasswordForm(formdata=None), reason_form=ReasonForm(formdata=None),
        grants=grants, revocable={g.id for g in grants if can(actor, "manage", g)},
        is_self=person.id == actor.id)
    if status >= 400:
        rollback_only()
    return rendered, status


@bp.route("/people/<int:person_id>")
def person_view(person_id: int):
    return _person_page(_load_person(person_id))


@bp.route("/people/<int:person_id>/details", methods=["POST"])
def person_update(person_id: int):
    person = _load_person(person_id, "manage")
    form = PersonForm()
    form.badge.data = person.badge  # the badge number is the sign-in name and never changes here
    if form.validate_on_submit():
        services.update_person(person, {"name": form.name.data, "rank": form.rank.data,
                                        "hire_date": form.hire_date.data}, current_person())
        flash(_("Saved."), "success")
        return redirect(url_for("admin.person_view", person_id=person.id))
    return _person_page(person, 422, details=form)


@bp.route("/people/<int:person_id>/assignments", methods=["POST"])
def person_assign(person_id: int):
    person = _load_person(person_id, "manage")
    form = AssignmentForm()
    _assignment_choices(form)
    if form.validate_on_submit():
        try:
            services.assign(person, _assignment_data(form), current_person())
            flash(_("The assignment has been saved."), "success")
            return redirect(url_for("admin.person_view", person_id=person.id))
        except ServiceError as error:
            refuse(form, error)
    return _person_page(person, 422, assignment=form)


@bp.route("/people/<int:person_id>/assignments/end", methods=["POST"])
def person_end_assignment(person_id: int):
    person = _load_person(person_id, "manage")
    form = EndAssignmentForm()
    if form.validate_on_submit():
        try:
            services.end_assignment(person, form.last_day.data, current_person(), form.reason.data)
            flash(_("The assignment has been ended."), "success")
            return redirect(url_for("admin.person_view", person_id=person.id))
        except ServiceError as error:
            refuse(form, error)
    return _person_page(person, 422, end=form)


@bp.route("/people/<int:person_id>/roles", methods=["POST"])
def person_grant(person_id: int):
    person = _load_person(person_id, "grant")
    form = GrantForm()
    form.role.choices = [(r.value, ROLE_LABELS[r.value]) for r in Role]
    form.unit.choices = [(u.id, u.name) for u in queries.units_in_scope(current_person())]
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit.data)
        require(current_person(), "manage", unit)
        try:
            services.grant_role(person, form.role.data, unit, current_person())
            flash(_("Role granted."), "success")
            return redirect(url_for("admin.person_view", person_id=person.id))
        except ServiceError as error:
            refuse(form, error)
    return _person_page(person, 422, grant=form)


@bp.route("/people/<int:person_id>/roles/<int:grant_id>/revoke", methods=["POST"])
def person_revoke(person_id: int, grant_id: int):
    person = _load_person(person_id, "grant")
    grant = db.session.get(RoleGrant, grant_id)
    if grant is None or grant.person_id != person.id:
        abort(404)
    require(current_person(), "manage", grant)
    form = ReasonForm()
    if form.validate_on_submit():
        services.revoke_role(grant, current_person(), form.reason.data)
        flash(_("Role withdrawn."), "success")
    return redirect(url_for("admin.person_view", person_id=person.id))


@bp.route("/people/<int:person_id>/active", methods=["POST"])
def person_set_active(person_id: int):
    person = _load_person(person_id, "deactivate")
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.set_active(person, not person.active, current_person(), form.reason.data)
            flash(_("The account is now active.") if person.active else
                  _("The account has been deactivated and signed out everywhere."), "success")
        except ServiceError as error:
            rollback_only()
            flash(error.message, "error")
    return redirect(url_for("admin.person_view", person_id=person.id))


@bp.route("/people/<int:person_id>/password", methods=["POST"])
def person_reset_password(person_id: int):
    person = _load_person(person_id, "reset_password")
    form = ResetPasswordForm()
    if form.validate_on_submit():
        problems = password_problems(form.password.data, badge=person.badge, name=person.name)
        if problems:
            form.password.errors = list(form.password.errors) + problems
        else:
            try:
                services.reset_password(person, form.password.data, current_person(), form.reason.data)
                flash(_("Temporary password set. %(name)s must choose a new one at the next sign-in.",
                        name=person.name), "success")
                return redirect(url_for("admin.person_view", person_id=person.id))
            except ServiceError as error:
                refuse(form, error)
    return _person_page(person, 422, reset=form)


# --- Import and audit --------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@accepts_upload
def import_org():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = import_file(upload.stream.read(), upload.filename, current_person(), kind=form.kind.data or None)
            flash(_("Import finished: %(summary)s", summary=report.summary()), "success")
            return render_template("admin/import.html", form=ImportForm(formdata=None), report=report)
        except ImportFailed as failure:
            rollback_only()
            return render_template("admin/import.html", form=form, failure=failure), 422
    if request.method == "POST":
        return _invalid("admin/import.html", form=form, report=report)
    return render_template("admin/import.html", form=form, report=report)


@bp.route("/audit")
def audit_log():
    page = int_arg("page", 1, high=1_000_000)
    per_page = int(current_app.config["PAGE_SIZE"])
    events, total = queries.audit_page(current_person(), page, per_page)
    return render_template("admin/audit.html", events=events, page=page,
                           pages=max(1, math.ceil(total / per_page)))


# --- API clients ----------------------------------------------------------------------------------------------


def _api_client_form(form: ApiClientForm) -> None:
    from worklog.api.services import OPERATIONS
    units = db.session.scalars(select(Unit).order_by(Unit.path))
    form.units.choices = choices((unit.id, f"{unit.name} ({unit.code})") for unit in units)
    form.operations.choices = choices((name, f"{name} — {label}") for name, label in OPERATIONS.items())


def _api_client_data(form: ApiClientForm) -> dict:
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(form.units.data or []))))
    return {"name": form.name.data, "units": units, "operations": form.operations.data or [],
            "source": form.source.data,
            "rate_limit_per_minute": form.rate_limit_per_minute.data}


def _load_api_client(client_id: int) -> ApiClient:
    require_api_client_manager(current_person())
    api_client = db.session.get(ApiClient, client_id)
    if api_client is None:
        abort(404)
    return api_client


@bp.route("/api-clients")
def api_clients():
    require_api_client_manager(current_person())
    rows = list(db.session.scalars(select(ApiClient).order_by(ApiClient.revoked_at.is_not(None), ApiClient.name)))
    return render_template("admin/api_clients.html", clients=rows)


@bp.route("/api-clients/new", methods=["GET", "POST"])
def api_client_new():
    require_api_client_manager(current_person())
    form = ApiClientForm()
    _api_client_form(form)
    if form.validate_on_submit():
        try:
            api_client, token = api_services.register(_api_client_data(form), current_person())
            return render_template("admin/api_client_token.html", client=api_client, token=token)
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        return _invalid("admin/api_client_form.html", form=form, client=None, reason_form=None)
    return render_template("admin/api_client_form.html", form=form, client=None, reason_form=None)


@bp.route("/api-clients/<int:client_id>", methods=["GET", "POST"])
def api_client_edit(client_id: int):
    api_client = _load_api_client(client_id)
    form = ApiClientForm(obj=api_client)
    _api_client_form(form)
    if request.method == "GET":
        form.units.data = [unit.id for unit in api_client.units]
        form.operations.data = list(api_client.operations or [])
    if form.validate_on_submit():
        try:
            api_services.update(api_client, _api_client_data(form), current_person())
            flash(_("Saved."), "success")
            return redirect(url_for("admin.api_clients"))
        except ServiceError as error:
            refuse(form, error)
    page = render_template("admin/api_client_form.html", form=form, client=api_client, reason_form=ReasonForm())
    return (page, 422) if request.method == "POST" else page


@bp.route("/api-clients/<int:client_id>/rotate", methods=["POST"])
def api_client_rotate(client_id: int):
    api_client = _load_api_client(client_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            token = api_services.rotate(api_client, current_person(), form.reason.data or "")
            return render_template("admin/api_client_token.html", client=api_client, token=token)
        except ServiceError as error:
            rollback_only()
            flash(error.message, "error")
    rollback_only()
    return redirect(url_for("admin.api_client_edit", client_id=client_id))


@bp.route("/api-clients/<int:client_id>/revoke", methods=["POST"])
def api_client_revoke(client_id: int):
    api_client = _load_api_client(client_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            api_services.revoke(api_client, current_person(), form.reason.data or "")
            flash(_("The API client is revoked: its token no longer works."), "success")
            return redirect(url_for("admin.api_clients"))
        except ServiceError as error:
            flash(error.message, "error")
    rollback_only()
    return redirect(url_for("admin.api_client_edit", client_id=client_id))
