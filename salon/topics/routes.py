"""Recurring questions over HTTP: topics with weekly counts and trend, and one topic's questions.

Everyone on the site reads them; the text is the shoppers' and associates' own (rendered inert).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from salon.core.clock import utcnow
from salon.core.errors import ApiError
from salon.identity.service import Actor, access_site
from salon.topics import service
from salon.web.services import current_actor, services

router = APIRouter(tags=["topics"])
DEFAULT_DAYS = 56  # eight weeks
MAX_DAYS = 366
MAX_TOPICS = 100


def _range(start: date | None, end: date | None) -> tuple[datetime, datetime]:
    end = end or utcnow().date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ApiError(422, "invalid", "from: after to", field="from")
    if (end - start).days >= MAX_DAYS:
        raise ApiError(422, "invalid", f"from: the range is at most {MAX_DAYS} days", field="from")
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC)
    return begin, datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)


def _links(conversations: list[str], threads: list[str]) -> list[dict[str, str]]:
    return [
        {"kind": "conversation", "id": c, "href": f"/console#chats/{c}"} for c in conversations
    ] + [{"kind": "thread", "id": t, "href": f"/console#helpdesk/{t}"} for t in threads]


@router.get("/api/sites/{site_id}/topics")
async def list_topics(
    site_id: str,
    request: Request,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_TOPICS)] = 30,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """The busiest topics of the range: label, examples, counts per ISO week, trend, links."""
    access_site(actor, site_id)
    begin, finish = _range(start, end)
    async with services(request).db.reader() as session:
        weekly = (await service.topic_weeks(session, site_id, begin, finish))[:limit]
        details = await service.topic_details(
            session, site_id, [t["topic_id"] for t in weekly], begin, finish
        )
    topics = []
    for item in weekly:
        detail = details[item["topic_id"]]
        topics.append(
            {
                "id": item["topic_id"],
                "label": item["label"],
                "total": item["total"],
                "weeks": item["weeks"],
                "trend": item["trend"],
                "examples": detail["examples"],
                "links": _links(detail["conversations"], detail["threads"]),
            }
        )
    return {
        "from": begin.date().isoformat(),
        "to": (finish - timedelta(days=1)).date().isoformat(),
        "topics": topics,
    }


@router.get("/api/sites/{site_id}/topics/{topic_id}")
async def topic_detail(
    site_id: str,
    topic_id: str,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """One topic and its latest questions, each with the chat or help-desk thread it came from."""
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        topic = await service.get_topic(session, site_id, topic_id)
        if topic is None:
            raise ApiError(404, "not_found", "topic not found")
        questions = await service.topic_questions(session, topic.id, limit)
    rows = []
    for row in questions:
        view = service.question_view(row)
        view["links"] = _links(
            [row.conversation_id] if row.conversation_id else [],
            [row.thread_id] if row.thread_id else [],
        )
        rows.append(view)
    return {"topic": service.topic_view(topic), "questions": rows}
