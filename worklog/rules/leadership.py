"""Leadership's periods and comparisons, as pure rules: a month, a half-year or a year; the span of it that has
happened by a given day; the same span a year earlier; shares, rates and changes; and which units two periods
have in common, so that a change is never computed between different sets of units. Plain values in, plain
values out."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping

MONTH, HALF, YEAR = "month", "half", "year"
KINDS = (MONTH, HALF, YEAR)
FIRST_YEAR, LAST_YEAR = 2001, 2100

_KEY = re.compile(r"([0-9]{4})(?:-(?:([0-9]{2})|H([12])))?")
TENTH = Decimal("0.1")
CENT = Decimal("0.01")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month (``number`` 1–12), half-year (``number`` 1 for January–June, 2 for July–December) or year
    (``number`` 0)."""
    year: int
    kind: str
    number: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS or not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise ValueError(f"no such period: {self.kind} {self.year}")
        highest = {MONTH: 12, HALF: 2, YEAR: 0}[self.kind]
        if not (1 <= self.number <= highest if highest else self.number == 0):
            raise ValueError(f"no such {self.kind}: {self.number}")

    @property
    def key(self) -> str:
        """``2026-03``, ``2026-H1`` or ``2026``: the address's ``period``."""
        if self.kind == MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind == HALF:
            return f"{self.year}-H{self.number}"
        return str(self.year)

    @property
    def first(self) -> date:
        if self.kind == MONTH:
            return date(self.year, self.number, 1)
        if self.kind == HALF:
            return date(self.year, 1 if self.number == 1 else 7, 1)
        return date(self.year, 1, 1)

    @property
    def last(self) -> date:
        if self.kind == MONTH:
            return _next_month(self.first) - timedelta(days=1)
        if self.kind == HALF:
            return date(self.year, 6, 30) if self.number == 1 else date(self.year, 12, 31)
        return date(self.year, 12, 31)

    def year_earlier(self) -> Period:
        return Period(self.year - 1, self.kind, self.number)

    def shifted(self, steps: int) -> Period | None:
        """The period ``steps`` periods of the same kind later (earlier when negative); None outside the years
        periods may have."""
        count = {MONTH: 12, HALF: 2, YEAR: 1}[self.kind]
        index = self.year * count + (self.number - 1 if self.number else 0) + steps
        year, rest = divmod(index, count)
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return None
        return Period(year, self.kind, rest + 1 if self.kind != YEAR else 0)


def parse_period(text: str | None) -> Period | None:
    """``2026-03`` → March 2026, ``2026-H2`` → July–December 2026, ``2026`` → the year; None for anything else."""
    match = _KEY.fullmatch(text or "")
    if match is None:
        return None
    year, month, half = int(match.group(1)), match.group(2), match.group(3)
    try:
        if month is not None:
            return Period(year, MONTH, int(month))
        if half is not None:
            return Period(year, HALF, int(half))
        return Period(year, YEAR)
    except ValueError:
        return None


def period_of(day: date, kind: str) -> Period:
    """The period of ``kind`` that holds ``day``."""
    if kind == MONTH:
        return Period(day.year, MONTH, day.month)
    if kind == HALF:
        return Period(day.year, HALF, 1 if day.month <= 6 else 2)
    return Period(day.year, YEAR)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def a_year_before(day: date) -> date:
    """The same day a year earlier; 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Span:
    """The days of a period that count: all of them once it is over; from its first day to ``today`` while it
    runs."""
    first: date
    last: date

    @property
    def months(self) -> list[date]:
        """The first day of each month the span touches."""
        months, month = [], self.first.replace(day=1)
        while month <= self.last:
            months.append(month)
            month = _next_month(month)
        return months

    def holds(self, day: date) -> bool:
        return self.first <= day <= self.last

    @property
    def complete_months(self) -> bool:
        """Does the span end on a month's last day (so that every month it touches is whole)?"""
        return (self.last + timedelta(days=1)).day == 1


def span_of(period: Period, today: date) -> Span | None:
    """The part of ``period`` that has happened by ``today``; None when it has not begun."""
    if period.first > today:
        return None
    return Span(period.first, min(period.last, today))


def span_a_year_earlier(span: Span) -> Span:
    """The same days a year earlier: the first half up to 10 May is compared with the first half up to 10 May of
    the year before, never with the whole of it."""
    return Span(a_year_before(span.first), a_year_before(span.last))


# --- Figures ------------------------------------------------------------------------------------------------------


def percentage(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a percentage to one decimal (half up); None when the whole is nothing."""
    if part < 0 or whole < 0 or part > whole:
        raise ValueError("0 ≤ part ≤ whole")
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def shares(counts: Mapping[str, int], order: Iterable[str]) -> dict[str, Decimal | None]:
    """Each category's share of the counts, to one decimal, in ``order`` (each rounded on its own: the shares may
    add up to 99.9 or 100.1)."""
    whole = sum(counts.get(name, 0) for name in order)
    return {name: percentage(counts.get(name, 0), whole) for name in order}


def change(now: Decimal | int | None, before: Decimal | int | None) -> Decimal | int | None:
    """This period's figure less the year-earlier one; None when either is missing."""
    if now is None or before is None:
        return None
    return now - before


@dataclass(frozen=True)
class Comparison:
    """Which units two periods are compared on: those with figures in both (``same``); those with figures in one of
    them only are left out, each with the period it has figures in."""
    same: frozenset[int]
    only_now: frozenset[int]
    only_before: frozenset[int]

    @property
    def left_out(self) -> frozenset[int]:
        return self.only_now | self.only_before


def compare(present_now: Iterable[int], present_before: Iterable[int]) -> Comparison:
    now, before = frozenset(present_now), frozenset(present_before)
    return Comparison(now & before, now - before, before - now)
