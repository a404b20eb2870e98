"""Home: the officer's dashboard, and who I am, where I work, what my roles let me do."""
from __future__ import annotations

from datetime import timedelta
from functools import cache

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from models import Assignment, MonthResult, MonthReview, MonthStatus, Person, Post
from worklog import timekeeping
from worklog.extensions import db
from worklog.daily import queries as daily
from worklog.permissions import grants_of

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    person = current_user._get_current_object()
    today = timekeeping.today()
    load_assignments(person)
    assignment = person.assignment_on(today)
    return render_template(
        "home/index.html", person=person, assignment=assignment,
        dashboard=daily.dashboard(person) if assignment else None, grades=grade_history(person.id),
        grants=sorted(grants_of(person), key=lambda g: (g.role, g.unit.path)), signing=signing_duty(person, today))


def signing_duty(person: Person, today) -> dict | None:
    """For whoever signs weeks: last week's team, ready to sign, still waiting and overdue, with the weeks ready
    first (each a link to its page, which opens on the signing bar). None for everyone else, without a query (the menu's facts know)."""
    from worklog.navigation import facts
    from worklog.weekly import queries as weekly
    if not facts(person.id)[0]:
        return None
    monday = weekly.week_of(today) - timedelta(days=7)
    rows = weekly.week_rows(weekly.team_ids(person, monday), monday)
    if not rows:
        return None
    state = weekly.QueueState
    return {"monday": monday, "sunday": monday + timedelta(days=6), "deadline": weekly.sign_deadline(monday),
            "ready": [r for r in rows if r.state == state.ready],
            "waiting": [r for r in rows if r.state == state.in_progress],
            "not_started": [r for r in rows if r.state == state.not_started],
            "overdue": [r for r in rows if r.overdue], "signed": sum(1 for r in rows if r.signed),
            "total": len(rows)}


# The page's statements are built once (@cache) and run with their values bound: building one cost about as much
# as running it.


@cache
def _assignments_query():
    return (select(Assignment).where(Assignment.person_id == bindparam("person_id")).order_by(Assignment.valid_from)
            .options(joinedload(Assignment.post).joinedload(Post.sequence), joinedload(Assignment.supervisor)))


@cache
def _grades_query():
    return (select(MonthReview.id, MonthReview.month, MonthReview.status, MonthResult.score, MonthResult.final_grade,
                   MonthResult.rank, MonthResult.group_size)
            .join(MonthResult, MonthResult.month_review_id == MonthReview.id)
            .where(MonthResult.person_id == bindparam("person_id"),
                   MonthReview.status.in_([MonthStatus.published.value, MonthStatus.final.value]))
            .order_by(MonthReview.month.desc()).limit(bindparam("months")))


def load_assignments(person: Person) -> None:
    """The person's assignments with what the page shows of them (post and sequence, supervisor), in one query."""
    set_committed_value(person, "assignments", list(db.session.scalars(_assignments_query(),
                                                                       {"person_id": person.id})))


def grade_history(person_id: int, months: int = 12):
    """The officer's published and final monthly results, newest first."""
    return db.session.execute(_grades_query(), {"person_id": person_id, "months": months}).all()


@bp.route("/healthz")
def health():
    return {"status": "ok"}
