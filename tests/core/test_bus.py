"""The bus contract every backend must keep (the Redis backend joins this list later)."""

from __future__ import annotations

from typing import Any

import pytest

from salon.core.bus import EventBus, InMemoryBus

BACKENDS = [InMemoryBus]


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
