"""Reads for the administration pages, always limited to the reader's scope."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from models import Assignment, AuditEvent, Department, Person, Post, Role, RoleGrant, Sequence, Unit
from worklog.extensions import db
from worklog.permissions import is_root_admin, person_scope_clause, unit_scope_clause


def units_in_scope(actor: Person) -> list[Unit]:
    return list(db.session.scalars(
        select(Unit).where(unit_scope_clause(actor, Role.admin)).order_by(Unit.path)))


def unit_choices(actor: Person) -> list:
    """(id, name, path) of the units in the admin's scope, for a filter: rows, not objects (a province is 150)."""
    return db.session.execute(select(Unit.id, Unit.name, Unit.path).where(unit_scope_clause(actor, Role.admin))
                              .order_by(Unit.path)).all()


def unit_tree(actor: Person) -> tuple[list[Unit], dict[int, list[Unit]], dict[int, list[Department]]]:
    """The units an admin sees as roots (their grants), children per unit and departments per unit."""
    units = units_in_scope(actor)
    ids = {u.id for u in units}
    children: dict[int, list[Unit]] = defaultdict(list)
    roots = []
    for unit in units:
        if unit.parent_id in ids:
            children[unit.parent_id].append(unit)
        else:
            roots.append(unit)
    departments: dict[int, list[Department]] = defaultdict(list)
    if ids:
        for dep in db.session.scalars(select(Department).where(Department.unit_id.in_(ids))
                                      .order_by(Department.code)):
            departments[dep.unit_id].append(dep)
    return roots, children, departments


def people_counts_by_department(department_ids: list[int]) -> dict[int, int]:
    if not department_ids:
        return {}
    today = date.today()
    rows = db.session.execute(
        select(Assignment.department_id, func.count()).where(
            Assignment.department_id.in_(department_ids), Assignment.valid_from <= today,
            or_(Assignment.valid_to.is_(None), Assignment.valid_to >= today))
        .group_by(Assignment.department_id))
    return dict(rows.all())


def department_choices(actor: Person) -> dict[str, list[tuple[int, str]]]:
    """Departments grouped by unit, for a select with option groups."""
    rows = db.session.execute(
        select(Department.id, Department.name, Department.code, Unit.name)
        .join(Unit, Unit.id == Department.unit_id)
        .where(unit_scope_clause(actor, Role.admin), Department.active.is_(True), Unit.active.is_(True))
        .order_by(Unit.path, Department.code)).all()
    groups: dict[str, list[tuple[int, str]]] = {}
    for dep_id, dep_name, dep_code, unit_name in rows:
        groups.setdefault(unit_name, []).append((dep_id, f"{dep_name} ({dep_code})"))
    return groups


def post_choices(include_inactive: bool = False) -> dict[str, list[tuple[int, str]]]:
    query = select(Post).join(Sequence).options(selectinload(Post.sequence)).order_by(Sequence.code, Post.code)
    if not include_inactive:
        query = query.where(Post.active.is_(True))
    groups: dict[str, list[tuple[int, str]]] = {}
    for post in db.session.scalars(query):
        groups.setdefault(post.sequence.name, []).append((post.id, f"{post.name} ({post.code})"))
    return groups


def sequences_with_posts() -> list[Sequence]:
    return list(db.session.scalars(select(Sequence).options(selectinload(Sequence.posts)).order_by(Sequence.code)))


def people_page(actor: Person, q: str = "", unit_path: str | None = None, page: int = 1, per_page: int = 50):
    """One page of the people an admin may see with how many there are in all (one query; two for a page past the
    last), and each person's current assignment (one more)."""
    query = select(Person).where(person_scope_clause(actor))
    if q.strip():
        # Escaped, so that "_" or "%" in a search is a character and not a wildcard.
        query = query.where(or_(Person.badge.icontains(q.strip(), autoescape=True),
                                Person.name.icontains(q.strip(), autoescape=True)))
    if unit_path is not None:
        today = date.today()
        in_unit = (select(Assignment.person_id).join(Department, Department.id == Assignment.department_id)
                   .join(Unit, Unit.id == Department.unit_id)
                   .where(Unit.path.startswith(unit_path, autoescape=True), Assignment.valid_from <= today,
                          or_(Assignment.valid_to.is_(None), Assignment.valid_to >= today)))
        query = query.where(Person.id.in_(in_unit))
    rows = db.session.execute(query.add_columns(func.count().over()).order_by(Person.badge).limit(per_page)
                              .offset((page - 1) * per_page)).all()
    if rows:
        total = rows[0][1]
    else:
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    people = [row[0] for row in rows]
    return people, current_assignments([p.id for p in people]), total


@cache
def _current_assignments_query():
    supervisor = aliased(Person)
    day = bindparam("day")
    return (select(Assignment.person_id, Unit.name.label("unit"), Department.name.label("department"),
                   Post.name.label("post"), supervisor.name.label("supervisor"))
            .join(Department, Department.id == Assignment.department_id).join(Unit, Unit.id == Department.unit_id)
            .join(Post, Post.id == Assignment.post_id).outerjoin(supervisor, supervisor.id == Assignment.supervisor_id)
            .where(Assignment.person_id.in_(bindparam("ids", expanding=True)), Assignment.valid_from <= day,
                   or_(Assignment.valid_to.is_(None), Assignment.valid_to >= day)))


def current_assignments(person_ids: list[int], day: date | None = None) -> dict[int, object]:
    """What a list shows of each person's assignment on ``day`` (the names of its unit, department, post and
    supervisor), in one query, as rows: a page of people is fifty of them."""
    if not person_ids:
        return {}
    rows = db.session.execute(_current_assignments_query(), {"ids": person_ids, "day": day or date.today()})
    return {row.person_id: row for row in rows}


def person_by_badge(badge: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.badge == badge.strip()))


def grants_of_person(person: Person) -> list[RoleGrant]:
    return list(db.session.scalars(select(RoleGrant).where(RoleGrant.person_id == person.id)
                                   .options(selectinload(RoleGrant.unit)).order_by(RoleGrant.role)))


def audit_page(actor: Person, page: int = 1, per_page: int = 50):
    query = select(AuditEvent)
    if not is_root_admin(actor):
        scoped_units = select(Unit.id).where(unit_scope_clause(actor, Role.admin))
        query = query.where(AuditEvent.unit_id.in_(scoped_units))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = list(db.session.scalars(query.options(selectinload(AuditEvent.actor),
                                                   selectinload(AuditEvent.api_client))
                                     .order_by(AuditEvent.id.desc()).limit(per_page)
                                     .offset((page - 1) * per_page)))
    return events, total
