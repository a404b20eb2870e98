"""Marshmallow schemas of the API's reads for HR and other systems: assignments, results, published lists, ledgers
and the events feed (worklog/api/reads.py), and the query parameters each takes."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _, lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate

from models import Grade
from worklog.api.schemas import MAX_ID, NamedSchema

#: A calendar month as the API writes and reads it. JSON Schema patterns are not anchored, hence ^ and $.
MONTH_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"
_MONTH = re.compile(MONTH_PATTERN[1:-1])
GRADES = [grade.value for grade in Grade]

#: What an event of the feed is, by a name that stays when the application's own words change.
EVENT_TYPES = ("month.finalised", "month.reopened", "year.finalised", "year.reopened", "round.published",
               "person.transferred", "decision.recorded", "decision.changed", "honour.given", "honour.revoked")
#: What a personnel decision is about, what was decided, and the kinds of honour (models/decisions.py).
DECISION_KINDS = ("promotion", "warning_talk", "removal")
DECISION_OUTCOMES = ("promoted", "not_selected", "deferred", "held", "carried_out", "not_carried_out")
HONOUR_KINDS = ("merit", "commendation", "award")
#: What a published list is for, from the rules the round was created with.
LIST_KINDS = ("promotion", "warning", "removal", "other")


class MonthField(fields.String):
    """A month written YYYY-MM, loaded as its first day. Its own refusal, as the caller should write it: the
    API's generic message speaks of whole numbers."""

    def __init__(self, **kwargs):
        metadata = {"pattern": MONTH_PATTERN, "example": "2026-03", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = value if isinstance(value, str) else ""
        if not _MONTH.fullmatch(text):
            raise ValidationError(_("Give the month as YYYY-MM, for example 2026-03."))
        return date(int(text[:4]), int(text[5:]), 1)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else f"{value.year:04d}-{value.month:02d}"


def amount(description=None, **kwargs) -> fields.Decimal:
    """Points and scores as text ("97.50"): exact, where a JSON number would go through a float. apispec would
    document a Decimal as a number, so the document is told it is a string."""
    metadata = {"type": "string", "format": "decimal", "example": "97.50"}
    if description is not None:
        metadata["description"] = description
    return fields.Decimal(as_string=True, required=True, metadata=metadata, **kwargs)


def _next():
    return fields.String(required=True, allow_none=True,
                         metadata={"description": _l("Pass as ?after= for the next page; null on the last page.")})


# --- Query parameters ------------------------------------------------------------------------------------------


def _unit():
    return fields.Integer(required=True, validate=validate.Range(1, MAX_ID),
                          metadata={"description": _l("Id of a unit the client may read (GET /api/v1/units).")})


def _after():
    return fields.Integer(load_default=0, validate=validate.Range(0, MAX_ID),
                          metadata={"description": _l("The cursor: the previous page's next.")})


def _limit():
    return fields.Integer(load_default=50, validate=validate.Range(1, 200),
                          metadata={"description": _l("How many items at most.")})


def _month():
    return MonthField(required=True, metadata={"description": _l("The month, written YYYY-MM.")})


def _year():
    return fields.Integer(required=True, validate=validate.Range(1000, 9999),
                          metadata={"description": _l("The year, e.g. 2026.")})


class AssignmentsQuerySchema(Schema):
    unit = _unit()
    after = _after()
    limit = _limit()


class MonthlyResultsQuerySchema(Schema):
    unit = _unit()
    month = _month()
    after = _after()
    limit = _limit()


class AnnualResultsQuerySchema(Schema):
    unit = _unit()
    year = _year()
    after = _after()
    limit = _limit()


class PublishedListsQuerySchema(Schema):
    unit = _unit()
    year = fields.Integer(required=True, validate=validate.Range(1000, 9999),
                          metadata={"description": _l("The year of the rounds' reference date.")})
    after = _after()
    limit = _limit()


class LedgerQuerySchema(Schema):
    unit = _unit()
    month = _month()


class EventsQuerySchema(Schema):
    after = _after()
    limit = _limit()


# --- Answers -----------------------------------------------------------------------------------------------------


class OfficerSchema(Schema):
    """An officer named in a read: id, badge number and name."""
    id = fields.Integer(required=True)
    badge = fields.String(required=True)
    name = fields.String(required=True)


class AssignmentRecordSchema(Schema):
    id = fields.Integer(required=True)
    person = fields.Nested(OfficerSchema, required=True)
    unit_id = fields.Integer(required=True, metadata={"description": _l("The unit of the department.")})
    department = fields.Nested(NamedSchema, required=True)
    post = fields.Nested(NamedSchema, required=True)
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(required=True, allow_none=True,
                           metadata={"description": _l("The last day, inclusive; null while it runs.")})


class AssignmentPageSchema(Schema):
    items = fields.List(fields.Nested(AssignmentRecordSchema), required=True)
    next = _next()


def _grade(description):
    return fields.String(required=True, validate=validate.OneOf(GRADES), metadata={"description": description})


class MonthlyResultSchema(Schema):
    person = fields.Nested(OfficerSchema, required=True)
    department = fields.Nested(NamedSchema, required=True)
    post = fields.Nested(NamedSchema, required=True)
    sequence = fields.Nested(NamedSchema, required=True)
    approved_points = amount()
    target_points = amount()
    base = amount()
    workload = amount()
    quality = amount()
    bonus = amount()
    score = amount()
    veto = fields.Boolean(required=True)
    rank = fields.Integer(required=True, metadata={"description": _l("Place within the unit and sequence.")})
    group_size = fields.Integer(required=True)
    grade = _grade(_l("The final grade."))
    proposed_grade = _grade(_l("The grade the rules proposed, before any override by the panel."))


class MonthlyResultPageSchema(Schema):
    month = MonthField(required=True)
    finalised_at = fields.DateTime(required=True, allow_none=True)
    items = fields.List(fields.Nested(MonthlyResultSchema), required=True)
    next = _next()


class AnnualResultSchema(Schema):
    person = fields.Nested(OfficerSchema, required=True)
    department = fields.Nested(NamedSchema, required=True)
    sequence = fields.Nested(NamedSchema, required=True)
    months = fields.Integer(required=True, metadata={"description": _l("Final months counted.")})
    mean_monthly = amount()
    adjustments = amount()
    score = amount()
    excellent_months = fields.Integer(required=True)
    incompetent_months = fields.Integer(required=True)
    veto = fields.Boolean(required=True)
    rank = fields.Integer(required=True, metadata={"description": _l("Place within the unit and sequence.")})
    group_size = fields.Integer(required=True)
    percentile = amount()
    grade = _grade(_l("The final grade."))
    proposed_grade = _grade(_l("The grade the rules proposed."))


class AnnualResultPageSchema(Schema):
    year = fields.Integer(required=True)
    finalised_at = fields.DateTime(required=True, allow_none=True)
    items = fields.List(fields.Nested(AnnualResultSchema), required=True)
    next = _next()


class PublishedRoundSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LIST_KINDS), metadata={"description": _l(
        "promotion, warning (warning talk) or removal (removal from post), from the rules the round was created "
        "with; other when they are not known.")})
    reference_date = fields.Date(required=True)
    published_at = fields.DateTime(required=True)


class ListLineSchema(Schema):
    id = fields.Integer(required=True)
    round = fields.Nested(PublishedRoundSchema, required=True)
    person = fields.Nested(OfficerSchema, required=True, metadata={"description": _l(
        "Badge number and name as the list was published.")})
    unit_id = fields.Integer(required=True, metadata={"description": _l("The officer's unit at the reference date.")})
    position = fields.Integer(required=True, metadata={"description": _l("Place on the round's whole list.")})


class ListPageSchema(Schema):
    items = fields.List(fields.Nested(ListLineSchema), required=True)
    next = _next()


class TotalsSchema(Schema):
    officers = fields.Integer(required=True)
    entries = fields.Integer(required=True)
    points = amount(_l("Self-assessed points."))
    approved_points = amount()
    per_capita = fields.Decimal(as_string=True, required=True, allow_none=True, metadata={
        "type": "string", "format": "decimal", "description": _l("Approved points per officer; null without "
                                                                 "officers.")})


class ChildLedgerSchema(Schema):
    unit = fields.Nested(NamedSchema, required=True)
    totals = fields.Nested(TotalsSchema, required=True, metadata={"description": _l(
        "The unit and every unit under it.")})
    rank = fields.Integer(required=True, allow_none=True)


class UnitLedgerSchema(Schema):
    unit = fields.Nested(NamedSchema, required=True)
    month = MonthField(required=True)
    final = fields.Boolean(required=True, metadata={"description": _l("Is the unit's month final?")})
    own = fields.Nested(TotalsSchema, required=True)
    with_children = fields.Nested(TotalsSchema, required=True)
    children = fields.List(fields.Nested(ChildLedgerSchema), required=True)


class CategoryTotalsSchema(Schema):
    category_id = fields.Integer(required=True)
    totals = fields.Nested(TotalsSchema, required=True)


class DepartmentLedgerRowSchema(Schema):
    department = fields.Nested(NamedSchema, required=True)
    totals = fields.Nested(TotalsSchema, required=True)
    rank = fields.Integer(required=True, allow_none=True)
    cells = fields.List(fields.Nested(CategoryTotalsSchema), required=True)


class DepartmentLedgerSchema(Schema):
    unit = fields.Nested(NamedSchema, required=True)
    month = MonthField(required=True)
    final = fields.Boolean(required=True, metadata={"description": _l("Is the unit's month final?")})
    categories = fields.List(fields.Nested(NamedSchema), required=True)
    departments = fields.List(fields.Nested(DepartmentLedgerRowSchema), required=True)
    total = fields.Nested(TotalsSchema, required=True)
    category_totals = fields.List(fields.Nested(CategoryTotalsSchema), required=True)


class EventDetailsSchema(Schema):
    """What each type of event says beyond its object: only the fields of its type are present."""
    month = MonthField(metadata={"description": _l("month.finalised, month.reopened: the month.")})
    year = fields.Integer(metadata={"description": _l(
        "year.finalised, year.reopened: the year; decision.* of a warning or removal list: its year; honour.*: the "
        "year it is for.")})
    name = fields.String(metadata={"description": _l("round.published: the round's name.")})
    kind = fields.String(validate=validate.OneOf(LIST_KINDS),
                         metadata={"description": _l("round.published: what the list is for.")})
    reference_date = fields.Date(metadata={"description": _l("round.published: the reference date.")})
    person_id = fields.Integer(allow_none=True, metadata={"description": _l(
        "person.transferred, decision.*, honour.*: the person.")})
    department_id = fields.Integer(allow_none=True, metadata={"description": _l(
        "person.transferred: the department of the assignment as it stands now.")})
    post_id = fields.Integer(allow_none=True)
    valid_from = fields.Date(allow_none=True)
    decision = fields.String(validate=validate.OneOf(DECISION_KINDS), metadata={"description": _l(
        "decision.*: what it decides: a promotion round's outcome, a warning talk, a removal from post.")})
    outcome = fields.String(validate=validate.OneOf(DECISION_OUTCOMES), metadata={"description": _l(
        "decision.*: what was decided.")})
    round_id = fields.Integer(metadata={"description": _l(
        "decision.* of a promotion round: the round (a warning or removal list's gives its year instead).")})
    honour = fields.String(validate=validate.OneOf(HONOUR_KINDS), metadata={"description": _l(
        "honour.*: merit citation, commendation or award for excellence.")})
    title = fields.String(metadata={"description": _l("honour.*: the honour's title.")})
    decided_on = fields.Date(metadata={"description": _l("decision.*, honour.*: the date it was decided.")})
    reference = fields.String(metadata={"description": _l("decision.*, honour.*: the document it was decided by.")})
    revoked = fields.Boolean(metadata={"description": _l("honour.*: whether the honour has been revoked.")})


class EventSchema(Schema):
    id = fields.Integer(required=True)
    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    at = fields.DateTime(required=True)
    unit_id = fields.Integer(required=True)
    object_id = fields.Integer(required=True, allow_none=True, metadata={"description": _l(
        "The month review, year review, promotion round, assignment, personnel decision or honour.")})
    details = fields.Nested(EventDetailsSchema, required=True)


class EventPageSchema(Schema):
    items = fields.List(fields.Nested(EventSchema), required=True)
    next = _next()
