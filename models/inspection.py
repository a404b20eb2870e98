"""Supervision: inspection findings (督察, legal review, petitions, discipline) with their evidence, the deduction
each carries into the month, and the rectification (整改) a finding asks for, followed until it is verified."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.org import Department, Unit
from models.people import Person


class FindingCategory(str, enum.Enum):
    """A finding's category; the rule set says how much each deducts and from which part of the month."""
    enforcement = "enforcement"   # 执法过错 (quality)
    discipline = "discipline"     # 纪律作风 (base)
    appearance = "appearance"     # 警容风纪 (base)
    complaint = "complaint"       # 信访投诉 (quality)


class FindingTarget(str, enum.Enum):
    unit = "unit"
    department = "department"
    officer = "officer"


class FindingSource(str, enum.Enum):
    inspection = "inspection"     # recorded by an inspector
    survey = "survey"             # a survey follow-up found to be an officer's fault


class Finding(Base):
    """A problem found, naming a unit, a department or an officer. ``points`` is the deduction worked out when
    it was recorded (the category's, weighed more for a repeat), kept so the month it lands in never moves."""

    __tablename__ = "finding"
    __table_args__ = (
        enum_check("category", FindingCategory),
        enum_check("target", FindingTarget),
        enum_check("source", FindingSource),
        CheckConstraint("points >= 0", name="points"),
        CheckConstraint("(target = 'unit' AND department_id IS NULL AND person_id IS NULL) OR "
                        "(target = 'department' AND department_id IS NOT NULL AND person_id IS NULL) OR "
                        "(target = 'officer' AND department_id IS NOT NULL AND person_id IS NOT NULL)",
                        name="target_named"),
        Index("ix_finding_person_found_on", "person_id", "found_on"),
        Index("ix_finding_unit_found_on", "unit_id", "found_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(12))
    #: The unit named, or the unit of the department or officer named (on the day found): the scope.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"))
    found_on: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(2000))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    #: The earlier finding (same target and category, within the rule set's period) that made this a repeat.
    repeat_of_id: Mapped[int | None] = mapped_column(ForeignKey("finding.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(12), default=FindingSource.inspection.value)
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("survey_follow_up.id", ondelete="SET NULL"),
                                                     unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    unit: Mapped[Unit] = relationship()
    department: Mapped[Department | None] = relationship()
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    rectification: Mapped[Rectification | None] = relationship(back_populates="finding")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="finding", order_by="Attachment.id")

    __mapper_args__ = {"version_id_col": version}


class RectificationStatus(str, enum.Enum):
    open = "open"            # waiting for the unit's answer
    answered = "answered"    # the unit said what it did; the inspector verifies
    returned = "returned"    # the inspector did not accept the answer: the unit answers again
    accepted = "accepted"    # verified: closed


class Rectification(Base):
    """整改: what a finding asks the unit to put right, by a deadline. Past it, unaccepted, it escalates to the
    unit above (``escalated_at``) and counts against the unit."""

    __tablename__ = "rectification"
    __table_args__ = (enum_check("status", RectificationStatus),
                      Index("ix_rectification_unit_deadline", "unit_id", "deadline"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="CASCADE"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=RectificationStatus.open.value)
    answer: Mapped[str] = mapped_column(String(2000), default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verdict_reason: Mapped[str] = mapped_column(String(1000), default="")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Accepted: whether the accepted answer came by the deadline (the rectification rate counts these).
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rounds: Mapped[int] = mapped_column(Integer, default=0)  # answers given so far
    version: Mapped[int] = mapped_column(Integer, default=1)

    finding: Mapped[Finding] = relationship(back_populates="rectification")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    escalated_to: Mapped[Unit | None] = relationship(foreign_keys=[escalated_to_id])

    __mapper_args__ = {"version_id_col": version}


class AttachmentStage(str, enum.Enum):
    finding = "finding"    # the inspector's evidence of the finding
    answer = "answer"      # the unit's evidence of what it put right


class Attachment(Base):
    """An evidence file, stored outside the web root under ``storage_key``; ``sha256`` is checked on download."""

    __tablename__ = "attachment"
    __table_args__ = (enum_check("stage", AttachmentStage), CheckConstraint("size > 0", name="size_positive"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("finding.id", ondelete="RESTRICT"), index=True)
    stage: Mapped[str] = mapped_column(String(8))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    finding: Mapped[Finding] = relationship(back_populates="attachments")
