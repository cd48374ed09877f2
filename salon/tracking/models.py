"""Visitors, visits and the append-only event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base

EventPk = BigInteger().with_variant(Integer(), "sqlite")


class Visitor(Base):
    """A browser, known by the widget's first-party 128-bit id; linked to a customer if verified."""

    __tablename__ = "visitors"
    __table_args__ = (UniqueConstraint("site_id", "visitor_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    visitor_key: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None
    )
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Visit(Base):
    __tablename__ = "visits"
    __table_args__ = (
        UniqueConstraint("site_id", "visit_key"),
        Index("ix_visits_site_last_seen", "site_id", "last_seen_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    visitor_id: Mapped[str] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    visit_key: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None
    )
    is_returning: Mapped[bool] = mapped_column(Boolean, default=False)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip_prefix: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """Append-only: never updated; deduplicated by the widget's client event id."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("visitor_id", "client_event_id"),
        Index("ix_events_visit_seq", "visit_id", "id"),
    )

    id: Mapped[int] = mapped_column(EventPk, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    visitor_id: Mapped[str] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    visit_id: Mapped[str] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    client_event_id: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
