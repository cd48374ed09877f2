"""The one event bus: services publish after commit, subscribers react.

Two kinds of subscriber, two kinds of event:

- A handler subscribed normally sees every event of its topic published on *any* node (views
  kept on every node: the live floor, the chat hub's sockets, the help-desk relay).
- A handler subscribed with ``origin_only=True`` sees only the events published on its own node,
  so work that must happen once per event (attribution, topic grouping) happens once in an
  installation of many nodes.
- ``publish(..., local=True)`` keeps an event on this node: for edges every node derives itself
  from the same feed (an abandonment moment seen by each node's floor).

The in-memory backend is one node. The Redis backend delivers to this node's handlers at once,
in publish order, and carries the event to the other nodes through one Redis stream. Redis
carries fan-out only, never the only copy of anything (PostgreSQL is the source of truth): while
Redis is away, publishing still succeeds, events wait in a bounded buffer, and the other nodes
read them, in order, when it is back (each reader resumes from the last stream id it read).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Payload = dict[str, Any]
Handler = Callable[[Payload], Awaitable[None]]

STREAM = "salon:bus"
STREAM_MAXLEN = 200_000  # about a minute of a busy installation's events, trimmed approximately
BUFFER_LIMIT = 200_000  # events held while Redis is away; beyond it the oldest are dropped
SEND_BATCH = 500
READ_BATCH = 1_000
BLOCK_MS = 1_000
RETRY_SECONDS = (0.1, 0.2, 0.5, 1.0, 2.0)


class EventBus(Protocol):
    async def publish(self, topic: str, payload: Payload, *, local: bool = False) -> None: ...

    def subscribe(self, topic: str, handler: Handler, *, origin_only: bool = False) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class InMemoryBus:
    """Delivers each event to every handler of its topic, in order; a failing handler is logged."""

    def __init__(self) -> None:
        self._handlers: dict[str, list[tuple[Handler, bool]]] = defaultdict(list)

    async def publish(self, topic: str, payload: Payload, *, local: bool = False) -> None:
        await self._deliver(topic, payload, remote=False)

    async def _deliver(self, topic: str, payload: Payload, *, remote: bool) -> None:
        for handler, origin_only in list(self._handlers.get(topic, ())):
            if remote and origin_only:
                continue
            try:
                await handler(payload)
            except Exception:
                log.exception("bus handler failed for %s", topic)

    def subscribe(self, topic: str, handler: Handler, *, origin_only: bool = False) -> None:
        self._handlers[topic].append((handler, origin_only))

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._handlers.clear()


class RedisBus(InMemoryBus):
    """Several nodes: local delivery at once, the other nodes through the Redis stream."""

    def __init__(self, url: str, node: str) -> None:
        super().__init__()
        from redis.asyncio import Redis

        self.url, self.node = url, node
        self._redis: Any = Redis.from_url(
            url, socket_timeout=BLOCK_MS / 1000 + 4, socket_connect_timeout=2
        )
        self._outgoing: deque[tuple[str, str]] = deque()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.last_id = "0-0"
        self.connected = False
        self.dropped = 0  # events dropped while Redis was away and the buffer was full
        self.received = 0  # events read from the other nodes

    async def publish(self, topic: str, payload: Payload, *, local: bool = False) -> None:
        await self._deliver(topic, payload, remote=False)
        if local:
            return
        if len(self._outgoing) >= BUFFER_LIMIT:
            self._outgoing.popleft()
            self.dropped += 1
        self._outgoing.append((topic, json.dumps(payload, separators=(",", ":"))))
        self._wake.set()

    async def start(self) -> None:
        try:
            newest = await self._redis.xrevrange(STREAM, count=1)
            self.last_id = newest[0][0].decode() if newest else "0-0"
            self.connected = True
        except Exception as exc:  # Redis away at start: read from the beginning of what is kept
            log.warning("redis bus: not reachable at start (%s); retrying in the background", exc)
            self.last_id = "$"
        self._tasks = [
            asyncio.create_task(self._send_forever(), name="bus-send"),
            asyncio.create_task(self._read_forever(), name="bus-read"),
        ]

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush(), 2.0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await super().stop()
        with contextlib.suppress(Exception):
            await self._redis.aclose()

    async def flush(self) -> None:
        """Wait until everything published here is in Redis (tests and shutdown)."""
        while self._outgoing:
            await asyncio.sleep(0.01)

    async def forget(self, needles: set[str]) -> int:
        """Drop buffered and kept events that mention any of `needles` (see forget_in_stream)."""
        wanted = [n for n in needles if n]
        self._outgoing = deque((t, b) for t, b in self._outgoing if not any(n in b for n in wanted))
        return await forget_in_stream(self._redis, needles)

    async def _send_forever(self) -> None:
        failures = 0
        while True:
            if not self._outgoing:
                self._wake.clear()
                await self._wake.wait()
            batch = [self._outgoing[i] for i in range(min(SEND_BATCH, len(self._outgoing)))]
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for topic, body in batch:
                        pipe.xadd(
                            STREAM,
                            {"n": self.node, "t": topic, "p": body},
                            maxlen=STREAM_MAXLEN,
                            approximate=True,
                        )
                    await pipe.execute()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if failures == 0:
                    log.warning("redis bus: publishing failed (%s); buffering", exc)
                failures += 1
                self.connected = False
                await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
                continue
            if failures:
                log.info("redis bus: publishing again after %d failed attempts", failures)
            failures = 0
            for _ in batch:  # sent: only now do they leave the buffer (at least once)
                self._outgoing.popleft()

    async def _read_forever(self) -> None:
        failures = 0
        while True:
            try:
                answer = await self._redis.xread(
                    {STREAM: self.last_id}, count=READ_BATCH, block=BLOCK_MS
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if failures == 0:
                    log.warning("redis bus: reading failed (%s); retrying", exc)
                failures += 1
                self.connected = False
                await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
                continue
            if failures:
                log.info("redis bus: reading again from %s", self.last_id)
            failures, self.connected = 0, True
            for _stream, entries in answer or ():
                for entry_id, fields in entries:
                    self.last_id = entry_id.decode()
                    if fields.get(b"n", b"").decode() == self.node:
                        continue
                    self.received += 1
                    try:
                        payload = json.loads(fields[b"p"])
                        topic = fields[b"t"].decode()
                    except (KeyError, ValueError):
                        log.warning("redis bus: a malformed entry %s was skipped", self.last_id)
                        continue
                    await self._deliver(topic, payload, remote=True)


async def forget_in_stream(redis: Any, needles: set[str]) -> int:
    """Delete the stream's kept events that mention any of `needles` (an erased person's ids).

    The stream keeps the installation's recent events, chat text included, so an erasure must
    reach it too (privacy). Reads the stream in pages; returns how many events were deleted.
    """
    wanted = [n.encode() for n in needles if n]
    if not wanted:
        return 0
    deleted, start = 0, "-"
    while True:
        entries = await redis.xrange(STREAM, min=start, max="+", count=1_000)
        doomed = [
            entry_id
            for entry_id, fields in entries
            if any(n in fields.get(b"p", b"") for n in wanted)
        ]
        if doomed:
            deleted += int(await redis.xdel(STREAM, *doomed))
        if len(entries) < 1_000:
            return deleted
        start = "(" + entries[-1][0].decode()


def node_name() -> str:
    """A name for this process among the installation's nodes: host, pid and start time."""
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}:{int(time.time() * 1000) % 1_000_000}"
