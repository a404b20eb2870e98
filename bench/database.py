"""Figures of the product's services on the province, each against hand-written SQL over the same rows, timed in the
same run, repeated (BENCH_REPEATS), product and floor taking turns.

- month close (``flask month close``) of the biggest county, of the biggest city with its counties (``--subtree``)
  and of the province, each run in a process of its own (bench/child.py); the floor is the GROUP BY of each
  officer's entries and day logs of the month over the same units. The province's also gives peak memory.
- ledger refresh of the county's month (ledgers.services.refresh) against one DELETE and one INSERT … SELECT …
  GROUP BY (department, category) of the same signed entries; ledger check of the month against the GROUP BY.
- one week signature (weekly.services.sign_week, password check included, then without it) of a week made ready the
  way the panel's unsign makes it, against the bare writes it needs: UPDATE of the week row and of its entries (put
  back in a transaction that says it reopens, which PostgreSQL's guards of signed weeks let through).
- one entry save (daily.services.add_entry) against a bare INSERT of the same entry row; both with the number
  of SQL statements they ran.
- a promotion round's judgement of the city and of the province, the survey's month and the units' evaluation,
  each against the GROUP BY they stand on.
- the supervisor-leniency report of the biggest county's month (leniency.queries.report) against the bare GROUP BY
  of the county's reviewed entries of the month by officer, sequence and reviewer.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import event, select, text

from bench.data import ROOT, Cast, Settings, child_environment
from bench.figures import info, line, p50, timings


class Statements:
    """SQL statements sent by the app's engine while counting (a ``before_cursor_execute`` listener)."""

    def __init__(self, engine):
        self.engine, self.count = engine, 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement: str, *_args) -> None:
        # SQLite's BEGIN is sent as a statement (worklog/db.py), PostgreSQL's by the driver: counted on neither.
        if not statement.startswith("BEGIN"):
            self.count += 1

    @contextmanager
    def counting(self):
        self.count = 0
        yield self

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


# --- Month close, in processes of their own -----------------------------------------------------------------------


def child(settings: Settings, url: str, cast: Cast, *args: str) -> dict:
    env = child_environment(url) | {"BENCH_FIXED_NOW": cast.now.isoformat(), "BENCH_PASSWORD": settings.password}
    done = subprocess.run([sys.executable, "-m", "bench.child", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    if done.returncode != 0:
        raise RuntimeError(f"bench.child {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def month_close(settings: Settings, url: str, cast: Cast) -> None:
    kind = settings.kind
    for name, unit, subtree in (("county", cast.county, False), ("city", cast.city, True),
                                ("province", cast.province, True)):
        flag = ["--subtree"] if subtree else []
        product, floor, product_mb, floor_mb, officers = [], [], [], [], 0
        for _ in range(settings.repeats):
            done = child(settings, url, cast, "close", unit.code, cast.month_key, *flag)
            product.append(done["seconds"])
            product_mb.append(done["rss_mb"])
            officers = done["officers"]
            done = child(settings, url, cast, "close-floor", str(unit.id), cast.month_key, *flag)
            floor.append(done["seconds"])
            floor_mb.append(done["rss_mb"])
        timings(f"month_close_{name}_{kind}", product, floor, officers=officers, code=unit.code)
        if name == "province":
            # The floor of a peak is the process's own size: the app made, one SELECT (floor_read: the GROUP BY's).
            base = child(settings, url, cast, "base")
            line(f"memory_month_close_province_{kind}", max(product_mb), base["rss_mb"], "MB",
                 min=min(product_mb), floor_read=max(floor_mb), runs=len(product_mb))


# --- In this process ------------------------------------------------------------------------------------------------


def in_process(settings: Settings, app, cast: Cast) -> None:
    from worklog.extensions import db
    with app.app_context():
        counter = Statements(db.engine)
        try:
            ledger_refresh(settings, cast, counter)
            ledger_check(settings, cast)
            leniency(settings, cast)
            week_sign(settings, cast, counter)
            entry_save(settings, cast, counter)
            eligibility(settings, cast)
            survey(settings, cast)
        finally:
            counter.close()
            db.session.close()


def _department_ids(cast: Cast) -> list[int]:
    from worklog.extensions import db
    return list(db.session.scalars(text("SELECT id FROM department WHERE unit_id = :u"), {"u": cast.county.id}))


def ledger_refresh(settings: Settings, cast: Cast, counter: Statements) -> None:
    from worklog.extensions import db
    from worklog.ledgers import services as ledgers
    departments = _department_ids(cast)
    first, last = cast.month, cast.month_last
    db.session.commit()
    marks = ", ".join(f":d{i}" for i in range(len(departments)))
    ids = {f"d{i}": d for i, d in enumerate(departments)}

    def floor() -> None:
        with db.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM department_month_category WHERE department_id IN ({marks}) AND month = :m"),
                         ids | {"m": first})
            conn.execute(text(
                "INSERT INTO department_month_category (department_id, month, category_id, entries, points, "
                "approved_points) SELECT department_id, :m, category_id, count(*), sum(points), "
                "sum(CASE WHEN status = 'approved' THEN approved_points ELSE 0 END) FROM entry "
                f"WHERE department_id IN ({marks}) AND week_signed = :t AND work_date >= :m AND work_date <= :b "
                "GROUP BY department_id, category_id"), ids | {"m": first, "b": last, "t": True})

    def product() -> None:
        ledgers.refresh(departments, [first])
        db.session.commit()

    product_times, floor_times, statements = [], [], 0
    for _ in range(settings.repeats):
        floor_times.append(timed(floor))
        db.session.close()
        with counter.counting():
            product_times.append(timed(product))
            statements = counter.count
    timings(f"ledger_refresh_county_{settings.kind}", product_times, floor_times, departments=len(departments),
            statements=statements)


def ledger_check(settings: Settings, cast: Cast) -> None:
    from worklog.extensions import db
    from worklog.ledgers import queries
    product_times, floor_times, found = [], [], []

    def floor() -> None:
        with db.engine.connect() as conn:
            conn.execute(text(
                "SELECT department_id, category_id, count(*), sum(points), "
                "sum(CASE WHEN status = 'approved' THEN approved_points ELSE 0 END) FROM entry "
                "WHERE week_signed = :t AND work_date >= :a AND work_date <= :b GROUP BY department_id, category_id"),
                {"t": True, "a": cast.month, "b": cast.month_last}).all()

    for _ in range(settings.repeats):
        floor_times.append(timed(floor))
        db.session.close()
        product_times.append(timed(lambda: found.extend(queries.differences(cast.month))))
        db.session.rollback()
    timings(f"ledger_check_{settings.kind}", product_times, floor_times, differences=len(found) // settings.repeats)
    if found:
        info(f"ledger check found differences: {found[:3]}")


def _sign_weeks(cast: Cast, n: int) -> list[tuple[int, object, int]]:
    """(officer, Monday, supervisor) of weeks signed by the generator in the county, one per officer, n of them."""
    from worklog.extensions import db
    rows = db.session.execute(text(
        "SELECT w.person_id, w.week_start, a.supervisor_id FROM week_review w "
        "JOIN assignment a ON a.person_id = w.person_id AND a.valid_to IS NULL "
        "WHERE w.unit_id = :u AND w.status = 'signed' AND w.week_start >= :a AND w.week_start <= :b "
        "AND a.supervisor_id IS NOT NULL AND w.person_id <> :panel "
        "AND NOT EXISTS (SELECT 1 FROM role_grant g WHERE g.person_id = w.person_id AND g.role = 'panel') "
        "ORDER BY w.week_start DESC, w.person_id"),
        {"u": cast.county.id, "a": cast.month, "b": cast.month_last - timedelta(days=6), "panel": cast.panel.id}).all()
    chosen, seen = [], set()
    for person_id, monday, supervisor_id in rows:  # different officers first, then more weeks of the same
        if person_id not in seen:
            seen.add(person_id)
            chosen.append((person_id, monday, supervisor_id))
    chosen += [r for r in rows if tuple(r) not in chosen]
    if not chosen:
        raise SystemExit("no signed week in the county to sign again")
    return [tuple(chosen[i % len(chosen)]) for i in range(n)]


def week_sign(settings: Settings, cast: Cast, counter: Statements) -> None:
    """Each turn: the panel unsigns a signed week (weekly.services.unsign_week, as its page does); the floor signs it
    with two bare UPDATEs and puts it back the same way; the product signs it (sign_week, password and all); the
    panel unsigns it again and the product signs it without the password check (the database's part alone)."""
    from datetime import date
    from models import Person, WeekReview
    from worklog import integrity
    from worklog.extensions import db
    from worklog.weekly import services as weekly

    def unsign(person_id: int, monday: date) -> None:
        review = db.session.scalar(select(WeekReview).where(WeekReview.person_id == person_id,
                                                            WeekReview.week_start == monday))
        weekly.unsign_week(review, "bench: signed again", db.session.get(Person, cast.panel.id))
        db.session.commit()
        db.session.close()

    def bare(review_id: int, person_id: int, monday: date, signer: int | None) -> None:
        with db.engine.begin() as conn:
            if not signer:
                # Putting the floor's signature back changes a signed week's rows: on PostgreSQL the guards of
                # migration 0011 let that through only to a transaction that says it reopens (as unsign_week does).
                integrity.allow_reopening(conn)
            conn.execute(text("UPDATE week_review SET status = :s, signed_by_id = :by, signed_at = :at, "
                              "version = version + 1 WHERE id = :id"),
                         {"s": "signed" if signer else "open", "by": signer, "id": review_id,
                          "at": cast.now.replace(tzinfo=None) if signer else None})
            conn.execute(text("UPDATE entry SET week_signed = :v WHERE person_id = :p AND work_date >= :a "
                              "AND work_date <= :b"),
                         {"v": bool(signer), "p": person_id, "a": monday, "b": monday + timedelta(days=6)})

    whole, database_only, floor, statements, floor_statements = [], [], [], [], []
    for person_id, monday, supervisor_id in _sign_weeks(cast, settings.repeats):
        if isinstance(monday, str):
            monday = date.fromisoformat(monday)
        unsign(person_id, monday)
        review_id = db.session.scalar(text("SELECT id FROM week_review WHERE person_id = :p AND week_start = :m"),
                                      {"p": person_id, "m": monday})
        db.session.commit()
        with counter.counting():
            floor.append(timed(lambda: bare(review_id, person_id, monday, supervisor_id)))
            floor_statements.append(counter.count)
        bare(review_id, person_id, monday, None)

        for seconds, with_password in ((whole, True), (database_only, False)):
            person, actor = db.session.get(Person, person_id), db.session.get(Person, supervisor_id)
            with counter.counting():
                if with_password:
                    seconds.append(timed(lambda: (weekly.sign_week(person, monday, actor, settings.password),
                                                  db.session.commit())))
                    statements.append(counter.count)
                else:
                    seconds.append(timed(lambda: (weekly.sign_checked(person, monday, actor), db.session.commit())))
            db.session.close()
            if with_password:
                unsign(person_id, monday)
    kind = settings.kind
    timings(f"week_sign_{kind}", whole, floor, statements=p50(statements))
    timings(f"week_sign_without_password_{kind}", database_only, floor)
    line(f"week_sign_statements_{kind}", p50(statements), p50(floor_statements), "statements")


def entry_save(settings: Settings, cast: Cast, counter: Statements) -> None:
    """The officer saves an entry on the pinned day (its day log already made by one untimed save, as on any
    evening after the first entry); the floor inserts the same row with one bare INSERT, deleted afterwards."""
    from models import Entry, Person, TaskType
    from worklog.catalog import queries as catalog
    from worklog.daily import services as daily
    from worklog.extensions import db

    officer = cast.team[1][0] if len(cast.team) > 1 else cast.team[0][0]
    day = cast.today

    def data() -> dict:
        person = db.session.get(Person, officer.id)
        option = catalog.task_options(person.assignment_on(day), person.id, day)[0]
        return person, {"work_date": day, "task_type": db.session.get(TaskType, option.id),
                        "quantity": Decimal("0.1"), "hours": Decimal("0"), "description": "bench",
                        "completion": "done"}

    person, values = data()
    first = daily.add_entry(person, values, person)
    db.session.commit()
    columns = [c.name for c in Entry.__table__.columns if c.name != "id"]
    row = {name: getattr(first, name) for name in columns}
    db.session.close()

    product, floor, statements, floor_statements = [], [], [], []
    for _ in range(settings.repeats):
        with counter.counting():
            inserted = []

            def bare() -> None:
                with db.engine.begin() as conn:
                    inserted.append(conn.execute(Entry.__table__.insert().values(row)).inserted_primary_key[0])
            floor.append(timed(bare))
            floor_statements.append(counter.count)
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM entry WHERE id = :id"), {"id": inserted[0]})
        person, values = data()
        with counter.counting():
            product.append(timed(lambda: (daily.add_entry(person, values, person), db.session.commit())))
            statements.append(counter.count)
        db.session.close()
    kind = settings.kind
    timings(f"entry_save_{kind}", product, floor, statements=p50(statements))
    line(f"entry_save_statements_{kind}", p50(statements), p50(floor_statements), "statements")


def _round_floor(unit_path: str, cast: Cast):
    """The final months' grades of every officer of the subtree in the twelve months before the reference date."""
    from worklog.extensions import db
    start = (cast.today.replace(day=1) - timedelta(days=366)).replace(day=1)

    def floor() -> None:
        with db.engine.connect() as conn:
            conn.execute(text(
                "SELECT r.person_id, count(*), sum(CASE WHEN r.final_grade = 'excellent' THEN 1 ELSE 0 END) "
                "FROM month_result r JOIN month_review v ON v.id = r.month_review_id JOIN unit u ON u.id = v.unit_id "
                "WHERE v.status = 'final' AND v.month >= :a AND v.month < :b AND u.path LIKE :p "
                "GROUP BY r.person_id"), {"a": start, "b": cast.today, "p": unit_path + "%"}).all()
    return floor


def eligibility(settings: Settings, cast: Cast) -> None:
    from models import Unit
    from worklog.annual import rounds
    from worklog.extensions import db
    from worklog.rules.eligibility import DEFAULT_POLICIES
    policy = DEFAULT_POLICIES["competitive_promotion"]
    for name, unit_ref in (("city", cast.city), ("province", cast.province)):
        product, floor, error, judged = [], [], None, 0
        floor_fn = _round_floor(unit_ref.path, cast)
        for _ in range(settings.repeats):
            floor.append(timed(floor_fn))
            db.session.close()
            unit = db.session.get(Unit, unit_ref.id)
            try:
                started = time.perf_counter()
                judged = len(rounds.judge(policy, unit, cast.today))
                product.append(time.perf_counter() - started)
            except Exception as e:  # the figure says it failed; the run goes on
                error = type(e).__name__
                info(f"eligibility over {unit_ref.code} failed: {str(e).splitlines()[0][:300]}")
                db.session.rollback()
                break
            db.session.rollback()
        if error:
            line(f"eligibility_{name}_{settings.kind}", float("nan"), p50(floor), "s", error=error)
        else:
            timings(f"eligibility_{name}_{settings.kind}", product, floor, officers=judged)


def survey(settings: Settings, cast: Cast) -> None:
    from worklog.extensions import db
    from worklog.units import evaluation, statistics

    def calls() -> None:
        with db.engine.connect() as conn:
            conn.execute(text(
                "SELECT d.unit_id, d.kind, c.outcome, count(c.id) FROM survey_draw d "
                "JOIN survey_call c ON c.draw_id = d.id WHERE d.month = :m AND c.outcome IS NOT NULL "
                "GROUP BY d.unit_id, d.kind, c.outcome"), {"m": cast.month}).all()

    def evaluation_floor() -> None:
        calls()
        with db.engine.connect() as conn:
            conn.execute(text("SELECT unit_id, officers, approved_points FROM unit_month WHERE month = :m"),
                         {"m": cast.month}).all()

    for name, product_fn, floor_fn in (
            ("survey_statistics", lambda: statistics.statistics(cast.month, False, None), calls),
            ("unit_evaluation", lambda: evaluation.compute(cast.month, False), evaluation_floor)):
        product, floor = [], []
        for _ in range(settings.repeats):
            floor.append(timed(floor_fn))
            db.session.close()
            product.append(timed(product_fn))
            db.session.rollback()
        timings(f"{name}_{settings.kind}", product, floor)


def leniency(settings: Settings, cast: Cast) -> None:
    from models import Unit
    from worklog.extensions import db
    from worklog.leniency import queries

    def floor() -> None:
        with db.engine.connect() as conn:
            conn.execute(text(
                "SELECT person_id, sequence_id, reviewed_by_id, count(*), "
                "sum(CASE WHEN approved_points IS NOT NULL AND approved_points <> points THEN 1 ELSE 0 END), "
                "sum(CASE WHEN returned_count > 0 THEN 1 ELSE 0 END), "
                "sum(CASE WHEN approved_points IS NOT NULL THEN points END), sum(approved_points) FROM entry "
                "WHERE unit_id = :u AND work_date >= :a AND work_date <= :b AND reviewed_by_id IS NOT NULL "
                "GROUP BY person_id, sequence_id, reviewed_by_id"),
                {"u": cast.county.id, "a": cast.month, "b": cast.month_last}).all()

    product, floor_times, found = [], [], (0, 0)
    for _ in range(settings.repeats):
        floor_times.append(timed(floor))
        db.session.close()
        unit = db.session.get(Unit, cast.county.id)
        started = time.perf_counter()
        report = queries.report(unit, cast.month, cast.month)
        product.append(time.perf_counter() - started)
        found = (len(report.rows), report.flagged)
        db.session.rollback()
    timings(f"leniency_county_{settings.kind}", product, floor_times, supervisors=found[0], flagged=found[1])


def grading(settings: Settings) -> None:
    """The pure grading of one group of 4,000 officers (a large unit's sequence), against sorting their scores."""
    import random
    from worklog.rules.grading import GradeInput, grade_group
    from worklog.rules.ruleset import RuleValues
    rng = random.Random(3)
    items = [GradeInput(i, Decimal(rng.randint(5000, 11000)) / 100, rng.random() < 0.01) for i in range(4000)]
    rules = RuleValues()
    product, floor = [], []
    for _ in range(max(5, settings.repeats)):
        floor.append(timed(lambda: sorted(items, key=lambda i: (i.veto, -i.score))))
        product.append(timed(lambda: grade_group(items, rules)))
    timings("grade_group_4000_officers", product, floor)


def memory_exports(settings: Settings, url: str, cast: Cast) -> None:
    """Peak memory of the largest exports (HR's rounds over the province and over the city, XLSX), each in a process
    of its own signed in as HR, against the same app in the same kind of process answering the one-SELECT floor."""
    floor = child(settings, url, cast, "get", cast.hr.badge, f"/_bench/select?id={cast.officer.id}")
    for name, round_id in (("province", cast.round_province), ("city", cast.round_city)):
        product = child(settings, url, cast, "get", cast.hr.badge, f"/hr/rounds/{round_id}/export.xlsx")
        line(f"memory_export_round_{name}_{settings.kind}", product["rss_mb"], floor["rss_mb"], "MB",
             status=str(product["status"]), bytes=product["bytes"], seconds=product["seconds"])


def startup(settings: Settings, url: str) -> None:
    """`flask --app app --help` (the app made, every command registered) against `python -c "import flask"`."""
    env = child_environment(url)
    flask = [sys.executable, "-m", "flask", "--app", "app", "--help"]
    bare = [sys.executable, "-c", "import flask"]
    product, floor = [], []
    for _ in range(settings.startup_runs):
        for command, times in ((bare, floor), (flask, product)):
            started = time.perf_counter()
            subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=True)
            times.append(time.perf_counter() - started)
    timings("startup_flask_help", product, floor)
