"""Topics of recurring questions and the questions grouped into them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base

SOURCES = ("chat", "helpdesk")


class Topic(Base):
    """A group of similar questions; the centroid is the running mean of its members' vectors."""

    __tablename__ = "topics"
    __table_args__ = (Index("ix_topics_site_embedder", "site_id", "embedder"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    embedder: Mapped[str] = mapped_column(String(16))  # vectors of one embedder never mix
    label: Mapped[str] = mapped_column(String(1000))  # the member question nearest the centroid
    centroid_sum: Mapped[bytes] = mapped_column(LargeBinary)  # float64 sum of member vectors
    size: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_asked_at: Mapped[datetime] = mapped_column(default=utcnow)


class TopicQuestion(Base):
    """One question as it arrived: a shopper's chat message or an associate's help-desk question."""

    __tablename__ = "topic_questions"
    __table_args__ = (
        UniqueConstraint("site_id", "source", "source_id"),
        Index("ix_topic_questions_site_asked", "site_id", "asked_at"),
        Index("ix_topic_questions_topic_asked", "topic_id", "asked_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    topic_id: Mapped[str] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(10))  # chat | helpdesk
    source_id: Mapped[str] = mapped_column(String(32))  # the chat message or help-desk thread
    conversation_id: Mapped[str | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), default=None
    )
    thread_id: Mapped[str | None] = mapped_column(String(32), default=None)
    text: Mapped[str] = mapped_column(String(1000))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, unit length
    similarity: Mapped[float] = mapped_column(Float)  # to the topic's centroid when it joined
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
