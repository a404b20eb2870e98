"""``flask facts import`` and ``flask facts reconcile``: a source's file feed and its reconciliation."""
from __future__ import annotations

import os
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from worklog.errors import ServiceError
from worklog.extensions import db
from worklog.facts import feeds, reconciliation
from worklog.facts.services import FactsInvalid

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group("facts", help="Work facts from the police business systems: file feeds and their reconciliation.")
def facts_group() -> None:
    pass


@facts_group.command("import", help="Receive the work facts of a CSV or XLSX file (columns id, badge, occurred_at, "
                                    "type, quantity, reference) from the source NAME, as the upload page does. A "
                                    "file with any wrong value is refused whole.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", required=True, metavar="NAME", help="The source system's name, e.g. jj110.")
@with_appcontext
def import_command(path: str, source: str) -> None:
    with open(path, "rb") as handle:
        # One byte past the limit is enough for the reader to refuse the file as too large, naming the limit.
        data = handle.read(int(current_app.config["IMPORT_MAX_BYTES"]) + 1)
    try:
        report = feeds.receive_file(data, os.path.basename(path), source, actor=None)
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    except FactsInvalid as invalid:
        db.session.rollback()
        problems = feeds.details_by_row(invalid)
        for row, column, message in problems:
            where = f"row {row}" if row else "file"
            click.echo(f"{where}{f', column {column}' if column else ''}: {message}", err=True)
        raise click.ClickException(f"Nothing was received: {len(problems)} problem(s).")
    db.session.commit()
    counts = report.counts
    click.echo(f"Received from {report.source}: {report.rows} rows; {counts['created']} entered, "
               f"{counts['updated']} updated, {counts['unchanged']} unchanged, {counts['waiting']} waiting, "
               f"{counts['refused']} refused.")


@facts_group.command("reconcile", help="Per day, the facts of the source NAME: received, matched, entered, "
                                       "updated, refused and waiting, with the reasons (default: the last 7 days).")
@click.option("--source", required=True, metavar="NAME", help="The source system's name, e.g. jj110.")
@click.option("--from", "start", type=DAY, help="The first day, YYYY-MM-DD.")
@click.option("--to", "end", type=DAY, help="The last day, YYYY-MM-DD (default: today).")
@with_appcontext
def reconcile_command(source: str, start: datetime | None, end: datetime | None) -> None:
    first, last = reconciliation.range_of(start.date() if start else None, end.date() if end else None)
    problem = reconciliation.range_problem(first, last)
    if problem:
        raise click.BadParameter(problem, param_hint="--from/--to")
    report = reconciliation.reconcile(source.strip().lower(), first, last)
    db.session.rollback()
    click.echo(reconciliation.plain_table(report))
