"""Monthly partitions of the per-day tables on PostgreSQL: which tables, their keys there, and how a month's
partition is made. SQLite keeps these tables plain; the models describe that schema.

``day_log``, ``entry`` and ``person_day_total`` are partitioned by RANGE of ``work_date``, one partition a
month (``entry_2026_10`` holds October 2026), plus a DEFAULT partition (``entry_default``) that takes any date
no month's partition covers, so that no write ever fails for want of a partition. :func:`ensure_months` (run by
migration 0009 and by ``flask db partitions``) makes the months missing and moves rows the DEFAULT partitions
hold into the months they belong to.

PostgreSQL requires a partitioned table's primary and unique keys to contain the partition key, and a foreign
key to point at such a key. On PostgreSQL therefore:

- ``day_log`` and ``entry`` have PRIMARY KEY (id, work_date). Ids still come from one sequence per table, so
  they stay unique and the ORM still knows an entry or a day by its ``id`` alone (``session.get(Entry, id)``);
  ``person_day_total``'s key (person_id, work_date) and ``day_log``'s unique (person_id, work_date) had the
  date already.
- the foreign keys into these tables carry the date: ``entry (day_id, work_date) → day_log (id, work_date)`` —
  an entry is on its day's date, which the key now also enforces — and ``assigned_task (entry_id,
  entry_date) → entry (id, work_date)``, whose ON DELETE SET NULL clears ``entry_id`` only, as SQLite does.

:func:`postgresql_metadata` is the models' schema as PostgreSQL holds it, for comparing with a migrated
database. This module imports only SQLAlchemy: the migrations and the application both use it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from sqlalchemy import Connection, ForeignKeyConstraint, MetaData, PrimaryKeyConstraint, text

#: The partitioned tables, each before the tables whose foreign keys point at it.
TABLES = ("day_log", "entry", "person_day_total")
#: The partition key of each.
PARTITION_KEY = "work_date"
#: Their primary keys on PostgreSQL (on SQLite: ``id``, ``id`` and the same).
PRIMARY_KEYS = {"day_log": ("id", "work_date"), "entry": ("id", "work_date"),
                "person_day_total": ("person_id", "work_date")}


@dataclass(frozen=True)
class DatedForeignKey:
    """A foreign key into a partitioned table: on SQLite ``columns[0] → referred.referred_columns[0]``, on
    PostgreSQL with the date beside it."""
    name: str
    table: str
    columns: tuple[str, str]
    referred: str
    referred_columns: tuple[str, str]
    ondelete: str


DATED_FOREIGN_KEYS = (
    DatedForeignKey("fk_entry_day_id_day_log", "entry", ("day_id", "work_date"), "day_log", ("id", "work_date"),
                    "CASCADE"),
    DatedForeignKey("fk_assigned_task_entry_id_entry", "assigned_task", ("entry_id", "entry_date"), "entry",
                    ("id", "work_date"), "SET NULL (entry_id)"),
)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_ahead(today: date, n: int) -> list[date]:
    """This month and the ``n`` after it."""
    first = month_start(today)
    return [add_months(first, k) for k in range(n + 1)]


def partition_name(table: str, month: date) -> str:
    return f"{table}_{month.year:04d}_{month.month:02d}"


def default_name(table: str) -> str:
    return f"{table}_default"


# --- The schema as PostgreSQL holds it --------------------------------------------------------------------------


def postgresql_metadata(metadata: MetaData) -> MetaData:
    """A copy of the models' ``metadata`` with the keys PostgreSQL's partitioned tables have instead."""
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(copy)
    for name, columns in PRIMARY_KEYS.items():
        table = copy.tables[name]
        for column in columns:
            table.c[column].primary_key = True
        table.append_constraint(PrimaryKeyConstraint(*columns, name=table.primary_key.name))
    for key in DATED_FOREIGN_KEYS:
        table = copy.tables[key.table]
        plain = next(c for c in table.foreign_key_constraints if c.name == key.name)
        table.constraints.discard(plain)
        table.foreign_keys.difference_update(plain.elements)
        for column in plain.columns:
            column.foreign_keys.difference_update(plain.elements)
        table.append_constraint(ForeignKeyConstraint(
            list(key.columns), [f"{key.referred}.{c}" for c in key.referred_columns], name=key.name,
            ondelete=key.ondelete))
    return copy


def metadata_for(connection: Connection, metadata: MetaData) -> MetaData:
    """The schema the migrations make on this connection's database: the models', with PostgreSQL's keys there."""
    return postgresql_metadata(metadata) if connection.dialect.name == "postgresql" else metadata


def partitioned_tables(connection: Connection) -> list[str]:
    """Those of :data:`TABLES` that are partitioned in this database: all of them on PostgreSQL from migration
    0009 on, none on SQLite."""
    if connection.dialect.name != "postgresql":
        return []
    found = set(connection.scalars(text(
        "SELECT t FROM unnest(CAST(:tables AS text[])) t "
        "WHERE EXISTS (SELECT 1 FROM pg_partitioned_table p WHERE p.partrelid = to_regclass(t))"),
        {"tables": list(TABLES)}))
    return [t for t in TABLES if t in found]


def partitions(connection: Connection, table: str) -> list[str]:
    """The names of ``table``'s partitions, the DEFAULT one included."""
    return list(connection.scalars(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(:t) ORDER BY c.relname"), {"t": table}))


def monthly_partitions(connection: Connection, table: str) -> list[date]:
    """The months ``table`` has a partition for."""
    prefix = f"{table}_"
    return sorted(date(int(name[-7:-3]), int(name[-2:]), 1) for name in partitions(connection, table)
                  if name.startswith(prefix) and name[len(prefix):].replace("_", "").isdigit())


def all_partitions(connection: Connection) -> set[str]:
    """Every partition of the per-day tables, for comparisons of the schema with the models to leave out."""
    if connection.dialect.name != "postgresql":
        return set()
    return {name for table in TABLES for name in partitions(connection, table)}


def comparison_filters(connection: Connection) -> dict:
    """Alembic's ``include_name`` and ``include_object`` that leave the partitions out of a comparison of the
    database with the models: the partitions themselves, and the foreign keys PostgreSQL clones for each
    partition of a table a foreign key points at."""
    hidden = all_partitions(connection)

    def include_name(name, type_, _parent_names) -> bool:
        return not (type_ == "table" and name in hidden)

    def include_object(obj, _name, type_, reflected, _compare_to) -> bool:
        return not (type_ == "foreign_key_constraint" and reflected and obj.referred_table.name in hidden)

    return {"include_name": include_name, "include_object": include_object}


# --- Making months --------------------------------------------------------------------------------------------


@dataclass
class Made:
    """What :func:`ensure_months` did: the partitions it created, and the rows it moved out of DEFAULT ones."""
    created: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)


def months_with_rows(connection: Connection, relations: Iterable[str]) -> set[date]:
    """The months of the ``work_date`` values in these tables (or partitions): a scan of each."""
    months: set[date] = set()
    for relation in relations:
        months.update(connection.scalars(text(
            f'SELECT DISTINCT CAST(date_trunc(\'month\', {PARTITION_KEY}) AS date) FROM "{relation}"')))
    return months


def ensure_months(connection: Connection, months: Iterable[date]) -> Made:
    """Make sure every partitioned per-day table has a DEFAULT partition and a partition for each of ``months``,
    and for each month whose rows sit in a DEFAULT partition (written before its partition existed). Idempotent:
    a month whose partitions exist is left as it is. Runs in the caller's transaction."""
    made = Made()
    tables = partitioned_tables(connection)
    if not tables:
        return made
    for table in tables:
        if default_name(table) not in partitions(connection, table):
            connection.execute(text(f'CREATE TABLE "{default_name(table)}" PARTITION OF "{table}" DEFAULT'))
            made.created.append(default_name(table))
    stranded = months_with_rows(connection, [default_name(t) for t in tables])
    existing = {t: set(partitions(connection, t)) for t in tables}
    for month in sorted({month_start(m) for m in months} | stranded):
        missing = [t for t in tables if partition_name(t, month) not in existing[t]]
        if not missing:
            continue
        if month in stranded:
            _move_out_of_default(connection, month, tables, missing, made)
        else:
            for table in missing:
                _create(connection, table, month)
        made.created.extend(partition_name(t, month) for t in missing)
    return made


def _bounds(month: date) -> str:
    return f"FROM ('{month.isoformat()}') TO ('{add_months(month, 1).isoformat()}')"


def _create(connection: Connection, table: str, month: date) -> None:
    connection.execute(text(
        f'CREATE TABLE "{partition_name(table, month)}" PARTITION OF "{table}" FOR VALUES {_bounds(month)}'))


def _columns(connection: Connection, table: str) -> str:
    names = connection.scalars(text(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:t) AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum"), {"t": table})
    return ", ".join(f'"{n}"' for n in names)


def _move_out_of_default(connection: Connection, month: date, tables: list[str], missing: list[str],
                         made: Made) -> None:
    """A month's partitions cannot be made while a DEFAULT partition holds rows of that month: the rows are set
    aside, deleted from the DEFAULT partitions, the partitions made, and the rows written back through the
    parent tables (so every key is checked again).

    Deleting an entry sets ``assigned_task.entry_id`` to NULL; the links are set aside too and restored."""
    if len(missing) != len(tables):
        # A day's entries would be cascaded away with their day log if only the day logs moved.
        raise RuntimeError(
            f"{month:%Y-%m}: rows in a DEFAULT partition while {', '.join(sorted(set(tables) - set(missing)))} "
            f"already has that month's partition; move them by hand")
    low, high = month.isoformat(), add_months(month, 1).isoformat()
    in_month = f"{PARTITION_KEY} >= DATE '{low}' AND {PARTITION_KEY} < DATE '{high}'"
    for table in tables:
        connection.execute(text(f'CREATE TEMPORARY TABLE "moving_{table}" ON COMMIT DROP AS '
                                f'SELECT * FROM "{default_name(table)}" WHERE {in_month}'))
    if "entry" in tables:
        connection.execute(text(
            "CREATE TEMPORARY TABLE moving_links ON COMMIT DROP AS SELECT id, entry_id FROM assigned_task "
            f"WHERE entry_id IS NOT NULL AND entry_date >= DATE '{low}' AND entry_date < DATE '{high}'"))
    # Moving rows is no change to them: let the triggers that guard signed weeks' entries (migration 0011) through.
    connection.execute(text("SET LOCAL worklog.reopening = 'on'"))
    for table in reversed(tables):
        connection.execute(text(f'DELETE FROM "{default_name(table)}" WHERE {in_month}'))
    for table in tables:
        _create(connection, table, month)
        columns = _columns(connection, table)
        moved = connection.execute(text(
            f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "moving_{table}"')).rowcount
        connection.execute(text(f'DROP TABLE "moving_{table}"'))
        if moved:
            made.moved[partition_name(table, month)] = moved
    if "entry" in tables:
        connection.execute(text("UPDATE assigned_task SET entry_id = l.entry_id FROM moving_links l "
                                "WHERE assigned_task.id = l.id"))
        connection.execute(text("DROP TABLE moving_links"))
