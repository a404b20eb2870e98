"""Reading background jobs: the ones a person may see, and a job's progress as the page and its poll show it."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from models import BackgroundJob, Person, Role, Unit
from worklog.extensions import db
from worklog.labels import JOB_STATUS_LABELS
from worklog.permissions import can_view_job, unit_scope_clause

LIST_SIZE = 50


def job_for(person: Person, job_id: int) -> BackgroundJob | None:
    """The job, if ``person`` may see it; None otherwise (the route answers 404 either way)."""
    job = db.session.get(BackgroundJob, job_id)
    return job if job is not None and can_view_job(person, job) else None


def jobs_for(person: Person) -> list[BackgroundJob]:
    """The latest jobs the person started or administers."""
    administered = select(Unit.id).where(unit_scope_clause(person, Role.admin))
    return list(db.session.scalars(
        select(BackgroundJob).where(or_(BackgroundJob.created_by_id == person.id,
                                        BackgroundJob.unit_id.in_(administered)))
        .options(selectinload(BackgroundJob.unit), selectinload(BackgroundJob.created_by))
        .order_by(BackgroundJob.id.desc()).limit(LIST_SIZE)))


def closable_units(person: Person) -> list[Unit]:
    """Active units whose month the person may close: under a panel or administrator grant, in tree order."""
    scope = or_(unit_scope_clause(person, Role.panel), unit_scope_clause(person, Role.admin))
    return list(db.session.scalars(select(Unit).where(scope, Unit.active.is_(True)).order_by(Unit.path)))


def units_done(job: BackgroundJob) -> list[Unit]:
    """The units whose part is done, in the order they finished."""
    ids = list(job.units_done or [])
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else {}
    return [units[i] for i in ids if i in units]


def progress(job: BackgroundJob) -> dict[str, Any]:
    """What the page's poll (``/jobs/<id>.json``) reads."""
    done = units_done(job)
    return {
        "id": job.id, "status": job.status, "status_label": str(JOB_STATUS_LABELS[job.status]),
        "done": job.done, "total": job.total, "finished": job.finished,
        "percent": round(100 * job.done / job.total) if job.total else 100,
        "units_done": [{"code": u.code, "name": u.name} for u in done],
        "error": job.error, "text": _("%(done)d of %(total)d parts done", done=job.done, total=job.total),
    }
