"""Reminders sent on a schedule (``flask notifications remind``, run from cron): a day not yet submitted near its
deadline, an appeal window about to close, a survey follow-up or a rectification near its deadline.

Each reminder carries a key (what it is about) that a person holds once (``Notification.key`` is unique per
person), so the schedule may run as often as the operator likes: a second run sends nothing new.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select

from models import (Appeal, Assignment, DayLog, DayStatus, Finding, MonthReview, MonthStatus, Person,
                    Rectification, RectificationStatus, RoleGrant, SurveyCall, SurveyContact, SurveyFollowUp, Unit,
                    YearAppeal, YearReview)
from worklog import timekeeping
from worklog.extensions import db
from worklog.notifications.events import people_with_results, period_of, result_page
from worklog.notifications.services import Message, tell
from worklog.permissions import FOLLOW_UP_ROLES, RECTIFICATION_ROLES
from worklog.rules import calendar as cal_rules


def remind(now: datetime | None = None) -> dict[str, int]:
    """Every reminder due at ``now`` (default: the clock): {kind: notifications written}. The caller commits."""
    now = now or timekeeping.now()
    return {"day_not_submitted": days_not_submitted(now), "appeal_closing": appeals_closing(now),
            "follow_up_due": follow_ups_due(now), "rectification_due_soon": rectifications_due(now)}


def _local(now: datetime) -> datetime:
    return now.astimezone(timekeeping.tz())


# --- A day not yet submitted ------------------------------------------------------------------------------------------


def _reminder_time() -> time:
    hour, minute = (int(x) for x in current_app.config["DAY_REMINDER_AT"].split(":"))
    return time(hour, minute)


def days_due(now: datetime) -> list[tuple[date, datetime]]:
    """The working days whose reminder time (DAY_REMINDER_AT on the day itself) has come and whose deadline has
    not passed: (day, deadline), oldest first."""
    today = _local(now).date()
    since = today - timedelta(days=14)  # a deadline after the longest holiday still lies ahead
    overrides = timekeeping.overrides(since, today)
    hour, minute = (int(x) for x in current_app.config["DAY_DEADLINE"].split(":"))
    found = []
    for day in cal_rules.working_days(since, today, overrides):
        deadline = cal_rules.submission_deadline(day, overrides, time(hour, minute), timekeeping.tz())
        if datetime.combine(day, _reminder_time(), tzinfo=timekeeping.tz()) <= now < deadline:
            found.append((day, deadline))
    return found


def days_not_submitted(now: datetime) -> int:
    made = 0
    for day, deadline in days_due(now):
        covering = and_(Assignment.valid_from <= day, or_(Assignment.valid_to.is_(None), Assignment.valid_to >= day))
        submitted = select(DayLog.person_id).where(DayLog.work_date == day,
                                                   DayLog.status == DayStatus.submitted.value)
        people = db.session.scalars(
            select(Person).where(Person.active.is_(True), Person.id.in_(select(Assignment.person_id).where(covering)),
                                 Person.id.not_in(submitted)).order_by(Person.id))
        params = {"day": day.isoformat(), "deadline": deadline.strftime("%Y-%m-%d %H:%M")}
        made += len(tell("day_not_submitted", [Message(person, params, {"day": day.isoformat()},
                                                       key=f"day:{day.isoformat()}") for person in people]))
    return made


# --- The appeal window closing ---------------------------------------------------------------------------------------


def appeals_closing(now: datetime) -> int:
    """The officers with a result in a published month or year whose appeal window ends within
    APPEAL_REMINDER_DAYS days (the last day included), who have not appealed it."""
    today = _local(now).date()
    last = today + timedelta(days=int(current_app.config["APPEAL_REMINDER_DAYS"]))
    made = 0
    for model, appeal, column in ((MonthReview, Appeal, Appeal.month_review_id),
                                  (YearReview, YearAppeal, YearAppeal.year_review_id)):
        reviews = db.session.scalars(select(model).where(
            model.status == MonthStatus.published.value, model.appeal_deadline >= today,
            model.appeal_deadline <= last).order_by(model.id))
        for review in reviews:
            appealed = set(db.session.scalars(select(appeal.person_id).where(column == review.id)))
            unit = db.session.get(Unit, review.unit_id)
            endpoint, args = result_page(review)
            scope = "year" if model is YearReview else "month"
            params = {"period": period_of(review), "scope": scope, "unit": unit.name,
                      "deadline": review.appeal_deadline.isoformat()}
            made += len(tell("appeal_closing", [
                Message(person, params, args, key=f"appeal:{scope}:{review.id}:{review.appeal_deadline.isoformat()}")
                for person in people_with_results(review) if person.id not in appealed], endpoint))
    return made


# --- Follow-ups and rectifications near their deadline -------------------------------------------------------------


def _unit_side(unit_ids: set[int], roles) -> dict[int, list[Person]]:
    """The active people granted one of ``roles`` at each unit itself: {unit id: people}, in one query."""
    told: dict[int, list[Person]] = {}
    if not unit_ids:
        return told
    for unit_id, person in db.session.execute(
            select(RoleGrant.unit_id, Person).join(Person, Person.id == RoleGrant.person_id)
            .where(RoleGrant.unit_id.in_(unit_ids), RoleGrant.role.in_([r.value for r in roles]),
                   Person.active.is_(True)).order_by(Person.id)):
        if person not in told.setdefault(unit_id, []):
            told[unit_id].append(person)
    return told


def _due_window(now: datetime) -> tuple[date, date]:
    today = _local(now).date()
    return today, today + timedelta(days=int(current_app.config["DUE_REMINDER_DAYS"]))


def follow_ups_due(now: datetime) -> int:
    """A follow-up without a reply whose deadline is today or within DUE_REMINDER_DAYS: its unit's panel and
    administrators."""
    first, last = _due_window(now)
    rows = db.session.execute(
        select(SurveyFollowUp, SurveyContact.kind, Unit.name).join(SurveyCall, SurveyCall.id == SurveyFollowUp.call_id)
        .join(SurveyContact, SurveyContact.id == SurveyCall.contact_id).join(Unit, Unit.id == SurveyFollowUp.unit_id)
        .where(SurveyFollowUp.replied_at.is_(None), SurveyFollowUp.escalated_at.is_(None),
               SurveyFollowUp.deadline >= first, SurveyFollowUp.deadline <= last)
        .order_by(SurveyFollowUp.id)).all()
    told = _unit_side({f.unit_id for f, _k, _u in rows}, FOLLOW_UP_ROLES)
    messages = [Message(person, {"kind": kind, "unit": unit_name, "deadline": follow_up.deadline.isoformat()},
                        {"follow_up_id": follow_up.id}, key=f"follow_up:{follow_up.id}:{follow_up.deadline}")
                for follow_up, kind, unit_name in rows for person in told.get(follow_up.unit_id, [])]
    return len(tell("follow_up_due", messages, "survey.follow_up_page"))


def rectifications_due(now: datetime) -> int:
    """A rectification not accepted (nor waiting for the inspector's verdict) whose deadline is today or within
    DUE_REMINDER_DAYS: its unit's panel and administrators."""
    first, last = _due_window(now)
    rows = db.session.execute(
        select(Rectification, Finding.category).join(Finding, Finding.id == Rectification.finding_id)
        .where(Rectification.status.in_([RectificationStatus.open.value, RectificationStatus.returned.value]),
               Rectification.escalated_at.is_(None), Finding.voided_at.is_(None),
               Rectification.deadline >= first, Rectification.deadline <= last)
        .order_by(Rectification.id)).all()
    told = _unit_side({r.unit_id for r, _c in rows}, RECTIFICATION_ROLES)
    messages = [Message(person, {"finding": r.finding_id, "category": category, "deadline": r.deadline.isoformat()},
                        {"finding_id": r.finding_id}, key=f"rectification:{r.id}:{r.deadline}")
                for r, category in rows for person in told.get(r.unit_id, [])]
    return len(tell("rectification_due_soon", messages, "inspection.finding_page"))
