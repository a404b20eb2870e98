"""People, their effective-dated assignments, and role grants scoped to a unit subtree."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, enum_check, utcnow
from models.org import Department, Post, Unit


class Role(str, enum.Enum):
    officer = "officer"
    supervisor = "supervisor"
    panel = "panel"
    hr = "hr"
    survey = "survey"
    admin = "admin"
    inspector = "inspector"   # 督察, legal review, petitions, discipline: findings and rectification
    leader = "leader"         # 局领导: reads every figure of a subtree, changes nothing


class Person(Base):
    """Anyone who signs in: an officer, a supervisor, HR staff… The badge number (警号) is the sign-in name."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    badge: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    rank: Mapped[str] = mapped_column(String(40), default="")
    hire_date: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Where notifications chosen by mail go (None: in-app only).
    email: Mapped[str | None] = mapped_column(String(254))
    #: The language of mails sent to the person (None: the site's default), kept when they choose one.
    language: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="person", foreign_keys="Assignment.person_id",
        order_by="Assignment.valid_from", cascade="all, delete-orphan")
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="person", foreign_keys="RoleGrant.person_id", cascade="all, delete-orphan")

    # The Flask-Login user protocol, written out so that models stay free of Flask imports.
    # ``login_token`` is set by the sign-in code: it names the server-side session, not the person,
    # so that ending that session signs the browser out.
    is_authenticated = True
    is_anonymous = False
    login_token = None

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str | None:
        return self.login_token

    def assignment_on(self, day: date) -> Assignment | None:
        for assignment in self.assignments:
            if assignment.covers(day):
                return assignment
        return None

    def latest_assignment(self) -> Assignment | None:
        return self.assignments[-1] if self.assignments else None

    def __repr__(self) -> str:
        return f"<Person {self.badge}>"


class Assignment(Base):
    """Where a person works from ``valid_from`` to ``valid_to`` (both inclusive; open-ended when None).

    A transfer closes the old assignment and opens a new one, so every earlier day stays where it was
    earned. The application keeps one person's assignments from overlapping.
    """

    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="dates_ordered"),
        CheckConstraint("supervisor_id IS NULL OR supervisor_id <> person_id", name="not_own_supervisor"),
        UniqueConstraint("person_id", "valid_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="RESTRICT"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="assignments", foreign_keys=[person_id])
    # Almost every use of an assignment asks for its department (unit) and post: read them with it.
    department: Mapped[Department] = relationship(lazy="joined", innerjoin=True)
    post: Mapped[Post] = relationship(lazy="joined", innerjoin=True)
    supervisor: Mapped[Person | None] = relationship(foreign_keys=[supervisor_id])

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class RoleGrant(Base):
    """A role held over a unit and everything under it. One person may hold several grants."""

    __tablename__ = "role_grant"
    __table_args__ = (enum_check("role", Role), UniqueConstraint("person_id", "role", "unit_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="grants", foreign_keys=[person_id])
    unit: Mapped[Unit] = relationship()
