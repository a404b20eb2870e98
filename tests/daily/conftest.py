"""Fixtures for the day: a small catalog for the org's police-station post, and a pinned clock."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event

from models import TaskCategory, TaskType, TaskTypeVersion
from worklog.extensions import db

# Wednesday 25 November 2026, 12:00 in Shanghai.
NOW = datetime(2026, 11, 25, 4, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 25)


@pytest.fixture
def catalog(app, org):
    """Task types of the org's sequence: patrol (2 points, cap 10), visits (0.5 points, cap 40), training for all."""
    app.config["FIXED_NOW"] = NOW
    work = TaskCategory(code="YW", name="Operations", position=0)
    team = TaskCategory(code="DW", name="Team building", position=1)
    db.session.add_all([work, team])
    types = {}
    for code, name, category, sequence, unit, points, cap in [
        ("T1", "Patrol", work, org.post.sequence, "hour", "2.00", "10"),
        ("T2", "Home visit", work, org.post.sequence, "household", "0.50", "40"),
        ("T3", "Training", team, None, "hour", "1.00", "8"),
    ]:
        task = TaskType(code=code, name=name, category=category, sequence=sequence, unit_of_measure=unit)
        task.versions.append(TaskTypeVersion(valid_from=date(2026, 1, 1), standard_points=Decimal(points),
                                             daily_cap=Decimal(cap)))
        db.session.add(task)
        types[code] = task
    # A task of another sequence: never open to the org's police-station post.
    from models import Sequence
    investigation = Sequence(code="XZ", name="Investigation")
    other = TaskType(code="X1", name="Crime scene", category=work, sequence=investigation, unit_of_measure="case")
    other.versions.append(TaskTypeVersion(valid_from=date(2026, 1, 1), standard_points=Decimal("4"),
                                          daily_cap=Decimal("5")))
    db.session.add(other)
    types["X1"] = other
    db.session.commit()
    return types


@contextmanager
def count_queries():
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
