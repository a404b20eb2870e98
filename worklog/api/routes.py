"""/api/v1/: JSON in and out, a Bearer token per client, no session and no CSRF; the document and its page."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from marshmallow import ValidationError, fields

from worklog.api import queries
from worklog.api.errors import ApiError
from worklog.api.schemas import (FactResultSchema, PeoplePageSchema, PeopleQuerySchema, UnitListSchema,
                                 WorkFactBatchSchema)
from worklog.api.tokens import current_client
from worklog.bounds import accepts_upload
from worklog.permissions import api_client_may, api_unit_for

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: The errors any operation that needs a token may answer.
AUTHENTICATED_ERRORS = (400, 401, 403, 429, 503)


def operation(summary, *, description=None, response=None, query=None, body=None, needs: str | None = None,
              errors: tuple[int, ...] = (), public: bool = False, content: str = "application/json"):
    """Describe a view for the OpenAPI document (worklog/api/spec.py reads this) and check its operation:
    a token is needed unless ``public``; ``needs`` names the operation the client must have been given."""
    def decorate(view: Callable):
        @wraps(view)
        def checked(*args, **kwargs):
            client = current_client()
            if not public and client is None:
                raise ApiError(401)
            if needs is not None and not api_client_may(client, needs):
                raise ApiError(403, _("This API client may not use the operation %(name)s.", name=needs),
                               details={"operation": needs})
            return view(*args, **kwargs)
        checked.api_doc = {"summary": summary, "description": description, "response": response, "query": query,
                           "body": body, "needs": needs, "public": public, "content": content,
                           "errors": tuple(sorted(set(errors) | ({400, 429, 503} if public
                                                                  else set(AUTHENTICATED_ERRORS))))}
        return checked
    return decorate


def load_query(schema_class) -> dict:
    """The query's values by the schema; 422 naming each wrong field, in the caller's language. A parameter the
    schema does not know is refused too: a misspelt cursor (``afer=``) would otherwise read from the start."""
    schema = schema_class()
    try:
        return schema.load(request.args, unknown="raise")
    except ValidationError as error:
        details = {}
        for name in error.messages:
            field = schema.fields.get(name)
            low, high = _range(field)
            if field is None:
                details[name] = _("This parameter is not known: check its name.")
            elif "required" in str(error.messages[name]).lower() and name not in request.args:
                details[name] = _("This parameter is required.")
            elif isinstance(field, fields.Integer):
                details[name] = _("Give a whole number from %(low)s to %(high)s.", low=low, high=high)
            else:  # a field of another kind words its own refusal (worklog/api/read_schemas.py: MonthField)
                details[name] = " ".join(str(message) for message in error.messages[name])
        raise ApiError(422, details=details)


def _range(field) -> tuple[int, int]:
    for validator in getattr(field, "validators", []):
        if hasattr(validator, "min") and hasattr(validator, "max"):
            return validator.min, validator.max
    return 0, 2**31 - 1


@bp.get("/units")
@operation(_l("The units the client may read"),
           description=_l("The client's units and every unit under them, in the order of the tree."),
           response=UnitListSchema)
def units():
    items = [{"id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level,
              "parent_id": unit.parent_id} for unit in queries.units(current_client())]
    return jsonify(UnitListSchema().dump({"items": items}))


@bp.get("/people")
@operation(_l("People assigned to a unit today"),
           description=_l("People whose assignment today is in the unit, with their department and post, by id; "
                          "a page at a time (pass the answer's next as after). A unit the client may not read "
                          "is answered 404, as a missing one."),
           response=PeoplePageSchema, query=PeopleQuerySchema, needs="read:people", errors=(404, 422))
def people():
    args = load_query(PeopleQuerySchema)
    unit = api_unit_for(current_client(), args["unit"])
    rows, next_id = queries.people_page(unit, args["after"], args["limit"])
    items = [{"id": person.id, "badge": person.badge, "name": person.name, "rank": person.rank,
              "active": person.active,
              "assignment": {"department": a.department, "post": a.post, "valid_from": a.valid_from,
                             "valid_to": a.valid_to}} for person, a in rows]
    return jsonify(PeoplePageSchema().dump({"items": items, "next": None if next_id is None else str(next_id)}))


@bp.post("/work-facts")
@accepts_upload  # a batch of 10,000 facts is a few megabytes
@operation(_l("Send work facts"),
           description=_l("Facts the client's system recorded of officers' work, 1 to 10,000 at a time, each "
                          "known by its id: sent again unchanged it creates nothing, changed it updates its "
                          "entry (refused, with the reason, once the officer's week is signed or the unit's "
                          "month final). Each becomes an entry on the officer's day marked with the source and "
                          "the reference; facts naming an unknown badge or an unmapped type wait for an "
                          "administrator. A batch with a wrong value is refused whole (422, nothing saved)."),
           body=WorkFactBatchSchema, response=FactResultSchema, needs="write:work-facts",
           errors=(409, 413, 415, 422))
def work_facts():
    from sqlalchemy.exc import IntegrityError
    from worklog.facts.services import MAX_BATCH, FactsInvalid, parse_all, receive
    from worklog.extensions import db
    client = current_client()
    if not client.source:
        raise ApiError(403, _("This API client has no source name: the administrator gives it one on the "
                              "client's page before it can send facts."))
    body = _json_object()
    unknown = sorted(set(body) - {"facts"})[:10]
    if unknown:  # the source is the client's: a batch carries nothing else
        raise ApiError(422, details={name: _("Unknown field: a batch has facts only.") for name in unknown})
    raw = body.get("facts")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BATCH:
        raise ApiError(422, details={"facts": _("A list of 1 to %(n)d facts.", n=MAX_BATCH)})
    try:
        facts = parse_all(((f"facts.{i}", item) for i, item in enumerate(raw)), typed=True)
        result = receive(facts, source=client.source, client=client,
                         scope_paths=[unit.path for unit in client.units])
        db.session.flush()
    except FactsInvalid as error:
        raise ApiError(422, details=error.details)
    except IntegrityError:
        db.session.rollback()
        raise ApiError(409, _("Some of these facts were being saved by another request at the same moment; nothing "
                              "of this one was saved. Send it again: what is saved already will be unchanged."))
    # Each fact that was not entered as sent is named; those created or unchanged are counted (a day's 10,000
    # calls answer in a few hundred bytes, not a megabyte of "created").
    answer = {"source": result.source, **result.counts(),
              "results": [{"id": o.external_id, "outcome": o.outcome, "reason": o.reason, "message": o.message,
                           "entry_id": o.entry_id} for o in result.outcomes
                          if o.outcome not in ("created", "unchanged")]}
    return jsonify(answer)


def _json_object() -> dict:
    """The request's JSON object: 415 unless sent as JSON, 400 when it cannot be read, 422 unless an object."""
    if request.mimetype != "application/json":
        raise ApiError(415)
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, _("The body is not valid JSON."))
    if not isinstance(data, dict):
        raise ApiError(422, details={"body": _("Send a JSON object.")})
    return data


@bp.get("/openapi.json")
def openapi_document():
    from worklog.api.spec import document
    return jsonify(document())


@bp.get("/docs")
def docs():
    from worklog.api.spec import document
    return render_template("api/docs.html", doc=document())


# The reads for HR and other systems register on this blueprint (imported last: they import it).
from worklog.api import reads  # noqa: E402,F401
