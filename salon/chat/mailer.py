"""Transcripts by e-mail, sent after the answer so they never delay the chat."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select, update

from salon.chat.models import Conversation, Message
from salon.chat.transcript import Transcript, TranscriptMessage, build_transcript_email, deliver
from salon.config import Settings
from salon.core.clock import as_utc, utcnow
from salon.db.engine import Database
from salon.identity.models import Associate
from salon.identity.service import SiteDirectory

log = logging.getLogger(__name__)


class TranscriptMailer:
    def __init__(self, db: Database, sites: SiteDirectory, settings: Settings) -> None:
        self.db, self.sites, self.settings = db, sites, settings
        self._tasks: set[asyncio.Task[None]] = set()

    async def send_on_close(self, conversation: Conversation) -> None:
        """A closed conversation with a known e-mail gets its transcript once."""
        if (
            conversation.status == "closed"
            and conversation.email
            and not (conversation.transcript_sent_at)
        ):
            await self.send(conversation, conversation.email)

    async def send(self, conversation: Conversation, to: str) -> None:
        task = asyncio.create_task(self._send(conversation.id, to))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _send(self, conversation_id: str, to: str) -> None:
        try:
            transcript = await self.transcript(conversation_id)
            message = build_transcript_email(transcript, to, self.settings.mail_from)
            where = await deliver(message, self.settings.smtp_url, self.settings.demo_outbox)
            async with self.db.writer() as session:
                await session.execute(
                    update(Conversation)
                    .where(Conversation.id == conversation_id)
                    .values(transcript_sent_at=utcnow())
                )
            log.info("transcript %s sent: %s", transcript.reference, where)
        except Exception:
            log.exception("transcript for %s not sent", conversation_id)

    async def transcript(self, conversation_id: str) -> Transcript:
        async with self.db.reader() as session:
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None
            site = await self.sites.by_id(conversation.site_id)
            associate = (
                await session.get(Associate, conversation.associate_id)
                if conversation.associate_id
                else None
            )
            rows = (
                await session.scalars(
                    select(Message)
                    .where(Message.conversation_id == conversation_id, Message.kind != "note")
                    .order_by(Message.seq)
                )
            ).all()
        return Transcript(
            reference=conversation.reference,
            site_name=site.name if site else "",
            associate_name=associate.name if associate else None,
            visitor_name=conversation.name,
            started_at=as_utc(conversation.created_at),
            closed_at=as_utc(conversation.closed_at) if conversation.closed_at else None,
            messages=[
                TranscriptMessage(
                    sender=m.sender,
                    author=m.author_name,
                    body=m.body,
                    kind=m.kind,
                    data=m.data,
                    created_at=as_utc(m.created_at),
                )
                for m in rows
            ],
        )
