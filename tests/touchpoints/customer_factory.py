"""Rows for the customer-tool tests: a site with stores, experts, products, a customer.

Small on purpose: each test builds exactly the rows its answer depends on, in its own site, so
the expected numbers can be read off the test itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from salon.catalog.models import Product, Variant
from salon.chat.models import ChatAgent
from salon.core.ids import new_id
from salon.customers.models import Customer, Order
from salon.db.engine import Database
from salon.floor.state import CartLine, VisitState
from salon.identity.models import Associate, AssociateSite
from salon.identity.service import create_site
from salon.stores.models import Inventory, Location
from salon.touchpoints.registry import ToolContext

PARIS_HOURS = {d: "10:00-19:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")}


def at(text: str) -> datetime:
    """'2026-12-07 09:00' as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Shop:
    db: Database
    site_id: str
    products: dict[str, Product] = field(default_factory=dict)

    async def add(self, *rows: Any) -> None:
        async with self.db.writer() as session:
            session.add_all(rows)

    async def store(
        self,
        code: str,
        name: str,
        *,
        timezone: str = "Europe/Paris",
        hours: dict[str, str] | None = None,
        city: str = "Paris",
        latitude: float | None = None,
        longitude: float | None = None,
        departments: dict[str, str] | None = None,
    ) -> Location:
        location = Location(
            id=new_id(),
            site_id=self.site_id,
            external_id=code,
            name=name,
            kind="store",
            address=f"1 rue {name}",
            city=city,
            timezone=timezone,
            hours=PARIS_HOURS if hours is None else hours,
            latitude=latitude,
            longitude=longitude,
            departments=departments or {},
        )
        await self.add(location)
        return location

    async def expert(self, name: str, location: Location | None, skills: list[str]) -> str:
        associate_id = new_id()
        await self.add(
            Associate(
                id=associate_id,
                email=f"{secrets.token_hex(5)}@example.com",
                name=name,
                password_hash="-",
                role="associate",
                active=True,
            )
        )
        await self.add(
            AssociateSite(
                associate_id=associate_id,
                site_id=self.site_id,
                home_location_id=location.id if location else None,
                title=f"{skills[0].title()} expert" if skills else "",
            ),
            ChatAgent(associate_id=associate_id, skills=skills),
        )
        return associate_id

    async def product(
        self,
        code: str,
        price: str,
        category: str = "Handbags",
        *,
        stock: int = 5,
        compare_at: str | None = None,
        name: str | None = None,
    ) -> Product:
        product = Product(
            id=new_id(),
            site_id=self.site_id,
            external_id=code,
            name=name or f"Product {code}",
            category=category,
            price=Decimal(price),
            compare_at_price=Decimal(compare_at) if compare_at else None,
            image=f"/img/{code}.jpg",
            url=f"/p/{code}",
        )
        await self.add(product)
        await self.add(
            Variant(id=new_id(), product_id=product.id, external_id=f"{code}-1", stock=stock)
        )
        self.products[code] = product
        return product

    async def stock_at(
        self, code: str, location: Location, quantity: int, department: str = ""
    ) -> None:
        product = self.products[code]
        async with self.db.reader() as session:
            variant_id = await session.scalar(
                select(Variant.id).where(Variant.product_id == product.id)
            )
        assert variant_id is not None
        await self.add(
            Inventory(
                variant_id=variant_id,
                location_id=location.id,
                quantity=quantity,
                department=department,
            )
        )

    async def customer(
        self,
        spent: tuple[str, ...] = (),  # order totals
        *,
        tier: str = "none",
        points: int = 0,
        home: Location | None = None,
        city: str | None = None,
    ) -> str:
        customer_id = new_id()
        await self.add(
            Customer(
                id=customer_id,
                site_id=self.site_id,
                external_id=f"C-{secrets.token_hex(4)}",
                name="Ana Shopper",
                loyalty_tier=tier,
                loyalty_points=points,
                home_location_id=home.id if home else None,
                city=city,
            )
        )
        for total in spent:
            await self.add(
                Order(
                    id=new_id(),
                    site_id=self.site_id,
                    customer_id=customer_id,
                    external_id=f"O-{secrets.token_hex(4)}",
                    placed_at=at("2026-06-01 12:00"),
                    total=Decimal(total),
                )
            )
        return customer_id


async def make_shop(db: Database) -> Shop:
    site = await create_site(db, "Tools shop", ["https://shop.example"])
    return Shop(db, site.id)


def visit_with_cart(site_id: str, lines: list[tuple[str, float, int]]) -> VisitState:
    """A live visit whose cart holds (product id, price, quantity) lines."""
    state = VisitState(site_id, new_id(), new_id(), started_at=0.0, last_seen_at=0.0)
    for code, price, quantity in lines:
        state.cart[(code, None)] = CartLine(code, None, f"Product {code}", price, quantity)
    return state


def context(
    session: Any,
    shop: Shop,
    now: datetime,
    customer_id: str | None = None,
    visit: VisitState | None = None,
) -> ToolContext:
    return ToolContext(
        session=session,
        site_id=shop.site_id,
        store_url="https://shop.example",
        visitor_id=visit.visitor_id if visit else new_id(),
        customer_id=customer_id,
        visit=visit,
        now=now.timestamp(),
    )
