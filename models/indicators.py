"""Assessment from above (上级考下级): the indicators a higher unit sets its units for a year (目标设定), their
targets per unit, and how a unit breaks its targets down to departments and officers (责任分解).

A plan is versioned by the date it takes effect, like the rule sets: a period is computed with the version in
force on its last day, and a new version never takes effect on a day already past, so a past period keeps the
version it was computed with.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.org import Department, Unit
from models.people import Person


class Measure(str, enum.Enum):
    """Where an indicator's value comes from."""
    ledger_points = "ledger_points"                  # approved ledger points (of one task category, or all)
    fact_count = "fact_count"                        # work facts entered, of one source's fact type
    inspection_deductions = "inspection_deductions"  # points deducted by inspection findings
    satisfaction = "satisfaction"                    # the police-service survey's satisfaction
    rectification_rate = "rectification_rate"        # share of rectifications accepted by their deadline
    manual = "manual"                                # entered by the assessing unit, with evidence


class ScoringRule(str, enum.Enum):
    proportional = "proportional"   # 100 × min(cap, value ÷ target)
    thresholds = "thresholds"       # the score of the highest step reached (steps are shares of the target)
    deductions = "deductions"       # 100 − points per unit × value, never below 0


class IndicatorPlan(Base):
    """One version of the indicators a unit sets the units directly under it for a year."""

    __tablename__ = "indicator_plan"
    __table_args__ = (UniqueConstraint("unit_id", "year", "valid_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    #: The dimensions' names, in order (by default 业务工作, 队伍建设, 执法质量).
    dimensions: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    indicators: Mapped[list[Indicator]] = relationship(back_populates="plan", order_by="Indicator.position",
                                                      cascade="all, delete-orphan")


class Indicator(Base):
    __tablename__ = "indicator"
    __table_args__ = (
        UniqueConstraint("plan_id", "position"),
        enum_check("measure", Measure),
        enum_check("rule", ScoringRule),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("cap >= 1", name="cap_at_least_one"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("indicator_plan.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    #: The lineage of an indicator across the plan's versions (the first version's position-independent key).
    key: Mapped[str] = mapped_column(String(40))
    dimension: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    measure: Mapped[str] = mapped_column(String(24))
    #: ledger_points: a task category id ("" for all); fact_count: "source:fact type"; else "".
    measure_param: Mapped[str] = mapped_column(String(110), default="")
    rule: Mapped[str] = mapped_column(String(16), default=ScoringRule.proportional.value)
    cap: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1"))
    #: thresholds: [[share of target, score], …]; deductions: {"per_unit": "1.00"}.
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    weight: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    #: Broken down to officers' monthly targets (a workload measure); the rest stop at departments.
    personal: Mapped[bool] = mapped_column(Boolean, default=False)

    plan: Mapped[IndicatorPlan] = relationship(back_populates="indicators")
    targets: Mapped[list[IndicatorTarget]] = relationship(back_populates="indicator", cascade="all, delete-orphan")


class IndicatorTarget(Base):
    """The year's target of one indicator for one unit under the plan's unit."""

    __tablename__ = "indicator_target"
    __table_args__ = (UniqueConstraint("indicator_id", "unit_id"), CheckConstraint("target >= 0", name="target"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    target: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    indicator: Mapped[Indicator] = relationship(back_populates="targets")
    unit: Mapped[Unit] = relationship()


class DepartmentTarget(Base):
    """A unit's target broken down: a department's share of the year's target (责任分解)."""

    __tablename__ = "department_target"
    __table_args__ = (UniqueConstraint("indicator_target_id", "department_id"),
                      CheckConstraint("target >= 0", name="target"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_target_id: Mapped[int] = mapped_column(ForeignKey("indicator_target.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    target: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()


class OfficerTarget(Base):
    """A department's share broken down to an officer's monthly target (a personal indicator): the officer's
    workload target in place of the post's, in every month the plan's version is in force."""

    __tablename__ = "officer_target"
    __table_args__ = (UniqueConstraint("department_target_id", "person_id"),
                      CheckConstraint("monthly_target > 0", name="monthly_target"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_target_id: Mapped[int] = mapped_column(ForeignKey("department_target.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    monthly_target: Mapped[Decimal] = mapped_column(Numeric(12, 2))

    person: Mapped[Person] = relationship()


class IndicatorValue(Base):
    """A month's value of a manual indicator for one unit, entered by the assessing unit with its evidence."""

    __tablename__ = "indicator_value"
    __table_args__ = (UniqueConstraint("indicator_key", "plan_unit_id", "unit_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: By the indicator's lineage, so a value entered under one version still counts under the next.
    indicator_key: Mapped[str] = mapped_column(String(40))
    plan_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    month: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    evidence: Mapped[str] = mapped_column(String(500))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
