"""Administration of rule sets: every number of the assessment, versioned by the date it takes effect."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from models import Person, Role, RuleSet
from worklog import audit, locks, timekeeping
from worklog.errors import ServiceError
from worklog.choices import choices
from worklog.explanations import Wording
from worklog.extensions import db
from worklog.fields import DateField
from worklog.monthly.rulesets import rule_set_on
from worklog.permissions import is_root_admin, require_role
from worklog.rules.ruleset import CHOICES, FIELDS, InvalidRuleValues, RuleValues, from_mapping
from worklog.web import rollback_only

bp = Blueprint("rules", __name__, url_prefix="/admin/rules")

FIELD_LABELS = {
    "completion_done": _l("Completion factor: done"),
    "completion_mostly": _l("Completion factor: mostly done"),
    "completion_not_done": _l("Completion factor: not done"),
    "adjust_bound": _l("Supervisor's adjustment bound (±)"),
    "base_points": _l("Base points"),
    "missing_day_deduction": _l("Deduction per working day not submitted"),
    "late_day_deduction": _l("Deduction per day submitted late"),
    "workload_points": _l("Workload points"),
    "quality_points": _l("Quality points"),
    "returned_entry_deduction": _l("Deduction per returned entry"),
    "reduced_entry_deduction": _l("Deduction per entry approved with fewer points"),
    "bonus_cap": _l("Bonus cap"),
    "excellent_min_score": _l("Lowest score for excellent"),
    "excellent_quota": _l("Excellent quota (share of the group)"),
    "competent_min_score": _l("Lowest score for competent"),
    "basic_min_score": _l("Lowest score for basically competent"),
    "publication_days": _l("Publication (working days)"),
    "appeal_days": _l("Appeal window (working days)"),
    "survey_basic_factor": _l("Survey: weight of a basically satisfied answer"),
    "survey_sample_size": _l("Survey: people drawn per unit and kind of contact"),
    "survey_no_repeat_days": _l("Survey: days before a phone may be called again"),
    "follow_up_days": _l("Survey: working days for a unit to answer a dissatisfied caller"),
    "public_weight": _l("Units: weight of the public evaluation"),
    "poll_weight": _l("Units: weight of the opinion poll within the public evaluation"),
    "unit_excellent_quota": _l("Units: excellent quota (share of the peers)"),
    "unit_excellent_min": _l("Units: lowest comprehensive score for excellent"),
    "unit_pass_min": _l("Units: lowest comprehensive score for pass"),
    "yellow_bottom": _l("Units: yellow card for the bottom share of the public ranking"),
    "yellow_run": _l("Units: yellow cards in a row that are flagged"),
    "unit_work_basis": _l("Units: work score from"),
    "progress_warning_share": _l("Indicators: warning below this share of the pro-rata target"),
    "finding_enforcement": _l("Findings: deduction for an enforcement error (from quality)"),
    "finding_discipline": _l("Findings: deduction for discipline and conduct (from the base)"),
    "finding_appearance": _l("Findings: deduction for dress and bearing (from the base)"),
    "finding_complaint": _l("Findings: deduction for a verified complaint or petition (from quality)"),
    "finding_repeat_days": _l("Findings: days within which the same problem again is a repeat"),
    "finding_repeat_factor": _l("Findings: a repeat weighs this many times"),
    "rectification_days": _l("Rectification: working days to put a finding right"),
    "annual_excellent_quota": _l("Year: excellent quota (share of the group)"),
    "annual_excellent_min": _l("Year: lowest score for excellent"),
    "annual_competent_min": _l("Year: lowest score for competent"),
    "annual_basic_min": _l("Year: lowest score for basically competent"),
    "annual_incompetent_months": _l("Year: incompetent months that rule out competent"),
    "annual_excellent_service_years": _l("Year: years of service excellent needs"),
    "bonus_excellent": _l("Bonus: coefficient of excellent"),
    "bonus_competent": _l("Bonus: coefficient of competent"),
    "bonus_basic": _l("Bonus: coefficient of basically competent"),
    "bonus_incompetent": _l("Bonus: coefficient of incompetent"),
}

#: The words of the choice fields, as the form shows them.
CHOICE_LABELS = {
    "indicators": _l("the weighted indicator score"),
    "points": _l("approved points per officer"),
}


class RuleSetForm(FlaskForm):
    valid_from = DateField(_l("Takes effect on"), validators=[DataRequired()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save the new version"))


for _name, _kind in FIELDS:
    if _kind == "choice":
        setattr(RuleSetForm, _name, SelectField(FIELD_LABELS.get(_name, _name), validators=[DataRequired()],
                                                choices=choices((c, CHOICE_LABELS[c]) for c in CHOICES[_name])))
    else:
        setattr(RuleSetForm, _name, StringField(FIELD_LABELS.get(_name, _name), validators=[DataRequired()]))


@bp.before_request
@login_required
def _admins_only():
    require_role(current_user, Role.admin)


def create_rule_set(valid_from: date, values: dict, note: str, actor: Person) -> RuleSet:
    if db.session.scalar(select(RuleSet.id).where(RuleSet.valid_from == valid_from)):
        raise ServiceError(_("A version already takes effect on that day."), "valid_from")
    checked = from_mapping(values)  # raises InvalidRuleValues
    # Rule sets hold for the whole province: one taking effect on a past day reaches every unit's months from
    # that day until the next version takes over (the rules of its days, the units' evaluation), so none of
    # them may be final.
    following = db.session.scalar(select(func.min(RuleSet.valid_from)).where(RuleSet.valid_from > valid_from))
    locks.require_unsealed(valid_from, following - timedelta(days=1) if following else None,
                           units=locks.EVERY_UNIT, field="valid_from")
    rule_set = RuleSet(valid_from=valid_from, values=checked.to_mapping(), note=(note or "").strip(),
                       created_by_id=actor.id)
    db.session.add(rule_set)
    db.session.flush()
    audit.record(actor, "rules.created", "rule_set", rule_set.id, after={"valid_from": valid_from.isoformat(),
                                                                         **checked.to_mapping()})
    return rule_set


@bp.route("/", methods=["GET", "POST"])
def index():
    actor = current_user._get_current_object()
    may_manage = is_root_admin(actor)
    current = rule_set_on(timekeeping.today())
    values = from_mapping(current.values) if current else RuleValues()
    form = RuleSetForm()
    status = 200
    if request.method == "GET":
        form.valid_from.data = timekeeping.today()
        for name, value in values.to_mapping().items():
            getattr(form, name).data = value
    elif not may_manage:
        abort(403)
    elif form.validate_on_submit():
        try:
            create_rule_set(form.valid_from.data, {name: getattr(form, name).data for name, _kind in FIELDS},
                            form.note.data, actor)
            flash(_("The new rule set takes effect on %(day)s. Months already opened keep their rules.",
                    day=form.valid_from.data.isoformat()), "success")
            return redirect(url_for("rules.index"))
        except InvalidRuleValues as error:
            wording = Wording()  # the rule code's problems, in the reader's language
            for name, problem in error.errors.items():
                message = wording.problem(problem)
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = list(field.errors) + [message]
                else:
                    flash(message, "error")
        except ServiceError as error:
            form.valid_from.errors = list(form.valid_from.errors) + [error.message]
    if request.method == "POST":
        rollback_only()
        status = 422
    versions = list(db.session.scalars(select(RuleSet).order_by(RuleSet.valid_from.desc())))
    return render_template("monthly/rules.html", form=form, versions=versions, fields=FIELDS,
                           labels=FIELD_LABELS, choice_labels=CHOICE_LABELS, may_manage=may_manage,
                           defaults=RuleValues().to_mapping(),
                           current=current), status
