"""What API clients read: always within the units the client is registered for."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload

from models import ApiClient, Assignment, Department, Person, Unit
from worklog.extensions import db
from worklog.permissions import api_unit_scope_clause
from worklog.timekeeping import today


def units(client: ApiClient) -> list[Unit]:
    """The client's units and every unit under them, in the tree's order."""
    return list(db.session.scalars(select(Unit).where(api_unit_scope_clause(client)).order_by(Unit.path)))


def people_page(unit: Unit, after: int, limit: int) -> tuple[list[tuple[Person, Assignment]], int | None]:
    """People whose assignment today is in ``unit``, by id after ``after``: (rows, cursor of the next page)."""
    day = today()
    rows = db.session.execute(
        select(Person, Assignment)
        .join(Assignment, Assignment.person_id == Person.id)
        .join(Department, Department.id == Assignment.department_id)
        .where(Department.unit_id == unit.id, Assignment.valid_from <= day,
               or_(Assignment.valid_to.is_(None), Assignment.valid_to >= day), Person.id > after)
        .options(contains_eager(Assignment.department), joinedload(Assignment.post))
        .order_by(Person.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1][0].id if more else None)
