"""Local time and the working-day calendar as the application sees them (time zone from configuration)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, select

from models import CalendarDay
from worklog.extensions import db
from worklog.rules import calendar as rules


def tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def now() -> datetime:
    """The current time; tests may pin it with the ``FIXED_NOW`` setting (an aware datetime)."""
    fixed = current_app.config.get("FIXED_NOW")
    return fixed if fixed is not None else datetime.now(timezone.utc)


def today() -> date:
    return now().astimezone(tz()).date()


@cache
def _overrides_query():
    # Built once: most pages ask, and building it cost about as much as running it.
    return select(CalendarDay.day, CalendarDay.working).where(CalendarDay.day >= bindparam("start"),
                                                              CalendarDay.day <= bindparam("end"))


def overrides(start: date, end: date) -> dict[date, bool]:
    """Calendar exceptions from ``start`` to ``end``, with a margin for deadlines that cross a long holiday."""
    rows = db.session.execute(_overrides_query(), {"start": start, "end": end + timedelta(days=20)})
    return {day: working for day, working in rows}


def working_days_after(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` by the calendar (holidays off, make-up days worked): the end of
    a publication or appeal window, or a follow-up's deadline."""
    day = start
    calendar = overrides(start, start + timedelta(days=max(60, 3 * n)))
    for _step in range(n):
        day = rules.next_working_day(day, calendar)
    return day


def deadline_for(work_date: date) -> datetime:
    hour, minute = (int(x) for x in current_app.config["DAY_DEADLINE"].split(":"))
    local = rules.submission_deadline(work_date, overrides(work_date, work_date), time(hour, minute), tz())
    return local.astimezone(timezone.utc)


#: The years a date or a month of this application may fall in: far enough back for hire dates, far enough ahead
#: for any plan, and well away from the ends of ``date``, so that the day after, the week around or the next
#: month of any accepted value can still be computed (``9999-12`` in an address was a 500).
FIRST_YEAR, LAST_YEAR = 1900, 2100


def parse_month(text: str | None) -> date | None:
    """``2026-11`` (from an address or a query) → 1 November 2026; None for anything else, a year outside
    FIRST_YEAR…LAST_YEAR included."""
    year, dash, month = (text or "").partition("-")
    if not (dash and year.isascii() and year.isdigit() and len(year) == 4 and month.isascii() and month.isdigit()
            and len(month) <= 2):
        return None
    if not FIRST_YEAR <= int(year) <= LAST_YEAR or not 1 <= int(month) <= 12:
        return None
    return date(int(year), int(month), 1)


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt - timedelta(days=1)


def week_bounds(day: date) -> tuple[date, date]:
    """ISO week: Monday to Sunday."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
