"""``flask jobs worker|run``: the background jobs' workers, and running a job by hand."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from worklog.extensions import db


@click.group("jobs", help="Background jobs (month close of a city or the province, large exports).")
def jobs_group() -> None:
    pass


@jobs_group.command("worker", help="Run an RQ worker for the jobs queue (REDIS_URL must be set). Start as many "
                                   "as there are cores to spare: they share a province's parts.")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--name", default=None, help="The worker's name in RQ (default: a random one).")
@click.option("--fork", is_flag=True, help="Run each part in a forked process of its own (RQ's default worker): "
                                         "isolated, but each part pays again for what a warm process has ready.")
@with_appcontext
def worker(burst: bool, name: str | None, fork: bool) -> None:
    from contextlib import closing

    from worklog.jobs.queue import connection, uses_queue
    from worklog.jobs.worker import make_worker
    if not uses_queue():
        raise click.ClickException("REDIS_URL is not set: without a queue, jobs run inline where they are "
                                   "started, and no worker is needed.")
    app = current_app._get_current_object()
    with closing(connection()) as redis:
        make_worker(app, redis, simple=not fork, name=name).work(burst=burst)


@jobs_group.command("run", help="Run the parts of job JOB_ID not yet done, here, with a progress bar (a failed "
                                "job is queued again first).")
@click.argument("job_id", type=int)
@with_appcontext
def run(job_id: int) -> None:
    from models import BackgroundJob, JobStatus
    from worklog.errors import ServiceError
    from worklog.jobs import runner, services
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        raise click.ClickException(f"No job {job_id}.")
    if job.status == JobStatus.failed.value:
        try:
            services.run_again(job, {}, None)
        except ServiceError as error:
            raise click.ClickException(error.message)
        db.session.commit()
    with click.progressbar(length=job.total, label=f"Job {job_id}", show_pos=True) as bar:
        bar.update(job.done)
        job = runner.run_inline(job_id, lambda _unit, _ok: bar.update(1))
    click.echo(f"Job {job_id}: {job.status}, {job.done} of {job.total} parts done.")
    if job.status == JobStatus.failed.value:
        raise click.ClickException(job.error)
