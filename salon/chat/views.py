"""What the shopper and the console see of a conversation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.models import Conversation, Message
from salon.chat.routing import QueueState, queue_state
from salon.chat.store import iso
from salon.core.clock import as_utc, utcnow
from salon.identity.models import Associate


async def associate_names(session: AsyncSession, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Associate.id, Associate.name).where(Associate.id.in_(ids)))
    return {i: n for i, n in rows.all()}


def visitor_view(
    conversation: Conversation, names: dict[str, str], queue: QueueState | None
) -> dict[str, Any]:
    position = (
        queue.position(conversation.id) if queue and conversation.status == "queued" else None
    )
    return {
        "id": conversation.id,
        "reference": conversation.reference,
        "status": conversation.status,
        "offline": conversation.offline,
        "associate": {"name": names[conversation.associate_id]}
        if conversation.associate_id in names
        else None,
        "queue": {"position": position, "eta_seconds": queue.eta_seconds(position)}
        if queue and position
        else None,
        "last_seq": conversation.last_seq,
        "rating": conversation.rating,
        "name": conversation.name,
        "email": conversation.email,
    }


async def visitor_view_of(session: AsyncSession, conversation: Conversation) -> dict[str, Any]:
    queue = await queue_state(session, conversation.site_id)
    ids = {conversation.associate_id} if conversation.associate_id else set()
    return visitor_view(conversation, await associate_names(session, ids), queue)


async def console_views(
    session: AsyncSession, conversations: list[Conversation]
) -> list[dict[str, Any]]:
    ids = {c.associate_id for c in conversations if c.associate_id}
    names = await associate_names(session, ids)
    last: dict[str, str] = {}
    if conversations:
        rows = await session.execute(
            select(Message.conversation_id, Message.body, Message.seq)
            .where(
                Message.conversation_id.in_([c.id for c in conversations]), Message.kind == "text"
            )
            .order_by(Message.seq)
        )
        for conversation_id, body, _ in rows.all():
            last[conversation_id] = body[:200]
    now = utcnow()
    return [
        {
            "id": c.id,
            "reference": c.reference,
            "status": c.status,
            "offline": c.offline,
            "visit_id": c.visit_id,
            "visitor_label": c.name or f"Visitor {c.visitor_id[:4]}",
            "name": c.name,
            "email": c.email,
            "associate": {"id": c.associate_id, "name": names.get(c.associate_id, "")}
            if c.associate_id
            else None,
            "created_at": iso(c.created_at),
            "assigned_at": iso(c.assigned_at),
            "closed_at": iso(c.closed_at),
            "last_seq": c.last_seq,
            "waiting_seconds": int(
                (
                    (as_utc(c.assigned_at) if c.assigned_at else now) - as_utc(c.created_at)
                ).total_seconds()
            ),
            "rating": c.rating,
            "rating_comment": c.rating_comment,
            "last_message": last.get(c.id),
        }
        for c in conversations
    ]


async def site_conversations(
    session: AsyncSession,
    site_id: str,
    scope: str,
    associate_id: str | None = None,
    limit: int = 200,
) -> list[Conversation]:
    query = select(Conversation).where(Conversation.site_id == site_id)
    if scope == "queue":
        query = query.where(Conversation.status == "queued").order_by(Conversation.created_at)
    elif scope == "mine":
        query = query.where(
            Conversation.status == "active", Conversation.associate_id == associate_id
        )
        query = query.order_by(Conversation.assigned_at)
    elif scope == "open":
        query = query.where(Conversation.status != "closed").order_by(Conversation.created_at)
    else:
        query = query.where(Conversation.status == "closed")
        query = query.order_by(Conversation.closed_at.desc())
    return list((await session.scalars(query.limit(limit))).all())
