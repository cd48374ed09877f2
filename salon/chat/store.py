"""Low-level writes shared by the chat services: the totally ordered append, and views."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.models import OPEN_STATUSES, Conversation, Message
from salon.core.clock import as_utc, utcnow
from salon.core.errors import ApiError
from salon.core.ids import new_id

OWNER = "chat_owner"
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def new_reference() -> str:
    return "SAL-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def append(
    session: AsyncSession,
    conversation_id: str,
    kind: str,
    sender: str,
    body: str,
    data: dict[str, Any] | None = None,
    author_id: str | None = None,
    author_name: str | None = None,
    client_id: str | None = None,
    allow_closed: bool = False,
) -> Message:
    """Give the message the conversation's next sequence number and store it.

    The increment is one conditional UPDATE … RETURNING on the conversation row, so concurrent
    senders serialise on that row (PostgreSQL) or the writer lock (SQLite): no two messages
    share a number and none is skipped.
    """
    stmt = update(Conversation).where(Conversation.id == conversation_id)
    if not allow_closed:
        stmt = stmt.where(Conversation.status.in_(OPEN_STATUSES))
    row = (
        await session.execute(
            stmt.values(last_seq=Conversation.last_seq + 1).returning(
                Conversation.last_seq, Conversation.associate_id
            )
        )
    ).first()
    if row is None:
        raise ApiError(409, "conversation_closed", "this conversation is closed")
    seq = row.last_seq
    session.info[OWNER] = row.associate_id  # who holds the chat as of this message
    message = Message(
        id=new_id(),
        conversation_id=conversation_id,
        seq=seq,
        kind=kind,
        sender=sender,
        author_id=author_id,
        author_name=author_name,
        body=body,
        data=data or {},
        client_id=client_id,
        created_at=utcnow(),
    )
    session.add(message)
    await session.flush()
    return message


async def by_client_id(
    session: AsyncSession, conversation_id: str, client_id: str
) -> Message | None:
    found: Message | None = await session.scalar(
        select(Message).where(
            Message.conversation_id == conversation_id, Message.client_id == client_id
        )
    )
    return found


def message_view(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "seq": message.seq,
        "conversation_id": message.conversation_id,
        "kind": message.kind,
        "sender": message.sender,
        "author": message.author_name,
        "body": message.body,
        "data": message.data,
        "client_id": message.client_id,
        "created_at": as_utc(message.created_at).isoformat(),
    }


def ack_view(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "seq": message.seq,
        "created_at": as_utc(message.created_at).isoformat(),
    }


def iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value else None
