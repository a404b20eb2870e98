"""Leadership's roll-ups (``unit_month_grade``, ``unit_week``) stay equal to a recomputation from the results, the day
logs and the week rows through the real services: days begun, a week signed by its deadline, reopened by the panel
and signed again late, a month computed, a grade overridden, published, finalised, reopened and computed again.
``flask ledger check`` names any difference and ``flask ledger rebuild`` repairs it."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from models import MonthResult, UnitMonthGrade, UnitWeek, WeekReview
from tests.facts.conftest import mapped  # noqa: F401  (the facts' fixtures, shared)
from tests.factories import PASSWORD
from tests.ledgers.conftest import NOVEMBER, NOVEMBER_OVER
from tests.weekly.conftest import LATE_TIME, MONDAY, log_week
from worklog import timekeeping
from worklog.daily import services as day
from worklog.extensions import db
from worklog.leadership import queries as leadership
from worklog.ledgers import queries
from worklog.monthly import services as monthly
from worklog.ledgers import services as ledgers
from worklog.rules.leadership import parse_period, percentage
from worklog.weekly import services as weekly
from worklog.weekly.queries import sign_deadline

pytestmark = pytest.mark.postgres

ROLLUPS = ("unit_month_grade", "unit_week")


def _weeks() -> dict:
    db.session.expire_all()
    return {(r.unit_id, r.week_start): (r.officers, r.signed, r.on_time) for r in db.session.scalars(select(UnitWeek))}


def _grades(review_id: int) -> dict:
    return {r.final_grade: (r.officers, r.days_due, r.days_cleared) for r in db.session.scalars(
        select(UnitMonthGrade).where(UnitMonthGrade.month_review_id == review_id))}


def _exact() -> None:
    """No difference between the roll-ups and their recomputation, in any month."""
    found = [str(d) for d in queries.differences() if d.table in ROLLUPS]
    assert found == []


def _on_time(review: WeekReview) -> int:
    return int(review.signed_at <= sign_deadline(review.week_start))


def _results_by_grade(review_id: int) -> dict:
    """The results as the month page shows them, counted by hand: officers, days due and cleared per final grade."""
    counted: dict[str, list[int]] = {}
    for result in db.session.scalars(select(MonthResult).where(MonthResult.month_review_id == review_id)):
        days = result.explanation["days"]
        figures = counted.setdefault(result.final_grade, [0, 0, 0])
        figures[0] += 1
        figures[1] += days["due"]
        figures[2] += days["cleared"]
    return {grade: tuple(figures) for grade, figures in counted.items()}


def test_the_rollups_stay_exact_through_days_signatures_and_the_months_cycle(app, org, catalog):
    officer, supervisor, panel = org["officer_a"], org["supervisor_a"], org["panel_a"]
    county = org.county_a.id

    # Days begun: officer A logs Monday to Friday of 16 November, the supervisor Wednesday (their own day).
    log_week(app, officer, catalog)
    day.add_entry(supervisor, {"work_date": MONDAY + timedelta(days=2), "task_type": catalog["T1"], "quantity": "1",
                               "hours": "1", "completion": "done"}, supervisor)
    db.session.commit()
    assert _weeks() == {(county, MONDAY): (2, 0, 0)}  # two officers' weeks, counted once however many days
    _exact()

    # Signed (the signature's time is the real clock's: on time or not, as its timestamp says).
    weekly.approve_all(officer, MONDAY, supervisor)
    review = weekly.sign_week(officer, MONDAY, supervisor, PASSWORD)
    db.session.commit()
    assert _weeks() == {(county, MONDAY): (2, 1, _on_time(review))}
    _exact()

    # Reopened by the panel, then signed again.
    weekly.unsign_week(review, "Wrong task on Tuesday", panel)
    db.session.commit()
    assert _weeks() == {(county, MONDAY): (2, 0, 0)}
    app.config["FIXED_NOW"] = LATE_TIME
    review = weekly.sign_week(officer, MONDAY, supervisor, PASSWORD)
    db.session.commit()
    signed = (2, 1, _on_time(review))
    assert _weeks() == {(county, MONDAY): signed}
    _exact()

    # The month computed: its results by grade, with the days due and cleared recorded with them.
    app.config["FIXED_NOW"] = NOVEMBER_OVER
    month = monthly.open_month(org.county_a, NOVEMBER, panel)
    monthly.compute(month, panel)
    db.session.commit()
    stored = _grades(month.id)
    assert stored == _results_by_grade(month.id)
    officers = db.session.scalar(select(func.count()).select_from(MonthResult)
                                 .where(MonthResult.month_review_id == month.id))
    assert sum(n for n, _due, _cleared in stored.values()) == officers >= 3
    assert sum(due for _n, due, _cleared in stored.values()) > 0  # November's working days were due
    _exact()

    # A grade overridden: the roll-up follows.
    result = db.session.scalar(select(MonthResult).where(MonthResult.month_review_id == month.id,
                                                         MonthResult.person_id == officer.id))
    other = "basic" if result.final_grade != "basic" else "competent"
    monthly.override(result, other, "Reviewed by the panel", panel)
    db.session.commit()
    assert _grades(month.id) == _results_by_grade(month.id) != stored
    assert _grades(month.id)[other][0] >= 1
    _exact()

    # Published: the view counts the month now, its figures read from the roll-ups.
    monthly.publish(month, panel)
    db.session.commit()
    view = leadership.dashboard(org.county_a, parse_period("2026-11"))
    assert view.total.line("graded").now == officers
    assert view.total.line(f"count:{other}").now == _grades(month.id)[other][0]
    assert view.total.line("days_due").now == sum(due for _n, due, _c in _grades(month.id).values())
    assert view.total.line("weeks_due").now == 2
    assert view.total.line("on_time").now == percentage(signed[2], 2)

    # Finalised once its publication and appeals are over; reopened; computed again.
    first_day = monthly.finalise_from(month)
    app.config["FIXED_NOW"] = datetime.combine(first_day, time(10), tzinfo=timekeeping.tz())
    monthly.finalise(month, panel)
    db.session.commit()
    assert _grades(month.id) == _results_by_grade(month.id)
    _exact()
    monthly.reopen(month, "A commendation was missed", panel)
    db.session.commit()
    assert _grades(month.id) == _results_by_grade(month.id)
    assert _weeks() == {(county, MONDAY): signed}
    _exact()
    monthly.compute(month, panel)
    db.session.commit()
    assert _grades(month.id) == _results_by_grade(month.id)
    _exact()
    view = leadership.dashboard(org.county_a, parse_period("2026-11"))
    assert view.total.line("graded").now is None or view.total.line("graded").now == 0  # computed: not shown


def test_ledger_check_names_a_rollup_that_drifted_and_rebuild_repairs_it(app, runner, org, signed):
    app.config["FIXED_NOW"] = NOVEMBER_OVER
    month = monthly.open_month(org.county_a, NOVEMBER, org["panel_a"])
    monthly.compute(month, org["panel_a"])
    db.session.commit()
    with force_locale("en"):
        assert runner.invoke(args=["ledger", "check"]).exit_code == 0
        db.session.execute(text("UPDATE unit_week SET officers = officers + 1"))
        db.session.execute(text("DELETE FROM unit_month_grade WHERE final_grade = "
                                "(SELECT min(final_grade) FROM unit_month_grade)"))
        db.session.commit()
        result = runner.invoke(args=["ledger", "check", "--month", "2026-11"])
        assert result.exit_code == 1
        assert f"unit_week unit={org.county_a.id} week={MONDAY} month=2026-11: officers stored 2, recomputed 1" \
            in result.output
        assert f"unit_month_grade review={month.id} grade=" in result.output
        assert "row stored (no row), recomputed present" in result.output
        assert runner.invoke(args=["ledger", "rebuild"]).exit_code == 0
        assert runner.invoke(args=["ledger", "check"]).exit_code == 0
    assert _weeks() == {(org.county_a.id, MONDAY): (1, 1, _on_time(db.session.scalar(select(WeekReview))))}


def test_a_week_signed_by_its_deadline_counts_on_time_and_one_after_it_does_not(app, org, catalog):
    """The signature's delta, for a team signed at once: each week's row as the signature writes it, one signed an
    hour before its deadline and one an hour after; then both reopened."""
    officer, supervisor = org["officer_a"], org["supervisor_a"]
    log_week(app, officer, catalog)
    day.add_entry(supervisor, {"work_date": MONDAY + timedelta(days=3), "task_type": catalog["T1"], "quantity": "1",
                               "hours": "1", "completion": "done"}, supervisor)
    deadline = sign_deadline(MONDAY)
    for person, signed_at in ((officer, deadline - timedelta(hours=1)), (supervisor, deadline + timedelta(hours=1))):
        review = db.session.scalar(select(WeekReview).where(WeekReview.person_id == person.id,
                                                            WeekReview.week_start == MONDAY))
        if review is None:
            review = WeekReview(person_id=person.id, week_start=MONDAY, unit_id=org.county_a.id)
            db.session.add(review)
        review.status, review.signed_at, review.signed_by_id = "signed", signed_at, org["panel_a"].id
    db.session.flush()
    ledgers.sign_weeks([officer.id, supervisor.id], MONDAY)
    db.session.commit()
    assert _weeks() == {(org.county_a.id, MONDAY): (2, 2, 1)}
    _exact()
    for person in (officer, supervisor):
        review = db.session.scalar(select(WeekReview).where(WeekReview.person_id == person.id,
                                                            WeekReview.week_start == MONDAY))
        weekly.unsign_week(review, "Reopened", org["panel_a"])
    db.session.commit()
    assert _weeks() == {(org.county_a.id, MONDAY): (2, 0, 0)}
    _exact()


def test_days_begun_by_an_import_of_facts_count_each_officers_week_once(app, org, mapped):
    """Facts of several officers and days received at once (as the API receives a batch) begin their days in bulk:
    each officer's week is counted once in the unit, whatever the number of its days or of the batches."""
    from tests.facts.conftest import DAY, DAY_BEFORE, fact, send
    officer, supervisor = org["officer_a"], org["supervisor_a"]
    counts = send([fact("1", officer.badge), fact("2", officer.badge, when=f"{DAY_BEFORE}T09:00:00+08:00"),
                   fact("3", supervisor.badge), fact("4", supervisor.badge, type_="visit", quantity="3")])
    assert counts["created"] == 4
    monday = date(2026, 11, 23)
    assert _weeks() == {(org.county_a.id, monday): (2, 0, 0)}
    _exact()
    send([fact("5", officer.badge, when="2026-11-25T08:00:00+08:00"), fact("6", org["panel_a"].badge)])
    assert _weeks() == {(org.county_a.id, monday): (3, 0, 0)}
    _exact()
