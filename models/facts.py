"""Work facts: what the police business systems (110 dispatch, case handling, household registration …) recorded
of an officer's work, sent through the API or a file feed, and the mappings that turn them into entries."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.catalog import TaskType


class FactStatus(str, enum.Enum):
    entered = "entered"    # an entry on the officer's day holds it
    waiting = "waiting"    # kept for an administrator: unknown badge, unmapped type, no post, task not open
    refused = "refused"    # kept, not entered: its day is sealed or the task's daily cap is reached


class QuantityRule(str, enum.Enum):
    as_sent = "as_sent"      # the fact's quantity (× the multiplier)
    one_each = "one_each"    # each fact counts one (× the multiplier), whatever quantity it carries


class FactChannel(str, enum.Enum):
    api = "api"
    file = "file"


class FactMapping(Base):
    """Which task of the catalog a source's fact type is, and how its quantity counts."""

    __tablename__ = "fact_mapping"
    __table_args__ = (
        UniqueConstraint("source", "fact_type"),
        enum_check("quantity_rule", QuantityRule),
        CheckConstraint("multiplier > 0", name="multiplier_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    fact_type: Mapped[str] = mapped_column(String(60))
    task_type_id: Mapped[int] = mapped_column(ForeignKey("task_type.id", ondelete="RESTRICT"), index=True)
    quantity_rule: Mapped[str] = mapped_column(String(16), default=QuantityRule.as_sent.value)
    multiplier: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("1"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    task_type: Mapped[TaskType] = relationship()


class WorkFact(Base):
    """One fact as its source system last sent it, known by (source, external_id): a repeat is recognised, a
    change updates the entry it became. Never deleted: a fact waiting or refused stays, with its reason.

    The entry it became points back at it (``entry.fact_id``), on ``work_date``'s partition."""

    __tablename__ = "work_fact"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        enum_check("status", FactStatus),
        enum_check("channel", FactChannel),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_work_fact_source_date", "source", "work_date"),
        Index("ix_work_fact_status_reason", "status", "reason"),
        Index("ix_work_fact_person_date", "person_id", "work_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(8), default=FactChannel.api.value)
    #: The API client that last sent it (None for a file feed).
    client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id", ondelete="SET NULL"), index=True)
    badge: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: The local date of ``occurred_at``: the officer's day it belongs to.
    work_date: Mapped[date] = mapped_column(Date)
    fact_type: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    reference: Mapped[str] = mapped_column(String(100), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    #: Why it waits or was refused (a code of worklog/facts/reasons.py); empty when entered.
    reason: Mapped[str] = mapped_column(String(32), default="")
    #: The last change of an entered fact that could not be applied (its period sealed), and when.
    refused_change: Mapped[str] = mapped_column(String(32), default="")
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How often a change of the fact changed its entry.
    revisions: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
