"""The delivery worker: sends due webhook deliveries, retries with back-off, logs every attempt.

It runs in every app process. Due rows are claimed with a conditional UPDATE that pushes
`next_attempt_at` out by a lease, so two processes on one PostgreSQL never send the same
attempt twice; a process that dies mid-attempt loses nothing, its claim simply runs out and
another pass picks the delivery up again. Webhooks never sit on a request path: a slow receiver
delays only its own deliveries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult

from salon.config import Settings
from salon.core.clock import as_utc, utcnow
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from salon.webhooks.service import add_waker, body_of, remove_waker
from salon.webhooks.signing import sign

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
MAX_DELAY_SECONDS = 3600.0
JITTER = 0.2
LEASE_MARGIN_SECONDS = 30.0
ERROR_CHARS = 300
SNIPPET_BYTES = 200
USER_AGENT = "Salon-Webhooks/1"


def backoff_seconds(base: float, attempts: int, rng: random.Random | None = None) -> float:
    """base * 2**(attempts-1), ±20 % jitter so many failing deliveries do not retry in step."""
    raw = min(MAX_DELAY_SECONDS, base * 2 ** max(0, attempts - 1))
    jitter = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return float(min(MAX_DELAY_SECONDS, raw * jitter))


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A receiver's Retry-After (seconds or an HTTP date), capped at an hour; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(MAX_DELAY_SECONDS, float(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    seconds = (as_utc(when) - (now or utcnow())).total_seconds()
    return min(MAX_DELAY_SECONDS, max(0.0, seconds))


class WebhookWorker:
    def __init__(
        self, db: Database, settings: Settings, concurrency: int = 8, per_endpoint: int = 2
    ) -> None:
        self.db = db
        self.base = settings.webhook_retry_base_seconds
        self.max_attempts = settings.webhook_max_attempts
        self.timeout = settings.webhook_timeout_seconds
        self.lease = timedelta(seconds=self.timeout + LEASE_MARGIN_SECONDS)
        self.concurrency = concurrency
        self.per_endpoint = per_endpoint  # one failing receiver never holds every slot
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inflight: dict[str, str] = {}  # delivery id -> endpoint id
        self._tasks: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        """Thread-safe: deliveries were committed, look now rather than at the next poll."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        add_waker(self.wake)
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout, follow_redirects=False, headers={"User-Agent": USER_AGENT}
            ) as client:
                while True:
                    self._wake.clear()
                    delay = POLL_SECONDS
                    try:
                        delay = await self.dispatch(client)
                    except Exception:
                        log.exception("webhook dispatch failed")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), timeout=delay)
        finally:
            remove_waker(self.wake)
            for task in list(self._tasks):
                task.cancel()

    async def dispatch(self, client: httpx.AsyncClient) -> float:
        """Start what is due (within the bounds); the seconds until the next look."""
        now = utcnow()
        busy = Counter(self._inflight.values())
        started = 0
        for _ in range(4):
            free = self.concurrency - len(self._inflight)
            if free <= 0:
                break
            saturated = [e for e, n in busy.items() if n >= self.per_endpoint]
            due = await self._due(now, saturated, limit=free * self.per_endpoint + 8)
            started = 0
            for delivery_id, endpoint_id, seen in due:
                if len(self._inflight) >= self.concurrency:
                    break
                if delivery_id in self._inflight or busy[endpoint_id] >= self.per_endpoint:
                    continue
                if await self._claim(delivery_id, seen, now):
                    busy[endpoint_id] += 1
                    self._start(client, delivery_id, endpoint_id)
                    started += 1
            if not due or not started:
                break
        wait = await self._until_next()
        if wait <= 0 and not started:
            # what is due belongs to busy endpoints or went to another process: a finishing
            # attempt wakes the loop, so do not spin on the database meanwhile
            return POLL_SECONDS
        return min(POLL_SECONDS, max(0.005, wait))

    async def _due(
        self, now: datetime, saturated: list[str], limit: int
    ) -> list[tuple[str, str, datetime]]:
        query = (
            select(WebhookDelivery.id, WebhookDelivery.endpoint_id, WebhookDelivery.next_attempt_at)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.active.is_(True),  # a disabled endpoint's deliveries wait
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
        if saturated:
            query = query.where(WebhookDelivery.endpoint_id.not_in(saturated))
        async with self.db.reader() as session:
            rows = (await session.execute(query)).all()
        return [(r[0], r[1], r[2]) for r in rows if r[2] is not None]

    async def _claim(self, delivery_id: str, seen: datetime, now: datetime) -> bool:
        """Only the process whose UPDATE still sees the same due time gets the attempt."""
        async with self.db.writer() as session:
            result = await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at == seen,
                )
                .values(next_attempt_at=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            assert isinstance(result, CursorResult)
            return int(result.rowcount) == 1

    async def _until_next(self) -> float:
        """Seconds until the earliest pending delivery is due (negative: already due)."""
        async with self.db.reader() as session:
            earliest = await session.scalar(
                select(func.min(WebhookDelivery.next_attempt_at))
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.status == "pending", WebhookEndpoint.active.is_(True))
            )
        if earliest is None:
            return POLL_SECONDS
        return (as_utc(earliest) - utcnow()).total_seconds()

    def _start(self, client: httpx.AsyncClient, delivery_id: str, endpoint_id: str) -> None:
        self._inflight[delivery_id] = endpoint_id
        task = asyncio.create_task(self._attempt(client, delivery_id), name="webhook-attempt")
        self._tasks.add(task)

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            self._inflight.pop(delivery_id, None)
            if not finished.cancelled() and finished.exception() is not None:
                log.error("webhook attempt crashed", exc_info=finished.exception())
            self._wake.set()  # a slot is free

        task.add_done_callback(done)

    async def _attempt(self, client: httpx.AsyncClient, delivery_id: str) -> None:
        async with self.db.reader() as session:
            delivery = await session.get(WebhookDelivery, delivery_id)
            endpoint = (
                await session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
            )
        if delivery is None or endpoint is None:
            return  # deleted meanwhile
        body = body_of(delivery)
        stamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "Salon-Event": delivery.event,
            "Salon-Delivery": delivery.id,
            "Salon-Timestamp": str(stamp),
            "Salon-Signature": sign(endpoint.secret, stamp, body),
        }
        at = utcnow()
        started = time.monotonic()
        status_code: int | None = None
        error: str | None = None
        wait: float | None = None
        try:
            async with client.stream("POST", endpoint.url, content=body, headers=headers) as answer:
                status_code = answer.status_code
                if not 200 <= status_code < 300:
                    error = await _describe(answer)
                    if status_code in (429, 503):
                        wait = retry_after_seconds(answer.headers.get("retry-after"))
        except httpx.TimeoutException:
            error = f"no answer within {self.timeout:g} s"
        except Exception as exc:  # DNS, refused connection, TLS, a malformed URL...
            error = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        duration_ms = int((time.monotonic() - started) * 1000)
        await self._record(delivery_id, at, status_code, error, duration_ms, wait)

    async def _record(
        self,
        delivery_id: str,
        at: datetime,
        status_code: int | None,
        error: str | None,
        duration_ms: int,
        wait: float | None,
    ) -> None:
        now = utcnow()
        async with self.db.writer() as session:
            delivery = await session.get(WebhookDelivery, delivery_id)
            if delivery is None:
                return
            delivery.attempts += 1
            session.add(
                WebhookAttempt(
                    id=new_id(),
                    delivery_id=delivery_id,
                    number=delivery.attempts,
                    at=at,
                    status_code=status_code,
                    error=error[:ERROR_CHARS] if error else None,
                    duration_ms=duration_ms,
                )
            )
            delivery.last_status_code = status_code
            delivery.last_error = error[:ERROR_CHARS] if error else None
            if error is None:
                delivery.status = "delivered"
                delivery.delivered_at = now
                delivery.next_attempt_at = None
            elif delivery.attempts >= self.max_attempts:
                delivery.status = "failed"
                delivery.next_attempt_at = None
                log.warning("webhook %s failed for good: %s", delivery_id, error)
            else:
                delay = wait if wait is not None else backoff_seconds(self.base, delivery.attempts)
                delivery.status = "pending"
                delivery.next_attempt_at = now + timedelta(seconds=delay)


async def _describe(answer: httpx.Response) -> str:
    """`HTTP 500: <the start of the receiver's answer>`; a redirect is named, never followed."""
    if answer.is_redirect:
        where = answer.headers.get("location", "")
        return f"HTTP {answer.status_code}: redirect to {where[:200]} not followed"
    snippet = b""
    with contextlib.suppress(httpx.HTTPError):
        async for chunk in answer.aiter_bytes():
            snippet += chunk
            if len(snippet) >= SNIPPET_BYTES:
                break
    text = " ".join(snippet[:SNIPPET_BYTES].decode("utf-8", "replace").split())
    return f"HTTP {answer.status_code}: {text}" if text else f"HTTP {answer.status_code}"
