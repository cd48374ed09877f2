"""Knowledge snippets: an answered thread kept as a title and a text, searchable, and a canned
reply (the chat's Replies tool lists it) for as long as the snippet exists."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.models import CannedReply
from salon.chat.store import iso
from salon.core.clock import utcnow
from salon.core.errors import ApiError
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.helpdesk.models import KnowledgeSnippet
from salon.helpdesk.schemas import SnippetFromThreadIn, SnippetIn
from salon.helpdesk.service import access_thread, can_answer
from salon.identity import policy
from salon.identity.service import Actor, access_site


def snippet_view(snippet: KnowledgeSnippet) -> dict[str, Any]:
    return {
        "id": snippet.id,
        "title": snippet.title,
        "body": snippet.body,
        "thread_id": snippet.thread_id,
        "canned_reply_id": snippet.canned_reply_id,
        "created_by": snippet.created_by,
        "created_at": iso(snippet.created_at),
        "updated_at": iso(snippet.updated_at),
    }


async def list_snippets(session: AsyncSession, site_id: str) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(KnowledgeSnippet)
        .where(KnowledgeSnippet.site_id == site_id)
        .order_by(KnowledgeSnippet.title)
    )
    return [snippet_view(s) for s in rows.all()]


async def save_snippet(
    db: Database, actor: Actor, site_id: str, data: SnippetFromThreadIn
) -> dict[str, Any]:
    """An answered thread becomes a snippet, and a canned reply every associate can insert."""
    now = utcnow()
    async with db.writer() as session:
        try:
            thread = await access_thread(session, actor, site_id, data.thread_id)
        except ApiError as exc:
            raise ApiError(404, "not_found", "thread not found", "thread_id") from exc
        if thread.answered_at is None:
            raise ApiError(
                409, "not_answered", "thread_id: nobody has answered it yet", "thread_id"
            )
        if thread.asked_by != actor.associate_id and not await can_answer(session, actor, thread):
            raise ApiError(403, "forbidden", "only the asker, the experts or a supervisor can")
        canned = CannedReply(
            id=new_id(), site_id=site_id, title=data.title, body=data.body, created_at=now
        )
        session.add(canned)
        await session.flush()
        snippet = KnowledgeSnippet(
            id=new_id(),
            site_id=site_id,
            thread_id=thread.id,
            canned_reply_id=canned.id,
            title=data.title,
            body=data.body,
            created_by=actor.associate_id,
            created_at=now,
            updated_at=now,
        )
        session.add(snippet)
        await session.flush()
        return snippet_view(snippet)


async def _own_snippet(
    session: AsyncSession, actor: Actor, site_id: str, snippet_id: str
) -> KnowledgeSnippet:
    access_site(actor, site_id)
    snippet = await session.get(KnowledgeSnippet, snippet_id)
    if snippet is None or snippet.site_id != site_id:
        raise ApiError(404, "not_found", "snippet not found")
    if snippet.created_by != actor.associate_id and not policy.allows(
        actor, "helpdesk.snippets.edit_any"
    ):
        raise ApiError(403, "forbidden", "only its author or a supervisor changes a snippet")
    return snippet


async def update_snippet(
    db: Database, actor: Actor, site_id: str, snippet_id: str, data: SnippetIn
) -> dict[str, Any]:
    async with db.writer() as session:
        snippet = await _own_snippet(session, actor, site_id, snippet_id)
        snippet.title, snippet.body, snippet.updated_at = data.title, data.body, utcnow()
        canned = await session.get(CannedReply, snippet.canned_reply_id or "")
        if canned is None:
            canned = CannedReply(id=new_id(), site_id=site_id, title="", body="")
            session.add(canned)
            snippet.canned_reply_id = canned.id
        canned.title, canned.body = data.title, data.body
        await session.flush()
        return snippet_view(snippet)


async def delete_snippet(db: Database, actor: Actor, site_id: str, snippet_id: str) -> None:
    """The canned reply made from it goes too."""
    async with db.writer() as session:
        snippet = await _own_snippet(session, actor, site_id, snippet_id)
        if snippet.canned_reply_id:
            await session.execute(
                delete(CannedReply).where(CannedReply.id == snippet.canned_reply_id)
            )
        await session.delete(snippet)
