"""Reminders: officers with working days not submitted, supervisors with weeks not signed in time."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from models import Assignment, DayLog, DayStatus, Department, Person, Role, Unit, WeekReview, WeekStatus
from worklog import timekeeping
from worklog.extensions import db
from worklog.permissions import has_role, unit_scope_clause
from worklog.rules import calendar as cal_rules
from worklog.weekly import queries


@dataclass
class Reminders:
    since: date
    missing_days: dict[Person, list[date]] = field(default_factory=dict)
    overdue_weeks: dict[Person, list[tuple[Person, date]]] = field(default_factory=dict)


def collect(person_filter, since: date, until: date) -> Reminders:
    """Reminders for the officers matched by ``person_filter`` (an SQL condition on Assignment)."""
    report = Reminders(since)
    overrides = timekeeping.overrides(since, until)
    days = list(cal_rules.working_days(since, until, overrides))
    now = timekeeping.now()
    hour, minute = (int(x) for x in current_app.config["DAY_DEADLINE"].split(":"))
    due_days = [d for d in days if cal_rules.submission_deadline(d, overrides, time(hour, minute), timekeeping.tz())
                <= now]
    if not due_days:
        return report
    assignments = list(db.session.scalars(
        select(Assignment).where(person_filter, Assignment.valid_from <= until,
                                 or_(Assignment.valid_to.is_(None), Assignment.valid_to >= since))
        .options(selectinload(Assignment.person).selectinload(Person.assignments),
                 selectinload(Assignment.supervisor))))
    person_ids = {a.person_id for a in assignments}
    logs = db.session.execute(select(DayLog.person_id, DayLog.work_date, DayLog.status).where(
        DayLog.person_id.in_(person_ids), DayLog.work_date >= since, DayLog.work_date <= until)).all() \
        if person_ids else []
    submitted = {(pid, d) for pid, d, status in logs if status == DayStatus.submitted.value}
    # Only weeks with something logged wait for a signature; an empty week shows up as missing days.
    active_weeks = {(pid, queries.week_of(d)) for pid, d, _status in logs}
    signed = {(pid, m) for pid, m in db.session.execute(select(WeekReview.person_id, WeekReview.week_start).where(
        WeekReview.person_id.in_(person_ids), WeekReview.week_start >= queries.week_of(since),
        WeekReview.status == WeekStatus.signed.value))} if person_ids else set()
    missing = defaultdict(list)
    overdue = defaultdict(list)
    for a in assignments:
        if not a.person.active:
            continue
        for day in due_days:
            if a.covers(day) and (a.person_id, day) not in submitted:
                missing[a.person].append(day)
        monday = queries.week_of(since)
        while monday + timedelta(days=6) <= until:
            if (a.supervisor is not None and now >= queries.sign_deadline(monday)
                    and a.covers(queries.signing_day(a.person, monday) or monday)
                    and (a.person_id, monday) not in signed and (a.person_id, monday) in active_weeks
                    and queries.signing_day(a.person, monday) is not None):
                overdue[a.supervisor].append((a.person, monday))
            monday += timedelta(days=7)
    report.missing_days = {p: sorted(set(ds)) for p, ds in sorted(missing.items(), key=lambda kv: kv[0].badge)}
    report.overdue_weeks = {s: sorted(set(ws), key=lambda w: (w[1], w[0].badge))
                            for s, ws in sorted(overdue.items(), key=lambda kv: kv[0].badge)}
    return report


def reminders_for(actor: Person, weeks: int = 2) -> Reminders:
    """What ``actor`` should chase: their team's missing days; for a panel, its unit's overdue weeks too."""
    today = timekeeping.today()
    since = queries.week_of(today) - timedelta(days=7 * weeks)
    this_week = queries.week_of(today)
    team = queries.team_ids(actor, this_week, since=this_week - timedelta(days=7))
    condition = Assignment.person_id.in_(set(team))
    if has_role(actor, Role.panel) or has_role(actor, Role.admin):
        in_scope = (select(Department.id).join(Unit, Unit.id == Department.unit_id)
                    .where(or_(unit_scope_clause(actor, Role.panel), unit_scope_clause(actor, Role.admin))))
        condition = or_(condition, Assignment.department_id.in_(in_scope))
    return collect(and_(condition), since, today)


def reminders_all(since: date, until: date) -> Reminders:
    from sqlalchemy import true
    return collect(true(), since, until)
