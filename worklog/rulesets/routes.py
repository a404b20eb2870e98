"""Administration of rule sets (/admin/rules): every number of the assessment, versioned by the date it takes
effect; the province's administrators make new versions, the others read them."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from models import Role, RuleSet
from worklog import timekeeping
from worklog.errors import ServiceError
from worklog.explanations import Wording
from worklog.extensions import db
from worklog.permissions import is_root_admin, require_role
from worklog.rules.ruleset import FIELDS, InvalidRuleValues, RuleValues, from_mapping
from worklog.rulesets.forms import RuleSetForm
from worklog.rulesets.labels import CHOICE_LABELS, FIELD_LABELS
from worklog.rulesets.queries import rule_set_on
from worklog.rulesets.services import create_rule_set
from worklog.web import rollback_only

bp = Blueprint("rules", __name__, url_prefix="/admin/rules")


@bp.before_request
@login_required
def _admins_only():
    require_role(current_user, Role.admin)


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
    return render_template("rulesets/index.html", form=form, versions=versions, fields=FIELDS,
                           labels=FIELD_LABELS, choice_labels=CHOICE_LABELS, may_manage=may_manage,
                           defaults=RuleValues().to_mapping(),
                           current=current), status
