"""Which weekly report went out: one row per site and ISO week, so it is sent once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base


class ReportRun(Base):
    """Claimed before sending (insert-or-nothing on the unique key): a restart or a second node
    finds the week taken and sends nothing."""

    __tablename__ = "report_runs"
    __table_args__ = (UniqueConstraint("site_id", "week"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))  # ISO week, "2026-W48"
    status: Mapped[str] = mapped_column(String(10), default="sending")  # sending | sent | failed
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
