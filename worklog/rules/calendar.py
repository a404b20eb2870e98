"""Working days and deadlines (DESIGN §4): weekends, public holidays and the make-up working days that move them.

``overrides`` maps a date to True (a working day, e.g. a Saturday made up for a holiday) or False
(a holiday). Every other Monday–Friday is a working day.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator, Mapping
from zoneinfo import ZoneInfo


def is_working_day(day: date, overrides: Mapping[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    return day.weekday() < 5


def next_working_day(day: date, overrides: Mapping[date, bool], limit: int = 60) -> date:
    """The first working day after ``day`` (holidays in China last at most nine days; ``limit`` is a guard)."""
    candidate = day
    for _ in range(limit):
        candidate += timedelta(days=1)
        if is_working_day(candidate, overrides):
            return candidate
    raise ValueError(f"no working day within {limit} days after {day}")


def submission_deadline(work_date: date, overrides: Mapping[date, bool], deadline_time: time,
                        tz: ZoneInfo) -> datetime:
    """When the day's log is due: ``deadline_time`` (default 09:00) local time on the next working day."""
    due_day = next_working_day(work_date, overrides)
    return datetime.combine(due_day, deadline_time, tzinfo=tz)


def working_days(start: date, end: date, overrides: Mapping[date, bool]) -> Iterator[date]:
    """Working days from ``start`` to ``end`` inclusive."""
    day = start
    while day <= end:
        if is_working_day(day, overrides):
            yield day
        day += timedelta(days=1)


def clearance_rate(due_days: int, cleared_days: int) -> Decimal | None:
    """The day-clearance rate (日清率) as a percentage to one decimal; None when no day was due yet."""
    if due_days <= 0:
        return None
    return (Decimal(cleared_days) * 100 / Decimal(due_days)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
