"""Bulk writing for the synthetic province: COPY on PostgreSQL, large executemany batches on SQLite.

Rows are plain tuples in the order of the columns named, with explicit ids, so that rows of one table can
point at rows of another without a round trip. Everything is written on the caller's connection, inside its
transaction: a generation that fails leaves nothing behind.
"""
from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timezone
from typing import Iterable, Iterator, Sequence

from sqlalchemy import JSON, Connection, Table, func, select, text

#: Rows queued (all tables together) before they are written: large enough that the cost of a statement
#: vanishes, small enough that memory stays flat.
BATCH_ROWS = 50_000


class Loader:
    """Writes rows to tables in bulk and hands out ids.

    Values are Python values (``int``, ``Decimal``, ``date``, aware ``datetime``, ``bool``, ``None``) or, for
    speed, text the database reads for that column: a number or date written out, a timestamp from
    :meth:`stamp`. JSON columns take JSON text. Converting millions of Decimals and datetimes one by one costs
    more than the COPY itself, so the generator renders each distinct value once and passes the text.
    """

    def __init__(self, connection: Connection):
        self.connection = connection
        self.dialect = connection.dialect
        self.postgresql = self.dialect.name == "postgresql"
        # The driver's own connection, inside the transaction SQLAlchemy has begun on it.
        self.raw = connection.connection.driver_connection
        self.counts: Counter[str] = Counter()
        self._processors: dict[tuple[str, tuple[str, ...]], list] = {}
        self._with_ids: set[str] = set()
        self._pending: dict[tuple[str, tuple[str, ...]], tuple[Table, list]] = {}
        self._waiting = 0

    # --- ids --------------------------------------------------------------------------------------------------------

    def ids(self, table: Table) -> Iterator[int]:
        """Ids for new rows of ``table``, after the highest there is; sequences are set past them at the end."""
        highest = self.connection.scalar(select(func.max(table.c.id))) or 0
        self._with_ids.add(table.name)
        return itertools.count(highest + 1)

    def reset_sequences(self) -> None:
        """After COPY with explicit ids PostgreSQL's sequences still stand at 1: move them past the rows."""
        self.flush()
        if not self.postgresql:
            return  # SQLite's INTEGER PRIMARY KEY takes max(rowid) + 1 by itself
        for name in sorted(self._with_ids):
            quoted = self._quote(name)
            self.connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'), m) FROM (SELECT max(id) AS m FROM {quoted}) t "
                "WHERE m IS NOT NULL"), {"table": quoted})

    # --- rows -------------------------------------------------------------------------------------------------------

    def stamp(self, moment: datetime) -> str:
        """An aware datetime as the text this database keeps for a UTC timestamp column: with its offset for
        PostgreSQL's ``timestamptz``; naive UTC in SQLAlchemy's own format for SQLite (so that comparisons
        with values SQLAlchemy writes, which SQLite makes as text, still hold)."""
        moment = moment.astimezone(timezone.utc)
        if self.postgresql:
            return moment.isoformat()
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Queue ``rows`` (tuples in the order of ``columns``) for ``table``. They are written when enough rows
        wait, all tables together in the order they were first written to (so a row always follows the rows it
        points at), and at :meth:`flush`: a unit's few dozen rows per table cost one statement per batch of
        units, not one each."""
        key = (table.name, tuple(columns))
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = (table, [])
        before = len(pending[1])
        pending[1].extend(rows)
        self._waiting += len(pending[1]) - before
        if self._waiting >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write every queued row."""
        for (_name, columns), (table, rows) in self._pending.items():
            if not rows:
                continue
            if self.postgresql:
                self._copy(table, columns, rows)
            else:
                self._executemany(table, columns, rows)
            self.counts[table.name] += len(rows)
            rows.clear()
        self._waiting = 0

    def _quote(self, name: str) -> str:
        return self.dialect.identifier_preparer.quote(name)

    def _copy(self, table: Table, columns: tuple[str, ...], rows: list[Sequence]) -> None:
        from psycopg.copy import QueuedLibpqWriter
        statement = f"COPY {self._quote(table.name)} ({', '.join(self._quote(c) for c in columns)}) FROM STDIN"
        with self.raw.cursor() as cursor:
            # For a large batch the queued writer sends the data from a thread of its own, so that the server
            # takes in the first rows while Python still formats the last.
            writer = QueuedLibpqWriter(cursor) if len(rows) >= 10_000 else None
            with cursor.copy(statement, writer=writer) as copy:
                write_row = copy.write_row
                for row in rows:
                    write_row(row)

    def _executemany(self, table: Table, columns: tuple[str, ...], rows: list[Sequence]) -> None:
        key = (table.name, columns)
        processors = self._processors.get(key)
        if processors is None:
            processors = []
            for i, name in enumerate(columns):
                column_type = table.c[name].type
                if isinstance(column_type, JSON):
                    continue  # already JSON text
                processor = column_type.dialect_impl(self.dialect).bind_processor(self.dialect)
                if processor is not None:
                    processors.append((i, processor))
            self._processors[key] = processors
        statement = (f"INSERT INTO {self._quote(table.name)} ({', '.join(self._quote(c) for c in columns)}) "
                     f"VALUES ({', '.join('?' for _ in columns)})")
        if processors:
            processed = []
            for row in rows:
                row = list(row)
                for i, processor in processors:
                    value = row[i]
                    if value is not None and value.__class__ is not str:
                        row[i] = processor(value)
                processed.append(row)
            rows = processed
        cursor = self.raw.cursor()
        try:
            cursor.executemany(statement, rows)
        finally:
            cursor.close()

    # --- PostgreSQL: indexes and foreign keys built once, after the rows ------------------------------------------

    def drop_indexes(self, tables: Sequence[Table]) -> list[str]:
        """On PostgreSQL, drop the secondary indexes and the foreign keys of these tables; returns the statements
        that build them again from their own definitions, for :meth:`build_indexes` after the load.

        Keeping nine million rows' index entries and foreign-key checks up to date one row at a time costs
        several times the load itself; one sorted index build and one set-based check per constraint after
        the load do not. Primary keys and unique constraints stay, so a duplicate still fails at once. A
        partitioned table's indexes and keys are dropped and built on the table itself, which does so on every
        partition. It all happens inside the caller's transaction: if anything fails, the schema is as it was.
        """
        if not self.postgresql:
            return []
        indexes, keys = [], []
        for table in tables:
            quoted = self._quote(table.name)
            # conparentid = 0: not the copies PostgreSQL keeps of a partitioned table's key for each partition.
            for name, definition in self.connection.execute(text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = CAST(:t AS regclass) AND contype = 'f' AND conparentid = 0 ORDER BY conname"),
                    {"t": table.name}):
                keys.append(f"ALTER TABLE {quoted} ADD CONSTRAINT {self._quote(name)} {definition}")
                self.connection.execute(text(f"ALTER TABLE {quoted} DROP CONSTRAINT {self._quote(name)}"))
            for name, definition in self.connection.execute(text(
                    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "JOIN pg_class c ON c.oid = i.indexrelid "
                    "WHERE i.indrelid = CAST(:t AS regclass) "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
                    "ORDER BY c.relname"), {"t": table.name}):
                # A partitioned table's index is shown ON ONLY the table; built on it, it reaches every partition.
                indexes.append(definition.replace(" ON ONLY ", " ON "))
                self.connection.execute(text(f"DROP INDEX {self._quote(name)}"))
        # Indexes first: the foreign-key checks then run against fully indexed tables.
        return indexes + keys

    def build_indexes(self, statements: list[str]) -> None:
        """Write the queued rows, then build what :meth:`drop_indexes` dropped."""
        self.flush()
        if statements:
            self.connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        for statement in statements:
            self.connection.execute(text(statement))

    def analyze(self, tables: Sequence[Table]) -> None:
        """Fresh planner statistics on PostgreSQL, so that the first benchmark after the load does not plan for
        empty tables (autovacuum would get there, later). SQLite's planner does without."""
        self.flush()
        if self.postgresql:
            for table in tables:
                self.connection.execute(text(f"ANALYZE {self._quote(table.name)}"))
