"""The RQ worker of ``flask --app app jobs worker``: made once per worker process with the app, it runs
every job inside an app context of its own (its own database session, committed part by part)."""
from __future__ import annotations

from flask import Flask
from rq import SimpleWorker, Worker

from worklog.extensions import db


class _AppContext:
    app: Flask

    def perform_job(self, job, queue):
        with self.app.app_context():
            if getattr(self, "_is_horse", False):
                # A forked work horse must not share the parent's pooled connections.
                db.engine.dispose(close=False)
            return super().perform_job(job, queue)


class AppWorker(_AppContext, Worker):
    """Forks a work horse per job, as RQ's default worker does."""


class AppSimpleWorker(_AppContext, SimpleWorker):
    """Runs jobs in its own process (no fork): for tests and platforms without fork."""


def make_worker(app: Flask, redis, simple: bool = False, name: str | None = None):
    from worklog.jobs.queue import rq_queue
    cls = AppSimpleWorker if simple else AppWorker
    worker = cls([rq_queue(redis, app)], connection=redis, name=name)
    worker.app = app
    return worker
