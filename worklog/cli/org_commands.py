"""``flask demo`` and ``flask import-org``."""
from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from worklog import (demo, demo_day, demo_decisions, demo_facts, demo_indicators, demo_inspection, demo_leadership,
                     demo_mail, demo_month, demo_public, demo_week, integrity)
from worklog.admin.importer import ImportFailed, import_file
from worklog.extensions import db
from worklog.ledgers import services as ledgers


@click.command("demo", help="Load the demo organisation, accounts, task catalog, calendar and months of entries "
                            "(each part only once).")
@with_appcontext
def demo_command() -> None:
    counts = demo.load()
    counts |= demo_day.load()
    counts |= demo_week.load()
    counts |= demo_indicators.load()  # before the months: officers' targets reach them, and none is final yet
    counts |= demo_month.load()
    counts |= demo_public.load()
    counts |= demo_facts.load()  # after the weeks are signed: a fact into a signed week is refused
    counts |= demo_inspection.load()  # after the survey: a follow-up becomes a finding
    counts |= demo_decisions.load()  # after the months are final: the round is judged on them
    counts |= demo_mail.load()  # after the weeks and months: the officer is told of the latest
    counts |= demo_leadership.load()  # the same months a year earlier, from everything above
    if any(counts.values()):
        # Leadership's roll-ups of results and weeks, which the demo writes in bulk, past the services keeping them.
        ledgers.refresh_leadership()
    # The demo signs weeks and finalises months in bulk, past the services that seal them.
    integrity.seal_missing(db.session)
    integrity.checkpoint(db.session)
    db.session.commit()
    loaded = {kind: n for kind, n in counts.items() if n}
    if not loaded:
        click.echo("Demo data already loaded.")
    else:
        click.echo("Demo data loaded: " + ", ".join(f"{n} {k}" for k, n in loaded.items()) + ".")
        click.echo(f"Every demo account's password is {demo.DEMO_PASSWORD}.")
        for name, source, token in demo_facts.demo_tokens():
            click.echo(f"Demo API client {name} (source {source}): token {token}")


@click.command("import-org", help="Import units, departments, posts and people from a CSV or XLSX file.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["units", "departments", "posts", "people"]),
              help="What a CSV file holds (default: recognised from its headings).")
@with_appcontext
def import_org_command(path: str, kind: str | None) -> None:
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        report = import_file(data, os.path.basename(path), actor=None, kind=kind)
    except ImportFailed as failure:
        db.session.rollback()
        for error in failure.errors:
            where = f"{error.sheet} row {error.row}" if error.row else (error.sheet or "file")
            column = f", column {error.column}" if error.column else ""
            click.echo(f"{where}{column}: {error.message}", err=True)
        if failure.written:
            raise click.ClickException(f"What the file refers to changed while it was being written: the import "
                                       f"stopped there, keeping the {failure.written} rows written before it. "
                                       f"Import the file again.")
        raise click.ClickException(f"Nothing was imported: {len(failure.errors)} problem(s).")
    db.session.commit()
    click.echo(f"Imported: {report.summary()}")
