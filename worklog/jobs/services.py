"""State changes of background jobs: starting one (checked before anything is written), running a failed one
again. The parts' own bookkeeping is the runner's (worklog/jobs/runner.py)."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from models import BackgroundJob, JobKind, JobStatus, MonthReview, MonthStatus, Person, PromotionRound, Unit
from worklog import audit
from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.monthly import services as monthly

FIELDS = ("status", "done", "total", "error")


def close_units(unit: Unit, subtree: bool) -> list[Unit]:
    """The unit, and with ``subtree`` every active unit under it, in tree order."""
    units = [unit]
    if subtree:
        units += db.session.scalars(select(Unit).where(Unit.path.startswith(unit.path, autoescape=True),
                                                       Unit.id != unit.id, Unit.active.is_(True))
                                    .order_by(Unit.path))
    return units


def start_month_close(unit: Unit, data: dict, actor: Person | None) -> BackgroundJob:
    """A job that opens and computes ``data["month"]`` for the unit (and with ``data["subtree"]`` every active
    unit under it), one part per unit. Refused before anything is written when the month is not over or is
    final anywhere in the subtree: the parts commit one by one, so a refusal half-way would leave the others
    closed."""
    month: date = data["month"].replace(day=1)
    subtree = bool(data.get("subtree"))
    label = month.strftime("%Y-%m")
    if not monthly.month_over(month):
        raise monthly.not_over(month, "month")
    units = close_units(unit, subtree)
    final = list(db.session.scalars(select(Unit.code).join(MonthReview, MonthReview.unit_id == Unit.id).where(
        MonthReview.unit_id.in_([u.id for u in units]), MonthReview.month == month,
        MonthReview.status == MonthStatus.final.value).order_by(Unit.code)))
    if final:
        raise ServiceError(_("%(month)s is final and sealed for %(units)s: the panel must reopen it, with a "
                             "reason, before it can be computed again. Nothing was changed.",
                             month=label, units=", ".join(final)), "month")
    job = BackgroundJob(kind=JobKind.month_close.value, unit_id=unit.id,
                        params={"month": month.isoformat(), "subtree": subtree, "parts": [u.id for u in units]},
                        status=JobStatus.queued.value, total=len(units), done=0, units_done=[], error="",
                        result={}, created_by_id=actor.id if actor is not None else None)
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "job.created", "background_job", job.id, unit_id=unit.id,
                 after={"kind": job.kind, "month": month.isoformat(), "subtree": subtree, "total": job.total})
    return job


def _round_job(kind: JobKind, round_: PromotionRound, params: dict, actor: Person | None) -> BackgroundJob:
    """A job of one part (the round's unit) about a promotion round."""
    job = BackgroundJob(kind=kind.value, unit_id=round_.unit_id,
                        params={"round_id": round_.id, **params, "parts": [round_.unit_id]},
                        status=JobStatus.queued.value, total=1, done=0, units_done=[], error="", result={},
                        created_by_id=actor.id if actor is not None else None)
    db.session.add(job)
    db.session.flush()
    audit.record(actor, "job.created", "background_job", job.id, unit_id=round_.unit_id,
                 after={"kind": job.kind, "round_id": round_.id})
    return job


def start_round_export(round_: PromotionRound, data: dict, actor: Person | None) -> BackgroundJob:
    """A job that writes the promotion round's spreadsheet to a file (one part: the round's unit), in the
    language of whoever asked (``data["locale"]``)."""
    return _round_job(JobKind.round_export, round_, {"locale": data.get("locale")}, actor)


def start_round_judge(round_: PromotionRound, data: dict, actor: Person | None) -> BackgroundJob:
    """A job that judges the promotion round's list and stores it (one part: the round's unit). The round
    service that asks for it (worklog/annual/rounds.py) points the round at it."""
    return _round_job(JobKind.round_judge, round_, {}, actor)


def run_again(job: BackgroundJob, data: dict, actor: Person | None) -> BackgroundJob:
    """Queue a failed job again: only its parts not done will run (the done ones are recorded as done)."""
    if job.status != JobStatus.failed.value:
        raise ServiceError(_("Only a failed job can be run again."))
    before = audit.snapshot(job, FIELDS)
    job.status = JobStatus.queued.value
    job.error = ""
    job.finished_at = None
    db.session.flush()
    audit.record(actor, "job.run_again", "background_job", job.id, unit_id=job.unit_id, before=before,
                 after=audit.snapshot(job, FIELDS))
    return job
