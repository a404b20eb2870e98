"""``flask reminders``: who has days to submit and who has weeks to sign."""
from __future__ import annotations

from datetime import date, timedelta

import click
from flask.cli import with_appcontext

from worklog import timekeeping
from worklog.weekly import queries
from worklog.weekly.reminders import reminders_all


@click.command("reminders", help="List officers with unsubmitted working days and supervisors with overdue weeks.")
@click.option("--weeks", default=2, show_default=True, help="How many past weeks to look at.")
@with_appcontext
def reminders_command(weeks: int) -> None:
    today = timekeeping.today()
    since = queries.week_of(today) - timedelta(days=7 * weeks)
    report = reminders_all(since, today)
    click.echo(f"Working days not submitted since {since.isoformat()}:")
    if not report.missing_days:
        click.echo("  none")
    for person, days in report.missing_days.items():
        click.echo(f"  {person.badge} {person.name}: {', '.join(_short(d) for d in days)}")
    click.echo("Weeks past their signing deadline:")
    if not report.overdue_weeks:
        click.echo("  none")
    for supervisor, weeks_due in report.overdue_weeks.items():
        listed = ", ".join(f"{officer.badge} ({monday.isoformat()})" for officer, monday in weeks_due)
        click.echo(f"  {supervisor.badge} {supervisor.name}: {listed}")


def _short(day: date) -> str:
    return day.strftime("%m-%d")
