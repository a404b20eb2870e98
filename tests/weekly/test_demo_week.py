"""The demo supervisor has weeks in every state."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models import Person
from worklog import timekeeping
from worklog.extensions import db
from worklog.weekly import queries


def test_demo_supervisor_has_weeks_in_every_state(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    supervisor = db.session.scalar(select(Person).where(Person.badge == "310001"))
    last_week = queries.week_of(timekeeping.today()) - timedelta(days=7)
    rows = queries.week_rows(queries.team_ids(supervisor, last_week), last_week)
    states = {row.state.value for row in rows}
    assert states == {"not_started", "in_progress", "ready", "signed"}
    # Older weeks are signed, by the supervisor of the time.
    earlier = last_week - timedelta(days=14)
    assert {row.state.value for row in queries.week_rows(queries.team_ids(supervisor, earlier), earlier)} == {"signed"}
