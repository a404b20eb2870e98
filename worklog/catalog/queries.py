"""Reads of the task catalog."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from models import Assignment, FavouriteTask, TaskCategory, TaskType, TaskTypeVersion, task_type_post
from worklog.extensions import db


@dataclass(frozen=True)
class TaskOption:
    """A task type as an officer may log it on a given date, with the values in force that day."""

    id: int
    code: str
    name: str
    category: str
    category_id: int
    unit_of_measure: str
    standard_points: Decimal
    daily_cap: Decimal
    version_id: int
    search_keys: str
    favourite: bool


def _available_clause(assignment: Assignment):
    post = assignment.post
    open_to_post = or_(
        ~exists().where(task_type_post.c.task_type_id == TaskType.id),
        exists().where(and_(task_type_post.c.task_type_id == TaskType.id, task_type_post.c.post_id == post.id)))
    return and_(TaskType.active.is_(True),
                or_(TaskType.sequence_id.is_(None), TaskType.sequence_id == post.sequence_id), open_to_post)


def task_options(assignment: Assignment, person_id: int, day: date) -> list[TaskOption]:
    """Every task type open to this assignment's post on ``day``, favourites first, then by category."""
    newest_date = (select(TaskTypeVersion.task_type_id, func.max(TaskTypeVersion.valid_from).label("vf"))
                   .where(TaskTypeVersion.valid_from <= day).group_by(TaskTypeVersion.task_type_id).subquery())
    latest = TaskTypeVersion
    rows = db.session.execute(
        select(TaskType.id, TaskType.code, TaskType.name, TaskCategory.name, TaskCategory.id,
               TaskType.unit_of_measure, latest.standard_points, latest.daily_cap, latest.id,
               TaskType.search_keys, FavouriteTask.task_type_id.is_not(None))
        .join(TaskCategory, TaskCategory.id == TaskType.category_id)
        .join(newest_date, newest_date.c.task_type_id == TaskType.id)
        .join(latest, and_(latest.task_type_id == TaskType.id, latest.valid_from == newest_date.c.vf))
        .outerjoin(FavouriteTask, and_(FavouriteTask.task_type_id == TaskType.id,
                                       FavouriteTask.person_id == person_id))
        .where(_available_clause(assignment))
        .order_by(TaskCategory.position, TaskCategory.code, TaskType.code)).all()
    options = [TaskOption(*row[:-1], favourite=bool(row[-1])) for row in rows]
    return sorted(options, key=lambda o: not o.favourite)  # stable: favourites first, order kept


def favourite_ids(person_id: int) -> set[int]:
    """The task types the person marked as usual (one small query; the day's options carry the same flag)."""
    return set(db.session.scalars(select(FavouriteTask.task_type_id).where(FavouriteTask.person_id == person_id)))


def available_version(task_type: TaskType, assignment: Assignment, day: date) -> TaskTypeVersion | None:
    """The task's values in force on ``day`` when the task is open to this assignment's post; None otherwise
    (ask :func:`is_available` which). One query, as saving an entry needs both answers."""
    return db.session.scalar(select(TaskTypeVersion).join(TaskType, TaskType.id == TaskTypeVersion.task_type_id)
                             .where(TaskTypeVersion.task_type_id == task_type.id, TaskTypeVersion.valid_from <= day,
                                    _available_clause(assignment))
                             .order_by(TaskTypeVersion.valid_from.desc()).limit(1))


def is_available(task_type: TaskType, assignment: Assignment) -> bool:
    return db.session.scalar(select(TaskType.id).where(TaskType.id == task_type.id,
                                                       _available_clause(assignment))) is not None


def catalog_types(sequence_id: int | None = None) -> list[TaskType]:
    query = (select(TaskType).options(selectinload(TaskType.versions), selectinload(TaskType.posts),
                                      selectinload(TaskType.category), selectinload(TaskType.sequence))
             .join(TaskCategory).order_by(TaskCategory.position, TaskType.code))
    if sequence_id:
        query = query.where(or_(TaskType.sequence_id == sequence_id, TaskType.sequence_id.is_(None)))
    return list(db.session.scalars(query))


def categories() -> list[TaskCategory]:
    return list(db.session.scalars(select(TaskCategory).order_by(TaskCategory.position, TaskCategory.code)))


def categories_with_counts() -> list[tuple[TaskCategory, int, int]]:
    """Every category with the number of its task types, and of those in use (one query)."""
    rows = db.session.execute(
        select(TaskCategory, func.count(TaskType.id), func.count(TaskType.id).filter(TaskType.active.is_(True)))
        .outerjoin(TaskType, TaskType.category_id == TaskCategory.id)
        .group_by(TaskCategory.id).order_by(TaskCategory.position, TaskCategory.code))
    return [(category, total, active) for category, total, active in rows]
