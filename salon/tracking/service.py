"""Tracking reads and the checks the ingest shares: origin, IP truncation, visit history."""

from __future__ import annotations

import ipaddress
from datetime import datetime

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


async def recent_visit_ids(db: Database, since: datetime) -> list[tuple[str, str]]:
    async with db.reader() as session:
        rows = (
            await session.execute(
                select(Visit.site_id, Visit.id).where(Visit.last_seen_at >= since)
            )
        ).all()
    return [(site_id, visit_id) for site_id, visit_id in rows]
