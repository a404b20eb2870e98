"""The migrations are the schema: one head, they build an empty database, and they match the models."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from models import Base, partitions
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from worklog import migrate

pytestmark = pytest.mark.postgres


def test_single_head(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    assert len(script.get_heads()) == 1


def test_migrations_match_models(database_url):
    """SQLite holds the models' schema; PostgreSQL the same with the per-day tables partitioned by month, whose
    keys carry the date (models/partitions.py). Columns, types, defaults, indexes, unique and foreign keys are
    compared by Alembic; primary keys here."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            expected = partitions.metadata_for(connection, Base.metadata)
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "compare_server_default": True,
                                                                   **partitions.comparison_filters(connection)})
            differences = compare_metadata(context, expected)
            inspector = inspect(connection)
            keys = {name: inspector.get_pk_constraint(name)["constrained_columns"] for name in expected.tables}
            partitioned = partitions.partitioned_tables(connection)
        assert differences == []
        assert keys == {name: [c.name for c in table.primary_key] for name, table in expected.tables.items()}
        assert partitioned == ([] if engine.dialect.name == "sqlite" else list(partitions.TABLES))
    finally:
        engine.dispose()


def test_upgrade_empty_database_then_down_and_up_again(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        migrate.upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_wal(app):
    from worklog.extensions import db
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_upgrade_keeps_existing_entries_and_fills_new_columns(database_url):
    """A database with work in it upgrades from the week schema (0003) to the month schema: entries of signed
    weeks are marked signed, returned entries counted once."""
    from sqlalchemy import text
    engine = create_engine(database_url)
    try:
        migrate.downgrade(engine, "0003")
        with engine.begin() as c:
            c.execute(text("INSERT INTO unit (id, code, name, level, path, active) "
                           "VALUES (1, 'U', 'Unit', 'county', '/1/', TRUE)"))
            c.execute(text("INSERT INTO department (id, unit_id, code, name, active) VALUES (1, 1, 'D', 'Dept', TRUE)"))
            c.execute(text("INSERT INTO sequence (id, code, name) VALUES (1, 'S', 'Seq')"))
            c.execute(text("INSERT INTO post (id, sequence_id, code, name, coefficient, monthly_target_points, active) "
                           "VALUES (1, 1, 'P', 'Post', 1, 400, TRUE)"))
            c.execute(text("INSERT INTO person (id, badge, name, rank, active, must_change_password, created_at) "
                           "VALUES (1, '1', 'A', '', TRUE, FALSE, '2026-01-01 00:00:00')"))
            c.execute(text("INSERT INTO task_category (id, code, name, position) VALUES (1, 'C', 'Cat', 0)"))
            c.execute(text("INSERT INTO task_type (id, code, name, category_id, unit_of_measure, active) "
                           "VALUES (1, 'T', 'Task', 1, 'x', TRUE)"))
            c.execute(text("INSERT INTO task_type_version (id, task_type_id, valid_from, standard_points, daily_cap, "
                           "created_at) VALUES (1, 1, '2026-01-01', 1, 10, '2026-01-01 00:00:00')"))
            c.execute(text("INSERT INTO day_log (id, person_id, work_date, unit_id, department_id, sequence_id, status, "
                           "self_assessment, deadline_at, late, version) VALUES "
                           "(1, 1, '2026-11-17', 1, 1, 1, 'submitted', '', '2026-11-18 01:00:00', FALSE, 1), "
                           "(2, 1, '2026-11-24', 1, 1, 1, 'submitted', '', '2026-11-25 01:00:00', FALSE, 1)"))
            for entry_id, day_id, work_date, status in ((1, 1, "2026-11-17", "approved"),
                                                        (2, 2, "2026-11-24", "resubmitted")):
                c.execute(text(
                    "INSERT INTO entry (id, day_id, person_id, work_date, task_type_id, task_type_version_id, "
                    "category_id, unit_id, department_id, post_id, sequence_id, quantity, hours, description, "
                    "completion, standard_points, completion_factor, coefficient, points, status, review_note, "
                    "created_at, updated_at, version) VALUES (:id, :day, 1, :d, 1, 1, 1, 1, 1, 1, 1, 1, 1, '', 'done', "
                    "1, 1, 1, 1, :s, '', '2026-11-17 00:00:00', '2026-11-17 00:00:00', 1)"),
                    {"id": entry_id, "day": day_id, "d": work_date, "s": status})
            c.execute(text("INSERT INTO week_review (id, person_id, week_start, unit_id, status, entries, points, "
                           "approved_points, version) VALUES (1, 1, '2026-11-16', 1, 'signed', 1, 1, 1, 1)"))
        migrate.upgrade(engine)
        with engine.connect() as c:
            rows = c.execute(text("SELECT id, week_signed, returned_count FROM entry ORDER BY id")).all()
        assert [(r[0], bool(r[1]), r[2]) for r in rows] == [(1, True, 0), (2, False, 1)]
    finally:
        engine.dispose()


# --- Downgrades that would destroy data (issue 11, finding 8) -----------------------------------------------------


def _revision() -> str:
    from worklog.extensions import db
    return migrate.current_revision(db.engine)


def test_downgrade_refuses_to_drop_tables_that_hold_rows(app, runner, org):
    """Downgrading from the survey revision emptied the survey, poll and evaluation tables, and downgrading to base
    left no people: both are refused, naming what would be lost and the way to insist."""
    from sqlalchemy import text
    from worklog.extensions import db
    db.session.execute(text("INSERT INTO opinion_poll (unit_id, round_month, label, score, sample_size, imported_at) "
                            "VALUES (:unit, '2026-10-01', 'Q4', 91.5, 400, CURRENT_TIMESTAMP)"), {"unit": org.county_a.id})
    db.session.commit()
    head = _revision()
    people = db.session.scalar(text("SELECT count(*) FROM person"))
    db.session.commit()  # SQLite: the test's reading transaction holds the write lock until it ends

    result = runner.invoke(args=["db", "downgrade", "0005"])
    assert result.exit_code == 1
    assert "table opinion_poll (1 rows)" in result.output and "--force" in result.output
    assert "survey_contact" not in result.output  # empty tables are no loss
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 1
    assert f"table person ({people} rows)" in result.output
    assert _revision() == head
    assert db.session.scalar(text("SELECT count(*) FROM opinion_poll")) == 1


def test_downgrade_goes_ahead_when_nothing_is_lost_or_when_forced(app, runner, org):
    from sqlalchemy import inspect, text
    from worklog.extensions import db
    head = _revision()
    try:
        # 0010 → 0009 drops promotion-round columns that hold nothing here: no question asked.
        result = runner.invoke(args=["db", "downgrade", "0009"])
        assert result.exit_code == 1 and "audit_event.mac" in result.output  # 0011's HMACs are data too
        result = runner.invoke(args=["db", "downgrade", "0009", "--force"])
        assert result.exit_code == 0, result.output
        assert _revision() == "0009"
        assert "mac" not in {c["name"] for c in inspect(db.engine).get_columns("audit_event")}
        assert db.session.scalar(text("SELECT count(*) FROM person")) > 0
        db.session.commit()
        # 0009 → 0008 drops nothing that holds data here (partitioning is undone in place): no question asked.
        result = runner.invoke(args=["db", "downgrade", "0008"])
        assert result.exit_code == 0, result.output
        assert _revision() == "0008"
    finally:
        db.session.rollback()
        migrate.upgrade(db.engine)
    assert _revision() == head


def test_an_upgraded_database_with_sealed_work_verifies_clean(app, runner, org):
    """Migration 0011 gives the events, signed weeks and final months already there their HMACs and seals, so
    verify is clean right after upgrading (through the application, which holds the key)."""
    from datetime import date
    from sqlalchemy import text
    from worklog.extensions import db
    with db.engine.begin() as c:
        c.execute(text("INSERT INTO week_review (person_id, week_start, unit_id, status, entries, points, "
                       "approved_points, version) VALUES (:p, :d, :u, 'signed', 0, 0, 0, 1)"),
                  {"p": org["officer_a"].id, "d": date(2026, 11, 16), "u": org.county_a.id})
    result = runner.invoke(args=["db", "downgrade", "0010", "--force"])
    assert result.exit_code == 0, result.output
    try:
        with db.engine.begin() as c:
            c.execute(text("INSERT INTO audit_event (at, action, object_type, reason) "
                           "VALUES (CURRENT_TIMESTAMP, 'person.created', 'person', 'before 0011')"))
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "1 signed weeks" in result.output
        result = runner.invoke(args=["verify"])
        assert result.exit_code == 0, result.output
        assert "Clean" in result.output
    finally:
        db.session.rollback()
        migrate.upgrade(db.engine)


def test_upgrading_to_0018_fills_leadership_rollups_from_what_is_there(app, runner, org, catalog):
    """A database with days logged, a week signed and a month computed before leadership's roll-ups existed shows
    the same figures right after upgrading: migration 0018 fills them as the application keeps them."""
    from sqlalchemy import select
    from models import UnitMonthGrade, UnitWeek
    from tests.ledgers.conftest import NOVEMBER, NOVEMBER_OVER, sign_a_week
    from worklog.extensions import db
    from worklog.ledgers import queries
    from worklog.monthly import services as monthly

    def stored():
        db.session.expire_all()
        found = ({(r.unit_id, r.week_start): (r.officers, r.signed, r.on_time)
                  for r in db.session.scalars(select(UnitWeek))},
                 {(r.month_review_id, r.final_grade): (r.officers, r.days_due, r.days_cleared)
                  for r in db.session.scalars(select(UnitMonthGrade))})
        db.session.commit()
        return found

    sign_a_week(app, org, catalog)
    app.config["FIXED_NOW"] = NOVEMBER_OVER
    monthly.compute(monthly.open_month(org.county_a, NOVEMBER, org["panel_a"]), org["panel_a"])
    db.session.commit()
    kept = stored()
    assert kept[0] and kept[1] and sum(due for _n, due, _c in kept[1].values()) > 0
    head = _revision()
    result = runner.invoke(args=["db", "downgrade", "0017"])
    assert result.exit_code == 1 and "table unit_week (1 rows)" in result.output  # derived, but asked all the same
    try:
        result = runner.invoke(args=["db", "downgrade", "0017", "--force"])
        assert result.exit_code == 0, result.output
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
    finally:
        db.session.rollback()
        migrate.upgrade(db.engine)
    assert _revision() == head
    assert stored() == kept
    assert [d for d in queries.differences() if d.table in ("unit_week", "unit_month_grade")] == []
