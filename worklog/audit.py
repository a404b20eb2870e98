"""Writing audit events. Every service that changes state calls :func:`record`."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Iterable

from models import AuditEvent, Person
from worklog.extensions import db
from worklog.survey.phones import redact, redact_value


def jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


def snapshot(obj: object, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``obj`` as JSON-ready values, for an event's before/after."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, so an event shows what changed and nothing else."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def unit_of(person: Person) -> int | None:
    """The unit under which events about a person are filed, so that scoped audit views find them."""
    from worklog.permissions import home_unit
    unit = home_unit(person)
    return unit.id if unit is not None else None


def record(actor: Person | None, action: str, object_type: str, object_id: int | None, *,
           unit_id: int | None = None, before: dict | None = None, after: dict | None = None,
           reason: str = "", client=None) -> AuditEvent:
    """Add an event; ``client`` is the API client whose request made the change (with no person as the actor)."""
    # Unit administrators read the trail: no phone number that a reason, a comment or a file's name carried.
    before, after, reason = redact_value(before), redact_value(after), redact(reason or "")
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        api_client_id=client.id if client is not None else None, action=action, object_type=object_type,
        object_id=object_id, unit_id=unit_id, before=before, after=after, reason=reason)
    db.session.add(event)
    return event
