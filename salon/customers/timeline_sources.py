"""Where each channel's entries of a customer timeline come from, read newest first.

Calls, e-mails and other interactions are stored rows; web visits, chats, orders and
appointments are read from their own domains' tables at read time, so nothing is copied and
nothing goes stale. Split from :mod:`salon.customers.timeline` to keep both modules short.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product, Variant
from salon.chat.models import Conversation, Message
from salon.core.clock import as_utc
from salon.customers.models import Interaction, Order, OrderLine
from salon.identity.models import Associate
from salon.insight import sentiment
from salon.offers.models import Coupon
from salon.stores.models import Appointment, Location, Reservation
from salon.tracking.models import Event, Visit, Visitor

CHAT_TEXT_LIMIT = 5000  # characters of a chat's visitor messages scored for its sentiment
WEB_EVENT_TYPES = ("page_view", "product_view", "add_to_cart", "purchase")


def score_text(text: str) -> tuple[float | None, str | None]:
    """Sentiment (-1..1) and its label; None for an interaction that says nothing."""
    if not text.strip():
        return None, None
    return round(sentiment.score(text), 3), sentiment.label(text)


async def visitor_texts(session: AsyncSession, conversation_ids: list[str]) -> dict[str, str]:
    if not conversation_ids:
        return {}
    rows = await session.execute(
        select(Message.conversation_id, Message.body)
        .where(
            Message.conversation_id.in_(conversation_ids),
            Message.sender == "visitor",
            Message.kind == "text",
        )
        .order_by(Message.seq)
    )
    texts: dict[str, str] = defaultdict(str)
    for conversation_id, body in rows.all():
        if len(texts[conversation_id]) < CHAT_TEXT_LIMIT:
            texts[conversation_id] += body[:CHAT_TEXT_LIMIT] + "\n"
    return dict(texts)


def _entry(
    channel: str,
    direction: str,
    at: datetime,
    summary: str,
    ref: str,
    score: float | None = None,
    mood: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "channel": channel,
        "direction": direction,
        "at": as_utc(at).timestamp(),
        "summary": summary,
        "sentiment": score,
        "mood": mood,
        "ref": ref,
        "detail": detail or {},
    }


async def interactions(
    session: AsyncSession, site_id: str, customer_id: str, limit: int, before: datetime
) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Interaction)
        .where(
            Interaction.site_id == site_id,
            Interaction.customer_id == customer_id,
            Interaction.occurred_at < before,
        )
        .order_by(Interaction.occurred_at.desc())
        .limit(limit)
    )
    return [
        _entry(
            i.channel,
            i.direction,
            i.occurred_at,
            i.summary,
            i.external_id,
            i.sentiment,
            i.mood,
            {"has_transcript": bool(i.transcript)},
        )
        for i in rows.all()
    ]


def _customer_visitors(customer_id: str) -> Any:
    return select(Visitor.id).where(Visitor.customer_id == customer_id)


async def web_visits(
    session: AsyncSession, site_id: str, customer_id: str, limit: int, before: datetime
) -> list[dict[str, Any]]:
    visits = (
        await session.scalars(
            select(Visit)
            .where(
                Visit.site_id == site_id,
                or_(
                    Visit.customer_id == customer_id,
                    Visit.visitor_id.in_(_customer_visitors(customer_id)),
                ),
                Visit.started_at < before,
            )
            .order_by(Visit.started_at.desc())
            .limit(limit)
        )
    ).all()
    if not visits:
        return []
    pages: dict[str, int] = defaultdict(int)
    viewed: dict[str, list[str]] = defaultdict(list)
    carted: dict[str, int] = defaultdict(int)
    bought: dict[str, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(Event.visit_id, Event.type, Event.data).where(
            Event.visit_id.in_([v.id for v in visits]), Event.type.in_(WEB_EVENT_TYPES)
        )
    )
    for visit_id, kind, data in rows.all():
        if kind == "page_view":
            pages[visit_id] += 1
        elif kind == "product_view":
            name = str(data.get("name") or data.get("product_id") or "")[:80]
            if name and name not in viewed[visit_id]:
                viewed[visit_id].append(name)
        elif kind == "add_to_cart":
            carted[visit_id] += 1
        else:
            bought[visit_id].append(f"{data.get('currency', 'EUR')} {data.get('total', '')}")
    out = []
    for v in visits:
        parts = [f"{pages[v.id]} page{'s' if pages[v.id] != 1 else ''}"]
        if viewed[v.id]:
            parts.append("viewed " + ", ".join(viewed[v.id][:3]))
        if carted[v.id]:
            parts.append(f"added {carted[v.id]} to the cart")
        if bought[v.id]:
            parts.append("bought for " + ", ".join(bought[v.id]))
        detail = {
            "pages": pages[v.id],
            "products": viewed[v.id][:10],
            "added_to_cart": carted[v.id],
            "purchased": bool(bought[v.id]),
        }
        out.append(_entry("web", "inbound", v.started_at, "; ".join(parts), v.id, detail=detail))
    return out


async def chats(
    session: AsyncSession, site_id: str, customer_id: str, limit: int, before: datetime
) -> list[dict[str, Any]]:
    chats = (
        await session.scalars(
            select(Conversation)
            .where(
                Conversation.site_id == site_id,
                or_(
                    Conversation.customer_id == customer_id,
                    Conversation.visitor_id.in_(_customer_visitors(customer_id)),
                ),
                Conversation.created_at < before,
            )
            .order_by(Conversation.created_at.desc())
            .limit(limit)
        )
    ).all()
    if not chats:
        return []
    texts = await visitor_texts(session, [c.id for c in chats])
    ids = {c.associate_id for c in chats if c.associate_id}
    names: dict[str, str] = {}
    if ids:
        found = await session.execute(
            select(Associate.id, Associate.name).where(Associate.id.in_(ids))
        )
        names = {i: n for i, n in found.all()}
    out = []
    for c in chats:
        text = texts.get(c.id, "")
        score, mood = score_text(text)
        first = text.strip().split("\n", 1)[0][:160]
        who = names.get(c.associate_id or "")
        summary = f"chat {c.reference}" + (f" with {who}" if who else "")
        if first:
            summary += f': "{first}"'
        if c.rating is not None:
            summary += f" (CSAT {c.rating})"
        detail = {"reference": c.reference, "status": c.status, "csat": c.rating, "associate": who}
        out.append(_entry("chat", "inbound", c.created_at, summary, c.id, score, mood, detail))
    return out


async def orders(
    session: AsyncSession, site_id: str, customer_id: str, limit: int, before: datetime
) -> list[dict[str, Any]]:
    orders = (
        await session.scalars(
            select(Order)
            .where(
                Order.site_id == site_id,
                Order.customer_id == customer_id,
                Order.placed_at < before,
            )
            .order_by(Order.placed_at.desc())
            .limit(limit)
        )
    ).all()
    if not orders:
        return []
    items: dict[str, list[dict[str, Any]]] = defaultdict(list)
    lines = await session.scalars(
        select(OrderLine).where(OrderLine.order_id.in_([o.id for o in orders]))
    )
    for line in lines.all():
        items[line.order_id].append({"name": line.name, "quantity": line.quantity})
    out = []
    for o in orders:
        names = ", ".join(f"{i['quantity']} x {i['name']}" for i in items[o.id][:3])
        summary = f"order {o.external_id}, {o.currency} {o.total:,.2f}" + (
            f": {names}" if names else ""
        )
        detail = {"total": float(o.total), "currency": o.currency, "items": items[o.id]}
        out.append(_entry("order", "inbound", o.placed_at, summary, o.external_id, detail=detail))
    return out


async def appointments(
    session: AsyncSession, site_id: str, customer_id: str, limit: int, before: datetime
) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Appointment, Location.name)
        .join(Location, Location.id == Appointment.location_id)
        .where(
            Appointment.site_id == site_id,
            Appointment.customer_id == customer_id,
            Appointment.starts_at < before,
        )
        .order_by(Appointment.starts_at.desc())
        .limit(limit)
    )
    out = []
    for a, store in rows.all():
        what = f"{a.skill} appointment" if a.skill else "appointment"
        summary = f"{what} at {store} ({a.status})"
        detail = {"status": a.status, "location": store, "note": a.note[:200]}
        out.append(
            _entry(
                "appointment", "inbound", a.starts_at, summary, a.external_id, None, None, detail
            )
        )
    return out


async def coupons(
    session: AsyncSession, site_id: str, customer_id: str, limit: int, before: datetime
) -> list[dict[str, Any]]:
    """Personal coupons the store gave this customer, and whether they were used."""
    rows = (
        await session.scalars(
            select(Coupon)
            .where(
                Coupon.site_id == site_id,
                Coupon.customer_id == customer_id,
                Coupon.created_at < before,
            )
            .order_by(Coupon.created_at.desc())
            .limit(limit)
        )
    ).all()
    out = []
    for c in rows:
        worth = {"percent": f"{float(c.value):g}% off", "amount": f"{c.value:,.2f} off"}.get(
            c.kind, "free shipping"
        )
        used = "used" if c.redemptions else "not used yet"
        summary = f"given coupon {c.code} ({worth}), {used}"
        detail = {"code": c.code, "kind": c.kind, "redemptions": c.redemptions}
        out.append(_entry("coupon", "outbound", c.created_at, summary, c.code, detail=detail))
    return out


async def reservations(
    session: AsyncSession, site_id: str, customer_id: str, limit: int, before: datetime
) -> list[dict[str, Any]]:
    """Items held for the customer in a store, and whether the hold ran out."""
    rows = await session.execute(
        select(Reservation, Location.name, Product.name)
        .join(Location, Location.id == Reservation.location_id)
        .join(Variant, Variant.id == Reservation.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .where(
            Reservation.site_id == site_id,
            Reservation.customer_id == customer_id,
            Reservation.created_at < before,
        )
        .order_by(Reservation.created_at.desc())
        .limit(limit)
    )
    out = []
    for hold, store, product in rows.all():
        state = "ran out" if hold.status == "released" else "held"
        summary = f"reserved {product} at {store} ({state})"
        detail = {
            "status": hold.status,
            "location": store,
            "expires_at": hold.expires_at.isoformat(),
        }
        out.append(
            _entry("store_visit", "outbound", hold.created_at, summary, hold.id, detail=detail)
        )
    return out
