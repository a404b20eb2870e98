"""The audit trail: who changed what, when, from what to what, and why. Rows are only ever added."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.people import Person


#: The actions the API's events feed reads (worklog/api/read_queries.py EVENT_ACTIONS), as SQL.
FEED_ACTIONS = ("month.finalised", "month.reopened", "year.finalised", "year.reopened", "round.published",
                "assignment.created", "assignment.corrected")
FEED_CONDITION = "action IN (" + ", ".join(f"'{a}'" for a in FEED_ACTIONS) + ")"


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id"),
        # The API's events feed (GET /api/v1/events) reads these actions by id after a cursor: a partial index on
        # them alone, so a poll reads only the feed's events, not every event of the trail since its cursor.
        Index("ix_audit_event_feed", "id", postgresql_where=text(FEED_CONDITION), sqlite_where=text(FEED_CONDITION)),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    #: The API client whose request made the change (the actor is then None), covered by the event's HMAC.
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    #: The unit the object belongs to, so that audit views can be scoped like everything else.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: Set when the event is written: a random nonce and the HMAC of the event with it (worklog/integrity.py),
    #: so that an event changed or inserted behind the application's back is named by ``flask verify``.
    nonce: Mapped[str | None] = mapped_column(String(32))
    mac: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[Person | None] = relationship()
    api_client = relationship("ApiClient")
