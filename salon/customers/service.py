"""Customer records as other domains need them: link, profile with orders, web purchases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.clock import as_utc
from salon.core.ids import new_id
from salon.customers.models import Customer, Order, OrderLine
from salon.db.upsert import insert_ignore

TIERS = ("none", "silver", "gold", "platinum")


@dataclass(frozen=True)
class OrderSummary:
    id: str
    placed_at: datetime
    total: float
    currency: str
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class CustomerProfile:
    id: str
    external_id: str
    name: str | None
    email: str | None
    tier: str
    lifetime_value: float
    order_count: int
    last_order_at: datetime | None
    orders: list[OrderSummary] = field(default_factory=list)

    def brief(self) -> dict[str, Any]:
        return {
            "id": self.external_id,
            "name": self.name,
            "tier": self.tier,
            "lifetime_value": round(self.lifetime_value, 2),
            "orders": self.order_count,
            "last_order_at": self.last_order_at.timestamp() if self.last_order_at else None,
        }


async def ensure_customer(session: AsyncSession, site_id: str, external_id: str) -> str:
    """The customer row for a store id, created bare when the store identifies someone new."""
    stmt = insert_ignore(session, Customer, ["site_id", "external_id"]).values(
        id=new_id(), site_id=site_id, external_id=external_id, loyalty_tier="none"
    )
    await session.execute(stmt)
    found = await session.scalar(
        select(Customer.id).where(Customer.site_id == site_id, Customer.external_id == external_id)
    )
    assert found is not None
    return found


async def upsert_customer(
    session: AsyncSession, site_id: str, external_id: str, name: str, email: str, tier: str
) -> str:
    customer_id = await ensure_customer(session, site_id, external_id)
    customer = await session.get(Customer, customer_id)
    assert customer is not None
    customer.name, customer.email = name, email
    customer.loyalty_tier = tier if tier in TIERS else "none"
    return customer_id


async def record_order(
    session: AsyncSession,
    site_id: str,
    customer_id: str | None,
    external_id: str,
    placed_at: datetime,
    lines: list[tuple[str, str, int, Decimal]],
    total: Decimal | None = None,
    currency: str = "EUR",
    source: str = "import",
) -> bool:
    """Idempotent by the store's order id; returns False when the order was already known."""
    exists = await session.scalar(
        select(Order.id).where(Order.site_id == site_id, Order.external_id == external_id)
    )
    if exists:
        return False
    order_id = new_id()
    computed = sum((price * qty for _, _, qty, price in lines), Decimal(0))
    session.add(
        Order(
            id=order_id,
            site_id=site_id,
            customer_id=customer_id,
            external_id=external_id,
            placed_at=placed_at,
            total=total if total is not None else computed,
            currency=currency,
            source=source,
        )
    )
    await session.flush()
    for product_id, name, qty, price in lines:
        session.add(
            OrderLine(
                order_id=order_id,
                product_external_id=product_id,
                name=name,
                quantity=qty,
                unit_price=price,
            )
        )
    return True


async def customer_profile(
    session: AsyncSession, customer_id: str, with_orders: int = 0
) -> CustomerProfile | None:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return None
    ltv, count, last = (
        await session.execute(
            select(
                func.coalesce(func.sum(Order.total), 0),
                func.count(Order.id),
                func.max(Order.placed_at),
            ).where(Order.customer_id == customer_id)
        )
    ).one()
    orders: list[OrderSummary] = []
    if with_orders:
        rows = (
            await session.scalars(
                select(Order)
                .where(Order.customer_id == customer_id)
                .order_by(Order.placed_at.desc())
                .limit(with_orders)
            )
        ).all()
        for order in rows:
            lines = (
                await session.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
            ).all()
            orders.append(
                OrderSummary(
                    id=order.external_id,
                    placed_at=as_utc(order.placed_at),
                    total=float(order.total),
                    currency=order.currency,
                    items=[
                        {
                            "product_id": line.product_external_id,
                            "name": line.name,
                            "quantity": line.quantity,
                            "price": float(line.unit_price),
                        }
                        for line in lines
                    ],
                )
            )
    return CustomerProfile(
        id=customer.id,
        external_id=customer.external_id,
        name=customer.name,
        email=customer.email,
        tier=customer.loyalty_tier,
        lifetime_value=float(ltv),
        order_count=int(count),
        last_order_at=as_utc(last) if last else None,
        orders=orders,
    )
