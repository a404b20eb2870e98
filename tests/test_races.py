"""Every write into a week or a month raced against signing that week and finalising that month, with real
threads and connections on PostgreSQL (SQLite runs one writer at a time, so there is nothing to race there).

A trial starts both actions at the same instant. It is a *stray write* when the write lands in a period that
is already closed: the signature does not count what its week holds, or the write was made after the closer
had made its own (their audit events say in which order). Both may succeed, one after the other: the closer
then counts what the writer left. Trials per path: RACE_TRIALS (200 by default).
"""
from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm.exc import StaleDataError

from models import (Appeal, AuditEvent, Entry, MonthAdjustment, MonthReview, Person, WeekReview)
from tests.conftest import PG_URL, _empty_postgres
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from tests.factories import PASSWORD, make_person
from tests.weekly.conftest import MONDAY, log_week
from worklog import integrity
from worklog.errors import ServiceError
from worklog.extensions import db

pytestmark = pytest.mark.skipif(not PG_URL, reason="races need PostgreSQL (TEST_DATABASE_URL)")

TRIALS = int(os.environ.get("RACE_TRIALS", "200"))
FRIDAY = MONDAY + timedelta(days=4)
NOVEMBER = date(2026, 11, 1)
SIGN_TIME = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)        # Tuesday after the week
PUBLISH_TIME = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)      # the month is over
FINAL_TIME = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)       # publication and appeals over


@pytest.fixture
def database_url(pg_database):
    """PostgreSQL only, whatever the suite's other backends."""
    yield pg_database
    _empty_postgres(pg_database)


def _race(app, first, second, jitter: random.Random):
    """Run both actions at once, each in its own thread, app context, session and connection; commit what
    succeeds. Returns each outcome: the value returned, or the error raised. Each starts after a random pause
    of up to 20 ms, so that either may get ahead of the other."""
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]
    pauses = [jitter.uniform(0, 0.02), jitter.uniform(0, 0.02)]

    def run(index, action):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                time.sleep(pauses[index])
                outcomes[index] = action()
                db.session.commit()
            except Exception as error:  # the outcome under test
                db.session.rollback()
                outcomes[index] = error
    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for outcome in outcomes:
        # A refusal is an expected outcome; anything else (a deadlock, a driver error) fails the test.
        if isinstance(outcome, Exception) and not isinstance(outcome, (ServiceError, StaleDataError)):
            raise outcome
    return outcomes


def _audit_time(action: str, since_id: int):
    return db.session.scalar(select(func.max(AuditEvent.at)).where(
        AuditEvent.action == action, AuditEvent.id > since_id))


def _written_after_close(write_action: str, close_action: str, since_id: int) -> bool:
    """Both succeeded and the write came after the close: it landed in a closed period."""
    written, closed = _audit_time(write_action, since_id), _audit_time(close_action, since_id)
    return written is not None and closed is not None and written > closed


def _week_counted_by_signature(person_id: int) -> bool:
    """A signed week holds approved entries only, all counted by its signature."""
    review = db.session.scalar(select(WeekReview).where(WeekReview.person_id == person_id,
                                                        WeekReview.week_start == MONDAY))
    if review is None or review.status != "signed":
        return True
    rows = db.session.execute(select(Entry.status, Entry.approved_points).where(
        Entry.person_id == person_id, Entry.work_date >= MONDAY, Entry.work_date <= MONDAY + timedelta(days=6))).all()
    return (all(status == "approved" for status, _ in rows) and review.entries == len(rows)
            and review.approved_points == sum((p or Decimal(0) for _, p in rows), Decimal(0)))


def _run_trials(app, write, close, reset, stray) -> Counter:
    """TRIALS races of ``write`` against ``close``, none of them a stray write; returns how they ended."""
    tally, jitter = Counter(), random.Random(TRIALS)
    for _ in range(TRIALS):
        since = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        db.session.commit()
        outcomes = _race(app, write, close, jitter)
        db.session.expire_all()
        tally["write ok" if not isinstance(outcomes[0], Exception) else "write refused"] += 1
        tally["close ok" if not isinstance(outcomes[1], Exception) else "close refused"] += 1
        if stray(since):
            tally["stray"] += 1
        reset()
        db.session.commit()
    assert tally["stray"] == 0, tally
    # Both orders happened: the writer got in first in some trials, the closer in others.
    assert tally["write ok"] and tally["write refused"] + tally["close refused"], tally
    return tally


# --- Signing a week ----------------------------------------------------------------------------------------------


@pytest.fixture
def approved_week(app, org, catalog):
    """Officer A's week of 16 November, every entry approved, not yet signed; the clock on the Tuesday after."""
    from worklog.weekly import services
    entries = log_week(app, org["officer_a"], catalog)
    services.approve_all(org["officer_a"], MONDAY, org["supervisor_a"])
    db.session.commit()
    app.config["FIXED_NOW"] = SIGN_TIME
    return [e.id for e in entries]


def _unsign_and_forget(person_id: int, keep: list[int]):
    def reset():
        integrity.allow_reopening(db.session)  # back to before the trial, past the triggers of sealed rows
        db.session.execute(delete(Entry).where(Entry.person_id == person_id, Entry.id.not_in(keep)))
        db.session.execute(update(Entry).where(Entry.id.in_(keep)).values(
            status="approved", approved_points=Entry.points, week_signed=False, returned_count=0))
        db.session.execute(delete(WeekReview))
    return reset


def _sign(officer_id: int, supervisor_id: int):
    def sign():
        from worklog.weekly import services
        return services.sign_week(db.session.get(Person, officer_id), MONDAY, db.session.get(Person, supervisor_id),
                                  PASSWORD)
    return sign


def _week_stray(officer_id: int, write_action: str):
    return lambda since: (not _week_counted_by_signature(officer_id)
                          or _written_after_close(write_action, "week.signed", since))


def test_adding_an_entry_races_signing(app, org, catalog, approved_week):
    officer_id, supervisor_id = org["officer_a"].id, org["supervisor_a"].id
    task_id = catalog["T3"].id

    def add():
        from models import TaskType
        from worklog.daily import services as day
        officer = db.session.get(Person, officer_id)
        return day.add_entry(officer, {"work_date": FRIDAY, "task_type": db.session.get(TaskType, task_id),
                                       "quantity": "1", "hours": "0", "completion": "done"}, officer)

    _run_trials(app, add, _sign(officer_id, supervisor_id), _unsign_and_forget(officer_id, approved_week),
                        _week_stray(officer_id, "entry.created"))


def test_resubmitting_a_day_races_signing(app, org, catalog, approved_week):
    officer_id, supervisor_id = org["officer_a"].id, org["supervisor_a"].id

    def resubmit():
        from worklog.daily import services as day
        officer = db.session.get(Person, officer_id)
        return day.submit_day(officer, FRIDAY, "a better line", officer)

    _run_trials(app, resubmit, _sign(officer_id, supervisor_id),
                        _unsign_and_forget(officer_id, approved_week),
                        _week_stray(officer_id, "day.self_assessment_changed"))


def test_adjusting_an_entry_races_signing(app, org, catalog, approved_week):
    officer_id, supervisor_id = org["officer_a"].id, org["supervisor_a"].id
    entry_id = approved_week[0]

    def adjust():
        from worklog.weekly import services
        entry = db.session.get(Entry, entry_id)
        return services.adjust(entry, entry.points * Decimal("1.1"), "more than logged",
                               db.session.get(Person, supervisor_id))

    _run_trials(app, adjust, _sign(officer_id, supervisor_id), _unsign_and_forget(officer_id, approved_week),
                        _week_stray(officer_id, "entry.adjusted"))


def test_returning_an_entry_races_signing(app, org, catalog, approved_week):
    """The acting supervisor returns an entry while the supervisor signs."""
    from worklog.weekly import services
    officer_id, supervisor_id, acting_id = org["officer_a"].id, org["supervisor_a"].id, org["panel_a"].id
    services.delegate(org["supervisor_a"], org["panel_a"], MONDAY, MONDAY + timedelta(days=30), "",
                      org["supervisor_a"])
    db.session.commit()
    entry_id = approved_week[0]

    def give_back():
        return services.return_entry(db.session.get(Entry, entry_id), "check the count",
                                     db.session.get(Person, acting_id))

    _run_trials(app, give_back, _sign(officer_id, supervisor_id),
                        _unsign_and_forget(officer_id, approved_week), _week_stray(officer_id, "entry.returned"))


def test_two_first_days_of_a_week_begun_at_once_count_the_officer_once(app, org, catalog):
    """Leadership's week roll-up adds an officer with their first day logged in a unit's week. Two days of a new week
    begun at the same instant (two tabs) both succeed, and the officer is counted once: the second waits for the
    first's hold on the officer, then sees its day."""
    from models import DayLog, PersonDayTotal, TaskType, UnitWeek
    from worklog.ledgers import queries as ledger_queries, services as ledgers
    officer_id, task_id = org["officer_a"].id, catalog["T1"].id
    app.config["FIXED_NOW"] = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)  # Friday evening, that week

    def begin(day):
        def add():
            from worklog.daily import services as daily
            officer = db.session.get(Person, officer_id)
            return daily.add_entry(officer, {"work_date": day, "task_type": db.session.get(TaskType, task_id),
                                             "quantity": "1", "hours": "1", "completion": "done"}, officer)
        return add

    jitter = random.Random(TRIALS)
    for _ in range(max(10, TRIALS // 5)):
        outcomes = _race(app, begin(MONDAY), begin(MONDAY + timedelta(days=1)), jitter)
        assert not any(isinstance(o, Exception) for o in outcomes), outcomes
        db.session.expire_all()
        assert db.session.scalar(select(UnitWeek.officers).where(UnitWeek.week_start == MONDAY)) == 1
        assert [d for d in ledger_queries.differences(NOVEMBER) if d.table == "unit_week"] == []
        db.session.commit()
        # Back to before the trial, the week's row kept: two writers that both make it wait for each other anyway.
        for model in (Entry, PersonDayTotal, DayLog):
            db.session.execute(delete(model).where(model.person_id == officer_id))
        ledgers.refresh_weeks(None, [MONDAY])
        db.session.commit()


# --- Finalising a month ------------------------------------------------------------------------------------------


@pytest.fixture
def published_month(app, org, catalog, approved_week):
    """County A's November computed and published on 1 December; the clock on 10 December, when it can be
    finalised; officers may still back-fill November (a long back-fill window), so writes and the close race."""
    from worklog.monthly import services as monthly
    app.config["BACKFILL_DAYS"] = 60
    app.config["FIXED_NOW"] = PUBLISH_TIME
    panel = org["panel_a"]
    review = monthly.open_month(org.county_a, NOVEMBER, panel)
    monthly.compute(review, panel)
    monthly.publish(review, panel)
    db.session.commit()
    app.config["FIXED_NOW"] = FINAL_TIME
    return review.id


def _finalise(review_id: int, panel_id: int):
    def finalise():
        from worklog.monthly import services as monthly
        return monthly.finalise(db.session.get(MonthReview, review_id), db.session.get(Person, panel_id))
    return finalise


def _republish(review_id: int, then=None):
    def reset():
        integrity.allow_reopening(db.session)  # back to before the trial, past the triggers of sealed rows
        db.session.execute(update(MonthReview).where(MonthReview.id == review_id).values(
            status="published", finalised_at=None, finalised_by_id=None))
        if then:
            then()
    return reset


def _month_stray(write_action: str):
    return lambda since: _written_after_close(write_action, "month.finalised", since)


def test_adding_an_entry_races_finalising(app, org, catalog, published_month, approved_week):
    officer_id = org["officer_a"].id
    task_id = catalog["T3"].id

    def add():
        from models import TaskType
        from worklog.daily import services as day
        officer = db.session.get(Person, officer_id)
        return day.add_entry(officer, {"work_date": MONDAY + timedelta(days=7), "quantity": "1", "hours": "0",
                                       "task_type": db.session.get(TaskType, task_id), "completion": "done"}, officer)

    def forget():
        db.session.execute(delete(Entry).where(Entry.id.not_in(approved_week)))
    _run_trials(app, add, _finalise(published_month, org["panel_a"].id), _republish(published_month, forget),
                        _month_stray("entry.created"))


def test_signing_a_week_races_finalising(app, org, catalog, published_month, approved_week):
    """A week signed into a final month would be left out of the ledgers finalising wrote."""
    from worklog.ledgers import queries as ledger_queries
    officer_id, supervisor_id = org["officer_a"].id, org["supervisor_a"].id

    def stray(since):
        db.session.commit()
        return bool(ledger_queries.differences(NOVEMBER)) or _written_after_close("week.signed", "month.finalised",
                                                                                  since)
    _run_trials(app, _sign(officer_id, supervisor_id), _finalise(published_month, org["panel_a"].id),
                        _republish(published_month, _unsign_and_forget(officer_id, approved_week)), stray)


def test_an_adjustment_races_finalising(app, org, catalog, published_month):
    """Two panel members: one records a deduction while the other finalises."""
    panel_b = make_person("200009", "Panel B", org.dept_a, org.post, roles={"panel": org.county_a})
    db.session.commit()
    officer_id, member_id = org["officer_a"].id, panel_b.id

    def deduct():
        from worklog.monthly import services as monthly
        return monthly.add_adjustment(db.session.get(MonthReview, published_month), db.session.get(Person, officer_id),
                                      {"kind": "quality", "points": "2", "reason": "a complaint upheld"},
                                      db.session.get(Person, member_id))

    def forget():
        db.session.execute(delete(MonthAdjustment))
    _run_trials(app, deduct, _finalise(published_month, org["panel_a"].id), _republish(published_month, forget),
                        _month_stray("month.adjustment_added"))


def test_an_appeal_races_finalising(app, org, catalog, published_month):
    """An appeal filed as the month is finalised: never a pending appeal in a final month."""
    app.config["FIXED_NOW"] = PUBLISH_TIME + timedelta(days=1)
    db.session.execute(update(MonthReview).where(MonthReview.id == published_month).values(
        publication_ends=date(2026, 11, 30)))  # finalising allowed while the appeal window is still open
    db.session.commit()
    officer_id = org["officer_a"].id

    def appeal():
        from worklog.monthly import services as monthly
        officer = db.session.get(Person, officer_id)
        return monthly.file_appeal(db.session.get(MonthReview, published_month), officer, "my visits are missing",
                                   officer)

    def stray(since):
        final = db.session.scalar(select(MonthReview.status).where(MonthReview.id == published_month)) == "final"
        pending = db.session.scalar(select(func.count()).select_from(Appeal).where(Appeal.status == "pending"))
        return final and pending > 0

    def forget():
        db.session.execute(delete(Appeal))
    _run_trials(app, appeal, _finalise(published_month, org["panel_a"].id), _republish(published_month, forget),
                        stray)
