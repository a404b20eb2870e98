"""Marshmallow schemas of the API: what it answers and takes, and (through apispec) the OpenAPI document."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from models import UnitLevel
from worklog.api.errors import CODES

MAX_ID = 2**31 - 1


class ErrorBodySchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(sorted(set(CODES.values()))),
                         metadata={"description": "Machine-readable: branch on this, never on the message."})
    message = fields.String(required=True, metadata={"description": "For people, in the Accept-Language."})
    details = fields.Dict(required=True, metadata={"description": "Field by field, or retry_after on a 429."})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


class UnitSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf([level.value for level in UnitLevel]))
    parent_id = fields.Integer(required=True, allow_none=True)


class UnitListSchema(Schema):
    items = fields.List(fields.Nested(UnitSchema), required=True)


class NamedSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class AssignmentSchema(Schema):
    department = fields.Nested(NamedSchema, required=True)
    post = fields.Nested(NamedSchema, required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, allow_none=True)


class PersonSchema(Schema):
    id = fields.Integer(required=True)
    badge = fields.String(required=True)
    name = fields.String(required=True)
    rank = fields.String(required=True)
    active = fields.Boolean(required=True)
    assignment = fields.Nested(AssignmentSchema, required=True)


class PeoplePageSchema(Schema):
    items = fields.List(fields.Nested(PersonSchema), required=True)
    next = fields.String(required=True, allow_none=True,
                         metadata={"description": "Pass as ?after= for the next page; null on the last page."})


class PeopleQuerySchema(Schema):
    unit = fields.Integer(required=True, validate=validate.Range(1, MAX_ID),
                          metadata={"description": "Id of a unit the client may read (GET /api/v1/units)."})
    after = fields.Integer(load_default=0, validate=validate.Range(0, MAX_ID),
                           metadata={"description": "The cursor: the previous page's next."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200),
                           metadata={"description": "How many people at most."})
