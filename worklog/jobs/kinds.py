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


def _close_unit(job: BackgroundJob, unit_id: int) -> dict[str, Any]:
    """One unit's month: opened if need be and computed, as the panel's "compute" does. Computing replaces the
    month's results, so a second run leaves the same rows."""
    from worklog.monthly import services as monthly
    unit = db.session.get(Unit, unit_id)
    review = monthly.open_month(unit, date.fromisoformat(job.params["month"]), None)
    officers = monthly.compute(review, None)
    return {"officers": {str(unit_id): officers}}


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
    JobKind.month_close.value: Kind(part=_close_unit),
    JobKind.round_export.value: Kind(part=_export_round),
    JobKind.round_judge.value: Kind(part=_judge_round),
}
