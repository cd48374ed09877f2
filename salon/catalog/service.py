"""Catalogue writes and reads (the customer-360 issue adds import, prices and stock)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
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
        )
        session.add(product)
        await session.flush()
    else:
        product.name, product.category, product.price = name, category, price
        product.description, product.image = description, image
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
