"""Expert groups, the internal question threads asked to them, and the knowledge snippets
saved from answered threads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base

THREAD_STATUSES = ("open", "answered", "closed")
MESSAGE_KINDS = ("question", "answer", "follow_up")


class ExpertGroup(Base):
    """Product design, inventory, shipping…: who an associate can ask, per site."""

    __tablename__ = "expert_groups"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExpertMember(Base):
    __tablename__ = "expert_members"

    group_id: Mapped[str] = mapped_column(
        ForeignKey("expert_groups.id", ondelete="CASCADE"), primary_key=True
    )
    associate_id: Mapped[str] = mapped_column(
        ForeignKey("associates.id", ondelete="CASCADE"), primary_key=True
    )


class HelpThread(Base):
    """One internal question; `context` is the shopper's visit as it was when it was asked."""

    __tablename__ = "help_threads"
    __table_args__ = (
        Index("ix_help_threads_site_status", "site_id", "status", "created_at"),
        Index("ix_help_threads_group_status", "group_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    group_id: Mapped[str] = mapped_column(ForeignKey("expert_groups.id", ondelete="CASCADE"))
    asked_by: Mapped[str | None] = mapped_column(
        ForeignKey("associates.id", ondelete="SET NULL"), default=None
    )
    asker_name: Mapped[str] = mapped_column(String(200), default="")
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), default=None, index=True
    )
    question: Mapped[str] = mapped_column(Text)
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(default=None)


class HelpMessage(Base):
    """Append-only: the question, the experts' answers and the asker's follow-ups."""

    __tablename__ = "help_messages"
    __table_args__ = (Index("ix_help_messages_thread", "thread_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    thread_id: Mapped[str] = mapped_column(ForeignKey("help_threads.id", ondelete="CASCADE"))
    author_id: Mapped[str | None] = mapped_column(
        ForeignKey("associates.id", ondelete="SET NULL"), default=None
    )
    author_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeSnippet(Base):
    """An answer worth keeping; its canned reply puts it in every associate's Replies list."""

    __tablename__ = "knowledge_snippets"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[str | None] = mapped_column(
        ForeignKey("help_threads.id", ondelete="SET NULL"), default=None
    )
    canned_reply_id: Mapped[str | None] = mapped_column(
        ForeignKey("canned_replies.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(
        ForeignKey("associates.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
