"""Weeks of past visits and chats for a site, so the analytics have something to show in the
demo (and in tests over a seeded database).

Each visit draws a latent purchase intent; intent drives how deep it browses, whether it chats
and whether it buys, and a chat adds a small true effect (`CHAT_EFFECT`) on top: exactly the
selection the adjusted estimate is there to see through. Rows are written as the live code
writes them (visits, events, conversations, attributions), backdated.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from salon.chat.models import Attribution, Conversation
from salon.chat.store import hash_token, new_reference
from salon.core.clock import utcnow
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.identity.models import Associate, AssociateSite
from salon.tracking.models import Event, Visit, Visitor

CHAT_EFFECT = 0.03
PRODUCTS = (("P100", "Nocturne tote", 1450.0), ("P205", "Silk carré", 420.0))


@dataclass(frozen=True)
class HistoryReport:
    visits: int
    chats: int
    purchases: int


async def seed_history(
    db: Database, site_id: str, days: int = 28, visits: int = 600, seed: int = 7
) -> HistoryReport:
    """Backdated visits over the last `days` days (none in the last hour: the floor stays live)."""
    rng = random.Random(seed)
    now = utcnow() - timedelta(hours=1)
    async with db.reader() as session:
        staff = list(
            (
                await session.scalars(
                    select(Associate.id)
                    .join(AssociateSite, AssociateSite.associate_id == Associate.id)
                    .where(AssociateSite.site_id == site_id, Associate.role != "admin")
                    .order_by(Associate.email)
                )
            ).all()
        )
    chats = purchases = 0
    async with db.writer() as session:
        for n in range(visits):
            intent = rng.random()
            day = rng.randrange(days)
            hour = rng.choices(range(24), weights=[1] * 8 + [4] * 4 + [6] * 6 + [3] * 6)[0]
            start = (now - timedelta(days=day)).replace(hour=hour, minute=rng.randrange(60))
            start = min(start, now - timedelta(minutes=30))
            visitor = Visitor(
                id=new_id(), site_id=site_id, visitor_key=secrets.token_hex(16), first_seen_at=start
            )
            visit = Visit(
                id=new_id(),
                site_id=site_id,
                visitor_id=visitor.id,
                visit_key=secrets.token_hex(16),
                started_at=start,
                last_seen_at=start,
            )
            session.add(visitor)
            await session.flush()
            session.add(visit)
            await session.flush()
            events = _browse(rng, intent, start)
            chatted = bool(staff) and rng.random() < 0.03 + 0.3 * intent**2
            bought = rng.random() < 0.01 + 0.3 * intent**2 + (CHAT_EFFECT if chatted else 0.0)
            conversation = None
            if chatted:
                chats += 1
                conversation = _chat(rng, site_id, visitor.id, visit.id, start, staff)
                session.add(conversation)
                await session.flush()
            last = events[-1][1]
            if bought:
                purchases += 1
                last += timedelta(seconds=rng.randrange(60, 400))
                product = rng.choice(PRODUCTS)
                order = f"H{n:05d}{secrets.token_hex(2)}"
                events.append(("purchase", last, {"order_id": order, "total": product[2]}))
                if conversation is not None and conversation.associate_id:
                    session.add(
                        Attribution(
                            id=new_id(),
                            site_id=site_id,
                            conversation_id=conversation.id,
                            associate_id=conversation.associate_id,
                            order_external_id=order,
                            total=Decimal(str(product[2])),
                            currency="EUR",
                            placed_at=last,
                        )
                    )
            visit.last_seen_at = last
            await session.flush()
            for i, (kind, at, data) in enumerate(events):
                session.add(
                    Event(
                        site_id=site_id,
                        visitor_id=visitor.id,
                        visit_id=visit.id,
                        client_event_id=f"h{i}",
                        type=kind,
                        occurred_at=at,
                        received_at=at,
                        data=data,
                    )
                )
    return HistoryReport(visits, chats, purchases)


def _browse(
    rng: random.Random, intent: float, start: datetime
) -> list[tuple[str, datetime, dict[str, Any]]]:
    at = start
    out: list[tuple[str, datetime, dict[str, Any]]] = [
        ("page_view", at, {"url": "https://shop.example/", "title": "Home", "page_type": "home"})
    ]
    for _ in range(1 + int(intent * 8)):
        at += timedelta(seconds=rng.randrange(15, 90))
        pid, name, price = rng.choice(PRODUCTS)
        out.append(
            (
                "page_view",
                at,
                {"url": f"https://shop.example/p/{pid}", "title": name, "page_type": "product"},
            )
        )
        out.append(("product_view", at, {"product_id": pid, "name": name, "price": price}))
    if intent > 0.5:
        pid, name, price = rng.choice(PRODUCTS)
        at += timedelta(seconds=rng.randrange(10, 60))
        out.append(
            ("add_to_cart", at, {"product_id": pid, "name": name, "price": price, "quantity": 1})
        )
    return out


def _chat(
    rng: random.Random,
    site_id: str,
    visitor_id: str,
    visit_id: str,
    start: datetime,
    staff: list[str],
) -> Conversation:
    created = start + timedelta(seconds=rng.randrange(40, 240))
    abandoned = rng.random() < 0.08
    assigned = None if abandoned else created + timedelta(seconds=rng.expovariate(1 / 35))
    closed = (
        created + timedelta(seconds=rng.randrange(60, 180))
        if assigned is None
        else assigned + timedelta(seconds=rng.randrange(120, 900))
    )
    rated = assigned is not None and rng.random() < 0.6
    return Conversation(
        id=new_id(),
        site_id=site_id,
        visitor_id=visitor_id,
        visit_id=visit_id,
        reference=new_reference(),
        status="closed",
        offline=False,
        associate_id=rng.choice(staff) if assigned is not None else None,
        token_hash=hash_token(secrets.token_urlsafe(32)),
        created_at=created,
        assigned_at=assigned,
        closed_at=closed,
        closed_by="associate" if assigned is not None else "visitor",
        rating=rng.choices((5, 4, 3, 2, 1), weights=(50, 28, 10, 7, 5))[0] if rated else None,
        intent_at_start=None,
    )
