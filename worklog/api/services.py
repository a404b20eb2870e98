"""State changes of API clients: register, change, rotate the token, revoke. Each is audited; a new token is
returned to be shown once and never stored."""
from __future__ import annotations

import re

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from models import ApiClient, Person, Unit
from worklog import audit
from worklog.api.tokens import new_token, shown_prefix, token_hash
from worklog.errors import ServiceError
from worklog.facts.services import SOURCE_PATTERN
from worklog.extensions import db
from worklog.timekeeping import now

#: The operations a client may be given, by name, with what they allow.
OPERATIONS = {
    "read:people": _l("Read people and their assignments (today's and past ones)"),
    "read:results": _l("Read officers' monthly and annual results once final"),
    "read:lists": _l("Read published promotion, warning and removal lists"),
    "read:ledgers": _l("Read the unit and department ledgers"),
    "read:events": _l("Follow events: months and years finalised, rounds published, people transferred"),
    "write:work-facts": _l("Send work facts (entries on officers' days)"),
}

API_CLIENT_FIELDS = ("name", "source", "operations", "units", "rate_limit_per_minute", "token_prefix",
                     "revoked_at")
MAX_RATE = 100000


def _state(client: ApiClient) -> dict:
    return {"name": client.name, "source": client.source, "operations": sorted(client.operations or []),
            "units": sorted(unit.code for unit in client.units),
            "rate_limit_per_minute": client.rate_limit_per_minute, "token_prefix": client.token_prefix,
            "revoked_at": audit.jsonable(client.revoked_at)}


def _apply(client: ApiClient, data: dict) -> None:
    name = " ".join((data.get("name") or "").split())
    if not name or len(name) > 120:
        raise ServiceError(_("Give the system a name of at most 120 characters."), "name")
    taken = db.session.scalar(select(ApiClient.id).where(func.lower(ApiClient.name) == name.lower(),
                                                         ApiClient.id != (client.id or 0)))
    if taken is not None:
        raise ServiceError(_("Another API client already has this name."), "name")
    operations = sorted(set(data.get("operations") or []))
    unknown = [op for op in operations if op not in OPERATIONS]
    if unknown:
        raise ServiceError(_("Unknown operation: %(names)s.", names=", ".join(unknown)), "operations")
    units: list[Unit] = list(data.get("units") or [])
    if not units:
        raise ServiceError(_("Choose at least one unit whose data the system may send or read."), "units")
    rate = data.get("rate_limit_per_minute")
    if not isinstance(rate, int) or isinstance(rate, bool) or not 1 <= rate <= MAX_RATE:
        raise ServiceError(_("The rate limit is a whole number of requests per minute, from 1 to %(most)s.",
                             most=MAX_RATE), "rate_limit_per_minute")
    source = (data.get("source") or "").strip().lower() or None
    if source is not None:
        if not re.match(SOURCE_PATTERN, source):
            raise ServiceError(_("A source name has 1 to 40 small letters, digits, - or _, starting with a letter "
                                 "or digit."), "source")
        taken = db.session.scalar(select(ApiClient.id).where(ApiClient.source == source,
                                                             ApiClient.id != (client.id or 0)))
        if taken is not None:
            raise ServiceError(_("Another API client already sends under this source name."), "source")
    if "write:work-facts" in operations and source is None:
        raise ServiceError(_("A system that sends work facts needs a source name."), "source")
    client.name, client.operations, client.rate_limit_per_minute = name, operations, rate
    client.source = source
    client.units = sorted(set(units), key=lambda unit: unit.path)


def register(data: dict, actor: Person | None) -> tuple[ApiClient, str]:
    """A new client and its token (shown once to the administrator, never again)."""
    token = new_token()
    client = ApiClient(token_hash=token_hash(token), token_prefix=shown_prefix(token), created_by=actor,
                       operations=[])
    _apply(client, data)
    db.session.add(client)
    db.session.flush()
    audit.record(actor, "api_client.registered", "api_client", client.id, after=_state(client))
    return client, token


def update(client: ApiClient, data: dict, actor: Person | None) -> ApiClient:
    _refuse_revoked(client)
    before = _state(client)
    _apply(client, data)
    db.session.flush()
    before, after = audit.changes(before, _state(client))
    if after:
        audit.record(actor, "api_client.updated", "api_client", client.id, before=before, after=after)
    return client


def rotate(client: ApiClient, actor: Person | None, reason: str = "") -> str:
    """A new token for the client; the old one stops at once."""
    _refuse_revoked(client)
    before = _state(client)
    token = new_token()
    client.token_hash, client.token_prefix, client.rotated_at = token_hash(token), shown_prefix(token), now()
    db.session.flush()
    before, after = audit.changes(before, _state(client))
    audit.record(actor, "api_client.rotated", "api_client", client.id, before=before, after=after, reason=reason)
    return token


def revoke(client: ApiClient, actor: Person | None, reason: str = "") -> ApiClient:
    """The client's token stops at once, for good (register the system again to let it back in)."""
    _refuse_revoked(client)
    before = _state(client)
    client.revoked_at = now()
    db.session.flush()
    before, after = audit.changes(before, _state(client))
    audit.record(actor, "api_client.revoked", "api_client", client.id, before=before, after=after, reason=reason)
    return client


def _refuse_revoked(client: ApiClient) -> None:
    if client.revoked_at is not None:
        raise ServiceError(_("This API client has been revoked; register the system again instead."))
