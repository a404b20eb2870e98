"""Fixtures for the week: officer A's entries of the week of 16 November 2026, reviewed on Tuesday 24th."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from worklog.daily import services as day
from worklog.extensions import db

MONDAY = date(2026, 11, 16)
# Tuesday 24 November, 10:00 in Shanghai: the week has ended and is due by Tuesday 24:00.
REVIEW_TIME = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
# Wednesday 25 November, 00:30 in Shanghai: past the signing deadline.
LATE_TIME = datetime(2026, 11, 24, 16, 30, tzinfo=timezone.utc)


def log_week(app, person, catalog, days=5, per_day=2):
    """Officer logs and submits Monday to Friday (the clock set to that Friday evening)."""
    app.config["FIXED_NOW"] = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
    entries = []
    for offset in range(days):
        work_date = MONDAY + timedelta(days=offset)
        for n in range(per_day):
            task = catalog["T1"] if n % 2 == 0 else catalog["T2"]
            entries.append(day.add_entry(person, {"work_date": work_date, "task_type": task, "quantity": "2",
                                                  "hours": "1", "completion": "done"}, person))
        day.submit_day(person, work_date, "done", person)
    db.session.commit()
    app.config["FIXED_NOW"] = REVIEW_TIME
    return entries


@pytest.fixture
def week(app, org, catalog):
    return log_week(app, org["officer_a"], catalog)
