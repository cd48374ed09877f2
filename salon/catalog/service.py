"""Catalogue writes and reads (the customer-360 issue adds import, prices and stock)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product, Variant
from salon.core.ids import new_id


async def upsert_product(
    session: AsyncSession,
    site_id: str,
    external_id: str,
    name: str,
    category: str,
    price: Decimal,
    description: str,
    image: str,
    variants: list[tuple[str, str, str, int]],
    url: str = "",
) -> str:
    """Idempotent by the store's product id; `variants` are (id, colour, size, stock)."""
    product = await session.scalar(
        select(Product).where(Product.site_id == site_id, Product.external_id == external_id)
    )
    if product is None:
        product = Product(
            id=new_id(),
            site_id=site_id,
            external_id=external_id,
            name=name,
            category=category,
            price=price,
            description=description,
            image=image,
            url=url,
        )
        session.add(product)
        await session.flush()
    else:
        product.name, product.category, product.price = name, category, price
        product.description, product.image, product.url = description, image, url
    known = {
        v.external_id: v
        for v in (await session.scalars(select(Variant).where(Variant.product_id == product.id)))
    }
    for variant_id, colour, size, stock in variants:
        variant = known.get(variant_id)
        if variant is None:
            session.add(
                Variant(
                    id=new_id(),
                    product_id=product.id,
                    external_id=variant_id,
                    colour=colour,
                    size=size,
                    stock=stock,
                )
            )
        else:
            variant.colour, variant.size, variant.stock = colour, size, stock
    return product.id


async def product_count(session: AsyncSession, site_id: str) -> int:
    return len((await session.scalars(select(Product.id).where(Product.site_id == site_id))).all())


def _absolute(base: str, link: str) -> str:
    return urljoin(base.rstrip("/") + "/", link) if link else ""


def _card(product: Product, base: str) -> dict[str, Any]:
    return {
        "product_id": product.external_id,
        "name": product.name,
        "price": float(product.price),
        "currency": product.currency,
        "category": product.category,
        "image": _absolute(base, product.image),
        "url": _absolute(base, product.url),
    }


async def search_products(
    session: AsyncSession, site_id: str, query: str, base: str, limit: int = 20
) -> list[dict[str, Any]]:
    """Name, category or id contains the words (case-insensitive), cheapest first."""
    stmt = select(Product).where(Product.site_id == site_id)
    for word in query.split()[:5]:
        pattern = f"%{word.lower()}%"
        stmt = stmt.where(
            func.lower(Product.name).like(pattern)
            | func.lower(Product.category).like(pattern)
            | func.lower(Product.external_id).like(pattern)
        )
    rows = (await session.scalars(stmt.order_by(Product.price).limit(limit))).all()
    return [_card(p, base) for p in rows]


async def product_card(
    session: AsyncSession, site_id: str, external_id: str, base: str
) -> dict[str, Any] | None:
    """What a product card shows, always from the catalogue (never from the sender)."""
    product = await session.scalar(
        select(Product).where(Product.site_id == site_id, Product.external_id == external_id)
    )
    return _card(product, base) if product else None
