"""Tracking reads and the checks the ingest shares: origin, IP truncation, visit history."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import select

from salon.core.errors import ApiError
from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.tracking.models import Event, Visit

TOPIC_INGESTED = "tracking.ingested"


def check_origin(site: SiteInfo, origin: str | None) -> None:
    """Browsers send Origin; it must be one of the site's allowed origins, exactly."""
    if origin is None:
        return
    if origin.rstrip("/") not in site.allowed_origins:
        raise ApiError(
            403, "origin_not_allowed", f"origin {origin[:200]} is not allowed for this site"
        )


def truncate_ip(ip: str) -> str:
    """IPv4 to /24, IPv6 to /48: enough for rate limits and geography, not a person."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


async def visit_events(
    db: Database, site_id: str, visit_id: str, limit: int = 500
) -> tuple[Visit | None, list[Event]]:
    """A visit and its events in order, for the story panel."""
    async with db.reader() as session:
        visit = await session.get(Visit, visit_id)
        if visit is None or visit.site_id != site_id:
            return None, []
        events = (
            await session.scalars(
                select(Event).where(Event.visit_id == visit_id).order_by(Event.id).limit(limit)
            )
        ).all()
    return visit, list(events)


StoredEvent = tuple[str, str, datetime, dict[str, Any]]  # visit id, type, occurred at, data


async def recent_visits(
    db: Database, since: datetime, chunk: int = 500
) -> AsyncIterator[tuple[list[Visit], list[StoredEvent]]]:
    """Visits seen since `since` with all their events in order, a chunk of visits at a time."""
    async with db.reader() as session:
        visits = list(
            (await session.scalars(select(Visit).where(Visit.last_seen_at >= since))).all()
        )
        for start in range(0, len(visits), chunk):
            part = visits[start : start + chunk]
            rows = await session.execute(
                select(Event.visit_id, Event.type, Event.occurred_at, Event.data)
                .where(Event.visit_id.in_([v.id for v in part]))
                .order_by(Event.visit_id, Event.id)
            )
            yield part, [(r[0], r[1], r[2], r[3]) for r in rows.all()]
