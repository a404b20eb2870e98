"""``flask ledger check|rebuild`` and ``flask month close``."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select, text

from models import Entry, MonthResult, MonthReview, MonthStatus
from tests.factories import state_counts
from tests.ledgers.conftest import NOVEMBER, NOVEMBER_OVER
from worklog import integrity
from worklog.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def english(app):
    """Commands word the app's messages in the default language (Chinese); these tests read English."""
    with force_locale("en"):
        yield


def _run(runner, *args: str):
    result = runner.invoke(args=list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_ledger_check_finds_nothing_after_signing_and_every_corruption_after(runner, org, signed):
    result = _run(runner, "ledger", "check")
    assert result.exit_code == 0 and "No differences" in result.output
    assert _run(runner, "ledger", "check", "--month", "2026-11").exit_code == 0

    db.session.execute(text("UPDATE department_month SET approved_points = approved_points + 1"))
    db.session.execute(text("DELETE FROM unit_month"))
    db.session.commit()
    result = _run(runner, "ledger", "check", "--month", "2026-11")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"department_month department={org.dept_a.id} month=2026-11: approved_points stored 26.00, " \
           "recomputed 25.00" in lines
    assert f"unit_month unit={org.county_a.id} month=2026-11: row stored (no row), recomputed present" in lines
    assert "2 difference(s)" in result.output
    # Another month has nothing to report; without --month every month is checked.
    assert _run(runner, "ledger", "check", "--month", "2026-10").exit_code == 0
    assert _run(runner, "ledger", "check").exit_code == 1

    result = _run(runner, "ledger", "rebuild")
    assert result.exit_code == 0
    assert _run(runner, "ledger", "check").exit_code == 0


def test_ledger_check_names_entries_a_signed_week_does_not_count(runner, org, signed):
    """What a write racing the signature used to leave: a draft entry inside the signed week, and an entry
    changed after the signature counted it. Nobody could clear them, and the check said nothing."""
    friday = signed[-1]
    # Rows as that race left them; since migration 0011 PostgreSQL's triggers refuse such writes outright.
    integrity.allow_reopening(db.session)
    columns = [c.name for c in Entry.__table__.columns if c.name != "id"]
    names = ", ".join(columns)
    values = ", ".join("'draft'" if c == "status" else "NULL" if c == "approved_points" else
                       "1.00" if c == "points" else c for c in columns)
    db.session.execute(text(f"INSERT INTO entry ({names}) SELECT {values} FROM entry WHERE id = :id"),
                       {"id": friday.id})
    db.session.execute(text("UPDATE entry SET approved_points = approved_points + 2 WHERE id = :id"),
                       {"id": signed[0].id})
    db.session.commit()
    result = _run(runner, "ledger", "check", "--month", "2026-11")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    week = f"week_review officer={org['officer_a'].badge} week=2026-11-16"
    assert f"{week}: entries_not_approved stored 0, recomputed 1" in lines
    assert f"{week}: approved_points stored 25.00, recomputed 27.00" in lines
    assert "reopened by the unit's panel" in result.output
    # The other weeks of the month, and the ledgers once rebuilt, have nothing else to report.
    _run(runner, "ledger", "rebuild")
    result = _run(runner, "ledger", "check", "--month", "2026-11")
    assert [line for line in result.output.splitlines() if " stored " in line] == [
        f"{week}: approved_points stored 25.00, recomputed 27.00",
        f"{week}: entries_not_approved stored 0, recomputed 1"]


def test_ledger_check_reports_rows_without_entries(runner, org, signed):
    integrity.allow_reopening(db.session)  # damage the triggers of migration 0011 would refuse on PostgreSQL
    db.session.execute(text("UPDATE entry SET week_signed = :no"), {"no": False})
    db.session.commit()
    result = _run(runner, "ledger", "check")
    assert result.exit_code == 1
    assert f"department_month department={org.dept_a.id} month=2026-11: row stored present, recomputed (no row)" \
        in result.output.splitlines()


def test_ledger_check_refuses_a_malformed_month(runner, org):
    result = _run(runner, "ledger", "check", "--month", "November")
    assert result.exit_code == 2 and "YYYY-MM" in result.output


def _results(unit) -> int:
    return db.session.scalar(select(func.count()).select_from(MonthResult).join(MonthReview).where(
        MonthReview.unit_id == unit.id))


def test_month_close_computes_every_unit_of_the_subtree(app, runner, org, signed):
    app.config["FIXED_NOW"] = NOVEMBER_OVER
    result = _run(runner, "month", "close", "CA", "2026-11", "--subtree")
    assert result.exit_code == 0, result.output
    # County A1's seven people all work in Station A; the city bureau itself has no department.
    assert "CA: 0 officers" in result.output.splitlines()
    assert "CA1: 7 officers" in result.output.splitlines()
    db.session.expire_all()
    assert _results(org.county_a) == 7
    review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == org.county_a.id))
    assert review.status == MonthStatus.computed.value and review.month == NOVEMBER
    officer = db.session.scalar(select(MonthResult).where(MonthResult.person_id == org["officer_a"].id))
    assert officer.approved_points == 25
    # Closing again computes again (the month is not final yet).
    assert _run(runner, "month", "close", "CA1", "2026-11").output.strip().endswith("CA1: 7 officers")
    assert _results(org.county_a) == 7


def test_month_close_refuses_a_final_month_and_changes_nothing(app, runner, org, signed):
    app.config["FIXED_NOW"] = NOVEMBER_OVER
    db.session.add(MonthReview(unit_id=org.county_a.id, month=NOVEMBER, status=MonthStatus.final.value, reopened=0))
    db.session.commit()
    before = state_counts()
    for args in (("CA1", "2026-11"), ("CA", "2026-11", "--subtree")):
        result = _run(runner, "month", "close", *args)
        assert result.exit_code == 1
        assert "2026-11 is final and sealed for CA1" in result.output and "Nothing was changed" in result.output
    assert state_counts() == before


@pytest.mark.parametrize("args, message", [
    (("XX", "2026-11"), "No unit with code XX"),
    # The catalog fixture pins the day to 25 November: November is not over, December not begun.
    (("CA1", "2026-11"), "2026-11 is not over yet: it can be opened for grading from Dec 1, 2026. Nothing "
                         "was changed."),
    (("CA", "2026-11", "--subtree"), "2026-11 is not over yet"),
    (("CA1", "2026-12"), "2026-12 is not over yet: it can be opened for grading from Jan 1, 2027."),
    (("CA1", "2026-1x"), "YYYY-MM"),
])
def test_month_close_refuses_what_it_cannot_do(runner, org, catalog, args, message):
    before = state_counts()
    result = _run(runner, "month", "close", *args)
    assert result.exit_code != 0 and message in result.output
    assert state_counts() == before
