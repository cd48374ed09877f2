"""Ingest: a validated batch is stored whole (or not at all), then published on the bus."""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.bus import EventBus
from salon.core.clock import as_utc, from_epoch_ms, utcnow
from salon.core.errors import ApiError
from salon.core.ids import new_id
from salon.customers.service import ensure_customer
from salon.db.engine import Database
from salon.db.upsert import insert_ignore
from salon.identity.service import SiteDirectory, SiteInfo
from salon.identity.signing import verify_customer_signature
from salon.tracking.models import Event, Visit, Visitor
from salon.tracking.schemas import TrackBatch, TrackResult

TOPIC_INGESTED = "tracking.ingested"
MAX_CLOCK_SKEW = timedelta(minutes=2)
MAX_EVENT_AGE = timedelta(days=7)


@dataclass(frozen=True)
class ClientInfo:
    ip: str
    user_agent: str
    origin: str | None


@dataclass(frozen=True)
class _VisitRef:
    visit_id: str
    visitor_id: str
    visitor_key: str
    customer_id: str | None
    is_returning: bool
    started_at: datetime


class _Lru(OrderedDict[tuple[str, str], _VisitRef]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: tuple[str, str], value: _VisitRef) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


class Ingestor:
    """Owns the hot path; caches visit ids (only after a commit, so a rollback never leaks one)."""

    def __init__(self, db: Database, bus: EventBus, sites: SiteDirectory) -> None:
        self.db, self.bus, self.sites = db, bus, sites
        self._visits = _Lru(50_000)

    async def ingest(self, batch: TrackBatch, client: ClientInfo) -> TrackResult:
        site = await self.sites.by_key(batch.site_key)
        if site is None:
            raise ApiError(404, "unknown_site", "no site has this site key", field="site_key")
        check_origin(site, client.origin)
        identified_key: str | None = None
        if batch.identity is not None:
            if not verify_customer_signature(
                site.secret, batch.identity.customer_id, batch.identity.signature
            ):
                raise ApiError(
                    403,
                    "bad_identity",
                    "the identity signature does not verify for this site",
                    field="identity.signature",
                )
            identified_key = batch.identity.customer_id
        now = utcnow()
        rows = [_event_row(event, now) for event in batch.events]
        async with self.db.writer() as session:
            ref = await self._visit(session, site, batch, client, now)
            if identified_key is not None:
                ref = await _link_customer(session, site.id, ref, identified_key)
            stmt = (
                insert_ignore(session, Event, ["visitor_id", "client_event_id"])
                .values(
                    [
                        {
                            **row,
                            "site_id": site.id,
                            "visitor_id": ref.visitor_id,
                            "visit_id": ref.visit_id,
                            "received_at": now,
                        }
                        for row in rows
                    ]
                )
                .returning(Event.id, Event.client_event_id)
            )
            inserted = {cid: pk for pk, cid in (await session.execute(stmt)).all()}
            if inserted:
                await session.execute(
                    update(Visit).where(Visit.id == ref.visit_id).values(last_seen_at=now)
                )
        self._visits.put((site.id, batch.visit_id), ref)
        fresh = [
            {
                "seq": inserted[row["client_event_id"]],
                "type": row["type"],
                "at": row["occurred_at"].timestamp(),
                "data": row["data"],
            }
            for row in rows
            if row["client_event_id"] in inserted
        ]
        if fresh or identified_key is not None:
            await self.bus.publish(
                TOPIC_INGESTED,
                {
                    "site_id": site.id,
                    "visit_id": ref.visit_id,
                    "visitor_id": ref.visitor_id,
                    "customer_id": ref.customer_id,
                    "is_returning": ref.is_returning,
                    "started_at": ref.started_at.timestamp(),
                    "events": fresh,
                },
            )
        return TrackResult(
            accepted=len(inserted), duplicates=len(rows) - len(inserted), visit=ref.visit_id
        )

    async def _visit(
        self,
        session: AsyncSession,
        site: SiteInfo,
        batch: TrackBatch,
        client: ClientInfo,
        now: datetime,
    ) -> _VisitRef:
        cached = self._visits.get((site.id, batch.visit_id))
        if cached is not None:
            if cached.visitor_key != batch.visitor_id:
                raise _visit_conflict()
            return cached
        visitor_id = await _visitor_id(session, site.id, batch.visitor_id, now)
        earlier = await session.scalar(
            select(Visit.id).where(Visit.visitor_id == visitor_id).limit(1)
        )
        await session.execute(
            insert_ignore(session, Visit, ["site_id", "visit_key"]).values(
                id=new_id(),
                site_id=site.id,
                visitor_id=visitor_id,
                visit_key=batch.visit_id,
                is_returning=earlier is not None,
                started_at=now,
                last_seen_at=now,
                user_agent=client.user_agent[:300],
                ip_prefix=truncate_ip(client.ip),
                customer_id=await session.scalar(
                    select(Visitor.customer_id).where(Visitor.id == visitor_id)
                ),
            )
        )
        visit = await session.scalar(
            select(Visit).where(Visit.site_id == site.id, Visit.visit_key == batch.visit_id)
        )
        assert visit is not None
        if visit.visitor_id != visitor_id:
            raise _visit_conflict()
        return _VisitRef(
            visit.id,
            visitor_id,
            batch.visitor_id,
            visit.customer_id,
            visit.is_returning,
            as_utc(visit.started_at),
        )


async def _visitor_id(session: AsyncSession, site_id: str, visitor_key: str, now: datetime) -> str:
    found = await session.scalar(
        select(Visitor.id).where(Visitor.site_id == site_id, Visitor.visitor_key == visitor_key)
    )
    if found:
        return found
    await session.execute(
        insert_ignore(session, Visitor, ["site_id", "visitor_key"]).values(
            id=new_id(), site_id=site_id, visitor_key=visitor_key, first_seen_at=now
        )
    )
    found = await session.scalar(
        select(Visitor.id).where(Visitor.site_id == site_id, Visitor.visitor_key == visitor_key)
    )
    assert found is not None
    return found


async def _link_customer(
    session: AsyncSession, site_id: str, ref: _VisitRef, external_id: str
) -> _VisitRef:
    """Verified identity: this visitor, this visit and every earlier visit become the customer's."""
    customer_id = await ensure_customer(session, site_id, external_id)
    if ref.customer_id == customer_id:
        return ref
    await session.execute(
        update(Visitor).where(Visitor.id == ref.visitor_id).values(customer_id=customer_id)
    )
    await session.execute(
        update(Visit).where(Visit.visitor_id == ref.visitor_id).values(customer_id=customer_id)
    )
    return _VisitRef(
        ref.visit_id, ref.visitor_id, ref.visitor_key, customer_id, ref.is_returning, ref.started_at
    )


def _visit_conflict() -> ApiError:
    return ApiError(409, "visit_conflict", "this visit id belongs to another visitor", "visit_id")


def check_origin(site: SiteInfo, origin: str | None) -> None:
    """Browsers send Origin; it must be one of the site's allowed origins, exactly."""
    if origin is None:
        return
    if origin.rstrip("/") not in site.allowed_origins:
        raise ApiError(
            403, "origin_not_allowed", f"origin {origin[:200]} is not allowed for this site"
        )


def _event_row(event: Any, now: datetime) -> dict[str, Any]:
    occurred = now
    if event.ts is not None:
        occurred = min(max(from_epoch_ms(event.ts), now - MAX_EVENT_AGE), now + MAX_CLOCK_SKEW)
    data = event.model_dump(exclude={"id", "ts", "type"}, mode="json")
    return {"client_event_id": event.id, "type": event.type, "occurred_at": occurred, "data": data}


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
