"""Conversations, their totally ordered messages, associates' chat status, canned replies and
the orders credited to associates."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base, JsonType

OPEN_STATUSES = ("queued", "active")


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("site_id", "reference"),
        # at most one open conversation per visitor, whatever the concurrency
        Index(
            "uq_conversations_open_visitor",
            "visitor_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_conversations_site_status", "site_id", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    visitor_id: Mapped[str] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    visit_id: Mapped[str | None] = mapped_column(
        ForeignKey("visits.id", ondelete="SET NULL"), default=None
    )
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None
    )
    reference: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    offline: Mapped[bool] = mapped_column(Boolean, default=False)
    associate_id: Mapped[str | None] = mapped_column(
        ForeignKey("associates.id", ondelete="SET NULL"), default=None
    )
    language: Mapped[str | None] = mapped_column(String(8), default=None)
    topic: Mapped[str | None] = mapped_column(String(32), default=None)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    token_hash: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by: Mapped[str | None] = mapped_column(String(10), default=None)
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    rating_comment: Mapped[str | None] = mapped_column(Text, default=None)
    transcript_sent_at: Mapped[datetime | None] = mapped_column(default=None)
    intent_at_start: Mapped[float | None] = mapped_column(default=None)  # live score, analytics


class Message(Base):
    """Append-only; `seq` is the conversation's total order, set by the server."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "client_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[str | None] = mapped_column(String(32), default=None)
    author_name: Mapped[str | None] = mapped_column(String(200), default=None)
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    client_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatAgent(Base):
    """An associate's chat status: available or away, how many chats at once, skills."""

    __tablename__ = "chat_agents"

    associate_id: Mapped[str] = mapped_column(
        ForeignKey("associates.id", ondelete="CASCADE"), primary_key=True
    )
    availability: Mapped[str] = mapped_column(String(10), default="away")
    max_chats: Mapped[int] = mapped_column(Integer, default=3)
    skills: Mapped[list[str]] = mapped_column(JsonType, default=list)
    languages: Mapped[list[str]] = mapped_column(JsonType, default=list)
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)


class CannedReply(Base):
    __tablename__ = "canned_replies"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Attribution(Base):
    """An order placed within the window after a chat, credited to that chat's associate."""

    __tablename__ = "chat_attributions"
    __table_args__ = (UniqueConstraint("site_id", "order_external_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    associate_id: Mapped[str | None] = mapped_column(
        ForeignKey("associates.id", ondelete="SET NULL"), default=None
    )
    order_external_id: Mapped[str] = mapped_column(String(64))
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    placed_at: Mapped[datetime]
