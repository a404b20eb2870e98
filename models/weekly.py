"""The supervisor's week (周结): signed weeks, acting supervisors, assigned tasks and in-app notifications."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (JSON, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.catalog import TaskType
from models.people import Person


class WeekStatus(str, enum.Enum):
    open = "open"
    signed = "signed"


class WeekReview(Base):
    """One officer's ISO week as the supervisor closes it. Signing locks the week's entries and records
    their approved points; only the unit's panel can unsign, with a reason, before the month is final."""

    __tablename__ = "week_review"
    __table_args__ = (
        UniqueConstraint("person_id", "week_start"),
        enum_check("status", WeekStatus),
        Index("ix_week_review_unit_week", "unit_id", "week_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(Date)  # the Monday
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=WeekStatus.open.value)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    approved_points: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    signed_by: Mapped[Person | None] = relationship(foreign_keys=[signed_by_id])

    __mapper_args__ = {"version_id_col": version}


class Delegation(Base):
    """An acting supervisor (代理考核人) for a date range: they review and sign in their own name."""

    __tablename__ = "delegation"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint("acting_id <> supervisor_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    acting_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    supervisor: Mapped[Person] = relationship(foreign_keys=[supervisor_id])
    acting: Mapped[Person] = relationship(foreign_keys=[acting_id])

    def covers(self, day: date) -> bool:
        return self.revoked_at is None and self.start_date <= day <= self.end_date


class AssignedTaskStatus(str, enum.Enum):
    open = "open"
    done = "done"
    cancelled = "cancelled"


class AssignedTask(Base):
    """派工: work a supervisor hands to an officer. Logging it creates a prefilled entry."""

    __tablename__ = "assigned_task"
    __table_args__ = (
        enum_check("status", AssignedTaskStatus),
        CheckConstraint("expected_quantity > 0", name="quantity_positive"),
        Index("ix_assigned_task_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("task_type.id", ondelete="RESTRICT"))
    expected_quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    due_date: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default=AssignedTaskStatus.open.value)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="SET NULL"))
    #: The logged entry's date. On PostgreSQL, where entries are partitioned by month, the foreign key is
    #: (entry_id, entry_date) → entry (id, work_date) (models/partitions.py).
    entry_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    assigned_by: Mapped[Person | None] = relationship(foreign_keys=[assigned_by_id])
    task_type: Mapped[TaskType] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Notification(Base):
    """An in-app message: an entry returned, a task assigned. ``params`` fill the translated text."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_person_read", "person_id", "read_at"),
                      Index("uq_notification_person_key", "person_id", "key", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: For a reminder sent on a schedule (a day near its deadline, a window closing): what it is about, so that
    #: a second run of the schedule sends it once (None: not a reminder).
    key: Mapped[str | None] = mapped_column(String(120))
