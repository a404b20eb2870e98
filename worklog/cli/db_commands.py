"""``flask db``: Alembic migrations, the only way the schema is made.

Alembic is imported when a command of this group runs, not when any command starts (it weighs more than
Flask itself)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

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


@db_group.command("downgrade", help="Downgrade the schema to REVISION.")
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    _run("downgrade", revision)


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
