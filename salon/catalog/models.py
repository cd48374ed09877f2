"""Products, variants and reviews: what the store sells and what shoppers say about it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base, JsonType


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("site_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    description: Mapped[str] = mapped_column(Text, default="")
    image: Mapped[str] = mapped_column(String(500), default="")  # URL, absolute or site-relative
    url: Mapped[str] = mapped_column(String(500), default="")  # the product page on the store
    brand: Mapped[str] = mapped_column(String(100), default="")
    # the price before a markdown, shown struck through; None when not on sale
    compare_at_price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)  # material, colour family...
    specs: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the spec sheet, label -> value
    images: Mapped[list[str]] = mapped_column(JsonType, default=list)  # more pictures
    tags: Mapped[list[str]] = mapped_column(JsonType, default=list)  # gift finder: "for-her"...
    training_notes: Mapped[str] = mapped_column(Text, default="")  # for associates only
    # what the associate earns on a sale: never shown beside a recommendation (honest selling)
    commission_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 4), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Variant(Base):
    __tablename__ = "variants"
    __table_args__ = (UniqueConstraint("product_id", "external_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    colour: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[str] = mapped_column(String(32), default="")
    stock: Mapped[int] = mapped_column(Integer, default=0)  # online (web warehouse) stock
    sku: Mapped[str] = mapped_column(String(64), default="")
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)  # None: product's


class Review(Base):
    """A shopper's rating and words about a product, imported from the store."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("site_id", "external_id"),
        Index("ix_reviews_product", "product_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    customer_id: Mapped[str | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None
    )
    rating: Mapped[int] = mapped_column(Integer)  # 1..5
    title: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
