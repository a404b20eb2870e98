"""What HR then decided (奖惩兑现): promotion outcomes, actions on the warning and removal lists, honours.

The system flags, people decide: a round's list or a year's bottom ranking proposes, and what was decided is
recorded here with its date and document reference, audited, and shown in the officer's history.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.org import Unit
from models.people import Person


class DecisionKind(str, enum.Enum):
    promotion = "promotion"        # an officer of a published promotion round
    warning_talk = "warning_talk"  # 诫勉谈话: the year's bottom ranking
    removal = "removal"            # 免职/调整: the bottom ranking two years running


class DecisionOutcome(str, enum.Enum):
    promoted = "promoted"
    not_selected = "not_selected"
    deferred = "deferred"
    held = "held"                        # the warning talk was held
    carried_out = "carried_out"          # the removal was carried out
    not_carried_out = "not_carried_out"  # not done, and why (``note``)


#: The outcomes each kind may record.
OUTCOMES = {
    DecisionKind.promotion.value: (DecisionOutcome.promoted.value, DecisionOutcome.not_selected.value,
                                   DecisionOutcome.deferred.value),
    DecisionKind.warning_talk.value: (DecisionOutcome.held.value, DecisionOutcome.not_carried_out.value),
    DecisionKind.removal.value: (DecisionOutcome.carried_out.value, DecisionOutcome.not_carried_out.value),
}


class PersonnelDecision(Base):
    """One officer's outcome: of a promotion round (``round_id``), or of a year's warning or removal list
    (``unit_id`` and ``year``). One row per officer and list; a change is a new version, audited."""

    __tablename__ = "personnel_decision"
    __table_args__ = (
        enum_check("kind", DecisionKind),
        enum_check("outcome", DecisionOutcome),
        UniqueConstraint("round_id", "person_id", name="uq_personnel_decision_round"),
        UniqueConstraint("kind", "unit_id", "year", "person_id", name="uq_personnel_decision_list"),
        CheckConstraint("(kind = 'promotion') = (round_id IS NOT NULL)", name="round_of_promotion"),
        CheckConstraint("(kind = 'promotion') OR (year IS NOT NULL)", name="year_of_list"),
        Index("ix_personnel_decision_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("promotion_round.id", ondelete="CASCADE"))
    #: The unit whose HR decided: the round's unit, or the unit whose year's list it is.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    #: The year of a warning or removal list (None for a round).
    year: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))
    decided_on: Mapped[date] = mapped_column(Date)
    #: The document it was decided by (文号).
    reference: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    unit: Mapped[Unit] = relationship()

    __mapper_args__ = {"version_id_col": version}


class HonourKind(str, enum.Enum):
    merit = "merit"                # 记功 (个人一、二、三等功)
    commendation = "commendation"  # 嘉奖
    award = "award"                # 评先评优 (优秀公务员, 先进个人…)


class Honour(Base):
    """A commendation or honour given to an officer, proposed from the grades (``basis``) or entered by hand;
    revoked with a reason, never deleted."""

    __tablename__ = "honour"
    __table_args__ = (enum_check("kind", HonourKind), Index("ix_honour_person", "person_id"),
                      Index("ix_honour_unit_year", "unit_id", "year"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    #: The unit that gave it (its HR's scope).
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    #: e.g. 个人三等功, 优秀公务员.
    title: Mapped[str] = mapped_column(String(120))
    #: The year it was given for.
    year: Mapped[int] = mapped_column(Integer)
    decided_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    #: The proposal rule that put the officer forward (e.g. "annual_excellent"), "" when entered by hand.
    basis: Mapped[str] = mapped_column(String(40), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    unit: Mapped[Unit] = relationship()

    __mapper_args__ = {"version_id_col": version}
