"""Monthly partitions of the per-day tables on PostgreSQL (migration 0009, `flask db partitions`): a database
holding work in several months upgrades with every row in its month's partition, ids going on, keys behaving as
before; it downgrades again; the command makes months ahead, sweeps the DEFAULT partition and is idempotent."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import IntegrityError

from models import partitions
from tests.conftest import PG_URL, TEST_CONFIG, scratch_postgres
from worklog import create_app, migrate

needs_postgresql = pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL is not set")

#: The clock the command sees: months ahead count from November 2026.
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)
#: Days with work before the upgrade: three months of the past, this month, and one far ahead.
DAYS = [date(2025, 12, 31), date(2026, 1, 5), date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 2),
        date(2030, 6, 1)]


def _organisation(c) -> None:
    c.execute(text("INSERT INTO unit (id, code, name, level, path, active) VALUES (1, 'U', 'Unit', 'county', '/1/', TRUE)"))
    c.execute(text("INSERT INTO department (id, unit_id, code, name, active) VALUES (1, 1, 'D', 'Dept', TRUE)"))
    c.execute(text("INSERT INTO sequence (id, code, name) VALUES (1, 'S', 'Seq')"))
    c.execute(text("INSERT INTO post (id, sequence_id, code, name, coefficient, monthly_target_points, active) "
                   "VALUES (1, 1, 'P', 'Post', 1, 400, TRUE)"))
    for person_id in (1, 2):
        c.execute(text("INSERT INTO person (id, badge, name, rank, active, must_change_password, created_at) "
                       "VALUES (:id, :badge, 'A', '', TRUE, FALSE, '2026-01-01 00:00:00+00')"),
                  {"id": person_id, "badge": str(person_id)})
    c.execute(text("INSERT INTO task_category (id, code, name, position) VALUES (1, 'C', 'Cat', 0)"))
    c.execute(text("INSERT INTO task_type (id, code, name, category_id, unit_of_measure, active) "
                   "VALUES (1, 'T', 'Task', 1, 'x', TRUE)"))
    c.execute(text("INSERT INTO task_type_version (id, task_type_id, valid_from, standard_points, daily_cap, "
                   "created_at) VALUES (1, 1, '2025-01-01', 1, 10, '2025-01-01 00:00:00+00')"))


def _day(c, person_id: int, work_date: date, entries: int = 2, with_total: bool = True) -> tuple[int, list[int]]:
    """A day log with ``entries`` entries and its total, ids from the sequences as the application takes them."""
    day_id = c.scalar(text(
        "INSERT INTO day_log (person_id, work_date, unit_id, department_id, sequence_id, status, self_assessment, "
        "deadline_at, late, version) VALUES (:p, :d, 1, 1, 1, 'submitted', '', :d, FALSE, 1) RETURNING id"),
        {"p": person_id, "d": work_date})
    entry_ids = [c.scalar(text(
        "INSERT INTO entry (day_id, person_id, work_date, task_type_id, task_type_version_id, category_id, unit_id, "
        "department_id, post_id, sequence_id, quantity, hours, description, completion, standard_points, "
        "completion_factor, coefficient, points, status, review_note, returned_count, week_signed, created_at, "
        "updated_at, version) VALUES (:day, :p, :d, 1, 1, 1, 1, 1, 1, 1, 1, 1, '', 'done', 1, 1, 1, 1, 'approved', "
        "'', 0, FALSE, now(), now(), 1) RETURNING id"), {"day": day_id, "p": person_id, "d": work_date})
        for _ in range(entries)]
    if with_total:
        c.execute(text(
            "INSERT INTO person_day_total (person_id, work_date, unit_id, department_id, sequence_id, entries, hours, "
            "points, approved_points) VALUES (:p, :d, 1, 1, 1, :n, :n, :n, :n)"),
            {"p": person_id, "d": work_date, "n": entries})
    return day_id, entry_ids


def _task(c, entry_id: int | None, entry_date: date | None = None) -> int:
    columns, values = "", ""
    if entry_date is not None:
        columns, values = ", entry_date", ", :d"
    return c.scalar(text(
        "INSERT INTO assigned_task (person_id, task_type_id, expected_quantity, due_date, note, status, entry_id, "
        f"created_at, version{columns}) VALUES (1, 1, 1, '2026-10-30', '', 'done', :e, now(), 1{values}) "
        "RETURNING id"), {"e": entry_id, "d": entry_date})


def _where(c, table: str) -> dict[str, set[str]]:
    """Partition name → the months of its rows."""
    found: dict[str, set[str]] = {}
    for partition, month in c.execute(text(
            f"SELECT tableoid::regclass::text, to_char(work_date, 'YYYY_MM') FROM {table}")):
        found.setdefault(partition, set()).add(month)
    return found


def _partitioned(c) -> dict[str, str]:
    return dict(c.execute(text(
        "SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.relname IN ('entry', 'day_log', 'person_day_total')")).all())


def _command(url: str, *args: str, exit_code: int = 0):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": url, "FIXED_NOW": NOW})
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["db", "partitions", *args])
        from worklog.extensions import db
        db.engine.dispose()
    assert result.exit_code == exit_code, result.output
    return result.output


@pytest.fixture
def populated():
    """A database at 0008 (before partitions) holding work in several months, then upgraded to the head."""
    with scratch_postgres("_partitions") as url:
        engine = create_engine(url)
        migrate.downgrade(engine, "0008")
        with engine.begin() as c:
            _organisation(c)
            days = {(1, d): _day(c, 1, d) for d in DAYS}
            days[(2, date(2026, 10, 30))] = _day(c, 2, date(2026, 10, 30), entries=1)
            linked = days[(1, date(2026, 10, 30))][1][0]
            task_id = _task(c, linked)
            counts = {t: c.scalar(text(f"SELECT count(*) FROM {t}")) for t in partitions.TABLES}
            highest = {t: c.scalar(text(f"SELECT max(id) FROM {t}")) for t in ("entry", "day_log")}
        migrate.upgrade(engine)
        try:
            yield url, engine, days, task_id, linked, counts, highest
        finally:
            engine.dispose()


@needs_postgresql
def test_upgrade_partitions_by_month_keeping_rows_ids_and_keys(populated):
    url, engine, days, task_id, linked, counts, highest = populated
    with engine.connect() as c:
        assert _partitioned(c) == {t: "RANGE (work_date)" for t in partitions.TABLES}
        for table in partitions.TABLES:
            assert c.scalar(text(f"SELECT count(*) FROM {table}")) == counts[table]
            where = _where(c, table)
            # Every row sits in its month's partition; none in the DEFAULT one.
            assert where == {f"{table}_{m}": {m} for m in ("2025_12", "2026_01", "2026_10", "2026_11", "2030_06")}
            names = set(partitions.partitions(c, table))
            # The months in the data, this month and the twelve after it, and the DEFAULT partition.
            assert {f"{table}_{m}" for m in ("2025_12", "2026_01", "2026_10", "2030_06")} <= names
            assert {partitions.partition_name(table, m) for m in partitions.months_ahead(date.today(), 12)} <= names
            assert f"{table}_default" in names
            assert f"{table}_2026_02" not in names     # no work, not ahead: the DEFAULT one would take it
        keys = {t: inspect(c).get_pk_constraint(t)["constrained_columns"] for t in partitions.TABLES}
        assert keys == {t: list(partitions.PRIMARY_KEYS[t]) for t in partitions.TABLES}
        # The logged task's entry date was filled from its entry.
        assert c.execute(text("SELECT entry_id, entry_date FROM assigned_task WHERE id = :i"),
                         {"i": task_id}).one() == (linked, date(2026, 10, 30))

    with engine.begin() as c:
        # Ids go on from the same sequences.
        day_id, (entry_id,) = _day(c, 1, date(2026, 11, 3), entries=1)
        assert day_id == highest["day_log"] + 1 and entry_id == highest["entry"] + 1
        assert c.scalar(text("SELECT tableoid::regclass::text FROM entry WHERE id = :i"), {"i": entry_id}) \
            == "entry_2026_11"

    with engine.begin() as c:
        # Deleting a day deletes its entries (ON DELETE CASCADE) and clears the task's link (SET NULL, entry_id only).
        day_id, entry_ids = days[(1, date(2026, 10, 30))]
        c.execute(text("DELETE FROM day_log WHERE id = :i"), {"i": day_id})
        assert c.scalar(text("SELECT count(*) FROM entry WHERE id = ANY(:ids)"), {"ids": entry_ids}) == 0
        assert c.execute(text("SELECT entry_id, entry_date FROM assigned_task WHERE id = :i"),
                         {"i": task_id}).one() == (None, date(2026, 10, 30))
        # Deleting a person deletes their days, entries and totals.
        c.execute(text("DELETE FROM person WHERE id = 2"))
        for table in partitions.TABLES:
            assert c.scalar(text(f"SELECT count(*) FROM {table} WHERE person_id = 2")) == 0

    # An entry must be on its day's date, and a task's entry must exist on the date given.
    other_day = days[(1, date(2026, 10, 31))][0]
    with pytest.raises(IntegrityError), engine.begin() as c:
        c.execute(text("UPDATE entry SET work_date = '2026-10-29' WHERE day_id = :d"), {"d": other_day})
    with pytest.raises(IntegrityError), engine.begin() as c:
        _task(c, days[(1, date(2026, 10, 31))][1][0], date(2026, 10, 29))


@needs_postgresql
def test_command_makes_months_ahead_sweeps_the_default_partition_and_is_idempotent(populated):
    url, engine, *_ = populated
    with engine.begin() as c:
        # Work on a date no partition covers goes to the DEFAULT partition, a task logged from it included.
        day_id, entry_ids = _day(c, 1, date(2024, 3, 4))
        task_id = _task(c, entry_ids[0], date(2024, 3, 4))
        assert set(_where(c, "entry")["entry_default"]) == {"2024_03"}

    output = _command(url, "--months-ahead", "20")
    assert "Moved 2 rows from the DEFAULT partition to entry_2024_03." in output
    with engine.connect() as c:
        for table in partitions.TABLES:
            assert f"{table}_default" not in _where(c, table)
            assert _where(c, table)[f"{table}_2024_03"] == {"2024_03"}
            months = partitions.monthly_partitions(c, table)
            assert date(2028, 7, 1) in months and date(2028, 8, 1) not in months    # November 2026 + 20
        # The task still points at its entry, now in its month's partition.
        assert c.execute(text("SELECT entry_id, entry_date FROM assigned_task WHERE id = :i"),
                         {"i": task_id}).one() == (entry_ids[0], date(2024, 3, 4))
        before = {t: partitions.partitions(c, t) for t in partitions.TABLES}

    output = _command(url, "--months-ahead", "20")
    assert "Every partition was there already." in output
    with engine.connect() as c:
        assert {t: partitions.partitions(c, t) for t in partitions.TABLES} == before

    # A long transaction reading the entries: the command gives up after its lock timeout, changing nothing.
    with engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM entry"))
        output = _command(url, "--months-ahead", "30", "--lock-timeout", "1", exit_code=1)
        assert "stayed locked for 1 s: nothing was changed" in output
        reader.rollback()
    with engine.connect() as c:
        assert {t: partitions.partitions(c, t) for t in partitions.TABLES} == before


@needs_postgresql
def test_downgrade_makes_plain_tables_again_with_every_row(populated):
    url, engine, days, task_id, linked, counts, highest = populated
    with engine.begin() as c:
        _day(c, 1, date(2024, 3, 4), entries=1)     # one in the DEFAULT partition too
    migrate.downgrade(engine, "0008")
    with engine.connect() as c:
        assert _partitioned(c) == {}
        assert c.scalar(text("SELECT count(*) FROM pg_inherits WHERE inhparent = 'entry'::regclass")) == 0
        assert c.scalar(text("SELECT count(*) FROM entry")) == counts["entry"] + 1
        assert c.scalar(text("SELECT count(*) FROM day_log")) == counts["day_log"] + 1
        assert c.scalar(text("SELECT count(*) FROM person_day_total")) == counts["person_day_total"] + 1
        assert inspect(c).get_pk_constraint("entry")["constrained_columns"] == ["id"]
        keys = {fk["name"]: fk for fk in inspect(c).get_foreign_keys("entry")}
        assert keys["fk_entry_day_id_day_log"]["constrained_columns"] == ["day_id"]
        assert "entry_date" not in {col["name"] for col in inspect(c).get_columns("assigned_task")}
        assert c.scalar(text("SELECT entry_id FROM assigned_task WHERE id = :i"), {"i": task_id}) == linked
    with engine.begin() as c:
        day_id, (entry_id,) = _day(c, 1, date(2026, 11, 4), entries=1)
        assert entry_id == highest["entry"] + 2
        c.execute(text("DELETE FROM day_log WHERE id = :i"), {"i": days[(1, date(2026, 10, 30))][0]})
        assert c.scalar(text("SELECT entry_id FROM assigned_task WHERE id = :i"), {"i": task_id}) is None
    assert "not partitioned yet" in _command(url, exit_code=1)
    migrate.upgrade(engine)
    with engine.connect() as c:
        assert set(_partitioned(c)) == set(partitions.TABLES)
        assert "entry_2024_03" in partitions.partitions(c, "entry")


def test_command_on_sqlite_has_nothing_to_do(tmp_path):
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    assert "nothing to do" in _command(url)
