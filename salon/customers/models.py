"""Customers, their orders, wish lists and every contact with the store (the timeline)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base, JsonType

Money = Numeric(12, 2)


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    email: Mapped[str | None] = mapped_column(String(254), default=None)
    loyalty_tier: Mapped[str] = mapped_column(String(20), default="none")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    city: Mapped[str | None] = mapped_column(String(100), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    # sizes, favourite colours, brands, styles: what a good associate remembers
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    consent_email: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    loyalty_points: Mapped[int] = mapped_column(Integer, default=0)
    home_location_id: Mapped[str | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), default=None
    )
    tags: Mapped[list[str]] = mapped_column(JsonType, default=list)  # "at-risk", by playbooks


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("site_id", "external_id"),
        Index("ix_orders_customer_placed", "customer_id", "placed_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None
    )
    external_id: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime]
    total: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    source: Mapped[str] = mapped_column(String(20), default="import")
    location_id: Mapped[str | None] = mapped_column(  # the store, for in-store orders
        ForeignKey("locations.id", ondelete="SET NULL"), default=None
    )


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)


class WishlistItem(Base):
    __tablename__ = "wishlist_items"
    __table_args__ = (UniqueConstraint("customer_id", "product_external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    product_external_id: Mapped[str] = mapped_column(String(64))
    variant_external_id: Mapped[str | None] = mapped_column(String(64), default=None)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


CHANNELS = (
    "web",
    "chat",
    "phone",
    "email",
    "social",
    "store_visit",
    "appointment",
    "order",
    "coupon",
)


class Interaction(Base):
    """One contact on any channel the store tells Salon about (calls, e-mails, store visits...)."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("site_id", "external_id"),
        Index("ix_interactions_customer_time", "customer_id", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))  # the sender's id: ingest is idempotent
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))  # inbound | outbound
    occurred_at: Mapped[datetime]
    summary: Mapped[str] = mapped_column(String(1000), default="")
    transcript: Mapped[str] = mapped_column(Text, default="")
    location_id: Mapped[str | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), default=None
    )
    sentiment: Mapped[float | None] = mapped_column(Float, default=None)  # -1..1, the mood model
    mood: Mapped[str | None] = mapped_column(String(20), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
