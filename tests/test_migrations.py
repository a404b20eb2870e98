"""The migrations are the schema: one head, they build an empty database, and they match the models."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from models import Base, partitions
from worklog import migrate


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
