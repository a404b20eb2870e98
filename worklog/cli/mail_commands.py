"""``flask notifications remind`` and ``flask mail send|digest``: reminders on a schedule, and the outbox sent."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from worklog.extensions import db

notifications_group = click.Group("notifications", help="Notifications sent on a schedule.")
mail_group = click.Group("mail", help="Mail: send the outbox, and the daily digests.")


@notifications_group.command("remind", help="Remind each person once of what is near its deadline: a working day not "
                                            "yet submitted (from DAY_REMINDER_AT on the day), an appeal window, a "
                                            "survey follow-up or a rectification about to close. Run it from cron, "
                                            "say hourly: a second run reminds nobody again.")
@with_appcontext
def remind() -> None:
    from sqlalchemy.exc import IntegrityError

    from worklog.notifications import mailer, schedule
    try:
        counts = schedule.remind()
        db.session.commit()
    except IntegrityError:
        # Another run wrote the same reminders at the same moment (a reminder's key is unique per person).
        db.session.rollback()
        raise click.ClickException("Another run was writing the same reminders: nothing was written by this one. "
                                   "Run it again.")
    for kind, n in counts.items():
        click.echo(f"{kind}: {n} reminder(s)")
    hand_over()


def hand_over(ids: list[int] | None = None) -> None:
    """With a queue, the mails now committed go to it; without one, `flask mail send` sends them. Every command
    that may have written mails (reminders, escalations, warnings) ends with it."""
    from worklog.jobs.queue import uses_queue
    from worklog.notifications import mailer
    waiting = mailer.waiting()
    db.session.commit()
    if not waiting:
        return
    if uses_queue() and mailer.configured():
        mailer.enqueue(ids)
        click.echo(f"{waiting} mail(s) handed to the queue.")
    else:
        click.echo(f"{waiting} mail(s) wait in the outbox: `flask mail send` sends them.")


@mail_group.command("send", help="Send the mails waiting in the outbox (run it from cron every few minutes when "
                                 "there is no queue). A mail refused or not delivered is tried again on the next run, "
                                 "up to MAIL_MAX_ATTEMPTS times.")
@click.option("--limit", type=int, default=None, help="Send at most this many.")
@with_appcontext
def send(limit: int | None) -> None:
    from worklog.notifications import mailer
    if not mailer.configured():
        waiting = mailer.waiting()
        db.session.commit()
        message = f"MAIL_SERVER is not set: nothing was sent; {waiting} mail(s) wait in the outbox."
        if waiting:
            raise click.ClickException(message)
        click.echo(message)
        return
    _report(mailer.send_queued(limit=limit))


def _report(report) -> None:
    click.echo(f"{report.sent} mail(s) sent, {report.retrying} to try again, {report.failed} failed for good"
               + (f", {report.skipped} sent by another worker" if report.skipped else "") + ".")
    for line in report.errors:
        click.echo(f"  {line}", err=True)
    if report.stopped:
        raise click.ClickException(f"Sending stopped: {report.stopped}. The rest wait for the next run.")


@mail_group.command("digest", help="Write and send each person who chose the daily digest one mail listing their "
                                   "notifications since the last digest (none when there is nothing new). Run it "
                                   "daily from cron.")
@with_appcontext
def digest() -> None:
    from worklog.jobs.queue import uses_queue
    from worklog.notifications import mailer
    ids = mailer.write_digests()
    db.session.commit()
    click.echo(f"{len(ids)} digest(s) written.")
    if not ids:
        return
    if not mailer.configured():
        raise click.ClickException(f"MAIL_SERVER is not set: the {len(ids)} digest(s) wait in the outbox.")
    if uses_queue():
        mailer.enqueue(ids)
        click.echo(f"{len(ids)} digest(s) handed to the queue.")
        return
    _report(mailer.send_queued(ids))
