"""Home: who I am, where I work, what my roles let me do."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from worklog.permissions import grants_of

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    person = current_user._get_current_object()
    return render_template("home/index.html", person=person, assignment=person.assignment_on(date.today()),
                           grants=sorted(grants_of(person), key=lambda g: (g.role, g.unit.path)))


@bp.route("/healthz")
def health():
    return {"status": "ok"}
