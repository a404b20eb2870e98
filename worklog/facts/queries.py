"""Reads for the work facts' administration pages: the sources, the mappings, the waiting queue.

Each reads the work_fact table a fixed number of times whatever its size, through its indexes: the queue through
(status, reason), the sources by a skip scan of (source, work_date), a source's days by the same index."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from models import ApiClient, FactMapping, FactStatus, Person, TaskType, WorkFact
from worklog.extensions import db

NOT_ENTERED = (FactStatus.waiting.value, FactStatus.refused.value)


def known_sources() -> list[str]:
    """Every source name in use: the API clients', the mappings', and those facts came from (by file too).

    The facts' sources are read by a skip scan (each next name is the least one above the last, found in the
    index), so the query costs one index probe per source, not a pass over millions of facts."""
    step = select(func.min(WorkFact.source).label("source")).cte("sources", recursive=True)
    following = select(select(func.min(WorkFact.source)).where(WorkFact.source > step.c.source)
                       .scalar_subquery()).where(step.c.source.is_not(None))
    step = step.union_all(following)
    names = set(db.session.scalars(select(step.c.source).where(step.c.source.is_not(None))))
    names |= set(db.session.scalars(select(FactMapping.source).distinct()))
    names |= set(db.session.scalars(select(ApiClient.source).where(ApiClient.source.is_not(None))))
    return sorted(names)


# --- Mappings -----------------------------------------------------------------------------------------------------


def mappings() -> list[FactMapping]:
    return list(db.session.scalars(select(FactMapping).options(joinedload(FactMapping.task_type))
                                   .order_by(FactMapping.source, FactMapping.fact_type)))


def waiting_by_type() -> dict[tuple[str, str], dict[str, int]]:
    """(source, fact type) → {reason: facts waiting}: what each mapping, or a missing one, holds back."""
    found: dict[tuple[str, str], dict[str, int]] = {}
    for source, fact_type, reason, count in db.session.execute(
            select(WorkFact.source, WorkFact.fact_type, WorkFact.reason, func.count())
            .where(WorkFact.status == FactStatus.waiting.value)
            .group_by(WorkFact.source, WorkFact.fact_type, WorkFact.reason)):
        found.setdefault((source, fact_type), {})[reason] = int(count)
    return found


def task_types() -> list[TaskType]:
    """The catalog's tasks a fact type may be mapped to, in use first."""
    return list(db.session.scalars(select(TaskType).order_by(TaskType.active.desc(), TaskType.code)))


def task_type_by_code(code: str) -> TaskType | None:
    return db.session.scalar(select(TaskType).where(TaskType.code == code))


# --- The waiting queue --------------------------------------------------------------------------------------------


def _in_queue(source: str | None, reason: str | None) -> list:
    """The conditions of the queue's facts: not entered, of the source and for the reason asked (if asked)."""
    conditions = [WorkFact.status.in_(NOT_ENTERED)]
    if source:
        conditions.append(WorkFact.source == source)
    if reason:
        conditions.append(WorkFact.reason == reason)
    return conditions


def queue_counts(source: str | None = None) -> dict[tuple[str, str], int]:
    """(status, reason) → facts not entered (of one source, or of all)."""
    query = select(WorkFact.status, WorkFact.reason, func.count()).where(*_in_queue(source, None))
    return {(status, reason): int(count) for status, reason, count in
            db.session.execute(query.group_by(WorkFact.status, WorkFact.reason))}


@dataclass
class QueuePage:
    facts: list[WorkFact]
    people: dict[int, Person]
    #: The id to start the next page after (None: this is the last page).
    next_after: int | None


def queue_page(source: str | None, reason: str | None, after: int, size: int) -> QueuePage:
    """A page of the queue, oldest first, after the fact ``after`` (keyset: as fast on the last page as on the
    first, however long the queue)."""
    rows = list(db.session.scalars(select(WorkFact).where(*_in_queue(source, reason), WorkFact.id > after)
                                   .order_by(WorkFact.id).limit(size + 1)))
    next_after = rows[size - 1].id if len(rows) > size else None
    rows = rows[:size]
    ids = sorted({row.person_id for row in rows if row.person_id is not None})
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    return QueuePage(rows, people, next_after)


def queue_ids(source: str | None, reason: str | None) -> list[int]:
    return list(db.session.scalars(select(WorkFact.id).where(*_in_queue(source, reason)).order_by(WorkFact.id)))


def queue_ids_of_type(source: str, fact_type: str) -> list[int]:
    """The facts waiting for a source's fact type (those a new mapping of it matches again)."""
    return list(db.session.scalars(select(WorkFact.id).where(
        WorkFact.status == FactStatus.waiting.value, WorkFact.source == source, WorkFact.fact_type == fact_type)))


def entered_among(ids: list[int]) -> int:
    """How many of these facts are entered."""
    entered = 0
    for start in range(0, len(ids), 900):
        entered += db.session.scalar(select(func.count()).select_from(WorkFact).where(
            WorkFact.id.in_(ids[start:start + 900]), WorkFact.status == FactStatus.entered.value))
    return entered
