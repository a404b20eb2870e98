"""A real SMTP server for the mail tests (aiosmtpd, on a free port of this machine), and people who chose mail."""
from __future__ import annotations

import email
import socket
import threading
from email import policy
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from models import MailMessage, NotificationSetting
from tests.daily.conftest import catalog  # noqa: F401  (the day fixtures, shared)
from worklog.extensions import db


class Inbox:
    """What the server received: each mail parsed, with the addresses it was sent to. Addresses in ``refuse`` are
    answered 550 at RCPT TO, as a server refuses an unknown mailbox."""

    def __init__(self):
        self.mails: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.mails.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.mails if m["To"] == address]

    def subjects(self, address: str) -> list[str]:
        return [str(m["Subject"]) for m in self.to(address)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    """An SMTP server started for the test, and the app's MAIL_* settings pointing at it."""
    from aiosmtpd.controller import Controller
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="Worklog <worklog@example.invalid>",
                      MAIL_TIMEOUT=5, SITE_URL="https://worklog.example.invalid")
    try:
        yield inbox
    finally:
        controller.stop()


def choose(person, kinds, email: str | None = None, language: str = "en", digest: bool = False):
    """The person's own choices, as their settings page saves them."""
    from worklog.notifications.services import save_settings
    save_settings(person, {"email": f"{person.badge}@example.invalid" if email is None else email, "language": language,
                           "mail_kinds": list(kinds), "digest": digest}, person)
    db.session.commit()


def outbox(status: str | None = None) -> list[MailMessage]:
    db.session.expire_all()
    query = select(MailMessage).order_by(MailMessage.id)
    if status:
        query = query.where(MailMessage.status == status)
    return list(db.session.scalars(query))


def setting_of(person) -> NotificationSetting | None:
    db.session.expire_all()
    return db.session.get(NotificationSetting, person.id)
