"""The delivery worker against a real database: claims, restarts, back-off (SQLite, PostgreSQL)."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from salon.config import Settings
from salon.db.engine import Database
from salon.identity.service import create_site
from salon.webhooks import service
from salon.webhooks.worker import (
    MAX_DELAY_SECONDS,
    WebhookWorker,
    backoff_seconds,
    retry_after_seconds,
)
from tests.support import async_wait_for
from tests.webhooks.support import Receiver

DELIVERIES = 24


async def test_two_processes_never_send_the_same_attempt_and_a_restart_loses_nothing(
    database_url: str,
) -> None:
    receiver = Receiver()
    setup, first, second = (Database(database_url) for _ in range(3))
    workers: list[asyncio.Task[None]] = []
    try:
        site = await create_site(setup, "Two nodes", [])
        endpoints = [
            await service.create_endpoint(
                setup, site.id, receiver.url, ["coupon.issued"], f"node test {n}", True
            )
            for n in range(3)
        ]
        # enqueued while no worker runs: as if every process had just been restarted
        async with setup.writer() as session:
            ids = [
                delivery_id
                for n in range(DELIVERIES // len(endpoints))
                for delivery_id in await service.enqueue(
                    session, site.id, "coupon.issued", {"code": f"C{n}"}
                )
            ]
        assert len(ids) == DELIVERIES

        settings = Settings(database_url=database_url)
        workers = [asyncio.create_task(WebhookWorker(db, settings).run()) for db in (first, second)]
        await async_wait_for(lambda: receiver.count() >= DELIVERIES, timeout=20)

        async def all_delivered() -> bool:
            log = await service.list_deliveries(setup, site.id, limit=100)
            return all(d["status"] == "delivered" for d in log)

        await async_wait_for(all_delivered, timeout=10)
        log = await service.list_deliveries(setup, site.id, limit=100)
        assert sorted(d["id"] for d in log) == sorted(ids)
        assert {d["attempt_count"] for d in log} == {1}
        assert Counter(r.delivery for r in receiver.requests) == Counter(ids)  # each once
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        for db in (setup, first, second):
            await db.dispose()
        receiver.close()


async def test_a_disabled_endpoint_holds_its_deliveries_until_enabled(database_url: str) -> None:
    receiver = Receiver()
    db = Database(database_url)
    worker: asyncio.Task[None] | None = None
    try:
        site = await create_site(db, "Paused", [])
        endpoint = await service.create_endpoint(
            db, site.id, receiver.url, ["playbook.fired"], "", True
        )
        async with db.writer() as session:
            [held] = await service.enqueue(session, site.id, "playbook.fired", {"firing_id": "f"})
        await service.update_endpoint(db, site.id, endpoint.id, {"active": False})
        worker = asyncio.create_task(WebhookWorker(db, Settings(database_url=database_url)).run())
        async with db.writer() as session:  # disabled: nothing new is queued for it
            assert await service.enqueue(session, site.id, "playbook.fired", {}) == []

        await service.update_endpoint(db, site.id, endpoint.id, {"active": True})
        await async_wait_for(lambda: receiver.count() == 1, timeout=10)
        assert receiver.requests[0].delivery == held
    finally:
        if worker is not None:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        await db.dispose()
        receiver.close()


def test_unknown_events_and_unserialisable_data_are_refused(sqlite_url: str) -> None:
    async def go() -> None:
        db = Database(sqlite_url)
        try:
            site = await create_site(db, "Strict", [])
            async with db.writer() as session:
                for event, data in (
                    ("order.placed", {}),
                    ("ping", {}),
                    ("coupon.issued", {"x": object()}),
                ):
                    try:
                        await service.enqueue(session, site.id, event, data)
                    except (ValueError, TypeError):
                        continue
                    raise AssertionError(f"{event} {data} was accepted")
        finally:
            await db.dispose()

    asyncio.run(go())


def test_back_off_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    for attempts, centre in ((1, 10.0), (2, 20.0), (3, 40.0), (8, 1280.0)):
        delays = [backoff_seconds(10.0, attempts, rng) for _ in range(200)]
        assert min(delays) >= centre * 0.8 and max(delays) <= centre * 1.2
        assert max(delays) - min(delays) > centre * 0.2  # spread, not in step
    assert backoff_seconds(10.0, 30, rng) <= MAX_DELAY_SECONDS


def test_retry_after_in_seconds_or_as_a_date_is_capped_at_an_hour() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("86400", now) == MAX_DELAY_SECONDS
    later = (now + timedelta(minutes=5)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after_seconds(later, now) == 300.0
    assert retry_after_seconds(None, now) is None
    assert retry_after_seconds("soon", now) is None
