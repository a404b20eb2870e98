"""Sending the outbox by SMTP, after the transactions that wrote it: from the background queue (RQ, when REDIS_URL
is set) or from ``flask mail send`` run by cron. Never inside a request.

A mail is sent at most once. Before talking to the server, a sender claims the row in a transaction of its own
(``UPDATE … SET status='sent' WHERE id=… AND status='queued'``): of two workers, one claims it and the other
skips it. A refusal or a broken connection puts it back in the queue with the error and the attempts counted, and
after ``MAIL_MAX_ATTEMPTS`` marks it failed. A sender killed between its claim and the server's answer leaves the
mail marked sent without knowing; that is the price of never sending one twice.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from itertools import groupby

from flask import current_app
from flask_babel import force_locale, gettext as _, ngettext
from sqlalchemy import case, func, select, update

from models import MailMessage, MailStatus, Notification, NotificationSetting, Person, utcnow
from worklog.extensions import db
from worklog.notifications import services
from worklog.notifications.kinds import KINDS, text_of

#: How much of an error is kept on the row.
MAX_ERROR = 2000
#: At most this many notifications are listed in one digest; the rest are counted.
DIGEST_LINES = 50


def configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def waiting() -> int:
    return db.session.scalar(select(func.count()).select_from(MailMessage).where(
        MailMessage.status == MailStatus.queued.value)) or 0


@dataclass
class Report:
    sent: int = 0
    #: Refused or not delivered this time; queued again for the next run (or failed for good after the limit).
    retrying: int = 0
    failed: int = 0
    #: Claimed by another sender first.
    skipped: int = 0
    #: Why the run stopped early (the server could not be reached), '' otherwise.
    stopped: str = ""
    errors: list[str] = field(default_factory=list)


class _Server:
    """One SMTP connection for a run, opened at the first mail."""

    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self.smtp is None:
            config = current_app.config
            host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
            timeout = float(config["MAIL_TIMEOUT"])
            if config["MAIL_USE_TLS"]:
                smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(host, port, timeout=timeout)
                if config["MAIL_USE_STARTTLS"]:
                    smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            self.smtp = smtp
        return self.smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def _message(row: dict) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = row["address"]
    message["Subject"] = row["subject"]
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(f"worklog.{row['id']}")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row["body"])
    return message


def _claim(mail_id: int) -> dict | None:
    """Mark the mail sent before sending it, in a transaction of its own; None when another sender had it (or
    it is not queued any more)."""
    claimed = db.session.execute(update(MailMessage).where(
        MailMessage.id == mail_id, MailMessage.status == MailStatus.queued.value).values(
        status=MailStatus.sent.value, attempts=MailMessage.attempts + 1, sent_at=utcnow(), error=""))
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    row = db.session.execute(select(MailMessage.id, MailMessage.address, MailMessage.subject, MailMessage.body)
                             .where(MailMessage.id == mail_id)).mappings().one()
    db.session.commit()
    return dict(row)


def _not_sent(mail_id: int, error: str) -> bool:
    """Put the mail back in the queue with the error, or mark it failed once it has had its attempts. Returns
    whether it failed for good."""
    limit = int(current_app.config["MAIL_MAX_ATTEMPTS"])
    db.session.execute(update(MailMessage).where(MailMessage.id == mail_id).values(
        status=case((MailMessage.attempts >= limit, MailStatus.failed.value), else_=MailStatus.queued.value),
        sent_at=None, error=error[:MAX_ERROR]))
    failed = db.session.scalar(select(MailMessage.status).where(MailMessage.id == mail_id)) == MailStatus.failed.value
    db.session.commit()
    return failed


def send_queued(ids: list[int] | None = None, limit: int | None = None) -> Report:
    """Send queued mails (those of ``ids`` only, when given), oldest first. Call it outside any request, with no
    transaction of the caller's open: each mail is claimed and settled in transactions of its own."""
    report = Report()
    if not configured():
        report.stopped = "MAIL_SERVER is not set"
        return report
    query = select(MailMessage.id).where(MailMessage.status == MailStatus.queued.value).order_by(MailMessage.id)
    if ids is not None:
        query = query.where(MailMessage.id.in_(ids))
    if limit is not None:
        query = query.limit(limit)
    todo = list(db.session.scalars(query))
    db.session.commit()
    server = _Server()
    try:
        for mail_id in todo:
            row = _claim(mail_id)
            if row is None:
                report.skipped += 1
                continue
            try:
                server.open().send_message(_message(row))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
                    smtplib.SMTPNotSupportedError) as error:
                # This mail was refused; the connection is still good for the next.
                text = f"{type(error).__name__}: {error}"
                report.errors.append(f"mail {mail_id}: {text}")
                if _not_sent(mail_id, text):
                    report.failed += 1
                else:
                    report.retrying += 1
            except (smtplib.SMTPException, OSError) as error:
                # The server cannot be reached or dropped us: the rest wait for the next run.
                text = f"{type(error).__name__}: {error}"
                if _not_sent(mail_id, text):
                    report.failed += 1
                else:
                    report.retrying += 1
                report.stopped = text
                server.smtp = None
                break
            else:
                report.sent += 1
    finally:
        server.close()
    return report


# --- The queue -------------------------------------------------------------------------------------------------------


def send_job(ids: list[int] | None = None) -> int:
    """What an RQ worker runs (in the app context the worker gives it): send these mails. Returns those sent."""
    report = send_queued(ids)
    if report.stopped and configured():
        current_app.logger.warning("Mail: %s (%d sent before)", report.stopped, report.sent)
    return report.sent


def enqueue(ids: list[int] | None = None) -> None:
    """Hand mails to the queue: one RQ job sends them. Call it once the rows are committed."""
    from contextlib import closing

    from worklog.jobs.queue import connection, rq_queue
    if ids is not None and not ids:
        return
    with closing(connection()) as redis:
        rq_queue(redis).enqueue(send_job, ids, description=f"mail {len(ids) if ids else 'outbox'}")


# --- The daily digest ------------------------------------------------------------------------------------------------


def write_digests(now: datetime | None = None) -> list[int]:
    """One mail to each person who chose the daily digest, listing the notifications of the kinds they chose
    that came since their last digest (none when nothing came). Returns the mails' ids; the caller commits and
    then sends them."""
    now = now or utcnow()
    made: list[int] = []
    people = db.session.execute(
        select(NotificationSetting, Person).join(Person, Person.id == NotificationSetting.person_id)
        .where(NotificationSetting.digest.is_(True), Person.active.is_(True), Person.email.is_not(None),
               Person.email != "")
        .order_by(Person.id)
        # A second run at the same time waits here, then reads the first's digest_sent_at: no digest twice.
        .with_for_update(of=NotificationSetting).execution_options(populate_existing=True)).all()
    for start in range(0, len(people), 500):
        chunk = people[start:start + 500]
        by_person = {person.id: (setting, person) for setting, person in chunk}
        marks = [s.digest_sent_at for s, _p in chunk]
        since = None if None in marks else min(marks)
        query = (select(Notification).where(Notification.person_id.in_(by_person), Notification.created_at <= now)
                 .order_by(Notification.person_id, Notification.created_at, Notification.id))
        if since is not None:
            query = query.where(Notification.created_at > since)
        for person_id, notes in groupby(db.session.scalars(query), key=lambda n: n.person_id):
            setting, person = by_person[person_id]
            chosen = set(setting.mail_kinds or [])
            notes = [n for n in notes if n.kind in chosen and n.kind in KINDS
                     and (setting.digest_sent_at is None or n.created_at > setting.digest_sent_at)]
            if not notes:
                continue
            mail = _digest(person, notes)
            db.session.add(mail)
            setting.digest_sent_at = max(n.created_at for n in notes)
            db.session.flush()
            made.append(mail.id)
    return made


def _digest(person: Person, notes: list[Notification]) -> MailMessage:
    from flask_babel import format_datetime
    language = services.language_of(person)
    with force_locale(language):
        shown = notes[-DIGEST_LINES:]
        lines = []
        for note in shown:
            line = f"- {format_datetime(note.created_at, 'short')}  {text_of(note)}"
            link = services.link_of(note.link, (note.params or {}).get("link_args", {}))
            lines.append(line + (f"\n  {link}" if link else ""))
        more = len(notes) - len(shown)
        if more:
            lines.append(ngettext("… and %(num)d earlier: read them all on the notifications page.",
                                  "… and %(num)d earlier: read them all on the notifications page.", more))
        body = services.mail_body(person, [
            ngettext("%(num)d notification since your last digest:", "%(num)d notifications since your last digest:",
                     len(notes)), "\n".join(lines)],
            _("Worklog sends this digest once a day because you chose it in place of one mail for each "
              "notification."))
        subject = ngettext("Worklog: %(num)d notification", "Worklog: %(num)d notifications", len(notes))
    return MailMessage(person_id=person.id, notification_id=None, kind="digest", address=person.email,
                       subject=services.subject_line(subject), body=body, status=MailStatus.queued.value,
                       params={"language": language, "notifications": [n.id for n in notes]})
