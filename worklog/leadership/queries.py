"""Reads for leadership's view: the figures of every unit of a subtree for a period and the same period a year
earlier, read from the stores the ledgers and statistics read (never recomputed per officer), grouped per unit in a
fixed number of statements whatever the number of units, officers or months; then added up per row of the page.

A row is a unit directly under the chosen one, with every unit under it, or the chosen unit's own departments; the
total is the whole subtree. Each figure is made of counts that add up (grades, days due and cleared, weeks due and
signed on time, survey answers, yellow cards, findings and rectifications), so that a row's figure is the figure of
its units taken together, never an average of their figures.

Where each figure comes from, and the page or function whose figure it equals (tests/leadership check each one):

- grades: the final grade of each officer's month in months whose results are published or final
  (``month_result``, as the panel's month page and the officer's grade history show them); for a year, the annual
  grades of published or final years too;
- day clearance (日清): the working days due and submitted recorded with those results (the officer detail ledger's
  clearance of a final month, :func:`worklog.daily.queries.sealed_clearance`);
- on-time signing (周结): officers' weeks with days logged whose Monday falls in the period and whose signing deadline
  (:func:`worklog.weekly.queries.sign_deadline`) has passed or which are signed; on time if signed by the deadline;
- indicators: :func:`worklog.indicators.scores.unit_scores` for the chosen unit and each unit under it;
- public satisfaction: the survey's calls of the period's draws (:mod:`worklog.units.statistics`);
- yellow cards: the recorded monthly runs of the units' evaluation (:func:`worklog.units.evaluation.stored_cards`);
- findings and rectification: :func:`worklog.inspection.queries.rectification_counts`, each unit alone.

The year-earlier figures are computed on the same units: a unit with figures in only one of the two periods (a unit
created this year) is left out of the comparison and named; this period's figure itself keeps every unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Callable

from sqlalchemy import func, select

from models import (Grade, MonthReview, MonthStatus, Unit, UnitMonth, UnitMonthGrade, UnitWeek, YearResult,
                    YearReview)
from models.survey import SurveyCall, SurveyDraw
from worklog import timekeeping
from worklog.extensions import db
from worklog.indicators.scores import UnitScore, unit_scores
from worklog.inspection.queries import Counts, rectification_counts
from worklog.ledgers.services import mondays_of
from worklog.rules.calendar import clearance_rate
from worklog.rules.leadership import (MONTH, YEAR, Comparison, Period, Span, change, compare, percentage, shares,
                                      span_a_year_earlier, span_of)
from worklog.rules.public import SurveyCounts, combine
from worklog.rulesets.queries import values_on
from worklog.units.evaluation import stored_cards
from worklog.units.statistics import _counts as survey_counts
from worklog.weekly.queries import sign_deadline

GRADES = tuple(g.value for g in Grade)
SHOWN = (MonthStatus.published.value, MonthStatus.final.value)

#: The kinds of row: the chosen unit's own departments, a unit under it (with its own units), the whole subtree.
OWN, UNIT, TOTAL = "own", "unit", "total"


@dataclass
class Parts:
    """The counts of a set of units over a span, which add up from unit to unit."""
    grades: dict[str, int] = field(default_factory=dict)
    year_grades: dict[str, int] = field(default_factory=dict)
    days_due: int = 0
    days_cleared: int = 0
    weeks_due: int = 0
    weeks_on_time: int = 0
    survey: SurveyCounts = field(default_factory=SurveyCounts)
    cards: int = 0
    rectification: Counts = field(default_factory=Counts)

    def add(self, other: Parts) -> None:
        for name in ("grades", "year_grades"):
            mine = getattr(self, name)
            for grade, n in getattr(other, name).items():
                mine[grade] = mine.get(grade, 0) + n
        self.days_due += other.days_due
        self.days_cleared += other.days_cleared
        self.weeks_due += other.weeks_due
        self.weeks_on_time += other.weeks_on_time
        self.survey = combine([self.survey, other.survey])
        self.cards += other.cards
        self.rectification.add(other.rectification)

    @property
    def graded(self) -> int:
        return sum(self.grades.values())

    @property
    def year_graded(self) -> int:
        return sum(self.year_grades.values())


def _grade_figure(grade: str, annual: bool = False, count: bool = False) -> Callable:
    def figure(parts: Parts, _factor: Decimal):
        grades = parts.year_grades if annual else parts.grades
        return grades.get(grade, 0) if count else shares(grades, GRADES)[grade]
    return figure


#: How each figure is read from a set of units' counts (and the span's survey factor).
FIGURES: dict[str, Callable[[Parts, Decimal], Decimal | int | None]] = {
    "graded": lambda p, _f: p.graded,
    "year_graded": lambda p, _f: p.year_graded,
    "clearance": lambda p, _f: clearance_rate(p.days_due, p.days_cleared),
    "days_due": lambda p, _f: p.days_due,
    "on_time": lambda p, _f: percentage(p.weeks_on_time, p.weeks_due),
    "weeks_due": lambda p, _f: p.weeks_due,
    "satisfaction": lambda p, f: p.survey.satisfaction_with(f),
    "valid": lambda p, _f: p.survey.valid,
    "called": lambda p, _f: p.survey.called,
    "reply_rate": lambda p, _f: p.survey.reply_rate,
    "cards": lambda p, _f: p.cards,
    "findings": lambda p, _f: p.rectification.findings,
    "points": lambda p, _f: p.rectification.points,
    "rectifications_due": lambda p, _f: p.rectification.due,
    "rectified_on_time": lambda p, _f: p.rectification.on_time,
    "overdue": lambda p, _f: p.rectification.overdue,
    "rectification": lambda p, _f: p.rectification.rate,
}
for _grade in GRADES:
    FIGURES[f"share:{_grade}"] = _grade_figure(_grade)
    FIGURES[f"count:{_grade}"] = _grade_figure(_grade, count=True)
    FIGURES[f"year_share:{_grade}"] = _grade_figure(_grade, annual=True)
    FIGURES[f"year_count:{_grade}"] = _grade_figure(_grade, annual=True, count=True)


@dataclass(frozen=True)
class Line:
    """One figure of a row: this period's (every unit of the row), and on the units both periods have: this period's,
    the year-earlier one and the change. ``partial``: some of the row's units are left out of the comparison, so that
    the compared figure differs from this period's."""
    now: Decimal | int | None
    same_now: Decimal | int | None
    before: Decimal | int | None
    partial: bool

    @property
    def change(self) -> Decimal | int | None:
        return change(self.same_now, self.before)


@dataclass
class Figures:
    """The counts of a row (or a month of the trend): this period's, and on the same units this period's and a
    year earlier."""
    now: Parts
    same_now: Parts
    before: Parts
    partial: bool
    compared: bool  # some of its units have figures in both periods
    factors: tuple[Decimal, Decimal]

    def line(self, name: str) -> Line:
        figure = FIGURES[name]
        factor_now, factor_before = self.factors
        if not self.compared:
            return Line(figure(self.now, factor_now), None, None, self.partial)
        return Line(figure(self.now, factor_now), figure(self.same_now, factor_now),
                    figure(self.before, factor_before), self.partial)


@dataclass
class Row:
    kind: str
    unit: Unit
    members: list[int]
    figures: Figures
    left_out: list[Unit] = field(default_factory=list)
    compared: bool = True  # any of its units has figures in both periods

    def line(self, name: str) -> Line:
        return self.figures.line(name)


@dataclass
class IndicatorRow:
    """A unit's weighted indicator score, as the unit above assesses it (a score belongs to one unit: it does not add
    up across units)."""
    unit: Unit
    now: UnitScore | None
    before: UnitScore | None

    @property
    def line(self) -> Line:
        now = self.now.score if self.now else None
        before = self.before.score if self.before else None
        return Line(now, now, before, False)


@dataclass
class TrendPoint:
    month: date
    figures: Figures


@dataclass
class Dashboard:
    unit: Unit
    period: Period
    span: Span
    earlier: Span
    rows: list[Row]
    total: Row
    comparison: Comparison
    units: dict[int, Unit]
    indicators: list[IndicatorRow]
    trend: list[TrendPoint]
    #: Months of the period (and of the year earlier) with no published results yet, and with no recorded
    #: evaluation of the units: their grades and clearance, and their yellow cards, are not counted yet.
    months_without_results: list[date]
    months_without_evaluation: list[date]
    factors: tuple[Decimal, Decimal]

    @property
    def annual(self) -> bool:
        return self.period.kind == YEAR

    @property
    def left_out(self) -> list[tuple[Unit, bool]]:
        """(unit, has figures this period only) of each unit left out of the comparison, in the tree's order."""
        found = [(self.units[i], True) for i in self.comparison.only_now]
        found += [(self.units[i], False) for i in self.comparison.only_before]
        return sorted(found, key=lambda pair: pair[0].path)

    @property
    def lines(self) -> list[Row]:
        """The rows and the total, which a unit with no unit under it does not need (it is its only row)."""
        return self.rows + ([self.total] if [r.kind for r in self.rows] != [OWN] else [])

    def unsettled(self, missing: list[date]) -> tuple[list[date], list[date]]:
        """Months of this period and of the year earlier among ``missing``."""
        return ([m for m in missing if self.span.first.replace(day=1) <= m <= self.span.last],
                [m for m in missing if self.earlier.first.replace(day=1) <= m <= self.earlier.last])

    @property
    def complete(self) -> bool:
        """Is the period over (not the part of it so far)?"""
        return self.span.last == self.period.last


# --- Reading -------------------------------------------------------------------------------------------------------


def subtree(unit: Unit) -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.path.startswith(unit.path, autoescape=True))
                                   .order_by(Unit.path)))


def _in_subtree(unit: Unit, column=Unit.path):
    return column.startswith(unit.path, autoescape=True)


def _results(unit: Unit, months: list[date]) -> tuple[dict[tuple[int, date], Parts], set[tuple[int, date]]]:
    """Per (unit, month): the final grades of the month's published or final results, and the days due and cleared
    recorded with them, from the roll-up kept with the results (``unit_month_grade``, one statement); and the (unit,
    month) pairs that have results."""
    rows = db.session.execute(
        select(MonthReview.unit_id, MonthReview.month, UnitMonthGrade.final_grade, UnitMonthGrade.officers,
               UnitMonthGrade.days_due, UnitMonthGrade.days_cleared)
        .join(UnitMonthGrade, UnitMonthGrade.month_review_id == MonthReview.id)
        .join(Unit, Unit.id == MonthReview.unit_id)
        .where(_in_subtree(unit), MonthReview.month.in_(months), MonthReview.status.in_(SHOWN)))
    found: dict[tuple[int, date], Parts] = {}
    for unit_id, month, grade, n, due, done in rows:
        parts = found.setdefault((unit_id, month), Parts())
        parts.grades[grade] = parts.grades.get(grade, 0) + int(n)
        parts.days_due += int(due)
        parts.days_cleared += int(done)
    return found, set(found)


def _year_results(unit: Unit, years: list[int]) -> dict[tuple[int, int], dict[str, int]]:
    """Per (unit, year): the annual grades of published or final years (one statement)."""
    found: dict[tuple[int, int], dict[str, int]] = {}
    for unit_id, year, grade, n in db.session.execute(
            select(YearReview.unit_id, YearReview.year, YearResult.final_grade, func.count())
            .join(YearResult, YearResult.year_review_id == YearReview.id)
            .join(Unit, Unit.id == YearReview.unit_id)
            .where(_in_subtree(unit), YearReview.year.in_(years), YearReview.status.in_(SHOWN))
            .group_by(YearReview.unit_id, YearReview.year, YearResult.final_grade)):
        found.setdefault((unit_id, year), {})[grade] = int(n)
    return found


def _worked(unit: Unit, months: list[date]) -> set[tuple[int, date]]:
    """(unit, month) pairs whose unit general ledger has officers with signed work (one statement)."""
    return {(unit_id, month) for unit_id, month in db.session.execute(
        select(UnitMonth.unit_id, UnitMonth.month).join(Unit, Unit.id == UnitMonth.unit_id)
        .where(_in_subtree(unit), UnitMonth.month.in_(months), UnitMonth.officers > 0))}


def _weeks(unit: Unit, spans: list[Span]) -> dict[tuple[int, date], tuple[int, int]]:
    """Per (unit, Monday) of weeks beginning in the spans: (officers' weeks due, signed by their deadline), from the
    roll-up kept as days are begun and weeks signed (``unit_week``, one statement). An officer's week counts in the
    unit where its days were logged once it has a day logged, and is due once its deadline has passed or it is
    signed."""
    mondays = sorted({m for span in spans for m in mondays_of(span.first, span.last)})
    if not mondays:
        return {}
    now = timekeeping.now()
    found = {}
    for unit_id, monday, officers, signed, on_time in db.session.execute(
            select(UnitWeek.unit_id, UnitWeek.week_start, UnitWeek.officers, UnitWeek.signed, UnitWeek.on_time)
            .join(Unit, Unit.id == UnitWeek.unit_id)
            .where(_in_subtree(unit), UnitWeek.week_start.in_(mondays))):
        due = int(officers) if sign_deadline(monday) <= now else int(signed)
        found[(unit_id, monday)] = (due, int(on_time))
    return found


def _survey(unit: Unit, months: list[date]) -> dict[tuple[int, date], SurveyCounts]:
    """Per (unit, month of the draw): the outcomes of its calls (one statement), as the survey's statistics count
    them."""
    outcomes: dict[tuple[int, date], dict[str, int]] = {}
    for unit_id, month, outcome, n in db.session.execute(
            select(SurveyDraw.unit_id, SurveyDraw.month, SurveyCall.outcome, func.count(SurveyCall.id))
            .join(SurveyCall, SurveyCall.draw_id == SurveyDraw.id)
            .join(Unit, Unit.id == SurveyDraw.unit_id)
            .where(_in_subtree(unit), SurveyDraw.month.in_(months), SurveyCall.outcome.is_not(None))
            .group_by(SurveyDraw.unit_id, SurveyDraw.month, SurveyCall.outcome)):
        found = outcomes.setdefault((unit_id, month), {})
        found[outcome] = found.get(outcome, 0) + int(n)
    return {key: survey_counts(counts) for key, counts in outcomes.items()}


def dashboard(unit: Unit, period: Period) -> Dashboard | None:
    """The figures of ``unit``'s subtree for ``period`` (the part of it so far) and the same days a year earlier;
    None when the period has not begun."""
    today = timekeeping.today()
    span = span_of(period, today)
    if span is None:
        return None
    earlier = span_a_year_earlier(span)
    units = subtree(unit)
    by_id = {u.id: u for u in units}
    if period.kind == MONTH:
        # The survey's trend: the twelve months up to this one.
        trend_months = [_months_back(span.first, m) for m in range(11, -1, -1)]
    else:
        trend_months = span.months
    earlier_of = {m: m.replace(year=m.year - 1) for m in trend_months}
    months_now, months_before = span.months, earlier.months
    all_months = sorted(set(months_now) | set(months_before))
    survey_months = sorted(set(all_months) | set(trend_months) | set(earlier_of.values()))

    # Each unit's counts in each span.
    results, graded = _results(unit, all_months)
    worked = _worked(unit, all_months)
    weeks = _weeks(unit, [span, earlier])
    survey = _survey(unit, survey_months)
    cards = stored_cards(all_months)
    year_grades = _year_results(unit, [period.year, period.year - 1]) if period.kind == YEAR else {}
    ids = [u.id for u in units]
    rectification = {key: rectification_counts(ids, s.first, s.last, subtree=False)
                     for key, s in (("now", span), ("before", earlier))}

    weeks_of: dict[int, list[tuple[date, int, int]]] = {}
    for (week_unit, monday), (due, on_time) in weeks.items():
        weeks_of.setdefault(week_unit, []).append((monday, due, on_time))

    def parts_of(unit_id: int, which: str, s: Span, months: list[date], settled: set[date] | None = None,
                 evaluated: set[date] | None = None) -> Parts:
        """The unit's counts over the span; with ``settled`` / ``evaluated``, its results / yellow cards of those
        months only (for a change: the months settled on both sides)."""
        parts = Parts()
        for month in months:
            if (unit_id, month) in results and (settled is None or month in settled):
                parts.add(results[(unit_id, month)])
            if (unit_id, month) in survey:
                parts.survey = combine([parts.survey, survey[(unit_id, month)]])
            if evaluated is None or month in evaluated:
                parts.cards += 1 if cards.get(month, {}).get(unit_id) else 0
        for monday, due, on_time in weeks_of.get(unit_id, []):
            if s.holds(monday):
                parts.weeks_due += due
                parts.weeks_on_time += on_time
        for counts in rectification[which].get(unit_id, {}).values():
            parts.rectification.add(counts)
        year = s.first.year
        for grade, n in year_grades.get((unit_id, year), {}).items():
            parts.year_grades[grade] = parts.year_grades.get(grade, 0) + n
        return parts

    now = {i: parts_of(i, "now", span, months_now) for i in ids}
    before = {i: parts_of(i, "before", earlier, months_before) for i in ids}
    # A change compares like with like: a unit's results (grades, day clearance) only of the months settled in both
    # years, and yellow cards only of the months evaluated in both — never a month still awaiting its results
    # against the same month a year earlier in full.
    evaluated_both = {m for m in months_now if m in cards and m.replace(year=m.year - 1) in cards}
    same_now, same_before = {}, {}
    for i in ids:
        settled = {m for m in months_now if (i, m) in graded and (i, m.replace(year=m.year - 1)) in graded}
        same_now[i] = parts_of(i, "now", span, months_now, settled, evaluated_both)
        same_before[i] = parts_of(i, "before", earlier, months_before, {m.replace(year=m.year - 1) for m in settled},
                                  {m.replace(year=m.year - 1) for m in evaluated_both})
    present_now = {i for (i, m) in graded | worked if m in months_now}
    present_before = {i for (i, m) in graded | worked if m in months_before}
    comparison = compare(present_now, present_before)
    factors = (values_on(months_now[0]).survey_basic_factor, values_on(months_before[0]).survey_basic_factor)

    def figures(members: list[int], mine_now: Callable[[int], Parts], mine_same: Callable[[int], Parts],
                mine_before: Callable[[int], Parts]) -> Figures:
        all_now, same_now_, same_before_ = Parts(), Parts(), Parts()
        for i in members:
            all_now.add(mine_now(i))
            if i in comparison.same:
                same_now_.add(mine_same(i))
                same_before_.add(mine_before(i))
        partial = any(i in comparison.left_out for i in members)
        compared = any(i in comparison.same for i in members)
        return Figures(all_now, same_now_, same_before_, partial, compared, factors)

    def row(kind: str, head: Unit, members: list[int]) -> Row:
        found = figures(members, now.__getitem__, same_now.__getitem__, same_before.__getitem__)
        return Row(kind, head, members, found, [by_id[i] for i in members if i in comparison.left_out],
                   found.compared)

    rows = []
    # The chosen unit's own departments, when they have figures (a county has only them).
    if len(units) == 1 or not (_empty(now[unit.id]) and _empty(before[unit.id])):
        rows.append(row(OWN, unit, [unit.id]))
    for child in sorted((u for u in units if u.parent_id == unit.id), key=lambda u: u.code):
        members = [u.id for u in units if u.path.startswith(child.path)]
        if child.active or not all(_empty(now[i]) and _empty(before[i]) for i in members):
            rows.append(row(UNIT, child, members))
    total = row(TOTAL, unit, ids)

    # Indicators: the chosen unit and each unit directly under it, each as the unit above it assesses it.
    heads = [unit] + [r.unit for r in rows if r.kind == UNIT]
    scored_now = unit_scores(heads, span.first, span.last, values_on(span.first))
    scored_before = unit_scores(heads, earlier.first, earlier.last, values_on(earlier.first))
    indicators = [IndicatorRow(u, scored_now.get(u.id), scored_before.get(u.id)) for u in heads
                  if u.id in scored_now or u.id in scored_before]

    # The survey's trend, month by month, on the same units as the rows.
    trend = []
    for month in trend_months:
        def survey_only(i: int, m: date) -> Parts:
            return Parts(survey=survey.get((i, m), SurveyCounts()))
        trend.append(TrendPoint(month, figures(ids, lambda i, m=month: survey_only(i, m),
                                               lambda i, m=month: survey_only(i, m),
                                               lambda i, m=earlier_of[month]: survey_only(i, m))))

    with_results = {m for (_i, m) in graded}
    without_results = [m for m in all_months if m not in with_results and _month_over(m, today)]
    without_evaluation = [m for m in all_months if m not in cards and _month_over(m, today)]
    return Dashboard(unit, period, span, earlier, rows, total, comparison, by_id, indicators, trend,
                     without_results, without_evaluation, factors)


def _empty(parts: Parts) -> bool:
    return not (parts.graded or parts.year_graded or parts.days_due or parts.weeks_due or parts.survey.called
                or parts.cards or parts.rectification.findings or parts.rectification.due
                or parts.rectification.pending)


def _months_back(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


def _month_over(month: date, today: date) -> bool:
    return timekeeping.month_bounds(month)[1] < today
