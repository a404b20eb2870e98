"""Background jobs: long work (a province's month close, a large export) split into parts, one per unit.

A job's row is the truth about it, whichever queue runs it: each part records itself done in the same
transaction as its unit's work, so a part is either wholly done or not at all, and running a job again
redoes only the parts not recorded.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.org import Unit
from models.people import Person


class JobKind(str, enum.Enum):
    month_close = "month_close"      # open and compute the month of every unit of a subtree
    round_export = "round_export"    # an HR promotion round's spreadsheet, written to a file
    round_judge = "round_judge"      # an HR promotion round's list, judged and stored


class JobStatus(str, enum.Enum):
    queued = "queued"      # waiting for a worker (or for its first part to start)
    running = "running"    # at least one part has started
    done = "done"          # every part done
    failed = "failed"      # a part failed; the parts done stay done, running the job again does the rest


class BackgroundJob(Base):
    __tablename__ = "background_job"
    __table_args__ = (
        enum_check("kind", JobKind),
        enum_check("status", JobStatus),
        CheckConstraint("done >= 0 AND done <= total", name="progress"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    #: The unit the job works on (a whole subtree for a close): its scope for who may see it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    #: What the job was asked to do, including the list of its parts (unit ids) fixed when it was made.
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.queued.value)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    #: Ids of the units whose part is done, in the order they finished.
    units_done: Mapped[list[int]] = mapped_column(JSON, default=list)
    error: Mapped[str] = mapped_column(Text, default="")
    #: What the job produced: per-unit counts of a close, the file of an export.
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    created_by: Mapped[Person | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.done.value, JobStatus.failed.value)
