"""Notifications by mail: each person's choices and the outbox the background queue sends from.

A mail is written to the outbox in the same transaction as the action it tells of, so a rolled-back action
leaves no mail behind; the queue (or ``flask mail send``) sends it after the commit, never inside a request.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.people import Person


class NotificationSetting(Base):
    """Which notification kinds a person also wants by mail, and whether as one daily digest instead."""

    __tablename__ = "notification_setting"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    #: Kinds sent by mail as they happen (the rest stay in-app only).
    mail_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: One mail a day listing the day's notifications, in place of a mail each.
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The last digest sent: the next lists what came after it.
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailStatus(str, enum.Enum):
    queued = "queued"
    sent = "sent"
    failed = "failed"   # tried ``attempts`` times; ``error`` says why


class MailMessage(Base):
    """One mail in the outbox, rendered in its person's language when it was written."""

    __tablename__ = "mail_message"
    __table_args__ = (enum_check("status", MailStatus), Index("ix_mail_message_status", "status", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    #: The notification it tells of (None for a digest).
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MailStatus.queued.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person | None] = relationship()
