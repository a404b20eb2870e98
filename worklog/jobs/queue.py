"""Where a job's parts go: RQ on Redis when ``REDIS_URL`` is set, this process (inline) when it is not.

RQ and redis are imported only here and only when a queue is used, so that commands which need no queue
start without them.
"""
from __future__ import annotations

from contextlib import closing
from typing import Callable

from flask import Flask, current_app

from models import BackgroundJob
from worklog.extensions import db
from worklog.jobs import runner


def uses_queue(app: Flask | None = None) -> bool:
    return bool((app or current_app).config.get("REDIS_URL"))


def connection(app: Flask | None = None):
    """A new Redis connection; the caller closes it."""
    from redis import Redis
    return Redis.from_url((app or current_app).config["REDIS_URL"])


def rq_queue(redis, app: Flask | None = None):
    from rq import Queue
    config = (app or current_app).config
    return Queue(config["JOBS_QUEUE"], connection=redis, default_timeout=int(config["JOB_PART_TIMEOUT"]))


def dispatch(job_id: int, progress: Callable[[int, bool], None] | None = None) -> str:
    """Hand the job's remaining parts over: one RQ job per part or batch of parts (see runner.batches), so that
    several workers share a province ("queued"), or run them here and now ("inline"). Call it once the job's
    row is committed: a worker may start on it at once."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.finished:
        return "nothing"
    if not uses_queue():
        runner.run_inline(job_id, progress)
        return "inline"
    from rq import Queue
    groups, kind = runner.batches(job), job.kind
    db.session.rollback()  # nothing to keep; do not hold a transaction while talking to Redis
    with closing(connection()) as redis:
        queue = rq_queue(redis)
        queue.enqueue_many([Queue.prepare_data(runner.run_parts, args=(job_id, group),
                                               description=f"{kind} job {job_id}, units {group}")
                            for group in groups])
    return "queued"


def after_commit(job_id: int) -> Callable[[], None]:
    """For a request: dispatch the job once the request's transaction has committed it."""
    def go() -> None:
        dispatch(job_id)
    return go
