"""Conversion of visits with a chat against visits without: naive, and adjusted for intent.

Each visit gets the purchase-intent score of the moment that matters: for a chat, the live score
recorded when it started (`conversations.intent_at_start`), else the score recomputed from the
visit's stored events up to then; for a visit without a chat, the score at the median time into
a visit at which chats start (capped at its last event). Events from the purchase on are never
folded in. The statistics are in salon.analytics.stats; docs/analytics.md says why.
"""

from __future__ import annotations

import asyncio
import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.analytics import stats
from salon.analytics.service import CustomerLookup, Filters, in_range
from salon.chat.models import Conversation
from salon.core.clock import as_utc
from salon.floor.state import VisitState
from salon.insight.features import PageStats, session_features
from salon.insight.scorer import InsightScorer
from salon.tracking.models import Event, Visit

DEFAULT_MOMENT_SECONDS = 60.0  # when no chat in the range says when chats start
EVENT_CHUNK = 500


async def conversion(
    session: AsyncSession,
    f: Filters,
    scorer: InsightScorer | None,
    lookup: CustomerLookup | None = None,
) -> dict[str, Any]:
    """Visits started in the range: chatted or not, bought or not, naive and adjusted lift."""
    visits = (
        await session.execute(
            select(
                Visit.id,
                Visit.visitor_id,
                Visit.customer_id,
                Visit.is_returning,
                Visit.started_at,
                Visit.last_seen_at,
            ).where(Visit.site_id == f.site_id, in_range(Visit.started_at, f))
        )
    ).all()
    visits_in_range = select(Visit.id).where(
        Visit.site_id == f.site_id, in_range(Visit.started_at, f)
    )
    bought = set(
        (
            await session.scalars(
                select(Event.visit_id)
                .where(Event.visit_id.in_(visits_in_range), Event.type == "purchase")
                .distinct()
            )
        ).all()
    )
    chats: dict[str, tuple[datetime, float | None, str | None]] = {}
    for visit_id, created, intent, associate in await session.execute(
        select(
            Conversation.visit_id,
            Conversation.created_at,
            Conversation.intent_at_start,
            Conversation.associate_id,
        )
        .where(Conversation.site_id == f.site_id, Conversation.visit_id.in_(visits_in_range))
        .order_by(Conversation.created_at)
    ):
        if visit_id is not None and visit_id not in chats:  # the visit's first chat
            chats[visit_id] = (as_utc(created), intent, associate)
    starts = {v[0]: as_utc(v[4]) for v in visits}
    offsets = [(c[0] - starts[v]).total_seconds() for v, c in chats.items() if v in starts]
    moment = statistics.median(offsets) if offsets else DEFAULT_MOMENT_SECONDS
    other_associate = 0
    cutoffs: dict[str, float] = {}
    recorded: dict[str, float] = {}
    kept = []
    for row in visits:
        chat = chats.get(row[0])
        if chat is not None and f.associate_id and chat[2] != f.associate_id:
            other_associate += 1  # chatted, but with someone else: neither group
            continue
        kept.append(row)
        if chat is not None and chat[1] is not None:
            recorded[row[0]] = float(chat[1])
        elif chat is not None:
            cutoffs[row[0]] = chat[0].timestamp()
        else:
            cutoffs[row[0]] = as_utc(row[4]).timestamp() + max(0.0, moment)
    computed: dict[str, float] = {}
    if scorer is not None and scorer.model is not None and cutoffs:
        states = {r[0]: _state(f.site_id, r) for r in kept if r[0] in cutoffs}
        await _fold(session, states, cutoffs, lookup)
        computed = await _score(scorer, states, cutoffs)
    units = [
        stats.Unit(
            chatted=r[0] in chats,
            converted=r[0] in bought,
            score=recorded.get(r[0], computed.get(r[0])),
        )
        for r in kept
    ]
    summary = stats.conversion_summary(units)
    summary["moment_seconds"] = round(moment, 1)
    summary["scores"] = {"recorded_at_chat_start": len(recorded), "from_events": len(computed)}
    summary["excluded_other_associate"] = other_associate
    naive, adjusted = summary["naive"], summary["adjusted"]
    summary["rows"] = [
        {
            "estimate": "naive",
            "chat_rate": naive["chat"]["rate"],
            "no_chat_rate": naive["no_chat"]["rate"],
            "difference": naive["difference"],
            "low": naive["interval"][0] if naive["interval"] else None,
            "high": naive["interval"][1] if naive["interval"] else None,
            "chat_visits": naive["chat"]["visits"],
            "no_chat_visits": naive["no_chat"]["visits"],
        },
        {
            "estimate": "adjusted for intent",
            "chat_rate": adjusted["chat_rate"],
            "no_chat_rate": adjusted["counterfactual_rate"],
            "difference": adjusted["difference"],
            "low": adjusted["interval"][0] if adjusted["interval"] else None,
            "high": adjusted["interval"][1] if adjusted["interval"] else None,
            "chat_visits": naive["chat"]["visits"] - adjusted["unmatched_chats"],
            "no_chat_visits": naive["no_chat"]["visits"],
        },
    ]
    return summary


def _state(site_id: str, row: Any) -> VisitState:
    started = as_utc(row[4]).timestamp()
    return VisitState(
        site_id=site_id,
        visit_id=row[0],
        visitor_id=row[1],
        started_at=started,
        last_seen_at=started,
        is_returning=bool(row[3]),
        customer_id=row[2],
    )


async def _fold(
    session: AsyncSession,
    states: dict[str, VisitState],
    cutoffs: dict[str, float],
    lookup: CustomerLookup | None,
) -> None:
    """The visit as it stood at its cutoff: events up to then, and never the purchase itself."""
    ids = list(states)
    for start in range(0, len(ids), EVENT_CHUNK):
        part = ids[start : start + EVENT_CHUNK]
        rows = await session.execute(
            select(Event.visit_id, Event.type, Event.occurred_at, Event.data)
            .where(Event.visit_id.in_(part))
            .order_by(Event.visit_id, Event.id)
        )
        for visit_id, kind, occurred_at, data in rows:
            state = states[visit_id]
            at = as_utc(occurred_at).timestamp()
            if state.purchased or kind == "purchase" or at > cutoffs[visit_id]:
                continue
            state.apply(kind, at, data)
    if lookup is not None:
        for state in states.values():
            if state.customer_id:
                state.customer = await lookup(state.customer_id)


async def _score(
    scorer: InsightScorer, states: dict[str, VisitState], cutoffs: dict[str, float]
) -> dict[str, float]:
    stats_now: PageStats = scorer.page_stats
    ids = list(states)
    rows = [
        session_features(
            states[i], stats_now, max(states[i].started_at, min(cutoffs[i], states[i].last_seen_at))
        )
        for i in ids
    ]
    model = scorer.model
    assert model is not None
    scores = await asyncio.to_thread(model.score, rows)
    return {i: round(float(s), 4) for i, s in zip(ids, scores, strict=True)}
