"""``flask db``: Alembic migrations, the only way the schema is made.

Alembic is imported when a command of this group runs, not when any command starts (it weighs more than
Flask itself)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import text

from worklog.extensions import db


@click.group("db", help="Database schema migrations (Alembic).")
def db_group() -> None:
    pass


def _run(name: str, *args, **kwargs) -> None:
    from alembic import command
    from worklog import migrate
    cfg = migrate.alembic_config(db.engine)
    with db.engine.begin() as connection:
        cfg.attributes["connection"] = connection
        getattr(command, name)(cfg, *args, **kwargs)


@db_group.command("upgrade", help="Upgrade the schema to REVISION (default: the latest).")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    _run("upgrade", revision)
    click.echo(f"Database at {db.engine.url.render_as_string(hide_password=True)} upgraded to {revision}.")


@db_group.command("downgrade", help=(
    "Downgrade the schema to REVISION. Refused when a migration it undoes would drop a table that holds rows or a "
    "column that holds values, unless --force: back up first (flask --app app backup)."))
@click.argument("revision")
@click.option("--force", is_flag=True, help="Downgrade even though it destroys the data listed.")
@with_appcontext
def downgrade(revision: str, force: bool) -> None:
    from worklog import migrate
    # Undoing a revision drops what it made, rows and all (the survey's tables, or every person on the way to
    # base): say what would go, and go only when told to.
    lost = migrate.data_lost_by_downgrade(db.engine, revision)
    if lost and not force:
        raise click.ClickException(
            f"Refused: downgrading to {revision} would destroy data: {'; '.join(lost)}. Back it up first "
            "(flask --app app backup), then run the downgrade again with --force to drop it.")
    _run("downgrade", revision)
    click.echo(f"Database downgraded to {revision}" + (f"; dropped {'; '.join(lost)}." if lost else "."))


@db_group.command("current", help="Show the schema's current revision.")
@with_appcontext
def current() -> None:
    _run("current", verbose=True)


@db_group.command("history", help="List the migrations.")
@with_appcontext
def history() -> None:
    _run("history")


@db_group.command("check", help="Fail if the models and the migrations differ.")
@with_appcontext
def check() -> None:
    _run("check")


@db_group.command("revision", help="Create a migration, by default compared with the models.")
@click.option("-m", "--message", required=True)
@click.option("--empty", is_flag=True, help="Write an empty migration instead of comparing with the models.")
@with_appcontext
def revision(message: str, empty: bool) -> None:
    _run("revision", message=message, autogenerate=not empty)



@db_group.command("partitions", help=(
    "PostgreSQL: make the monthly partitions of the per-day tables (entries, day logs, day totals) from this "
    "month to N months ahead, and move rows that went to a DEFAULT partition into their month's own. "
    "Idempotent: run it monthly (the upgrade made a year ahead). SQLite keeps these tables unpartitioned."))
@click.option("--months-ahead", type=click.IntRange(0, 240), default=12, show_default=True,
              help="How many months after this one to make.")
@click.option("--lock-timeout", type=click.IntRange(1, 3600), default=10, show_default=True,
              help="Seconds to wait for a table's lock before giving up (and changing nothing).")
@with_appcontext
def partitions_command(months_ahead: int, lock_timeout: int) -> None:
    from sqlalchemy.exc import OperationalError

    from models import partitions
    from worklog import timekeeping
    if db.engine.dialect.name != "postgresql":
        click.echo("SQLite keeps the per-day tables unpartitioned: nothing to do.")
        return
    try:
        with db.engine.begin() as connection:
            # Making a partition locks its table: waiting long behind a long transaction would queue every
            # officer's save behind this command, so it gives up instead.
            connection.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}s'"))
            tables = partitions.partitioned_tables(connection)
            if not tables:
                raise click.ClickException(
                    "The per-day tables are not partitioned yet: run `flask --app app db upgrade`.")
            made = partitions.ensure_months(connection, partitions.months_ahead(timekeeping.today(), months_ahead))
            months = partitions.monthly_partitions(connection, tables[0])
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) != "55P03":   # lock_not_available
            raise
        raise click.ClickException(f"A table stayed locked for {lock_timeout} s: nothing was changed; try again "
                                   "later (at night).")
    for name, rows in made.moved.items():
        click.echo(f"Moved {rows:,} rows from the DEFAULT partition to {name}.")
    click.echo(f"Created {', '.join(made.created)}." if made.created else "Every partition was there already.")
    click.echo(f"{', '.join(tables)}: {len(months)} monthly partitions, {months[0]:%Y-%m} to {months[-1]:%Y-%m}, "
               "and a DEFAULT one.")
