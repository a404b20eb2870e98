"""/api/v1/ reads for HR and other systems: assignments, final results, published lists, ledgers and a feed of
events, each within the client's units, a page at a time. Registered on the API's blueprint (routes.py)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _, lazy_gettext as _l

from worklog.api import read_queries as queries
from worklog.api.errors import ApiError
from worklog.api.read_schemas import (AnnualResultPageSchema, AnnualResultsQuerySchema, AssignmentPageSchema,
                                      AssignmentsQuerySchema, DepartmentLedgerSchema, EventPageSchema,
                                      EventsQuerySchema, LedgerQuerySchema, ListPageSchema, MonthlyResultPageSchema,
                                      MonthlyResultsQuerySchema, PublishedListsQuerySchema, UnitLedgerSchema)
from worklog.api.routes import bp, load_query, operation
from worklog.api.tokens import current_client
from worklog.ledgers.queries import department_ledger, unit_ledger
from worklog.permissions import api_unit_for

def _named(obj) -> dict:
    return {"id": obj.id, "code": obj.code, "name": obj.name}


def _officer(person_id: int, badge: str, name: str) -> dict:
    return {"id": person_id, "badge": badge, "name": name}


def _cursor(next_id: int | None) -> str | None:
    return None if next_id is None else str(next_id)


@bp.get("/assignments")
@operation(_l("People's assignments in a unit and the units under it"),
           description=_l("Every assignment, past, present and future, to a department of the unit or of a unit "
                          "under it: who, where, in which post, from when to when; by assignment id, a page at a "
                          "time (pass the answer's next as after). A unit the client may not read is answered 404, "
                          "as a missing one."),
           response=AssignmentPageSchema, query=AssignmentsQuerySchema, needs="read:people", errors=(404, 422))
def assignments():
    args = load_query(AssignmentsQuerySchema)
    unit = api_unit_for(current_client(), args["unit"])
    rows, next_id = queries.assignments_page(unit, args["after"], args["limit"])
    items = [{"id": a.id, "person": _officer(person.id, person.badge, person.name),
              "unit_id": a.department.unit_id, "department": _named(a.department), "post": _named(a.post),
              "valid_from": a.valid_from, "valid_to": a.valid_to} for a, person in rows]
    return jsonify(AssignmentPageSchema().dump({"items": items, "next": _cursor(next_id)}))


@bp.get("/monthly-results")
@operation(_l("Officers' monthly results of a final month"),
           description=_l("The scores, places and grades of the officers the unit assessed in the month (its own "
                          "departments: each unit under it has a month of its own), once the month is final; by "
                          "person id, a page at a time (pass the answer's next as after). A month that is not "
                          "final (open, computed, or published for appeals) is answered 404, as a missing one: its "
                          "results may still change. So is a unit the client may not read."),
           response=MonthlyResultPageSchema, query=MonthlyResultsQuerySchema, needs="read:results",
           errors=(404, 422))
def monthly_results():
    args = load_query(MonthlyResultsQuerySchema)
    unit = api_unit_for(current_client(), args["unit"])
    review = queries.final_month_review(unit, args["month"])
    if review is None:
        raise ApiError(404, _("This unit has no final results for this period."))
    rows, next_id = queries.monthly_results_page(review, args["after"], args["limit"])
    items = [{"person": _officer(person.id, person.badge, person.name), "department": _named(department),
              "post": _named(post), "sequence": _named(sequence), "approved_points": r.approved_points,
              "target_points": r.target_points, "base": r.base, "workload": r.workload, "quality": r.quality,
              "bonus": r.bonus, "score": r.score, "veto": r.veto, "rank": r.rank, "group_size": r.group_size,
              "grade": r.final_grade, "proposed_grade": r.proposed_grade}
             for r, person, department, sequence, post in rows]
    return jsonify(MonthlyResultPageSchema().dump({"month": review.month, "finalised_at": review.finalised_at,
                                                   "items": items, "next": _cursor(next_id)}))


@bp.get("/annual-results")
@operation(_l("Officers' annual results of a final year"),
           description=_l("The annual scores, places and grades of the officers the unit assessed in the year (its "
                          "own departments), once the year is final; by person id, a page at a time (pass the "
                          "answer's next as after). A year that is not final is answered 404, as a missing one. So "
                          "is a unit the client may not read."),
           response=AnnualResultPageSchema, query=AnnualResultsQuerySchema, needs="read:results", errors=(404, 422))
def annual_results():
    args = load_query(AnnualResultsQuerySchema)
    unit = api_unit_for(current_client(), args["unit"])
    review = queries.final_year_review(unit, args["year"])
    if review is None:
        raise ApiError(404, _("This unit has no final results for this period."))
    rows, next_id = queries.annual_results_page(review, args["after"], args["limit"])
    items = [{"person": _officer(person.id, person.badge, person.name), "department": _named(department),
              "sequence": _named(sequence), "months": r.months, "mean_monthly": r.mean_monthly,
              "adjustments": r.adjustments, "score": r.score, "excellent_months": r.excellent_months,
              "incompetent_months": r.incompetent_months, "veto": r.veto, "rank": r.rank,
              "group_size": r.group_size, "percentile": r.percentile, "grade": r.final_grade,
              "proposed_grade": r.proposed_grade}
             for r, person, department, sequence in rows]
    return jsonify(AnnualResultPageSchema().dump({"year": review.year, "finalised_at": review.finalised_at,
                                                  "items": items, "next": _cursor(next_id)}))


@bp.get("/published-lists")
@operation(_l("Officers on published promotion, warning and removal lists"),
           description=_l("The officers on the list of each published round whose reference date falls in the "
                          "year and who were in the unit or under it at that date, as the list was frozen when it "
                          "was published; by line id, a page at a time (pass the answer's next as after). Drafts "
                          "are never shown. A unit the client may not read is answered 404, as a missing one."),
           response=ListPageSchema, query=PublishedListsQuerySchema, needs="read:lists", errors=(404, 422))
def published_lists():
    args = load_query(PublishedListsQuerySchema)
    unit = api_unit_for(current_client(), args["unit"])
    rows, next_id = queries.list_lines_page(unit, args["year"], args["after"], args["limit"])
    kinds = queries.round_kinds([row.round_id for row in rows])
    items = [{"id": row.id, "person": _officer(row.person_id, row.badge, row.name), "unit_id": row.unit_id,
              "position": row.position,
              "round": {"id": row.round_id, "name": row.round_name, "kind": kinds[row.round_id],
                        "reference_date": row.reference_date, "published_at": row.published_at}}
             for row in rows]
    return jsonify(ListPageSchema().dump({"items": items, "next": _cursor(next_id)}))


def _totals(totals) -> dict:
    return {"officers": totals.officers, "entries": totals.entries, "points": totals.points,
            "approved_points": totals.approved, "per_capita": totals.per_capita}


@bp.get("/ledgers/units")
@operation(_l("A unit's general ledger for a month"),
           description=_l("The unit's own month (its departments), and each unit directly under it with the units "
                          "under that one, ranked by approved points per officer: the signed work of the month as "
                          "it stands (final says whether the unit's month is sealed). A unit the client may not "
                          "read is answered 404, as a missing one."),
           response=UnitLedgerSchema, query=LedgerQuerySchema, needs="read:ledgers", errors=(404, 422))
def unit_ledger_read():
    args = load_query(LedgerQuerySchema)
    unit = api_unit_for(current_client(), args["unit"])
    ledger = unit_ledger(unit, args["month"])
    return jsonify(UnitLedgerSchema().dump({
        "unit": _named(unit), "month": ledger.month, "final": queries.month_is_final(unit, ledger.month),
        "own": _totals(ledger.own), "with_children": _totals(ledger.with_children),
        "children": [{"unit": _named(row.unit), "totals": _totals(row.totals), "rank": row.rank}
                     for row in ledger.children]}))


@bp.get("/ledgers/departments")
@operation(_l("A unit's department classified ledger for a month"),
           description=_l("Each department of the unit by task category, ranked by approved points per officer, "
                          "with the unit's totals (an officer who worked in two departments counts once): the "
                          "signed work of the month as it stands. A unit the client may not read is answered 404, "
                          "as a missing one."),
           response=DepartmentLedgerSchema, query=LedgerQuerySchema, needs="read:ledgers", errors=(404, 422))
def department_ledger_read():
    args = load_query(LedgerQuerySchema)
    unit = api_unit_for(current_client(), args["unit"])
    ledger = department_ledger(unit, args["month"])

    def cells(by_category: dict) -> list[dict]:
        return [{"category_id": category_id, "totals": _totals(totals)}
                for category_id, totals in sorted(by_category.items())]

    return jsonify(DepartmentLedgerSchema().dump({
        "unit": _named(unit), "month": ledger.month, "final": queries.month_is_final(unit, ledger.month),
        "categories": [_named(category) for category in ledger.categories],
        "departments": [{"department": _named(row.department), "totals": _totals(row.totals), "rank": row.rank,
                         "cells": cells(row.cells)} for row in ledger.rows],
        "total": _totals(ledger.total), "category_totals": cells(ledger.category_totals)}))


def _event_type(action: str) -> str:
    return queries.EVENT_ACTIONS.get(action) or queries.DECISION_EVENT_ACTIONS[action]


def _details(row, kinds: dict[int, str]) -> dict:
    kind = _event_type(row.action)
    if kind.startswith("decision."):
        if row.decision_kind is None:
            return {}
        details = {"person_id": row.decision_person_id, "decision": row.decision_kind, "outcome": row.outcome,
                   "decided_on": row.decision_decided_on, "reference": row.decision_reference}
        # A round's decision names the round, a list's its year.
        return details | ({"round_id": row.round_id} if row.round_id is not None else {"year": row.decision_year})
    if kind.startswith("honour."):
        return {"person_id": row.honour_person_id, "honour": row.honour_kind, "title": row.title,
                "year": row.honour_year, "decided_on": row.honour_decided_on, "reference": row.honour_reference,
                "revoked": row.revoked_at is not None} if row.honour_kind is not None else {}
    if kind in ("month.finalised", "month.reopened"):
        return {"month": row.month} if row.month is not None else {}
    if kind in ("year.finalised", "year.reopened"):
        return {"year": row.year} if row.year is not None else {}
    if kind == "round.published":
        return {"name": row.round_name, "reference_date": row.reference_date,
                "kind": kinds.get(row.object_id, "other")} if row.round_name is not None else {}
    return {"person_id": row.person_id, "department_id": row.department_id, "post_id": row.post_id,
            "valid_from": row.valid_from}


@bp.get("/events")
@operation(_l("Changes other systems follow: months and years finalised or reopened, rounds published, people "
              "transferred, HR's decisions and honours"),
           description=_l("Events of the client's units, oldest first, by id: month.finalised, month.reopened, "
                          "year.finalised, year.reopened, round.published, person.transferred (a person placed "
                          "in a department and post from a date, a first assignment included, or that placement "
                          "corrected), decision.recorded and decision.changed (an officer's outcome in a published "
                          "round, or what was done about the warning or removal list, filed under the officer's "
                          "unit), honour.given and honour.revoked. A reopened month or year withdraws its results: "
                          "they are served again, perhaps changed, once it is final again. Keep the last page's "
                          "next, or the last event's id, and ask again with it as after; an empty page says nothing "
                          "new has happened. The details are those of the object as it stands now."),
           response=EventPageSchema, query=EventsQuerySchema, needs="read:events", errors=(422,))
def events():
    args = load_query(EventsQuerySchema)
    rows, next_id = queries.events_page(current_client(), args["after"], args["limit"])
    kinds = queries.round_kinds([row.object_id for row in rows if row.action == "round.published"
                                 and row.object_id is not None])
    items = [{"id": row.id, "type": _event_type(row.action), "at": row.at, "unit_id": row.unit_id,
              "object_id": row.object_id, "details": _details(row, kinds)} for row in rows]
    return jsonify(EventPageSchema().dump({"items": items, "next": _cursor(next_id)}))
