"""The year and HR (年度总评): annual results, eligibility policies, promotion rounds, bonus pools."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.jobs import BackgroundJob
from models.org import Unit
from models.monthly import AppealStatus, Grade, MonthStatus
from models.people import Person


class YearReview(Base):
    """One unit's annual review: computed from its final months, then published, appealed, finalised."""

    __tablename__ = "year_review"
    __table_args__ = (UniqueConstraint("unit_id", "year"), enum_check("status", MonthStatus))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=MonthStatus.open.value)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appeal_deadline: Mapped[date | None] = mapped_column(Date)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class YearAdjustment(Base):
    """An annual adjustment (年度加减分) recorded by the panel: signed points with a reason."""

    __tablename__ = "year_adjustment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year_review_id: Mapped[int] = mapped_column(ForeignKey("year_review.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    reason: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class YearAppeal(Base):
    """申诉 against an annual result, filed in the window after publication, decided by the panel."""

    __tablename__ = "year_appeal"
    __table_args__ = (enum_check("status", AppealStatus),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year_review_id: Mapped[int] = mapped_column(ForeignKey("year_review.id", ondelete="CASCADE"), index=True)
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


class YearResult(Base):
    __tablename__ = "year_result"
    __table_args__ = (
        UniqueConstraint("year_review_id", "person_id"),
        enum_check("proposed_grade", Grade, name="proposed_valid"),
        enum_check("final_grade", Grade, name="final_valid"),
        Index("ix_year_result_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year_review_id: Mapped[int] = mapped_column(ForeignKey("year_review.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence.id", ondelete="RESTRICT"))
    months: Mapped[int] = mapped_column(Integer)
    mean_monthly: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    adjustments: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    excellent_months: Mapped[int] = mapped_column(Integer)
    incompetent_months: Mapped[int] = mapped_column(Integer)
    veto: Mapped[bool] = mapped_column(Boolean, default=False)
    rank: Mapped[int] = mapped_column(Integer)
    group_size: Mapped[int] = mapped_column(Integer)
    percentile: Mapped[Decimal] = mapped_column(Numeric(6, 4))
    proposed_grade: Mapped[str] = mapped_column(String(16))
    final_grade: Mapped[str] = mapped_column(String(16))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class PromotionRound(Base):
    """A promotion round (竞争上岗, 晋职晋级…): candidates of a unit subtree judged by a policy at a reference date.

    The list is judged once and stored (``PromotionCandidate``), not on every view: when the round is made, when
    its rules change and when HR asks, each time by a background job (``job``). Publishing freezes the stored
    list: later data changes never alter it."""

    __tablename__ = "promotion_round"
    __table_args__ = (CheckConstraint("status IN ('draft', 'published')", name="status_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    reference_date: Mapped[date] = mapped_column(Date)
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the stored list was last judged (None: never yet).
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The stored list's numbers, written with it: {"total": officers, "eligible": n, "failing": [officers failing
    #: rule 0, rule 1, …]}, so that its page does not count 100,000 rows on every view.
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The latest job asked to judge the list: while it has not finished, the stored list is being replaced.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("background_job.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship()
    job: Mapped[BackgroundJob | None] = relationship()


class PromotionCandidate(Base):
    """One officer's line of a round's list: eligible or not, the place, every rule's check, and (for the page's
    counts and filters) the officer's unit at the reference date and the rules failed. A draft's lines are
    replaced each time the list is judged; a published round's are frozen."""

    __tablename__ = "promotion_candidate"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),
                      Index("ix_promotion_candidate_round_position", "round_id", "position"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("promotion_round.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[bool] = mapped_column(Boolean)
    badge: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    checks: Mapped[list[Any]] = mapped_column(JSON)
    #: The officer's unit at the round's reference date.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    #: The rules failed, as bits: bit i set when the policy's rule i failed (0 when eligible).
    failed: Mapped[int] = mapped_column(Integer, default=0)
    #: What ordered the officer among equals: each tie-breaker's value (a count, a score, months of service), or
    #: None where the officer has none. Lists judged before this column was added have none.
    ties: Mapped[list[Any] | None] = mapped_column(JSON)

    person: Mapped[Person] = relationship()


class BonusPool(Base):
    """A unit's bonus pool for a period, shared by grade coefficient × score; the shares are frozen with it."""

    __tablename__ = "bonus_pool"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    #: The month of a monthly pool (its first day); None for the year's pool.
    month: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    coefficients: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BonusShare(Base):
    __tablename__ = "bonus_share"
    __table_args__ = (UniqueConstraint("pool_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("bonus_pool.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    grade: Mapped[str] = mapped_column(String(16))
    score: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    person: Mapped[Person] = relationship()
