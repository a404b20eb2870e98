"""The organisation: units as a tree, their departments, and the catalog of sequences and posts."""
from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, enum_check


class UnitLevel(str, enum.Enum):
    province = "province"
    city = "city"
    county = "county"


#: Which level of unit may sit under which.
CHILD_LEVEL = {UnitLevel.province: UnitLevel.city, UnitLevel.city: UnitLevel.county}


class Unit(Base):
    """A public-security organ: the provincial department, a city bureau or a county bureau.

    ``path`` is the materialised path of ids (``/1/4/17/``) so that "this unit and everything under it"
    is one indexed prefix match instead of a recursive query.
    """

    __tablename__ = "unit"
    __table_args__ = (enum_check("level", UnitLevel),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.code")
    departments: Mapped[list[Department]] = relationship(back_populates="unit", order_by="Department.code")

    def is_within(self, other: Unit) -> bool:
        """True when this unit is ``other`` or lies under it."""
        return bool(self.path) and bool(other.path) and self.path.startswith(other.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class Department(Base):
    """A department of a unit: a police station (派出所), a criminal investigation brigade, the political office…"""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship(back_populates="departments")

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class Sequence(Base):
    """A sequence (序列) of posts doing comparable work; rankings and quotas stay within one."""

    __tablename__ = "sequence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    posts: Mapped[list[Post]] = relationship(back_populates="sequence", order_by="Post.code")


class Post(Base):
    """A post (岗位) with its coefficient (岗位系数) and monthly target points (目标设定)."""

    __tablename__ = "post"
    __table_args__ = (
        CheckConstraint("coefficient > 0 AND coefficient <= 3", name="coefficient_range"),
        CheckConstraint("monthly_target_points > 0", name="target_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    coefficient: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("1.00"))
    monthly_target_points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    sequence: Mapped[Sequence] = relationship(back_populates="posts")
