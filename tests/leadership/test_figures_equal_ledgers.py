"""The leadership view's figures equal the ledgers': on the demo (a city bureau, three counties, months of work, the
same months a year earlier for the city and two counties), every figure of every row is computed again through
the pages' own functions — the panel's month results, the officer detail ledger's day clearance, the review
queue's weeks and their deadline, the survey's counts, the units' evaluation, the rectification ledger, the
indicators' progress — over the row's units, and must be the dashboard's. The year-earlier figures are those of
the same units: 南湖县公安局, set up this year, is left out of the comparison and named."""
from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import DayLog, MonthStatus, Person, Role, Unit
from tests.test_page_queries import demo_app, demo_database, signed_in, visit  # noqa: F401  (the demo, shared)
from worklog import demo
from worklog.daily.queries import month_ledger
from worklog.extensions import db
from worklog.inspection.queries import Counts, ledger as rectification_ledger
from worklog.leadership import queries
from worklog.monthly.routes import _result_page
from worklog.monthly.services import month_review
from worklog.rules.calendar import clearance_rate
from worklog.rules.leadership import parse_period, percentage, shares
from worklog.rules.public import SurveyCounts, combine
from worklog.rulesets.queries import values_on
from worklog.units import evaluation, statistics
from worklog.units.routes import Period as EvaluationPeriod, _view_rows
from worklog.weekly.queries import QueueState, sign_deadline, week_rows

pytestmark = pytest.mark.slow

GRADES = ("excellent", "competent", "basic", "incompetent")


def _unit(code: str) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def _months(span) -> list[date]:
    return span.months


# --- Each figure through the function of the page that shows it ------------------------------------------------------


def grades_and_days(unit_ids, months) -> tuple[Counter, int, int]:
    """The month page's results of each unit and month published or final: their final grades; and each officer's
    day clearance as their detail ledger shows it for the month."""
    grades, due, cleared = Counter(), 0, 0
    for unit_id in unit_ids:
        for month in months:
            review = month_review(unit_id, month)
            if review is None or review.status not in (MonthStatus.published.value, MonthStatus.final.value):
                continue
            results, total = _result_page(review, 1, 100_000)
            assert len(results) == total
            for result in results:
                grades[result.final_grade] += 1
                clearance = month_ledger(result.person, month).clearance
                due, cleared = due + clearance.due, cleared + clearance.cleared
    return grades, due, cleared


def weeks(unit_ids, span, now) -> tuple[int, int]:
    """Each week beginning in the span, the review queue's row of each officer who logged days in the units: due
    once the signing deadline has passed or it is signed; on time if signed by the deadline."""
    due = on_time = 0
    monday = span.first + timedelta(days=(7 - span.first.weekday()) % 7)
    while monday <= span.last:
        people = sorted(set(db.session.scalars(select(DayLog.person_id).where(
            DayLog.unit_id.in_(unit_ids), DayLog.work_date >= monday, DayLog.work_date <= monday + timedelta(days=6)))))
        deadline = sign_deadline(monday)
        for row in week_rows(people, monday):
            assert row.state != QueueState.not_started
            signed = row.signed
            if signed or now >= deadline:
                due += 1
            if signed and row.review.signed_at <= deadline:
                on_time += 1
        monday += timedelta(days=7)
    return due, on_time


def survey(units: list[Unit], own: Unit | None, months) -> SurveyCounts:
    """The survey's counts: each unit with the units under it as the units' evaluation counts them, and the chosen
    unit's own calls as the statistics page shows its line."""
    counts = list(statistics.subtree_counts(units, months).values())
    if own is not None:
        for month in months:
            figures = statistics.statistics(month, False, None)
            counts += [u.overall.counts for u in figures.units if u.unit.id == own.id]
    return combine(counts)


def cards(unit_ids, months) -> int:
    """Yellow cards on the units' evaluation page of each month recorded."""
    found = 0
    for month in months:
        run, rows, _rules = _view_rows(EvaluationPeriod(month, False))
        if run is not None:
            found += sum(1 for row in rows if row.unit.id in unit_ids and row.yellow_card)
    return found


def rectification(unit_ids, span) -> Counts:
    """The rectification ledger's rows (each unit alone) of the units, for the span, added up."""
    admin = db.session.scalar(select(Person).where(Person.badge == demo.ACCOUNTS["admin"]))
    rows, _total = rectification_ledger(admin, (Role.admin,), span.first, span.last)
    counts = Counts()
    for row in rows:
        if row.unit.id in unit_ids:
            counts.add(row.total)
    return counts


def expected(view, members: list[int], span, *, own_id, now) -> dict:
    """Every figure of a set of units (``members``) over the span, through the pages' functions."""
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(members)))}
    months = _months(span)
    grades, due, cleared = grades_and_days(members, months)
    weeks_due, weeks_on_time = weeks(members, span, now)
    # The survey: units with what is under them, except the chosen unit, whose own calls only are its row's.
    heads = [units[i] for i in members
             if i != own_id and (units[i].parent_id not in members or units[i].parent_id == own_id)]
    counts = survey(heads, units.get(own_id), months)
    rect = rectification(set(members), span)
    factor = values_on(months[0]).survey_basic_factor
    figures = {"graded": sum(grades.values()), "clearance": clearance_rate(due, cleared), "days_due": due,
               "on_time": percentage(weeks_on_time, weeks_due), "weeks_due": weeks_due,
               "satisfaction": counts.satisfaction_with(factor), "valid": counts.valid,
               "reply_rate": counts.reply_rate, "cards": cards(set(members), months), "findings": rect.findings,
               "points": rect.points, "rectifications_due": rect.due, "overdue": rect.overdue,
               "rectification": rect.rate}
    for grade, share in shares(grades, GRADES).items():
        figures[f"share:{grade}"] = share
        figures[f"count:{grade}"] = grades.get(grade, 0)
    return figures


@pytest.mark.parametrize("key", ["2026-H2", "2026-10"])
def test_every_figure_of_every_row_equals_the_ledgers(demo_app, key):
    from worklog import timekeeping
    city = _unit("C01")
    view = queries.dashboard(city, parse_period(key))
    now = timekeeping.now()
    new = _unit("C01-N")
    # The units compared: the city's own and two counties; 南湖县公安局 has figures this year only.
    assert view.comparison.same == {city.id, _unit("C01-D").id, _unit("C01-X").id}
    assert [(u.code, only_now) for u, only_now in view.left_out] == [("C01-N", True)]
    assert [r.kind for r in view.rows] == ["own", "unit", "unit", "unit"]

    checked = 0
    for row in view.rows + [view.total]:
        same = [i for i in row.members if i in view.comparison.same]
        now_all = expected(view, row.members, view.span, own_id=city.id, now=now)
        now_same = expected(view, same, view.span, own_id=city.id, now=now) if same else None
        before = expected(view, same, view.earlier, own_id=city.id, now=now) if same else None
        for name, value in now_all.items():
            line = row.line(name)
            assert line.now == value, (row.unit.code, row.kind, name, "this period", line.now, value)
            if same:
                assert line.same_now == now_same[name], (row.unit.code, name, "same units", line.same_now)
                assert line.before == before[name], (row.unit.code, name, "a year earlier", line.before)
            else:
                assert line.before is None and line.change is None
            checked += 1
        assert (new.id in row.members) == bool(row.left_out)
    # Something was there to compare: the demo's months have grades, weeks, calls and a yellow card a year earlier.
    total = view.total
    assert total.line("graded").now > 100 and total.line("graded").before > 50
    assert total.line("weeks_due").before > 100 and total.line("valid").before > 50
    assert total.line("satisfaction").change is not None
    if key == "2026-H2":
        assert total.line("cards").before == 1 and total.line("findings").now > 0
    assert checked > 100

    # The trend: each month's satisfaction of the city and everything under it, as the survey counts it.
    factor_now, factor_before = view.factors
    for point in view.trend:
        line = point.figures.line("satisfaction")
        assert line.now == statistics.subtree_counts([city], [point.month]).get(
            city.id, SurveyCounts()).satisfaction_with(factor_now)
        earlier_month = point.month.replace(year=point.month.year - 1)
        same = [u for u in db.session.scalars(select(Unit).where(Unit.id.in_(view.comparison.same)))]
        heads = [u for u in same if u.id != city.id]
        assert line.before == survey(heads, city, [earlier_month]).satisfaction_with(factor_before)


def test_the_indicator_scores_are_the_progress_pages_and_the_evaluations(demo_app):
    from worklog.indicators.progress import progress
    city = _unit("C01")
    year = queries.dashboard(city, parse_period("2026"))
    scored = {r.unit.code: r for r in year.indicators}
    assert set(scored) == {"C01-D", "C01-X", "C01-N"}  # the city set its counties' indicators
    for code, row in scored.items():
        assert row.now.score == progress(_unit(code), 2026).scored.score
        assert row.now.warnings == len(progress(_unit(code), 2026).behind)
        assert row.before is None  # no indicators were set a year earlier
    october = queries.dashboard(city, parse_period("2026-10"))
    work = {r.unit.code: r.work_score for r in evaluation.compute(date(2026, 10, 1), False).rows()}
    for row in october.indicators:
        assert row.now.score == work[row.unit.code]


def test_the_leaders_page_reads_a_fixed_number_of_statements(demo_app):
    """Each store once per period compared (the indicators' once per kind of measure their plans use), whatever the
    number of units, officers or months: 25 for the demo's year."""
    client = signed_in(demo_app, demo.ACCOUNTS["leader"])
    city = _unit("C01")
    for key in ("2026-10", "2026-H2", "2026"):
        seen = visit(client, f"/leadership/{city.id}?period={key}")
        assert seen.status == 200
        assert len(seen.statements) <= 28, (key, len(seen.statements))
    county = visit(client, f"/leadership/{_unit('C01-D').id}?period=2026-H2")
    assert county.status == 200 and len(county.statements) <= 28
