"""The officer's day (日清): the working-day calendar, day logs, entries and their daily roll-up."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.catalog import TaskCategory, TaskType
from models.people import Person


class CalendarDay(Base):
    """An exception to the Monday–Friday week: a public holiday, or a weekend day made a working day."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(60), default="")


class DayStatus(str, enum.Enum):
    open = "open"
    submitted = "submitted"


class EntryStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    returned = "returned"
    resubmitted = "resubmitted"


class Completion(str, enum.Enum):
    done = "done"            # 完成
    mostly = "mostly"        # 基本完成
    not_done = "not_done"    # 未完成


class DayLog(Base):
    """One officer's work date: its status, the one-line self-assessment (自评) and whether it came late.

    Unit, department and sequence are those of the officer's assignment on that date, so the day stays
    where it was earned after a transfer.

    On PostgreSQL this table, ``entry`` and ``person_day_total`` are partitioned by month of ``work_date``, with
    the date in their primary keys and in the foreign keys that point at them (models/partitions.py).
    """

    __tablename__ = "day_log"
    __table_args__ = (
        UniqueConstraint("person_id", "work_date"),
        enum_check("status", DayStatus),
        Index("ix_day_log_unit_date", "unit_id", "work_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    work_date: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(16), default=DayStatus.open.value)
    self_assessment: Mapped[str] = mapped_column(String(200), default="")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship()
    entries: Mapped[list[Entry]] = relationship(back_populates="day", order_by="Entry.id")

    __mapper_args__ = {"version_id_col": version}


class Entry(Base):
    """One line of an officer's day. Its points and everything they came from are snapshotted here,
    so a later change of catalog, post or rule never rewrites it. Its ``work_date`` is its day's (on
    PostgreSQL the foreign key to the day is (day_id, work_date): models/partitions.py)."""

    __tablename__ = "entry"
    __table_args__ = (
        enum_check("status", EntryStatus),
        enum_check("completion", Completion),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("hours >= 0 AND hours <= 24", name="hours_range"),
        Index("ix_entry_person_date", "person_id", "work_date"),
        Index("ix_entry_unit_date", "unit_id", "work_date"),
        Index("ix_entry_department_date", "department_id", "work_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day_id: Mapped[int] = mapped_column(ForeignKey("day_log.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    work_date: Mapped[date] = mapped_column(Date)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("task_type.id", ondelete="RESTRICT"), index=True)
    task_type_version_id: Mapped[int] = mapped_column(ForeignKey("task_type_version.id", ondelete="RESTRICT"))
    category_id: Mapped[int] = mapped_column(ForeignKey("task_category.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="RESTRICT"))
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence.id", ondelete="RESTRICT"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    hours: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    description: Mapped[str] = mapped_column(String(500), default="")
    completion: Mapped[str] = mapped_column(String(16))
    # The snapshot: the rule the points were computed with.
    standard_points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    completion_factor: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    coefficient: Mapped[Decimal] = mapped_column(Numeric(4, 2))
    points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    approved_points: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(16), default=EntryStatus.draft.value)
    # The supervisor's review (周结审核): who, when, and why the points were adjusted or the entry returned.
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(String(500), default="")
    #: How often the supervisor returned this entry: each time counts against the month's quality score.
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Set when the week is signed, cleared if the panel reopens it: the ledgers count signed weeks only.
    week_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    #: Set when a business system's fact made this entry (models/facts.py): its source and reference are shown,
    #: its task, date and quantity are the system's and the officer cannot change them.
    fact_id: Mapped[int | None] = mapped_column(ForeignKey("work_fact.id", ondelete="RESTRICT"), index=True)
    source: Mapped[str | None] = mapped_column(String(40))
    # A default in the schema too: rows written by hand (a repair, a copy) need not name it.
    reference: Mapped[str] = mapped_column(String(100), default="", server_default=text("''"))

    day: Mapped[DayLog] = relationship(back_populates="entries")
    task_type: Mapped[TaskType] = relationship()
    reviewed_by: Mapped[Person | None] = relationship(foreign_keys=[reviewed_by_id])
    category: Mapped[TaskCategory] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def adjusted(self) -> bool:
        return self.approved_points is not None and self.approved_points != self.points

    @property
    def from_system(self) -> bool:
        return self.fact_id is not None

    @property
    def editable(self) -> bool:
        """Until a supervisor has reviewed it, the officer may change an entry."""
        return self.status in (EntryStatus.draft.value, EntryStatus.submitted.value,
                               EntryStatus.returned.value, EntryStatus.resubmitted.value)


class FavouriteTask(Base):
    __tablename__ = "favourite_task"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("task_type.id", ondelete="CASCADE"), primary_key=True)


class PersonDayTotal(Base):
    """Roll-up of one officer's day, kept exact with the entries on every change (DESIGN §8). Partitioned by
    month on PostgreSQL, as day logs and entries are."""

    __tablename__ = "person_day_total"
    __table_args__ = (
        Index("ix_person_day_total_unit_seq_date", "unit_id", "sequence_id", "work_date"),
        Index("ix_person_day_total_department_date", "department_id", "work_date"),
    )

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    work_date: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence.id", ondelete="RESTRICT"))
    entries: Mapped[int] = mapped_column(Integer, default=0)
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("0"))
    points: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    approved_points: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
