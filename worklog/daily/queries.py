"""Reads for the day page, the officer detail ledger (民警个人明细帐) and the dashboard.

Every page here runs a fixed number of queries, however many entries a month holds.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from models import (DayLog, DayStatus, Entry, MonthResult, MonthReview, MonthStatus, Person, PersonDayTotal,
                    TaskCategory)
from worklog import timekeeping
from worklog.extensions import db
from worklog.rules import calendar as cal_rules

ZERO = Decimal("0.00")


def day_entries(person_id: int, work_date: date) -> list[Entry]:
    return list(db.session.scalars(
        select(Entry).where(Entry.person_id == person_id, Entry.work_date == work_date)
        .options(joinedload(Entry.task_type, innerjoin=True), joinedload(Entry.category, innerjoin=True)).order_by(Entry.id)))


def day_log(person_id: int, work_date: date) -> DayLog | None:
    return db.session.scalar(select(DayLog).where(DayLog.person_id == person_id, DayLog.work_date == work_date))


@dataclass
class Subtotal:
    entries: int = 0
    hours: Decimal = ZERO
    points: Decimal = ZERO
    approved: Decimal = ZERO

    def add(self, entry: Entry) -> None:
        self.entries += 1
        self.hours += entry.hours
        self.points += entry.points
        if entry.approved_points is not None:
            self.approved += entry.approved_points


@dataclass
class LedgerDay:
    day: date
    log: DayLog | None
    working: bool
    entries: list[Entry] = field(default_factory=list)
    total: Subtotal = field(default_factory=Subtotal)


@dataclass
class Ledger:
    person: Person
    month: date
    days: list[LedgerDay]
    weeks: "OrderedDict[tuple[int, int], Subtotal]"
    categories: list[tuple[TaskCategory, Subtotal]]
    total: Subtotal
    clearance: "Clearance"
    sealed: bool = False  # the month is final: its day clearance is the one sealed with the officer's result
    #: Self-reported (source None) and what each business system reported, apart: (source, subtotal).
    origins: list[tuple[str | None, Subtotal]] = field(default_factory=list)


@dataclass
class Clearance:
    due: int
    cleared: int
    late: int
    missing: list[date]

    @property
    def rate(self) -> Decimal | None:
        return cal_rules.clearance_rate(self.due, self.cleared)


def month_ledger(person: Person, month: date) -> Ledger:
    """Every entry of the month with day, week, category and month totals (5 queries).

    In a final month the day clearance is the one the month was computed and sealed with, never recomputed from
    today's calendar and assignments (a holiday added afterwards, a backdated transfer, a row changed behind the
    application's back). The entries and day logs shown are the month's own rows, which the seal keeps."""
    first, last = timekeeping.month_bounds(month)
    entries = list(db.session.scalars(
        select(Entry).where(Entry.person_id == person.id, Entry.work_date >= first, Entry.work_date <= last)
        .options(joinedload(Entry.task_type, innerjoin=True), joinedload(Entry.category, innerjoin=True))
        .order_by(Entry.work_date, Entry.id)))
    logs = {log.work_date: log for log in db.session.scalars(
        select(DayLog).where(DayLog.person_id == person.id, DayLog.work_date >= first, DayLog.work_date <= last))}
    overrides = timekeeping.overrides(first, last)
    days: "OrderedDict[date, LedgerDay]" = OrderedDict()
    day = first
    while day <= last:
        days[day] = LedgerDay(day, logs.get(day), cal_rules.is_working_day(day, overrides))
        day += timedelta(days=1)
    weeks: "OrderedDict[tuple[int, int], Subtotal]" = OrderedDict()
    for ledger_day in days.values():
        iso = ledger_day.day.isocalendar()
        weeks.setdefault((iso.year, iso.week), Subtotal())
    by_category: dict[int, tuple[TaskCategory, Subtotal]] = {}
    by_origin: dict[str | None, Subtotal] = {}
    total = Subtotal()
    for entry in entries:
        days[entry.work_date].entries.append(entry)
        days[entry.work_date].total.add(entry)
        iso = entry.work_date.isocalendar()
        weeks[(iso.year, iso.week)].add(entry)
        by_category.setdefault(entry.category_id, (entry.category, Subtotal()))[1].add(entry)
        by_origin.setdefault(entry.source, Subtotal()).add(entry)
        total.add(entry)
    categories = sorted(by_category.values(), key=lambda pair: (pair[0].position, pair[0].code))
    origins = sorted(by_origin.items(), key=lambda pair: (pair[0] is not None, pair[0] or ""))
    sealed = sealed_clearance(person.id, first)
    return Ledger(person, first, list(days.values()), weeks, categories, total,
                  sealed or clearance(person, first, last, logs, overrides), sealed is not None, origins)


def sealed_clearance(person_id: int, month: date) -> Clearance | None:
    """The officer's day clearance as sealed in a final month's result; None while the month is not final (or was
    computed before results kept it: then the live figures are all there is)."""
    row = db.session.execute(
        select(MonthResult.explanation, MonthResult.late_days)
        .join(MonthReview, MonthReview.id == MonthResult.month_review_id)
        .where(MonthResult.person_id == person_id, MonthReview.month == month,
               MonthReview.status == MonthStatus.final.value)
        .order_by(MonthReview.finalised_at.desc()).limit(1)).first()
    days = (row[0] or {}).get("days") if row is not None else None
    if not days:
        return None
    return Clearance(int(days["due"]), int(days["cleared"]), int(row[1]),
                     [date.fromisoformat(d) for d in days.get("missing", [])])


def clearance(person: Person, first: date, last: date, logs: dict[date, DayLog],
              overrides: dict[date, bool]) -> Clearance:
    """Day clearance (日清) for a period: working days whose deadline has passed while the officer held a post,
    against those submitted. Pure computation over rows already loaded."""
    now = timekeeping.now()
    hour, minute = (int(x) for x in current_app.config["DAY_DEADLINE"].split(":"))
    tz = timekeeping.tz()
    due = cleared = late = 0
    missing = []
    for day in cal_rules.working_days(first, min(last, timekeeping.today()), overrides):
        if person.assignment_on(day) is None:
            continue
        log = logs.get(day)
        submitted = log is not None and log.status == DayStatus.submitted.value
        deadline = cal_rules.submission_deadline(day, overrides, time(hour, minute), tz)
        if deadline > now and not submitted:
            continue  # not due yet
        due += 1
        if submitted:
            cleared += 1
            late += 1 if log.late else 0
        else:
            missing.append(day)
    return Clearance(due, cleared, late, missing)


@dataclass
class Dashboard:
    today: date
    today_log: DayLog | None
    today_entries: int
    week: list[tuple[date, DayLog | None, bool]]
    month_points: Decimal
    month_approved: Decimal
    target: Decimal | None
    rank: int | None
    peers: int
    clearance: Clearance
    daily_points: list[tuple[date, Decimal]]


# The home page's statements are built once (@cache) and run with their values bound: building a statement cost
# about as much as running these small ones.


@cache
def _day_logs_query():
    return select(DayLog).where(DayLog.person_id == bindparam("person_id"), DayLog.work_date >= bindparam("first"),
                                DayLog.work_date <= bindparam("last"))


@cache
def _day_totals_query():
    return select(PersonDayTotal).where(PersonDayTotal.person_id == bindparam("person_id"),
                                        PersonDayTotal.work_date >= bindparam("first"),
                                        PersonDayTotal.work_date <= bindparam("last"))


@cache
def _rank_query():
    return (select(PersonDayTotal.person_id, func.sum(PersonDayTotal.points))
            .where(PersonDayTotal.unit_id == bindparam("unit_id"), PersonDayTotal.sequence_id == bindparam("sequence_id"),
                   PersonDayTotal.work_date >= bindparam("first"), PersonDayTotal.work_date <= bindparam("last"))
            .group_by(PersonDayTotal.person_id))


def dashboard(person: Person) -> Dashboard:
    today = timekeeping.today()
    first, last = timekeeping.month_bounds(today)
    monday, sunday = timekeeping.week_bounds(today)
    start = min(first, monday)
    logs = {log.work_date: log for log in db.session.scalars(
        _day_logs_query(), {"person_id": person.id, "first": start, "last": max(last, sunday)})}
    totals = {row.work_date: row for row in db.session.scalars(
        _day_totals_query(), {"person_id": person.id, "first": first, "last": last})}
    overrides = timekeeping.overrides(start, max(last, sunday))
    week = [(monday + timedelta(days=i), logs.get(monday + timedelta(days=i)),
             cal_rules.is_working_day(monday + timedelta(days=i), overrides)) for i in range(7)]
    assignment = person.assignment_on(today)
    rank, peers = None, 0
    if assignment is not None:
        rank, peers = _rank(person.id, assignment.department.unit_id, assignment.post.sequence_id, first, last)
    daily = [(first + timedelta(days=i), totals[first + timedelta(days=i)].points
              if first + timedelta(days=i) in totals else ZERO) for i in range((today - first).days + 1)]
    return Dashboard(
        today=today, today_log=logs.get(today),
        today_entries=totals[today].entries if today in totals else 0, week=week,
        month_points=sum((t.points for t in totals.values()), ZERO),
        month_approved=sum((t.approved_points for t in totals.values()), ZERO),
        target=assignment.post.monthly_target_points if assignment else None,
        rank=rank, peers=peers, clearance=clearance(person, first, last, logs, overrides), daily_points=daily)


def _rank(person_id: int, unit_id: int, sequence_id: int, first: date, last: date) -> tuple[int | None, int]:
    """Place by month-to-date points among the officers of the same unit and sequence (ties share a place)."""
    rows = db.session.execute(_rank_query(), {"unit_id": unit_id, "sequence_id": sequence_id,
                                              "first": first, "last": last}).all()
    points = {pid: Decimal(total) for pid, total in rows}
    if person_id not in points:
        return None, len(points)
    mine = points[person_id]
    return 1 + sum(1 for value in points.values() if value > mine), len(points)
