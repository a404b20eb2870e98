"""monthly partitions of the per-day tables on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 20:00:00

On PostgreSQL, ``day_log``, ``entry`` and ``person_day_total`` become tables PARTITION BY RANGE (work_date), one
partition a month (``entry_2026_10`` holds October 2026) and a DEFAULT partition (``entry_default``) for any date
no month covers, so that a year of ~100 million entries is vacuumed, indexed and archived month by month (an old
month is detached and dumped, or dropped, without touching the others). SQLite keeps the three tables plain.

The keys. PostgreSQL wants the partition key in every primary and unique key of a partitioned table, and a
foreign key must point at such a key. So, on PostgreSQL:

- ``day_log`` and ``entry``: PRIMARY KEY (id, work_date). Ids still come from the table's one sequence (kept:
  new ids go on after the old ones), so an id alone still names one row, and the ORM keeps ``id`` as the
  identity: ``session.get(Entry, id)`` is unchanged. ``person_day_total`` (person_id, work_date) and
  ``day_log``'s UNIQUE (person_id, work_date) already held the date, so the roll-up's ON CONFLICT (person_id,
  work_date) upsert stands as it is.
- ``entry (day_id, work_date) → day_log (id, work_date)`` ON DELETE CASCADE, as before. An entry's date is its
  day's, so no new column is needed, and the key now also enforces that they agree.
- ``assigned_task (entry_id, entry_date) → entry (id, work_date)`` ON DELETE SET NULL (entry_id): a new column
  ``assigned_task.entry_date``, set with ``entry_id`` when a task is logged (and filled here from the entries);
  deleting the entry clears ``entry_id`` only, exactly as SQLite's plain key does. The column is in the models,
  so SQLite has it too (the one change there); it is the date the task was logged on.

No other foreign key points into these tables. ``models/partitions.py`` holds these keys as data for the
comparison of the migrated database with the models, and the code that makes a month's partitions, which this
migration calls for every month present in the data and the twelve after the current one; afterwards
``flask --app app db partitions`` does, on a schedule.

How. Each table is renamed, the partitioned table made LIKE it (columns, defaults — the id's ``nextval`` of the
same sequence, then owned by the new table —, NOT NULL and CHECK constraints), its partitions made, the rows
copied in one INSERT … SELECT and the old table dropped; then the keys, indexes and foreign keys are built once
over the loaded rows, from the old table's own definitions. All in the migration's transaction: a failure leaves
the schema as it was. It rewrites the three tables: a scale-0.1 synthetic province (709,000 entries) took about
15 s on two shared cores, so for a province's year (100 million entries) plan a maintenance window. The
downgrade does the same the other way.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy import text

from models import partitions


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ("day_log", "entry", "person_day_total")
KEY = "work_date"
#: Primary keys: (SQLite's, PostgreSQL's once partitioned).
PRIMARY_KEYS = {
    "day_log": (("id",), ("id", KEY)),
    "entry": (("id",), ("id", KEY)),
    "person_day_total": (("person_id", KEY), ("person_id", KEY)),
}
#: Foreign keys into the partitioned tables: name, table, (plain, dated) columns, referred, (plain, dated), on delete.
INTO = (
    ("fk_entry_day_id_day_log", "entry", (("day_id",), ("day_id", KEY)), "day_log", (("id",), ("id", KEY)),
     ("CASCADE", "CASCADE")),
    ("fk_assigned_task_entry_id_entry", "assigned_task", (("entry_id",), ("entry_id", "entry_date")), "entry",
     (("id",), ("id", KEY)), ("SET NULL", "SET NULL (entry_id)")),
)
MONTHS_AHEAD = 12


def upgrade() -> None:
    with op.batch_alter_table('assigned_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entry_date', sa.Date(), nullable=True))
    op.execute("UPDATE assigned_task SET entry_date = (SELECT work_date FROM entry WHERE entry.id = "
               "assigned_task.entry_id) WHERE entry_id IS NOT NULL")
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    months = partitions.months_with_rows(connection, TABLES) | set(
        partitions.months_ahead(connection.scalar(text("SELECT current_date")), MONTHS_AHEAD))
    statements = _rebuild(connection, partitioned=True)
    partitions.ensure_months(connection, months)
    _copy_rows(connection)
    _finish(connection, statements, dated=True)


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        statements = _rebuild(connection, partitioned=False)
        _copy_rows(connection)
        _finish(connection, statements, dated=False)
    with op.batch_alter_table('assigned_task', schema=None) as batch_op:
        batch_op.drop_column('entry_date')


# --- PostgreSQL -------------------------------------------------------------------------------------------------

def _rebuild(connection, partitioned: bool) -> list[str]:
    """Put a new, empty table (partitioned or plain) in the place of each of TABLES, the old one renamed
    ``<table>_old``. Returns the statements that build their indexes, unique keys and foreign keys again (but
    the primary keys and the foreign keys into these tables), read from the old tables."""
    statements = []
    into = {name for name, *_ in INTO}
    outside = set(connection.scalars(text(
        "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conparentid = 0 "
        "AND confrelid = ANY(CAST(:tables AS regclass[])) AND NOT conrelid = ANY(CAST(:tables AS regclass[]))"),
        {"tables": list(TABLES)}))
    if outside - into:
        raise RuntimeError(f"foreign keys into the per-day tables this migration does not know: {outside - into}")
    for name, table, *_ in INTO:
        connection.execute(text(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"'))
    for table in TABLES:
        # Secondary indexes (a partitioned table's are shown ON ONLY it; built on the parent they reach every
        # partition), unique constraints and foreign keys, but not those PostgreSQL clones per partition.
        for (definition,) in connection.execute(text(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = to_regclass(:t) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
                "AND k.conrelid = i.indrelid) ORDER BY 1"), {"t": table}):
            statements.append(definition.replace(" ON ONLY ", " ON "))
        for name, definition in connection.execute(text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(:t) "
                "AND contype IN ('u', 'f') AND conparentid = 0 AND NOT conname = ANY(:into) "
                "ORDER BY contype DESC, conname"), {"t": table, "into": list(into)}):
            statements.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        sequence = connection.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}) \
            if table != "person_day_total" else None
        connection.execute(text(f'ALTER TABLE "{table}" RENAME TO "{table}_old"'))
        partition_by = f" PARTITION BY RANGE ({KEY})" if partitioned else ""
        connection.execute(text(
            f'CREATE TABLE "{table}" (LIKE "{table}_old" INCLUDING DEFAULTS INCLUDING CONSTRAINTS){partition_by}'))
        if sequence:
            # The new id column's default is nextval of the same sequence: new ids go on after the old ones.
            connection.execute(text(f'ALTER SEQUENCE {sequence} OWNED BY "{table}".id'))
    return statements


def _copy_rows(connection) -> None:
    for table in TABLES:
        connection.execute(text(f'INSERT INTO "{table}" SELECT * FROM "{table}_old"'))
    for table in reversed(TABLES):
        connection.execute(text(f'DROP TABLE "{table}_old"'))


def _finish(connection, statements: list[str], dated: bool) -> None:
    """Keys, indexes and foreign keys, built once over the rows; fresh statistics."""
    connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for table in TABLES:
        columns = ", ".join(PRIMARY_KEYS[table][dated])
        connection.execute(text(f'ALTER TABLE "{table}" ADD CONSTRAINT "pk_{table}" PRIMARY KEY ({columns})'))
    for statement in statements:
        connection.execute(text(statement))
    for name, table, columns, referred, referred_columns, ondelete in INTO:
        connection.execute(text(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY ({", ".join(columns[dated])}) '
            f'REFERENCES "{referred}" ({", ".join(referred_columns[dated])}) ON DELETE {ondelete[dated]}'))
    for table in TABLES:
        connection.execute(text(f'ANALYZE "{table}"'))
