"""Playbooks, their versions, every firing, follow-up tasks, frequency caps and coupon budgets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base, JsonType


class Playbook(Base):
    """The current definition; every saved change is also kept as a PlaybookVersion."""

    __tablename__ = "playbooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(500), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    trigger: Mapped[dict[str, Any]] = mapped_column(JsonType)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType)
    caps: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    holdout_percent: Mapped[int] = mapped_column(Integer, default=10)
    salt: Mapped[str] = mapped_column(String(32))  # hold-out draws: random per playbook, sticky
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(
        ForeignKey("associates.id", ondelete="SET NULL"), default=None
    )


class PlaybookVersion(Base):
    __tablename__ = "playbook_versions"
    __table_args__ = (UniqueConstraint("playbook_id", "version"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    playbook_id: Mapped[str] = mapped_column(ForeignKey("playbooks.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(
        ForeignKey("associates.id", ondelete="SET NULL"), default=None
    )


class Firing(Base):
    """A trigger held for a visit (or a customer): treated or held out, and what came of it."""

    __tablename__ = "playbook_firings"
    __table_args__ = (
        Index("ix_firings_playbook_fired", "playbook_id", "fired_at"),
        Index("ix_firings_site_visit", "site_id", "visit_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    playbook_id: Mapped[str] = mapped_column(ForeignKey("playbooks.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    visit_id: Mapped[str | None] = mapped_column(String(32), default=None)
    visitor_id: Mapped[str | None] = mapped_column(String(32), default=None)
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None
    )
    group: Mapped[str] = mapped_column(String(10))  # treated | holdout
    signals: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)  # what was done
    offer: Mapped[dict[str, Any] | None] = mapped_column(JsonType, default=None)  # for the widget
    offer_status: Mapped[str | None] = mapped_column(String(12), default=None)
    coupon_code: Mapped[str | None] = mapped_column(String(64), default=None)
    fired_at: Mapped[datetime] = mapped_column(default=utcnow)
    converted: Mapped[bool] = mapped_column(Boolean, default=False)
    order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    order_total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    converted_at: Mapped[datetime | None] = mapped_column(default=None)


class FollowUpTask(Base):
    """Somebody should get back to this customer: queued by a playbook, done by an associate."""

    __tablename__ = "follow_up_tasks"
    __table_args__ = (Index("ix_tasks_site_status", "site_id", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), default=None
    )
    associate_id: Mapped[str | None] = mapped_column(
        ForeignKey("associates.id", ondelete="SET NULL"), default=None
    )
    firing_id: Mapped[str | None] = mapped_column(
        ForeignKey("playbook_firings.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(1000), default="")
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(default=None)


class CapClaim(Base):
    """A frequency cap's last use: claimed atomically, so parallel firings cannot both pass it."""

    __tablename__ = "playbook_caps"

    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)


class CouponBudgetDay(Base):
    """What a site's playbook coupons may cost on one day (UTC), and what is committed."""

    __tablename__ = "coupon_budget_days"

    site_id: Mapped[str] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    committed: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
