"""A source's facts reconciled per day: what the system sent against what became of it (对账).

Every number counts facts as they stand in work_fact, not events as they arrived: a day sent twice is the same day,
so a resend changes none of them. Per work date (the local date of the fact's time):

- received: the facts kept for the day; matched: those whose badge found an officer;
- entered: those that are an entry on the officer's day; updated: those whose entry a later change altered;
- refused: those refused (a sealed period, the daily cap) and those entered whose last change was refused;
- waiting: those an administrator must help (unknown badge, unmapped type, no post, task not open).

received = entered + waiting + (refused facts not entered). A fact refused before it was kept (a time in the
future, an officer outside the sender's units) is answered to its sender and not kept, so counted nowhere.

One aggregate query (GROUP BY day, status, reason, refused change) over the index on (source, work_date)
reads a day of 10,000 facts as a few rows; :func:`fold` (pure) turns them into the days.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable

from flask_babel import gettext as _, pgettext
from sqlalchemy import case, func, or_, select

from models import FactStatus, WorkFact
from worklog import timekeeping
from worklog.extensions import db
from worklog.facts.labels import reason_short, reason_text, status_label
from worklog.facts.reasons import REASONS

COUNTS = ("received", "matched", "entered", "updated", "refused", "waiting")
#: The longest range one reconciliation covers, and the most facts its download lists.
MAX_DAYS = 366
MAX_LISTED = 50_000
DEFAULT_DAYS = 7


@dataclass
class Day:
    day: date | None
    received: int = 0
    matched: int = 0
    entered: int = 0
    updated: int = 0
    refused: int = 0
    waiting: int = 0
    #: reason code → facts waiting or refused for it
    reasons: dict[str, int] = field(default_factory=dict)

    def numbers(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in COUNTS)


@dataclass
class Reconciliation:
    source: str
    start: date
    end: date
    days: list[Day]
    total: Day
    #: The reason codes that occur, in the order of reasons.REASONS (waiting ones first).
    reasons: list[str]


def range_of(start: date | None = None, end: date | None = None) -> tuple[date, date]:
    """The days asked for, the missing ends filled: by default the last seven days, today included; from a first
    day on, to today (or that day); up to a last day, the seven days that end with it."""
    if end is None:
        today = timekeeping.today()
        end = today if start is None else max(start, today)
    if start is None:
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    return start, end


def range_problem(start: date, end: date) -> str | None:
    """Why a range cannot be reconciled (in the reader's language), or None."""
    if start > end:
        return _("The first day comes after the last.")
    if (end - start).days + 1 > MAX_DAYS:
        return _("At most %(n)d days at once.", n=MAX_DAYS)
    return None


#: One group of facts: (work date, status, reason, refused change, facts, facts matched, facts updated).
Row = tuple[date, str, str, str, int, int, int]


def fold(source: str, start: date, end: date, rows: Iterable[Row]) -> Reconciliation:
    """The days from ``start`` to ``end`` (each, with or without facts) and their total, from grouped counts."""
    days = {start + timedelta(days=i): Day(start + timedelta(days=i)) for i in range((end - start).days + 1)}
    total = Day(None)
    for work_date, status, reason, refused_change, count, matched, updated in rows:
        day = days.get(work_date)
        if day is None:
            continue
        for target in (day, total):
            target.received += count
            target.matched += matched
            target.updated += updated
            if status == FactStatus.entered.value:
                target.entered += count
            elif status == FactStatus.waiting.value:
                target.waiting += count
            why = reason if status != FactStatus.entered.value else refused_change
            if status == FactStatus.refused.value or refused_change:
                target.refused += count
            if why:
                target.reasons[why] = target.reasons.get(why, 0) + count
    order = list(REASONS)
    present = sorted(total.reasons, key=lambda code: (order.index(code) if code in order else len(order), code))
    return Reconciliation(source, start, end, list(days.values()), total, present)


def reconcile(source: str, start: date, end: date) -> Reconciliation:
    query = (select(WorkFact.work_date, WorkFact.status, WorkFact.reason, WorkFact.refused_change, func.count(),
                    func.sum(case((WorkFact.person_id.is_not(None), 1), else_=0)),
                    func.sum(case((WorkFact.revisions > 0, 1), else_=0)))
             .where(WorkFact.source == source, WorkFact.work_date.between(start, end))
             .group_by(WorkFact.work_date, WorkFact.status, WorkFact.reason, WorkFact.refused_change))
    rows = [(work_date, status, reason, refused_change, int(count), int(matched or 0), int(updated or 0))
            for work_date, status, reason, refused_change, count, matched, updated in db.session.execute(query)]
    return fold(source, start, end, rows)


def not_entered(source: str, start: date, end: date, limit: int = MAX_LISTED) -> tuple[list[WorkFact], int]:
    """The facts of the range not entered, or whose last change was refused, by day; and how many more there are
    beyond ``limit``."""
    condition = (WorkFact.source == source, WorkFact.work_date.between(start, end),
                 or_(WorkFact.status != FactStatus.entered.value, WorkFact.refused_change != ""))
    rows = list(db.session.scalars(select(WorkFact).where(*condition)
                                   .order_by(WorkFact.work_date, WorkFact.id).limit(limit + 1)))
    more = 0
    if len(rows) > limit:
        rows = rows[:limit]
        more = db.session.scalar(select(func.count()).select_from(WorkFact).where(*condition)) - limit
    return rows, more


# --- Written out ----------------------------------------------------------------------------------------------------


def count_names() -> list[tuple[str, str]]:
    """(heading, what it counts) of each of COUNTS, in the reader's language."""
    return [
        (pgettext("work facts", "Received"), _("Facts of the day kept from the system (a fact sent again counts "
                                               "once).")),
        (pgettext("work facts", "Matched"), _("Of those, the facts whose badge number found an officer.")),
        (pgettext("work facts", "Entered"), _("Facts that are an entry on the officer's day.")),
        (pgettext("work facts", "Updated"), _("Entered facts whose entry a later change of the fact altered.")),
        (pgettext("work facts", "Refused"), _("Facts refused (a sealed period, the daily cap), and entered facts "
                                              "whose last change was refused.")),
        (pgettext("work facts", "Waiting"), _("Facts waiting for an administrator: a person, a mapping, the "
                                              "catalog.")),
    ]


def headings() -> list[str]:
    return [_("Date")] + [heading for heading, _meaning in count_names()]


def fact_state(fact: WorkFact) -> str:
    if fact.status == FactStatus.entered.value and fact.refused_change:
        return _("Entered; its last change was refused")
    return status_label(fact.status)


def fact_reason(fact: WorkFact) -> str:
    return fact.reason if fact.status != FactStatus.entered.value else fact.refused_change


def sheets(rec: Reconciliation, facts: list[WorkFact], more: int) -> list[tuple[str, list[str], list[list]]]:
    """The XLSX's sheets: the days (the page's numbers, with a column per reason), then the facts not entered."""
    reason_heads = [f"{reason_short(code)} ({code})" for code in rec.reasons]
    days = [[day.day, *day.numbers(), *(day.reasons.get(code, 0) for code in rec.reasons)] for day in rec.days]
    days.append([_("Total"), *rec.total.numbers(), *(rec.total.reasons.get(code, 0) for code in rec.reasons)])
    tz = timekeeping.tz()
    listed = [[fact.external_id, fact.badge, fact.occurred_at.astimezone(tz).replace(tzinfo=None), fact.work_date,
               fact.fact_type, fact.quantity, fact.reference, fact_state(fact), fact_reason(fact),
               reason_text(fact_reason(fact))] for fact in facts]
    if more:
        listed.append([_("… and %(n)d more facts, not listed: choose fewer days.", n=more)])
    return [
        (_("Reconciliation"), headings() + reason_heads, days),
        (_("Facts not entered"), [_("Id"), _("Badge number"), _("Occurred at"), _("Date"), _("Fact type"),
                                  _("Quantity"), _("Reference number"), _("Status"), _("Reason code"), _("Reason")],
         listed),
    ]


def plain_table(rec: Reconciliation) -> str:
    """The reconciliation as the command prints it: a line per day, each day's reasons under it."""
    names = ["date", *COUNTS]
    lines = [f"Source {rec.source}, {rec.start.isoformat()} to {rec.end.isoformat()}",
             "  ".join(f"{name:>10}" for name in names)]

    def line(label: str, day: Day) -> list[str]:
        out = ["  ".join([f"{label:>10}", *(f"{n:>10}" for n in day.numbers())])]
        if day.reasons:
            out.append(" " * 12 + ", ".join(f"{code} {day.reasons[code]}" for code in rec.reasons
                                            if code in day.reasons))
        return out

    for day in rec.days:
        lines += line(day.day.isoformat(), day)
    lines += line("total", rec.total)
    return "\n".join(lines)
