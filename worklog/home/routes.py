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
        dashboard=daily.dashboard(person) if assignment else None, grades=grade_history(person.id),
        grants=sorted(grants_of(person), key=lambda g: (g.role, g.unit.path)))


def grade_history(person_id: int, months: int = 12):
    """The officer's published and final monthly results, newest first."""
    from sqlalchemy import select
    from models import MonthResult, MonthReview, MonthStatus
    from worklog.extensions import db
    return db.session.execute(
        select(MonthReview.id, MonthReview.month, MonthReview.status, MonthResult.score, MonthResult.final_grade,
               MonthResult.rank, MonthResult.group_size)
        .join(MonthResult, MonthResult.month_review_id == MonthReview.id)
        .where(MonthResult.person_id == person_id,
               MonthReview.status.in_([MonthStatus.published.value, MonthStatus.final.value]))
        .order_by(MonthReview.month.desc()).limit(months)).all()


@bp.route("/healthz")
def health():
    return {"status": "ok"}
