"""Retention on SQLite and PostgreSQL: what is older than the site's retention goes (web visits
with their events, closed conversations with their messages); what is newer, still open or on
another site with a longer retention stays."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from salon.chat.models import Conversation, Message
from salon.core.clock import utcnow
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.identity.service import create_site
from salon.privacy.models import AuditEntry
from salon.privacy.retention import retention_pass
from salon.tracking.models import Event, Visit, Visitor


async def _visit(db: Database, site_id: str, last_seen: datetime, events: int = 2) -> str:
    async with db.writer() as session:
        visitor = Visitor(
            id=new_id(), site_id=site_id, visitor_key=secrets.token_hex(16), first_seen_at=last_seen
        )
        session.add(visitor)
        await session.flush()
        visit = Visit(
            id=new_id(),
            site_id=site_id,
            visitor_id=visitor.id,
            visit_key=secrets.token_hex(16),
            started_at=last_seen - timedelta(minutes=5),
            last_seen_at=last_seen,
        )
        session.add(visit)
        await session.flush()
        for _ in range(events):
            session.add(
                Event(
                    site_id=site_id,
                    visitor_id=visitor.id,
                    visit_id=visit.id,
                    client_event_id=secrets.token_hex(8),
                    type="page_view",
                    occurred_at=last_seen,
                    data={},
                )
            )
    return visit.id


async def _conversation(
    db: Database, site_id: str, visit_id: str, status: str, at: datetime
) -> str:
    async with db.writer() as session:
        visit = await session.get(Visit, visit_id)
        assert visit is not None
        conversation = Conversation(
            id=new_id(),
            site_id=site_id,
            visitor_id=visit.visitor_id,
            visit_id=visit_id,
            reference="SAL-" + secrets.token_hex(3).upper(),
            status=status,
            token_hash=secrets.token_hex(32),
            created_at=at - timedelta(minutes=10),
            closed_at=at if status == "closed" else None,
            last_seq=2,
        )
        session.add(conversation)
        await session.flush()
        for seq in (1, 2):
            session.add(
                Message(
                    id=new_id(),
                    conversation_id=conversation.id,
                    seq=seq,
                    kind="text",
                    sender="visitor",
                    body="hello",
                    created_at=at,
                )
            )
    return conversation.id


async def _exists(db: Database, model: type[Visit] | type[Conversation], ids: list[str]) -> int:
    async with db.reader() as session:
        found = await session.scalar(
            select(func.count()).select_from(model).where(model.id.in_(ids))
        )
        return int(found or 0)


async def _scenario(url: str) -> None:
    db = Database(url)
    try:
        now = utcnow()
        short = await create_site(db, "Short", [], settings={"privacy": {"retention_days": 30}})
        long = await create_site(db, "Default", [])
        old, fresh = now - timedelta(days=40), now - timedelta(days=10)
        old_visit = await _visit(db, short.id, old)
        fresh_visit = await _visit(db, short.id, fresh)
        old_closed = await _conversation(db, short.id, old_visit, "closed", old)
        fresh_closed = await _conversation(db, short.id, fresh_visit, "closed", fresh)
        # an old chat still open (an associate never closed it) is not deleted under them
        old_open_visit = await _visit(db, short.id, old)
        old_open = await _conversation(db, short.id, old_open_visit, "active", old)
        # the other site keeps 395 days: its 40-day-old rows stay
        other_visit = await _visit(db, long.id, old)
        other_closed = await _conversation(db, long.id, other_visit, "closed", old)

        counts = await retention_pass(db, now)

        assert counts["visits"] == 2 and counts["events"] == 4
        assert counts["conversations"] == 1 and counts["messages"] == 2
        assert await _exists(db, Visit, [old_visit, old_open_visit]) == 0
        assert await _exists(db, Visit, [fresh_visit, other_visit]) == 2
        assert await _exists(db, Conversation, [old_closed]) == 0
        assert await _exists(db, Conversation, [fresh_closed, old_open, other_closed]) == 3
        async with db.reader() as session:
            kept = await session.get(Conversation, old_open)
            assert kept is not None and kept.visit_id is None  # unlinked from the gone visit
            messages = await session.scalar(
                select(func.count()).select_from(Message).where(Message.conversation_id == old_open)
            )
            assert messages == 2
            logged = (
                await session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "privacy.retention_pass")
                )
            ).all()
        assert [e.site_id for e in logged] == [short.id] and logged[0].detail["visits"] == 2
        assert logged[0].actor_email == "system"
        # a second pass finds nothing more
        again = await retention_pass(db, now)
        assert set(again.values()) == {0}
    finally:
        await db.dispose()


def test_retention_deletes_old_and_keeps_new(database_url: str) -> None:
    asyncio.run(_scenario(database_url))
