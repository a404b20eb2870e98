"""The task catalog (考核项目): categories, task types per sequence and post, and their dated point values."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, Column, Date, ForeignKey, Integer, Numeric, String, Table,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from models.base import Base, UTCDateTime, utcnow
from models.org import Post, Sequence
from models.people import Person

task_type_post = Table(
    "task_type_post", Base.metadata,
    Column("task_type_id", ForeignKey("task_type.id", ondelete="CASCADE"), primary_key=True),
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
)


class TaskCategory(Base):
    """业务工作, 队伍建设, 执法质量, 群众工作 by default: the columns of the department classified ledger."""

    __tablename__ = "task_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)


def task_search_keys(code: str, name: str) -> str:
    """The words by which a task is found, space-separated and lower case: the name, its full pinyin (joined,
    and syllable by syllable), its initials and the code. "接处警", PS01 → "接处警 jiechujing jie chu jing jcj ps01".
    Letters and digits already in the name are kept in its pinyin (110接警 → "110jiejing"), not in its initials
    ("jj")."""
    from pypinyin import Style, lazy_pinyin
    name = name.strip()
    syllables = [s.lower() for s in lazy_pinyin(name, errors="default") if s.strip()]
    initials = "".join(s[0] for s in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore") if s.strip())
    words = [name.lower(), "".join(syllables), *syllables, initials.lower(), code.strip().lower()]
    seen: list[str] = []
    for word in words:
        word = "".join(word.split())
        if word and word not in seen:
            seen.append(word)
    return " ".join(seen)[:600]


class TaskType(Base):
    """A kind of work an officer logs (接处警, 受理案件, 入户走访…).

    ``sequence`` None: open to every sequence (学习培训). ``posts`` empty: open to every post of the
    sequence. Point values live in dated :class:`TaskTypeVersion` rows.
    """

    __tablename__ = "task_type"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category_id: Mapped[int] = mapped_column(ForeignKey("task_category.id", ondelete="RESTRICT"), index=True)
    sequence_id: Mapped[int | None] = mapped_column(ForeignKey("sequence.id", ondelete="RESTRICT"), index=True)
    unit_of_measure: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: What an officer may type to find the task: its name, full pinyin, initials and code, lower case (see
    #: :func:`task_search_keys`). Kept with the row, so the day page does not convert names on every view.
    search_keys: Mapped[str] = mapped_column(String(600), default="")

    category: Mapped[TaskCategory] = relationship()
    sequence: Mapped[Sequence | None] = relationship()
    posts: Mapped[list[Post]] = relationship(secondary=task_type_post, order_by="Post.code")
    versions: Mapped[list[TaskTypeVersion]] = relationship(
        back_populates="task_type", order_by="TaskTypeVersion.valid_from", cascade="all, delete-orphan")

    @validates("code", "name")
    def _keep_search_keys(self, key: str, value: str) -> str:
        code, name = (value, self.name) if key == "code" else (self.code, value)
        self.search_keys = task_search_keys(code or "", name or "")
        return value

    def version_on(self, day: date) -> TaskTypeVersion | None:
        found = None
        for version in self.versions:
            if version.valid_from <= day:
                found = version
        return found


class TaskTypeVersion(Base):
    """The standard points and daily cap of a task type from ``valid_from`` until the next version."""

    __tablename__ = "task_type_version"
    __table_args__ = (
        UniqueConstraint("task_type_id", "valid_from"),
        CheckConstraint("standard_points >= 0", name="points_not_negative"),
        CheckConstraint("daily_cap > 0", name="cap_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("task_type.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    standard_points: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    daily_cap: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task_type: Mapped[TaskType] = relationship(back_populates="versions")
    created_by: Mapped[Person | None] = relationship()
