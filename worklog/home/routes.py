"""Home: the officer's dashboard, and who I am, where I work, what my roles let me do."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from worklog import timekeeping
from worklog.daily import queries as daily
from worklog.permissions import grants_of

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    person = current_user._get_current_object()
    today = timekeeping.today()
    assignment = person.assignment_on(today)
    return render_template(
        "home/index.html", person=person, assignment=assignment,
        dashboard=daily.dashboard(person) if assignment else None,
        grants=sorted(grants_of(person), key=lambda g: (g.role, g.unit.path)))


@bp.route("/healthz")
def health():
    return {"status": "ok"}
