"""HR pages (promotion rounds, warning and removal lists, bonuses), the panel's year, an officer's eligibility."""
from __future__ import annotations

import io
import math
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_datetime, gettext as _, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from models import MonthStatus, Person, PromotionRound, Role, Unit, YearResult
from worklog import timekeeping
from worklog.annual import bonuses, queries, rounds, services
from worklog.annual.exports import tie_names, write_round
from worklog.choices import choices
from worklog.errors import Conflict, ServiceError
from worklog.exports import xlsx_response
from worklog.extensions import db
from worklog.fields import DateField, DecimalField
from worklog.jobs.forms import ExportForm
from worklog.jobs.queue import after_commit
from worklog.labels import GRADE_LABELS, MONTH_STATUS_LABELS, PERIOD_NOT_FINAL_LABELS
from worklog.monthly.forms import ConfirmForm
from worklog.permissions import scope_units, unit_for
from worklog.rulesets.queries import values_on
from worklog.timekeeping import FIRST_YEAR, LAST_YEAR
from worklog.annual.forms import PolicyForm, attach_problems, policy_form, policy_from, row_fields
from worklog.explanations import POLICY_LABELS, Wording
from worklog.rules.eligibility import DEFAULT_POLICIES, evaluate, validate_policy
from worklog.web import after_this_transaction, confirmation_step, current_person, int_arg, refuse, rollback_only, \
    signed_in_blueprint, submit

bp = signed_in_blueprint("hr", __name__)

#: Rows of a published round's printed list per printed page.
PRINT_PAGE = 200


class RoundForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    unit = SelectField(_l("Candidates from"), coerce=int, validators=[DataRequired()])
    reference_date = DateField(_l("Reference date"), validators=[DataRequired()])
    policy = SelectField(_l("Rules"), validators=[DataRequired()])
    submit = SubmitField(_l("Create the round"))


class BonusForm(FlaskForm):
    amount = DecimalField(_l("Pool (yuan)"), places=2, validators=[InputRequired(), NumberRange(min=0.01)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Share the pool"))


#: The statuses in which officers see a year's results.
SHOWN = (MonthStatus.published.value, MonthStatus.final.value)


class YearAdjustmentForm(FlaskForm):
    person = StringField(_l("Badge number"), validators=[DataRequired(), Length(max=20)])
    points = DecimalField(_l("Points"), places=2, validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Record"))


class YearDecisionForm(FlaskForm):
    version = HiddenField()
    outcome = SelectField(_l("Decision"), validators=[DataRequired()])
    decision = StringField(_l("Reason"), validators=[DataRequired(), Length(max=1000)])
    correction = DecimalField(_l("Correction of the annual score"), places=2, validators=[Optional()])
    submit = SubmitField(_l("Decide"))


class AppealForm(FlaskForm):
    reason = TextAreaField(_l("Why the result is wrong"), validators=[DataRequired(), Length(max=1000)])
    submit = SubmitField(_l("File the appeal"))


class ActionForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Confirm"))


class PublishForm(ConfirmForm):
    """Publishing a round: the confirmation, and the periods not final the page named (``rounds.not_final_token``)."""
    not_final = HiddenField()


def not_final_lines(items: list) -> list[str]:
    """Each period not final, worded: "2026-10 · published, not final: County A2 (10 officers)"."""
    lines = []
    for item in items:
        period = item.code if item.kind == "month" else _("%(year)s annual review", year=item.code)
        units = _(", ").join(ngettext("%(unit)s (%(num)d officer)", "%(unit)s (%(num)d officers)", n, unit=name)
                             for _id, name, n in item.units)
        lines.append(_("%(period)s · %(state)s: %(units)s", period=period,
                       state=PERIOD_NOT_FINAL_LABELS.get(item.status, item.status), units=units))
    return lines


def _hr_unit(unit_id: int) -> Unit:
    return unit_for(current_person(), Role.hr, unit_id)


def _policy_label(key: str) -> str:
    return str(POLICY_LABELS.get(key, key))


@bp.route("/hr", methods=["GET", "POST"])
def index():
    units = scope_units(current_person(), Role.hr)
    if not units:
        abort(403)
    form = RoundForm()
    # Any active unit within the grants: HR over a city makes rounds for its counties too.
    form.unit.choices = choices(queries.round_unit_choices(current_person()))
    # Promotion lists, and the warning-talk and removal lists, judged and published the same way.
    form.policy.choices = choices((k, _policy_label(k)) for k in ("competitive_promotion", "post_promotion",
                                                                   "warning_talk", "removal"))
    status = 200
    if request.method == "GET":
        form.reference_date.data = timekeeping.today()
    elif form.validate_on_submit():
        try:
            round_ = rounds.create_round(_hr_unit(form.unit.data), form.name.data, form.reference_date.data,
                                         form.policy.data, current_person())
            after_this_transaction(after_commit(round_.job_id))
            return redirect(url_for("hr.round_page", round_id=round_.id))
        except ServiceError as error:
            refuse(form, error)
            status = 422
    else:
        rollback_only()
        status = 422
    all_rounds = queries.rounds_in_scope(current_person())
    return render_template("annual/hr.html", form=form, rounds=all_rounds, units=units,
                           last_year=timekeeping.today().year - 1), status


def _round(round_id: int) -> tuple[PromotionRound, Unit]:
    round_ = db.session.scalar(select(PromotionRound).where(PromotionRound.id == round_id)
                               .options(joinedload(PromotionRound.unit), joinedload(PromotionRound.job)))
    if round_ is None:
        abort(404)
    return round_, _hr_unit(round_.unit_id)


def _filters(round_: PromotionRound, units: list) -> queries.Filters:
    """The list's filters from the query string; anything it cannot show (a unit outside the round, a rule it
    does not have) is ignored."""
    unit_id = request.args.get("unit", type=int)
    unit = next((u for u in units if u.id == unit_id), None) if unit_id else None
    return queries.Filters(unit=unit, show=queries.show_choice(request.args.get("show"), round_),
                           q=(request.args.get("q") or "").strip()[:60])


def _show_choices(round_: PromotionRound) -> list[tuple[str, str]]:
    return [("", _("Everybody")), ("eligible", _("Eligible")), ("not", _("Not eligible"))] + \
        [(f"rule-{i}", _("Failing: %(rule)s", rule=label)) for i, label in enumerate(queries.rule_labels(round_))]


@bp.route("/hr/rounds/<int:round_id>")
def round_page(round_id: int):
    """The round's stored list a page at a time, with the counts of the whole round and the filters; each
    officer's checks on their row. A draft's ``p-<rule>-<param>`` arguments try other thresholds (what-if):
    who would enter or leave, judged live and saved nowhere."""
    return _round_page(round_id)


def _round_page(round_id: int, edited=None, refused: list[str] | None = None):
    """The round's page; ``edited`` is a policy form sent back with its problems (``refused``: those that
    concern no field)."""
    round_, unit = _round(round_id)
    printing = round_.status == "published" and bool(request.args.get("print"))
    units = queries.units_under(unit)
    filters = _filters(round_, units)
    whole = queries.counts(round_)
    total = queries.matching(round_, filters, whole)
    per_page = PRINT_PAGE if printing else int(current_app.config["PAGE_SIZE"])
    pages = max(1, math.ceil(total / per_page))
    page = min(int_arg("page", 1, high=1_000_000), pages)
    rows = queries.page(round_, filters, page, per_page) if total else []
    context = dict(round=round_, unit=unit, rows=rows, counts=whole, total=total, page=page, pages=pages,
                   per_page=per_page, filters=filters, units=units, show_choices=_show_choices(round_),
                   export_form=ExportForm(formdata=None),
                   action_form=ActionForm(formdata=None), tie_names=tie_names(round_.policy),
                   promotion=rounds.is_promotion(round_), year=round_.reference_date.year - 1)
    if printing:
        return render_template("annual/round_print.html", **context)
    if round_.status == "draft":
        tried_values = {k[2:]: v for k, v in request.args.items() if k.startswith("p-")}
        tried_policy = rounds.with_params(round_.policy, tried_values) if tried_values else None
        what_if, problems = None, []
        if tried_policy is not None:
            refusals = validate_policy(tried_policy)
            problems = Wording().problems(refusals)
            if not refusals:
                what_if = rounds.what_if(round_, unit, tried_policy)
        policy = tried_policy or round_.policy
        context.update(what_if=what_if, problems=problems, tunable=rounds.tunable(policy), policy=policy,
                       computing=rounds.being_computed(round_), publishable=rounds.publishable(round_),
                       policy_form=edited or policy_form(round_.policy), policy_refused=refused or [],
                       row_fields=row_fields, not_final=not_final_lines(rounds.not_final(round_)))
    return render_template("annual/round.html", **context)


def _refused(round_: PromotionRound, error: ServiceError):
    rollback_only()
    return render_template("weekly/conflict.html", message=error.message,
                           back=url_for("hr.round_page", round_id=round_.id)), \
        409 if isinstance(error, Conflict) else 422


@bp.route("/hr/rounds/<int:round_id>/compute", methods=["POST"])
def compute(round_id: int):
    """Judge the list again (the data it judges changed since): a background job."""
    round_, _unit = _round(round_id)
    if ActionForm().validate_on_submit():
        try:
            job = rounds.compute_again(round_, current_person())
        except ServiceError as error:
            return _refused(round_, error)
        after_this_transaction(after_commit(job.id))
        flash(_("The list is being computed again."), "success")
    return redirect(url_for("hr.round_page", round_id=round_.id))


@bp.route("/hr/rounds/<int:round_id>/rules", methods=["POST"])
def save_rules(round_id: int):
    round_, _unit = _round(round_id)
    form = ActionForm()
    if form.validate_on_submit():
        values = {k[2:]: v for k, v in request.form.items() if k.startswith("p-")}
        try:
            rounds.save_policy(round_, rounds.with_params(round_.policy, values), current_person())
        except ServiceError as error:
            return _refused(round_, error)
        after_this_transaction(after_commit(round_.job_id))
        flash(_("The round's rules are saved; its list is computed again."), "success")
    return redirect(url_for("hr.round_page", round_id=round_.id))


@bp.route("/hr/rounds/<int:round_id>/policy", methods=["POST"])
def save_policy(round_id: int):
    """Rules are data: HR may add, remove or change any rule of a draft round, row by row, checked by the rule
    code before it is saved; a refusal shows each problem under its field and saves nothing."""
    round_, _unit = _round(round_id)
    form = PolicyForm()
    if form.validate_on_submit():
        policy = policy_from(form, round_.policy)
        try:
            rounds.save_policy(round_, policy, current_person())
        except rounds.PolicyRefused as error:
            rollback_only()
            general = attach_problems(form, policy, error.problems)
            return _round_page(round_.id, edited=form, refused=general), 422
        except ServiceError as error:
            return _refused(round_, error)
        after_this_transaction(after_commit(round_.job_id))
        flash(_("The round's rules are saved; its list is computed again."), "success")
        return redirect(url_for("hr.round_page", round_id=round_.id))
    rollback_only()
    return _round_page(round_.id, edited=form, refused=[]), 422


@bp.route("/hr/rounds/<int:round_id>/publish", methods=["GET", "POST"])
def publish(round_id: int):
    """GET: what publishing will do and to whom, and the button; the months and years the rules read that are
    not final, if any. POST: publishing, only with the confirmation that page sends (``confirm=yes``, and the
    periods not final it named); without it nothing is done and the page is shown again."""
    round_, unit = _round(round_id)
    back = url_for("hr.round_page", round_id=round_.id)
    form = PublishForm()
    unconfirmed = []

    def do_it():
        try:
            n = rounds.publish_round(round_, {"not_final": form.not_final.data or ""}, current_person())
        except rounds.NotFinalUnconfirmed as error:
            # The periods not final changed since the page was read, or it was not the page that sent this: the
            # page again, with the list as it is now.
            rollback_only()
            flash(error.message, "error")
            unconfirmed.append(error)
            return None
        except ServiceError as error:
            return _refused(round_, error)
        flash(_("The round is published with %(n)d officers; the list will not change.", n=n), "success")
        return redirect(back)

    answer, status = confirmation_step(form, back, do_it)
    if answer is not None:
        return answer
    if unconfirmed:
        status = 422
    refusal = None
    if round_.status != "draft":
        refusal = _("This round has already been published.")
    elif not rounds.publishable(round_):
        refusal = _("The list is not judged by the round's rules yet: publish it once it is.")
    counts = queries.counts(round_)
    consequences = [
        ngettext("Publishing freezes the list of %(unit)s as computed on %(time)s: %(num)d officer, "
                 "%(eligible)d of them eligible. It is the list HR and the officers' units will act on.",
                 "Publishing freezes the list of %(unit)s as computed on %(time)s: %(num)d officers, "
                 "%(eligible)d of them eligible. It is the list HR and the officers' units will act on.",
                 counts.total, unit=unit.name, eligible=counts.eligible,
                 time=format_datetime(round_.computed_at, "short") if round_.computed_at else "—"),
        _("A published round cannot change: results changed later (an appeal, a month reopened, a transfer) "
          "do not alter it, and its rules can no longer be edited.")]
    missing = rounds.not_final(round_) if refusal is None else []
    if missing:
        consequences.append(ngettext(
            "%(num)d period the round's rules read is not final for some of its units: the results of that period "
            "are left out of the list, so an officer who would be eligible once it is final may be missing.",
            "%(num)d periods the round's rules read are not final for some of its units: the results of those "
            "periods are left out of the list, so an officer who would be eligible once they are final may be "
            "missing.", len({(item.kind, item.period) for item in missing})))
    return render_template("confirm.html", title=_("Publish and freeze the list?"),
                           heading=f"{round_.name} · {unit.name}", consequences=consequences,
                           items=not_final_lines(missing), form=PublishForm(formdata=None), action=request.path,
                           hidden={"not_final": rounds.not_final_token(missing)} if missing else None,
                           button=_("Publish without the periods not final") if missing
                           else _("Publish and freeze the list"), back=back, refusal=refusal), status


@bp.route("/hr/rounds/<int:round_id>/export.xlsx")
def round_export(round_id: int):
    """The stored list as a spreadsheet, written as its rows are read: only the compressed file is held (a
    province's is about 3 MB)."""
    round_, _unit = _round(round_id)
    buffer = io.BytesIO()
    write_round(round_, buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"round-{round_.id}.xlsx", max_age=0,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/hr/lists/<int:unit_id>/<int:year>")
def lists(unit_id: int, year: int):
    """诫勉 and 免职 candidates of a year: the bottom 3% of the annual ranking, once or two years running."""
    unit = _hr_unit(unit_id)
    if not timekeeping.FIRST_YEAR <= year <= timekeeping.LAST_YEAR:
        abort(404)  # the year after it is the list's reference date: year 9999 has none
    found = rounds.year_lists(unit, year)
    return render_template("annual/lists.html", unit=unit, year=year, warning=found.warning, removal=found.removal,
                           reason=found.reason)


def _bonus_post(form, share, back: str):
    """A pool shared from a bonus page's form: (redirect or None, status)."""
    if request.method != "POST":
        return None, 200
    if form.validate_on_submit():
        try:
            share()
            flash(_("The pool is shared."), "success")
            return redirect(back), 302
        except ServiceError as error:
            refuse(form, error)
    rollback_only()
    return None, 422


def _share_rows(shares) -> list[tuple]:
    return [(s.person.badge, s.person.name, str(GRADE_LABELS.get(s.grade, s.grade)), s.score, s.amount)
            for s in shares]


def _share_headers() -> list[str]:
    return [_("Badge number"), _("Full name"), _("Grade"), _("Score"), _("Amount")]


def _spread_rows(pool, spread) -> list[tuple]:
    return [(_("Pool"), pool.amount), (_("Highest"), spread.highest), (_("Lowest"), spread.lowest),
            (_("Spread"), spread.difference), (_("Lowest share above 0"), spread.lowest_paid),
            (_("Highest ÷ lowest share above 0"), spread.ratio)]


@bp.route("/hr/bonus/<int:unit_id>/<int:year>", methods=["GET", "POST"])
def bonus(unit_id: int, year: int):
    """The year's pool, and the month pools of the year with their spreads."""
    unit = _hr_unit(unit_id)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    form = BonusForm()
    done, status = _bonus_post(
        form, lambda: bonuses.create_year_pool(unit, year, form.amount.data, form.note.data, current_person()),
        url_for("hr.bonus", unit_id=unit.id, year=year))
    if done is not None:
        return done
    pool = bonuses.latest_pool(unit, year, None)
    shares = bonuses.shares_of(pool)
    spread = bonuses.Spread.of([s.amount for s in shares])
    months = bonuses.month_pools(unit, year)
    rules = values_on(date(year, 1, 1))
    if request.args.get("export"):
        sheets = []
        if pool:
            sheets.append((str(year), _share_headers(), _share_rows(shares)))
        sheets.append((_("Months"), [_("Month"), _("Months’ reviews"), _("Pool"), _("Officers"), _("Highest"),
                                     _("Lowest"), _("Spread"), _("Highest ÷ lowest share above 0")],
                       [(f"{m.month:%Y-%m}", str(_month_state(m.state)), m.pool.amount if m.pool else None,
                         m.officers if m.pool else None, m.spread.highest if m.spread else None,
                         m.spread.lowest if m.spread else None, m.spread.difference if m.spread else None,
                         m.spread.ratio if m.spread else None) for m in months]))
        return xlsx_response(sheets, f"bonus-{unit.code}-{year}.xlsx")
    return render_template("annual/bonus.html", unit=unit, year=year, form=form, pool=pool, shares=shares,
                           spread=spread, high=spread.highest, low=spread.lowest, difference=spread.difference,
                           months=months, rules=rules, month_state=_month_state), status


def _month_state(state: str | None) -> str:
    if state is None:
        return PERIOD_NOT_FINAL_LABELS["not_opened"]
    return MONTH_STATUS_LABELS[state] if state == "final" else PERIOD_NOT_FINAL_LABELS.get(state, state)


@bp.route("/hr/bonus/<int:unit_id>/months/<month>", methods=["GET", "POST"])
def month_bonus(unit_id: int, month: str):
    """A month's pool, shared over the subtree's final monthly results within the spread the rule set allows."""
    unit = _hr_unit(unit_id)
    first = timekeeping.parse_month(month)
    if first is None:
        abort(404)
    form = BonusForm()
    done, status = _bonus_post(
        form, lambda: bonuses.create_month_pool(unit, first, form.amount.data, form.note.data, current_person()),
        url_for("hr.month_bonus", unit_id=unit.id, month=f"{first:%Y-%m}"))
    if done is not None:
        return done
    pool = bonuses.latest_pool(unit, first.year, first)
    shares = bonuses.shares_of(pool)
    spread = bonuses.Spread.of([s.amount for s in shares])
    rules = values_on(first)
    if request.args.get("export") and pool:
        return xlsx_response([(f"{first:%Y-%m}", _share_headers(), _share_rows(shares)),
                              (_("Spread"), [_("Figure"), _("Value")], _spread_rows(pool, spread))],
                             f"bonus-{unit.code}-{first:%Y-%m}.xlsx")
    missing = bonuses.not_final(unit, first)
    return render_template("annual/month_bonus.html", unit=unit, month=first, month_key=f"{first:%Y-%m}",
                           form=form, pool=pool, shares=shares, spread=spread, rules=rules, missing=missing,
                           coefficients=(pool.coefficients if pool else
                                         {k: str(v) for k, v in rules.bonus_coefficients().items()}),
                           not_final_labels=PERIOD_NOT_FINAL_LABELS), status


@bp.route("/my/eligibility")
def my_eligibility():
    me = current_person()
    facts = services.facts_for([me])
    today = timekeeping.today()
    results = [(POLICY_LABELS[key], evaluate(DEFAULT_POLICIES[key], facts, today)[0])
               for key in ("competitive_promotion", "post_promotion")]
    return render_template("annual/my_eligibility.html", results=results, today=today)


# --- The panel's year ----------------------------------------------------------------------------------------------


def _panel_unit(unit_id: int) -> Unit:
    return unit_for(current_person(), Role.panel, unit_id)


@bp.route("/year/<int:unit_id>/<int:year>")
def year_page(unit_id: int, year: int):
    unit = _panel_unit(unit_id)
    review = services.year_review(unit.id, year)
    results = list(db.session.scalars(select(YearResult).where(YearResult.year_review_id == review.id)
                                      .options(selectinload(YearResult.person))
                                      .order_by(YearResult.sequence_id, YearResult.rank))) if review else []
    from models import YearAdjustment, YearAppeal
    adjustments = list(db.session.scalars(select(YearAdjustment).where(YearAdjustment.year_review_id == review.id)
                                          .options(selectinload(YearAdjustment.person)))) if review else []
    appeals = list(db.session.scalars(select(YearAppeal).where(YearAppeal.year_review_id == review.id)
                                      .options(selectinload(YearAppeal.person)))) if review else []
    decision_form = YearDecisionForm(formdata=None)
    decision_form.outcome.choices = choices([("reject", _("Reject")), ("uphold", _("Uphold"))])
    return render_template("annual/year.html", unit=unit, year=year, review=review, results=results,
                           action_form=ActionForm(formdata=None), adjustment_form=YearAdjustmentForm(formdata=None),
                           adjustments=adjustments, appeals=appeals, decision_form=decision_form)


@bp.route("/year/<int:unit_id>/<int:year>/adjustments", methods=["POST"])
def year_adjustment(unit_id: int, year: int):
    unit = _panel_unit(unit_id)
    review = services.year_review(unit.id, year)
    if review is None:
        abort(404)
    form = YearAdjustmentForm()
    back = url_for("hr.year_page", unit_id=unit.id, year=year)
    if form.validate_on_submit():
        person = db.session.scalar(select(Person).where(Person.badge == form.person.data.strip()))
        try:
            if person is None:
                raise services.not_assessed(form.person.data, year)
            services.add_adjustment(review, person, form.points.data, form.reason.data, current_person())
            flash(_("Adjustment recorded. Compute the year again to see its effect."), "success")
            return redirect(back)
        except ServiceError as error:
            flash(error.message, "error")
    rollback_only()
    return redirect(back)


@bp.route("/year/appeals/<int:appeal_id>/decide", methods=["POST"])
def decide_year_appeal(appeal_id: int):
    from models import YearAppeal, YearReview
    appeal = db.session.get(YearAppeal, appeal_id)
    review = db.session.get(YearReview, appeal.year_review_id) if appeal else None
    if review is None:
        abort(404)
    unit = _panel_unit(review.unit_id)
    form = YearDecisionForm()
    form.outcome.choices = choices([("reject", _("Reject")), ("uphold", _("Uphold"))])
    back = url_for("hr.year_page", unit_id=unit.id, year=review.year)
    if form.validate_on_submit():
        try:
            version = int(form.version.data) if (form.version.data or "").isdigit() else None
            services.decide_year_appeal(appeal, form.outcome.data == "uphold", form.decision.data, current_person(),
                                        form.correction.data, version)
            flash(_("Appeal decided."), "success")
            return redirect(back)
        except ServiceError as error:
            flash(error.message, "error")
    rollback_only()
    return redirect(back)


@bp.route("/my/years")
def my_years():
    from models import YearReview
    me = current_person()
    rows = db.session.execute(
        select(YearResult, YearReview).join(YearReview, YearReview.id == YearResult.year_review_id)
        .where(YearResult.person_id == me.id, YearReview.status.in_(SHOWN))
        .order_by(YearReview.year.desc())).all()
    return render_template("annual/my_years.html", rows=rows)


@bp.route("/my/years/<int:review_id>", methods=["GET", "POST"])
def my_year(review_id: int):
    from models import YearAppeal, YearReview
    me = current_person()
    review = db.session.get(YearReview, review_id)
    if review is None or review.status not in SHOWN:
        abort(404)
    mine = db.session.scalar(select(YearResult).where(YearResult.year_review_id == review.id,
                                                      YearResult.person_id == me.id))
    if mine is None:
        abort(404)
    form = AppealForm()
    done, status = submit(form, lambda: services.file_year_appeal(review, me, form.reason.data, me),
                          _("Your appeal has been filed; the panel will decide it."),
                          url_for("hr.my_year", review_id=review.id))
    if done is not None:
        return done
    appeals = list(db.session.scalars(select(YearAppeal).where(YearAppeal.year_review_id == review.id,
                                                               YearAppeal.person_id == me.id)))
    return render_template("annual/my_year.html", review=review, mine=mine, form=form, appeals=appeals,
                           unit=db.session.get(Unit, review.unit_id),
                           may_appeal=review.status == MonthStatus.published.value
                           and timekeeping.today() <= review.appeal_deadline), \
        status


@bp.route("/year/<int:unit_id>/<int:year>/<action>", methods=["POST"])
def year_action(unit_id: int, year: int, action: str):
    unit = _panel_unit(unit_id)
    form = ActionForm()
    back = url_for("hr.year_page", unit_id=unit.id, year=year)
    if not form.validate_on_submit():
        return redirect(back)
    try:
        if action == "open":
            services.open_year(unit, year, current_person())
        else:
            review = services.year_review(unit.id, year)
            if review is None:
                abort(404)
            if action == "compute":
                services.compute_year(review, current_person())
            elif action == "publish":
                services.publish_year(review, current_person())
            elif action == "finalise":
                services.finalise_year(review, current_person())
            elif action == "reopen":
                services.reopen_year(review, form.reason.data, current_person())
            else:
                abort(404)
        flash(_("Done."), "success")
    except ServiceError as error:
        rollback_only()
        flash(error.message, "error")
    return redirect(back)
