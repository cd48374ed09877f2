"""Fan-out of chat events to the sockets connected to this process.

The bus delivers committed events; the hub turns them into frames for each interested socket:
the shopper of a conversation, the associate it is assigned to, and the site's supervisors.
Frames may arrive out of order under concurrency; each socket's sender puts messages back in
sequence order (see `SocketOutbox`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from salon.chat.hours import ChatSettings
from salon.chat.routing import queue_state
from salon.chat.service import (
    TOPIC_CONVERSATION,
    TOPIC_MESSAGE,
    TOPIC_TYPING,
    ChatService,
)
from salon.chat.views import console_views, site_conversations, visitor_view, visitor_view_of
from salon.core.bus import EventBus
from salon.identity import policy
from salon.identity.service import Actor, SiteDirectory

Frame = dict[str, Any]
ALERT_EVERY_SECONDS = 60.0
QUEUE_REFRESH_SECONDS = 0.2
log = logging.getLogger(__name__)


@dataclass(eq=False)
class ConsoleSub:
    actor: Actor
    queue: asyncio.Queue[Frame | None] = field(default_factory=asyncio.Queue)

    def sees(self, associate_id: str | None) -> bool:
        return associate_id == self.actor.associate_id or policy.allows(self.actor, "chat.read_any")


class ChatHub:
    def __init__(self, bus: EventBus, chat: ChatService, sites: SiteDirectory) -> None:
        self.chat, self.sites = chat, sites
        self._visitors: dict[str, set[asyncio.Queue[Frame | None]]] = defaultdict(set)
        self._consoles: dict[str, set[ConsoleSub]] = defaultdict(set)
        self._last_alert: dict[str, float] = {}
        self._pending_refresh: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        bus.subscribe(TOPIC_MESSAGE, self._on_message)
        bus.subscribe(TOPIC_CONVERSATION, self._on_conversation)
        bus.subscribe(TOPIC_TYPING, self._on_typing)

    # -- subscriptions -----------------------------------------------------------------------
    def visitor(self, conversation_id: str) -> asyncio.Queue[Frame | None]:
        queue: asyncio.Queue[Frame | None] = asyncio.Queue()
        self._visitors[conversation_id].add(queue)
        return queue

    def drop_visitor(self, conversation_id: str, queue: asyncio.Queue[Frame | None]) -> None:
        self._visitors[conversation_id].discard(queue)
        if not self._visitors[conversation_id]:
            del self._visitors[conversation_id]

    def console(self, site_id: str, actor: Actor) -> ConsoleSub:
        sub = ConsoleSub(actor)
        self._consoles[site_id].add(sub)
        return sub

    def drop_console(self, site_id: str, sub: ConsoleSub) -> None:
        self._consoles[site_id].discard(sub)

    def push(self, site_id: str, frame: Frame, to: Callable[[Actor], bool]) -> None:
        """Another domain's frame (the help desk's) to the site's consoles `to` picks."""
        for sub in self._consoles.get(site_id, ()):
            if to(sub.actor):
                sub.queue.put_nowait(frame)

    # -- events ------------------------------------------------------------------------------
    async def _on_message(self, payload: dict[str, Any]) -> None:
        message = payload["message"]
        if not payload["internal"]:
            for queue in self._visitors.get(payload["conversation_id"], ()):
                queue.put_nowait({"type": "message", "message": message, "replay": False})
        for sub in self._consoles.get(payload["site_id"], ()):
            if sub.sees(payload.get("associate_id")):
                sub.queue.put_nowait(
                    {
                        "type": "message",
                        "conversation_id": payload["conversation_id"],
                        "message": message,
                    }
                )

    async def _on_conversation(self, payload: dict[str, Any]) -> None:
        site_id = payload["site_id"]
        conversation_id = payload.get("conversation_id")
        if conversation_id is not None:
            conversation = await self.chat.get(conversation_id)
            async with self.chat.db.reader() as session:
                view = (await console_views(session, [conversation]))[0]
                shopper = (
                    await visitor_view_of(session, conversation)
                    if conversation_id in self._visitors
                    else None
                )
            previous = payload.get("previous_associate_id")
            for sub in self._consoles.get(site_id, ()):
                if sub.sees(conversation.associate_id) or (
                    previous and sub.actor.associate_id == previous
                ):
                    sub.queue.put_nowait({"type": "conversation", "conversation": view})
            if shopper is not None:
                for queue in self._visitors.get(conversation_id, ()):
                    queue.put_nowait({"type": "state", "conversation": shopper})
        self.queue_moved(site_id)

    def queue_moved(self, site_id: str) -> None:
        """Coalesce: however many changes arrive, the queue is recomputed once per window."""
        if site_id in self._pending_refresh:
            return
        self._pending_refresh.add(site_id)
        task = asyncio.create_task(self._refresh_later(site_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refresh_later(self, site_id: str) -> None:
        await asyncio.sleep(QUEUE_REFRESH_SECONDS)
        self._pending_refresh.discard(site_id)
        try:
            await self.refresh_queue(site_id)
        except Exception:
            log.exception("queue refresh failed for %s", site_id)

    async def refresh_queue(self, site_id: str) -> None:
        """The queue moved: consoles get the new list, waiting shoppers their new place."""
        async with self.chat.db.reader() as session:
            queued = await site_conversations(session, site_id, "queue")
            state = await queue_state(session, site_id)
            views = await console_views(session, queued) if self._consoles.get(site_id) else []
            waiting_here = [c for c in queued if c.id in self._visitors]
            frames = {c.id: visitor_view(c, {}, state) for c in waiting_here}
        for sub in self._consoles.get(site_id, ()):
            sub.queue.put_nowait({"type": "queue", "conversations": views})
        for conversation_id, view in frames.items():
            for queue in self._visitors.get(conversation_id, ()):
                queue.put_nowait({"type": "state", "conversation": view})
        waiting = len(state.queued_ids)
        await self._alert(site_id, state.eta_seconds(waiting) if waiting else 0, waiting)

    async def _alert(self, site_id: str, eta: int | None, waiting: int) -> None:
        site = await self.sites.by_id(site_id)
        if site is None or waiting == 0:
            return
        threshold = ChatSettings.of(site).wait_alert_seconds
        if eta is not None and eta <= threshold:
            return
        now = time.monotonic()
        if now - self._last_alert.get(site_id, -ALERT_EVERY_SECONDS) < ALERT_EVERY_SECONDS:
            return
        self._last_alert[site_id] = now
        text = f"{waiting} shopper{'s' if waiting > 1 else ''} waiting; " + (
            "nobody is available" if eta is None else f"estimated wait {eta // 60} min"
        )
        for sub in self._consoles.get(site_id, ()):
            if policy.allows(sub.actor, "chat.alerts"):
                sub.queue.put_nowait(
                    {"type": "alert", "kind": "wait", "message": text, "eta_seconds": eta}
                )

    async def _on_typing(self, payload: dict[str, Any]) -> None:
        if payload["from"] == "associate":
            for queue in self._visitors.get(payload["conversation_id"], ()):
                queue.put_nowait({"type": "typing", "on": payload["on"], "name": payload["name"]})
            return
        for sub in self._consoles.get(payload["site_id"], ()):
            if sub.sees(payload.get("associate_id")):
                sub.queue.put_nowait(
                    {
                        "type": "typing",
                        "conversation_id": payload["conversation_id"],
                        "on": payload["on"],
                    }
                )
