"""``flask --app app survey ...``: the police-service survey's housekeeping."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from worklog import timekeeping
from worklog.cli import mail_commands
from worklog.extensions import db

survey_group = click.Group("survey", help="The police-service survey.")


@survey_group.command("erase", help="Erase the name and phone number of every contact older than the retention "
                                    "period (CONTACT_RETENTION_DAYS). Calls, answers and follow-ups stay.")
@click.option("--dry-run", is_flag=True, help="Only count the contacts that would be erased.")
@with_appcontext
def erase(dry_run: bool) -> None:
    from worklog.survey import services
    today = timekeeping.today()
    days = current_app.config["CONTACT_RETENTION_DAYS"]
    if dry_run:
        count = services.count_expired(today)
        db.session.rollback()
        click.echo(f"{count} contact(s) older than {days} days would be erased.")
        return
    count = services.erase_expired(today)
    db.session.commit()
    click.echo(f"{count} contact(s) older than {days} days erased.")


@survey_group.command("escalate", help="Escalate every follow-up not answered by its deadline to the unit above "
                                       "its unit, telling that unit's panel and administrators. Running it again "
                                       "escalates nothing more.")
@with_appcontext
def escalate() -> None:
    from worklog.survey import services
    escalated, kept = services.escalate_overdue(timekeeping.today())
    db.session.commit()
    click.echo(f"{escalated} overdue follow-up(s) escalated to the unit above.")
    if kept:
        click.echo(f"{kept} overdue follow-up(s) kept: their unit has none above it.")
    mail_commands.hand_over()
