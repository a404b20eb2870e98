"""``flask --app app indicators ...``: progress warnings against the indicators."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from worklog.cli import mail_commands
from worklog.extensions import db

indicators_group = click.Group("indicators", help="Indicators set from above: progress warnings.")


@indicators_group.command("warn", help="Tell each unit's panel and administrators which indicators (of the unit, or "
                                       "of its departments) are below the warning share of their pro-rata target "
                                       "today. Run it daily: a warning reaches a person once a month.")
@with_appcontext
def warn() -> None:
    from worklog.indicators.services import send_warnings
    made = send_warnings()
    db.session.commit()
    click.echo(f"{made} warning(s) sent.")
    mail_commands.hand_over()
