"""The panel's month page, the officers' published results and appeals."""
from __future__ import annotations

import math
from datetime import date, timedelta
from itertools import groupby

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _, lazy_gettext as _l, ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from models import Appeal, MonthAdjustment, MonthResult, MonthReview, MonthStatus, Person, Role, Unit, VetoEvent
from worklog import timekeeping
from worklog.errors import Conflict, ServiceError
from worklog.extensions import db
from worklog.monthly import services
from worklog.monthly.forms import (AdjustmentForm, AppealForm, ConfirmForm, DecisionForm, OverrideForm,
                                   ReasonForm, VetoForm)
from worklog.permissions import has_role, scope_units, unit_for
from worklog.web import (confirmation_step, current_person, int_arg, refuse, rollback_only, signed_in_blueprint,
                         submit)

bp = signed_in_blueprint("monthly", __name__)


def _month(text: str) -> date:
    month = timekeeping.parse_month(text)
    if month is None:
        abort(404)
    return month


def _panel_unit(unit_id: int) -> Unit:
    """The unit, if the person sits on its panel (a panel over a city covers its counties); else 404."""
    return unit_for(current_person(), Role.panel, unit_id)


def _page_url(review: MonthReview) -> str:
    return url_for("monthly.month_page", unit_id=review.unit_id, month=review.month.strftime("%Y-%m"))


def _failed(error: ServiceError, back: str):
    rollback_only()
    if isinstance(error, Conflict):
        return render_template("weekly/conflict.html", message=error.message, back=back), 409
    flash(error.message, "error")
    return redirect(back)


@bp.route("/month")
def index():
    units = []
    for unit in scope_units(current_person(), Role.panel):
        units.append(unit)
        units.extend(db.session.scalars(select(Unit).where(Unit.path.startswith(unit.path, autoescape=True),
                                                           Unit.id != unit.id).order_by(Unit.path)))
    if not units:
        abort(403)
    reviews = {}
    for review in db.session.scalars(select(MonthReview).where(MonthReview.unit_id.in_([u.id for u in units]))):
        reviews.setdefault(review.unit_id, []).append(review)
    months = []
    month = timekeeping.today().replace(day=1)
    for _i in range(6):
        months.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return render_template("monthly/index.html", units=list(dict.fromkeys(units)), reviews=reviews, months=months)


def _result_page(review: MonthReview, page: int, per_page: int) -> tuple[list[MonthResult], int]:
    """A page of the month's results in ranking order, and how many there are (counted in the same query)."""
    rows = db.session.execute(select(MonthResult, func.count().over())
                              .where(MonthResult.month_review_id == review.id)
                              .options(selectinload(MonthResult.person))
                              .order_by(MonthResult.sequence_id, MonthResult.rank, MonthResult.id)
                              .offset((page - 1) * per_page).limit(per_page)).all()
    if not rows and page > 1:
        total = db.session.scalar(select(func.count()).select_from(MonthResult)
                                  .where(MonthResult.month_review_id == review.id)) or 0
        return [], total
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


@bp.route("/month/<int:unit_id>/<month>")
def month_page(unit_id: int, month: str, status: int = 200, forms: dict | None = None):
    unit = _panel_unit(unit_id)
    first = _month(month)
    review = services.month_review(unit.id, first)
    context = {"unit": unit, "month": first, "review": review, "month_key": first.strftime("%Y-%m"),
               "action_form": ReasonForm(formdata=None), "not_yet": services.not_yet(review, first)}
    if review is not None:
        # A big county has nearly 2,000 officers: their results are shown a page at a time.
        per_page = current_app.config["PAGE_SIZE"]
        page = int_arg("page", 1)
        results, total = _result_page(review, page, per_page)
        pages = max(1, math.ceil(total / per_page))
        if page > pages:  # past the end: the last page
            page = pages
            results, total = _result_page(review, page, per_page)
        context.update(page=page, pages=pages, total_results=total)
        from models import Sequence
        sequences = {s.id: s for s in db.session.scalars(select(Sequence))}
        context.update(
            results=results, sequences=sequences,
            adjustments=list(db.session.scalars(select(MonthAdjustment).where(MonthAdjustment.month_review_id == review.id)
                                                .options(joinedload(MonthAdjustment.person)).order_by(MonthAdjustment.id))),
            vetoes=list(db.session.scalars(select(VetoEvent).where(VetoEvent.month_review_id == review.id)
                                           .options(joinedload(VetoEvent.person)).order_by(VetoEvent.id))),
            appeals=list(db.session.scalars(select(Appeal).where(Appeal.month_review_id == review.id)
                                            .options(joinedload(Appeal.person)).order_by(Appeal.id))),
            adjustment_form=(forms or {}).get("adjustment") or AdjustmentForm(formdata=None),
            veto_form=(forms or {}).get("veto") or VetoForm(formdata=None),
            override_form=OverrideForm(formdata=None), decision_form=DecisionForm(formdata=None),
            rules=services.rules_of(review), sealed=review.status == MonthStatus.final.value)
    if status >= 400:
        rollback_only()
    return render_template("monthly/month.html", **context), status


@bp.route("/month/<int:unit_id>/<month>/completeness")
def completeness(unit_id: int, month: str):
    """Who has weeks of the month not signed or working days not submitted: what the panel checks before it
    computes, counted afresh (a few aggregate queries), a page at a time."""
    review = _review(unit_id, month)
    per_page = current_app.config["PAGE_SIZE"]
    page = int_arg("page", 1)
    rows, incomplete = services.completeness(review, page, per_page)
    pages = max(1, math.ceil(incomplete / per_page))
    return render_template("monthly/completeness.html", unit=db.session.get(Unit, review.unit_id),
                           month_key=month, rows=rows, incomplete=incomplete, page=min(page, pages), pages=pages)


def _review(unit_id: int, month: str) -> MonthReview:
    unit = _panel_unit(unit_id)
    review = services.month_review(unit.id, _month(month))
    if review is None:
        abort(404)
    return review


@bp.route("/month/<int:unit_id>/<month>/open", methods=["POST"])
def open_month(unit_id: int, month: str):
    unit = _panel_unit(unit_id)
    back = url_for("monthly.month_page", unit_id=unit.id, month=month)
    if ReasonForm().validate_on_submit():
        try:
            services.open_month(unit, _month(month), current_person())
        except ServiceError as error:
            return _failed(error, back)
    return redirect(back)


def _review_action(unit_id: int, month: str, action, success: str, needs_reason: bool = False):
    review = _review(unit_id, month)
    back = _page_url(review)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            if needs_reason:
                action(review, form.reason.data, current_person())
            else:
                action(review, current_person())
            flash(success, "success")
        except ServiceError as error:
            return _failed(error, back)
    return redirect(back)


@bp.route("/month/<int:unit_id>/<month>/compute", methods=["POST"])
def compute(unit_id: int, month: str):
    return _review_action(unit_id, month, services.compute, _("Scores and grades computed."))


def _officers(review: MonthReview) -> int:
    return db.session.scalar(select(func.count()).select_from(MonthResult)
                             .where(MonthResult.month_review_id == review.id)) or 0


def _publish_consequences(review: MonthReview, unit: Unit) -> list[str]:
    r = services.rules_of(review)
    today = timekeeping.today()
    ends = timekeeping.working_days_after(today, r.publication_days)
    deadline = timekeeping.working_days_after(today, r.appeal_days)
    return [ngettext("Once published, the %(num)d officer assessed by %(unit)s will see their monthly "
                     "score and grade, and the unit's list; appeals may be filed for %(days)d working days, "
                     "until %(deadline)s.",
                     "Once published, the %(num)d officers assessed by %(unit)s will see their monthly "
                     "scores and grades, and the unit's list; appeals may be filed for %(days)d working "
                     "days, until %(deadline)s.", _officers(review), unit=unit.name, days=r.appeal_days,
                     deadline=format_date(deadline)),
            _("The results cannot be taken back once published. The month can be finalised from %(day)s, "
              "once every appeal is decided.", day=format_date(max(ends, deadline) + timedelta(days=1)))]


def _finalise_consequences(review: MonthReview, unit: Unit) -> list[str]:
    return [ngettext("Finalising seals %(month)s for %(unit)s: the score and grade of its %(num)d officer "
                     "become final and go into the ledgers and the annual review.",
                     "Finalising seals %(month)s for %(unit)s: the scores and grades of its %(num)d officers "
                     "become final and go into the ledgers and the annual review.", _officers(review),
                     month=review.month.strftime("%Y-%m"), unit=unit.name),
            _("Nothing of the month can change afterwards unless the panel reopens it, with a recorded "
              "reason.")]


#: The panel's acts that cannot be undone: (service, consequences, title, button, done).
IRREVERSIBLE = {
    "publish": (services.publish, _publish_consequences, _l("Publish the month's results?"), _l("Publish"),
                _l("Results published: officers can see them and appeal.")),
    "finalise": (services.finalise, _finalise_consequences, _l("Finalise and seal the month?"),
                 _l("Finalise and seal"), _l("The month is final and sealed.")),
}


def _confirmed_act(unit_id: int, month: str, act: str):
    """GET: what the act will do and to whom, and the button that does it. POST: the act, only with the
    confirmation that page sends (``confirm=yes``); without it nothing is done and the page is shown again."""
    review = _review(unit_id, month)
    unit = db.session.get(Unit, review.unit_id)
    service, consequences, title, button, done = IRREVERSIBLE[act]
    back = _page_url(review)

    def do_it():
        try:
            service(review, current_person())
        except ServiceError as error:
            return _failed(error, back)
        flash(str(done), "success")
        return redirect(back)

    answer, status = confirmation_step(ConfirmForm(), back, do_it)
    if answer is not None:
        return answer
    refusal = services.not_yet(review, review.month).get(act)
    if act == "publish" and review.status != MonthStatus.computed.value:
        refusal = refusal or _("Compute the month before publishing it.")
    if act == "finalise" and review.status != MonthStatus.published.value:
        refusal = refusal or _("Publish the results before finalising the month.")
    return render_template("confirm.html", title=title, heading=f"{unit.name} · {review.month:%Y-%m}",
                           consequences=consequences(review, unit), form=ConfirmForm(formdata=None),
                           action=request.path, button=button, back=back, refusal=refusal), status


@bp.route("/month/<int:unit_id>/<month>/publish", methods=["GET", "POST"])
def publish(unit_id: int, month: str):
    return _confirmed_act(unit_id, month, "publish")


@bp.route("/month/<int:unit_id>/<month>/finalise", methods=["GET", "POST"])
def finalise(unit_id: int, month: str):
    return _confirmed_act(unit_id, month, "finalise")


@bp.route("/month/<int:unit_id>/<month>/reopen", methods=["POST"])
def reopen(unit_id: int, month: str):
    return _review_action(unit_id, month, services.reopen, _("The month is reopened; the reopening is recorded."),
                          needs_reason=True)


def _person_by_badge(badge: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.badge == (badge or "").strip()))


@bp.route("/month/<int:unit_id>/<month>/adjustments", methods=["POST"])
def add_adjustment(unit_id: int, month: str):
    review = _review(unit_id, month)
    form = AdjustmentForm()
    if form.validate_on_submit():
        try:
            person = _person_by_badge(form.person.data)
            if person is None:
                raise services.not_assessed(form.person.data)
            services.add_adjustment(review, person, {"kind": form.kind.data, "points": form.points.data,
                                                     "reason": form.reason.data, "evidence": form.evidence.data}, current_person())
            flash(_("Adjustment recorded. Compute the month again to see its effect."), "success")
            return redirect(_page_url(review))
        except ServiceError as error:
            refuse(form, error)
    return month_page(unit_id, month, status=422, forms={"adjustment": form})


@bp.route("/month/<int:unit_id>/<month>/vetoes", methods=["POST"])
def add_veto(unit_id: int, month: str):
    review = _review(unit_id, month)
    form = VetoForm()
    if form.validate_on_submit():
        try:
            person = _person_by_badge(form.person.data)
            if person is None:
                raise services.not_assessed(form.person.data)
            services.add_veto(review, person, {"event_date": form.event_date.data, "reason": form.reason.data}, current_person())
            flash(_("Veto recorded. Compute the month again to see its effect."), "success")
            return redirect(_page_url(review))
        except ServiceError as error:
            refuse(form, error)
    return month_page(unit_id, month, status=422, forms={"veto": form})


def _withdraw(model, item_id: int, act):
    """Withdraw an adjustment or a veto, with a reason: the record stays, marked withdrawn."""
    item = db.session.get(model, item_id)
    review = db.session.get(MonthReview, item.month_review_id) if item else None
    if review is None:
        abort(404)
    _panel_unit(review.unit_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            act(item, form.reason.data, current_person())
            flash(_("Withdrawn."), "success")
        except ServiceError as error:
            return _failed(error, _page_url(review))
    return redirect(_page_url(review))


@bp.route("/month/adjustments/<int:item_id>/withdraw", methods=["POST"])
def void_adjustment(item_id: int):
    return _withdraw(MonthAdjustment, item_id, services.void_adjustment)


@bp.route("/month/vetoes/<int:item_id>/withdraw", methods=["POST"])
def void_veto(item_id: int):
    return _withdraw(VetoEvent, item_id, services.void_veto)


def _result(result_id: int) -> tuple[MonthResult, MonthReview]:
    result = db.session.get(MonthResult, result_id)
    review = db.session.get(MonthReview, result.month_review_id) if result else None
    if review is None:
        abort(404)
    return result, review


@bp.route("/month/results/<int:result_id>/override", methods=["POST"])
def override(result_id: int):
    result, review = _result(result_id)
    _panel_unit(review.unit_id)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            services.override(result, form.grade.data or None, form.reason.data, current_person())
            flash(_("Grade set."), "success")
        except ServiceError as error:
            return _failed(error, _page_url(review))
    return redirect(_page_url(review))


@bp.route("/month/results/<int:result_id>")
def explanation(result_id: int):
    """How a score and a grade were reached: for the panel, and for the officer once published."""
    result, review = _result(result_id)
    me = current_person()
    unit = db.session.get(Unit, review.unit_id)
    is_panel = has_role(me, Role.panel, unit)
    own_published = result.person_id == me.id and review.status in (MonthStatus.published.value,
                                                                     MonthStatus.final.value)
    if not (is_panel or own_published):
        abort(404)
    return render_template("monthly/explanation.html", result=result, review=review, unit=unit)


@bp.route("/month/appeals/<int:appeal_id>/decide", methods=["POST"])
def decide(appeal_id: int):
    appeal = db.session.get(Appeal, appeal_id)
    review = db.session.get(MonthReview, appeal.month_review_id) if appeal else None
    if review is None:
        abort(404)
    _panel_unit(review.unit_id)
    form = DecisionForm()
    back = _page_url(review)
    if not form.validate_on_submit():
        rollback_only()
        flash(_("Give the reason for the decision."), "error")
        return redirect(back)
    correction = None
    if form.outcome.data == "uphold" and form.kind.data and form.points.data:
        correction = {"kind": form.kind.data, "points": form.points.data, "reason": form.decision.data}
    try:
        version = int(form.version.data) if form.version.data else None
        services.decide_appeal(appeal, form.outcome.data == "uphold", form.decision.data, current_person(), correction, version)
        flash(_("Appeal decided."), "success")
    except ServiceError as error:
        return _failed(error, back)
    return redirect(back)


# --- The officer's side ------------------------------------------------------------------------------------------------


@bp.route("/my/months")
def my_months():
    me = current_person()
    rows = db.session.execute(
        select(MonthResult, MonthReview).join(MonthReview, MonthReview.id == MonthResult.month_review_id)
        .where(MonthResult.person_id == me.id,
               MonthReview.status.in_([MonthStatus.published.value, MonthStatus.final.value]))
        .order_by(MonthReview.month.desc())).all()
    return render_template("monthly/my_months.html", rows=rows)


@bp.route("/my/months/<int:review_id>", methods=["GET", "POST"])
def my_month(review_id: int):
    me = current_person()
    review = db.session.get(MonthReview, review_id)
    if review is None or review.status not in (MonthStatus.published.value, MonthStatus.final.value):
        abort(404)
    mine = db.session.scalar(select(MonthResult).where(MonthResult.month_review_id == review.id,
                                                       MonthResult.person_id == me.id))
    if mine is None:
        abort(404)
    form = AppealForm()
    done, status = submit(form, lambda: services.file_appeal(review, me, form.reason.data, me),
                          _("Your appeal has been filed; the panel will decide it."),
                          url_for("monthly.my_month", review_id=review.id))
    if done is not None:
        return done
    unit_list = list(db.session.scalars(select(MonthResult).where(MonthResult.month_review_id == review.id)
                                         .options(selectinload(MonthResult.person))
                                         .order_by(MonthResult.sequence_id, MonthResult.rank)))
    appeals = list(db.session.scalars(select(Appeal).where(Appeal.month_review_id == review.id,
                                                           Appeal.person_id == me.id).order_by(Appeal.id)))
    from models import Sequence
    sequences = {s.id: s for s in db.session.scalars(select(Sequence).where(
        Sequence.id.in_({r.sequence_id for r in unit_list})))}
    by_sequence = [(sequences.get(sequence_id), list(rows))
                   for sequence_id, rows in groupby(unit_list, key=lambda r: r.sequence_id)]
    return render_template("monthly/my_month.html", review=review, mine=mine, form=form, unit_list=by_sequence,
                           appeals=appeals, unit=db.session.get(Unit, review.unit_id),
                           may_appeal=review.status == MonthStatus.published.value
                           and timekeeping.today() <= review.appeal_deadline), status
