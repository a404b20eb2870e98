"""Jobs on a real queue: RQ on the Redis at 127.0.0.1:6379 (skipped when none answers), run by real workers."""
from __future__ import annotations

import signal

import pytest
from sqlalchemy import select

from models import BackgroundJob, JobStatus, MonthReview, MonthStatus
from tests.jobs.conftest import NOVEMBER, results_of, run_flask, start_flask
from worklog import integrity
from worklog.extensions import db
from worklog.jobs import queue, services
from worklog.jobs.worker import make_worker

pytestmark = pytest.mark.postgres


def _close(org, unit, actor=None) -> BackgroundJob:
    job = services.start_month_close(unit, {"month": NOVEMBER, "subtree": True}, actor)
    db.session.commit()
    return job


def _job(job_id: int) -> BackgroundJob:
    db.session.expire_all()
    return db.session.get(BackgroundJob, job_id)


def test_two_worker_processes_share_a_province(app, org, signed, redis_queue):
    job = _close(org, org.province, org["root_admin"])
    assert queue.dispatch(job.id) == "queued"
    # One RQ job per part, waiting for a worker; nothing has run yet.
    assert redis_queue.count == 5
    assert _job(job.id).status == JobStatus.queued.value and results_of(org.county_a) == []

    # One warm worker, and one that forks a process per part (RQ's default).
    workers = [start_flask(app, "jobs", "worker", "--burst", "--name", f"{redis_queue.name}-{i}", *extra)
               for i, extra in ((1, []), (2, ["--fork"]))]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs

    job = _job(job.id)
    assert (job.status, job.done, job.total, job.error) == (JobStatus.done.value, 5, 5, "")
    assert sorted(job.units_done) == sorted(job.params["parts"])
    assert len(results_of(org.county_a)) == 7 and len(results_of(org.county_b)) == 2
    assert redis_queue.count == 0 and len(redis_queue.finished_job_registry) == 5


def test_an_in_process_worker_fails_a_refused_part_and_runs_the_rest_again(app, org, signed, redis_queue):
    job = _close(org, org.city_a)
    db.session.add(MonthReview(unit_id=org.county_a.id, month=NOVEMBER, status=MonthStatus.final.value,
                               reopened=0))
    db.session.commit()
    queue.dispatch(job.id)
    from redis import Redis
    with Redis.from_url(app.config["REDIS_URL"]) as redis:
        make_worker(app, redis, simple=True).work(burst=True)
    job = _job(job.id)
    assert job.status == JobStatus.failed.value and job.done == 1 and job.units_done == [org.city_a.id]
    assert job.error.startswith("CA1: ")
    assert results_of(org.county_a) == []

    # The panel reopens the month; running the job again queues and closes only County A1.
    integrity.allow_reopening(db.session)  # the reopening, shortest way: past the triggers of sealed rows
    db.session.execute(MonthReview.__table__.delete().where(MonthReview.unit_id == org.county_a.id))
    services.run_again(job, {}, None)
    db.session.commit()
    queue.dispatch(job.id)
    assert redis_queue.count == 1
    with Redis.from_url(app.config["REDIS_URL"]) as redis:
        make_worker(app, redis, simple=True).work(burst=True)
    job = _job(job.id)
    assert (job.status, job.done, job.units_done) == (JobStatus.done.value, 2, [org.city_a.id, org.county_a.id])
    assert len(results_of(org.county_a)) == 7


def test_the_close_command_follows_the_workers_with_its_progress_bar(app, org, signed, redis_queue):
    worker = start_flask(app, "jobs", "worker")
    try:
        result = run_flask(app, "month", "close", "CA", "2026-11", "--subtree")
    finally:
        worker.send_signal(signal.SIGTERM)  # a warm shutdown: RQ finishes what it holds, then stops
        worker_output = worker.communicate(timeout=60)[0]
    assert result.returncode == 0, (result.stdout, result.stderr, worker_output)
    assert result.stdout.splitlines()[-2:] == ["CA: 0 officers", "CA1: 7 officers"]
    # Not a terminal: the bar shows its label only.
    assert result.stdout.startswith("Closing 2026-11") and "job 1 queued" in result.stderr
    job = db.session.scalar(select(BackgroundJob))
    assert (job.status, job.done, job.created_by_id) == (JobStatus.done.value, 2, None)
    assert len(results_of(org.county_a)) == 7


def test_without_a_queue_the_worker_command_says_so(app, runner):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 1 and "REDIS_URL is not set" in result.output
