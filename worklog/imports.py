"""Imports that check the whole file first, then write it in short steps.

An import applies a spreadsheet row by row through the same services as the pages, and keeps all of it or
nothing: a bad row anywhere means nothing is kept, and every bad row is reported. On PostgreSQL that is one
transaction: its writers lock the rows they change, not the database, so others go on meanwhile.

SQLite has a single write lock for the whole database. Applying 50,000 people row by row takes minutes, and a
transaction that long would make every other save (a sign-in, an officer's entry) wait, then fail. So there an
import runs twice:

1. **Check**: the whole file is applied to a copy of the database (SQLite's online backup, taken without any
   lock on the live file), which is then thrown away. Every bad row is found here, and nothing is kept.
2. **Write**: the file is applied to the live database, committed every ``IMPORT_CHUNK_ROWS`` rows, with a pause
   after each commit so that writers waiting for the lock get it between two steps.

Between the two, someone may change what the check saw (delete a department the file names, say). The write
then stops at the first row refused: the rows written before it stay (importing again updates by code and badge,
so a corrected file finishes the job), and the report says from which row on nothing was written.

A session that has unsaved work of its own (a test, a command that built the units it imports into) cannot be
copied with that work, nor can a database in memory: those check and write in a single transaction, as on
PostgreSQL.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from flask import current_app, g

from models import Person
from worklog.db import begin_writing, db, make_engine, new_session, unwritten
from worklog.spreadsheets import ImportFailed, RowError

T = TypeVar("T")

#: After each row: the errors found so far (the write step stops at the first).
Step = Callable[[list[RowError]], None]
#: An import's writing part: (the actor, in the session it runs in; the step to call after each row) → result.
Body = Callable[[Person | None, Step], T]


def _no_step(_errors: list[RowError]) -> None:
    return None


def checked_then_written(body: Body, actor: Person | None) -> T:
    """Run ``body`` so that the whole file is checked before anything is kept, and no write transaction on
    SQLite lasts more than a chunk of rows. ``body`` raises :class:`ImportFailed` with every bad row."""
    session = db.session
    bind = session.get_bind()
    if bind.dialect.name != "sqlite" or bind.url.database in (None, "", ":memory:") or not unwritten(session):
        begin_writing(session)
        outer = session.begin_nested()
        try:
            result = body(actor, _no_step)
        except BaseException:
            outer.rollback()
            raise
        outer.commit()
        return result
    with _on_a_copy() as copy:
        body(copy.get(Person, actor.id) if actor is not None else None, _no_step)
    return _write_in_chunks(body, actor)


def _write_in_chunks(body: Body, actor: Person | None) -> T:
    session = db.session
    chunk = max(1, int(current_app.config["IMPORT_CHUNK_ROWS"]))
    pause = float(current_app.config["IMPORT_CHUNK_PAUSE_SECONDS"])
    written = {"rows": 0, "committed": 0}

    def step(errors: list[RowError]) -> None:
        if errors:
            raise _Stopped(errors)
        written["rows"] += 1
        if written["rows"] % chunk == 0:
            session.commit()
            written["committed"] = written["rows"]
            time.sleep(pause)  # a writer waiting for the lock takes it now
            begin_writing(session)

    begin_writing(session)
    actor = session.get(Person, actor.id) if actor is not None else None
    try:
        return body(actor, step)
    except _Stopped as stopped:
        session.rollback()
        raise ImportFailed(stopped.errors, written=written["committed"])


class _Stopped(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors


@contextmanager
def _on_a_copy() -> Iterator:
    """``db.session`` bound, for the block, to a throw-away copy of the SQLite database."""
    live = db.session
    source = live.get_bind().url.database
    with tempfile.TemporaryDirectory(prefix="worklog-import-") as folder:
        path = os.path.join(folder, "check.db")
        copy_database(source, path)
        engine = make_engine(f"sqlite:///{path}")
        copy = new_session(engine)
        g._db_session = copy
        try:
            yield copy
        finally:
            copy.close()
            engine.dispose()
            g._db_session = live


def copy_database(source: str, target: str) -> None:
    """SQLite's online backup of ``source`` into ``target``: a consistent copy, read while others write."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
