"""/api/v1/: JSON in and out, a Bearer token per client, no session and no CSRF; the document and its page."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import Blueprint, jsonify, render_template, request
from flask_babel import gettext as _, lazy_gettext as _l
from marshmallow import ValidationError, fields

from worklog.api import queries
from worklog.api.errors import ApiError
from worklog.api.schemas import PeoplePageSchema, PeopleQuerySchema, UnitListSchema
from worklog.api.tokens import current_client
from worklog.permissions import api_client_may, api_unit_for

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: The errors any operation that needs a token may answer.
AUTHENTICATED_ERRORS = (400, 401, 403, 429, 503)


def operation(summary, *, description=None, response=None, query=None, needs: str | None = None,
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
                           "needs": needs, "public": public, "content": content,
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
