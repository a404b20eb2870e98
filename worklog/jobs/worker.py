"""The RQ worker of ``flask --app app jobs worker``: made once per worker process with the app, it runs
every job inside an app context of its own (its own database session, committed part by part).

By default the parts run in the worker's own process (RQ's SimpleWorker), which stays warm: SQLAlchemy's
mappers, loader strategies and statement cache, the translations. A forked work horse per part (RQ's default,
``--fork``) starts cold each time, even with the code imported and the mappers configured before the fork:
a close of 4 counties of 500 officers took 12.2 s with one forking worker against 8.0 s with one warm one
(medians of two runs on a shared 2-core machine).
Each part still has its own app context, session and transaction, so nothing of one part is left to the next.
"""
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
    """Forks a work horse per job, as RQ's default worker does (``--fork``)."""


class AppSimpleWorker(_AppContext, SimpleWorker):
    """Runs jobs in its own process, one after the other (the default)."""


def preload() -> None:
    """Import the parts' code and configure the mappers once, before the worker forks: every work horse
    inherits them instead of paying for them again (configuring the mappers alone takes about half a
    second)."""
    from sqlalchemy.orm import configure_mappers

    import worklog.annual.exports  # noqa: F401
    import worklog.jobs.kinds  # noqa: F401
    import worklog.monthly.services  # noqa: F401
    configure_mappers()


def make_worker(app: Flask, redis, simple: bool = False, name: str | None = None):
    from worklog.jobs.queue import rq_queue
    preload()
    cls = AppSimpleWorker if simple else AppWorker
    worker = cls([rq_queue(redis, app)], connection=redis, name=name)
    worker.app = app
    return worker
