"""The survey's state changes and the queries they share: draws, calls, follow-ups and erasure.

Every function that changes something checks the actor's scope, writes an audit event and flushes; the
request commits. No audit event ever holds a phone number.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
import secrets

from flask import current_app
from flask_babel import format_date, gettext as _
from sqlalchemy import and_, case, exists, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, selectinload

from models import (REACHED, AdjustmentKind, Assignment, CallOutcome, ContactKind, Department, EvaluationStatus,
                    Finding, MonthAdjustment, Person, Role, RoleGrant, SurveyCall, SurveyContact, SurveyDraw,
                    SurveyFollowUp, SurveyPraise, Unit, UnitEvaluationRun)
from worklog import audit, timekeeping
from worklog.errors import Conflict, ServiceError
from worklog.extensions import db
from worklog.rulesets.queries import values_on
from worklog.errors import NotAllowed, OutOfScope
from worklog.permissions import (FOLLOW_UP_ROLES, may_commend, may_reply, may_see_follow_up,  # noqa: F401
                                 may_see_praise, may_turn_into_finding, may_verify, surveys, unit_scope_clause)
from worklog.web import after_this_transaction
from worklog.rules import sampling
from worklog.survey import phones
from worklog.notifications import notify

#: The PostgreSQL advisory lock that serialises draws.
DRAW_LOCK = 7_110_119_122

#: Who sees a unit's follow-ups: the unit side answers them, the survey staff read them.
#: Who answers a unit's follow-ups (the rule is in worklog/permissions.py).
UNIT_SIDE = FOLLOW_UP_ROLES


# --- Scope ---------------------------------------------------------------------------------------------------


def survey_units(actor: Person) -> list[Unit]:
    """Every active unit the actor surveys: their grants' units and all units under them."""
    return list(db.session.scalars(select(Unit).where(unit_scope_clause(actor, Role.survey), Unit.active)
                                   .order_by(Unit.path)))


def call_in_scope(actor: Person, call_id: int) -> SurveyCall:
    """Load → check: a call outside the actor's survey scope is missing (404)."""
    call = db.session.get(SurveyCall, call_id)
    if call is None or not surveys(actor, call.draw.unit):
        raise OutOfScope()
    return call


def draw_in_scope(actor: Person, draw_id: int) -> SurveyDraw:
    draw = db.session.get(SurveyDraw, draw_id)
    if draw is None or not surveys(actor, draw.unit):
        raise OutOfScope()
    return draw


def follow_up_in_scope(actor: Person, follow_up_id: int) -> SurveyFollowUp:
    follow_up = db.session.get(SurveyFollowUp, follow_up_id)
    if not may_see_follow_up(actor, follow_up):
        raise OutOfScope()
    return follow_up


# --- The draw --------------------------------------------------------------------------------------------------


def _month_range(month: date) -> tuple[date, date]:
    return timekeeping.month_bounds(month)


def retention_cutoff(today: date) -> date:
    """Contacts of an earlier day are past the retention period: erased, or to be erased."""
    return today - timedelta(days=current_app.config["CONTACT_RETENTION_DAYS"])


def past_retention(contact: SurveyContact, today: date | None = None) -> bool:
    """Erased, or old enough to be, though the erase command may not have run yet: no number shown."""
    return contact.erased_at is not None or contact.contact_date < retention_cutoff(today or timekeeping.today())


def candidates(unit_id: int, kind: str, month: date, as_of: datetime | None = None) -> list[tuple[int, str]]:
    """(contact id, phone hash) of the unit's contacts of that kind and month that can be called: not erased
    nor past the retention period; and, ``as_of`` a moment, those imported by then and neither erased nor past
    the retention period at that moment (a hash of None: the number has been erased since)."""
    first, last = _month_range(month)
    query = select(SurveyContact.id, SurveyContact.phone_hash).where(
        SurveyContact.unit_id == unit_id, SurveyContact.kind == kind,
        SurveyContact.contact_date >= first, SurveyContact.contact_date <= last)
    if as_of is None:
        query = query.where(SurveyContact.erased_at.is_(None), SurveyContact.phone_hash.is_not(None),
                            SurveyContact.contact_date >= retention_cutoff(timekeeping.today()))
    else:
        query = query.where(SurveyContact.imported_at <= as_of,
                            or_(SurveyContact.erased_at.is_(None), SurveyContact.erased_at > as_of),
                            SurveyContact.contact_date >= retention_cutoff(
                                as_of.astimezone(timekeeping.tz()).date()))
    return [(contact_id, phone_hash) for contact_id, phone_hash in db.session.execute(query.order_by(SurveyContact.id))]


def _recent_query(as_of: datetime, days: int, before_draw: SurveyDraw | None = None):
    """The phone hashes (None when erased) of the calls that keep a person out of a draw made at ``as_of``:
    those called within ``days`` before it, or, not called by then, drawn within ``days`` before it."""
    if before_draw is None:
        # Now: every call made so far counts from when it was made, every call to make from its draw.
        since = func.coalesce(SurveyCall.called_at, SurveyDraw.drawn_at)
        made_before = SurveyDraw.drawn_at <= as_of
    else:
        # As ``before_draw`` saw them: the draws made before it (by time, then by id), a call counting from
        # when it was made only if it had been made by then.
        since = case((SurveyCall.called_at <= as_of, SurveyCall.called_at), else_=SurveyDraw.drawn_at)
        made_before = or_(SurveyDraw.drawn_at < as_of, and_(SurveyDraw.drawn_at == as_of,
                                                            SurveyDraw.id < before_draw.id))
    return (select(SurveyContact.phone_hash).join(SurveyCall, SurveyCall.contact_id == SurveyContact.id)
            .join(SurveyDraw, SurveyDraw.id == SurveyCall.draw_id)
            .where(made_before, since >= as_of - timedelta(days=days)))


def recent_hashes(as_of: datetime, days: int, before_draw: SurveyDraw | None = None) -> set[str]:
    """Phones called within ``days`` before ``as_of``, or drawn within them and not called yet: nobody is
    called twice within the no-repeat period, however long ago they were drawn. With ``before_draw``, as that
    draw saw them when it was made."""
    return set(db.session.scalars(_recent_query(as_of, days, before_draw)
                                  .where(SurveyContact.phone_hash.is_not(None))))


def existing_draw(unit_id: int, kind: str, month: date) -> SurveyDraw | None:
    return db.session.scalar(select(SurveyDraw).where(SurveyDraw.unit_id == unit_id, SurveyDraw.kind == kind,
                                                      SurveyDraw.month == month.replace(day=1)))


def make_draw(unit: Unit, kind: str, month: date, sample_size: int | None, actor: Person) -> SurveyDraw:
    """Draw the people to call for a unit, a kind of contact and a month, with a fresh seed that is kept."""
    if not surveys(actor, unit):
        raise OutOfScope()
    if kind not in {k.value for k in ContactKind}:
        raise ServiceError(_("Choose a kind of contact."), "kind")
    month = month.replace(day=1)
    today = timekeeping.today()
    if month > today.replace(day=1):
        raise ServiceError(_("The month has not begun yet."), "month")
    if month == today.replace(day=1):
        # One draw per unit, kind and month: drawn now, the rest of the month's contacts could never be.
        raise ServiceError(_("The month is not over yet: its contacts can be drawn from the 1st of next month."),
                           "month")
    if _evaluation_final(month):
        raise Conflict(_("The units' evaluation counting this month is final: no draw can be made for it."))
    rules = values_on(today)
    size = rules.survey_sample_size if sample_size is None else sample_size
    if not 1 <= size <= 1000:
        raise ServiceError(_("The sample size must be between 1 and 1000."), "sample_size")
    if existing_draw(unit.id, kind, month) is not None:
        raise ServiceError(_("This unit's contacts of this kind have already been drawn for this month. "
                             "A draw cannot be repeated."), "month")
    if db.session.get_bind().dialect.name == "postgresql":
        # One draw at a time: two draws for different units at once would not see each other's people and
        # could both pick the same phone. (SQLite's write transactions are serial already.)
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DRAW_LOCK})
    now = timekeeping.now()
    pool = candidates(unit.id, kind, month)
    if not pool:
        raise ServiceError(_("There are no contacts of this kind for this unit and month to draw from."), "month")
    recent = recent_hashes(now, rules.survey_no_repeat_days)
    eligible = sum(1 for _id, h in pool if h not in recent)
    if not eligible:
        # Drawing nobody would use up the month's one draw.
        raise ServiceError(_("Everybody among these contacts was drawn within the last %(days)d days; nobody "
                             "can be drawn.", days=rules.survey_no_repeat_days), "month")
    seed = secrets.randbits(62)
    drawn = sampling.draw(pool, size, seed, recent)
    draw = SurveyDraw(unit_id=unit.id, kind=kind, month=month, sample_size=size, seed=seed, candidates=len(pool),
                      eligible=eligible,
                      no_repeat_days=rules.survey_no_repeat_days, drawn_by_id=actor.id, drawn_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(draw)
            db.session.flush()
            db.session.add_all(SurveyCall(draw_id=draw.id, contact_id=contact_id, position=position)
                               for position, contact_id in enumerate(drawn, start=1))
            db.session.flush()
    except IntegrityError:
        # Someone drew the same unit, kind and month at the same moment.
        raise Conflict(_("Someone else drew this unit's contacts of this kind for this month at the same time."))
    audit.record(actor, "survey.drawn", "survey_draw", draw.id, unit_id=unit.id,
                 after={"kind": kind, "month": month.isoformat(), "sample_size": size, "seed": seed,
                        "candidates": draw.candidates, "eligible": draw.eligible, "drawn": len(drawn),
                        "no_repeat_days": draw.no_repeat_days})
    return draw


def reproduce(draw: SurveyDraw) -> bool | None:
    """Does the stored seed, applied to the contacts and recent calls as they were when the draw was made,
    give exactly the stored calls in their order? None when that can no longer be checked: a candidate's
    number, or that of somebody who kept a person out, has since been erased."""
    pool = candidates(draw.unit_id, draw.kind, draw.month, as_of=draw.drawn_at)
    if any(phone_hash is None for _id, phone_hash in pool):
        return None
    hashes = set(db.session.scalars(_recent_query(draw.drawn_at, draw.no_repeat_days, before_draw=draw)))
    if None in hashes:
        return None
    recent = hashes
    again = sampling.draw(pool, draw.sample_size, draw.seed, recent)
    stored = [contact_id for contact_id, in db.session.execute(
        select(SurveyCall.contact_id).where(SurveyCall.draw_id == draw.id).order_by(SurveyCall.position))]
    return again == stored


def draw_progress(draw_ids: list[int]) -> dict[int, tuple[int, int]]:
    """{draw id: (called, drawn)}."""
    if not draw_ids:
        return {}
    rows = db.session.execute(
        select(SurveyCall.draw_id, func.count(SurveyCall.outcome), func.count())
        .where(SurveyCall.draw_id.in_(draw_ids)).group_by(SurveyCall.draw_id))
    return {draw_id: (called, total) for draw_id, called, total in rows}


# --- Calls -----------------------------------------------------------------------------------------------------


def show_number(call: SurveyCall, actor: Person) -> str | None:
    """The full number, for the calling view only. Every showing is audited, without the number."""
    if not surveys(actor, call.draw.unit):
        raise OutOfScope()
    contact = call.contact
    number = None if past_retention(contact) else phones.decrypt(contact.phone_cipher)
    if number is not None:
        # Kept whatever becomes of the request (a refused form shows the number again).
        actor_id, call_id, unit_id, contact_id = actor.id, call.id, contact.unit_id, contact.id
        after_this_transaction(lambda: audit.record(
            db.session.get(Person, actor_id), "survey.number_shown", "survey_call", call_id, unit_id=unit_id,
            after={"contact": contact_id}))
        return phones.InFull(number)  # the pages mask every other number they are given
    return number


def record_outcome(call: SurveyCall, outcome: str, comment: str, actor: Person,
                   version: int | None = None) -> SurveyCall:
    """Record what the person called said. Final: a recorded call is never recorded again. A dissatisfied
    answer becomes a follow-up for the contact's unit."""
    if not surveys(actor, call.draw.unit):
        raise OutOfScope()
    if version is not None and version != call.version:
        raise Conflict(_("Someone else recorded this call at the same time. Reload the page."))
    if call.outcome is not None:
        raise Conflict(_("This call has already been recorded; its outcome is final."))
    if past_retention(call.contact):
        raise ServiceError(_("This contact's details have been erased at the end of the retention period; "
                             "the call cannot be made."))
    if _evaluation_final(call.draw.month):
        raise Conflict(_("The units' evaluation counting this month is final: its calls can no longer be "
                         "recorded."))
    if outcome not in {o.value for o in CallOutcome}:
        raise ServiceError(_("Choose the outcome of the call."), "outcome")
    comment = phones.redact((comment or "").strip())  # the unit reads it: never a phone number
    if len(comment) > 1000:
        raise ServiceError(_("At most %(n)d characters.", n=1000), "comment")
    _require_complaint(outcome, comment)
    now = timekeeping.now()
    call.outcome, call.comment, call.called_by_id, call.called_at = outcome, comment, actor.id, now
    db.session.flush()  # the version check: a second recorder at the same moment gets StaleDataError (409)
    audit.record(actor, "survey.called", "survey_call", call.id, unit_id=call.contact.unit_id,
                 after={"outcome": outcome, "comment": bool(comment)})
    if outcome == CallOutcome.dissatisfied.value:
        _open_follow_up(call, actor, now)
    return call


def _require_complaint(outcome: str, comment: str) -> None:
    """A dissatisfied answer goes to the unit as a follow-up: without what the person was dissatisfied with,
    the unit has nothing to look into."""
    if outcome == CallOutcome.dissatisfied.value and not comment:
        raise ServiceError(_("Say what the person was dissatisfied with: the unit follows it up."), "comment")


def _open_follow_up(call: SurveyCall, actor: Person, now: datetime) -> SurveyFollowUp:
    """A dissatisfied answer goes to the contact's unit, due in the rule set's working days."""
    local_day = now.astimezone(timekeeping.tz()).date()
    follow_up = SurveyFollowUp(call_id=call.id, unit_id=call.contact.unit_id, created_at=now,
                               deadline=timekeeping.working_days_after(local_day, values_on(local_day).follow_up_days))
    db.session.add(follow_up)
    db.session.flush()
    audit.record(actor, "survey.follow_up_opened", "survey_follow_up", follow_up.id,
                 unit_id=follow_up.unit_id, after={"call": call.id, "deadline": follow_up.deadline.isoformat()})
    _tell_the_unit(follow_up, call.contact.kind)
    return follow_up


def _tell_the_unit(follow_up: SurveyFollowUp, kind: str) -> None:
    """A notification to the people who answer for the unit itself (its panel and administrators, not those
    of the whole province): what kind of contact, and by when. Nothing personal."""
    people = db.session.scalars(select(Person).join(RoleGrant, RoleGrant.person_id == Person.id).where(
        RoleGrant.unit_id == follow_up.unit_id, RoleGrant.role.in_([role.value for role in UNIT_SIDE]),
        Person.active.is_(True)).distinct())
    for person in people:
        notify(person, "survey_follow_up", {"kind": kind, "deadline": follow_up.deadline.isoformat()},
               "survey.follow_up_page", follow_up_id=follow_up.id)


def _evaluation_final(month: date) -> bool:
    """Is a units' evaluation that counts this month's calls sealed (the month's, or its year's)?"""
    return db.session.scalar(select(func.count()).select_from(UnitEvaluationRun).where(
        UnitEvaluationRun.status == EvaluationStatus.final.value,
        or_(and_(UnitEvaluationRun.annual.is_(False), UnitEvaluationRun.period == month),
            and_(UnitEvaluationRun.annual.is_(True), UnitEvaluationRun.period == date(month.year, 1, 1))))) > 0


def correct_outcome(call: SurveyCall, outcome: str, comment: str, reason: str, actor: Person,
                    version: int | None = None) -> SurveyCall:
    """Put right an outcome recorded by mistake, with a reason, in the audit trail with both outcomes.

    Refused once a units' evaluation counting the month is final (its figures are sealed), and away from
    "dissatisfied" once the unit has answered the follow-up (the answer stays on record). A correction to
    "dissatisfied" opens a follow-up; one away from it withdraws the follow-up not yet answered."""
    if not surveys(actor, call.draw.unit):
        raise OutOfScope()
    if version is not None and version != call.version:
        raise Conflict(_("Someone else changed this call since you opened it. Reload the page."))
    if call.outcome is None:
        raise ServiceError(_("This call has not been recorded yet: record it from the calling view."))
    if outcome not in {o.value for o in CallOutcome}:
        raise ServiceError(_("Choose the outcome of the call."), "outcome")
    comment, reason = phones.redact((comment or "").strip()), (reason or "").strip()
    if len(comment) > 1000:
        raise ServiceError(_("At most %(n)d characters.", n=1000), "comment")
    _require_complaint(outcome, comment)
    if not reason:
        raise ServiceError(_("Give the reason for the correction."), "reason")
    if len(reason) > 500:
        raise ServiceError(_("At most %(n)d characters.", n=500), "reason")
    if outcome == call.outcome and comment == call.comment:
        raise ServiceError(_("Nothing to correct: the outcome and the comment are as recorded."), "outcome")
    if _evaluation_final(call.draw.month):
        raise Conflict(_("The units' evaluation counting this month is final: its calls can no longer be "
                         "corrected."))
    follow_up = call.follow_up
    dissatisfied = CallOutcome.dissatisfied.value
    if follow_up is not None and outcome != dissatisfied and follow_up.replied_at is not None:
        raise ServiceError(_("The unit has already answered this dissatisfied caller; the outcome stays as "
                             "recorded."), "outcome")
    if follow_up is not None and outcome != dissatisfied and (
            follow_up.escalated_at is not None
            or db.session.scalar(select(Finding.id).where(Finding.follow_up_id == follow_up.id)) is not None):
        # The unit above was told of it, or a finding names it: withdrawing it would leave them pointing nowhere.
        raise ServiceError(_("This dissatisfied caller's case has gone to the unit above or become a finding; the "
                             "outcome stays as recorded."), "outcome")
    before = {"outcome": call.outcome, "comment": phones.redact(call.comment)}
    call.outcome, call.comment = outcome, comment
    db.session.flush()
    if follow_up is not None and outcome != dissatisfied:
        audit.record(actor, "survey.follow_up_withdrawn", "survey_follow_up", follow_up.id,
                     unit_id=follow_up.unit_id, reason=reason, after={"call": call.id})
        db.session.delete(follow_up)
        db.session.flush()
    elif follow_up is None and outcome == dissatisfied:
        _open_follow_up(call, actor, timekeeping.now())
    audit.record(actor, "survey.outcome_corrected", "survey_call", call.id, unit_id=call.contact.unit_id,
                 before=before, after={"outcome": outcome, "comment": comment}, reason=reason)
    return call


# --- Follow-ups ------------------------------------------------------------------------------------------------


def reply(follow_up: SurveyFollowUp, text: str, actor: Person, version: int | None = None) -> SurveyFollowUp:
    """The unit's reply to a dissatisfied answer. Final once given."""
    if not may_see_follow_up(actor, follow_up):
        raise OutOfScope()
    if not may_reply(actor, follow_up):
        raise NotAllowed()
    if version is not None and version != follow_up.version:
        raise Conflict(_("Someone else replied to this follow-up at the same time. Reload the page."))
    if follow_up.replied_at is not None:
        raise Conflict(_("This follow-up has already been answered; the reply is final."))
    text = phones.redact((text or "").strip())  # the survey staff read it too: never a phone number
    if not text:
        raise ServiceError(_("Write the reply."), "reply")
    if len(text) > 2000:
        raise ServiceError(_("At most %(n)d characters.", n=2000), "reply")
    follow_up.reply, follow_up.replied_by_id, follow_up.replied_at = text, actor.id, timekeeping.now()
    db.session.flush()
    audit.record(actor, "survey.follow_up_replied", "survey_follow_up", follow_up.id, unit_id=follow_up.unit_id,
                 after={"late": timekeeping.today() > follow_up.deadline})
    return follow_up


def follow_up_scope_clause(actor: Person):
    """SQL condition on the follow-up (its unit joined as Unit): the actor answers or reads it, or it was
    escalated to a unit the actor answers for (the same rule as :func:`may_see_follow_up`)."""
    above = aliased(Unit)
    escalated_here = SurveyFollowUp.escalated_to_id.in_(
        select(above.id).where(or_(*(unit_scope_clause(actor, role, above.path) for role in UNIT_SIDE))))
    return or_(*(unit_scope_clause(actor, role) for role in UNIT_SIDE + (Role.survey, Role.inspector)),
               escalated_here)


#: A follow-up's states, as its list shows and filters them.
FOLLOW_UP_STATES = ("waiting", "overdue", "replied", "resolved", "not_resolved")


def follow_up_state(follow_up: SurveyFollowUp, today: date) -> str:
    """Waiting for the unit's reply, overdue (no reply by the deadline), replied (the survey staff call back),
    resolved or not resolved (as the call back found)."""
    if follow_up.verified is not None:
        return follow_up.verified
    if follow_up.replied_at is not None:
        return "replied"
    return "overdue" if follow_up.deadline < today else "waiting"


def follow_up_state_clause(state: str, today: date):
    """SQL condition for :func:`follow_up_state` (None: any state; "open": not replied yet, overdue or not)."""
    replied, verified = SurveyFollowUp.replied_at, SurveyFollowUp.verified
    return {
        "open": replied.is_(None),
        "waiting": and_(replied.is_(None), SurveyFollowUp.deadline >= today),
        "overdue": and_(replied.is_(None), SurveyFollowUp.deadline < today),
        "replied": and_(replied.is_not(None), verified.is_(None)),
        "resolved": verified == "resolved",
        "not_resolved": verified == "not_resolved",
        "escalated": SurveyFollowUp.escalated_at.is_not(None),
    }.get(state)


# --- The call back and escalation -------------------------------------------------------------------------------

#: The two answers of the call back.
VERIFIED = ("resolved", "not_resolved")


def verify(follow_up: SurveyFollowUp, data: dict, actor: Person, version: int | None = None) -> SurveyFollowUp:
    """The survey staff's call back once the unit has replied: did the person find the matter resolved?

    Final once recorded, like the call's outcome and the unit's reply: it is what the person said on a call, and
    "not resolved" has already gone to the unit above, whose people were told. Not resolved needs what the person
    said; it escalates at once to the unit above."""
    if not may_see_follow_up(actor, follow_up):
        raise OutOfScope()
    if not may_verify(actor, follow_up):
        raise NotAllowed()
    if version is not None and version != follow_up.version:
        raise Conflict(_("Someone else recorded the call back on this follow-up at the same time. Reload the page."))
    if follow_up.verified is not None:
        raise Conflict(_("The call back on this follow-up has already been recorded; it is final."))
    if follow_up.replied_at is None:
        raise ServiceError(_("The unit has not replied yet: the person is called back once it has."))
    verified = data.get("verified")
    if verified not in VERIFIED:
        raise ServiceError(_("Choose whether the matter is resolved."), "verified")
    comment = phones.redact((data.get("comment") or "").strip())  # the unit reads it: never a phone number
    if len(comment) > 1000:
        raise ServiceError(_("At most %(n)d characters.", n=1000), "comment")
    if verified == "not_resolved" and not comment:
        raise ServiceError(_("Say what is still not resolved: the unit above follows it up."), "comment")
    now = timekeeping.now()
    follow_up.verified, follow_up.verify_comment = verified, comment
    follow_up.verified_by_id, follow_up.verified_at = actor.id, now
    db.session.flush()  # the version check: a second call back at the same moment gets StaleDataError (409)
    audit.record(actor, "survey.follow_up_verified", "survey_follow_up", follow_up.id, unit_id=follow_up.unit_id,
                 after={"verified": verified, "comment": bool(comment)})
    if verified == "not_resolved":
        escalate(follow_up, "not_resolved", actor, now)
    return follow_up


def escalate(follow_up: SurveyFollowUp, cause: str, actor: Person | None, now: datetime,
             told: dict[int, list[Person]] | None = None) -> bool:
    """Send a follow-up to the unit above its unit, as an overdue rectification goes: recorded, audited, and its
    panel and administrators told. Once only; a unit with none above keeps it. ``told``: the people who answer
    for each unit, read beforehand for many follow-ups at once. Returns whether it was escalated."""
    if follow_up.escalated_at is not None:
        return False
    above = follow_up.unit.parent
    if above is None:
        return False
    follow_up.escalated_to_id, follow_up.escalated_at = above.id, now
    db.session.flush()
    audit.record(actor, "survey.follow_up_escalated", "survey_follow_up", follow_up.id, unit_id=follow_up.unit_id,
                 after={"escalated_to": above.name, "cause": cause})
    people = (told if told is not None else _answering([above.id])).get(above.id, [])
    for person in people:
        notify(person, "survey_follow_up_escalated",
               {"kind": follow_up.call.contact.kind, "unit": follow_up.unit.name, "cause": cause,
                "deadline": follow_up.deadline.isoformat()},
               "survey.follow_up_page", follow_up_id=follow_up.id)
    return True


def _answering(unit_ids: list[int]) -> dict[int, list[Person]]:
    """The people who answer for each unit itself (its panel and administrators, not those of the units above):
    {unit id: people}, in one query."""
    rows = db.session.execute(
        select(RoleGrant.unit_id, Person).join(Person, Person.id == RoleGrant.person_id)
        .where(RoleGrant.unit_id.in_(unit_ids), RoleGrant.role.in_([role.value for role in UNIT_SIDE]),
               Person.active.is_(True)).order_by(RoleGrant.unit_id, Person.id))
    found: dict[int, list[Person]] = {}
    for unit_id, person in rows:
        if person not in found.setdefault(unit_id, []):
            found[unit_id].append(person)
    return found


def overdue_clause(today: date):
    """Follow-ups not answered by their deadline and not escalated yet."""
    return and_(SurveyFollowUp.replied_at.is_(None), SurveyFollowUp.deadline < today,
                SurveyFollowUp.escalated_at.is_(None))


def escalate_overdue(today: date, actor: Person | None = None) -> tuple[int, int]:
    """Escalate every follow-up past its deadline without a reply to the unit above. Running again escalates
    nothing more. Returns (escalated, kept: no unit above)."""
    follow_ups = list(db.session.scalars(
        select(SurveyFollowUp).where(overdue_clause(today))
        .options(selectinload(SurveyFollowUp.unit).selectinload(Unit.parent),
                 selectinload(SurveyFollowUp.call).selectinload(SurveyCall.contact))
        .order_by(SurveyFollowUp.id)))
    told = _answering(sorted({f.unit.parent_id for f in follow_ups if f.unit.parent_id is not None}))
    now = timekeeping.now()
    escalated = sum(escalate(f, "overdue", actor, now, told) for f in follow_ups)
    return escalated, len(follow_ups) - escalated


# --- Praise heard on calls ---------------------------------------------------------------------------------------


def officer_of(unit: Unit, badge: str, day: date) -> Person:
    """The person with ``badge`` working on ``day`` in ``unit`` or a unit under it. One answer for a badge that
    does not exist and for one of another unit: naming the person would tell the name behind any badge."""
    badge = (badge or "").strip()
    person = db.session.scalar(
        select(Person).join(Assignment, Assignment.person_id == Person.id)
        .join(Department, Department.id == Assignment.department_id).join(Unit, Unit.id == Department.unit_id)
        .where(Person.badge == badge, Person.active.is_(True), Assignment.valid_from <= day,
               or_(Assignment.valid_to.is_(None), Assignment.valid_to >= day),
               Unit.path.startswith(unit.path, autoescape=True)).limit(1)) if badge else None
    if person is None:
        raise ServiceError(_("Nobody with badge number %(badge)s worked in %(unit)s or the units under it on "
                             "%(day)s.", badge=badge, unit=unit.name, day=format_date(day)), "badge")
    return person


def record_praise(call: SurveyCall, data: dict, actor: Person) -> SurveyPraise:
    """Praise the person called gave, naming an officer (by badge) where they did. Any call that reached
    somebody; the unit's panel may make it a commendation."""
    if not surveys(actor, call.draw.unit):
        raise OutOfScope()
    if call.outcome not in {o.value for o in REACHED}:
        raise ServiceError(_("Record the call's outcome first: praise is recorded from a call that reached "
                             "somebody."))
    text = phones.redact((data.get("text") or "").strip())  # the unit reads it: never a phone number
    if not text:
        raise ServiceError(_("Write what the person praised."), "text")
    if len(text) > 1000:
        raise ServiceError(_("At most %(n)d characters.", n=1000), "text")
    contact = call.contact
    person = officer_of(contact.unit, data["badge"], contact.contact_date) if (data.get("badge") or "").strip() \
        else None
    praise = SurveyPraise(call_id=call.id, unit_id=contact.unit_id, person_id=person.id if person else None,
                          text=text, recorded_by_id=actor.id, recorded_at=timekeeping.now())
    db.session.add(praise)
    db.session.flush()
    audit.record(actor, "survey.praise_recorded", "survey_praise", praise.id, unit_id=contact.unit_id,
                 after={"call": call.id, "person": person.badge if person else None})
    return praise


def praise_in_scope(actor: Person, praise_id: int) -> SurveyPraise:
    praise = db.session.get(SurveyPraise, praise_id)
    if not may_see_praise(actor, praise):
        raise OutOfScope()
    return praise


def praise_month(praise: SurveyPraise) -> date:
    """The month a commendation for the praise counts in: that of the call on which it was heard. (The contact's
    own month is over, and usually closed, by the time the survey calls: draws are made after it.)"""
    return praise.call.called_at.astimezone(timekeeping.tz()).date().replace(day=1)


def commend(praise: SurveyPraise, data: dict, actor: Person) -> MonthAdjustment:
    """The unit's panel makes praise heard on a call a commendation of the officer it named (or, naming
    nobody, whom the panel names), in the month of the call: the month must be open for grading and not final.
    Once per praise."""
    from worklog.monthly import services as monthly
    from worklog.permissions import home_unit
    if not may_see_praise(actor, praise):
        raise OutOfScope()
    if not may_commend(actor, praise):
        raise NotAllowed()
    if praise.adjustment_id is not None:
        raise Conflict(_("This praise has already been made a commendation."))
    contact = praise.call.contact
    badge = (data.get("badge") or "").strip()
    if praise.person is not None and (not badge or badge == praise.person.badge):
        person = praise.person
    elif badge:
        person = officer_of(praise.unit, badge, contact.contact_date)
    else:
        raise ServiceError(_("Give the badge number of the officer to commend."), "badge")
    month = praise_month(praise)
    if not monthly.month_over(month):
        raise ServiceError(_("%(month)s is not over yet: the commendation can be made once the panel has opened "
                             "it for grading, from %(day)s.", month=month.strftime("%Y-%m"),
                             day=format_date(monthly.opens_on(month))))
    unit = home_unit(person, timekeeping.month_bounds(month)[1])
    review = monthly.month_review(unit.id, month) if unit is not None else None
    if review is None:
        raise ServiceError(_("The panel of %(unit)s has not opened %(month)s for grading yet: open it on the "
                             "monthly review page, then make the commendation.",
                             unit=unit.name if unit else praise.unit.name, month=month.strftime("%Y-%m")))
    # add_adjustment refuses the rest: a final month, an officer the unit does not assess, oneself.
    adjustment = monthly.add_adjustment(review, person, {"kind": AdjustmentKind.commendation.value,
                                                         "points": data.get("points"),
                                                         "reason": (data.get("reason") or "").strip() or praise.text,
                                                         "evidence": data.get("evidence") or ""}, actor)
    # Once per praise, also when two panel members commend it at the same moment: the second changes no row.
    done = db.session.execute(
        update(SurveyPraise).where(SurveyPraise.id == praise.id, SurveyPraise.adjustment_id.is_(None))
        .values(adjustment_id=adjustment.id).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise Conflict(_("This praise has already been made a commendation."))
    db.session.expire(praise, ["adjustment_id"])
    audit.record(actor, "survey.praise_commended", "survey_praise", praise.id, unit_id=praise.unit_id,
                 after={"person": person.badge, "points": str(adjustment.points), "month": month.isoformat()})
    return adjustment


# --- Retention -------------------------------------------------------------------------------------------------


def expired_clause(today: date):
    return and_(SurveyContact.contact_date < retention_cutoff(today), SurveyContact.erased_at.is_(None))


def _called_recently(now: datetime, days: int):
    """SQL condition on a contact: it has a call made (or, not made yet, drawn) within ``days`` before now, so
    its phone hash still keeps the person out of draws."""
    return exists().where(SurveyCall.contact_id == SurveyContact.id, SurveyDraw.id == SurveyCall.draw_id,
                          func.coalesce(SurveyCall.called_at, SurveyDraw.drawn_at) >= now - timedelta(days=days))


def count_expired(today: date) -> int:
    return db.session.scalar(select(func.count()).select_from(SurveyContact).where(expired_clause(today)))


def erase_expired(today: date, actor: Person | None = None) -> int:
    """Clear the name, number and reference of every contact older than the retention period. Calls, answers
    and follow-ups stay. Erasing again erases nothing more. Returns how many contacts were erased.

    The hash of the number (which gives nothing back without the key) is kept while the contact has a call
    within the no-repeat period, so that erasure does not make the person drawable again too soon; a later
    run clears it once that period has passed."""
    now = timekeeping.now()
    days = values_on(today).survey_no_repeat_days
    still_blocking = _called_recently(now, days)
    result = db.session.execute(
        update(SurveyContact).where(expired_clause(today))
        .values(name="", reference="", phone_cipher=None, phone_last4="", erased_at=now,
                phone_hash=case((still_blocking, SurveyContact.phone_hash), else_=None))
        .execution_options(synchronize_session=False))
    erased = result.rowcount or 0
    cleared = db.session.execute(
        update(SurveyContact).where(SurveyContact.erased_at.is_not(None), SurveyContact.phone_hash.is_not(None),
                                    ~still_blocking)
        .values(phone_hash=None).execution_options(synchronize_session=False)).rowcount or 0
    kept = db.session.scalar(select(func.count()).select_from(SurveyContact).where(
        SurveyContact.erased_at.is_not(None), SurveyContact.phone_hash.is_not(None)))
    db.session.expire_all()
    audit.record(actor, "survey.contacts_erased", "survey_contact", None,
                 after={"erased": erased, "before": retention_cutoff(today).isoformat(),
                        "hashes_cleared_later": cleared, "hashes_kept": kept, "no_repeat_days": days})
    db.session.flush()
    return erased
