"""The queue: who is available, how long the wait is, and who gets the next chat.

Estimated wait (documented in docs/chat.md): with `free` open chat slots among available
associates, `capacity` slots in all, and `handle` the mean handle time of the site's last 20
closed chats (default 180 s, kept within 30 s .. 30 min), a shopper at `position` waits about

    0 s                                   if position <= free (routing is immediate)
    (position - free) * handle / capacity  otherwise (one slot frees every handle/capacity s)

and nothing is promised (null) when nobody is available.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.models import ChatAgent, Conversation, Message
from salon.chat.store import append
from salon.core.clock import as_utc, utcnow
from salon.identity.models import Associate, AssociateSite

PRESENCE_SECONDS = 90  # an available associate whose console went quiet this long is away
DEFAULT_HANDLE_SECONDS = 180.0


@dataclass(frozen=True)
class Agent:
    associate_id: str
    name: str
    role: str
    availability: str
    max_chats: int
    active: int
    skills: tuple[str, ...]
    languages: tuple[str, ...]
    present: bool

    @property
    def can_take(self) -> bool:
        return self.availability == "available" and self.present and self.active < self.max_chats


@dataclass(frozen=True)
class QueueState:
    queued_ids: tuple[str, ...]
    available: int
    capacity: int
    free: int
    handle_seconds: float

    def position(self, conversation_id: str) -> int | None:
        try:
            return self.queued_ids.index(conversation_id) + 1
        except ValueError:
            return None

    def eta_seconds(self, position: int) -> int | None:
        if self.available == 0:
            return None
        if position <= self.free:
            return 0
        return round((position - self.free) * self.handle_seconds / max(1, self.capacity))


async def agents(session: AsyncSession, site_id: str) -> list[Agent]:
    """Every associate of the site with their chat status and current load."""
    load = (
        select(Conversation.associate_id, func.count(Conversation.id).label("active"))
        .where(Conversation.site_id == site_id, Conversation.status == "active")
        .group_by(Conversation.associate_id)
        .subquery()
    )
    rows = await session.execute(
        select(Associate, ChatAgent, load.c.active)
        .join(AssociateSite, AssociateSite.associate_id == Associate.id)
        .outerjoin(ChatAgent, ChatAgent.associate_id == Associate.id)
        .outerjoin(load, load.c.associate_id == Associate.id)
        .where(AssociateSite.site_id == site_id, Associate.active.is_(True))
        .order_by(Associate.name)
    )
    cutoff = utcnow() - timedelta(seconds=PRESENCE_SECONDS)
    found = []
    for associate, agent, active in rows.all():
        seen = agent.last_seen_at if agent else None
        found.append(
            Agent(
                associate_id=associate.id,
                name=associate.name,
                role=associate.role,
                availability=agent.availability if agent else "away",
                max_chats=agent.max_chats if agent else 3,
                active=int(active or 0),
                skills=tuple(agent.skills if agent else ()),
                languages=tuple(agent.languages if agent else ()),
                present=seen is not None and as_utc(seen) >= cutoff,
            )
        )
    return found


async def queue_state(session: AsyncSession, site_id: str) -> QueueState:
    queued = (
        await session.scalars(
            select(Conversation.id)
            .where(Conversation.site_id == site_id, Conversation.status == "queued")
            .order_by(Conversation.created_at, Conversation.id)
        )
    ).all()
    team = [
        a for a in await agents(session, site_id) if a.availability == "available" and a.present
    ]
    capacity = sum(a.max_chats for a in team)
    free = sum(max(0, a.max_chats - a.active) for a in team)
    return QueueState(
        tuple(queued), len(team), capacity, free, await handle_seconds(session, site_id)
    )


async def handle_seconds(session: AsyncSession, site_id: str) -> float:
    rows = (
        await session.execute(
            select(Conversation.assigned_at, Conversation.closed_at)
            .where(
                Conversation.site_id == site_id,
                Conversation.status == "closed",
                Conversation.assigned_at.is_not(None),
            )
            .order_by(Conversation.closed_at.desc())
            .limit(20)
        )
    ).all()
    spans = [(as_utc(c) - as_utc(a)).total_seconds() for a, c in rows if a and c]
    if not spans:
        return DEFAULT_HANDLE_SECONDS
    return min(1800.0, max(30.0, sum(spans) / len(spans)))


def pick(conversation: Conversation, team: list[Agent], previous: str | None) -> Agent | None:
    """The returning customer's previous associate first; else the least loaded who fits."""
    fits = [
        a
        for a in team
        if a.can_take
        and (
            not conversation.language
            or not a.languages
            or conversation.language.split("-")[0] in a.languages
        )
        and (not conversation.topic or not a.skills or conversation.topic in a.skills)
    ]
    if not fits:
        return None
    for agent in fits:
        if agent.associate_id == previous:
            return agent
    return min(fits, key=lambda a: (a.active / a.max_chats, a.active, a.name))


async def previous_associate(session: AsyncSession, conversation: Conversation) -> str | None:
    who = (
        Conversation.customer_id == conversation.customer_id
        if conversation.customer_id
        else Conversation.visitor_id == conversation.visitor_id
    )
    found: str | None = await session.scalar(
        select(Conversation.associate_id)
        .where(who, Conversation.id != conversation.id, Conversation.associate_id.is_not(None))
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )
    return found


async def assign(
    session: AsyncSession, conversation_id: str, associate_id: str, name: str
) -> Message | None:
    """Queued → active for exactly one associate (a conditional update, never check-then-act)."""
    won = await session.scalar(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.status == "queued")
        .values(status="active", associate_id=associate_id, assigned_at=utcnow())
        .returning(Conversation.id)
    )
    if won is None:
        return None
    return await append(
        session,
        conversation_id,
        "system",
        "system",
        f"{name} has joined",
        {"event": "joined", "associate": name},
    )
