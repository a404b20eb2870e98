"""Units and the public (综合考评, DESIGN §7): the police-service call-back survey, opinion polls, and units'
comprehensive evaluations.

Phone numbers are personal data. A contact keeps its number only encrypted (``phone_cipher``, Fernet), a keyed
hash of it (``phone_hash``, HMAC-SHA256) so that the draw can keep a person from being called twice without
decrypting anything, and its last four digits for the masked form. Erasure at the end of the retention period
clears all three and the name; the counts and answers stay, so bulletins do not change.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.org import Unit
from models.people import Person


class ContactKind(str, enum.Enum):
    """Kinds of contact with the police, in the three groups of DESIGN §7."""
    report_110 = "report_110"
    report_119 = "report_119"
    report_122 = "report_122"
    window_traffic = "window_traffic"
    window_household = "window_household"
    window_exit_entry = "window_exit_entry"
    complaint = "complaint"
    petition = "petition"
    online = "online"            # complaints and petitions made online


#: The group of each kind: reports (报警求助), window business (窗口办事), complaints and petitions (投诉信访).
CONTACT_GROUPS: dict[str, tuple[ContactKind, ...]] = {
    "reports": (ContactKind.report_110, ContactKind.report_119, ContactKind.report_122),
    "windows": (ContactKind.window_traffic, ContactKind.window_household, ContactKind.window_exit_entry),
    "complaints": (ContactKind.complaint, ContactKind.petition, ContactKind.online),
}


class CallOutcome(str, enum.Enum):
    satisfied = "satisfied"            # 满意
    basic = "basic"                    # 基本满意
    dissatisfied = "dissatisfied"      # 不满意
    unreachable = "unreachable"        # 无法接通
    refused = "refused"                # 拒绝回答


#: Outcomes that are answers (valid samples), and outcomes of a call that reached somebody.
ANSWERS = (CallOutcome.satisfied, CallOutcome.basic, CallOutcome.dissatisfied)
REACHED = ANSWERS + (CallOutcome.refused,)


class SurveyContact(Base):
    """A person who dealt with the police: the population the survey draws from."""

    __tablename__ = "survey_contact"
    __table_args__ = (
        enum_check("kind", ContactKind),
        UniqueConstraint("unit_id", "kind", "contact_date", "phone_hash", "reference"),
        Index("ix_survey_contact_unit_month", "unit_id", "kind", "contact_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(24))
    contact_date: Mapped[date] = mapped_column(Date)
    #: The case, report or receipt number, if any: tells two visits of one person on one day apart.
    reference: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(60), default="")
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_last4: Mapped[str] = mapped_column(String(4), default="")
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()


class SurveyDraw(Base):
    """One random draw for a unit, a kind of contact and a month. The seed is kept so that anybody can redo the
    draw from the same contacts and get the same people; there is one draw per unit, kind and month, so a
    draw cannot be repeated until it gives a friendlier sample."""

    __tablename__ = "survey_draw"
    __table_args__ = (enum_check("kind", ContactKind), UniqueConstraint("unit_id", "kind", "month"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(24))
    month: Mapped[date] = mapped_column(Date)
    sample_size: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    #: Contacts of the month before and after the no-repeat rule: what the draw chose from.
    candidates: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int] = mapped_column(Integer)
    no_repeat_days: Mapped[int] = mapped_column(Integer)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    calls: Mapped[list[SurveyCall]] = relationship(back_populates="draw", order_by="SurveyCall.position")


class SurveyCall(Base):
    """A drawn contact to call, and once called, its outcome."""

    __tablename__ = "survey_call"
    __table_args__ = (
        CheckConstraint("outcome IS NULL OR outcome IN ('satisfied', 'basic', 'dissatisfied', 'unreachable', "
                        "'refused')", name="outcome"),
        UniqueConstraint("draw_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("survey_draw.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("survey_contact.id", ondelete="RESTRICT"), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(String(1000), default="")
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    draw: Mapped[SurveyDraw] = relationship(back_populates="calls")
    contact: Mapped[SurveyContact] = relationship()
    follow_up: Mapped[SurveyFollowUp | None] = relationship(back_populates="call")

    __mapper_args__ = {"version_id_col": version}


class SurveyFollowUp(Base):
    """A dissatisfied answer sent to the unit: it must reply by the deadline, and the reply is recorded."""

    __tablename__ = "survey_follow_up"
    __table_args__ = (CheckConstraint("verified IS NULL OR verified IN ('resolved', 'not_resolved')",
                                      name="verified"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("survey_call.id", ondelete="CASCADE"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    deadline: Mapped[date] = mapped_column(Date)
    reply: Mapped[str] = mapped_column(String(2000), default="")
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The survey staff's call back after the reply: resolved or not, and what the person said.
    verified: Mapped[str | None] = mapped_column(String(16))
    verify_comment: Mapped[str] = mapped_column(String(1000), default="")
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Not resolved, or not answered by the deadline: sent to the unit above, like an overdue rectification.
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    call: Mapped[SurveyCall] = relationship(back_populates="follow_up")
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    escalated_to: Mapped[Unit | None] = relationship(foreign_keys=[escalated_to_id])

    __mapper_args__ = {"version_id_col": version}


class SurveyPraise(Base):
    """Praise heard on a call, naming an officer where the person did; the unit's panel can make it a
    commendation (``adjustment_id``)."""

    __tablename__ = "survey_praise"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("survey_call.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(String(1000))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    adjustment_id: Mapped[int | None] = mapped_column(ForeignKey("month_adjustment.id", ondelete="SET NULL"))

    call: Mapped[SurveyCall] = relationship()
    unit: Mapped[Unit] = relationship()
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])


class OpinionPoll(Base):
    """民意调查: a unit's score in one round of the provincial polling centre's survey, with its sample size.
    A round is named by the month it reports (``round_month``, the 1st)."""

    __tablename__ = "opinion_poll"
    __table_args__ = (
        UniqueConstraint("unit_id", "round_month"),
        CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
        CheckConstraint("sample_size >= 0", name="sample_size"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    round_month: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(60), default="")
    score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    sample_size: Mapped[int] = mapped_column(Integer)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()


class EvaluationStatus(str, enum.Enum):
    recorded = "recorded"   # computed and saved; may be recomputed
    final = "final"         # sealed


class UnitEvaluationRun(Base):
    """Units' comprehensive evaluation for a month (``period`` the 1st) or a year (``period`` 1 January,
    ``annual`` true): every peer group's results, recorded together and sealed together."""

    __tablename__ = "unit_evaluation_run"
    __table_args__ = (enum_check("status", EvaluationStatus), UniqueConstraint("period", "annual"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[date] = mapped_column(Date)
    annual: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=EvaluationStatus.recorded.value)
    #: The rule values the run was computed with (a copy: later rule versions do not change it).
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    results: Mapped[list[UnitEvaluation]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                                         order_by="UnitEvaluation.id")

    __mapper_args__ = {"version_id_col": version}


class UnitEvaluation(Base):
    """One unit's comprehensive evaluation in a run, with every figure it came from."""

    __tablename__ = "unit_evaluation"
    __table_args__ = (UniqueConstraint("run_id", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("unit_evaluation_run.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    #: Per-capita approved points from the unit ledger, then brought to 0–100 among the peers.
    work_score: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    work_normalised: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    poll: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    poll_sample: Mapped[int] = mapped_column(Integer, default=0)
    survey: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    survey_called: Mapped[int] = mapped_column(Integer, default=0)
    survey_valid: Mapped[int] = mapped_column(Integer, default=0)
    reply_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    public: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    comprehensive: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    rank: Mapped[int | None] = mapped_column(Integer)
    public_rank: Mapped[int | None] = mapped_column(Integer)
    peers: Mapped[int] = mapped_column(Integer, default=0)
    grade: Mapped[str | None] = mapped_column(String(16))
    yellow_card: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A yellow card that makes ``yellow_run`` in a row (two by default) with the months before.
    yellow_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation: Mapped[list[Any]] = mapped_column(JSON, default=list)

    run: Mapped[UnitEvaluationRun] = relationship(back_populates="results")
    unit: Mapped[Unit] = relationship()
