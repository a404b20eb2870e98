"""Sealed means sealed, in time too: no change dated inside a signed week or a final month reaches it.

A transfer, an ended assignment, an imported transfer, a calendar day or a rule set dated inside a sealed period
is refused, naming the period and how to reopen it; the same change just outside it is accepted. The officer
ledger of a final month shows the figures sealed with the month, whatever happens to the live tables afterwards.
The county of tests/monthly (ten officers, October 2026, 22 working days) is the sealed month.
"""
from __future__ import annotations

import csv
import html
import io
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from models import Assignment, CalendarDay, Entry, MonthResult, MonthReview, Person, RuleSet, WeekReview
from tests.daily.conftest import catalog  # noqa: F401  (the day's fixtures, shared)
from tests.factories import sign_in, state_counts
from tests.monthly.conftest import OCTOBER, county  # noqa: F401
from worklog.extensions import db
from worklog.rules.ruleset import FIELDS, RuleValues

pytestmark = pytest.mark.postgres

AFTER_PUBLICATION = datetime(2026, 12, 4, 4, 0, tzinfo=timezone.utc)


def _finalise_october(app, org, county):  # noqa: F811
    """The panel computes, publishes and finalises the county's October, as the month page does."""
    from worklog.monthly import services as monthly
    panel = db.session.get(Person, org["panel_a"].id)
    review = monthly.open_month(county.unit, OCTOBER, panel)
    monthly.compute(review, panel)
    monthly.publish(review, panel)
    app.config["FIXED_NOW"] = AFTER_PUBLICATION
    monthly.finalise(review, panel)
    db.session.commit()
    return review


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _results() -> dict[int, tuple]:
    db.session.expire_all()
    return {r.person_id: (r.score, r.missing_days, r.late_days, r.target_points, r.final_grade)
            for r in db.session.scalars(select(MonthResult))}


def _ledger_line(client, officer: Person, month: str = "2026-10") -> str:
    """The day-clearance figures of the officer's own ledger page, read as the officer."""
    client.post("/sign-out")
    sign_in(client, officer.badge)
    page = _text(client.get(f"/ledger/{month}"))
    client.post("/sign-out")
    start = page.index("working days submitted")
    return page[page.rindex("(", 0, start) + 1:start].strip()


def _assign(client, person: Person, department, post, valid_from: str):
    return client.post(f"/admin/people/{person.id}/assignments", data={
        "department": department.id, "post": post.id, "supervisor": "", "valid_from": valid_from})


MONTH_SEALED = "County A2's month 2026-10 is final and sealed"
REOPEN_MONTH = "The unit's assessment panel must first reopen that month"


# --- Transfers and ended assignments ------------------------------------------------------------------------------


def test_a_transfer_out_of_a_final_month_is_refused_and_one_after_it_accepted(app, client, org, county):  # noqa: F811
    _finalise_october(app, org, county)
    o1 = county.officers["O1"]
    assert _ledger_line(client, o1) == "22 of 22"
    sign_in(client, org["root_admin"].badge)
    before = state_counts()
    response = _assign(client, o1, org.dept_a, org.post, "2026-10-20")
    assert response.status_code == 422
    text = _text(response)
    assert MONTH_SEALED in text and "dated Oct 20, 2026" in text and REOPEN_MONTH in text
    assert state_counts() == before
    assert len(db.session.get(Person, o1.id).assignments) == 1

    # A new post in the same department, from a day of the final month: refused the same way.
    from worklog.admin import services as admin
    other_post = admin.save_post(None, {"sequence": org.post.sequence, "code": "PS-NEW", "name": "First year",
                                        "coefficient": Decimal("0.85"), "monthly_target_points": Decimal("300")},
                                 None)
    db.session.commit()
    before = state_counts()
    response = _assign(client, o1, county.department, other_post, "2026-10-20")
    assert response.status_code == 422 and MONTH_SEALED in _text(response)
    assert state_counts() == before

    response = _assign(client, o1, org.dept_a, org.post, "2026-11-01")  # just after the sealed month
    assert response.status_code == 302
    db.session.expire_all()
    assert [a.valid_to for a in db.session.get(Person, o1.id).assignments] == [date(2026, 10, 31), None]
    assert _ledger_line(client, o1) == "22 of 22"


def test_a_transfer_into_a_final_month_is_refused(app, client, org, county):  # noqa: F811
    """The new unit's month is reached too: the officer would join a sealed month's officers."""
    _finalise_october(app, org, county)
    sign_in(client, org["root_admin"].badge)
    officer = org["officer_a"]  # of County A1, whose October is not final
    before = state_counts()
    response = _assign(client, officer, county.department, org.post, "2026-10-15")
    assert response.status_code == 422 and MONTH_SEALED in _text(response)
    assert state_counts() == before
    assert _assign(client, officer, county.department, org.post, "2026-11-02").status_code == 302


def test_a_new_person_placed_inside_a_final_month_is_refused(app, client, org, county):  # noqa: F811
    _finalise_october(app, org, county)
    sign_in(client, org["root_admin"].badge)
    before = state_counts()
    response = client.post("/admin/people/new", data={
        "badge": "900100", "name": "Latecomer", "rank": "", "hire_date": "2026-10-01",
        "department": county.department.id, "post": org.post.id, "supervisor": "", "valid_from": "2026-10-01"})
    assert response.status_code == 422 and MONTH_SEALED in _text(response)
    assert state_counts() == before


def test_ending_an_assignment_inside_a_final_month_is_refused(app, client, org, county):  # noqa: F811
    """The issue's example: an assignment ended on 20 October left the officer 16 of 16 working days in a
    month sealed with 22 of 22."""
    _finalise_october(app, org, county)
    o2 = county.officers["O2"]
    sign_in(client, org["root_admin"].badge)
    before = state_counts()
    response = client.post(f"/admin/people/{o2.id}/assignments/end",
                           data={"last_day": "2026-10-20", "reason": "Retired"})
    assert response.status_code == 422
    text = _text(response)
    assert MONTH_SEALED in text and "dated Oct 21, 2026" in text and REOPEN_MONTH in text
    assert state_counts() == before
    assert _ledger_line(client, o2) == "22 of 22"

    sign_in(client, org["root_admin"].badge)
    response = client.post(f"/admin/people/{o2.id}/assignments/end",
                           data={"last_day": "2026-10-31", "reason": "Retired"})
    assert response.status_code == 302
    assert db.session.scalar(select(Assignment.valid_to).where(Assignment.person_id == o2.id)) == date(2026, 10, 31)
    assert _ledger_line(client, o2) == "22 of 22"


def _signed_week(person: Person, monday: date, unit_id: int) -> None:
    db.session.add(WeekReview(person_id=person.id, week_start=monday, unit_id=unit_id, status="signed",
                              entries=0, points=Decimal("0"), approved_points=Decimal("0")))
    db.session.commit()


def test_a_transfer_or_an_end_inside_a_signed_week_is_refused(app, client, org, catalog):  # noqa: F811
    officer = org["officer_a"]
    _signed_week(officer, date(2026, 11, 16), org.county_a.id)
    sign_in(client, org["root_admin"].badge)
    before = state_counts()
    response = _assign(client, officer, org.dept_b, org.post, "2026-11-18")
    assert response.status_code == 422
    text = _text(response)
    assert "Officer A's week of Nov 16, 2026 to Nov 22, 2026 has been signed" in text
    assert "The unit's assessment panel must first reopen that week" in text
    response = client.post(f"/admin/people/{officer.id}/assignments/end",
                           data={"last_day": "2026-11-17", "reason": "Left"})
    assert response.status_code == 422 and "Officer A's week of Nov 16, 2026" in _text(response)
    assert state_counts() == before

    response = _assign(client, officer, org.dept_b, org.post, "2026-11-23")  # the Monday after the signed week
    assert response.status_code == 302
    db.session.expire_all()
    assert [a.valid_from for a in db.session.get(Person, officer.id).assignments] == [date(2026, 1, 1),
                                                                                      date(2026, 11, 23)]


def test_a_week_signed_later_than_the_transfer_date_is_reached_too(app, org, catalog):  # noqa: F811
    """A transfer dated in October moves every day after it, so a signed week in November stands in its way."""
    from flask_babel import force_locale
    from worklog.admin import services as admin
    from worklog.errors import ServiceError
    officer = db.session.get(Person, org["officer_a"].id)
    _signed_week(officer, date(2026, 11, 9), org.county_a.id)
    with force_locale("en"), pytest.raises(ServiceError, match="week of Nov 9, 2026 to Nov 15, 2026"):
        admin.assign(officer, {"department": org.dept_b, "post": org.post, "valid_from": date(2026, 10, 20)}, None)
    db.session.rollback()


# --- Imports and commands -------------------------------------------------------------------------------------------


def _people_csv(path, badge: str, valid_from: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["badge", "name", "unit_code", "department_code", "post_code", "valid_from"],
                                  [badge, badge, "CA1", "PCS", "PS-SQ", valid_from]])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return str(path)


def test_an_imported_transfer_inside_a_final_month_is_refused(app, runner, org, county, tmp_path):  # noqa: F811
    _finalise_october(app, org, county)
    o3 = county.officers["O3"]
    before = state_counts()
    result = runner.invoke(args=["import-org", _people_csv(tmp_path / "moves.csv", o3.badge, "2026-10-15")])
    assert result.exit_code != 0
    # The command speaks the site's language (Chinese by default).
    assert "CSV row 2, column valid_from: County A2 2026-10的月度考核已定稿封存" in result.output
    assert "Nothing was imported" in result.output
    assert state_counts() == before

    result = runner.invoke(args=["import-org", _people_csv(tmp_path / "moves.csv", o3.badge, "2026-11-02")])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert [a.valid_from for a in db.session.get(Person, o3.id).assignments] == [date(2026, 1, 1),
                                                                                 date(2026, 11, 2)]


def test_an_imported_transfer_on_the_page_is_refused_too(app, client, org, county, tmp_path):  # noqa: F811
    _finalise_october(app, org, county)
    sign_in(client, org["root_admin"].badge)
    data = _people_csv(tmp_path / "moves.csv", county.officers["O3"].badge, "2026-10-15")
    before = state_counts()
    with open(data, "rb") as handle:
        response = client.post("/admin/import", data={"file": (handle, "moves.csv"), "kind": "people"},
                               content_type="multipart/form-data")
    assert response.status_code == 422 and MONTH_SEALED in _text(response)
    assert state_counts() == before


# --- The calendar -------------------------------------------------------------------------------------------------


def _calendar(client, day: str, working: str, name: str = "Typhoon"):
    return client.post("/admin/calendar", data={"day": day, "working": working, "name": name})


def test_a_calendar_day_inside_a_final_month_is_refused(app, client, org, county):  # noqa: F811
    _finalise_october(app, org, county)
    sign_in(client, org["root_admin"].badge)
    before = state_counts()
    response = _calendar(client, "2026-10-20", "0")
    assert response.status_code == 422
    text = _text(response)
    assert MONTH_SEALED in text and REOPEN_MONTH in text
    assert _calendar(client, "2026-10-10", "1").status_code == 422  # a make-up Saturday as well
    assert state_counts() == before
    assert db.session.get(CalendarDay, date(2026, 10, 20)) is None

    # Naming a day that is off anyway changes no figure: accepted. So is a day of the month after.
    assert _calendar(client, "2026-10-03", "0", "National Day holiday").status_code == 302
    assert _calendar(client, "2026-11-20", "0").status_code == 302
    assert _ledger_line(client, county.officers["O1"]) == "22 of 22"


def test_the_refusal_speaks_the_users_language(app, client, org, county):  # noqa: F811
    _finalise_october(app, org, county)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    sign_in(client, org["root_admin"].badge)
    response = _calendar(client, "2026-10-20", "0")
    assert response.status_code == 422
    assert "County A2 2026-10的月度考核已定稿封存" in _text(response)
    assert "须先由本单位考核小组在月度考核页面说明理由、重新开启该月" in _text(response)


def test_clearing_a_calendar_day_of_a_final_month_is_refused(app, client, org, county):  # noqa: F811
    from worklog.catalog import services as catalog_services
    catalog_services.set_calendar_day(date(2026, 10, 20), False, "Typhoon", None)  # before the month closes
    db.session.commit()
    _finalise_october(app, org, county)
    o1 = county.officers["O1"]
    assert _ledger_line(client, o1) == "21 of 21"
    sign_in(client, org["root_admin"].badge)
    before = state_counts()
    response = client.post("/admin/calendar/2026-10-20/delete", follow_redirects=True)
    assert MONTH_SEALED in _text(response)
    assert state_counts() == before
    assert db.session.get(CalendarDay, date(2026, 10, 20)) is not None
    # Renaming it keeps it a holiday: nothing sealed changes.
    assert _calendar(client, "2026-10-20", "0", "Typhoon Haikui").status_code == 302
    assert _ledger_line(client, o1) == "21 of 21"


def test_the_ledger_of_a_final_month_reads_what_was_sealed(app, client, org, county):  # noqa: F811
    """Rows changed behind the application's back (a holiday written into the calendar table, an assignment cut
    short) leave a final month's ledger as it was sealed; a month not final keeps the live view."""
    _finalise_october(app, org, county)
    o1, o7 = county.officers["O1"], county.officers["O7"]
    assert _ledger_line(client, o7) == "20 of 22"
    db.session.execute(insert(CalendarDay).values(day=date(2026, 10, 20), working=False, name="raw"))
    db.session.execute(Assignment.__table__.update().where(Assignment.person_id == o7.id)
                       .values(valid_to=date(2026, 10, 16)))
    db.session.commit()
    assert _ledger_line(client, o1) == "22 of 22"
    assert _ledger_line(client, o7) == "20 of 22"
    sign_in(client, o7.badge)
    page = _text(client.get("/ledger/2026-10"))
    assert "as sealed when the month was finalised" in page
    # The two days O7 missed are listed as the month sealed them, though the assignment now ends before them.
    assert "Oct 29, 2026" in page and "Oct 30, 2026" in page
    client.post("/sign-out")

    # Reopened, the month is live again: the calendar and the assignment as they are now.
    from worklog.monthly import services as monthly
    review = db.session.scalar(select(MonthReview))
    monthly.reopen(review, "Correct the calendar", db.session.get(Person, org["panel_a"].id))
    db.session.commit()
    assert _ledger_line(client, o1) == "21 of 21"


# --- Rule sets, catalog values, posts ---------------------------------------------------------------------------


def _rule_form(valid_from: str) -> dict:
    values = RuleValues().to_mapping()
    return {"valid_from": valid_from, "note": "new weights"} | {name: str(values[name]) for name, _kind in FIELDS}


def test_a_rule_set_taking_effect_inside_a_final_month_is_refused(app, client, org, county):  # noqa: F811
    _finalise_october(app, org, county)
    sign_in(client, org["root_admin"].badge)
    before = state_counts()
    response = client.post("/admin/rules/", data=_rule_form("2026-10-15"))
    assert response.status_code == 422
    text = _text(response)
    assert MONTH_SEALED in text and REOPEN_MONTH in text
    # Earlier still: it would hold for October as well.
    assert client.post("/admin/rules/", data=_rule_form("2026-09-01")).status_code == 422
    assert state_counts() == before
    response = client.post("/admin/rules/", data=_rule_form("2026-11-01"))
    assert response.status_code == 302
    assert db.session.scalars(select(RuleSet.valid_from)).all() == [date(2026, 11, 1)]


def test_a_rule_set_that_gives_way_before_a_final_month_is_accepted(app, client, org, county):  # noqa: F811
    """A version holds until the next one takes effect: dated in September, with October's version already there,
    it reaches no final month."""
    from worklog.rulesets.services import create_rule_set
    root = db.session.get(Person, org["root_admin"].id)
    create_rule_set(date(2026, 10, 1), RuleValues().to_mapping(), "October", root)
    db.session.commit()
    _finalise_october(app, org, county)
    sign_in(client, org["root_admin"].badge)
    assert client.post("/admin/rules/", data=_rule_form("2026-09-01")).status_code == 302
    assert client.post("/admin/rules/", data=_rule_form("2026-10-02")).status_code == 422


def test_catalog_values_and_posts_changed_afterwards_leave_a_final_month_as_sealed(app, client, org, county,
                                                                                  catalog):  # noqa: F811
    """Entries keep the points they were computed with, and the month's result keeps the target it was computed
    with: new task values dated inside the month, or a post's new coefficient and target, change nothing sealed,
    so they are not refused."""
    _finalise_october(app, org, county)
    results = _results()
    points = db.session.scalars(select(Entry.points).order_by(Entry.id)).all()
    o1 = county.officers["O1"]
    ledger = _ledger_line(client, o1)
    sign_in(client, org["root_admin"].badge)
    response = client.post(f"/admin/tasks/{catalog['T1'].id}/versions",
                           data={"valid_from": "2026-10-10", "standard_points": "5", "daily_cap": "20"})
    assert response.status_code == 302
    response = client.post(f"/admin/posts/{org.post.id}", data={
        "sequence": org.post.sequence_id, "code": org.post.code, "name": org.post.name, "coefficient": "0.85",
        "monthly_target_points": "500", "active": "y"})
    assert response.status_code == 302
    assert _results() == results
    assert db.session.scalars(select(Entry.points).order_by(Entry.id)).all() == points
    assert _ledger_line(client, o1) == ledger
    sign_in(client, org["panel_a"].badge)
    row = db.session.scalar(select(MonthResult).where(MonthResult.person_id == o1.id))
    assert "400.00" in _text(client.get(f"/month/results/{row.id}"))  # the target the month was computed with


# --- Races ------------------------------------------------------------------------------------------------------


def test_a_backdated_transfer_holds_the_weeks_and_months_it_reaches_until_it_commits(app, org, county,
                                                                                      database_url):  # noqa: F811
    """On PostgreSQL the check holds the week and month rows it read under the writers' KEY SHARE lock: a
    supervisor signing, or a panel finalising (both FOR UPDATE first), waits for the transfer to commit, then
    sees what it changed. (SQLite runs one writer at a time: nothing to race.)"""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's")
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError
    from worklog.admin import services as admin
    from worklog.monthly import services as monthly
    panel = db.session.get(Person, org["panel_a"].id)
    review = monthly.open_month(county.unit, OCTOBER, panel)
    monthly.compute(review, panel)
    monthly.publish(review, panel)  # published, not final: the transfer may go ahead
    o1 = county.officers["O1"]
    db.session.add(WeekReview(person_id=o1.id, week_start=date(2026, 10, 19), unit_id=county.unit.id,
                              status="open", entries=0, points=Decimal("0"), approved_points=Decimal("0")))
    db.session.commit()
    week_id = db.session.scalar(select(WeekReview.id))
    admin.assign(db.session.get(Person, o1.id), {"department": org.dept_a, "post": org.post,
                                                 "valid_from": date(2026, 10, 20)}, None)
    other = create_engine(database_url)
    try:
        for table, row_id in (("week_review", week_id), ("month_review", review.id)):
            with other.connect() as conn, pytest.raises(OperationalError, match="could not obtain lock"):
                conn.execute(text(f"SELECT id FROM {table} WHERE id = :id FOR UPDATE NOWAIT"), {"id": row_id})
    finally:
        other.dispose()
    db.session.rollback()


def test_a_backdated_transfer_and_the_signing_of_a_week_without_a_row_wait_for_each_other(app, org, county,
                                                                                          database_url):  # noqa: F811
    """A week nobody has written to has no row for the transfer's check to lock. The officer's own row stands
    in: the transfer holds it FOR UPDATE and the signer FOR KEY SHARE, so one of them waits for the other and then
    sees what it did (the signer, the new post; the transfer, the signed week)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's")
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError
    from worklog import locks
    from worklog.admin import services as admin
    o1 = county.officers["O1"]
    monday = date(2026, 10, 26)
    assert db.session.scalar(select(WeekReview.id).where(WeekReview.person_id == o1.id)) is None
    other = create_engine(database_url)
    try:
        # The transfer first: a signer's KEY SHARE on the officer waits.
        admin.assign(db.session.get(Person, o1.id), {"department": org.dept_a, "post": org.post,
                                                     "valid_from": date(2026, 10, 27)}, None)
        with other.connect() as conn, pytest.raises(OperationalError, match="could not obtain lock"):
            conn.execute(text("SELECT id FROM person WHERE id = :id FOR KEY SHARE NOWAIT"), {"id": o1.id})
        db.session.rollback()
        # The signer first: a transfer's FOR UPDATE on the officer waits.
        assert locks.lock_week_for_closing(db.session.get(Person, o1.id), monday) is not None
        with other.connect() as conn, pytest.raises(OperationalError, match="could not obtain lock"):
            conn.execute(text("SELECT id FROM person WHERE id = :id FOR UPDATE NOWAIT"), {"id": o1.id})
    finally:
        other.dispose()
    db.session.rollback()


def test_the_completeness_of_a_final_month_is_the_one_it_was_sealed_with(app, client, org, county):  # noqa: F811
    review = _finalise_october(app, org, county)
    o1 = county.officers["O1"]
    db.session.execute(Assignment.__table__.update().where(Assignment.person_id == o1.id)
                       .values(valid_to=date(2026, 10, 16)))
    db.session.execute(insert(CalendarDay).values(day=date(2026, 10, 10), working=True, name="raw"))
    db.session.commit()
    sign_in(client, org["panel_a"].badge)
    page = _text(client.get(f"/month/{review.unit_id}/2026-10/completeness"))
    # Sealed: O7 missed two days, O8 was late three times, O1 neither, whatever the tables now say (the county's
    # weeks were never signed, so everyone is listed).
    import re

    def days_of(badge: str) -> tuple[str, str]:
        row = re.search(rf'{badge}</span>.*?<td class="num">(\d+)</td><td class="num">(\d+)</td>', page, re.S)
        return row.group(1), row.group(2)
    assert days_of(o1.badge) == ("0", "0")
    assert days_of(county.officers["O7"].badge) == ("2", "0")
    assert days_of(county.officers["O8"].badge) == ("0", "3")
