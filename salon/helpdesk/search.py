"""Search over the site's help-desk threads and knowledge snippets.

Case-insensitive substring match, every word required (ANDed), on both databases (`lower(..)
LIKE` with the wildcards of the words escaped); title hits rank first, snippets before threads
on a tie, then the newest. Bounded: 200 characters, 8 words, 50 rows of each kind.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.store import iso
from salon.core.clock import as_utc
from salon.core.errors import ApiError
from salon.helpdesk.models import ExpertGroup, HelpMessage, HelpThread, KnowledgeSnippet

MAX_QUERY = 200
MAX_WORDS = 8
PER_KIND = 50


def words(query: str) -> list[str]:
    if len(query) > MAX_QUERY:
        raise ApiError(422, "invalid", f"q: at most {MAX_QUERY} characters", "q")
    return list(dict.fromkeys(w.lower() for w in query.split()))[:MAX_WORDS]


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column: Any, word: str) -> ColumnElement[bool]:
    return func.lower(column).like(f"%{_escaped(word)}%", escape="\\")


def _hits(text: str, found: list[str]) -> int:
    lowered = text.lower()
    return sum(1 for w in found if w in lowered)


async def search(session: AsyncSession, site_id: str, query: str) -> list[dict[str, Any]]:
    found = words(query)
    if not found:
        return []
    snippets = (
        await session.scalars(
            select(KnowledgeSnippet)
            .where(
                KnowledgeSnippet.site_id == site_id,
                and_(
                    *(
                        or_(
                            _contains(KnowledgeSnippet.title, w),
                            _contains(KnowledgeSnippet.body, w),
                        )
                        for w in found
                    )
                ),
            )
            .order_by(KnowledgeSnippet.updated_at.desc())
            .limit(PER_KIND)
        )
    ).all()
    in_messages = [
        exists().where(HelpMessage.thread_id == HelpThread.id, _contains(HelpMessage.body, w))
        for w in found
    ]
    threads = (
        await session.execute(
            select(HelpThread, ExpertGroup.name)
            .join(ExpertGroup, ExpertGroup.id == HelpThread.group_id)
            .where(
                HelpThread.site_id == site_id,
                and_(
                    *(
                        or_(_contains(HelpThread.question, w), in_message)
                        for w, in_message in zip(found, in_messages, strict=True)
                    )
                ),
            )
            .order_by(HelpThread.created_at.desc())
            .limit(PER_KIND)
        )
    ).all()
    answers: dict[str, str] = {}
    if threads:
        rows = await session.execute(
            select(HelpMessage.thread_id, HelpMessage.body)
            .where(
                HelpMessage.thread_id.in_([t.id for t, _ in threads]),
                HelpMessage.kind == "answer",
            )
            .order_by(HelpMessage.created_at, HelpMessage.id)
        )
        for thread_id, body in rows.all():
            answers[thread_id] = body  # the latest answer wins
    results: list[tuple[tuple[int, int, float], dict[str, Any]]] = []
    for s in snippets:
        rank = (_hits(s.title, found), 1, as_utc(s.updated_at).timestamp())
        results.append(
            (
                rank,
                {
                    "kind": "snippet",
                    "id": s.id,
                    "title": s.title,
                    "body": s.body,
                    "thread_id": s.thread_id,
                    "canned_reply_id": s.canned_reply_id,
                    "updated_at": iso(s.updated_at),
                },
            )
        )
    for t, group in threads:
        rank = (_hits(t.question, found), 0, as_utc(t.updated_at).timestamp())
        results.append(
            (
                rank,
                {
                    "kind": "thread",
                    "id": t.id,
                    "title": t.question[:200],
                    "body": answers.get(t.id, ""),
                    "status": t.status,
                    "group": group,
                    "asker": t.asker_name,
                    "updated_at": iso(t.updated_at),
                },
            )
        )
    results.sort(key=lambda pair: pair[0], reverse=True)
    return [view for _, view in results]
