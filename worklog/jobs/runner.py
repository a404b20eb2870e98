"""Running a job's parts: each in a transaction of its own that also records the part done, so a part is
either wholly done and counted or not written at all.

:func:`run_part` is what an RQ worker calls (inside the app context the worker gives it); :func:`run_inline`
runs every remaining part in this process, one after the other, when there is no queue.
"""
from __future__ import annotations

from typing import Callable

from flask import current_app
from sqlalchemy import select, update

from models import BackgroundJob, JobStatus, utcnow
from worklog import audit
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.jobs.kinds import KINDS

#: How much of an error is kept on the job (an unexpected error's text can be long).
MAX_ERROR = 4000


def parts(job: BackgroundJob) -> list[int]:
    """The job's parts: unit ids, fixed when the job was made."""
    return [int(part) for part in job.params.get("parts", [])]


def remaining(job: BackgroundJob) -> list[int]:
    done = set(job.units_done or [])
    return [part for part in parts(job) if part not in done]


def _locked(job_id: int) -> BackgroundJob | None:
    """The job's row, read afresh and locked until this transaction ends, so that parts finishing at the same
    time on several workers count each other (SQLite: the transaction already holds the write lock)."""
    return db.session.scalar(select(BackgroundJob).where(BackgroundJob.id == job_id).with_for_update()
                             .execution_options(populate_existing=True))


def _unit_code(unit_id: int) -> str:
    from models import Unit
    unit = db.session.get(Unit, unit_id)
    return unit.code if unit is not None else str(unit_id)


def _merge(result: dict, outcome: dict) -> dict:
    merged = dict(result or {})
    for key, value in outcome.items():
        merged[key] = {**merged.get(key, {}), **value} if isinstance(value, dict) else value
    return merged


def batches(job: BackgroundJob) -> list[list[int]]:
    """The remaining parts in the groups they run in: one by one, or, for a kind that can do several in one
    transaction, neighbours together up to about ``JOB_BATCH_OFFICERS`` officers (the tree order keeps a
    city's counties together; 0 runs every part alone)."""
    todo = remaining(job)
    kind = KINDS[job.kind]
    limit = int(current_app.config["JOB_BATCH_OFFICERS"])
    if kind.batch is None or kind.weights is None or len(todo) < 2 or limit <= 0:
        return [[part] for part in todo]
    weights = kind.weights(todo)
    groups: list[list[int]] = []
    size = 0
    for part in todo:
        weight = weights.get(part, 0)
        if groups and size + weight <= limit:
            groups[-1].append(part)
            size += weight
        else:
            groups.append([part])
            size = weight
    return groups


def run_part(job_id: int, unit_id: int, raise_unexpected: bool = True) -> bool:
    """Run one part of the job: :func:`run_parts` of that part alone."""
    return run_parts(job_id, [unit_id], raise_unexpected)


def run_parts(job_id: int, unit_ids: list[int], raise_unexpected: bool = True) -> bool:
    """Run some parts of the job in one transaction; True when they are done (now or before), False when
    they failed, none of them written.

    A refusal (a final month, say) marks the job failed with its message. An unexpected error does too, and
    is raised again so that the worker's log and RQ's failed-job registry keep the traceback.
    """
    db.session.execute(update(BackgroundJob).where(BackgroundJob.id == job_id,
                                                   BackgroundJob.status == JobStatus.queued.value)
                       .values(status=JobStatus.running.value, started_at=utcnow()))
    db.session.commit()
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    if job is None:
        return False
    todo = [unit_id for unit_id in unit_ids if unit_id not in (job.units_done or [])]
    if not todo:
        db.session.rollback()
        return True
    kind = KINDS[job.kind]
    try:
        if kind.batch is not None and len(todo) > 1:
            outcome = kind.batch(job, todo)
        else:
            outcome = {}
            for unit_id in todo:
                outcome = _merge(outcome, kind.part(job, unit_id))
        job = _locked(job_id)
        new = [unit_id for unit_id in todo if unit_id not in job.units_done]
        if new:  # the same part may have run twice at once: count it once
            job.units_done = [*job.units_done, *new]
            job.done = len(job.units_done)
            job.result = _merge(job.result, outcome)
        if job.done == job.total and job.status != JobStatus.failed.value:
            job.status = JobStatus.done.value
            job.finished_at = utcnow()
            audit.record(None, "job.done", "background_job", job.id, unit_id=job.unit_id,
                         after={"status": job.status, "done": job.done})
        db.session.commit()
        return True
    except Exception as error:
        db.session.rollback()
        if isinstance(error, ServiceError):
            message = error.message
        else:
            message = f"{type(error).__name__}: {error}"
            current_app.logger.exception("Job %s, parts %s failed", job_id, todo)
        where = ", ".join(_unit_code(unit_id) for unit_id in todo[:3]) + (" …" if len(todo) > 3 else "")
        _fail(job_id, f"{where}: {message}")
        if raise_unexpected and not isinstance(error, ServiceError):
            raise
        return False


def _fail(job_id: int, message: str) -> None:
    job = _locked(job_id)
    if job is None:
        db.session.rollback()
        return
    before = {"status": job.status}
    job.error = (f"{job.error}\n{message}" if job.error else message)[:MAX_ERROR]
    if job.status != JobStatus.failed.value:
        job.status = JobStatus.failed.value
        job.finished_at = utcnow()
        audit.record(None, "job.failed", "background_job", job.id, unit_id=job.unit_id, before=before,
                     after={"status": job.status, "error": message[:500]})
    db.session.commit()


def run_inline(job_id: int, progress: Callable[[int, bool], None] | None = None) -> BackgroundJob | None:
    """Every remaining part, here and now, each committed on its own; ``progress(unit_id, ok)`` after each.
    A failed part does not stop the others: they are independent units, and fewer are left to redo."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return None
    for group in batches(job):
        ok = run_parts(job_id, group, raise_unexpected=False)
        if progress is not None:
            for unit_id in group:
                progress(unit_id, ok)
    return db.session.get(BackgroundJob, job_id)
