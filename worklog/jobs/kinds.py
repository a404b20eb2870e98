"""What each kind of job does, one part at a time. A part runs inside the runner's transaction, writes only
what belongs to its unit, and gives the same result when run twice."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from models import BackgroundJob, JobKind, Unit
from worklog.extensions import db


@dataclass(frozen=True)
class Kind:
    #: (job, unit id) → what the part adds to the job's result, e.g. {"officers": {"12": 7}}.
    part: Callable[[BackgroundJob, int], dict[str, Any]]
    #: (job, unit ids) → the same for several parts done together in one transaction, when the kind can.
    batch: Callable[[BackgroundJob, list[int]], dict[str, Any]] | None = None
    #: unit ids → each part's weight (officers), to group parts into batches of about JOB_BATCH_OFFICERS.
    weights: Callable[[list[int]], dict[int, int]] | None = None


def _close_unit(job: BackgroundJob, unit_id: int) -> dict[str, Any]:
    """One unit's month: opened if need be and computed, as the panel's "compute" does. Computing replaces the
    month's results, so a second run leaves the same rows."""
    from worklog.monthly import services as monthly
    unit = db.session.get(Unit, unit_id)
    review = monthly.open_month(unit, date.fromisoformat(job.params["month"]), None)
    officers = monthly.compute(review, None)
    return {"officers": {str(unit_id): officers}}


def _close_units(job: BackgroundJob, unit_ids: list[int]) -> dict[str, Any]:
    """Several units' months at once: the same results as :func:`_close_unit` for each, computed together
    (a province is a few large transactions instead of 144 small ones)."""
    from flask_babel import gettext as _
    from sqlalchemy import select

    from models import MonthReview, MonthStatus
    from worklog.errors import ServiceError
    from worklog.monthly import services as monthly
    month = date.fromisoformat(job.params["month"])
    units = {unit.id: unit for unit in db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    existing = {review.unit_id: review for review in db.session.scalars(
        select(MonthReview).where(MonthReview.unit_id.in_(unit_ids), MonthReview.month == month))}
    final = sorted(units[u].code for u, review in existing.items() if review.status == MonthStatus.final.value)
    if final:
        raise ServiceError(_("%(month)s is final and sealed for %(units)s: the panel must reopen it, with a "
                             "reason, before it can be computed again. Nothing was changed.",
                             month=f"{month:%Y-%m}", units=", ".join(final)))
    reviews = [existing.get(unit_id) or monthly.open_month(units[unit_id], month, None) for unit_id in unit_ids]
    officers = monthly.compute_units(reviews, None)
    return {"officers": {str(review.unit_id): officers[review.id] for review in reviews}}


def _officers_by_unit(unit_ids: list[int]) -> dict[int, int]:
    """Officers holding a post in each unit now: a batch's size, near enough for any month."""
    from models import Assignment, Department
    from sqlalchemy import func, select
    return dict(db.session.execute(
        select(Department.unit_id, func.count()).join(Assignment, Assignment.department_id == Department.id)
        .where(Department.unit_id.in_(unit_ids), Assignment.valid_to.is_(None)).group_by(Department.unit_id)).all())


def _export_round(job: BackgroundJob, _unit_id: int) -> dict[str, Any]:
    """The round's spreadsheet, written to a file of the job's own (a second run replaces it)."""
    from worklog.annual import exports
    return {"file": exports.write_round_file(job.params["round_id"], job)}


def _judge_round(job: BackgroundJob, unit_id: int) -> dict[str, Any]:
    """The round's list judged and stored in place of the last one (a second run stores the same list)."""
    from models import Person
    from worklog.annual import rounds
    actor = db.session.get(Person, job.created_by_id) if job.created_by_id else None
    return {"officers": {str(unit_id): rounds.compute_list(job.params["round_id"], actor)}}


KINDS: dict[str, Kind] = {
    JobKind.month_close.value: Kind(part=_close_unit, batch=_close_units, weights=_officers_by_unit),
    JobKind.round_export.value: Kind(part=_export_round),
    JobKind.round_judge.value: Kind(part=_judge_round),
}
