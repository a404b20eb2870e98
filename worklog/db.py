"""The database binding: one engine per app, one session per app context, committed once per request."""
from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from flask import Flask, current_app, g
from sqlalchemy import Engine, Select, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


#: How SQLite transactions begin in this context. Requests that may write begin IMMEDIATE: they take the
#: write lock at once and wait for it (busy timeout) instead of failing when another writer committed
#: after their first read, which a DEFERRED transaction cannot recover from.
sqlite_begin: ContextVar[str] = ContextVar("sqlite_begin", default="BEGIN IMMEDIATE")


@dataclass
class _State:
    engine: Engine
    factory: sessionmaker[Session]
    replica: Engine | None = None


class RoutingSession(Session):
    """A session that sends a report page's plain reads to the read replica (``DATABASE_REPLICA_URL``).

    Only when the request asked for it (:meth:`Database.read_from_replica`), and only SELECTs without a lock:
    every write, and every read that decides a write, stays on the primary in the request's transaction.
    """

    def get_bind(self, mapper=None, *, clause=None, **kw):
        replica = self.info.get("replica") if self.info.get("reads_to_replica") else None
        if replica is not None and isinstance(clause, Select) and clause._for_update_arg is None:
            return replica
        return super().get_bind(mapper, clause=clause, **kw)


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Let SQLAlchemy, not the driver, decide when transactions begin, so SAVEPOINTs work and a
            # later BEGIN IMMEDIATE is possible (the recipe from SQLAlchemy's SQLite dialect notes).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            connection.exec_driver_sql(sqlite_begin.get())

        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def upsert_insert(table):
    """``INSERT`` for ``table`` with the database's ON CONFLICT clauses (PostgreSQL's or SQLite's)."""
    from sqlalchemy.dialects import postgresql, sqlite
    from worklog.extensions import db
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def transaction_cache(session: Session) -> dict:
    """A place to keep what a transaction has read and may ask again (who acts for whom…), emptied at the
    session's every flush and at the end of every transaction, so nothing it holds outlives a write."""
    return session.info.setdefault("transaction_cache", {})


def _forget(session: Session, *_args) -> None:
    session.info.pop("transaction_cache", None)


def _factory(engine: Engine, replica: Engine | None = None) -> sessionmaker[Session]:
    factory = sessionmaker(engine, class_=RoutingSession, expire_on_commit=False, info={"replica": replica})
    event.listen(factory, "after_flush", _forget)
    event.listen(factory, "after_transaction_end", _forget)
    event.listen(factory, "after_flush", _wrote)
    event.listen(factory, "after_transaction_end", _transaction_ended)
    return factory


def new_session(engine: Engine) -> Session:
    """A session like the request's, on another engine (an import's throw-away copy of the database)."""
    return _factory(engine)()


class Database:
    """Flask binding for plain SQLAlchemy.

    Models know nothing of Flask; this object gives the app an engine and a session per app context
    (``db.session``), closed (and so rolled back if uncommitted) when the context ends.
    """

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"], echo=app.config.get("SQL_ECHO", False))
        replica_url = app.config.get("DATABASE_REPLICA_URL")
        replica = make_engine(replica_url, echo=app.config.get("SQL_ECHO", False)) if replica_url else None
        app.extensions["worklog.db"] = _State(engine, _factory(engine, replica), replica)
        app.teardown_appcontext(self._close)

    @staticmethod
    def _state() -> _State:
        return current_app.extensions["worklog.db"]

    @property
    def engine(self) -> Engine:
        return self._state().engine

    @property
    def replica(self) -> Engine | None:
        return self._state().replica

    def read_from_replica(self) -> None:
        """This request only reads reports: its plain SELECTs may go to the read replica, when there is one.
        A replica lags the primary by a moment; the ledgers and bulletins it serves change by the week."""
        self.session.info["reads_to_replica"] = True

    @property
    def session(self) -> Session:
        session = g.get("_db_session")
        if session is None:
            session = g._db_session = self._state().factory()
        return session

    @staticmethod
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("_db_session", None)
        if session is not None:
            session.close()


db = Database()


def bulk_insert(table, rows: list[dict]) -> None:
    """Insert many rows of ``table`` in the session's transaction: PostgreSQL's COPY (several times faster than
    an INSERT per row for a province's results), an ``executemany`` INSERT elsewhere. Every row has the same
    keys; a JSON column's value is given as JSON text with PostgreSQL (COPY sends text) and as the object
    otherwise, see :func:`json_value`."""
    from worklog.extensions import db
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        from sqlalchemy import insert
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    preparer = connection.dialect.identifier_preparer
    statement = (f"COPY {preparer.format_table(table)} ({', '.join(preparer.quote(c) for c in columns)}) "
                 "FROM STDIN")
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        write_row = copy.write_row
        for row in rows:
            write_row([row[c] for c in columns])


def json_value(value, dialect_name: str):
    """A JSON column's value as :func:`bulk_insert` wants it for the dialect."""
    import json
    return json.dumps(value) if dialect_name == "postgresql" else value


def _wrote(session: Session, *_args) -> None:
    session.info["wrote"] = True


def _transaction_ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("wrote", None)


def unwritten(session: Session) -> bool:
    """Has this session's transaction neither flushed nor anything waiting to be?"""
    return not (session.info.get("wrote") or session.new or session.dirty or session.deleted)


def read_before_writing(session: Session) -> None:
    """Let a long read that comes before a write (an import's file checked row by row) hold no write lock.

    SQLite has one writer at a time, and a request that may write takes the lock when it begins (BEGIN
    IMMEDIATE). If nothing has been written yet, this ends that transaction and lets the next one begin deferred:
    others can then sign in and save while the file is read. :func:`begin_writing` takes the lock again. Nothing
    to do on PostgreSQL, whose writers lock rows, not the database."""
    if session.get_bind().dialect.name != "sqlite" or not unwritten(session):
        return
    session.rollback()
    sqlite_begin.set("BEGIN")


def begin_writing(session: Session) -> None:
    """The end of :func:`read_before_writing`: the next statement begins a transaction holding the write lock,
    waiting its turn (busy timeout) rather than failing when someone else saved in between."""
    if session.get_bind().dialect.name != "sqlite" or sqlite_begin.get() != "BEGIN":
        return
    if unwritten(session):
        session.rollback()
    sqlite_begin.set("BEGIN IMMEDIATE")
