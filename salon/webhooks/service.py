"""Outgoing webhooks: endpoints, the transactional outbox of deliveries, and the delivery log.

Other domains call `enqueue` inside their own transaction: the delivery rows commit (or roll back)
with the event that caused them, so a rolled-back playbook firing never reaches a store's systems
and a committed one is never lost, even if the process dies before the worker sends it.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.clock import as_utc, utcnow
from salon.core.errors import ApiError, not_found
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

EVENTS = ("playbook.fired", "coupon.issued", "coupon.redeemed")
PING = "ping"  # only through `send_test`, to one endpoint
STATUSES = ("pending", "delivered", "failed")
MAX_PAYLOAD_BYTES = 64 * 1024

# --- waking the worker as soon as deliveries commit (it also polls every second) ---

_wakers: set[Callable[[], None]] = set()
_wakers_lock = threading.Lock()


def add_waker(wake: Callable[[], None]) -> None:
    """A worker's thread-safe wake-up, called after every commit that enqueued a delivery."""
    with _wakers_lock:
        _wakers.add(wake)


def remove_waker(wake: Callable[[], None]) -> None:
    with _wakers_lock:
        _wakers.discard(wake)


def _wake_workers(*_: Any) -> None:
    with _wakers_lock:
        wakers = list(_wakers)
    for wake in wakers:
        wake()


def _wake_after_commit(session: AsyncSession) -> None:
    sync = session.sync_session
    if not sa_event.contains(sync, "after_commit", _wake_workers):
        sa_event.listen(sync, "after_commit", _wake_workers, once=True)


# --- the outbox ---


def jsonable(value: Any) -> Any:
    """Event data as plain JSON: money (Decimal) as numbers, datetimes as ISO 8601."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"webhook data cannot carry {type(value).__name__}")


async def enqueue(
    session: AsyncSession, site_id: str, event: str, data: dict[str, Any]
) -> list[str]:
    """One delivery per active endpoint of the site subscribed to `event`, in the caller's
    transaction; returns the delivery ids (empty when nobody listens)."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; known: {', '.join(EVENTS)}")
    payload = jsonable(data)
    if len(json.dumps(payload)) > MAX_PAYLOAD_BYTES:
        raise ValueError(f"webhook data over {MAX_PAYLOAD_BYTES} bytes")
    endpoints = await session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.site_id == site_id, WebhookEndpoint.active.is_(True)
        )
    )
    ids = [
        _add_delivery(session, endpoint, event, payload)
        for endpoint in endpoints
        if event in endpoint.events
    ]
    if ids:
        _wake_after_commit(session)
    return ids


def _add_delivery(
    session: AsyncSession, endpoint: WebhookEndpoint, event: str, payload: dict[str, Any]
) -> str:
    now = utcnow()
    delivery = WebhookDelivery(
        id=new_id(),
        site_id=endpoint.site_id,
        endpoint_id=endpoint.id,
        event=event,
        payload=payload,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(delivery)
    return delivery.id


def body_of(delivery: WebhookDelivery) -> bytes:
    """The bytes POSTed: built from stored fields only, so every retry sends the same body."""
    envelope = {
        "id": delivery.id,
        "event": delivery.event,
        "created_at": as_utc(delivery.created_at).isoformat(),
        "site_id": delivery.site_id,
        "data": delivery.payload,
    }
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


# --- endpoints ---


def new_endpoint_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def endpoint_view(endpoint: WebhookEndpoint, with_secret: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "active": endpoint.active,
        "description": endpoint.description,
        "created_at": as_utc(endpoint.created_at).isoformat(),
    }
    if with_secret:
        view["secret"] = endpoint.secret
    return view


async def list_endpoints(db: Database, site_id: str) -> list[WebhookEndpoint]:
    async with db.reader() as session:
        found = await session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.site_id == site_id)
            .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
        )
        return list(found)


async def _endpoint(session: AsyncSession, site_id: str, endpoint_id: str) -> WebhookEndpoint:
    """The one access check for endpoints: another site's endpoint is a 404, like a missing one."""
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.site_id != site_id:
        raise not_found("webhook endpoint")
    return endpoint


async def get_endpoint(db: Database, site_id: str, endpoint_id: str) -> WebhookEndpoint:
    async with db.reader() as session:
        return await _endpoint(session, site_id, endpoint_id)


async def create_endpoint(
    db: Database, site_id: str, url: str, events: list[str], description: str, active: bool
) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        id=new_id(),
        site_id=site_id,
        url=url,
        secret=new_endpoint_secret(),
        events=events,
        active=active,
        description=description,
        created_at=utcnow(),
    )
    async with db.writer() as session:
        session.add(endpoint)
    return endpoint


async def update_endpoint(
    db: Database, site_id: str, endpoint_id: str, changes: dict[str, Any]
) -> WebhookEndpoint:
    """`changes` holds only validated fields: url, events, active, description."""
    async with db.writer() as session:
        endpoint = await _endpoint(session, site_id, endpoint_id)
        for name, value in changes.items():
            setattr(endpoint, name, value)
    if changes.get("active"):
        _wake_workers()  # deliveries held while it was disabled are due again
    return endpoint


async def delete_endpoint(db: Database, site_id: str, endpoint_id: str) -> None:
    """Its deliveries and their log go with it (ON DELETE CASCADE)."""
    async with db.writer() as session:
        await session.delete(await _endpoint(session, site_id, endpoint_id))


async def send_test(db: Database, site_id: str, endpoint_id: str) -> dict[str, Any]:
    """A `ping` to this endpoint only, whatever it subscribes to: proves URL and secret work."""
    async with db.writer() as session:
        endpoint = await _endpoint(session, site_id, endpoint_id)
        if not endpoint.active:
            raise ApiError(409, "endpoint_disabled", "enable the endpoint before testing it")
        data = {"message": "Test delivery from Salon", "endpoint_id": endpoint.id}
        delivery_id = _add_delivery(session, endpoint, PING, data)
        _wake_after_commit(session)
    return await delivery_detail(db, site_id, delivery_id)


# --- the delivery log ---


async def _delivery(db: Database, site_id: str, delivery_id: str) -> WebhookDelivery:
    async with db.reader() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.site_id != site_id:
            raise not_found("webhook delivery")
        return delivery


async def list_deliveries(
    db: Database,
    site_id: str,
    endpoint_id: str | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """Newest first, each with its attempts in order: the console's delivery log."""
    query = select(WebhookDelivery).where(WebhookDelivery.site_id == site_id)
    if endpoint_id:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit)
    async with db.reader() as session:
        deliveries = list(await session.scalars(query))
        attempts: dict[str, list[WebhookAttempt]] = {d.id: [] for d in deliveries}
        if deliveries:
            found = await session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id.in_(list(attempts)))
                .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number, WebhookAttempt.at)
            )
            for attempt in found:
                attempts[attempt.delivery_id].append(attempt)
    return [delivery_view(d, attempts[d.id]) for d in deliveries]


def delivery_view(delivery: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return as_utc(value).isoformat() if value is not None else None

    return {
        "id": delivery.id,
        "endpoint_id": delivery.endpoint_id,
        "event": delivery.event,
        "status": delivery.status,
        "attempt_count": delivery.attempts,
        "next_attempt_at": iso(delivery.next_attempt_at) if delivery.status == "pending" else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": iso(delivery.created_at),
        "delivered_at": iso(delivery.delivered_at),
        "data": delivery.payload,
        "attempts": [
            {
                "number": a.number,
                "at": iso(a.at),
                "status_code": a.status_code,
                "error": a.error,
                "duration_ms": a.duration_ms,
            }
            for a in attempts
        ],
    }


async def retry_delivery(db: Database, site_id: str, delivery_id: str) -> dict[str, Any]:
    """Send again now with the same delivery id (receivers dedupe on it); one more attempt."""
    async with db.writer() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.site_id != site_id:
            raise not_found("webhook delivery")
        delivery.status = "pending"
        delivery.next_attempt_at = utcnow()
        delivery.delivered_at = None
        _wake_after_commit(session)
    return await delivery_detail(db, site_id, delivery_id)


async def delivery_detail(db: Database, site_id: str, delivery_id: str) -> dict[str, Any]:
    delivery = await _delivery(db, site_id, delivery_id)
    async with db.reader() as session:
        attempts = await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.number, WebhookAttempt.at)
        )
        return delivery_view(delivery, list(attempts))
