"""The one event bus: services publish after commit, subscribers react.

The in-memory backend delivers in-process, in publish order. A Redis backend (several nodes)
implements the same interface later; the contract test runs against every backend.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Payload = dict[str, Any]
Handler = Callable[[Payload], Awaitable[None]]


class EventBus(Protocol):
    async def publish(self, topic: str, payload: Payload) -> None: ...

    def subscribe(self, topic: str, handler: Handler) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InMemoryBus:
    """Delivers each event to every handler of its topic, in order; a failing handler is logged."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    async def publish(self, topic: str, payload: Payload) -> None:
        for handler in list(self._handlers.get(topic, ())):
            try:
                await handler(payload)
            except Exception:
                log.exception("bus handler failed for %s", topic)

    def subscribe(self, topic: str, handler: Handler) -> None:
        self._handlers[topic].append(handler)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._handlers.clear()
