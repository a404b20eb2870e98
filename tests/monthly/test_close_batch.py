"""Computing the months of several units at once (a month close, batch by batch) gives every officer what the
rules give one officer at a time: a reference written the plain way (every day log of the month read, every
held day looked at) against the aggregate queries, with officers who joined, left or moved within the month."""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, time
from decimal import Decimal

import pytest
from flask import current_app
from sqlalchemy import select

from models import Assignment, DayLog, Entry, MonthResult, MonthReview
from tests.factories import make_person
from tests.monthly.conftest import OCTOBER, WORKING_DAYS, _entries
from worklog import timekeeping
from worklog.admin import services as admin
from worklog.extensions import db
from worklog.monthly import services as monthly
from worklog.rules import calendar as cal_rules

pytestmark = pytest.mark.postgres


def _reference(unit_id: int) -> dict[int, tuple]:
    """(missing days, late days, approved points, returned, reduced) of each officer the unit assesses,
    the simple way: the last assignment of the month, each due day held looked up in the day logs."""
    first, last = timekeeping.month_bounds(OCTOBER)
    members = monthly._assignments(unit_id, first, last)
    overrides = timekeeping.overrides(first, last)
    hour, minute = (int(x) for x in current_app.config["DAY_DEADLINE"].split(":"))
    due = [d for d in cal_rules.working_days(first, last, overrides)
           if cal_rules.submission_deadline(d, overrides, time(hour, minute), timekeeping.tz()) <= timekeeping.now()]
    out = {}
    for pid in members:
        spans = [(a.valid_from, a.valid_to) for a in db.session.scalars(
            select(Assignment).where(Assignment.person_id == pid))]
        logs = {log.work_date: log for log in db.session.scalars(select(DayLog).where(
            DayLog.person_id == pid, DayLog.work_date >= first, DayLog.work_date <= last))}
        held = [d for d in due if any(s <= d and (e is None or d <= e) for s, e in spans)]
        missing = sum(1 for d in held if d not in logs or logs[d].status != "submitted")
        late = sum(1 for log in logs.values() if log.status == "submitted" and log.late)
        entries = list(db.session.scalars(select(Entry).where(
            Entry.person_id == pid, Entry.work_date >= first, Entry.work_date <= last)))
        approved = sum((e.approved_points for e in entries if e.status == "approved"), Decimal("0"))
        returned = sum(e.returned_count for e in entries)
        reduced = sum(1 for e in entries if e.status == "approved" and e.approved_points < e.points)
        out[pid] = (missing, late, approved, returned, reduced)
    return out


def _results(review_id: int) -> dict[int, tuple]:
    db.session.expire_all()
    return {r.person_id: (r.missing_days, r.late_days, r.approved_points, r.returned_entries, r.reduced_entries,
                          r.score, r.rank, r.final_grade, r.department_id, r.explanation)
            for r in db.session.scalars(select(MonthResult).where(MonthResult.month_review_id == review_id))}


def test_several_units_at_once_match_the_plain_rules_and_one_unit_at_a_time(app, org, catalog, county):
    rng = random.Random(20261031)
    task = catalog["T1"]
    dept = county.department
    # Joined on the 12th; left after the 20th; moved from County A1 to County A2 on the 15th, and the other way.
    joined = make_person("95001", "Joined", dept, org.post, org["supervisor_a"], valid_from=date(2026, 10, 12))
    left = make_person("95002", "Left", dept, org.post, org["supervisor_a"])
    admin.end_assignment(left, date(2026, 10, 20), None)
    moved_in = make_person("95003", "Moved in", org.dept_a, org.post, org["supervisor_a"])
    admin.assign(moved_in, {"department": dept, "post": org.post, "supervisor": org["supervisor_a"],
                            "valid_from": date(2026, 10, 15)}, None)
    moved_out = make_person("95004", "Moved out", dept, org.post, org["supervisor_a"])
    admin.assign(moved_out, {"department": org.dept_a, "post": org.post, "supervisor": org["supervisor_a"],
                             "valid_from": date(2026, 10, 8)}, None)
    for person in (joined, left, moved_in, moved_out):
        for assignment in person.assignments:
            end = assignment.valid_to or date(2026, 10, 31)
            days = [d for d in WORKING_DAYS if assignment.valid_from <= d <= end and rng.random() < 0.7]
            _entries(person, assignment, task, str(rng.randint(5, 25)), days, rng.randint(0, len(days)))
    db.session.commit()

    reviews = [monthly.open_month(unit, OCTOBER, None) for unit in (county.unit, org.county_a)]
    db.session.commit()
    expected = {review.id: _reference(review.unit_id) for review in reviews}
    assert moved_in.id in expected[reviews[0].id] and moved_out.id in expected[reviews[1].id]
    assert joined.id in expected[reviews[0].id] and left.id in expected[reviews[0].id]
    # The reference itself is not trivial: someone who joined on the 12th misses none of the days before.
    assert expected[reviews[0].id][joined.id][0] < len(WORKING_DAYS) // 2

    counts = monthly.compute_units(reviews, None)
    db.session.commit()
    batch = {review.id: _results(review.id) for review in reviews}
    for review in reviews:
        assert counts[review.id] == len(expected[review.id])
        got = {pid: row[:5] for pid, row in batch[review.id].items()}
        assert got == expected[review.id]

    # One unit at a time (as the panel's "compute" does) gives the same rows: ranks, grades and explanations.
    for review in reviews:
        monthly.compute(db.session.get(MonthReview, review.id), None)
        db.session.commit()
        assert _results(review.id) == batch[review.id]
