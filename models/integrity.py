"""Seals and audit checkpoints: what a signed week or a final month held, and the chain over the audit trail.

Rows here are only ever added; worklog/integrity.py explains the design and checks them (``flask verify``)."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, enum_check, utcnow


class SealKind(str, enum.Enum):
    week = "week"      # a supervisor's signature of one officer's week (week_review)
    month = "month"    # a panel's final month of one unit (month_review)


class SealState(str, enum.Enum):
    sealed = "sealed"        # signed / finalised: ``items`` holds a digest of every row sealed
    reopened = "reopened"    # the recorded way back (a week unsigned, a month reopened)


class Seal(Base):
    """One link of a person's chain of signed weeks, or of a unit's chain of final months.

    No foreign keys on purpose: a seal must outlive whatever a raw DELETE does to the rows it names, so that
    ``flask verify`` can say what went missing."""

    __tablename__ = "seal"
    __table_args__ = (
        enum_check("kind", SealKind),
        enum_check("state", SealState),
        Index("ix_seal_object", "kind", "object_id"),
        Index("ix_seal_subject", "kind", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    #: week_review.id or month_review.id
    object_id: Mapped[int] = mapped_column(Integer)
    #: The chain's owner: the officer (weeks) or the unit (months).
    subject_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(8))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Row key → HMAC of the row as sealed ("e123" an entry, "p45" a person's month result, "head" the sealed
    #: row itself).
    items: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The previous seal of the same subject; None for the first.
    prev_id: Mapped[int | None] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A link of the chain over the audit trail: which events existed (id ranges) and the HMAC of their own
    HMACs, chained to the previous checkpoint, so a deleted event is named by the first checkpoint that held it."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: [[first, last], …]: the ids of the events this checkpoint covers.
    ranges: Mapped[list[Any]] = mapped_column(JSON, default=list)
    first_id: Mapped[int] = mapped_column(Integer)
    last_id: Mapped[int] = mapped_column(Integer, index=True)
    events: Mapped[int] = mapped_column(Integer)
    prev_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    digest: Mapped[str] = mapped_column(String(64))
