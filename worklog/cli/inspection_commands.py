"""``flask --app app inspection ...``: inspection's housekeeping."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from worklog import timekeeping
from worklog.cli import mail_commands
from worklog.extensions import db

inspection_group = click.Group("inspection", help="Inspection findings and their rectification.")


@inspection_group.command("escalate", help="Send every rectification past its deadline and not accepted to the "
                                           "unit above its unit (once; running it again escalates nothing more).")
@with_appcontext
def escalate() -> None:
    from worklog.inspection import services
    count = services.escalate_overdue(timekeeping.today())
    db.session.commit()
    click.echo(f"{count} rectification(s) escalated.")
    mail_commands.hand_over()
