"""Upcoming store events, the shopper's own store first, and which store is "theirs".

An invitation to an evening at the store around the corner is worth something; one for a city
the shopper never visits is noise. So events are ordered by the shopper's store: the store they
are in or near right now, else their home store, else the store nearest to them, else a store in
their city; then everything else by date.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.clock import as_utc
from salon.customers.models import Customer
from salon.stores.models import Location, StoreEvent

EVENT_HORIZON_DAYS = 60
# a position further than this from every store is "not at a store" (a geofence is ~100-500 m;
# the margin covers coarse phone positions and our 3-decimal rounding)
NEAR_STORE_KM = 2.0


@dataclass(frozen=True)
class UpcomingEvent:
    event: StoreEvent
    location: Location | None  # None: online or everywhere
    starts_at: datetime  # UTC
    ends_at: datetime
    preferred: bool  # at the shopper's own store


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): good to a few metres at a city's scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


async def stores(session: AsyncSession, site_id: str) -> list[Location]:
    return list(
        (
            await session.scalars(
                select(Location)
                .where(Location.site_id == site_id, Location.kind == "store")
                .order_by(Location.name)
            )
        ).all()
    )


def nearest_store(
    locations: list[Location], latitude: float, longitude: float
) -> tuple[Location, float] | None:
    placed = [loc for loc in locations if loc.latitude is not None and loc.longitude is not None]
    if not placed:
        return None
    best = min(
        placed,
        key=lambda loc: distance_km(latitude, longitude, loc.latitude or 0, loc.longitude or 0),
    )
    return best, distance_km(latitude, longitude, best.latitude or 0, best.longitude or 0)


async def shopper_store(
    session: AsyncSession,
    site_id: str,
    customer_id: str | None,
    presence: dict[str, object] | None,
) -> Location | None:
    """The store this shopper most likely means by "my store" (see the module docstring)."""
    locations = await stores(session, site_id)
    if presence and presence.get("state") != "left":
        found = await store_from_presence(session, site_id, presence, locations)
        if found is not None:
            return found
    customer = await session.get(Customer, customer_id) if customer_id else None
    if customer is not None and customer.site_id == site_id:
        if customer.home_location_id:
            home = next((loc for loc in locations if loc.id == customer.home_location_id), None)
            if home is not None:
                return home
        if customer.city:
            city = customer.city.casefold()
            return next((loc for loc in locations if loc.city.casefold() == city), None)
    return None


async def store_from_presence(
    session: AsyncSession,
    site_id: str,
    presence: dict[str, object],
    locations: list[Location] | None = None,
    max_km: float | None = None,
) -> Location | None:
    """The store a presence report names (its external id) or the one nearest its position
    (within `max_km` when given)."""
    external = presence.get("location_id")
    if external:
        found = await session.scalar(
            select(Location).where(
                Location.site_id == site_id, Location.external_id == str(external)
            )
        )
        if found is not None:
            return found
    lat, lon = presence.get("latitude"), presence.get("longitude")
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        nearest = nearest_store(
            locations if locations is not None else await stores(session, site_id),
            float(lat),
            float(lon),
        )
        if nearest is not None and (max_km is None or nearest[1] <= max_km):
            return nearest[0]
    return None


async def upcoming_events(
    session: AsyncSession,
    site_id: str,
    now: datetime,
    preferred_location_id: str | None = None,
    days: int = EVENT_HORIZON_DAYS,
) -> list[UpcomingEvent]:
    """Events not yet over within `days`: the preferred store's first, then by start."""
    rows = (
        await session.execute(
            select(StoreEvent, Location)
            .outerjoin(Location, Location.id == StoreEvent.location_id)
            .where(
                StoreEvent.site_id == site_id,
                StoreEvent.ends_at > now,
                StoreEvent.starts_at < now + timedelta(days=days),
            )
            .order_by(StoreEvent.starts_at, StoreEvent.title)
        )
    ).all()
    found = [
        UpcomingEvent(
            event,
            location,
            as_utc(event.starts_at),
            as_utc(event.ends_at),
            preferred_location_id is not None and event.location_id == preferred_location_id,
        )
        for event, location in rows
    ]
    found.sort(key=lambda e: (not e.preferred, e.starts_at))
    return found
