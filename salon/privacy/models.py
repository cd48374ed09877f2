"""The audit log: who did what to which object, written in the same transaction as the action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base

AuditPk = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(Base):
    """Append-only. No foreign keys on purpose: an entry outlives the site, the associate and
    the object it names (an erased customer stays an opaque id here, never a name)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_site_id", "site_id", "id"),)

    id: Mapped[int] = mapped_column(AuditPk, primary_key=True, autoincrement=True)
    site_id: Mapped[str | None] = mapped_column(String(32), default=None)
    actor_id: Mapped[str | None] = mapped_column(String(32), default=None)  # None: the CLI
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
