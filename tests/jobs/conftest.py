"""Fixtures for background jobs: the ledgers' signed week of November, and a real RQ queue of the test's own
(skipped when no Redis answers at 127.0.0.1:6379)."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from sqlalchemy import select

from models import MonthResult, MonthReview
from tests.daily.conftest import NOW, catalog  # noqa: F401  (the day fixtures, shared)
from tests.ledgers.conftest import NOVEMBER, NOVEMBER_OVER, sign_a_week
from worklog import ROOT
from worklog.extensions import db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(autouse=True)
def one_unit_per_part(app):
    """The tests of the parts' bookkeeping run every unit as a part of its own (the batches, which group a
    month close's small units together, have tests of their own that set JOB_BATCH_OFFICERS back)."""
    app.config["JOB_BATCH_OFFICERS"] = 0


@pytest.fixture
def signed(app, org, catalog):
    """The ledgers' signed week of November, and the clock on 1 December: November is over, so it may be
    closed."""
    entries = sign_a_week(app, org, catalog)
    app.config["FIXED_NOW"] = NOVEMBER_OVER
    return entries


@pytest.fixture
def redis_queue(app):
    """REDIS_URL set on the app, with a queue name no other run uses; the queue, its jobs and its registries
    are deleted afterwards and the connection closed."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue
    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except RedisDown:
        redis.close()
        pytest.skip(f"no Redis at {REDIS_URL}")
    name = f"worklog-test-{os.getpid()}-{secrets.token_hex(4)}"
    app.config.update(REDIS_URL=REDIS_URL, JOBS_QUEUE=name)
    queue = Queue(name, connection=redis)
    try:
        yield queue
    finally:
        for registry in (queue.finished_job_registry, queue.failed_job_registry, queue.started_job_registry,
                         queue.deferred_job_registry, queue.scheduled_job_registry, queue.canceled_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
        queue.delete(delete_jobs=True)
        redis.close()


def worker_environment(app) -> dict[str, str]:
    """What a worker started as its own process needs to reach this test's database, queue and clock."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("WORKLOG_")}
    env.update(DATABASE_URL=app.config["DATABASE_URL"], SECRET_KEY=app.config["SECRET_KEY"],
               REDIS_URL=app.config["REDIS_URL"], WORKLOG_JOBS_QUEUE=app.config["JOBS_QUEUE"],
               WORKLOG_FIXED_NOW=(app.config["FIXED_NOW"] or NOW).isoformat(),
               WORKLOG_INSTANCE_PATH=app.instance_path)
    return env


def flask_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "app", *args]


def run_flask(app, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    db.session.commit()  # the other process sees what the test wrote, and no lock of the test's stands in its way
    return subprocess.run(flask_command(*args), cwd=ROOT, env=worker_environment(app), capture_output=True,
                          text=True, timeout=timeout)


def start_flask(app, *args: str) -> subprocess.Popen:
    db.session.commit()
    return subprocess.Popen(flask_command(*args), cwd=ROOT, env=worker_environment(app),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def results_of(unit) -> list[tuple]:
    """The unit's November results, as values that do not depend on row ids (read afresh; the transaction is
    ended after, so that no lock is held)."""
    db.session.expire_all()
    try:
        return [tuple(row) for row in db.session.execute(
        select(MonthResult.person_id, MonthResult.approved_points, MonthResult.score, MonthResult.rank,
               MonthResult.final_grade)
        .join(MonthReview).where(MonthReview.unit_id == unit.id, MonthReview.month == NOVEMBER)
        .order_by(MonthResult.person_id))]
    finally:
        db.session.commit()
