"""Topics: questions assigned as they arrive, and the weekly counts other domains chart.

Other domains read topics only through these functions (analytics calls `topic_weeks`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.clock import as_utc, utcnow
from salon.core.ids import new_id
from salon.topics.embedding import Vectors
from salon.topics.grouping import JOIN_SIMILARITY, OnlineGrouper, most_central
from salon.topics.models import Topic, TopicQuestion

QUESTION_WORDS = frozenset(
    {
        "what",
        "when",
        "where",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "is",
        "are",
        "am",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "have",
        "has",
        "had",
        "any",
        "anything",
    }
)
MAX_TEXT = 1000
LABEL_SAMPLE = 300  # members read to choose the label: the most recent ones


@dataclass(frozen=True)
class Question:
    site_id: str
    source: str  # chat | helpdesk
    source_id: str
    text: str
    asked_at: datetime
    conversation_id: str | None = None
    thread_id: str | None = None


def looks_like_question(text: str) -> bool:
    """A shopper's chat line worth grouping: a question or a request, not "ok thanks"."""
    words = text.split()
    if not words:
        return False
    if "?" in text or len(words) >= 4:
        return True
    return words[0].lower().strip(",.!:;") in QUESTION_WORDS


def _vector(raw: bytes, dtype: type[np.floating[Any]]) -> np.ndarray[Any, Any]:
    return np.frombuffer(raw, dtype=dtype)


async def record_questions(
    session: AsyncSession, embedder: str, questions: list[Question], vectors: Vectors
) -> list[TopicQuestion]:
    """Assign each question to its site's nearest topic, or start a topic; idempotent per source."""
    by_site: dict[str, list[int]] = defaultdict(list)
    for index, question in enumerate(questions):
        by_site[question.site_id].append(index)
    stored: list[TopicQuestion] = []
    for site_id, indexes in by_site.items():
        stored += await _record_site(session, embedder, site_id, questions, vectors, indexes)
    return stored


async def _record_site(
    session: AsyncSession,
    embedder: str,
    site_id: str,
    questions: list[Question],
    vectors: Vectors,
    indexes: list[int],
) -> list[TopicQuestion]:
    existing = await session.execute(
        select(TopicQuestion.source, TopicQuestion.source_id).where(
            TopicQuestion.site_id == site_id,
            TopicQuestion.source_id.in_([questions[i].source_id for i in indexes]),
        )
    )
    seen = {(str(source), str(source_id)) for source, source_id in existing}
    topics = list(
        (
            await session.scalars(
                select(Topic)
                .where(Topic.site_id == site_id, Topic.embedder == embedder)
                .order_by(Topic.created_at, Topic.id)
            )
        ).all()
    )
    grouper = OnlineGrouper(JOIN_SIMILARITY[embedder], vectors.shape[1])
    for topic in topics:
        grouper.add_topic(_vector(topic.centroid_sum, np.float64).copy(), topic.size)
    changed: set[int] = set()
    stored = []
    for i in indexes:
        question = questions[i]
        key = (question.source, question.source_id)
        if key in seen:
            continue
        seen.add(key)
        vector = vectors[i]
        slot, similarity, fresh = grouper.assign(vector)
        text = question.text.strip()[:MAX_TEXT]
        if fresh:
            topics.append(
                Topic(
                    id=new_id(),
                    site_id=site_id,
                    embedder=embedder,
                    label=text,
                    centroid_sum=b"",
                    size=0,
                    created_at=question.asked_at,
                    last_asked_at=question.asked_at,
                )
            )
            session.add(topics[slot])
        topic = topics[slot]
        topic.last_asked_at = max(as_utc(topic.last_asked_at), as_utc(question.asked_at))
        changed.add(slot)
        row = TopicQuestion(
            id=new_id(),
            site_id=site_id,
            topic_id=topic.id,
            source=question.source,
            source_id=question.source_id,
            conversation_id=question.conversation_id,
            thread_id=question.thread_id,
            text=text,
            vector=np.asarray(vector, dtype=np.float32).tobytes(),
            similarity=similarity,
            asked_at=question.asked_at,
        )
        session.add(row)
        stored.append(row)
    for slot in changed:
        topics[slot].centroid_sum = grouper.sums[slot].tobytes()
        topics[slot].size = grouper.counts[slot]
    await session.flush()
    for slot in changed:
        await _relabel(session, topics[slot], grouper.centroids[slot])
    return stored


async def _relabel(session: AsyncSession, topic: Topic, centroid: Vectors) -> None:
    """The label is the member question nearest the centroid (among the recent ones)."""
    members = (
        await session.execute(
            select(TopicQuestion.text, TopicQuestion.vector)
            .where(TopicQuestion.topic_id == topic.id)
            .order_by(TopicQuestion.asked_at.desc())
            .limit(LABEL_SAMPLE)
        )
    ).all()
    if not members:
        return
    matrix = np.vstack([_vector(raw, np.float32) for _text, raw in members])
    topic.label = members[most_central(matrix, centroid)][0]


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_starts(start: datetime, end: datetime) -> list[date]:
    """Mondays of every ISO week touched by [start, end)."""
    if end <= start:
        return []
    first = as_utc(start).date()
    last = (as_utc(end) - timedelta(microseconds=1)).date()
    monday = first - timedelta(days=first.weekday())
    out = []
    while monday <= last:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def _total(item: dict[str, Any]) -> int:
    return int(item["total"])


def trend(counts: list[int]) -> float:
    """Least-squares slope of the weekly counts: questions per week gained (or lost) each week."""
    if len(counts) < 2:
        return 0.0
    x = np.arange(len(counts), dtype=float)
    slope = np.polyfit(x, np.asarray(counts, dtype=float), 1)[0]
    return round(float(slope), 3)


async def topic_weeks(
    session: AsyncSession, site_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per topic with questions in [start, end): label, total, counts per ISO week, trend.

    Every week of the range is listed (zero when quiet); the busiest topics first."""
    weeks = [iso_week(monday) for monday in week_starts(start, end)]
    if not weeks:
        return []
    rows = (
        await session.execute(
            select(TopicQuestion.topic_id, TopicQuestion.asked_at).where(
                TopicQuestion.site_id == site_id,
                TopicQuestion.asked_at >= start,
                TopicQuestion.asked_at < end,
            )
        )
    ).all()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(weeks, 0))
    for topic_id, asked_at in rows:
        week = iso_week(as_utc(asked_at).date())
        if week in counts[topic_id]:
            counts[topic_id][week] += 1
    if not counts:
        return []
    found = await session.execute(select(Topic.id, Topic.label).where(Topic.id.in_(list(counts))))
    labels = {str(topic_id): str(label) for topic_id, label in found}
    out = []
    for topic_id, per_week in counts.items():
        series = [per_week[w] for w in weeks]
        out.append(
            {
                "topic_id": topic_id,
                "label": labels.get(topic_id, ""),
                "total": sum(series),
                "weeks": [{"week": w, "count": c} for w, c in zip(weeks, series, strict=True)],
                "trend": trend(series),
            }
        )
    out.sort(key=lambda t: (-_total(t), str(t["label"])))
    return out


async def topic_details(
    session: AsyncSession, site_id: str, topic_ids: list[str], start: datetime, end: datetime
) -> dict[str, dict[str, Any]]:
    """Examples (distinct, most recent first) and links to the chats and threads, per topic."""
    rows = (
        await session.execute(
            select(
                TopicQuestion.topic_id,
                TopicQuestion.text,
                TopicQuestion.conversation_id,
                TopicQuestion.thread_id,
            )
            .where(
                TopicQuestion.site_id == site_id,
                TopicQuestion.topic_id.in_(topic_ids),
                TopicQuestion.asked_at >= start,
                TopicQuestion.asked_at < end,
            )
            .order_by(TopicQuestion.asked_at.desc())
        )
    ).all()
    out: dict[str, dict[str, Any]] = {
        t: {"examples": [], "conversations": [], "threads": []} for t in topic_ids
    }
    for topic_id, text, conversation_id, thread_id in rows:
        detail = out[topic_id]
        if text not in detail["examples"] and len(detail["examples"]) < 3:
            detail["examples"].append(text)
        conversations = detail["conversations"]
        if conversation_id and conversation_id not in conversations and len(conversations) < 10:
            conversations.append(conversation_id)
        if thread_id and thread_id not in detail["threads"] and len(detail["threads"]) < 10:
            detail["threads"].append(thread_id)
    return out


async def get_topic(session: AsyncSession, site_id: str, topic_id: str) -> Topic | None:
    topic = await session.get(Topic, topic_id)
    return topic if topic is not None and topic.site_id == site_id else None


async def topic_questions(
    session: AsyncSession, topic_id: str, limit: int = 200
) -> list[TopicQuestion]:
    return list(
        (
            await session.scalars(
                select(TopicQuestion)
                .where(TopicQuestion.topic_id == topic_id)
                .order_by(TopicQuestion.asked_at.desc(), TopicQuestion.id)
                .limit(limit)
            )
        ).all()
    )


def question_view(row: TopicQuestion) -> dict[str, Any]:
    return {
        "id": row.id,
        "text": row.text,
        "source": row.source,
        "conversation_id": row.conversation_id,
        "thread_id": row.thread_id,
        "similarity": round(row.similarity, 3),
        "asked_at": as_utc(row.asked_at).isoformat(),
    }


def topic_view(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.id,
        "label": topic.label,
        "size": topic.size,
        "embedder": topic.embedder,
        "created_at": as_utc(topic.created_at).isoformat(),
        "last_asked_at": as_utc(topic.last_asked_at).isoformat(),
    }


def epoch_to_datetime(seconds: float | int | None) -> datetime:
    return datetime.fromtimestamp(float(seconds), UTC) if seconds else utcnow()
