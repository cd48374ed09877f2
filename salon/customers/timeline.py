"""One timeline per customer across channels, and the interactions the store tells us about.

Calls, e-mails, social messages and store visits come from the store's own systems (the
interactions API and webhook); web visits, chats, orders and appointments are already in Salon's
tables. The timeline merges them at read time, so nothing is copied and nothing goes stale.
Every interaction is scored with the shop-aware sentiment model when it is recorded, so an
associate sees "called 6 days ago about a late delivery (negative)" next to the chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.imports.schemas import InteractionRow
from salon.chat.models import Conversation
from salon.core.clock import as_utc, utcnow
from salon.core.errors import ApiError
from salon.core.ids import new_id
from salon.customers import timeline_sources as sources
from salon.customers.models import Customer, Interaction
from salon.customers.service import ensure_customer
from salon.customers.timeline_sources import score_text, visitor_texts
from salon.db.upsert import insert_ignore
from salon.insight.mood import customer_mood_turned
from salon.stores.models import Location
from salon.tracking.models import Visitor

Outcome = Literal["created", "updated", "unchanged"]
SHIFT_LOOKBACK = timedelta(days=30)  # "previous recent contacts"
SHIFT_FRESH = timedelta(days=3)  # back-filled history is context, not news: no shift for it


@dataclass(frozen=True)
class MoodShift:
    """A customer's mood turned negative on some channel; published after the commit."""

    site_id: str
    customer_id: str
    customer_external_id: str
    channel: str
    direction: str
    summary: str
    sentiment: float
    at: datetime

    def reason(self, now: datetime | None = None) -> str:
        return describe(self.channel, self.direction, self.at, self.summary, "negative", now)


async def record_interaction(session: AsyncSession, site_id: str, row: InteractionRow) -> Outcome:
    """Idempotent by (site, the sender's id), so a webhook retried or replayed stores one row."""
    outcome, _ = await _record(session, site_id, row)
    return outcome


async def record_interactions(
    session: AsyncSession, site_id: str, rows: list[InteractionRow]
) -> tuple[dict[str, int], list[MoodShift]]:
    """Counts per outcome and the mood shifts to publish once the caller has committed.

    Rows are recorded in time order so that, within one batch, a customer's earlier contact is
    already there when a later one is checked for a shift. An error names the row (its index in
    the request) and rolls the whole batch back in the caller's transaction.
    """
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    shifts: list[MoodShift] = []
    order = sorted(range(len(rows)), key=lambda i: as_utc(rows[i].occurred_at))
    for index in order:
        try:
            outcome, shift = await _record(session, site_id, rows[index])
        except ApiError as exc:
            field = f"interactions[{index}].{exc.field}" if exc.field else f"interactions[{index}]"
            raise ApiError(exc.status, exc.code, f"row {index}: {exc.message}", field) from None
        counts[outcome] += 1
        if shift is not None:
            shifts.append(shift)
    return counts, shifts


async def _record(
    session: AsyncSession, site_id: str, row: InteractionRow
) -> tuple[Outcome, MoodShift | None]:
    location_id = None
    if row.location_id is not None:
        location_id = await session.scalar(
            select(Location.id).where(
                Location.site_id == site_id, Location.external_id == row.location_id
            )
        )
        if location_id is None:
            raise ApiError(422, "invalid", f"unknown location {row.location_id}", "location_id")
    customer_id = await ensure_customer(session, site_id, row.customer_id)
    score, mood = score_text(f"{row.summary}\n{row.transcript}")
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "channel": row.channel,
        "direction": row.direction,
        "occurred_at": as_utc(row.occurred_at),
        "summary": row.summary,
        "transcript": row.transcript,
        "location_id": location_id,
        "sentiment": score,
        "mood": mood,
    }
    inserted = await session.execute(
        insert_ignore(session, Interaction, ["site_id", "external_id"]).values(
            id=new_id(), site_id=site_id, external_id=row.external_id, **values
        )
    )
    previous_mood: str | None = None
    if getattr(inserted, "rowcount", 0) == 1:
        outcome: Outcome = "created"
    else:
        existing = await session.scalar(
            select(Interaction).where(
                Interaction.site_id == site_id, Interaction.external_id == row.external_id
            )
        )
        assert existing is not None
        previous_mood = existing.mood
        changed = {
            key: value
            for key, value in values.items()
            if (as_utc(existing.occurred_at) if key == "occurred_at" else getattr(existing, key))
            != value
        }
        if not changed:
            return "unchanged", None
        for key, value in changed.items():
            setattr(existing, key, value)
        outcome = "updated"
    await session.flush()
    if mood != "negative" or previous_mood == "negative":
        return outcome, None
    at = as_utc(row.occurred_at)
    if at < utcnow() - SHIFT_FRESH:
        return outcome, None
    earlier = await _recent_moods(session, site_id, customer_id, row.external_id, at)
    if not customer_mood_turned(mood, earlier):
        return outcome, None
    shift = MoodShift(
        site_id,
        customer_id,
        row.customer_id,
        row.channel,
        row.direction,
        row.summary,
        score or 0.0,
        at,
    )
    return outcome, shift


async def _recent_moods(
    session: AsyncSession, site_id: str, customer_id: str, external_id: str, at: datetime
) -> list[str | None]:
    """The customer's moods in the 30 days before `at`: other interactions and their chats."""
    since = at - SHIFT_LOOKBACK
    moods: list[str | None] = list(
        (
            await session.scalars(
                select(Interaction.mood).where(
                    Interaction.site_id == site_id,
                    Interaction.customer_id == customer_id,
                    Interaction.external_id != external_id,
                    Interaction.occurred_at >= since,
                    Interaction.occurred_at <= at,
                )
            )
        ).all()
    )
    visitors = select(Visitor.id).where(Visitor.customer_id == customer_id)
    chats = (
        await session.scalars(
            select(Conversation.id).where(
                Conversation.site_id == site_id,
                or_(Conversation.customer_id == customer_id, Conversation.visitor_id.in_(visitors)),
                Conversation.created_at >= since,
                Conversation.created_at <= at,
            )
        )
    ).all()
    texts = await visitor_texts(session, list(chats))
    moods.extend(score_text(text)[1] for text in texts.values())
    return moods


# -- the timeline ------------------------------------------------------------------------------
async def customer_timeline(
    session: AsyncSession,
    site_id: str,
    customer_id: str,
    limit: int = 50,
    before: datetime | None = None,
) -> list[dict[str, Any]]:
    """Every contact with one customer, newest first; page with `before` (the last `at` seen).

    Each source is read newest first up to `limit`, then merged, so a page costs a handful of
    indexed queries however long the customer's history is.
    """
    before = as_utc(before) if before else utcnow() + timedelta(days=3650)
    entries = [
        *await sources.interactions(session, site_id, customer_id, limit, before),
        *await sources.web_visits(session, site_id, customer_id, limit, before),
        *await sources.chats(session, site_id, customer_id, limit, before),
        *await sources.orders(session, site_id, customer_id, limit, before),
        *await sources.appointments(session, site_id, customer_id, limit, before),
        *await sources.coupons(session, site_id, customer_id, limit, before),
        *await sources.reservations(session, site_id, customer_id, limit, before),
    ]
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:limit]


async def customer_by_external_id(session: AsyncSession, site_id: str, external_id: str) -> str:
    found = await session.scalar(
        select(Customer.id).where(Customer.site_id == site_id, Customer.external_id == external_id)
    )
    if found is None:
        raise ApiError(404, "not_found", "customer not found")
    return found


# -- words for people --------------------------------------------------------------------------
VERBS = {
    ("phone", "inbound"): "called",
    ("phone", "outbound"): "we called",
    ("email", "inbound"): "e-mailed",
    ("email", "outbound"): "we e-mailed",
    ("social", "inbound"): "wrote on social media",
    ("social", "outbound"): "we wrote on social media",
    ("store_visit", "inbound"): "visited a store",
    ("chat", "inbound"): "chatted",
}


def ago(at: datetime, now: datetime | None = None) -> str:
    seconds = max(0.0, ((now or utcnow()) - as_utc(at)).total_seconds())
    for size, unit in ((86400, "day"), (3600, "h"), (60, "min")):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if unit == 'day' and n > 1 else ''} ago"
    return "just now"


def describe(
    channel: str,
    direction: str,
    at: datetime,
    summary: str,
    mood: str | None,
    now: datetime | None = None,
) -> str:
    """'called 6 days ago about a late delivery (negative)': what the floor and chat show."""
    verb = VERBS.get((channel, direction), f"contact by {channel}")
    text = f"{verb} {ago(at, now)}"
    if summary:
        text += f" about {summary[:120]}"
    return text + (f" ({mood})" if mood else "")
