"""Stock by location, reservations and where a product sits in a store (the endless aisle).

Other domains ask here, never the inventory table: a reservation is the one write, and it has to
be a single conditional UPDATE so two associates reserving the last unit at once cannot both win.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product, Variant
from salon.core.clock import utcnow
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.stores.models import Inventory, Location, Reservation

EARTH_KM = 6371.0


@dataclass(frozen=True)
class StockAt:
    """Free units (quantity minus reserved) of a set of variants at one location."""

    location: Location
    free: int
    department: str
    aisle: str
    distance_km: float | None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance: enough to order stores by how far the shopper would travel."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * math.asin(math.sqrt(h))


async def find_variants(
    session: AsyncSession,
    product: Product,
    variant_external_id: str | None = None,
    size: str | None = None,
    colour: str | None = None,
) -> list[Variant]:
    """The product's variants narrowed by id or size/colour (case-insensitive); [] if none fit."""
    stmt = select(Variant).where(Variant.product_id == product.id).order_by(Variant.external_id)
    if variant_external_id:
        stmt = stmt.where(Variant.external_id == variant_external_id)
    if size:
        stmt = stmt.where(func.lower(Variant.size) == size.lower())
    if colour:
        stmt = stmt.where(func.lower(Variant.colour) == colour.lower())
    return list((await session.scalars(stmt)).all())


async def shopper_origin(
    session: AsyncSession, site_id: str, city: str | None, home_location_id: str | None
) -> tuple[float, float] | None:
    """Where the shopper is likely to come from: their home store, else a store in their city."""
    stmt = select(Location).where(
        Location.site_id == site_id, Location.latitude.is_not(None), Location.longitude.is_not(None)
    )
    if home_location_id:
        home = await session.scalar(stmt.where(Location.id == home_location_id))
        if home is not None and home.latitude is not None and home.longitude is not None:
            return (home.latitude, home.longitude)
    if city:
        same = await session.scalar(
            stmt.where(func.lower(Location.city) == city.lower()).order_by(Location.external_id)
        )
        if same is not None and same.latitude is not None and same.longitude is not None:
            return (same.latitude, same.longitude)
    return None


async def stock_by_location(
    session: AsyncSession,
    site_id: str,
    variant_ids: list[str],
    origin: tuple[float, float] | None = None,
) -> list[StockAt]:
    """Every location of the site with its free units of these variants, nearest first.

    Locations holding none are listed too (with 0), so the associate can say "not in Lyon".
    Without an origin, stores with stock come first, then by name.
    """
    locations = list(
        (await session.scalars(select(Location).where(Location.site_id == site_id))).all()
    )
    held: dict[str, tuple[int, str, str]] = {}
    if variant_ids:
        rows = await session.execute(
            select(
                Inventory.location_id,
                func.sum(Inventory.quantity - Inventory.reserved),
                func.max(Inventory.department),
                func.max(Inventory.aisle),
            )
            .where(Inventory.variant_id.in_(variant_ids))
            .group_by(Inventory.location_id)
        )
        for location_id, free, department, aisle in rows.all():
            held[location_id] = (max(0, int(free or 0)), department or "", aisle or "")
    found: list[StockAt] = []
    for location in locations:
        free, department, aisle = held.get(location.id, (0, "", ""))
        distance = None
        if origin is not None and location.latitude is not None and location.longitude is not None:
            distance = distance_km(origin, (location.latitude, location.longitude))
        found.append(StockAt(location, free, department, aisle, distance))

    def order(entry: StockAt) -> tuple[int, float, int, str]:
        is_store = 0 if entry.location.kind == "store" else 1
        far = entry.distance_km if entry.distance_km is not None else math.inf
        return (is_store, far, 0 if entry.free > 0 else 1, entry.location.name)

    return sorted(found, key=order)


def aisle_of(entry: StockAt, category: str) -> str:
    """The inventory row's aisle, else the store's map for the product's department."""
    if entry.aisle:
        return entry.aisle
    departments = entry.location.departments or {}
    return str(departments.get(entry.department or category, ""))


async def reserve_unit(
    session: AsyncSession,
    variant_id: str,
    location_id: str,
    expires_at: datetime,
    site_id: str,
    customer_id: str | None = None,
    visitor_id: str | None = None,
) -> bool:
    """Hold one unit for a shopper until `expires_at`; False when none is free.

    One conditional UPDATE, never read-then-write: the database decides which of two concurrent
    reservations of the last unit wins, and `reserved` can never exceed `quantity`. The hold is
    recorded so that `release_expired` puts the unit back on sale when its time is up.
    """
    result = await session.execute(
        update(Inventory)
        .where(
            Inventory.variant_id == variant_id,
            Inventory.location_id == location_id,
            Inventory.quantity - Inventory.reserved >= 1,
        )
        .values(reserved=Inventory.reserved + 1)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        return False
    session.add(
        Reservation(
            id=new_id(),
            site_id=site_id,
            variant_id=variant_id,
            location_id=location_id,
            customer_id=customer_id,
            visitor_id=visitor_id,
            expires_at=expires_at,
        )
    )
    return True


async def release_expired(db: Database, now: datetime | None = None) -> int:
    """Put every unit whose hold has run out back on sale; returns how many were released."""
    moment = now or utcnow()
    released = 0
    async with db.writer() as session:
        due = (
            await session.scalars(
                select(Reservation)
                .where(Reservation.status == "held", Reservation.expires_at <= moment)
                .limit(500)
            )
        ).all()
        for hold in due:
            hold.status = "released"
            await session.execute(
                update(Inventory)
                .where(
                    Inventory.variant_id == hold.variant_id,
                    Inventory.location_id == hold.location_id,
                    Inventory.reserved > 0,
                )
                .values(reserved=Inventory.reserved - 1)
                .execution_options(synchronize_session=False)
            )
            released += 1
    return released
