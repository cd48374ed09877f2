"""What erasure and retention share: forgetting chat questions in topics, and transcript files."""

from __future__ import annotations

import logging
from collections import defaultdict
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.transcript import REFERENCE_HEADER
from salon.helpdesk.models import HelpThread
from salon.topics.models import Topic, TopicQuestion

log = logging.getLogger(__name__)


async def forget_conversations_elsewhere(session: AsyncSession, conversation_ids: list[str]) -> int:
    """Before conversations go: their shoppers' questions leave the topics (size, centroid and
    label follow, an emptied topic goes), and help-desk threads lose the link and the shopper's
    context. Returns how many topic questions were deleted."""
    if not conversation_ids:
        return 0
    questions = (
        await session.execute(
            select(TopicQuestion.id, TopicQuestion.topic_id, TopicQuestion.vector).where(
                TopicQuestion.conversation_id.in_(conversation_ids)
            )
        )
    ).all()
    by_topic: dict[str, list[bytes]] = defaultdict(list)
    for _id, topic_id, vector in questions:
        by_topic[str(topic_id)].append(bytes(vector))
    if questions:
        await session.execute(
            delete(TopicQuestion).where(TopicQuestion.id.in_([q[0] for q in questions]))
        )
    for topic_id, vectors in by_topic.items():
        await _shrink_topic(session, topic_id, vectors)
    await session.execute(
        update(HelpThread)
        .where(HelpThread.conversation_id.in_(conversation_ids))
        .values(conversation_id=None, context={})
    )
    return len(questions)


async def _shrink_topic(session: AsyncSession, topic_id: str, vectors: list[bytes]) -> None:
    topic = await session.get(Topic, topic_id)
    if topic is None:
        return
    remaining = (
        await session.execute(
            select(TopicQuestion.text)
            .where(TopicQuestion.topic_id == topic_id)
            .order_by(TopicQuestion.asked_at.desc())
            .limit(1)
        )
    ).scalar()
    if remaining is None:
        await session.delete(topic)
        return
    total = np.frombuffer(topic.centroid_sum, dtype=np.float64).copy()
    for raw in vectors:
        member = np.frombuffer(raw, dtype=np.float32).astype(np.float64)
        if member.shape == total.shape:
            total -= member
    topic.centroid_sum = total.tobytes()
    topic.size = max(0, topic.size - len(vectors))
    # the label is a member's words: it may have been one of the forgotten questions
    topic.label = str(remaining)


def delete_transcripts(outbox: Path | None, references: list[str]) -> int:
    """Transcript e-mails written to the outbox folder (no SMTP configured) for these chat
    references: found by the reference in the file name, confirmed by the reference header."""
    if outbox is None or not references or not outbox.is_dir():
        return 0
    wanted = set(references)
    removed = 0
    for path in outbox.glob("*.eml"):
        parts = path.name.split("-")
        # {stamp}-{reference}-{hex}.eml, and references look like SAL-ABC123
        if not any(f"-{ref}-" in path.name for ref in wanted) or len(parts) < 3:
            continue
        try:
            with path.open("rb") as handle:
                headers = BytesHeaderParser(policy=policy.default).parse(handle)
            if str(headers.get(REFERENCE_HEADER, "")).strip() in wanted:
                path.unlink()
                removed += 1
        except OSError:
            log.warning("could not delete transcript %s", path.name, exc_info=True)
    return removed
