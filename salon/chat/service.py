"""Chat: start, send, claim, route, transfer, close, rate. Write, commit, then publish."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat import routing
from salon.chat.hours import ChatSettings
from salon.chat.models import OPEN_STATUSES, ChatAgent, Conversation, Message
from salon.chat.schemas import AgentUpdateIn, StartIn
from salon.chat.store import (
    OWNER,
    ack_view,
    append,
    by_client_id,
    hash_token,
    message_view,
    new_reference,
)
from salon.core.bus import EventBus
from salon.core.clock import utcnow
from salon.core.errors import ApiError, not_found
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.db.upsert import insert_ignore
from salon.identity import policy
from salon.identity.models import Associate, AssociateSite
from salon.identity.service import Actor, SiteDirectory, SiteInfo, access_site
from salon.tracking.ingest import ClientInfo, ensure_visit
from salon.tracking.service import check_origin

log = logging.getLogger(__name__)

TOPIC_MESSAGE = "chat.message"
TOPIC_CONVERSATION = "chat.conversation"
TOPIC_TYPING = "chat.typing"


class ChatService:
    def __init__(self, db: Database, bus: EventBus, sites: SiteDirectory) -> None:
        self.db, self.bus, self.sites = db, bus, sites
        self._route_locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        # the visit's live purchase-intent score for analytics; the app wires in the floor's
        self.live_intent: Callable[[str, str], float | None] = lambda _site, _visit: None

    # -- shopper ---------------------------------------------------------------------------
    async def site_for_widget(self, site_key: str, origin: str | None) -> SiteInfo:
        site = await self.sites.by_key(site_key)
        if site is None:
            raise ApiError(404, "unknown_site", "no site has this site key", field="site_key")
        check_origin(site, origin)
        return site

    async def start(
        self, body: StartIn, client: ClientInfo, token: str | None
    ) -> tuple[Conversation, str | None, bool]:
        """A new conversation with its token, or the open one when the caller holds its token."""
        site = await self.site_for_widget(body.site_key, client.origin)
        offline = not ChatSettings.of(site).is_open(utcnow())
        new_token = secrets.token_urlsafe(32)
        created: list[Message] = []
        for _ in range(3):  # a reference collision is retried with a fresh one
            try:
                async with self.db.writer() as session:
                    ref = await ensure_visit(
                        session, site.id, body.visitor_id, body.visit_id, client, utcnow()
                    )
                    existing = await _open_conversation(session, ref.visitor_id)
                    if existing is not None:
                        return self._existing(existing, token)
                    conversation = Conversation(
                        id=new_id(),
                        site_id=site.id,
                        visitor_id=ref.visitor_id,
                        visit_id=ref.visit_id,
                        customer_id=ref.customer_id,
                        reference=new_reference(),
                        status="queued",
                        offline=offline,
                        language=body.language,
                        topic=body.topic,
                        name=body.name or None,
                        email=str(body.email) if body.email else None,
                        token_hash=hash_token(new_token),
                        created_at=utcnow(),
                        intent_at_start=self.live_intent(site.id, ref.visit_id),
                    )
                    session.add(conversation)
                    await session.flush()
                    event = "offline" if offline else "queued"
                    text = (
                        "We are away: leave your message and we will answer it."
                        if offline
                        else "You are in the queue."
                    )
                    created = [
                        await append(
                            session, conversation.id, "system", "system", text, {"event": event}
                        )
                    ]
                    if body.message:
                        created.append(
                            await append(
                                session,
                                conversation.id,
                                "text",
                                "visitor",
                                body.message,
                                author_name=conversation.name,
                                client_id=f"first-{conversation.id}",
                            )
                        )
                break
            except IntegrityError:
                async with self.db.reader() as session:
                    visitor = await _visitor_row_id(session, site.id, body.visitor_id)
                    existing = await _open_conversation(session, visitor) if visitor else None
                if existing is not None:  # a concurrent start won: one open conversation
                    return self._existing(existing, token)
        else:
            raise ApiError(409, "conflict", "could not start the conversation; try again")
        for message in created:
            await self._publish_message(conversation, message)
        await self._publish_conversation(conversation)
        await self.route(site.id)
        async with self.db.reader() as session:
            fresh = await session.get(Conversation, conversation.id)
        assert fresh is not None
        return fresh, new_token, True

    @staticmethod
    def _existing(
        conversation: Conversation, token: str | None
    ) -> tuple[Conversation, str | None, bool]:
        if token and secrets.compare_digest(hash_token(token), conversation.token_hash):
            return conversation, None, False
        raise ApiError(409, "open_conversation", "this visitor already has an open conversation")

    async def for_visitor(self, conversation_id: str, token: str | None) -> Conversation:
        """The one access check for shoppers: a wrong token looks like a missing conversation."""
        if not token or len(token) > 128:
            raise not_found("conversation")
        async with self.db.reader() as session:
            conversation = await session.get(Conversation, conversation_id)
        if conversation is None or not secrets.compare_digest(
            hash_token(token), conversation.token_hash
        ):
            raise not_found("conversation")
        return conversation

    async def visitor_message(
        self, conversation: Conversation, client_id: str, body: str
    ) -> dict[str, Any]:
        return await self._post(
            conversation,
            client_id,
            kind="text",
            sender="visitor",
            body=body,
            data={},
            author_id=None,
            author_name=conversation.name,
        )

    async def rate(self, conversation: Conversation, score: int, comment: str | None) -> None:
        async with self.db.writer() as session:
            done = await session.scalar(
                update(Conversation)
                .where(
                    Conversation.id == conversation.id,
                    Conversation.status == "closed",
                    Conversation.rating.is_(None),
                )
                .values(rating=score, rating_comment=comment or None)
                .returning(Conversation.id)
            )
        if done is None:
            raise ApiError(409, "cannot_rate", "a conversation can be rated once, after it closes")
        await self._publish_conversation(await self.get(conversation.id))

    # -- associates --------------------------------------------------------------------------
    async def for_associate(self, actor: Actor, site_id: str, conversation_id: str) -> Conversation:
        access_site(actor, site_id)
        async with self.db.reader() as session:
            conversation = await session.get(Conversation, conversation_id)
        if conversation is None or conversation.site_id != site_id:
            raise not_found("conversation")
        return conversation

    async def associate_message(
        self,
        actor: Actor,
        conversation: Conversation,
        client_id: str,
        kind: str,
        body: str,
        data: dict[str, Any],
    ) -> dict[str, Any]:
        if conversation.associate_id != actor.associate_id and not policy.allows(
            actor, "chat.reply_any"
        ):
            raise ApiError(403, "not_yours", "claim this conversation before writing in it")
        return await self._post(
            conversation,
            client_id,
            kind=kind,
            sender="associate",
            body=body,
            data=data,
            author_id=actor.associate_id,
            author_name=actor.name,
        )

    async def claim(self, actor: Actor, conversation: Conversation) -> Conversation:
        async with self.db.writer() as session:
            joined = await routing.assign(session, conversation.id, actor.associate_id, actor.name)
        if joined is None:
            raise ApiError(409, "already_taken", "another associate has taken this conversation")
        fresh = await self.get(conversation.id)
        await self._publish_message(fresh, joined)
        await self._publish_conversation(fresh)
        return fresh

    async def transfer(self, actor: Actor, conversation: Conversation, to: str) -> Conversation:
        async with self.db.writer() as session:
            target = await session.scalar(
                select(Associate)
                .join(AssociateSite, AssociateSite.associate_id == Associate.id)
                .where(
                    Associate.id == to,
                    AssociateSite.site_id == conversation.site_id,
                    Associate.active.is_(True),
                )
            )
            if target is None:
                raise not_found("associate")
            stmt = update(Conversation).where(
                Conversation.id == conversation.id, Conversation.status == "active"
            )
            if not policy.allows(actor, "chat.reply_any"):
                stmt = stmt.where(Conversation.associate_id == actor.associate_id)
            moved = await session.scalar(
                stmt.values(associate_id=target.id, assigned_at=utcnow()).returning(Conversation.id)
            )
            if moved is None:
                raise ApiError(409, "cannot_transfer", "only an active chat of yours can move")
            note = await append(
                session,
                conversation.id,
                "system",
                "system",
                f"{actor.name} transferred the conversation to {target.name}",
                {"event": "transferred", "from": actor.name, "to": target.name},
            )
        fresh = await self.get(conversation.id)
        await self._publish_message(fresh, note)
        await self._publish_conversation(fresh, also=conversation.associate_id)
        return fresh

    async def close(self, conversation: Conversation, by: str, name: str | None) -> Conversation:
        async with self.db.writer() as session:
            try:
                note = await append(
                    session,
                    conversation.id,
                    "system",
                    "system",
                    f"{name or 'The shopper'} ended the conversation",
                    {"event": "closed", "by": by},
                )
            except ApiError:
                return await self.get(conversation.id)  # closing twice is not an error
            await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation.id)
                .values(status="closed", closed_at=utcnow(), closed_by=by)
            )
        fresh = await self.get(conversation.id)
        await self._publish_message(fresh, note)
        await self._publish_conversation(fresh)
        await self.route(fresh.site_id)
        return fresh

    async def agent(self, actor: Actor) -> ChatAgent:
        async with self.db.writer() as session:
            return await _agent_row(session, actor.associate_id)

    async def update_agent(self, actor: Actor, update_in: AgentUpdateIn) -> ChatAgent:
        async with self.db.writer() as session:
            row = await _agent_row(session, actor.associate_id)
            if update_in.availability is not None:
                row.availability = update_in.availability
            if update_in.max_chats is not None:
                row.max_chats = update_in.max_chats
            row.last_seen_at = utcnow()
        for site_id in actor.site_ids:
            await self.bus.publish(TOPIC_CONVERSATION, {"site_id": site_id, "queue_only": True})
            await self.route(site_id)
        return row

    async def touch_agent(self, associate_id: str) -> None:
        """The console is open: the associate counts as present for routing."""
        async with self.db.writer() as session:
            row = await _agent_row(session, associate_id)
            row.last_seen_at = utcnow()

    # -- routing -----------------------------------------------------------------------------
    async def route(self, site_id: str) -> int:
        """Give queued chats to available associates; safe to call anytime, from any node."""
        assigned = 0
        async with self._route_locks[site_id]:
            async with self.db.reader() as session:
                team = await routing.agents(session, site_id)
                queued = (
                    await session.scalars(
                        select(Conversation)
                        .where(Conversation.site_id == site_id, Conversation.status == "queued")
                        .order_by(Conversation.created_at, Conversation.id)
                        .limit(50)
                    )
                ).all()
                previous = {c.id: await routing.previous_associate(session, c) for c in queued}
            for conversation in queued:
                agent = routing.pick(conversation, team, previous[conversation.id])
                if agent is None:
                    continue
                async with self.db.writer() as session:
                    joined = await routing.assign(
                        session, conversation.id, agent.associate_id, agent.name
                    )
                if joined is None:
                    continue
                team = [
                    routing.Agent(**{**a.__dict__, "active": a.active + 1})
                    if a.associate_id == agent.associate_id
                    else a
                    for a in team
                ]
                fresh = await self.get(conversation.id)
                await self._publish_message(fresh, joined)
                await self._publish_conversation(fresh)
                assigned += 1
        return assigned

    # -- reads -------------------------------------------------------------------------------
    async def get(self, conversation_id: str) -> Conversation:
        async with self.db.reader() as session:
            conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise not_found("conversation")
        return conversation

    async def messages(
        self, conversation_id: str, after: int, internal: bool, limit: int = 1000
    ) -> list[dict[str, Any]]:
        query = select(Message).where(
            Message.conversation_id == conversation_id, Message.seq > after
        )
        if not internal:
            query = query.where(Message.kind != "note")
        async with self.db.reader() as session:
            rows = (await session.scalars(query.order_by(Message.seq).limit(limit))).all()
        return [message_view(m) for m in rows]

    # -- internals ---------------------------------------------------------------------------
    async def _post(
        self,
        conversation: Conversation,
        client_id: str,
        *,
        kind: str,
        sender: str,
        body: str,
        data: dict[str, Any],
        author_id: str | None,
        author_name: str | None,
    ) -> dict[str, Any]:
        """Idempotent by client id: a retry, in any order, returns the first answer."""
        owner: str | None = None
        try:
            async with self.db.writer() as session:
                known = await by_client_id(session, conversation.id, client_id)
                if known is None:
                    message = await append(
                        session,
                        conversation.id,
                        kind,
                        sender,
                        body,
                        data,
                        author_id,
                        author_name,
                        client_id,
                    )
                    owner = session.info.get(OWNER)
        except IntegrityError:  # the same client id committed concurrently (PostgreSQL)
            async with self.db.reader() as session:
                known = await by_client_id(session, conversation.id, client_id)
            if known is None:
                raise
        if known is not None:
            return ack_view(known)
        await self._publish_message(conversation, message, owner)
        return ack_view(message)

    async def _publish_message(
        self, conversation: Conversation, message: Message, owner: str | None = None
    ) -> None:
        """`owner`: the associate holding the chat at commit (the object may be older)."""
        await self.bus.publish(
            TOPIC_MESSAGE,
            {
                "site_id": conversation.site_id,
                "conversation_id": conversation.id,
                "associate_id": owner or conversation.associate_id,
                "visit_id": conversation.visit_id,
                "internal": message.kind == "note",
                "message": message_view(message),
            },
        )

    async def _publish_conversation(
        self, conversation: Conversation, also: str | None = None
    ) -> None:
        """`also`: an associate who must hear of it too (the one a transfer took it from)."""
        await self.bus.publish(
            TOPIC_CONVERSATION,
            {
                "site_id": conversation.site_id,
                "conversation_id": conversation.id,
                "visit_id": conversation.visit_id,
                "status": conversation.status,
                "associate_id": conversation.associate_id,
                "previous_associate_id": also,
            },
        )


async def open_chats_by_visit(db: Database, visit_ids: list[str]) -> dict[str, str]:
    """visit id → "queued" or "active", for the floor's speech bubbles after a restart."""
    if not visit_ids:
        return {}
    async with db.reader() as session:
        rows = await session.execute(
            select(Conversation.visit_id, Conversation.status).where(
                Conversation.visit_id.in_(visit_ids), Conversation.status.in_(OPEN_STATUSES)
            )
        )
        return {visit_id: status for visit_id, status in rows.all() if visit_id}


async def _open_conversation(session: AsyncSession, visitor_id: str) -> Conversation | None:
    found: Conversation | None = await session.scalar(
        select(Conversation).where(
            Conversation.visitor_id == visitor_id, Conversation.status.in_(OPEN_STATUSES)
        )
    )
    return found


async def _visitor_row_id(session: AsyncSession, site_id: str, visitor_key: str) -> str | None:
    from salon.tracking.models import Visitor

    found: str | None = await session.scalar(
        select(Visitor.id).where(Visitor.site_id == site_id, Visitor.visitor_key == visitor_key)
    )
    return found


async def _agent_row(session: AsyncSession, associate_id: str) -> ChatAgent:
    """The associate's chat status row, created (race-free) on first use."""
    await session.execute(
        insert_ignore(session, ChatAgent, ["associate_id"]).values(
            associate_id=associate_id, availability="away", max_chats=3, skills=[], languages=[]
        )
    )
    row = await session.get(ChatAgent, associate_id, populate_existing=True)
    assert row is not None
    return row
