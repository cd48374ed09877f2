"""The bus contract every backend must keep, and what the Redis backend adds across nodes."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from salon.core import bus as bus_module
from salon.core.bus import EventBus, InMemoryBus, RedisBus
from tests.support import async_wait_for, free_port

REDIS = "redis://127.0.0.1:6379/14"


def redis_bus() -> RedisBus:
    return RedisBus(REDIS, "node-" + secrets.token_hex(4))


BACKENDS: list[Callable[[], EventBus]] = [InMemoryBus, redis_bus]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_delivers_in_publish_order_to_every_subscriber_of_the_topic(backend: Any) -> None:
    bus: EventBus = backend()
    await bus.start()
    seen_a: list[int] = []
    seen_b: list[int] = []

    async def a(payload: dict[str, Any]) -> None:
        seen_a.append(payload["n"])

    async def b(payload: dict[str, Any]) -> None:
        seen_b.append(payload["n"])

    bus.subscribe("t", a)
    bus.subscribe("t", b)
    for n in range(5):
        await bus.publish("t", {"n": n})
    await bus.publish("other", {"n": 99})
    assert seen_a == seen_b == [0, 1, 2, 3, 4]
    await bus.stop()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_failing_subscriber_does_not_stop_the_others(backend: Any) -> None:
    bus: EventBus = backend()
    seen: list[int] = []

    async def broken(_: dict[str, Any]) -> None:
        raise RuntimeError("boom")

    async def fine(payload: dict[str, Any]) -> None:
        seen.append(payload["n"])

    bus.subscribe("t", broken)
    bus.subscribe("t", fine)
    await bus.publish("t", {"n": 1})
    assert seen == [1]


@pytest.fixture
def stream(monkeypatch: pytest.MonkeyPatch) -> str:
    name = "salon:test-bus:" + secrets.token_hex(6)
    monkeypatch.setattr(bus_module, "STREAM", name)
    return name


async def test_other_nodes_get_every_event_in_order_and_origin_only_stays_home(
    stream: str,
) -> None:
    a, b = RedisBus(REDIS, "a"), RedisBus(REDIS, "b")
    await a.start()
    await b.start()
    seen_b: list[int] = []
    once_a: list[int] = []
    once_b: list[int] = []

    async def views_b(payload: dict[str, Any]) -> None:
        seen_b.append(payload["n"])

    async def work_a(payload: dict[str, Any]) -> None:
        once_a.append(payload["n"])

    async def work_b(payload: dict[str, Any]) -> None:
        once_b.append(payload["n"])

    b.subscribe("t", views_b)
    a.subscribe("t", work_a, origin_only=True)
    b.subscribe("t", work_b, origin_only=True)
    for n in range(200):
        await a.publish("t", {"n": n})
    await a.publish("t", {"n": -1}, local=True)  # derived on every node: never sent
    await async_wait_for(lambda: len(seen_b) >= 200, timeout=10)
    assert seen_b == list(range(200))  # node b: every event, in order, once
    assert once_a == [*range(200), -1]  # once per installation: on the node that published
    assert once_b == []
    await a.stop()
    await b.stop()


async def test_publishing_succeeds_while_redis_is_away_and_catches_up(
    stream: str, tmp_path: Path
) -> None:
    from tests.cluster.support import RedisProcess

    server = RedisProcess(free_port(), tmp_path / "redis.log")
    url = f"redis://127.0.0.1:{server.port}/0"
    a, b = RedisBus(url, "a"), RedisBus(url, "b")
    await a.start()
    await b.start()
    seen: list[int] = []

    async def on_b(payload: dict[str, Any]) -> None:
        seen.append(payload["n"])

    b.subscribe("t", on_b)
    await a.publish("t", {"n": 0})
    await async_wait_for(lambda: seen == [0], timeout=10)
    await asyncio.to_thread(server.stop)
    for n in range(1, 51):  # Redis is away: each publish returns at once
        await asyncio.wait_for(a.publish("t", {"n": n}), 0.5)
    await async_wait_for(lambda: not a.connected, timeout=10)
    assert seen == [0]
    await asyncio.to_thread(server.start)
    await async_wait_for(lambda: len(seen) == 51, timeout=20)
    assert seen == list(range(51))
    await a.stop()
    await b.stop()
    server.stop()


async def test_forget_removes_an_erased_persons_events_from_the_stream(stream: str) -> None:
    a = RedisBus(REDIS, "a")
    await a.start()
    for n in range(1_500):
        await a.publish("t", {"visit_id": "v-erased" if n % 500 == 0 else f"v-{n}", "n": n})
    await a.flush()
    assert await a.forget({"v-erased"}) == 3
    kept = await a._redis.xrange(bus_module.STREAM, count=2_000)
    assert len(kept) == 1_497
    assert not any(b"v-erased" in fields[b"p"] for _, fields in kept)
    await a.stop()
