"""Alembic environment. The application's ``flask db`` commands hand over a connection or a URL."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from models import Base, partitions

config = context.config
target_metadata = Base.metadata


def _configure(**kwargs) -> None:
    connection = kwargs.get("connection")
    metadata = target_metadata
    if connection is not None:
        # On PostgreSQL the per-day tables are partitioned by month: their keys carry the date, and their
        # partitions are no tables of the models (models/partitions.py).
        metadata = partitions.metadata_for(connection, target_metadata)
        kwargs.update(partitions.comparison_filters(connection))
    context.configure(
        target_metadata=metadata,
        compare_type=True,
        compare_server_default=True,
        render_as_batch=True,  # SQLite can only alter tables by copying them
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True,
               dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
