"""The roll-ups always equal the raw sums of the entries of signed weeks, whatever is logged and signed."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from models import DepartmentMonth, DepartmentMonthCategory, Entry, UnitMonth
from tests.ledgers.conftest import bulk_entries
from worklog import integrity
from worklog.admin import services as admin
from worklog.extensions import db
from worklog.ledgers import services as ledgers

pytestmark = pytest.mark.postgres

# Four weeks from Monday 19 October 2026: the week of 26 October runs into November.
FIRST_MONDAY = date(2026, 10, 19)
STATUSES = ["draft", "submitted", "approved", "approved", "approved", "returned", "resubmitted"]

entries = st.lists(st.tuples(
    st.integers(0, 2),                    # officer
    st.integers(0, 27),                   # day
    st.integers(0, 2),                    # department
    st.sampled_from(["T1", "T2", "T3"]),  # task (two categories)
    st.integers(1, 5000),                 # points, in hundredths
    st.sampled_from(STATUSES),
    st.integers(-30, 30),                 # the reviewer's adjustment, in percent
), max_size=40)
signings = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3), st.booleans()), max_size=12)


def _sums(rows, signed_weeks):
    """What the three roll-ups must hold, computed in Python from the rows written."""
    department, category, unit = defaultdict(list), defaultdict(list), defaultdict(list)
    for row in rows:
        if (row["person"], row["monday"]) not in signed_weeks:
            continue
        month = row["day"].replace(day=1)
        department[(row["department"].id, month)].append(row)
        category[(row["department"].id, month, row["category"])].append(row)
        unit[(row["department"].unit_id, month)].append(row)

    def figures(group, officers=True):
        approved = sum((r["approved"] for r in group if r["status"] == "approved"), Decimal("0"))
        values = (len(group), sum((r["points"] for r in group), Decimal("0")), approved)
        return ((len({r["person"] for r in group}),) if officers else ()) + values

    return ({k: figures(v) for k, v in department.items()},
            {k: figures(v, officers=False) for k, v in category.items()},
            {k: figures(v) for k, v in unit.items()})


def _stored():
    db.session.expire_all()
    return ({(r.department_id, r.month): (r.officers, r.entries, r.points, r.approved_points)
             for r in db.session.scalars(select(DepartmentMonth))},
            {(r.department_id, r.month, r.category_id): (r.entries, r.points, r.approved_points)
             for r in db.session.scalars(select(DepartmentMonthCategory))},
            {(r.unit_id, r.month): (r.officers, r.entries, r.points, r.approved_points)
             for r in db.session.scalars(select(UnitMonth))})


def test_ledger_totals_always_equal_the_raw_sums(app, org, catalog):
    officers = [org["officer_a"], org["supervisor_a"], org["officer_b"]]
    departments = [org.dept_a, admin.create_department(org.county_a, {"code": "XZ", "name": "Brigade"}, None),
                   org.dept_b]
    db.session.commit()

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(entries, signings)
    def check(logged, signing):
        try:
            rows = []
            for person, day, department, task, cents, status, adjust in logged:
                work_date = FIRST_MONDAY + timedelta(days=day)
                points = Decimal(cents) / 100
                approved = (points * (100 + adjust) / 100).quantize(Decimal("0.01"))
                bulk_entries(officers[person], departments[department], catalog[task], [work_date], str(points),
                             approved=str(approved), status=status, signed=False)
                rows.append({"person": person, "day": work_date, "monday": day // 7, "department":
                             departments[department], "category": catalog[task].category_id, "points": points,
                             "approved": approved, "status": status})
            signed = set()
            for person, week, sign in signing:  # signing and reopening weeks, in order
                monday = FIRST_MONDAY + timedelta(days=7 * week)
                if sign and (person, week) not in signed:
                    ledgers.sign_weeks([officers[person].id], monday)  # by delta, as signing does
                else:
                    integrity.allow_reopening(db.session)  # the recorded reopening's leave, on PostgreSQL
                    ledgers.mark_week(officers[person].id, monday, sign)  # recomputed, as reopening does
                (signed.add if sign else signed.discard)((person, week))
            assert _stored() == _sums(rows, signed)
            # A whole team's week signed at once (bulk signing) adds the same as one by one.
            team = [p for p in range(3) if (p, 1) not in signed]
            ledgers.sign_weeks([officers[p].id for p in team], FIRST_MONDAY + timedelta(days=7))
            signed |= {(p, 1) for p in team}
            assert _stored() == _sums(rows, signed)
            # Rebuilding everything from scratch agrees too.
            ledgers.refresh_all()
            assert _stored() == _sums(rows, signed)
        finally:
            db.session.rollback()
        assert db.session.scalar(select(Entry.id).limit(1)) is None

    check()


def test_an_officer_is_counted_once_however_many_of_their_weeks_are_signed(app, org, catalog):
    """Signing adds to the ledgers by delta: the officer is added to a department's and a unit's month with
    their first signed week there, and not again with the next ones; a week across two months counts in both."""
    officer, other = org["officer_a"], org["supervisor_a"]
    brigade = admin.create_department(org.county_a, {"code": "XZ", "name": "Brigade"}, None)
    weeks = [FIRST_MONDAY + timedelta(days=7 * w) for w in range(3)]  # 19 Oct, 26 Oct (into November), 2 Nov
    for monday in weeks:
        bulk_entries(officer, org.dept_a, catalog["T1"], [monday, monday + timedelta(days=4)], "3", signed=False)
        bulk_entries(other, brigade, catalog["T2"], [monday + timedelta(days=1)], "2", signed=False)
    for monday in weeks:
        ledgers.sign_weeks([officer.id, other.id], monday)
    db.session.commit()
    october, november = date(2026, 10, 1), date(2026, 11, 1)
    stored = {(r.department_id, r.month): (r.officers, r.entries) for r in db.session.scalars(select(DepartmentMonth))}
    # Officer A: 19, 23, 26, 30 October and 2, 6 November; the supervisor: 20, 27 October and 3 November.
    assert stored == {(org.dept_a.id, october): (1, 4), (org.dept_a.id, november): (1, 2),
                      (brigade.id, october): (1, 2), (brigade.id, november): (1, 1)}
    units = {(r.unit_id, r.month): (r.officers, r.entries) for r in db.session.scalars(select(UnitMonth))}
    assert units == {(org.county_a.id, october): (2, 6), (org.county_a.id, november): (2, 3)}
