"""Retention: web visits and closed conversations older than the site's retention go.

`retention_pass` is scheduled once per installation, daily, by the app (not here). Each site's
`retention_days` lives in its settings JSON under "privacy" (default 395: thirteen months, the
longest the French CNIL accepts for audience measurement). Deletion is by last activity: a visit
by its last event, a conversation by its closing time. Work goes in chunks, one transaction
each, so a large backlog never holds the SQLite writer lock for long.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.models import Attribution, Conversation, Message
from salon.core.clock import utcnow
from salon.core.errors import not_found
from salon.db.engine import Database
from salon.identity.models import Site
from salon.identity.service import Actor
from salon.privacy import audit
from salon.privacy.forget import forget_conversations_elsewhere
from salon.tracking.models import Event, Visit, Visitor

log = logging.getLogger(__name__)
DEFAULT_RETENTION_DAYS = 395
MIN_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 3650
CHUNK = 500


def retention_days(settings: dict[str, Any] | None) -> int:
    """The site's retention; anything missing or out of range means the default."""
    value = ((settings or {}).get("privacy") or {}).get("retention_days")
    if isinstance(value, int) and MIN_RETENTION_DAYS <= value <= MAX_RETENTION_DAYS:
        return value
    return DEFAULT_RETENTION_DAYS


async def privacy_settings(db: Database, site_id: str) -> dict[str, Any]:
    async with db.reader() as session:
        site = await session.get(Site, site_id)
    if site is None:
        raise not_found("site")
    return {"retention_days": retention_days(site.settings)}


async def set_retention(
    db: Database, site_id: str, days: int, actor: Actor | str | None, ip: str = ""
) -> dict[str, Any]:
    async with db.writer() as session:
        site = await session.get(Site, site_id)
        if site is None:
            raise not_found("site")
        before = retention_days(site.settings)
        settings = dict(site.settings or {})
        settings["privacy"] = {**(settings.get("privacy") or {}), "retention_days": days}
        site.settings = settings
        await audit.record(
            session,
            actor,
            "privacy.retention",
            f"site:{site_id}",
            site_id,
            {"retention_days": days, "before": before},
            ip,
        )
    return {"retention_days": days}


async def retention_pass(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Delete, for every site, what is older than its retention; returns what went, by kind."""
    now = now or utcnow()
    async with db.reader() as session:
        sites = (await session.execute(select(Site.id, Site.settings))).all()
    totals: Counter[str] = Counter()
    for site_id, settings in sites:
        cutoff = now - timedelta(days=retention_days(settings))
        counts = await _site_pass(db, str(site_id), cutoff)
        if any(counts.values()):
            async with db.writer() as session:
                await audit.record(
                    session,
                    audit.SYSTEM_ACTOR,
                    "privacy.retention_pass",
                    f"site:{site_id}",
                    str(site_id),
                    {**counts, "cutoff": cutoff.isoformat()},
                )
            log.info("retention: site %s, %s", site_id, counts)
        totals.update(counts)
    return {
        name: totals.get(name, 0)
        for name in ("conversations", "messages", "topic_questions", "visits", "events", "visitors")
    }


async def _site_pass(db: Database, site_id: str, cutoff: datetime) -> Counter[str]:
    counts: Counter[str] = Counter()
    while True:  # closed conversations first: they may point at the old visits
        async with db.writer() as session:
            ids = list(
                (
                    await session.scalars(
                        select(Conversation.id)
                        .where(
                            Conversation.site_id == site_id,
                            Conversation.status == "closed",
                            func.coalesce(Conversation.closed_at, Conversation.created_at) < cutoff,
                        )
                        .limit(CHUNK)
                    )
                ).all()
            )
            if not ids:
                break
            counts.update(await _delete_conversations(session, ids))
    while True:
        async with db.writer() as session:
            ids = list(
                (
                    await session.scalars(
                        select(Visit.id)
                        .where(Visit.site_id == site_id, Visit.last_seen_at < cutoff)
                        .limit(CHUNK)
                    )
                ).all()
            )
            if not ids:
                break
            counts["events"] += await _count(session, delete(Event).where(Event.visit_id.in_(ids)))
            await session.execute(
                update(Conversation).where(Conversation.visit_id.in_(ids)).values(visit_id=None)
            )
            counts["visits"] += await _count(session, delete(Visit).where(Visit.id.in_(ids)))
    async with db.writer() as session:
        # a browser with nothing left (no visit, no conversation) is forgotten too
        counts["visitors"] += await _count(
            session,
            delete(Visitor).where(
                Visitor.site_id == site_id,
                Visitor.first_seen_at < cutoff,
                ~exists().where(Visit.visitor_id == Visitor.id),
                ~exists().where(Conversation.visitor_id == Visitor.id),
                ~exists().where(Event.visitor_id == Visitor.id),
            ),
        )
    return counts


async def _delete_conversations(session: AsyncSession, ids: list[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    counts["topic_questions"] = await forget_conversations_elsewhere(session, ids)
    counts["messages"] = await _count(
        session, delete(Message).where(Message.conversation_id.in_(ids))
    )
    await session.execute(delete(Attribution).where(Attribution.conversation_id.in_(ids)))
    counts["conversations"] = await _count(
        session, delete(Conversation).where(Conversation.id.in_(ids))
    )
    return counts


async def _count(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
