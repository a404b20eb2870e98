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


#: Text with no control characters and at least one that is not a space (trimmed when read).
TEXT = r"^[^\x00-\x1f\x7f]*[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]*$"
OPTIONAL_TEXT = r"^[^\x00-\x1f\x7f]*$"


class WorkFactSchema(Schema):
    id = fields.String(required=True, validate=[validate.Length(1, 100), validate.Regexp(TEXT)],
                       metadata={"description": "The fact's id in its system: sent again, it creates nothing; "
                                                "sent twice in one batch, its last values count."})
    badge = fields.String(required=True, validate=[validate.Length(1, 20), validate.Regexp(TEXT)],
                          metadata={"description": "The officer's badge number (警号)."})
    occurred_at = fields.DateTime(required=True, metadata={
        "description": "When the work was done (ISO 8601; without an offset, local time). Its local date is the "
                       "officer's day. A time in the future or before 2000 is refused (reason bad_date)."})
    type = fields.String(required=True, validate=[validate.Length(1, 60), validate.Regexp(TEXT)],
                         metadata={"description": "The fact's type in its system, mapped to a task by the "
                                                  "administrator (Administration → Work facts)."})
    quantity = fields.Float(load_default=1, validate=validate.Range(0, 999999.99, min_inclusive=False),
                              metadata={"description": "Above 0, at most two decimals (default 1).",
                                        "multipleOf": 0.01, "exclusiveMinimum": True})
    reference = fields.String(load_default="", validate=[validate.Length(0, 100), validate.Regexp(OPTIONAL_TEXT)],
                              metadata={"description": "A case or call number, shown with the entry."})


class WorkFactBatchSchema(Schema):
    facts = fields.List(fields.Nested(WorkFactSchema), required=True, validate=validate.Length(1, 10_000),
                        metadata={"description": "1 to 10,000 facts. The source is the client's."})


class FactOutcomeSchema(Schema):
    id = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(
        ["created", "updated", "unchanged", "waiting", "refused"]))
    reason = fields.String(required=True, metadata={
        "description": "Why it waits or was refused: unknown_badge, unmapped_type, no_post, not_in_catalog, "
                       "sealed_week, sealed_month, daily_cap, outside_units, bad_date; empty otherwise."})
    message = fields.String(required=True, metadata={"description": "The reason, for people."})
    entry_id = fields.Integer(required=True, allow_none=True)


class FactResultSchema(Schema):
    source = fields.String(required=True)
    received = fields.Integer(required=True)
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    waiting = fields.Integer(required=True)
    refused = fields.Integer(required=True)
    results = fields.List(fields.Nested(FactOutcomeSchema), required=True, metadata={
        "description": "Each fact not entered as sent — updated, waiting or refused — with its reason, in the "
                       "batch's order; facts created or unchanged are only counted."})
