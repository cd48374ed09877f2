"""The live assigner: questions from chats and the help desk become topics as they arrive.

Bus handlers only filter and enqueue, so a chat message is never slowed; one worker drains the
queue in batches, embeds off the event loop (asyncio.to_thread) and writes the assignments.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from salon.chat.service import TOPIC_MESSAGE
from salon.core.bus import EventBus, Payload
from salon.core.clock import utcnow
from salon.db.engine import Database
from salon.topics.embedding import Embedder, default_embedder
from salon.topics.service import (
    Question,
    epoch_to_datetime,
    looks_like_question,
    record_questions,
)

try:
    from salon.helpdesk.service import TOPIC_HELP_QUESTION
except ImportError:  # the help desk ships with the same issue; the contract is the name
    TOPIC_HELP_QUESTION = "helpdesk.question"

log = logging.getLogger(__name__)
BATCH = 64
QUEUE_LIMIT = 10_000


class TopicEngine:
    def __init__(self, db: Database, bus: EventBus, embedder: Embedder | None = None) -> None:
        self.db, self.bus = db, bus
        self._embedder = embedder
        self._queue: asyncio.Queue[Question] = asyncio.Queue(QUEUE_LIMIT)
        self._worker: asyncio.Task[None] | None = None
        self.recorded = 0  # questions stored since start (for logs and tests)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def start(self) -> None:
        self.bus.subscribe(TOPIC_MESSAGE, self._on_chat_message, origin_only=True)
        self.bus.subscribe(TOPIC_HELP_QUESTION, self._on_help_question, origin_only=True)
        self._worker = asyncio.create_task(self._work(), name="topics")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _on_chat_message(self, payload: Payload) -> None:
        message: dict[str, Any] = payload.get("message") or {}
        if payload.get("internal") or message.get("sender") != "visitor":
            return
        body = str(message.get("body") or "")
        if message.get("kind") != "text" or not looks_like_question(body):
            return
        created = message.get("created_at")
        self._enqueue(
            Question(
                site_id=str(payload["site_id"]),
                source="chat",
                source_id=str(message["id"]),
                text=body,
                asked_at=_parse(created),
                conversation_id=str(payload["conversation_id"]),
            )
        )

    async def _on_help_question(self, payload: Payload) -> None:
        text = str(payload.get("text") or "").strip()
        if not text:
            return
        self._enqueue(
            Question(
                site_id=str(payload["site_id"]),
                source="helpdesk",
                source_id=str(payload["thread_id"]),
                text=text,
                asked_at=epoch_to_datetime(payload.get("at")),
                thread_id=str(payload["thread_id"]),
            )
        )

    def _enqueue(self, question: Question) -> None:
        try:
            self._queue.put_nowait(question)
        except asyncio.QueueFull:
            log.warning("topics: queue full, question from site %s skipped", question.site_id)

    async def _work(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self.record(batch)
            except Exception:
                log.exception("topics: %d questions could not be grouped", len(batch))

    async def record(self, batch: list[Question]) -> None:
        embedder = self.embedder
        vectors = await asyncio.to_thread(embedder.encode, [q.text for q in batch])
        async with self.db.writer() as session:
            stored = await record_questions(session, embedder.name, batch, vectors)
        self.recorded += len(stored)


def _parse(value: object) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return utcnow()
    return utcnow()
