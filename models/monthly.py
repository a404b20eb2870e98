"""The panel's month (月评月审): rule sets, month reviews, adjustments, vetoes, results, appeals, ledgers."""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.people import Person


class RuleSet(Base):
    """Every number of the assessment, versioned by the date it takes effect. A period is always computed
    with the version in force for it, so last year's results stay computed by last year's rules."""

    __tablename__ = "rule_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, unique=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MonthStatus(str, enum.Enum):
    open = "open"              # adjustments and vetoes being recorded
    computed = "computed"      # scores and proposed grades exist
    published = "published"    # 公示: officers see results and may appeal
    final = "final"            # sealed


class MonthReview(Base):
    __tablename__ = "month_review"
    __table_args__ = (UniqueConstraint("unit_id", "month"), enum_check("status", MonthStatus))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    status: Mapped[str] = mapped_column(String(16), default=MonthStatus.open.value)
    rule_set_id: Mapped[int | None] = mapped_column(ForeignKey("rule_set.id", ondelete="RESTRICT"))
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publication_ends: Mapped[date | None] = mapped_column(Date)
    appeal_deadline: Mapped[date | None] = mapped_column(Date)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    rule_set: Mapped[RuleSet | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class AdjustmentKind(str, enum.Enum):
    commendation = "commendation"    # bonus (嘉奖, 表彰)
    discipline = "discipline"        # deducted from the base (attendance, discipline)
    quality = "quality"              # deducted from quality (enforcement-quality findings)
    complaint = "complaint"          # deducted from quality (verified complaints)


class MonthAdjustment(Base):
    """加减分 recorded by the panel. ``points`` is positive; the kind says where it counts and which way."""

    __tablename__ = "month_adjustment"
    __table_args__ = (enum_check("kind", AdjustmentKind), CheckConstraint("points > 0", name="points_positive"),
                      Index("ix_month_adjustment_review_person", "month_review_id", "person_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_review_id: Mapped[int] = mapped_column(ForeignKey("month_review.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    reason: Mapped[str] = mapped_column(String(500))
    evidence: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(String(500), default="")

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class VetoEvent(Base):
    """一票否决: a day of absence without leave, a disciplinary sanction… forces the lowest grade."""

    __tablename__ = "veto_event"
    __table_args__ = (Index("ix_veto_event_review_person", "month_review_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_review_id: Mapped[int] = mapped_column(ForeignKey("month_review.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    event_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str] = mapped_column(String(500), default="")

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Grade(str, enum.Enum):
    excellent = "excellent"          # 优秀
    competent = "competent"          # 称职
    basic = "basic"                  # 基本称职
    incompetent = "incompetent"      # 不称职


class MonthResult(Base):
    """One officer's computed month: the inputs, each part of the score, the grade and how it was reached."""

    __tablename__ = "month_result"
    __table_args__ = (
        UniqueConstraint("month_review_id", "person_id"),
        enum_check("proposed_grade", Grade, name="proposed_valid"),
        enum_check("final_grade", Grade, name="final_valid"),
        CheckConstraint("override_grade IS NULL OR override_grade IN "
                        "('excellent', 'competent', 'basic', 'incompetent')", name="override_valid"),
        Index("ix_month_result_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_review_id: Mapped[int] = mapped_column(ForeignKey("month_review.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence.id", ondelete="RESTRICT"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="RESTRICT"))
    approved_points: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    target_points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    missing_days: Mapped[int] = mapped_column(Integer)
    late_days: Mapped[int] = mapped_column(Integer)
    returned_entries: Mapped[int] = mapped_column(Integer)
    reduced_entries: Mapped[int] = mapped_column(Integer)
    discipline_deductions: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    quality_deductions: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    commendations: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    base: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    workload: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    quality: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    bonus: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    rank: Mapped[int] = mapped_column(Integer)
    group_size: Mapped[int] = mapped_column(Integer)
    quota: Mapped[int] = mapped_column(Integer)
    proposed_grade: Mapped[str] = mapped_column(String(16))
    override_grade: Mapped[str | None] = mapped_column(String(16))
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    final_grade: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class AppealStatus(str, enum.Enum):
    pending = "pending"
    upheld = "upheld"
    rejected = "rejected"


class Appeal(Base):
    """申诉: filed by an officer within the window after publication, decided by the panel with a reason."""

    __tablename__ = "appeal"
    __table_args__ = (enum_check("status", AppealStatus), Index("ix_appeal_review", "month_review_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month_review_id: Mapped[int] = mapped_column(ForeignKey("month_review.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(1000))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=AppealStatus.pending.value)
    decision: Mapped[str] = mapped_column(String(1000), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    __mapper_args__ = {"version_id_col": version}


# --- Ledger roll-ups (DESIGN §8): kept exact with the entries, set-based, never per page view -----------------


class DepartmentMonth(Base):
    """部门分类帐 row total: one department's month."""

    __tablename__ = "department_month"
    __table_args__ = (Index("ix_department_month_unit_month", "unit_id", "month"),)

    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    officers: Mapped[int] = mapped_column(Integer)
    entries: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    approved_points: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class DepartmentMonthCategory(Base):
    """部门分类帐 cell: one department × category × month."""

    __tablename__ = "department_month_category"

    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("task_category.id", ondelete="CASCADE"), primary_key=True)
    entries: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    approved_points: Mapped[Decimal] = mapped_column(Numeric(14, 2))


class UnitMonthGrade(Base):
    """Leadership's roll-up of a unit's month results (one row per final grade): how many officers have it, and the
    working days due and cleared recorded with their results. Kept by the code that writes the results
    (worklog/ledgers/services.py) whatever the month's status; a reader keeps the months published or final."""

    __tablename__ = "unit_month_grade"
    __table_args__ = (enum_check("final_grade", Grade, name="final_valid"),)

    month_review_id: Mapped[int] = mapped_column(ForeignKey("month_review.id", ondelete="CASCADE"),
                                                 primary_key=True)
    final_grade: Mapped[str] = mapped_column(String(16), primary_key=True)
    officers: Mapped[int] = mapped_column(Integer)
    days_due: Mapped[int] = mapped_column(Integer)
    days_cleared: Mapped[int] = mapped_column(Integer)


class UnitWeek(Base):
    """Leadership's roll-up of officers' weeks (周结) by the unit their days were logged in: the officers with a day
    logged there that week, of them those whose week is signed, and signed by its deadline. Kept as days are begun
    and weeks signed or reopened (worklog/ledgers/services.py)."""

    __tablename__ = "unit_week"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)  # the Monday
    officers: Mapped[int] = mapped_column(Integer)
    signed: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)


class UnitMonth(Base):
    """单位总帐 row: one unit's month (its own departments; officers counted once)."""

    __tablename__ = "unit_month"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    officers: Mapped[int] = mapped_column(Integer)
    entries: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    approved_points: Mapped[Decimal] = mapped_column(Numeric(14, 2))
