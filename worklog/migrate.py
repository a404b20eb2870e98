"""Running Alembic from the application: the only way the schema is made, in production and in tests."""
from __future__ import annotations

import os

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from worklog import ROOT

MIGRATIONS = os.path.join(ROOT, "migrations")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _schema(engine: Engine) -> dict[str, set[str]]:
    from sqlalchemy import inspect
    inspector = inspect(engine)
    return {table: {column["name"] for column in inspector.get_columns(table)}
            for table in inspector.get_table_names() if table != "alembic_version"}


def dropped_by_downgrade(current: str, target: str) -> tuple[list[str], dict[str, list[str]]]:
    """The tables and columns a downgrade from ``current`` to ``target`` drops, found by running it on an empty
    scratch database (never on the real one). Returns (tables, {table: columns})."""
    import tempfile
    from sqlalchemy import create_engine
    with tempfile.TemporaryDirectory() as folder:
        scratch = create_engine(f"sqlite:///{os.path.join(folder, 'scratch.db')}")
        try:
            upgrade(scratch, current)
            before = _schema(scratch)
            downgrade(scratch, target)
            after = _schema(scratch)
        finally:
            scratch.dispose()
    tables = sorted(set(before) - set(after))
    columns = {table: sorted(before[table] - after[table]) for table in sorted(set(before) & set(after))
               if before[table] - after[table]}
    return tables, columns


def data_lost_by_downgrade(engine: Engine, target: str) -> list[str]:
    """What a downgrade to ``target`` would destroy in this database: each dropped table that holds rows and each
    dropped column that holds values, with their counts. Empty when nothing is lost."""
    from sqlalchemy import inspect, text
    current = current_revision(engine)
    if current is None:
        return []
    tables, columns = dropped_by_downgrade(current, target)
    present = set(inspect(engine).get_table_names())
    lost = []
    with engine.connect() as connection:
        quote = connection.dialect.identifier_preparer.quote
        for table in tables:
            if table in present:
                rows = connection.execute(text(f"SELECT count(*) FROM {quote(table)}")).scalar()
                if rows:
                    lost.append(f"table {table} ({rows:,} rows)")
        for table, names in columns.items():
            if table not in present:
                continue
            for name in names:
                values = connection.execute(text(
                    f"SELECT count(*) FROM {quote(table)} WHERE {quote(name)} IS NOT NULL")).scalar()
                if values:
                    lost.append(f"column {table}.{name} ({values:,} values)")
    return lost
