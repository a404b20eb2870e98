"""State changes of the organisation and its people. Each takes (object, data, actor), audits and flushes."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from models import Assignment, Department, Person, Post, Role, RoleGrant, Sequence, Unit, UnitLevel
from models.org import CHILD_LEVEL
from worklog import audit, locks
from worklog.auth import services as auth_services
from worklog.errors import ServiceError
from worklog.extensions import db

UNIT_FIELDS = ("code", "name", "level", "parent_id", "active")
DEPARTMENT_FIELDS = ("unit_id", "code", "name", "active")
SEQUENCE_FIELDS = ("code", "name")
POST_FIELDS = ("sequence_id", "code", "name", "coefficient", "monthly_target_points", "active")
PERSON_FIELDS = ("badge", "name", "rank", "hire_date", "active")
ASSIGNMENT_FIELDS = ("person_id", "department_id", "post_id", "supervisor_id", "valid_from", "valid_to")


def _set(obj: object, data: dict, fields: tuple[str, ...]) -> tuple[dict, dict]:
    before = audit.snapshot(obj, fields)
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])
    return audit.changes(before, audit.snapshot(obj, fields))


def _clean(text: str | None) -> str:
    return (text or "").strip()


# --- Units and departments ------------------------------------------------------------------------------


def allowed_child_level(parent: Unit | None) -> UnitLevel | None:
    if parent is None:
        return UnitLevel.province
    return CHILD_LEVEL.get(UnitLevel(parent.level))


def create_unit(parent: Unit | None, data: dict, actor: Person | None) -> Unit:
    code, name = _clean(data.get("code")), _clean(data.get("name"))
    level = data.get("level") or (allowed_child_level(parent).value if allowed_child_level(parent) else None)
    if parent is not None and allowed_child_level(parent) is None:
        raise ServiceError(_("A county bureau cannot have units under it."), "parent")
    if parent is not None and level != allowed_child_level(parent).value:
        raise ServiceError(_("Under this unit only a %(level)s can be created.",
                             level=_level_name(allowed_child_level(parent).value)), "level")
    if parent is None and level not in (UnitLevel.province.value, UnitLevel.city.value):
        raise ServiceError(_("A top unit must be a provincial department or a city bureau."), "level")
    _require_code_free(Unit, code)
    unit = Unit(parent=parent, code=code, name=name, level=level, active=True, path="")
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    audit.record(actor, "unit.created", "unit", unit.id, unit_id=unit.id,
                 after=audit.snapshot(unit, UNIT_FIELDS))
    db.session.flush()
    return unit


def update_unit(unit: Unit, data: dict, actor: Person) -> Unit:
    data = {k: v for k, v in data.items() if k in ("code", "name", "active")}
    if "code" in data:
        data["code"] = _clean(data["code"])
        if data["code"] != unit.code:
            _require_code_free(Unit, data["code"])
    if "name" in data:
        data["name"] = _clean(data["name"])
    before, after = _set(unit, data, UNIT_FIELDS)
    if after:
        audit.record(actor, "unit.updated", "unit", unit.id, unit_id=unit.id, before=before, after=after)
        db.session.flush()
    return unit


def create_department(unit: Unit, data: dict, actor: Person | None) -> Department:
    code = _clean(data.get("code"))
    if db.session.scalar(select(Department.id).where(Department.unit_id == unit.id, Department.code == code)):
        raise ServiceError(_("The code %(code)s is already used in this unit.", code=code), "code")
    department = Department(unit=unit, code=code, name=_clean(data.get("name")), active=True)
    db.session.add(department)
    db.session.flush()
    audit.record(actor, "department.created", "department", department.id, unit_id=unit.id,
                 after=audit.snapshot(department, DEPARTMENT_FIELDS))
    return department


def update_department(department: Department, data: dict, actor: Person | None) -> Department:
    data = {k: v for k, v in data.items() if k in ("code", "name", "active")}
    if "code" in data:
        data["code"] = _clean(data["code"])
        if data["code"] != department.code and db.session.scalar(select(Department.id).where(
                Department.unit_id == department.unit_id, Department.code == data["code"])):
            raise ServiceError(_("The code %(code)s is already used in this unit.", code=data["code"]), "code")
    if "name" in data:
        data["name"] = _clean(data["name"])
    before, after = _set(department, data, DEPARTMENT_FIELDS)
    if after:
        audit.record(actor, "department.updated", "department", department.id, unit_id=department.unit_id,
                     before=before, after=after)
        db.session.flush()
    return department


# --- Sequences and posts ----------------------------------------------------------------------------------


def save_sequence(sequence: Sequence | None, data: dict, actor: Person | None) -> Sequence:
    code = _clean(data.get("code"))
    if sequence is None or code != sequence.code:
        _require_code_free(Sequence, code)
    if sequence is None:
        sequence = Sequence(code=code, name=_clean(data.get("name")))
        db.session.add(sequence)
        db.session.flush()
        audit.record(actor, "sequence.created", "sequence", sequence.id,
                     after=audit.snapshot(sequence, SEQUENCE_FIELDS))
        return sequence
    before, after = _set(sequence, {"code": code, "name": _clean(data.get("name"))}, SEQUENCE_FIELDS)
    if after:
        audit.record(actor, "sequence.updated", "sequence", sequence.id, before=before, after=after)
    db.session.flush()
    return sequence


def save_post(post: Post | None, data: dict, actor: Person | None) -> Post:
    code = _clean(data.get("code"))
    if post is None or code != post.code:
        _require_code_free(Post, code)
    coefficient = Decimal(str(data.get("coefficient") if data.get("coefficient") is not None else "1.00"))
    target = Decimal(str(data.get("monthly_target_points")))
    if not Decimal("0") < coefficient <= Decimal("3"):
        raise ServiceError(_("The coefficient must be above 0 and at most 3."), "coefficient")
    if target <= 0:
        raise ServiceError(_("The monthly target must be above 0."), "monthly_target_points")
    values = {"sequence_id": data["sequence"].id, "code": code, "name": _clean(data.get("name")),
              "coefficient": coefficient.quantize(Decimal("0.01")),
              "monthly_target_points": target.quantize(Decimal("0.01")),
              "active": data.get("active", True)}
    if post is None:
        post = Post(**values)
        db.session.add(post)
        db.session.flush()
        audit.record(actor, "post.created", "post", post.id, after=audit.snapshot(post, POST_FIELDS))
        return post
    before, after = _set(post, values, POST_FIELDS)
    if after:
        audit.record(actor, "post.updated", "post", post.id, before=before, after=after)
    db.session.flush()
    return post


# --- People -----------------------------------------------------------------------------------------------


def create_person(data: dict, actor: Person | None) -> Person:
    """``data`` may name the ``unit`` the person joins, so that the event is filed where that unit's
    admins see it (the assignment itself comes next, from :func:`assign`)."""
    badge = _clean(data.get("badge"))
    if db.session.scalar(select(Person.id).where(Person.badge == badge)):
        raise ServiceError(_("Badge number %(badge)s is already registered.", badge=badge), "badge")
    person = Person(badge=badge, name=_clean(data.get("name")), rank=_clean(data.get("rank")),
                    hire_date=data.get("hire_date"), active=data.get("active", True))
    db.session.add(person)
    db.session.flush()
    unit = data.get("unit")
    audit.record(actor, "person.created", "person", person.id, unit_id=unit.id if unit is not None else None,
                 after=audit.snapshot(person, PERSON_FIELDS))
    return person


def update_person(person: Person, data: dict, actor: Person | None) -> Person:
    data = {k: (_clean(v) if isinstance(v, str) else v) for k, v in data.items()
            if k in ("name", "rank", "hire_date")}
    before, after = _set(person, data, PERSON_FIELDS)
    if after:
        audit.record(actor, "person.updated", "person", person.id, unit_id=audit.unit_of(person),
                     before=before, after=after)
        db.session.flush()
    return person


def set_active(person: Person, active: bool, actor: Person | None, reason: str = "") -> None:
    """Deactivating an account ends every session it has; nothing else about the person changes."""
    if actor is not None and person.id == actor.id and not active:
        raise ServiceError(_("You cannot deactivate your own account."))
    if person.active == active:
        return
    person.active = active
    if not active:
        auth_services.end_all_sessions(person, "deactivated")
    audit.record(actor, "person.activated" if active else "person.deactivated", "person", person.id,
                 unit_id=audit.unit_of(person),
                 before={"active": not active}, after={"active": active}, reason=reason)
    db.session.flush()


def assign(person: Person, data: dict, actor: Person | None) -> Assignment:
    """Place a person in a department and post from ``valid_from`` on (a transfer, or a first assignment).

    The assignment running on that date ends the day before, so the days before stay where they were
    earned. An assignment starting on that very date is corrected in place. Later assignments must be
    removed first: history is only ever extended forwards.
    """
    department: Department = data["department"]
    post: Post = data["post"]
    supervisor: Person | None = data.get("supervisor")
    valid_from: date = data["valid_from"]
    if supervisor is not None:
        if supervisor.id == person.id:
            raise ServiceError(_("Nobody can be their own supervisor."), "supervisor")
        if not supervisor.active:
            raise ServiceError(_("The supervisor's account is not active."), "supervisor")
    if not department.active or not department.unit.active:
        raise ServiceError(_("This department is closed."), "department")
    if not post.active:
        raise ServiceError(_("This post is no longer in use."), "post")
    later = [a for a in person.assignments if a.valid_from > valid_from]
    if later:
        raise ServiceError(_("%(name)s already has an assignment from %(day)s; a new assignment must start "
                             "after it.", name=person.name, day=later[-1].valid_from.isoformat()), "valid_from")
    values = {"department_id": department.id, "post_id": post.id,
              "supervisor_id": supervisor.id if supervisor else None, "valid_from": valid_from}
    running = person.assignment_on(valid_from) or next(
        (a for a in person.assignments if a.valid_from == valid_from), None)
    unchanged = running is not None and (running.department_id, running.post_id, running.supervisor_id) == (
        values["department_id"], values["post_id"], values["supervisor_id"]) and (
        running.valid_from != valid_from or running.valid_to is None)
    if not unchanged:
        # Every day from valid_from on moves: out of the old unit's months, into the new one's, and within the
        # officer's weeks. Weeks signed and months final there must be reopened first.
        old_units = {running.department.unit_id} if running is not None else set()
        locks.require_unsealed(valid_from, units=old_units | {department.unit_id}, person=person,
                               field="valid_from")
    if running is not None and running.valid_from == valid_from and not unchanged:
        before, after = _set(running, {**values, "valid_to": None}, ASSIGNMENT_FIELDS)
        if after:
            audit.record(actor, "assignment.corrected", "assignment", running.id, unit_id=department.unit_id,
                         before=before, after=after)
        db.session.flush()
        return running
    if unchanged:
        return running  # nothing changes
    if running is not None:
        before, after = _set(running, {"valid_to": valid_from - timedelta(days=1)}, ASSIGNMENT_FIELDS)
        audit.record(actor, "assignment.ended", "assignment", running.id, unit_id=running.department.unit_id,
                     before=before, after=after)
    assignment = Assignment(person=person, valid_to=None, **values)
    db.session.add(assignment)
    db.session.flush()
    audit.record(actor, "assignment.created", "assignment", assignment.id, unit_id=department.unit_id,
                 after=audit.snapshot(assignment, ASSIGNMENT_FIELDS))
    return assignment


def end_assignment(person: Person, last_day: date, actor: Person | None, reason: str = "") -> Assignment:
    running = person.assignment_on(last_day)
    if running is None:
        raise ServiceError(_("%(name)s has no assignment on %(day)s.", name=person.name,
                             day=last_day.isoformat()), "valid_to")
    if running.valid_to != last_day:
        # The days after last_day leave the unit's months and the officer's weeks.
        locks.require_unsealed(last_day + timedelta(days=1), running.valid_to,
                               units={running.department.unit_id}, person=person, field="last_day")
    before, after = _set(running, {"valid_to": last_day}, ASSIGNMENT_FIELDS)
    audit.record(actor, "assignment.ended", "assignment", running.id, unit_id=running.department.unit_id,
                 before=before, after=after, reason=reason)
    db.session.flush()
    return running


def grant_role(person: Person, role: str, unit: Unit, actor: Person | None) -> RoleGrant:
    role = Role(role).value
    if actor is not None and person.id == actor.id:
        raise ServiceError(_("Nobody can change their own roles."), "role")
    existing = db.session.scalar(select(RoleGrant).where(
        RoleGrant.person_id == person.id, RoleGrant.role == role, RoleGrant.unit_id == unit.id))
    if existing is not None:
        return existing
    grant = RoleGrant(person_id=person.id, role=role, unit_id=unit.id,
                      granted_by_id=actor.id if actor else None)
    db.session.add(grant)
    db.session.flush()
    audit.record(actor, "role.granted", "person", person.id, unit_id=unit.id,
                 after={"role": role, "unit": unit.code})
    return grant


def revoke_role(grant: RoleGrant, actor: Person | None, reason: str = "") -> None:
    if actor is not None and grant.person_id == actor.id:
        raise ServiceError(_("Nobody can change their own roles."), "role")
    audit.record(actor, "role.revoked", "person", grant.person_id, unit_id=grant.unit_id,
                 before={"role": grant.role, "unit": grant.unit.code}, reason=reason)
    db.session.delete(grant)
    db.session.flush()


def reset_password(person: Person, temporary_password: str, actor: Person, reason: str = "") -> None:
    if person.id == actor.id:
        raise ServiceError(_("Use the change-password page for your own password."))
    auth_services.set_temporary_password(person, temporary_password, actor, reason)


# --- Helpers ------------------------------------------------------------------------------------------------


def _require_code_free(model, code: str) -> None:
    if db.session.scalar(select(model.id).where(model.code == code)) is not None:
        raise ServiceError(_("The code %(code)s is already in use.", code=code), "code")


def _level_name(level: str) -> str:
    from worklog.labels import LEVEL_LABELS
    return str(LEVEL_LABELS[level])
