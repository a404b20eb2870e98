"""``flask verify`` (tamper evidence, worklog/integrity.py) and ``flask backup`` (a consistent copy of the database)."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from worklog.extensions import db


@click.command("verify", help=(
    "Recompute the HMACs of the audit trail, its checkpoints and the seals of signed weeks and final months, and "
    "name every record changed, inserted or deleted outside the application. Exit status 1 when anything is "
    "found. Afterwards the events not yet chained are chained (unless --no-checkpoint)."))
@click.option("--checkpoint/--no-checkpoint", default=True, show_default=True,
              help="Chain the audit events written since the last checkpoint, after checking.")
@click.option("--seal-existing", is_flag=True,
              help="First seal signed weeks and final months that have no seal and give audit events without one "
                   "their HMAC (after an upgrade run without the application's key). Only on data you trust.")
@with_appcontext
def verify_command(checkpoint: bool, seal_existing: bool) -> None:
    from worklog import integrity
    if seal_existing:
        counts = integrity.backfill(db.session.connection(), integrity.key())
        db.session.commit()
        click.echo(f"Sealed {counts['events']} audit events, {counts['weeks']} weeks, {counts['months']} months.")
    from worklog.db import sqlite_begin
    # A read from one snapshot: on SQLite a deferred transaction, so writers are not held up for the whole check.
    token = sqlite_begin.set("BEGIN")
    try:
        report = integrity.verify(db.session)
    finally:
        db.session.rollback()
        sqlite_begin.reset(token)
    click.echo("Checked: " + ", ".join(f"{n:,} {what}" for what, n in report.checked.items()) + ".")
    for what, head in report.heads.items():
        click.echo(f"Head of the {what} chain: {head} (keep it elsewhere to detect a cut tail).")
    if checkpoint:
        made = integrity.checkpoint(db.session)
        db.session.commit()
        if made:
            click.echo(f"Audit checkpoint {made} made.")
    if report.clean:
        click.echo("Clean: nothing was changed, inserted or deleted behind the application's back.")
        return
    for finding in report.findings:
        click.echo(finding)
    raise click.ClickException(f"{len(report.findings)} finding(s): the records above were changed, inserted or "
                               "deleted outside the application.")


def _default_path() -> str:
    folder = os.path.join(current_app.instance_path, "backups")
    os.makedirs(folder, exist_ok=True)
    suffix = "db" if db.engine.dialect.name == "sqlite" else "dump"
    return os.path.join(folder, f"worklog-{datetime.now():%Y%m%d-%H%M%S}.{suffix}")


@click.command("backup", help=(
    "Write a consistent copy of the database to PATH (default: instance/backups/worklog-<time>.db|dump) while the "
    "application keeps running. SQLite: the online backup API, a database file. PostgreSQL: pg_dump -Fc, an "
    "archive for pg_restore. README.md, \"Backup and restore\", says how to restore."))
@click.argument("path", required=False, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(path: str | None) -> None:
    path = path or _default_path()
    if os.path.exists(path):
        raise click.ClickException(f"{path} exists already: give a new file name.")
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(path)
        try:
            with target:
                # Copies pages in steps; writers are not blocked for the whole copy, and a page written during
                # it makes the copy restart, so the result is one moment's database.
                source.backup(target, pages=4096)
        finally:
            target.close()
            source.close()
    elif url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise click.ClickException("pg_dump was not found: install the PostgreSQL client programs (the same "
                                       "major version as the server, e.g. apt-get install postgresql-client) "
                                       "or put them on PATH.")
        env = dict(os.environ)
        if url.password:
            env["PGPASSWORD"] = url.password
        command = [pg_dump, "-Fc", "--no-owner", "-f", path, "-d", url.database or ""]
        if url.host:
            command += ["-h", url.host]
        if url.port:
            command += ["-p", str(url.port)]
        if url.username:
            command += ["-U", url.username]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            if os.path.exists(path):
                os.remove(path)
            raise click.ClickException(f"pg_dump failed: {result.stderr.strip()}")
    else:
        raise click.ClickException(f"No backup for {url.get_backend_name()} databases.")
    click.echo(f"Backup written to {path} ({os.path.getsize(path):,} bytes).")
