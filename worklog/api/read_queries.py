"""What the API's reads for HR and other systems fetch: one page at a time by a keyset cursor, each page in a
fixed number of statements, always within a unit the caller has already been allowed (``api_unit_for``) or, for
the events feed, within the client's units."""
from __future__ import annotations

from datetime import date
from typing import Any, Callable, Sequence as Seq

from sqlalchemy import and_, select
from sqlalchemy.orm import contains_eager

from models import (ApiClient, Assignment, AuditEvent, Department, Honour, MonthResult, MonthReview, MonthStatus,
                    Person, PersonnelDecision, Post, PromotionCandidate, PromotionRound, Sequence, Unit, YearResult,
                    YearReview)
from worklog.extensions import db
from worklog.permissions import api_unit_scope_clause

FINAL = MonthStatus.final.value

#: Audit actions the events feed shows → the event's type. The feed's names are the API's contract; the audit
#: trail's may change with the code that writes them (worklog/monthly, worklog/annual, worklog/admin services).
EVENT_ACTIONS = {
    "month.finalised": "month.finalised",
    # A final month or year reopened by its panel: its results are withdrawn until it is final again.
    "month.reopened": "month.reopened",
    "year.finalised": "year.finalised",
    "year.reopened": "year.reopened",
    "round.published": "round.published",
    # A person placed in a department and post from a date (a transfer or a first assignment), or that
    # placement corrected in place: either way the person now works somewhere else from that date.
    "assignment.created": "person.transferred",
    "assignment.corrected": "person.transferred",
}

#: HR's decisions and honours (worklog/decisions), read by a statement of their own: the partial index of the feed
#: (models/audit.py FEED_ACTIONS) predates them, and a statement reading both would use neither index. Filed under the
#: officer's unit, so that a county's systems learn of their officers' outcomes whoever decided them.
DECISION_EVENT_ACTIONS = {
    "decision.recorded": "decision.recorded",
    "decision.changed": "decision.changed",
    "honour.given": "honour.given",
    "honour.revoked": "honour.revoked",
}

#: The rules a round was created from (worklog.rules.eligibility.DEFAULT_POLICIES) → what its list is for.
POLICY_KINDS = {"competitive_promotion": "promotion", "post_promotion": "promotion", "warning_talk": "warning",
                "removal": "removal"}


def _keyset(rows: list, limit: int, key: Callable[[Any], int]) -> tuple[list, int | None]:
    """The page (``limit + 1`` rows were asked for, to learn whether another page follows) and its cursor."""
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (key(rows[-1]) if more else None)


def _subtree(unit: Unit, path_column=Unit.path):
    return path_column.startswith(unit.path, autoescape=True)


# --- Assignments ---------------------------------------------------------------------------------------------------


def assignments_page(unit: Unit, after: int, limit: int) -> tuple[list[tuple[Assignment, Person]], int | None]:
    """Every assignment, past, present and future, to a department of ``unit`` or of a unit under it, by id
    after ``after``, with its person, department and post."""
    rows = db.session.execute(
        select(Assignment, Person)
        .join(Person, Person.id == Assignment.person_id)
        .join(Department, Department.id == Assignment.department_id)
        .join(Unit, Unit.id == Department.unit_id)
        .where(_subtree(unit), Assignment.id > after)
        .options(contains_eager(Assignment.department))
        .order_by(Assignment.id).limit(limit + 1)).all()
    return _keyset(rows, limit, lambda row: row[0].id)


# --- Results of final months and years ----------------------------------------------------------------------------


def final_month_review(unit: Unit, month: date) -> MonthReview | None:
    """The unit's review of the month if it is final; None otherwise, so nothing still open, computed or
    published (and so still changing) is ever read out."""
    return db.session.scalar(select(MonthReview).where(
        MonthReview.unit_id == unit.id, MonthReview.month == month.replace(day=1), MonthReview.status == FINAL))


def final_year_review(unit: Unit, year: int) -> YearReview | None:
    return db.session.scalar(select(YearReview).where(
        YearReview.unit_id == unit.id, YearReview.year == year, YearReview.status == FINAL))


def _results_page(model, review_column, review_id: int, after: int, limit: int, *extra) -> tuple[list, int | None]:
    """One review's results with their officer, department and sequence (and ``extra`` joined entities), by
    person id: the keyset walks the unique index (review, person)."""
    query = (select(model, Person, Department, Sequence, *(entity for entity, _on in extra))
             .join(Person, Person.id == model.person_id)
             .join(Department, Department.id == model.department_id)
             .join(Sequence, Sequence.id == model.sequence_id))
    for entity, on in extra:
        query = query.join(entity, on)
    rows = db.session.execute(query.where(review_column == review_id, model.person_id > after)
                              .order_by(model.person_id).limit(limit + 1)).all()
    return _keyset(rows, limit, lambda row: row[0].person_id)


def monthly_results_page(review: MonthReview, after: int, limit: int) -> tuple[list, int | None]:
    """(MonthResult, Person, Department, Sequence, Post) rows of a final month."""
    return _results_page(MonthResult, MonthResult.month_review_id, review.id, after, limit,
                         (Post, Post.id == MonthResult.post_id))


def annual_results_page(review: YearReview, after: int, limit: int) -> tuple[list, int | None]:
    """(YearResult, Person, Department, Sequence) rows of a final year."""
    return _results_page(YearResult, YearResult.year_review_id, review.id, after, limit)


# --- Published lists -----------------------------------------------------------------------------------------------


def list_lines_page(unit: Unit, year: int, after: int, limit: int) -> tuple[list, int | None]:
    """The officers on the lists of published rounds whose reference date falls in ``year``, and who were in
    ``unit`` or under it at that date, by line id. Only the lines on the list (eligible): what HR published.

    A round made over a whole city lists the city's officers: a client of one county reads its county's lines
    of it, and nothing of the round's other units."""
    rows = db.session.execute(
        select(PromotionCandidate.id, PromotionCandidate.person_id, PromotionCandidate.badge,
               PromotionCandidate.name, PromotionCandidate.unit_id, PromotionCandidate.position,
               PromotionRound.id.label("round_id"), PromotionRound.name.label("round_name"),
               PromotionRound.reference_date, PromotionRound.published_at)
        .join(PromotionRound, PromotionRound.id == PromotionCandidate.round_id)
        .join(Unit, Unit.id == PromotionCandidate.unit_id)
        .where(PromotionRound.status == "published",
               PromotionRound.reference_date >= date(year, 1, 1), PromotionRound.reference_date <= date(year, 12, 31),
               PromotionCandidate.eligible.is_(True), _subtree(unit), PromotionCandidate.id > after)
        .order_by(PromotionCandidate.id).limit(limit + 1)).all()
    return _keyset(rows, limit, lambda row: row.id)


def round_kinds(round_ids: Seq[int]) -> dict[int, str]:
    """What each round's list is for, from the rules it was created from. The round keeps only a copy of those
    rules (HR may change them), so the name of the starting rules is read from the round's creation in the
    audit trail: one statement for the page's rounds, by the (object type, object id) index."""
    if not round_ids:
        return {}
    created = db.session.execute(select(AuditEvent.object_id, AuditEvent.after).where(
        AuditEvent.object_type == "promotion_round", AuditEvent.object_id.in_(sorted(set(round_ids))),
        AuditEvent.action == "round.created")).all()
    kinds = {round_id: POLICY_KINDS.get((after or {}).get("policy"), "other") for round_id, after in created}
    return {round_id: kinds.get(round_id, "other") for round_id in round_ids}


# --- Ledgers -------------------------------------------------------------------------------------------------------


def month_is_final(unit: Unit, month: date) -> bool:
    return final_month_review(unit, month) is not None


# --- Events --------------------------------------------------------------------------------------------------------


def _settled():
    """Events written before this instant only: every transaction that took an id below theirs has ended by then
    (transactions here are a request's or a job part's, seconds long), so a cursor never passes an event that
    commits later. ``at`` is the real time of writing, never the pinned clock of tests."""
    from datetime import datetime, timedelta, timezone
    from flask import current_app
    return datetime.now(timezone.utc) - timedelta(seconds=float(current_app.config["API_EVENTS_SETTLE_SECONDS"]))


def events_page(client: ApiClient, after: int, limit: int) -> tuple[list, int | None]:
    """The audit events the feed shows, filed under the client's units, by id after ``after``, each with what
    its object says (the month, the year, the round, the assignment) joined in the same statement.

    The cursor is the primary key and the actions those of the partial index ix_audit_event_feed (models/audit.py),
    so a poll reads the feed's events only, not the whole trail since its cursor."""
    scope = api_unit_scope_clause(client, Unit.path)
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.action, AuditEvent.at, AuditEvent.unit_id, AuditEvent.object_id,
               MonthReview.month, YearReview.year, PromotionRound.name.label("round_name"),
               PromotionRound.reference_date, Assignment.person_id, Assignment.department_id, Assignment.post_id,
               Assignment.valid_from)
        .join(Unit, Unit.id == AuditEvent.unit_id)
        .outerjoin(MonthReview, and_(AuditEvent.object_type == "month_review", MonthReview.id == AuditEvent.object_id))
        .outerjoin(YearReview, and_(AuditEvent.object_type == "year_review", YearReview.id == AuditEvent.object_id))
        .outerjoin(PromotionRound, and_(AuditEvent.object_type == "promotion_round",
                                        PromotionRound.id == AuditEvent.object_id))
        .outerjoin(Assignment, and_(AuditEvent.object_type == "assignment", Assignment.id == AuditEvent.object_id))
        .where(AuditEvent.action.in_(list(EVENT_ACTIONS)), AuditEvent.id > after, AuditEvent.at <= _settled(), scope)
        .order_by(AuditEvent.id).limit(limit + 1)).all()
    decisions = db.session.execute(
        select(AuditEvent.id, AuditEvent.action, AuditEvent.at, AuditEvent.unit_id, AuditEvent.object_id,
               PersonnelDecision.person_id.label("decision_person_id"), PersonnelDecision.kind.label("decision_kind"),
               PersonnelDecision.outcome, PersonnelDecision.decided_on.label("decision_decided_on"),
               PersonnelDecision.reference.label("decision_reference"), PersonnelDecision.round_id,
               PersonnelDecision.year.label("decision_year"), Honour.person_id.label("honour_person_id"),
               Honour.kind.label("honour_kind"), Honour.title, Honour.year.label("honour_year"),
               Honour.decided_on.label("honour_decided_on"), Honour.reference.label("honour_reference"),
               Honour.revoked_at)
        .join(Unit, Unit.id == AuditEvent.unit_id)
        .outerjoin(PersonnelDecision, and_(AuditEvent.object_type == "personnel_decision",
                                           PersonnelDecision.id == AuditEvent.object_id))
        .outerjoin(Honour, and_(AuditEvent.object_type == "honour", Honour.id == AuditEvent.object_id))
        .where(AuditEvent.object_type.in_(["personnel_decision", "honour"]),
               AuditEvent.action.in_(list(DECISION_EVENT_ACTIONS)), AuditEvent.id > after,
               AuditEvent.at <= _settled(), scope)
        .order_by(AuditEvent.id).limit(limit + 1)).all()
    merged = sorted([*rows, *decisions], key=lambda row: row.id)[:limit + 1]
    return _keyset(merged, limit, lambda row: row.id)
