"""The supervisor's pages: the queue, one officer's week, signing, delegation, assigned tasks, reminders."""
from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, gettext as _
from sqlalchemy import select
from wtforms import HiddenField

from models import AssignedTask, Delegation, Entry, Person, TaskType
from worklog import timekeeping
from worklog.choices import choices
from worklog.errors import Conflict, PasswordRefused, ServiceError
from worklog.extensions import db
from worklog.permissions import has_role, home_unit
from worklog.weekly import queries, services
from worklog.weekly.forms import (ActionForm, AdjustForm, ApproveForm, AssignForm, DelegationForm, ReturnForm,
                                  SignForm, UnsignForm)
from worklog.web import current_person, refuse, rollback_only, signed_in_blueprint

bp = signed_in_blueprint("weekly", __name__)


def _monday(text: str | None) -> date:
    """The week asked for (any day of it), or last week: the one a supervisor closes on Monday."""
    if text:
        try:
            return queries.week_of(date.fromisoformat(text))
        except ValueError:
            abort(404)
    return queries.week_of(timekeeping.today()) - timedelta(days=7)


def _version(form) -> int | None:
    try:
        return int(form.version.data) if form.version.data not in (None, "") else None
    except ValueError:
        return None


def _conflict_page(error: ServiceError, back: str):
    return render_template("weekly/conflict.html", message=error.message, back=back), 409


# --- The queue ----------------------------------------------------------------------------------------------------


@bp.route("/review")
def queue():
    actor = current_person()
    monday = _monday(request.args.get("week"))
    rows = queries.week_rows(queries.team_ids(actor, monday), monday)
    return render_template("weekly/queue.html", rows=rows, monday=monday, sunday=monday + timedelta(days=6),
                           prev_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7),
                           deadline=queries.sign_deadline(monday), today=timekeeping.today(),
                           delegations=queries.active_delegations(actor.id))


# --- One officer's week --------------------------------------------------------------------------------------------


def _load_week(person_id: int, monday: date) -> tuple[Person, bool, bool]:
    """The officer, whether the actor reviews (some day of) their week, and whether the actor sits on the
    unit's panel. Anyone else: 404, exactly like a missing officer. The week's review row is read with the
    officer (:func:`queries.week_review` finds it then without a query)."""
    actor = current_person()
    person = queries.person_with_week(person_id, monday)
    if person is None or person.id == actor.id:
        abort(404)
    reviews = any(queries.may_review(actor, person, day) for day in queries.week_days(monday))
    unit = home_unit(person)
    panel = unit is not None and has_role(actor, "panel", unit)
    if not reviews and not panel:
        abort(404)
    return person, reviews, panel


@bp.route("/review/<int:person_id>/<isodate:week>")
def week_page(person_id: int, week: date, sign_form: SignForm | None = None, status: int = 200):
    monday = queries.week_of(week)
    if monday != week:
        return redirect(url_for("weekly.week_page", person_id=person_id, week=monday))
    person, reviews, panel = _load_week(person_id, monday)
    actor = current_person()
    entries = queries.week_entries(person.id, monday)
    logs = queries.week_logs(person.id, monday)
    days = [(day, logs.get(day), [e for e in entries if e.work_date == day]) for day in queries.week_days(monday)]
    review = queries.week_review(person.id, monday)
    signed = review is not None and review.status == "signed"
    counts = queries.WeekCounts.of(entries)
    reasons = [] if signed else services.check_signable(person, monday, actor, counts)
    if status >= 400:
        rollback_only()
    return render_template(
        "weekly/week.html", person=person, monday=monday, days=days, review=review, signed=signed,
        reviews=reviews, panel=panel, reasons=reasons, waiting=counts.pending,
        reviewable={e.id for e in entries if queries.may_review(actor, person, e.work_date)},
        approve_form=ApproveForm(formdata=None), adjust_form=AdjustForm(formdata=None),
        return_form=ReturnForm(formdata=None),
        sign_form=sign_form or (SignForm(formdata=None) if reviews and not signed else None),
        unsign_form=UnsignForm(formdata=None) if panel and signed else None, action_form=ActionForm(formdata=None),
        bound=int(services.adjust_bound() * 100),
        totals={"points": sum((e.points for e in entries), start=0),
                "approved": sum((e.approved_points or 0 for e in entries if e.status == "approved"), start=0)},
        prev_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7)), status


def _entry_for_review(entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        abort(404)
    person = db.session.get(Person, entry.person_id)
    if not queries.may_review(current_person(), person, entry.work_date):
        abort(404)
    return entry


def _week_url(entry: Entry) -> str:
    return url_for("weekly.week_page", person_id=entry.person_id, week=queries.week_of(entry.work_date)) + \
        f"#day-{entry.work_date.isoformat()}"


@bp.route("/review/entries/<int:entry_id>/approve", methods=["POST"])
def approve(entry_id: int):
    entry = _entry_for_review(entry_id)
    form = ApproveForm()
    back = _week_url(entry)
    if form.validate_on_submit():
        try:
            services.approve(entry, current_person(), _version(form))
        except ServiceError as error:
            return _refused(error, back)
    return redirect(back)


def _review_with_form(entry_id: int, form_class, act, success: str):
    """A review action that needs more than a click (adjust, return): the form's errors or the service's
    refusal come back on the week page, and nothing is kept."""
    entry = _entry_for_review(entry_id)
    form = form_class()
    back = _week_url(entry)
    if not form.validate_on_submit():
        rollback_only()
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return _week_again(entry, 422)
    try:
        act(entry, form)
        flash(success, "success")
    except ServiceError as error:
        return _refused(error, back, entry)
    return redirect(back)


@bp.route("/review/entries/<int:entry_id>/adjust", methods=["POST"])
def adjust(entry_id: int):
    return _review_with_form(entry_id, AdjustForm, lambda entry, form: services.adjust(
        entry, form.points.data, form.reason.data, current_person(), _version(form)), _("Points adjusted and approved."))


@bp.route("/review/entries/<int:entry_id>/return", methods=["POST"])
def return_entry(entry_id: int):
    return _review_with_form(entry_id, ReturnForm, lambda entry, form: services.return_entry(
        entry, form.comment.data, current_person(), _version(form)), _("Entry returned to the officer."))


def _refused(error: ServiceError, back: str, entry: Entry | None = None):
    rollback_only()
    if isinstance(error, Conflict):
        return _conflict_page(error, back)
    flash(error.message, "error")
    if entry is not None:
        return _week_again(entry, 422)
    return redirect(back)


def _week_again(entry: Entry, status: int):
    return week_page(entry.person_id, queries.week_of(entry.work_date), status=status)


@bp.route("/review/<int:person_id>/<isodate:week>/approve-all", methods=["POST"])
def approve_all(person_id: int, week: date):
    monday = queries.week_of(week)
    person, reviews, _panel = _load_week(person_id, monday)
    back = url_for("weekly.week_page", person_id=person.id, week=monday)
    if not reviews:
        abort(403)
    if ActionForm().validate_on_submit():
        try:
            n = services.approve_all(person, monday, current_person())
            flash(_("%(n)d entries approved.", n=n), "success")
        except ServiceError as error:
            return _refused(error, back)
    return redirect(back)


@bp.route("/review/<int:person_id>/<isodate:week>/sign", methods=["POST"])
def sign(person_id: int, week: date):
    monday = queries.week_of(week)
    person, reviews, _panel = _load_week(person_id, monday)
    back = url_for("weekly.week_page", person_id=person.id, week=monday)
    if not reviews:
        abort(403)
    form = SignForm()
    if not form.validate_on_submit():
        return week_page(person.id, monday, sign_form=form, status=422)
    try:
        services.sign_week(person, monday, current_person(), form.password.data)
        flash(_("Week signed: its entries are locked."), "success")
        return redirect(url_for("weekly.queue", week=monday))
    except PasswordRefused as error:
        # Answered like a refused sign-in (200, so the request commits): the failed attempt must count.
        form.password.errors = list(form.password.errors) + [error.message]
        return week_page(person.id, monday, sign_form=form)
    except Conflict as error:
        rollback_only()
        return _conflict_page(error, back)
    except ServiceError as error:
        refuse(form, error)
        return week_page(person.id, monday, sign_form=form, status=422)


class ConfirmUnsignForm(UnsignForm):
    """Reopening a signed week from the page that says what it will do: only that page sends confirm=yes."""
    confirm = HiddenField("")


def _unsign_consequences(person: Person, monday: date, review) -> list[str]:
    return [_("Reopening unlocks the week of %(start)s to %(end)s of %(name)s (%(badge)s): its entries can "
              "be changed again, and its %(points)s approved points leave the ledgers until the week is "
              "signed again.", start=format_date(monday), end=format_date(monday + timedelta(days=6)),
              name=person.name, badge=person.badge,
              points=format_decimal(review.approved_points or 0, "#,##0.00")),
            _("The supervisor must review and sign the week again. The reopening is recorded with your "
              "reason.")]


@bp.route("/review/<int:person_id>/<isodate:week>/unsign", methods=["GET", "POST"])
def unsign(person_id: int, week: date):
    """GET: what reopening the week will do, the reason asked for, and the button. POST: the reopening, only
    with a reason and the confirmation that page sends; without them nothing is done and the page is shown
    again."""
    monday = queries.week_of(week)
    person, _reviews, panel = _load_week(person_id, monday)
    back = url_for("weekly.week_page", person_id=person.id, week=monday)
    if not panel:
        abort(403)
    review = queries.week_review(person.id, monday)
    if review is None:
        abort(404)
    form = ConfirmUnsignForm()
    status = 200
    if request.method == "GET":
        form.version.data = review.version
    elif form.validate_on_submit() and form.confirm.data == "yes":
        try:
            services.unsign_week(review, form.reason.data, current_person(), _version(form))
            flash(_("The week is open again; the reopening is recorded."), "success")
        except ServiceError as error:
            return _refused(error, back)
        return redirect(back)
    else:
        rollback_only()
        if not form.errors:
            flash(_("Nothing was done yet: read what will happen, then confirm."), "error")
        status = 422
    refusal = None if review.status == "signed" else _("This week is not signed.")
    return render_template("confirm.html", title=_("Reopen the signed week?"),
                           heading=f"{person.name} · {person.badge}",
                           consequences=_unsign_consequences(person, monday, review), form=form,
                           fields=[form.reason], hidden={"version": form.version.data or ""},
                           action=request.path,
                           button=_("Reopen the week"), button_class="danger", back=back,
                           refusal=refusal), status


# --- Bulk signing ----------------------------------------------------------------------------------------------


@bp.route("/review/sign-all", methods=["GET", "POST"])
def bulk_sign():
    actor = current_person()
    monday = _monday(request.values.get("week"))
    rows = queries.week_rows(queries.team_ids(actor, monday), monday, for_signing=True)
    plan = []
    for row in rows:
        # The queue's counts say what still waits: no query per officer.
        counts = queries.WeekCounts(pending=row.pending, unfinished=row.unfinished)
        plan.append((row, [] if row.signed else
                     services.check_signable(row.person, monday, actor, counts) + services.bulk_skip_reasons(row)))
    form = SignForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                signed = services.bulk_sign([r.person for r, reasons in plan if not reasons and not r.signed],
                                            monday, actor, form.password.data)
                flash(_("%(n)d weeks signed.", n=len(signed)), "success")
                return redirect(url_for("weekly.queue", week=monday))
            except PasswordRefused as error:
                # As on one week's page: the failed attempt must be committed to count.
                form.password.errors = list(form.password.errors) + [error.message]
                return render_template("weekly/bulk_sign.html", plan=plan, monday=monday, form=form), 200
            except Conflict as error:
                rollback_only()
                return _conflict_page(error, url_for("weekly.bulk_sign", week=monday))
            except ServiceError as error:
                refuse(form, error)
        rollback_only()
        status = 422
    return render_template("weekly/bulk_sign.html", plan=plan, monday=monday, form=form), status


# --- Delegation ---------------------------------------------------------------------------------------------------


@bp.route("/review/delegations", methods=["GET", "POST"])
def delegations():
    actor = current_person()
    form = DelegationForm()
    status = 200
    if request.method == "GET":
        form.start_date.data = timekeeping.today()
    if form.validate_on_submit():
        supervisor = actor
        if form.supervisor.data and form.supervisor.data.strip() != actor.badge:
            supervisor = db.session.scalar(select(Person).where(Person.badge == form.supervisor.data.strip()))
        acting = db.session.scalar(select(Person).where(Person.badge == form.acting.data.strip()))
        try:
            if supervisor is None:
                raise services.no_such_badge(form.supervisor.data, "supervisor")
            if acting is None:
                raise services.no_such_badge(form.acting.data, "acting")
            services.delegate(supervisor, acting, form.start_date.data, form.end_date.data, form.reason.data, actor)
            flash(_("%(name)s acts as supervisor from %(start)s to %(end)s.", name=acting.name,
                    start=form.start_date.data.isoformat(), end=form.end_date.data.isoformat()), "success")
            return redirect(url_for("weekly.delegations"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        rollback_only()
        status = 422
    return render_template("weekly/delegations.html", form=form, delegations=queries.active_delegations(actor.id),
                           action_form=ActionForm(formdata=None)), status


@bp.route("/review/delegations/<int:delegation_id>/end", methods=["POST"])
def end_delegation(delegation_id: int):
    actor = current_person()
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or actor.id not in (delegation.supervisor_id, delegation.acting_id, delegation.created_by_id):
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            services.revoke_delegation(delegation, actor)
            flash(_("The delegation has ended."), "success")
        except ServiceError as error:
            return _refused(error, url_for("weekly.delegations"))
    return redirect(url_for("weekly.delegations"))


# --- Assigned tasks ---------------------------------------------------------------------------------------------


def _team_today(actor: Person) -> list[Person]:
    today = timekeeping.today()
    ids = [pid for pid in queries.team_ids(actor, queries.week_of(today))]
    people = list(db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.badge))) if ids else []
    return [p for p in people if queries.may_review(actor, p, today)]


@bp.route("/review/tasks", methods=["GET", "POST"])
def assign():
    actor = current_person()
    team = _team_today(actor)
    form = AssignForm()
    form.officers.choices = choices((p.id, f"{p.name} ({p.badge})") for p in team)
    types = list(db.session.scalars(select(TaskType).where(TaskType.active.is_(True)).order_by(TaskType.code)))
    form.task_type.choices = choices((t.id, f"{t.name} ({t.code})") for t in types)
    status = 200
    if request.method == "GET":
        form.due_date.data = timekeeping.today() + timedelta(days=1)
    if form.validate_on_submit():
        officers = [p for p in team if p.id in set(form.officers.data)]
        try:
            created = services.assign_task(officers, {
                "task_type": db.session.get(TaskType, form.task_type.data),
                "expected_quantity": form.expected_quantity.data, "due_date": form.due_date.data,
                "note": form.note.data}, actor)
            flash(_("Task assigned to %(n)d officers.", n=len(created)), "success")
            return redirect(url_for("weekly.assign"))
        except ServiceError as error:
            refuse(form, error)
    if request.method == "POST":
        rollback_only()
        status = 422
    return render_template("weekly/assign.html", form=form, tasks=queries.tasks_assigned_by(actor.id),
                           today=timekeeping.today(), action_form=ActionForm(formdata=None), team=team), status


@bp.route("/review/tasks/<int:task_id>/withdraw", methods=["POST"])
def withdraw(task_id: int):
    task = db.session.get(AssignedTask, task_id)
    if task is None or task.assigned_by_id != current_person().id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            services.cancel_assigned_task(task, current_person())
            flash(_("Task withdrawn."), "success")
        except ServiceError as error:
            return _refused(error, url_for("weekly.assign"))
    return redirect(url_for("weekly.assign"))


@bp.route("/tasks/<int:task_id>/log", methods=["POST"])
def log_task(task_id: int):
    """The officer logs an assigned task on the day page's date."""
    task = db.session.get(AssignedTask, task_id)
    if task is None or task.person_id != current_person().id:
        abort(404)
    form = ActionForm()
    try:
        day = date.fromisoformat(request.form.get("day", ""))
    except ValueError:
        day = timekeeping.today()
    back = url_for("daily.day_page", day=day)
    if form.validate_on_submit():
        try:
            services.log_assigned_task(task, day, current_person(), _version(form))
            flash(_("Assigned task logged: check the quantity and hours."), "success")
        except ServiceError as error:
            return _refused(error, back)
    return redirect(back)


# --- Notifications and reminders ---------------------------------------------------------------------------------


@bp.route("/notifications", methods=["GET", "POST"])
def notifications():
    actor = current_person()
    items = queries.notifications_of(actor.id)
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            services.mark_read(actor)
        return redirect(url_for("weekly.notifications"))
    return render_template("weekly/notifications.html", items=items, action_form=ActionForm(formdata=None))


@bp.route("/review/reminders")
def reminders():
    from worklog.weekly.reminders import reminders_for
    report = reminders_for(current_person())
    return render_template("weekly/reminders.html", report=report)
