"""Promotions the store runs and coupons (its own and partners')."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base, JsonType

DISCOUNT_KINDS = ("percent", "amount", "free_shipping")


class Promotion(Base):
    """An automatic offer: applies to a cart that meets its conditions, no code needed."""

    __tablename__ = "promotions"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # DISCOUNT_KINDS
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    min_cart_total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    categories: Mapped[list[str]] = mapped_column(JsonType, default=list)  # empty: all
    product_ids: Mapped[list[str]] = mapped_column(JsonType, default=list)  # empty: all
    loyalty_tiers: Mapped[list[str]] = mapped_column(JsonType, default=list)  # empty: everyone
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Coupon(Base):
    """A code a shopper types at checkout: the store's own or a partner's (third party)."""

    __tablename__ = "coupons"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20), default="store")  # store | third_party
    partner: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20))  # DISCOUNT_KINDS
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    min_cart_total: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    customer_id: Mapped[str | None] = mapped_column(  # None: anyone may use it
        ForeignKey("customers.id", ondelete="CASCADE"), default=None
    )
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    max_redemptions: Mapped[int | None] = mapped_column(Integer, default=None)
    redemptions: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # issued; on the timeline
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # a personal code a playbook issued at a critical moment, and how it was used
    playbook_id: Mapped[str | None] = mapped_column(
        ForeignKey("playbooks.id", ondelete="SET NULL"), default=None
    )
    firing_id: Mapped[str | None] = mapped_column(String(32), default=None)
    visitor_id: Mapped[str | None] = mapped_column(String(32), default=None)
    max_discount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    redeemed_at: Mapped[datetime | None] = mapped_column(default=None)
    order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    discount: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
