"""The OpenAPI 3 document, generated from the code: the API blueprint's routes, the ``operation`` each view
declares (worklog/api/routes.py) and the marshmallow schemas (apispec). Worded in the caller's language."""
from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from flask_babel import gettext as _

from worklog.api.errors import MESSAGES
from worklog.api.schemas import ErrorSchema

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _plain(value):
    """Lazy strings (descriptions written with ``_l``) as text in the caller's language."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _responses(doc: dict) -> dict:
    if doc["content"] == "application/json":
        ok = {"description": _("Success"), "content": {"application/json": {"schema": doc["response"]}}}
    else:
        ok = {"description": _("Success"), "content": {doc["content"]: {"schema": {"type": "string"}}}}
    responses = {"200": ok}
    for status in doc["errors"]:
        headers = {}
        if status == 429:
            headers["Retry-After"] = {"description": _("Seconds to wait before the next request."),
                                      "schema": {"type": "integer", "minimum": 1}}
        if status == 503:
            headers["Retry-After"] = {"description": _("Seconds to wait before trying again."),
                                      "schema": {"type": "integer", "minimum": 0}}
        responses[str(status)] = {"description": str(MESSAGES[status]), "headers": headers,
                                  "content": {"application/json": {"schema": ERROR_REF}}}
    return responses


def document() -> dict:
    spec = APISpec(
        title="Worklog API", version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
        info={"description": _(
            "The versioned JSON API of Worklog for police business systems. Every request but this document's "
            "carries the client's token (Authorization: Bearer <token>), which the province's administrator "
            "registers under Administration → Organisation → API clients. Errors always have the shape of Error, "
            "with a machine-readable code and a message in the language of Accept-Language.")})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": _("The client's token, shown once when it is "
                                                                "registered or rotated.")})
    spec.components.schema("Error", schema=ErrorSchema)
    for rule in sorted(current_app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        doc = getattr(current_app.view_functions[rule.endpoint], "api_doc", None)
        if doc is None:
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        op = {"operationId": rule.endpoint.removeprefix("api."), "summary": doc["summary"],
              "responses": _responses(doc)}
        if doc["description"]:
            op["description"] = doc["description"]
        if doc["query"] is not None:
            op["parameters"] = [{"in": "query", "schema": doc["query"]}]
        if doc.get("body") is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": doc["body"]}}}
        if doc["public"]:
            op["security"] = []
        else:
            op["security"] = [{"bearer": []}]
        if doc["needs"]:
            op["x-operation"] = doc["needs"]
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        spec.path(path=path, operations={method.lower(): op for method in methods})
    return _plain(spec.to_dict())
