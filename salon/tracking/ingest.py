"""Ingest: each validated batch is stored whole or not at all, then published on the bus.

Batches arriving together are written in one transaction (group commit): a single writer task
takes what has queued up, stores it with one multi-row insert and one commit, and only then
answers each request and publishes its new events. If a group fails, its batches are retried one
by one, so one bad batch never takes another down, and none is ever partly applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
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
from salon.privacy.events import TOPIC_PRIVACY_ERASED
from salon.tracking.models import Event, Visit, Visitor
from salon.tracking.schemas import TrackBatch, TrackedEvent, TrackResult
from salon.tracking.service import TOPIC_INGESTED, check_origin, truncate_ip

log = logging.getLogger(__name__)

MAX_CLOCK_SKEW = timedelta(minutes=2)
MAX_EVENT_AGE = timedelta(days=7)
MAX_GROUP = 64


@dataclass(frozen=True)
class ClientInfo:
    ip: str
    user_agent: str
    origin: str | None


@dataclass(frozen=True)
class VisitRef:
    """Who a batch belongs to, as stored."""

    visit_id: str
    visitor_id: str
    visitor_key: str
    customer_id: str | None
    is_returning: bool
    started_at: datetime


@dataclass
class _Pending:
    site: SiteInfo
    batch: TrackBatch
    client: ClientInfo
    identified_key: str | None
    rows: list[dict[str, Any]]
    received_at: datetime
    future: asyncio.Future[TrackResult]
    ref: VisitRef | None = None
    inserted: dict[str, int] = field(default_factory=dict)


class _Lru(OrderedDict[tuple[str, str], VisitRef]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: tuple[str, str], value: VisitRef) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


class Ingestor:
    """Owns the hot path; caches visit ids only after a commit, so a rollback never leaks one."""

    def __init__(self, db: Database, bus: EventBus, sites: SiteDirectory) -> None:
        self.db, self.bus, self.sites = db, bus, sites
        self._visits = _Lru(50_000)
        bus.subscribe(TOPIC_PRIVACY_ERASED, self.forget_visits)
        self._queue: list[_Pending] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        table = cast(Table, Event.__table__)
        dialect_insert = postgresql.insert if db.url.startswith("postgresql") else sqlite.insert
        self._insert_events = (
            dialect_insert(table)
            .on_conflict_do_nothing(index_elements=["visitor_id", "client_event_id"])
            .returning(table.c.id, table.c.visitor_id, table.c.client_event_id)
        )

    async def ingest(self, batch: TrackBatch, client: ClientInfo) -> TrackResult:
        """Checks that need no write happen here, before the batch joins the queue."""
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
        pending = _Pending(
            site=site,
            batch=batch,
            client=client,
            identified_key=identified_key,
            rows=[_event_row(event, now) for event in batch.events],
            received_at=now,
            future=asyncio.get_running_loop().create_future(),
        )
        self._queue.append(pending)
        self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="ingest-writer")
        return await asyncio.shield(pending.future)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
                await self._write_group(group)

    async def _write_group(self, group: list[_Pending]) -> None:
        try:
            await self._commit(group)
        except Exception as exc:
            if len(group) > 1:  # isolate: each batch on its own, all or nothing
                for pending in group:
                    pending.ref, pending.inserted = None, {}
                    await self._write_group([pending])
                return
            if not isinstance(exc, ApiError):
                log.exception("ingest failed")
            if not group[0].future.done():
                group[0].future.set_exception(exc)
            return
        for pending in group:
            await self._publish(pending)

    async def _commit(self, group: list[_Pending]) -> None:
        async with self.db.writer() as session:
            rows: list[dict[str, Any]] = []
            for pending in group:
                ref = await self._visit(session, pending)
                if pending.identified_key is not None:
                    ref = await _link_customer(
                        session, pending.site.id, ref, pending.identified_key
                    )
                pending.ref = ref
                for row in pending.rows:
                    rows.append(
                        {
                            **row,
                            "site_id": pending.site.id,
                            "visitor_id": ref.visitor_id,
                            "visit_id": ref.visit_id,
                            "received_at": pending.received_at,
                        }
                    )
            connection = await session.connection()
            result = await connection.execute(self._insert_events, rows)
            inserted = {(visitor, cid): pk for pk, visitor, cid in result.all()}
            touched: set[str] = set()
            for pending in group:
                assert pending.ref is not None
                pending.inserted = {}
                for row in pending.rows:
                    # pop: a retry racing its original in the same group is the duplicate
                    pk = inserted.pop((pending.ref.visitor_id, row["client_event_id"]), None)
                    if pk is not None:
                        pending.inserted[row["client_event_id"]] = pk
                if pending.inserted:
                    touched.add(pending.ref.visit_id)
            if touched:
                await session.execute(
                    update(Visit)
                    .where(Visit.id.in_(touched))
                    .values(last_seen_at=group[-1].received_at)
                )

    async def _publish(self, pending: _Pending) -> None:
        """After the commit: cache the visit, answer the request, tell the bus what is new."""
        ref = pending.ref
        assert ref is not None
        self._visits.put((pending.site.id, pending.batch.visit_id), ref)
        if not pending.future.done():
            pending.future.set_result(
                TrackResult(
                    accepted=len(pending.inserted),
                    duplicates=len(pending.rows) - len(pending.inserted),
                    visit=ref.visit_id,
                )
            )
        fresh = [
            {
                "seq": pending.inserted[row["client_event_id"]],
                "type": row["type"],
                "at": row["occurred_at"].timestamp(),
                "data": row["data"],
            }
            for row in pending.rows
            if row["client_event_id"] in pending.inserted
        ]
        if fresh or pending.identified_key is not None:
            await self.bus.publish(
                TOPIC_INGESTED,
                {
                    "site_id": pending.site.id,
                    "visit_id": ref.visit_id,
                    "visitor_id": ref.visitor_id,
                    "customer_id": ref.customer_id,
                    "is_returning": ref.is_returning,
                    "started_at": ref.started_at.timestamp(),
                    "events": fresh,
                },
            )

    async def forget_visits(self, payload: dict[str, Any]) -> None:
        """An erased customer's visits leave the cache: their next batch starts afresh."""
        gone = set(payload.get("visit_ids") or ())
        customer_id = payload.get("customer_id")
        for key, ref in list(self._visits.items()):
            if ref.visit_id in gone or (customer_id and ref.customer_id == customer_id):
                self._visits.pop(key, None)

    async def _visit(self, session: AsyncSession, pending: _Pending) -> VisitRef:
        site, batch = pending.site, pending.batch
        cached = self._visits.get((site.id, batch.visit_id))
        if cached is not None:
            if cached.visitor_key != batch.visitor_id:
                raise _visit_conflict()
            return cached
        return await ensure_visit(
            session,
            site.id,
            batch.visitor_id,
            batch.visit_id,
            pending.client,
            pending.received_at,
        )


async def ensure_visit(
    session: AsyncSession,
    site_id: str,
    visitor_key: str,
    visit_key: str,
    client: ClientInfo,
    now: datetime,
) -> VisitRef:
    """The visit (and visitor) for the widget's ids, created on first sight, in two round trips.

    Chat uses it too: a shopper may open the chat before the first tracking batch lands.
    """
    visitor_id, customer_id, known_visitor = await _visitor(session, site_id, visitor_key, now)
    where = (Visit.site_id == site_id, Visit.visit_key == visit_key)
    columns = (Visit.id, Visit.visitor_id, Visit.customer_id, Visit.is_returning, Visit.started_at)
    row = None
    is_returning = False
    if known_visitor:  # a visit we may have seen (before a restart) or an earlier one
        row = (await session.execute(select(*columns).where(*where))).first()
        if row is None:
            earlier = select(Visit.id).where(Visit.visitor_id == visitor_id).limit(1)
            is_returning = await session.scalar(earlier) is not None
    if row is None:
        visit_id = new_id()
        created = await session.execute(
            insert_ignore(session, Visit, ["site_id", "visit_key"])
            .values(
                id=visit_id,
                site_id=site_id,
                visitor_id=visitor_id,
                visit_key=visit_key,
                is_returning=is_returning,
                started_at=now,
                last_seen_at=now,
                user_agent=client.user_agent[:300],
                ip_prefix=truncate_ip(client.ip),
                customer_id=customer_id,
            )
            .returning(Visit.id)
        )
        if created.first() is not None:
            return VisitRef(visit_id, visitor_id, visitor_key, customer_id, is_returning, now)
        row = (await session.execute(select(*columns).where(*where))).one()  # a race lost
    if row.visitor_id != visitor_id:
        raise _visit_conflict()
    return VisitRef(
        row.id, visitor_id, visitor_key, row.customer_id, row.is_returning, as_utc(row.started_at)
    )


async def _visitor(
    session: AsyncSession, site_id: str, visitor_key: str, now: datetime
) -> tuple[str, str | None, bool]:
    """The visitor row (created on first sight), its customer if linked, and whether it existed."""
    visitor_id = new_id()
    created = await session.execute(
        insert_ignore(session, Visitor, ["site_id", "visitor_key"])
        .values(id=visitor_id, site_id=site_id, visitor_key=visitor_key, first_seen_at=now)
        .returning(Visitor.id)
    )
    if created.first() is not None:
        return visitor_id, None, False
    found = (
        await session.execute(
            select(Visitor.id, Visitor.customer_id).where(
                Visitor.site_id == site_id, Visitor.visitor_key == visitor_key
            )
        )
    ).one()
    return found[0], found[1], True


async def _link_customer(
    session: AsyncSession, site_id: str, ref: VisitRef, external_id: str
) -> VisitRef:
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
    return VisitRef(
        ref.visit_id, ref.visitor_id, ref.visitor_key, customer_id, ref.is_returning, ref.started_at
    )


def _visit_conflict() -> ApiError:
    return ApiError(409, "visit_conflict", "this visit id belongs to another visitor", "visit_id")


def _event_row(event: TrackedEvent, now: datetime) -> dict[str, Any]:
    occurred = now
    if event.ts is not None:
        occurred = min(max(from_epoch_ms(event.ts), now - MAX_EVENT_AGE), now + MAX_CLOCK_SKEW)
    data = event.model_dump(exclude={"id", "ts", "type"}, mode="json")
    return {"client_event_id": event.id, "type": event.type, "occurred_at": occurred, "data": data}
