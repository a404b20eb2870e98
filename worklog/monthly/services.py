"""State changes of a unit's month. The panel records adjustments and vetoes, computes, publishes, decides
appeals and finalises; a final month is sealed until a recorded reopening.

Computing is set-based: a handful of aggregate queries for the whole unit, pure rule code for the scores
and grades (worklog/rules), one bulk insert of the results.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from flask import current_app
from flask_babel import format_date, gettext as _
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from models import (AdjustmentKind, Appeal, Assignment, DayLog, DayStatus, Department, Entry,
                    EntryStatus, MonthAdjustment, MonthResult, MonthReview, MonthStatus, Person, Post, RuleSet, Unit,
                    VetoEvent, utcnow)
from worklog import audit, integrity, locks, timekeeping
from worklog.cycle import Period
from worklog.errors import Conflict, ServiceError
from worklog.db import bulk_insert, json_value
from worklog.extensions import db
from worklog.indicators.queries import monthly_targets
from worklog.ledgers import services as ledgers
from worklog.rulesets.queries import rule_set_on
from worklog import permissions
from worklog import notifications
from worklog.rules import calendar as cal_rules
from worklog.rules.grading import GradeInput, QuotaExceeded, grade_group
from worklog.rules.ruleset import RuleValues, from_mapping
from worklog.rules.scoring import FindingDeduction, OfficerMonth, score_month

MAX_TEXT = 500
REVIEW_FIELDS = ("status", "reopened")


# --- Access and sealing -------------------------------------------------------------------------------------------


def require_panel(review: MonthReview, actor: Person) -> Unit:
    unit = db.session.get(Unit, review.unit_id)
    permissions.require_panel(actor, unit)
    return unit


def require_open(review: MonthReview, *, closing: bool = False) -> None:
    """The month is not final, checked under the lock every change of the panel's month takes first (see
    worklog/locks.py); ``review`` is read afresh."""
    MONTH.require_open(review, closing=closing)


def month_review(unit_id: int, month: date) -> MonthReview | None:
    return db.session.scalar(select(MonthReview).where(MonthReview.unit_id == unit_id,
                                                       MonthReview.month == month.replace(day=1))
                             .options(joinedload(MonthReview.rule_set)))


def opens_on(month: date) -> date:
    """The first day ``month`` can be opened for grading: the day after its last (all its days over)."""
    return timekeeping.month_bounds(month)[1] + timedelta(days=1)


def month_over(month: date) -> bool:
    return timekeeping.today() >= opens_on(month)


def not_over(month: date, field: str | None = None) -> ServiceError:
    """The refusal of a month still under way, naming the first day it can be opened."""
    return ServiceError(_("%(month)s is not over yet: it can be opened for grading from %(day)s. Nothing was "
                          "changed.", month=month.strftime("%Y-%m"), day=format_date(opens_on(month))), field)


def require_over(month: date) -> None:
    """Refuse to open, compute or publish a month still under way: it would be judged on part of it."""
    if not month_over(month):
        raise not_over(month)


def open_month(unit: Unit, month: date, actor: Person | None) -> MonthReview:
    """The unit's review of ``month``, created when the panel first opens it, once the month is over."""
    month = month.replace(day=1)
    require_over(month)
    review = month_review(unit.id, month)
    if review is None:
        rule_set = rule_set_on(month)
        review = MonthReview(unit_id=unit.id, month=month, status=MonthStatus.open.value,
                             rule_set_id=rule_set.id if rule_set else None, reopened=0)
        db.session.add(review)
        db.session.flush()
        audit.record(actor, "month.opened", "month_review", review.id, unit_id=unit.id,
                     after={"month": month.isoformat()})
    return review


def rules_of(review: MonthReview) -> RuleValues:
    return from_mapping(review.rule_set.values) if review.rule_set else RuleValues()


# --- Adjustments and vetoes -------------------------------------------------------------------------------------------


def _member_check(review: MonthReview, person: Person, actor: Person) -> None:
    if person.id == actor.id:
        raise ServiceError(_("Nobody records adjustments, vetoes or grades for themselves."))
    if person.id not in members(review):
        raise not_assessed(person.badge)


def not_assessed(badge: str) -> ServiceError:
    """The one answer for a badge that does not exist and for one the unit does not assess this month: naming
    the person would tell the name behind any badge of the province."""
    return ServiceError(_("Nobody with badge number %(badge)s is assessed by this unit this month.",
                          badge=(badge or "").strip()), "person")


def add_adjustment(review: MonthReview, person: Person, data: dict, actor: Person) -> MonthAdjustment:
    require_panel(review, actor)
    require_open(review)
    _member_check(review, person, actor)
    kind = data.get("kind")
    if kind not in {k.value for k in AdjustmentKind}:
        raise ServiceError(_("Choose the kind of adjustment."), "kind")
    try:
        points = Decimal(str(data.get("points"))).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ServiceError(_("The points must be a number."), "points")
    if not Decimal("0") < points <= Decimal("100"):
        raise ServiceError(_("The points must be above 0 and at most 100."), "points")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason."), "reason")
    if len(reason) > MAX_TEXT or len(data.get("evidence") or "") > MAX_TEXT:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_TEXT), "reason")
    adjustment = MonthAdjustment(month_review_id=review.id, person_id=person.id, kind=kind, points=points,
                                 reason=reason, evidence=(data.get("evidence") or "").strip(), created_by_id=actor.id)
    db.session.add(adjustment)
    db.session.flush()
    audit.record(actor, "month.adjustment_added", "month_adjustment", adjustment.id, unit_id=review.unit_id,
                 after={"person": person.badge, "kind": kind, "points": str(points)}, reason=reason)
    return adjustment


def void_adjustment(adjustment: MonthAdjustment, reason: str, actor: Person) -> None:
    review = db.session.get(MonthReview, adjustment.month_review_id)
    require_panel(review, actor)
    require_open(review)
    if adjustment.voided_at is not None:
        raise Conflict(_("This has already been withdrawn."))
    if not (reason or "").strip():
        raise ServiceError(_("Give the reason."), "reason")
    adjustment.voided_at, adjustment.void_reason = utcnow(), reason.strip()[:MAX_TEXT]
    db.session.flush()
    audit.record(actor, "month.adjustment_withdrawn", "month_adjustment", adjustment.id, unit_id=review.unit_id,
                 reason=reason)


def add_veto(review: MonthReview, person: Person, data: dict, actor: Person) -> VetoEvent:
    require_panel(review, actor)
    require_open(review)
    _member_check(review, person, actor)
    event_date: date = data.get("event_date")
    first, last = timekeeping.month_bounds(review.month)
    if event_date is None or not first <= event_date <= last:
        raise ServiceError(_("The date must lie in the month."), "event_date")
    reason = (data.get("reason") or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason."), "reason")
    veto = VetoEvent(month_review_id=review.id, person_id=person.id, event_date=event_date,
                     reason=reason[:MAX_TEXT], created_by_id=actor.id)
    db.session.add(veto)
    db.session.flush()
    audit.record(actor, "month.veto_added", "veto_event", veto.id, unit_id=review.unit_id,
                 after={"person": person.badge, "date": event_date.isoformat()}, reason=reason)
    return veto


def void_veto(veto: VetoEvent, reason: str, actor: Person) -> None:
    review = db.session.get(MonthReview, veto.month_review_id)
    require_panel(review, actor)
    require_open(review)
    if veto.voided_at is not None:
        raise Conflict(_("This has already been withdrawn."))
    if not (reason or "").strip():
        raise ServiceError(_("Give the reason."), "reason")
    veto.voided_at, veto.void_reason = utcnow(), reason.strip()[:MAX_TEXT]
    db.session.flush()
    audit.record(actor, "month.veto_withdrawn", "veto_event", veto.id, unit_id=review.unit_id, reason=reason)


# --- Who is assessed, and the inputs -------------------------------------------------------------------------------------


def _assignments(unit_id: int, first: date, last: date) -> dict[int, Assignment]:
    """Each officer's last assignment in the month, kept when it lies in this unit: an officer is assessed by
    the unit they belong to at the end of the month (their earlier days stay in the ledgers where earned)."""
    rows = db.session.scalars(
        select(Assignment).where(Assignment.valid_from <= last,
                                 or_(Assignment.valid_to.is_(None), Assignment.valid_to >= first),
                                 Assignment.person_id.in_(
                                     select(Assignment.person_id).join(Department).where(
                                         Department.unit_id == unit_id, Assignment.valid_from <= last,
                                         or_(Assignment.valid_to.is_(None), Assignment.valid_to >= first))))
        .options(selectinload(Assignment.department), selectinload(Assignment.post),
                 selectinload(Assignment.person)))
    latest: dict[int, Assignment] = {}
    for a in rows:
        if a.person_id not in latest or a.valid_from > latest[a.person_id].valid_from:
            latest[a.person_id] = a
    return {pid: a for pid, a in latest.items() if a.department.unit_id == unit_id and a.person.active}


def members(review: MonthReview) -> dict[int, Assignment]:
    cache = getattr(review, "_members", None)
    if cache is None:
        first, last = timekeeping.month_bounds(review.month)
        cache = _assignments(review.unit_id, first, last)
        review._members = cache
    return cache


class Member(NamedTuple):
    """What computing needs of an officer assessed by a unit: the last assignment of the month, as plain values."""
    person_id: int
    unit_id: int
    department_id: int
    post_id: int
    sequence_id: int
    target_points: Decimal


def _overlapping(first: date, last: date) -> tuple:
    return Assignment.valid_from <= last, or_(Assignment.valid_to.is_(None), Assignment.valid_to >= first)


def _candidates(unit_ids: list[int], first: date, last: date):
    """Everyone who held a post in one of the units during the month (a subquery): the officers the units
    assess are among them, and it keeps each query below one statement whatever the number of officers."""
    return (select(Assignment.person_id).join(Department, Department.id == Assignment.department_id)
            .where(Department.unit_id.in_(unit_ids), *_overlapping(first, last)))


def _members_of(unit_ids: list[int], first: date, last: date) -> tuple[dict[int, Member], dict[int, list]]:
    """The officers the units assess (as :func:`_assignments` chooses them), and every candidate's
    assignment spans that overlap the month: one query for any number of units."""
    rows = db.session.execute(
        select(Assignment.person_id, Assignment.valid_from, Assignment.valid_to, Assignment.department_id,
               Department.unit_id, Assignment.post_id, Post.sequence_id, Post.monthly_target_points, Person.active)
        .join(Department, Department.id == Assignment.department_id)
        .join(Post, Post.id == Assignment.post_id)
        .join(Person, Person.id == Assignment.person_id)
        .where(*_overlapping(first, last), Assignment.person_id.in_(_candidates(unit_ids, first, last))))
    latest: dict[int, tuple] = {}
    spans: dict[int, list] = defaultdict(list)
    for row in rows:
        pid = row[0]
        spans[pid].append((row[1], row[2]))
        if pid not in latest or row[1] > latest[pid][1]:
            latest[pid] = row
    wanted = set(unit_ids)
    members = {pid: Member(pid, row[4], row[3], row[5], row[6], row[7])
               for pid, row in latest.items() if row[4] in wanted and row[8]}
    return members, spans


def _due_days(first: date, last: date) -> list[date]:
    """The month's working days whose submission deadline has passed."""
    overrides = timekeeping.overrides(first, last)
    hour, minute = (int(x) for x in current_app.config["DAY_DEADLINE"].split(":"))
    now = timekeeping.now()
    return [d for d in cal_rules.working_days(first, last, overrides)
            if cal_rules.submission_deadline(d, overrides, time(hour, minute), timekeeping.tz()) <= now]


def _day_counts(unit_ids: list[int], month: date, members: dict[int, Member], spans: dict[int, list],
                record: dict[int, dict] | None = None) -> dict[int, tuple[int, int]]:
    """(working days not submitted, days submitted late) of every member, from one aggregate query over the
    units' day logs (the database counts; Python sees one row per officer).

    With ``record``, each member's day clearance as the month is computed goes there too (working days due,
    submitted, and the dates missed), to be sealed with the result: the officer's ledger of a final month shows
    it, whatever later becomes of the calendar or the assignments."""
    first, last = timekeeping.month_bounds(month)
    due_days = _due_days(first, last)
    submitted = DayStatus.submitted.value
    logs = {pid: (int(late), int(on_due)) for pid, late, on_due in db.session.execute(
        select(DayLog.person_id,
               func.count().filter(DayLog.status == submitted, DayLog.late.is_(True)),
               func.count().filter(DayLog.status == submitted, DayLog.work_date.in_(due_days)))
        .where(DayLog.person_id.in_(_candidates(unit_ids, first, last)), DayLog.work_date >= first,
               DayLog.work_date <= last)
        .group_by(DayLog.person_id))}
    # The days each officer held a post: for almost everyone one assignment covers every due day; the few
    # who began, left or moved within the month have their submitted days counted one by one.
    held: dict[int, list[date]] = {}
    if due_days:
        start_day, end_day = due_days[0], due_days[-1]
        for pid in members:
            person_spans = spans[pid]
            if not any(start <= start_day and (end is None or end >= end_day) for start, end in person_spans):
                held[pid] = [d for d in due_days
                             if any(start <= d and (end is None or d <= end) for start, end in person_spans)]
    submitted_days: dict[int, set[date]] = defaultdict(set)
    partial = list(held)
    for i in range(0, len(partial), 5000):
        for pid, day in db.session.execute(
                select(DayLog.person_id, DayLog.work_date).where(
                    DayLog.person_id.in_(partial[i:i + 5000]), DayLog.status == submitted,
                    DayLog.work_date.in_(due_days))):
            submitted_days[pid].add(day)
    counts = {}
    for pid in members:
        late, on_due = logs.get(pid, (0, 0))
        if pid in held:
            missing = len(held[pid]) - sum(1 for d in held[pid] if d in submitted_days[pid])
        else:
            missing = len(due_days) - on_due
        counts[pid] = (missing, late)
    if record is not None:
        _record_days(record, counts, due_days, held, submitted_days)
    return counts


def _record_days(record: dict[int, dict], counts: dict[int, tuple[int, int]], due_days: list[date],
                 held: dict[int, list[date]], submitted_days: dict[int, set[date]]) -> None:
    """Fill ``record`` (see :func:`_day_counts`). The dates missed are read only for the officers who missed
    some and held a post all month (the others' were read already), a few thousand at a time."""
    short = [pid for pid, (missing, _late) in counts.items() if missing and pid not in held]
    for i in range(0, len(short), 5000):
        for pid, day in db.session.execute(
                select(DayLog.person_id, DayLog.work_date).where(
                    DayLog.person_id.in_(short[i:i + 5000]), DayLog.status == DayStatus.submitted.value,
                    DayLog.work_date.in_(due_days))):
            submitted_days[pid].add(day)
    for pid, (missing, _late) in counts.items():
        days = held.get(pid, due_days)
        record[pid] = {"due": len(days), "cleared": len(days) - missing,
                       "missing": [d.isoformat() for d in days if d not in submitted_days[pid]] if missing else []}


def _inputs_of(reviews: list[MonthReview], members: dict[int, Member], spans: dict[int, list],
               days_record: dict[int, dict] | None = None) -> dict[int, OfficerMonth]:
    """Every member's month, from a few aggregate queries over all the units at once (the database adds up
    the entries and the day logs; Python only sees one row per officer)."""
    if not members:
        return {}
    first, last = timekeeping.month_bounds(reviews[0].month)
    unit_ids = [review.unit_id for review in reviews]
    approved_value = EntryStatus.approved.value
    approved = {pid: (Decimal(a), int(ret), int(red)) for pid, a, ret, red in db.session.execute(
        select(Entry.person_id,
               func.coalesce(func.sum(Entry.approved_points).filter(Entry.status == approved_value), 0),
               func.coalesce(func.sum(Entry.returned_count), 0),
               func.count().filter(Entry.status == approved_value, Entry.approved_points < Entry.points))
        .where(Entry.person_id.in_(_candidates(unit_ids, first, last)), Entry.work_date >= first,
               Entry.work_date <= last)
        .group_by(Entry.person_id))}
    days = _day_counts(unit_ids, reviews[0].month, members, spans, days_record)
    review_ids = [review.id for review in reviews]
    adjustments = defaultdict(lambda: defaultdict(Decimal))
    for pid, kind, points in db.session.execute(
            select(MonthAdjustment.person_id, MonthAdjustment.kind, func.sum(MonthAdjustment.points))
            .where(MonthAdjustment.month_review_id.in_(review_ids), MonthAdjustment.voided_at.is_(None))
            .group_by(MonthAdjustment.person_id, MonthAdjustment.kind)):
        adjustments[pid][kind] = Decimal(points)
    vetoed = set(db.session.scalars(select(VetoEvent.person_id).where(
        VetoEvent.month_review_id.in_(review_ids), VetoEvent.voided_at.is_(None))))
    findings = _findings_of(unit_ids, members, first, last)
    zero, no_entries, no_adjustments = Decimal("0"), (Decimal("0"), 0, 0), {}
    inputs = {}
    for pid, member in members.items():
        missing, late = days[pid]
        points, returned, reduced = approved.get(pid, no_entries)
        adj = adjustments.get(pid, no_adjustments)
        inputs[pid] = OfficerMonth(
            person_id=pid, approved_points=points, target_points=member.target_points,
            missing_days=missing, late_days=late, returned_entries=returned, reduced_entries=reduced,
            discipline_deductions=adj.get("discipline", zero),
            quality_deductions=adj.get("quality", zero) + adj.get("complaint", zero),
            commendations=adj.get("commendation", zero), veto=pid in vetoed, findings=findings.get(pid, ()))
    return inputs


def _findings_of(unit_ids: list[int], members: dict, first: date,
                 last: date) -> dict[int, tuple[FindingDeduction, ...]]:
    """The inspection findings (not voided) about the units' officers found within the month, in one query for all
    of them (the officers chosen as the entries' query chooses them): each keeps the points worked out when it was
    recorded."""
    from models import Finding, FindingTarget
    found: dict[int, list[FindingDeduction]] = defaultdict(list)
    for pid, fid, category, found_on, points in db.session.execute(
            select(Finding.person_id, Finding.id, Finding.category, Finding.found_on, Finding.points)
            .where(Finding.target == FindingTarget.officer.value,
                   Finding.person_id.in_(_candidates(unit_ids, first, last)),
                   Finding.found_on >= first, Finding.found_on <= last, Finding.voided_at.is_(None))
            .order_by(Finding.found_on, Finding.id)):
        if pid in members:
            found[pid].append(FindingDeduction(fid, category, found_on.isoformat(), Decimal(points)))
    return {pid: tuple(items) for pid, items in found.items()}


def completeness(review: MonthReview, page: int = 1, per_page: int = 50) -> tuple[list[dict], int]:
    """The officers whose month is not complete yet (weeks of the month not signed, working days not submitted,
    days submitted late), a page of them at a time by badge, and how many there are: a few aggregate queries
    whatever the unit's size.

    A final month's officers and their days are those it was sealed with (its results), not what today's
    assignments and calendar would make of it."""
    from models import WeekReview, WeekStatus
    from worklog.ledgers.queries import week_start_of
    first, last = timekeeping.month_bounds(review.month)
    if review.status == MonthStatus.final.value:
        stored = db.session.execute(select(MonthResult.person_id, MonthResult.department_id, MonthResult.missing_days,
                                           MonthResult.late_days).where(MonthResult.month_review_id == review.id))
        department_of, days = {}, {}
        for pid, department_id, missing, late in stored:
            department_of[pid], days[pid] = department_id, (missing, late)
        candidates = select(MonthResult.person_id).where(MonthResult.month_review_id == review.id)
    else:
        members, spans = _members_of([review.unit_id], first, last)
        department_of = {pid: member.department_id for pid, member in members.items()}
        days = _day_counts([review.unit_id], review.month, members, spans)
        candidates = _candidates([review.unit_id], first, last)
    week = week_start_of(DayLog.work_date)
    unsigned = defaultdict(list)
    for pid, monday in db.session.execute(
            select(DayLog.person_id, week).distinct()
            .outerjoin(WeekReview, (WeekReview.person_id == DayLog.person_id) & (WeekReview.week_start == week)
                       & (WeekReview.status == WeekStatus.signed.value))
            .where(DayLog.person_id.in_(candidates), DayLog.work_date >= first,
                   DayLog.work_date <= last, WeekReview.person_id.is_(None))):
        if pid in department_of:
            unsigned[pid].append(monday)
    incomplete = [pid for pid in department_of if unsigned[pid] or days[pid] != (0, 0)]
    if not incomplete:
        return [], 0
    page = min(max(page, 1), math.ceil(len(incomplete) / per_page))
    shown = list(db.session.scalars(select(Person).where(Person.id.in_(incomplete))
                                    .order_by(Person.badge).offset((page - 1) * per_page).limit(per_page)))
    departments = {d.id: d for d in db.session.scalars(select(Department).where(
        Department.id.in_({department_of[p.id] for p in shown})))}
    rows = [{"person": p, "department": departments[department_of[p.id]],
             "unsigned_weeks": sorted(unsigned[p.id]), "missing_days": days[p.id][0], "late_days": days[p.id][1]}
            for p in shown]
    return rows, len(incomplete)


# --- Computing, overriding ---------------------------------------------------------------------------------------------


def compute(review: MonthReview, actor: Person | None) -> int:
    """Scores and grades for every officer of the unit, from the month's data and the panel's records.
    Grade overrides already made are kept while they still fit the quota."""
    if actor is not None:
        require_panel(review, actor)
    return compute_units([review], actor)[review.id]


def compute_units(reviews: list[MonthReview], actor: Person | None) -> dict[int, int]:
    """:func:`compute` for the months of several units at once (a month close of a city or the province, part
    by part): the same results, from one set of queries for all of them and one bulk write. Every month must
    be of the same calendar month; each is locked and checked open first. Returns the officers per review id."""
    if not reviews:
        return {}
    month = reviews[0].month
    if any(review.month != month for review in reviews):
        raise ValueError("compute_units takes the reviews of one month")
    require_over(month)
    for review in locks.lock_month_reviews(reviews):
        if review.status == MonthStatus.final.value:
            raise ServiceError(_("This month is final and sealed. The panel must reopen it, with a reason, to "
                                 "change it."))
    # The reviews' rule sets read in one query; rules_of then finds each in the session.
    db.session.scalars(select(RuleSet).where(RuleSet.id.in_({r.rule_set_id for r in reviews}))).all()
    rules = {review.id: rules_of(review) for review in reviews}
    first, last = timekeeping.month_bounds(month)
    members, spans = _members_of([review.unit_id for review in reviews], first, last)
    # A unit that broke a personal indicator down gave its officers monthly targets: those replace the post's.
    broken_down = monthly_targets(members, month)
    members = {pid: (m._replace(target_points=broken_down[pid]) if pid in broken_down else m)
               for pid, m in members.items()}
    days_record: dict[int, dict] = {}
    inputs = _inputs_of(reviews, members, spans, days_record)
    review_ids = [review.id for review in reviews]
    review_of_unit = {review.unit_id: review for review in reviews}
    kept = {(review_id, pid): (grade, reason) for review_id, pid, grade, reason in db.session.execute(
        select(MonthResult.month_review_id, MonthResult.person_id, MonthResult.override_grade,
               MonthResult.override_reason)
        .where(MonthResult.month_review_id.in_(review_ids), MonthResult.override_grade.is_not(None)))}
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for pid, member in members.items():
        groups[(review_of_unit[member.unit_id].id, member.sequence_id)].append(pid)
    dialect = db.session.get_bind().dialect.name
    rows = []
    counts = dict.fromkeys(review_ids, 0)
    for (review_id, sequence_id), pids in groups.items():
        r = rules[review_id]
        scores = {pid: score_month(inputs[pid], r) for pid in pids}
        items = [GradeInput(pid, scores[pid].score, scores[pid].veto, *(kept.get((review_id, pid)) or (None, "")))
                 for pid in pids]
        try:
            graded = grade_group(items, r)
        except (QuotaExceeded, ValueError):
            # An override no longer fits (scores moved): it is dropped, and the grades follow the rules.
            graded = grade_group([GradeInput(i.person_id, i.score, i.veto) for i in items], r)
        counts[review_id] += len(pids)
        for result in graded:
            o, s, m = inputs[result.person_id], scores[result.person_id], members[result.person_id]
            overridden = result.final != result.proposed
            rows.append({
                "month_review_id": review_id, "person_id": o.person_id, "department_id": m.department_id,
                "sequence_id": sequence_id, "post_id": m.post_id, "approved_points": o.approved_points,
                "target_points": o.target_points, "missing_days": o.missing_days, "late_days": o.late_days,
                "returned_entries": o.returned_entries, "reduced_entries": o.reduced_entries,
                # With the inspection findings: the columns keep meaning "all that came off the base / quality".
                "discipline_deductions": o.all_discipline_deductions,
                "quality_deductions": o.all_quality_deductions,
                "commendations": o.commendations, "base": s.base, "workload": s.workload, "quality": s.quality,
                "bonus": s.bonus, "score": s.score, "veto": s.veto, "rank": result.rank, "group_size": len(pids),
                "quota": result.quota, "proposed_grade": result.proposed,
                "override_grade": result.final if overridden else None,
                "override_reason": (kept.get((review_id, o.person_id)) or (None, ""))[1] if overridden else "",
                "final_grade": result.final,
                # Plain dicts written out: dataclasses.asdict deep-copies, and a province has 100,000 of these.
                "explanation": json_value(
                    {"score": [{"rule": x.rule, "value": x.value, "detail": x.detail} for x in s.explanation],
                     "grade": [{"rule": c.rule, "value": c.value, "threshold": c.threshold, "passed": c.passed}
                               for c in result.explanation],
                     # Sealed with the result when the month becomes final: see daily.queries.month_ledger.
                     "days": days_record[o.person_id],
                     "target": "breakdown" if o.person_id in broken_down else "post"}, dialect)})
    db.session.execute(delete(MonthResult).where(MonthResult.month_review_id.in_(review_ids)))
    db.session.flush()
    bulk_insert(MonthResult.__table__, rows)
    ledgers.refresh_grades(review_ids)
    now = utcnow()
    for review in reviews:
        before = audit.snapshot(review, REVIEW_FIELDS)
        if review.status == MonthStatus.open.value:
            review.status = MonthStatus.computed.value
        review.computed_at = now
        audit.record(actor, "month.computed", "month_review", review.id, unit_id=review.unit_id, before=before,
                     after=audit.snapshot(review, REVIEW_FIELDS) | {"officers": counts[review.id]})
    db.session.flush()
    return counts


def override(result: MonthResult, grade: str | None, reason: str, actor: Person) -> MonthResult:
    """Set (or clear, with ``grade`` None) a grade other than the proposed one, never beyond the quota."""
    review = db.session.get(MonthReview, result.month_review_id)
    require_panel(review, actor)
    require_open(review)
    if result.person_id == actor.id:
        raise ServiceError(_("Nobody records adjustments, vetoes or grades for themselves."))
    reason = (reason or "").strip()
    if grade and not reason:
        raise ServiceError(_("Give the reason for the grade."), "reason")
    group = list(db.session.scalars(select(MonthResult).where(
        MonthResult.month_review_id == review.id, MonthResult.sequence_id == result.sequence_id)))
    items = []
    for row in group:
        wanted = (grade, reason) if row.id == result.id else (row.override_grade, row.override_reason)
        items.append(GradeInput(row.person_id, row.score, row.veto, wanted[0] or None, wanted[1] or ""))
    try:
        graded = {g.person_id: g for g in grade_group(items, rules_of(review))}
    except QuotaExceeded:
        raise ServiceError(_("That would give more officers the grade excellent than the quota allows."), "grade")
    except ValueError as error:
        raise ServiceError(str(error), "grade")
    before = audit.snapshot(result, ("override_grade", "final_grade"))
    result.override_grade = grade or None
    result.override_reason = reason if grade else ""
    result.final_grade = graded[result.person_id].final
    db.session.flush()
    ledgers.refresh_grades([review.id])
    audit.record(actor, "month.grade_overridden", "month_result", result.id, unit_id=review.unit_id,
                 before=before, after=audit.snapshot(result, ("override_grade", "final_grade")), reason=reason)
    return result


# --- Publication, appeals, finalising: the cycle the year shares (worklog/cycle.py) ------------------------------


def _correct(review: MonthReview, person: Person, correction: dict, _decision: str, actor: Person) -> None:
    add_adjustment(review, person, correction, actor)


def _seal(review: MonthReview, actor: Person) -> None:
    # Under the month's row lock (the cycle's require_open): the seal chains to the unit's previous final month.
    integrity.seal_month(db.session, review, actor)
    departments = db.session.scalars(select(Department.id).where(Department.unit_id == review.unit_id))
    ledgers.refresh(departments, [review.month])
    ledgers.refresh_month_of_unit(review.unit_id, review.month, review.id)


def _reopened(review: MonthReview, actor: Person) -> None:
    integrity.record_reopening(db.session, integrity.SealKind.month, review, actor)
    ledgers.refresh_month_of_unit(review.unit_id, review.month, review.id)


MONTH = Period(
    name="month", review_model=MonthReview, appeal_model=Appeal, result_model=MonthResult,
    review_key="month_review_id", rules=rules_of, compute=lambda review, actor: compute(review, actor),
    correct=_correct, has_publication=True, require_over=lambda review: require_over(review.month),
    finalised=_seal, published=lambda review: notifications.results_published(review),
    decided=lambda appeal: notifications.appeal_decided(appeal),
    # The one flow that may change a final month's rows (see worklog/integrity.py).
    reopening=lambda review, actor: integrity.allow_reopening(db.session), reopened=_reopened,
    words={
        "sealed": lambda: _("This month is final and sealed. The panel must reopen it, with a reason, to change it."),
        "compute_first": lambda: _("Compute the month before publishing it."),
        "publish_first": lambda: _("Publish the results before finalising the month."),
        "no_result": lambda: _("You have no result in this month."),
        "runs_until": lambda **kw: _("Publication and appeals run until %(day)s: the month can be finalised from "
                                     "%(first)s.", **kw),
        "not_final": lambda: _("This month is not final."),
        "reopen_reason": lambda: _("Give the reason for reopening the month."),
    })


def publish(review: MonthReview, actor: Person) -> MonthReview:
    return MONTH.publish(review, actor)


def file_appeal(review: MonthReview, person: Person, reason: str, actor: Person) -> Appeal:
    return MONTH.file_appeal(review, person, reason, actor)


def decide_appeal(appeal: Appeal, upheld: bool, decision: str, actor: Person, correction: dict | None = None,
                  seen_version: int | None = None) -> Appeal:
    return MONTH.decide_appeal(appeal, upheld, decision, actor, correction, seen_version)


def pending_appeals(review: MonthReview) -> int:
    return MONTH.pending_appeals(review)


def finalise_from(review: MonthReview) -> date | None:
    return MONTH.finalise_from(review)


def finalise_refusal(review: MonthReview) -> str:
    return MONTH.finalise_refusal(review)


def not_yet(review: MonthReview | None, month: date) -> dict[str, str]:
    """The panel's actions not allowed yet, each with the reason and the day it becomes possible: the month
    page shows them as disabled buttons (the services refuse them all the same)."""
    blocked: dict[str, str] = {}
    if not month_over(month):
        reason = _("%(month)s is not over yet: it can be opened for grading from %(day)s.",
                   month=month.strftime("%Y-%m"), day=format_date(opens_on(month)))
        blocked.update(open=reason, compute=reason, publish=reason)
    if review is not None and review.status == MonthStatus.published.value:
        reason = finalise_refusal(review)
        if reason:
            blocked["finalise"] = reason
    return blocked


def finalise(review: MonthReview, actor: Person) -> MonthReview:
    """Seal the month: no page, import or command can change it until the panel reopens it."""
    return MONTH.finalise(review, actor)


def reopen(review: MonthReview, reason: str, actor: Person) -> MonthReview:
    """The only way back from a final month: recorded, with a reason, and visible in the ledgers."""
    return MONTH.reopen(review, reason, actor)
