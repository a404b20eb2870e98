"""Systems that use the JSON API (/api/v1/): their token (hashed), the units and operations they may use."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.org import Unit
from models.people import Person

#: The units whose data a client may send or read (each with every unit under it).
api_client_unit = Table(
    "api_client_unit", Base.metadata,
    Column("api_client_id", ForeignKey("api_client.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class ApiClient(Base):
    """A police business system registered by the province's administrator.

    The token is shown once; only its keyed hash (HMAC-SHA256) is kept, with its first characters so that people
    can recognise it. A revoked client is never authenticated again; rotation replaces the hash.
    """

    __tablename__ = "api_client"
    __table_args__ = (
        CheckConstraint("rate_limit_per_minute > 0 AND rate_limit_per_minute <= 100000", name="rate_limit_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(16))
    #: Names of the operations it may use ("read:people", "write:work-facts" …), sorted.
    operations: Mapped[list[str]] = mapped_column(JSON, default=list)
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    #: The source name its work facts carry (e.g. "jj110"): a client sends facts of its own source only.
    source: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    units: Mapped[list[Unit]] = relationship(secondary=api_client_unit, order_by="Unit.path")
    created_by: Mapped[Person | None] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiClient {self.name}>"
