"""Benchmarks of the month close and the ledgers: prints one line per figure, ``name value unit``.

A county bureau of 1,000 officers in 20 departments and two sequences logs a month (October 2026: 22
working days, about 4 entries a day, every week approved and signed): about 88,000 entries, built with bulk
inserts. Then, on a fresh SQLite file in a temporary folder, and on PostgreSQL when BENCH_DATABASE_URL or
TEST_DATABASE_URL is set (in a scratch database beside that one, dropped afterwards):

- ``ledger_refresh_<db>_1000_officers``: worklog.ledgers.services.refresh() of the unit's departments for
  the month (what signing or finalising runs);
- ``month_close_<db>_1000_officers``: worklog.monthly.services.compute() of the unit's month, alone (the
  month already opened; each run in a fresh session; the median of three runs);
- ``ledger_check_<db>_1000_officers``: `flask ledger check --month` of that month;

- ``eligibility_<db>_5000_officers``: a promotion round's list for a unit of 5,000 officers with 12 final
  months of grades (facts gathered from the database, then the rules evaluated);

- ``survey_statistics_<db>_province`` and ``unit_evaluation_<db>_province``: the month's survey statistics
  and the units' comprehensive evaluation of a whole province (14 city bureaus, 129 county bureaus, the
  source's 58,238 people called in a month, a ledger month and a poll for every unit);

and, without a database, ``grade_group_4000_officers``: the pure grading of one group of 4,000 officers
(a large unit's one sequence), which compute() runs once per sequence.

``--profile`` prints where compute() spends its time (cProfile, to standard error).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import create_engine, insert, make_url, select, text

OFFICERS = 1000
DEPARTMENTS = 20
ENTRIES_A_DAY = 4
MONTH = date(2026, 10, 1)
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)  # the month is over and every day is due
RUNS = 3


def info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def figure(name: str, value: float, unit: str = "s") -> None:
    print(f"{name} {value:.3f} {unit}", flush=True)


@contextmanager
def scratch_database(base_url: str):
    """A database beside ``base_url``'s, created for this run and dropped after it (like the tests')."""
    from worklog.config import normalise_database_url
    base = make_url(normalise_database_url(base_url))
    name = f"{base.database}_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def working_days(month: date) -> list[date]:
    days, day = [], month
    while day.month == month.month:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def populate(seed: int = 5):
    """The county, its catalog, people and a signed month, in bulk. Returns (unit, department ids)."""
    from models import Assignment, DayLog, Entry, Person, TaskCategory, TaskType, TaskTypeVersion
    from worklog.admin import services as admin
    from worklog.demo_day import rebuild_day_totals
    from worklog.extensions import db
    from worklog.rules.points import COMPLETION_FACTORS, entry_points

    rng = random.Random(seed)
    province = admin.create_unit(None, {"code": "BP", "name": "Bench province", "level": "province"}, None)
    city = admin.create_unit(province, {"code": "BC", "name": "Bench city"}, None)
    county = admin.create_unit(city, {"code": "BX", "name": "Bench county"}, None)
    departments = [admin.create_department(county, {"code": f"D{i:02d}", "name": f"Department {i}"}, None)
                   for i in range(DEPARTMENTS)]
    posts = []
    for s in range(2):
        sequence = admin.save_sequence(None, {"code": f"S{s}", "name": f"Sequence {s}"}, None)
        for p in range(2):
            posts.append(admin.save_post(None, {"sequence": sequence, "code": f"S{s}P{p}", "name": f"Post {s}{p}",
                                                "coefficient": Decimal("1.00") if p == 0 else Decimal("0.85"),
                                                "monthly_target_points": Decimal("400")}, None))
    tasks = []
    for c in range(4):
        category = TaskCategory(code=f"C{c}", name=f"Category {c}", position=c)
        db.session.add(category)
        for t in range(3):
            task = TaskType(code=f"C{c}T{t}", name=f"Task {c}.{t}", category=category, sequence=None,
                            unit_of_measure="item")
            task.versions.append(TaskTypeVersion(valid_from=date(2026, 1, 1), standard_points=Decimal(f"{t + 1}.00"),
                                                 daily_cap=Decimal("50")))
            db.session.add(task)
            tasks.append(task)
    db.session.flush()

    now = datetime.now(timezone.utc)
    db.session.execute(insert(Person), [
        {"badge": f"B{i:06d}", "name": f"Officer {i}", "rank": "", "hire_date": date(2015, 1, 1), "active": True,
         "must_change_password": False, "created_at": now} for i in range(OFFICERS)])
    people = list(db.session.scalars(select(Person.id).where(Person.badge.like("B%")).order_by(Person.badge)))
    placed = {pid: (departments[i % DEPARTMENTS], posts[i % len(posts)]) for i, pid in enumerate(people)}
    db.session.execute(insert(Assignment), [
        {"person_id": pid, "department_id": d.id, "post_id": p.id, "supervisor_id": None,
         "valid_from": date(2026, 1, 1), "valid_to": None} for pid, (d, p) in placed.items()])

    days = working_days(MONTH)
    logs = []
    for pid, (department, post) in placed.items():
        for day in days:
            if rng.random() < 0.02:
                continue  # a missing day
            deadline = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
            late = rng.random() < 0.03
            logs.append({"person_id": pid, "work_date": day, "unit_id": county.id, "department_id": department.id,
                         "sequence_id": post.sequence_id, "status": "submitted", "self_assessment": "ok",
                         "submitted_at": deadline + timedelta(hours=3 if late else -12), "deadline_at": deadline,
                         "late": late, "version": 1})
    db.session.execute(insert(DayLog), logs)
    day_ids = {(pid, day): i for i, pid, day in db.session.execute(select(DayLog.id, DayLog.person_id,
                                                                          DayLog.work_date))}
    rows = []
    for log in logs:
        department, post = placed[log["person_id"]]
        for task in rng.sample(tasks, ENTRIES_A_DAY):
            version = task.versions[0]
            quantity = Decimal(rng.randint(1, 4))
            completion = rng.choices(["done", "mostly", "not_done"], weights=[90, 9, 1])[0]
            points = entry_points(quantity, version.standard_points, COMPLETION_FACTORS[completion], post.coefficient)
            adjusted = rng.random() < 0.03
            rows.append({
                "day_id": day_ids[(log["person_id"], log["work_date"])], "person_id": log["person_id"],
                "work_date": log["work_date"], "task_type_id": task.id, "task_type_version_id": version.id,
                "category_id": task.category_id, "unit_id": county.id, "department_id": department.id,
                "post_id": post.id, "sequence_id": post.sequence_id, "quantity": quantity, "hours": Decimal("2"),
                "description": "", "completion": completion, "standard_points": version.standard_points,
                "completion_factor": COMPLETION_FACTORS[completion], "coefficient": post.coefficient,
                "points": points, "approved_points": (points * Decimal("0.8")).quantize(Decimal("0.01"))
                if adjusted else points, "status": "approved", "review_note": "adjusted" if adjusted else "",
                "returned_count": 1 if rng.random() < 0.01 else 0, "week_signed": True, "version": 1,
                "created_at": log["submitted_at"], "updated_at": log["submitted_at"]})
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(Entry), rows[start:start + 10_000])
    rebuild_day_totals(days[0], days[-1])
    db.session.commit()
    return county.id, [d.id for d in departments], len(rows)


def run(kind: str, url: str, profile: bool) -> None:
    from models import MonthReview, Unit
    from worklog import create_app, migrate
    from worklog.extensions import db
    from worklog.ledgers import queries, services as ledgers
    from worklog.monthly import services as monthly

    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "FIXED_NOW": NOW})
    with app.app_context():
        started = time.perf_counter()
        unit_id, department_ids, entries = populate()
        info(f"{kind}: {OFFICERS} officers, {entries} entries built in {time.perf_counter() - started:.1f} s")
        if kind == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()

        started = time.perf_counter()
        ledgers.refresh(department_ids, [MONTH])
        figure(f"ledger_refresh_{kind}_{OFFICERS}_officers", time.perf_counter() - started)
        db.session.commit()

        monthly.open_month(db.session.get(Unit, unit_id), MONTH, None)
        db.session.commit()
        timings = []
        for run_number in range(RUNS):
            db.session.close()  # a fresh session each time: nothing cached from the run before
            review = db.session.scalar(select(MonthReview).where(MonthReview.unit_id == unit_id))
            profiler = cProfile.Profile() if profile and run_number == 0 else None
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            officers = monthly.compute(review, None)
            if profiler:
                profiler.disable()
            timings.append(time.perf_counter() - started)
            db.session.commit()
            assert officers == OFFICERS, officers
            if profiler:
                info(f"--- {kind}: compute() profile, by cumulative time ---")
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
        info(f"{kind}: compute() runs: " + ", ".join(f"{t:.3f}" for t in timings) + " s")
        figure(f"month_close_{kind}_{OFFICERS}_officers", statistics.median(timings))

        started = time.perf_counter()
        found = queries.differences(MONTH)
        figure(f"ledger_check_{kind}_{OFFICERS}_officers", time.perf_counter() - started)
        assert not found, found[:5]
        eligibility(kind)
        province(kind)
        db.session.close()
        db.engine.dispose()


ELIGIBILITY_OFFICERS = 5000


def eligibility(kind: str) -> None:
    """A unit of 5,000 officers with 12 final months of grades: judge them all for competitive promotion
    (gathering the facts from the database and evaluating the rules), as a promotion round's page does."""
    from models import Assignment, MonthResult, MonthReview, Person, Post, Unit
    from worklog.admin import services as admin
    from worklog.annual import rounds
    from worklog.extensions import db
    from worklog.rules.eligibility import DEFAULT_POLICIES

    rng = random.Random(9)
    city = db.session.scalar(select(Unit).where(Unit.code == "BC"))
    unit = admin.create_unit(city, {"code": "BE", "name": "Bench eligibility county"}, None)
    department = admin.create_department(unit, {"code": "E", "name": "Everyone"}, None)
    post = db.session.scalar(select(Post).order_by(Post.id).limit(1))
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    db.session.execute(insert(Person), [
        {"badge": f"E{i:05d}", "name": f"Officer {i}", "rank": "", "hire_date": date(2015, 1, 1), "active": True,
         "must_change_password": False, "created_at": now} for i in range(ELIGIBILITY_OFFICERS)])
    ids = list(db.session.scalars(select(Person.id).where(Person.badge.like("E%")).order_by(Person.id)))
    db.session.execute(insert(Assignment), [
        {"person_id": pid, "department_id": department.id, "post_id": post.id, "supervisor_id": None,
         "valid_from": date(2025, 1, 1), "valid_to": None} for pid in ids])
    grades = ("excellent", "competent", "competent", "competent", "basic")
    for m in range(12):
        month = date(2025 + (10 + m) // 12, (10 + m) % 12 + 1, 1)  # 2025-11 … 2026-10
        review = MonthReview(unit_id=unit.id, month=month, status="final", reopened=0)
        db.session.add(review)
        db.session.flush()
        db.session.execute(insert(MonthResult), [
            {"month_review_id": review.id, "person_id": pid, "department_id": department.id,
             "sequence_id": post.sequence_id, "post_id": post.id, "approved_points": Decimal("400"),
             "target_points": Decimal("400"), "missing_days": 0, "late_days": 0, "returned_entries": 0,
             "reduced_entries": 0, "discipline_deductions": Decimal("0"), "quality_deductions": Decimal("0"),
             "commendations": Decimal("0"), "base": Decimal("30"), "workload": Decimal("50"),
             "quality": Decimal("20"), "bonus": Decimal("0"), "score": Decimal("80"), "veto": False, "rank": 1,
             "group_size": ELIGIBILITY_OFFICERS, "quota": 1000, "proposed_grade": g, "final_grade": g,
             "explanation": {}} for pid, g in ((pid, rng.choice(grades)) for pid in ids)])
    db.session.commit()
    db.session.close()
    unit = db.session.scalar(select(Unit).where(Unit.code == "BE"))
    started = time.perf_counter()
    judged = rounds.judge(DEFAULT_POLICIES["competitive_promotion"], unit, date(2026, 11, 15))
    figure(f"eligibility_{kind}_{ELIGIBILITY_OFFICERS}_officers", time.perf_counter() - started)
    info(f"{kind}: {sum(1 for _p, e in judged if e.eligible)} of {len(judged)} eligible")


CITIES, COUNTIES, CALLS = 14, 129, 58_238


def province(kind: str) -> None:
    """A province's month of the survey and its units' evaluation, built with bulk inserts."""
    from models import (CallOutcome, ContactKind, OpinionPoll, SurveyCall, SurveyContact, SurveyDraw, Unit,
                        UnitMonth)
    from worklog.admin import services as admin
    from worklog.extensions import db
    from worklog.units import evaluation, statistics as survey_statistics

    rng = random.Random(14)
    top = db.session.scalar(select(Unit).where(Unit.code == "BP"))
    cities = [admin.create_unit(top, {"code": f"PC{c:02d}", "name": f"City {c}"}, None) for c in range(CITIES)]
    counties = [admin.create_unit(cities[c % CITIES], {"code": f"PX{c:03d}", "name": f"County {c}"}, None)
                for c in range(COUNTIES)]
    units = cities + counties
    db.session.flush()
    db.session.execute(insert(UnitMonth), [
        {"unit_id": u.id, "month": MONTH, "officers": rng.randint(80, 900), "entries": 0, "points": Decimal(0),
         "approved_points": Decimal(rng.randint(30_000, 400_000))} for u in units])
    db.session.execute(insert(OpinionPoll), [
        {"unit_id": u.id, "round_month": MONTH, "label": "", "score": Decimal(rng.randint(7000, 9800)) / 100,
         "sample_size": rng.randint(200, 600), "imported_at": NOW} for u in units])
    kinds = [k.value for k in ContactKind]
    outcomes = [o.value for o in CallOutcome]
    per_draw = CALLS // (len(units) * len(kinds)) + 1
    contacts, draws, calls = [], [], []
    contact_id = draw_id = 10_000_000
    for unit in units:
        for contact_kind in kinds:
            draw_id += 1
            draws.append({"id": draw_id, "unit_id": unit.id, "kind": contact_kind, "month": MONTH, "sample_size": per_draw,
                          "seed": rng.getrandbits(62), "candidates": per_draw, "eligible": per_draw,
                          "no_repeat_days": 180, "drawn_at": NOW})
            for position in range(1, per_draw + 1):
                if len(calls) == CALLS:
                    break
                contact_id += 1
                contacts.append({"id": contact_id, "unit_id": unit.id, "kind": contact_kind, "contact_date": MONTH,
                                 "reference": "", "name": "", "phone_cipher": "x", "phone_hash": f"{contact_id:x}",
                                 "phone_last4": "0000", "imported_at": NOW})
                calls.append({"draw_id": draw_id, "contact_id": contact_id, "position": position,
                              "outcome": rng.choices(outcomes, (60, 20, 5, 10, 5))[0], "comment": "",
                              "called_at": NOW, "version": 1})
    db.session.execute(insert(SurveyContact), contacts)
    db.session.execute(insert(SurveyDraw), draws)
    db.session.execute(insert(SurveyCall), calls)
    db.session.commit()
    if kind == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    db.session.close()

    started = time.perf_counter()
    figures = survey_statistics.statistics(MONTH, False, None)
    figure(f"survey_statistics_{kind}_province", time.perf_counter() - started)
    assert figures.total.called == CALLS, figures.total.called
    db.session.close()
    started = time.perf_counter()
    result = evaluation.compute(MONTH, False)
    figure(f"unit_evaluation_{kind}_province", time.perf_counter() - started)
    rated = sum(len(group.rated) for group in result.groups)
    info(f"{kind}: {figures.total.called} calls, {figures.total.valid} valid, satisfaction "
         f"{figures.total.satisfaction}; {rated} units rated")


def grading() -> None:
    from worklog.rules.grading import GradeInput, grade_group
    from worklog.rules.ruleset import RuleValues
    rng = random.Random(3)
    items = [GradeInput(i, Decimal(rng.randint(5000, 11000)) / 100, rng.random() < 0.01) for i in range(4000)]
    started = time.perf_counter()
    grade_group(items, RuleValues())
    figure("grade_group_4000_officers", time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="profile compute() (to standard error)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="run on one database only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # The app reads neither the developer's instance/config.py nor their WORKLOG_ settings.
        os.environ["WORKLOG_INSTANCE_PATH"] = folder
        for name in [n for n in os.environ if n.startswith("WORKLOG_") and n != "WORKLOG_INSTANCE_PATH"]:
            del os.environ[name]
        if args.only in (None, "sqlite"):
            run("sqlite", f"sqlite:///{os.path.join(folder, 'bench.db')}", args.profile)
        pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
        if args.only in (None, "postgresql"):
            if pg:
                with scratch_database(pg) as url:
                    run("postgresql", url, args.profile)
            else:
                info("postgresql: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL)")
    if args.only is None:
        grading()


if __name__ == "__main__":
    main()
