"""Pages of the police-service survey.

Survey staff (Role.survey) import contacts, draw, and call; the unit side (admin or panel over the unit)
answers follow-ups. Lists show only masked numbers; the calling view is the one page with a full number.
"""
from __future__ import annotations

import math
from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from models import (REACHED, MonthAdjustment, Person, Role, SurveyCall, SurveyContact, SurveyDraw, SurveyFollowUp,
                    SurveyPraise, Unit)
from worklog import timekeeping
from worklog.bounds import accepts_upload
from worklog.choices import choices
from worklog.errors import Conflict
from worklog.extensions import db
from worklog.rulesets.queries import values_on
from worklog.permissions import has_role, require_role, unit_scope_clause
from worklog.survey import services
from worklog.survey.forms import (CallForm, CommendForm, ContactImportForm, CorrectionForm, DrawForm, FilterForm,
                                  PraiseForm, ReplyForm, VerifyForm)
from worklog.survey.labels import (ESCALATION_CAUSE_LABELS, FOLLOW_UP_STATE_LABELS, GROUP_LABELS, KIND_LABELS,
                                   OUTCOME_LABELS, SCRIPTS, VERIFIED_LABELS, group_of)
from worklog.survey.phones import dial_link, mask
from worklog.web import current_person, rollback_only, signed_in_blueprint, submit

bp = signed_in_blueprint("survey", __name__, url_prefix="/survey")


@bp.context_processor
def _labels():
    today = timekeeping.today()

    def who(contact: SurveyContact) -> str:
        """The contact's name, or that it is erased: also once past the retention period, before the erase
        command has run."""
        return _("erased") if services.past_retention(contact, today) else contact.name

    def masked(contact: SurveyContact) -> str:
        return mask(None if services.past_retention(contact, today) else contact.phone_last4)

    return {"KIND_LABELS": KIND_LABELS, "OUTCOME_LABELS": OUTCOME_LABELS, "mask": mask, "who": who,
            "masked": masked}


#: No list has this many pages; a larger number would overflow the database's OFFSET.
MAX_PAGE = 1_000_000


def _page() -> tuple[int, int]:
    return (min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE),
            int(current_app.config.get("PAGE_SIZE", 50)))


# --- The survey staff's queue --------------------------------------------------------------------------------


@bp.route("/")
def queue():
    me = current_person()
    require_role(me, Role.survey)
    page, per_page = _page()
    in_scope = (select(SurveyCall).join(SurveyDraw, SurveyDraw.id == SurveyCall.draw_id)
                .join(Unit, Unit.id == SurveyDraw.unit_id).where(unit_scope_clause(me, Role.survey)))
    pending = in_scope.where(SurveyCall.outcome.is_(None))
    total = db.session.scalar(select(func.count()).select_from(pending.subquery()))
    called = db.session.scalar(select(func.count()).select_from(
        in_scope.where(SurveyCall.outcome.is_not(None)).subquery()))
    by_kind = db.session.execute(
        select(SurveyDraw.kind, func.count()).select_from(SurveyCall)
        .join(SurveyDraw, SurveyDraw.id == SurveyCall.draw_id).join(Unit, Unit.id == SurveyDraw.unit_id)
        .where(unit_scope_clause(me, Role.survey), SurveyCall.outcome.is_(None))
        .group_by(SurveyDraw.kind).order_by(SurveyDraw.kind)).all()
    calls = list(db.session.scalars(
        pending.options(selectinload(SurveyCall.contact), selectinload(SurveyCall.draw).selectinload(SurveyDraw.unit))
        .order_by(SurveyDraw.drawn_at, SurveyDraw.id, SurveyCall.position)
        .offset((page - 1) * per_page).limit(per_page)))
    return render_template("survey/queue.html", calls=calls, total=total, called=called, by_kind=by_kind,
                           page=page, pages=max(1, math.ceil(total / per_page)))


# --- Contacts --------------------------------------------------------------------------------------------------


@bp.route("/contacts")
def contacts():
    me = current_person()
    require_role(me, Role.survey)
    units = services.survey_units(me)
    form = FilterForm(request.args)
    form.unit.choices = choices([(0, _("All my units"))] + [(u.id, u.name) for u in units])
    form.kind.choices = choices([("", _("All kinds"))] + list(KIND_LABELS.items()))
    form.validate()
    page, per_page = _page()
    drawn = exists().where(SurveyCall.contact_id == SurveyContact.id)
    query = (select(SurveyContact, drawn.label("drawn")).join(Unit, Unit.id == SurveyContact.unit_id)
             .where(unit_scope_clause(me, Role.survey)))
    if form.unit.data and not form.unit.errors:
        query = query.where(SurveyContact.unit_id == form.unit.data)
    if form.kind.data and form.kind.data in KIND_LABELS:
        query = query.where(SurveyContact.kind == form.kind.data)
    if form.month.data and not form.month.errors:
        first, last = timekeeping.month_bounds(form.month.data)
        query = query.where(SurveyContact.contact_date >= first, SurveyContact.contact_date <= last)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.options(selectinload(SurveyContact.unit))
                              .order_by(SurveyContact.contact_date.desc(), SurveyContact.id.desc())
                              .offset((page - 1) * per_page).limit(per_page)).all()
    filters = {"unit": form.unit.data if form.unit.data and not form.unit.errors else "",
               "kind": form.kind.data or "",
               "month": form.month.data.strftime("%Y-%m") if form.month.data and not form.month.errors else ""}
    return render_template("survey/contacts.html", form=form, rows=rows, total=total, page=page,
                           pages=max(1, math.ceil(total / per_page)), filters=filters)


@bp.route("/contacts/import", methods=["GET", "POST"])
@accepts_upload
def contacts_import():
    me = current_person()
    require_role(me, Role.survey)
    from worklog.spreadsheets import ImportFailed
    from worklog.survey.importer import import_contacts
    form = ContactImportForm()
    if request.method == "GET":
        return render_template("survey/import.html", form=form)
    if form.validate_on_submit():
        upload = form.file.data
        try:
            counts = import_contacts(upload.stream.read(), upload.filename or "", me)
        except ImportFailed as failure:
            rollback_only()
            return render_template("survey/import.html", form=form, failure=failure), 422
        except Conflict as conflict:
            rollback_only()
            return render_template("weekly/conflict.html", message=conflict.message,
                                   back=url_for("survey.contacts_import")), 409
        flash(_("Contacts imported: %(contacts)d for %(units)d units.", **counts), "success")
        return redirect(url_for("survey.contacts"))
    rollback_only()
    return render_template("survey/import.html", form=form), 422


# --- Draws -----------------------------------------------------------------------------------------------------


@bp.route("/draws", methods=["GET", "POST"])
def draws():
    me = current_person()
    require_role(me, Role.survey)
    units = services.survey_units(me)
    form = DrawForm()
    form.unit.choices = choices((u.id, u.name) for u in units)
    today = timekeeping.today()
    if request.method == "GET":
        form.sample_size.data = values_on(today).survey_sample_size
        form.month.data = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # the last month over
    made: list[SurveyDraw] = []

    def act():
        unit = db.session.get(Unit, form.unit.data)
        if unit is None or not services.surveys(me, unit):
            abort(404)
        made.append(services.make_draw(unit, form.kind.data, form.month.data, form.sample_size.data, me))

    response, status = submit(form, act, _("Drawn."), url_for("survey.draws"))
    if response is not None:
        if made:
            return redirect(url_for("survey.draw_page", draw_id=made[0].id))
        return response, status
    page, per_page = _page()
    query = (select(SurveyDraw).join(Unit, Unit.id == SurveyDraw.unit_id).where(unit_scope_clause(me, Role.survey)))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(query.options(selectinload(SurveyDraw.unit))
                                   .order_by(SurveyDraw.month.desc(), SurveyDraw.id.desc())
                                   .offset((page - 1) * per_page).limit(per_page)))
    progress = services.draw_progress([d.id for d in rows])
    return render_template("survey/draws.html", form=form, draws=rows, progress=progress, page=page,
                           pages=max(1, math.ceil(total / per_page))), status


@bp.route("/draws/<int:draw_id>")
def draw_page(draw_id: int):
    me = current_person()
    require_role(me, Role.survey)
    draw = services.draw_in_scope(me, draw_id)
    calls = list(db.session.scalars(select(SurveyCall).where(SurveyCall.draw_id == draw.id)
                                    .options(selectinload(SurveyCall.contact)).order_by(SurveyCall.position)))
    called = sum(1 for c in calls if c.outcome is not None)
    drawn_by = db.session.get(Person, draw.drawn_by_id) if draw.drawn_by_id else None
    return render_template("survey/draw.html", draw=draw, calls=calls, called=called, drawn_by=drawn_by,
                           reproduced=services.reproduce(draw))


# --- Calling ---------------------------------------------------------------------------------------------------


@bp.route("/calls/<int:call_id>", methods=["GET", "POST"])
def call_page(call_id: int):
    me = current_person()
    require_role(me, Role.survey)
    call = services.call_in_scope(me, call_id)
    form = CallForm()
    if request.method == "GET":
        form.version.data = call.version
    next_call = _next_call(me, call)
    after = url_for("survey.call_page", call_id=next_call) if next_call else url_for("survey.queue")
    response, status = submit(
        form, lambda: services.record_outcome(call, form.outcome.data, form.comment.data or "", me,
                                              form.version.data),
        _("Outcome recorded."), after)
    if response is not None:
        return _no_store(response, status)
    return _call_view(call, me, form, next_call, status)


def _next_call(me: Person, call: SurveyCall) -> int | None:
    """The queue's next call, in the queue's order: where a recorded call leads, so that calling goes on."""
    return db.session.scalar(
        select(SurveyCall.id).join(SurveyDraw, SurveyDraw.id == SurveyCall.draw_id)
        .join(Unit, Unit.id == SurveyDraw.unit_id)
        .where(unit_scope_clause(me, Role.survey), SurveyCall.outcome.is_(None), SurveyCall.id != call.id)
        .order_by(SurveyDraw.drawn_at, SurveyDraw.id, SurveyCall.position).limit(1))


def _call_view(call: SurveyCall, me: Person, form: CallForm, next_call: int | None, status: int,
               praise_form: PraiseForm | None = None):
    """The calling view: the number in full until the call is recorded; then its outcome, and the praise heard."""
    if next_call is None:
        next_call = _next_call(me, call)
    contact = call.contact
    number = services.show_number(call, me) if call.outcome is None else None
    group = group_of(contact.kind)
    praises = list(db.session.scalars(select(SurveyPraise).where(SurveyPraise.call_id == call.id)
                                      .options(selectinload(SurveyPraise.person)).order_by(SurveyPraise.id)))
    reached = call.outcome in {o.value for o in REACHED}
    return _no_store(render_template("survey/call.html", call=call, contact=contact, number=number, form=form,
                                     dial=dial_link(number) if number else None,
                                     erased=services.past_retention(contact),
                                     script=SCRIPTS[group], group_label=GROUP_LABELS[group], next_call=next_call,
                                     praises=praises, reached=reached,
                                     praise_form=praise_form or PraiseForm(formdata=None)),
                     status)


@bp.route("/calls/<int:call_id>/correct", methods=["GET", "POST"])
def correct_page(call_id: int):
    """A recorded outcome put right, with a reason. No full number here: the call has been made."""
    me = current_person()
    require_role(me, Role.survey)
    call = services.call_in_scope(me, call_id)
    if call.outcome is None:
        return redirect(url_for("survey.call_page", call_id=call.id))
    form = CorrectionForm()
    if request.method == "GET":
        form.version.data = call.version
        form.outcome.data, form.comment.data = call.outcome, call.comment
    back = url_for("survey.draw_page", draw_id=call.draw_id)
    response, status = submit(
        form, lambda: services.correct_outcome(call, form.outcome.data, form.comment.data or "",
                                               form.reason.data or "", me, form.version.data),
        _("Outcome corrected."), back)
    if response is not None:
        return response, status
    return render_template("survey/correct.html", call=call, contact=call.contact, form=form, back=back), status


def _no_store(body, status: int):
    response = current_app.make_response((body, status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


# --- Follow-ups ------------------------------------------------------------------------------------------------


@bp.route("/follow-ups")
def follow_ups():
    me = current_person()
    if not any(has_role(me, role) for role in services.UNIT_SIDE + (Role.survey, Role.inspector)):
        abort(403)
    page, per_page = _page()
    today = timekeeping.today()
    state = request.args.get("state", "")
    condition = services.follow_up_state_clause(state, today)
    if condition is None:
        state = ""
    query = (select(SurveyFollowUp).join(Unit, Unit.id == SurveyFollowUp.unit_id)
             .where(services.follow_up_scope_clause(me)))
    if condition is not None:
        query = query.where(condition)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(
        query.options(selectinload(SurveyFollowUp.unit), selectinload(SurveyFollowUp.escalated_to),
                      selectinload(SurveyFollowUp.call).selectinload(SurveyCall.contact))
        .order_by(SurveyFollowUp.verified.is_not(None), SurveyFollowUp.replied_at.is_not(None),
                  SurveyFollowUp.deadline, SurveyFollowUp.id)
        .offset((page - 1) * per_page).limit(per_page)))
    return render_template("survey/follow_ups.html", rows=rows, today=today, state=state, page=page,
                           pages=max(1, math.ceil(total / per_page)), total=total,
                           states={f.id: services.follow_up_state(f, today) for f in rows},
                           STATE_LABELS=FOLLOW_UP_STATE_LABELS)


def _follow_up_view(follow_up: SurveyFollowUp, me: Person, reply_form: ReplyForm, verify_form: VerifyForm,
                    status: int):
    """The follow-up page: the complaint, the unit's reply, the call back, its escalation, and a finding made
    of it (or, for an inspector over the unit, the way to make one)."""
    from models import Finding
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(
        {follow_up.replied_by_id, follow_up.verified_by_id} - {None})))}
    finding = db.session.scalar(select(Finding).where(Finding.follow_up_id == follow_up.id))
    new_finding = None
    if finding is None and services.may_turn_into_finding(me, follow_up) \
            and "inspection.new_finding" in current_app.view_functions:
        # The inspection package is built beside this one: the link shows once its page exists.
        new_finding = url_for("inspection.new_finding", follow_up=follow_up.id)
    today = timekeeping.today()
    return render_template("survey/follow_up.html", follow_up=follow_up, call=follow_up.call,
                           contact=follow_up.call.contact, form=reply_form, verify_form=verify_form,
                           may_reply=services.may_reply(me, follow_up), may_verify=services.may_verify(me, follow_up),
                           replied_by=people.get(follow_up.replied_by_id),
                           verified_by=people.get(follow_up.verified_by_id), finding=finding,
                           new_finding=new_finding, today=today, state=services.follow_up_state(follow_up, today),
                           STATE_LABELS=FOLLOW_UP_STATE_LABELS, VERIFIED_LABELS=VERIFIED_LABELS,
                           CAUSE_LABELS=ESCALATION_CAUSE_LABELS), status


@bp.route("/follow-ups/<int:follow_up_id>", methods=["GET", "POST"])
def follow_up_page(follow_up_id: int):
    me = current_person()
    follow_up = services.follow_up_in_scope(me, follow_up_id)
    form = ReplyForm()
    if request.method == "POST" and not services.may_reply(me, follow_up):
        abort(403)
    if request.method == "GET":
        form.version.data = follow_up.version
    back = url_for("survey.follow_up_page", follow_up_id=follow_up.id)
    response, status = submit(form, lambda: services.reply(follow_up, form.reply.data, me, form.version.data),
                              _("Reply recorded."), back)
    if response is not None:
        return response, status
    verify_form = VerifyForm(formdata=None)
    verify_form.version.data = follow_up.version
    return _follow_up_view(follow_up, me, form, verify_form, status)


@bp.route("/follow-ups/<int:follow_up_id>/verify", methods=["POST"])
def verify(follow_up_id: int):
    """The survey staff's call back, recorded from the follow-up page."""
    me = current_person()
    follow_up = services.follow_up_in_scope(me, follow_up_id)
    if not services.may_verify(me, follow_up):
        abort(403)
    form = VerifyForm()
    back = url_for("survey.follow_up_page", follow_up_id=follow_up.id)
    response, status = submit(
        form, lambda: services.verify(follow_up, {"verified": form.verified.data, "comment": form.comment.data},
                                      me, form.version.data),
        _("Call back recorded."), back)
    if response is not None:
        return response, status
    reply_form = ReplyForm(formdata=None)
    reply_form.version.data = follow_up.version
    return _follow_up_view(follow_up, me, reply_form, form, status)


# --- Praise ------------------------------------------------------------------------------------------------------


@bp.route("/calls/<int:call_id>/praise", methods=["POST"])
def record_praise(call_id: int):
    """Praise heard on a call, recorded from the calling view once the call has reached somebody."""
    me = current_person()
    require_role(me, Role.survey)
    call = services.call_in_scope(me, call_id)
    form = PraiseForm()
    back = url_for("survey.call_page", call_id=call.id)
    response, status = submit(form, lambda: services.record_praise(call, {"text": form.text.data,
                                                                          "badge": form.badge.data}, me),
                              _("Praise recorded."), back)
    if response is not None:
        return response, status
    return _call_view(call, me, CallForm(formdata=None), None, status, praise_form=form)


@bp.route("/praise")
def praise_list():
    """Praise heard on calls, of the units where the person sits on the panel (who may make it a commendation)
    or does the survey."""
    me = current_person()
    if not (has_role(me, Role.panel) or has_role(me, Role.survey)):
        abort(403)
    page, per_page = _page()
    state = request.args.get("state", "")
    query = (select(SurveyPraise).join(Unit, Unit.id == SurveyPraise.unit_id)
             .where(or_(unit_scope_clause(me, Role.panel), unit_scope_clause(me, Role.survey))))
    if state == "open":
        query = query.where(SurveyPraise.adjustment_id.is_(None))
    elif state == "commended":
        query = query.where(SurveyPraise.adjustment_id.is_not(None))
    else:
        state = ""
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(db.session.scalars(
        query.options(selectinload(SurveyPraise.unit), selectinload(SurveyPraise.person),
                      selectinload(SurveyPraise.call).selectinload(SurveyCall.contact))
        .order_by(SurveyPraise.adjustment_id.is_not(None), SurveyPraise.recorded_at.desc(), SurveyPraise.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))
    may_commend = {p.id: services.may_commend(me, p) for p in rows}
    return render_template("survey/praise_list.html", rows=rows, state=state, page=page, total=total,
                           pages=max(1, math.ceil(total / per_page)), may_commend=may_commend)


@bp.route("/praise/<int:praise_id>/commend", methods=["GET", "POST"])
def commend(praise_id: int):
    """The unit's panel makes praise heard on a call a commendation in the month of the call."""
    me = current_person()
    praise = services.praise_in_scope(me, praise_id)
    if not services.may_commend(me, praise):
        abort(403)
    form = CommendForm()
    month = services.praise_month(praise)
    if request.method == "GET":
        form.badge.data = praise.person.badge if praise.person else ""
        form.reason.data = praise.text[:500]
        form.evidence.data = _("Praise heard on survey call %(call)d (%(day)s)", call=praise.call_id,
                               day=format_date(praise.call.called_at))
    back = url_for("survey.praise_list")
    response, status = submit(
        form, lambda: services.commend(praise, {"badge": form.badge.data, "points": form.points.data,
                                                "reason": form.reason.data, "evidence": form.evidence.data}, me),
        _("Commendation recorded. Compute the month again to see its effect."), back)
    if response is not None:
        return response, status
    adjustment = db.session.get(MonthAdjustment, praise.adjustment_id) if praise.adjustment_id else None
    return render_template("survey/commend.html", praise=praise, form=form, month=month, adjustment=adjustment,
                           back=back), status
