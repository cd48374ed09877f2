"""The floor's service functions: rebuild after a restart, the visit story, customer briefs."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from salon.chat.service import open_chats_by_visit
from salon.core.clock import as_utc, utcnow
from salon.core.errors import not_found
from salon.customers.service import customer_profile
from salon.db.engine import Database
from salon.floor.avatar import visit_summary
from salon.floor.live import CustomerLookup, LiveFloor
from salon.floor.state import VisitState
from salon.identity.service import Actor, access_site
from salon.tracking.models import Visit
from salon.tracking.service import recent_visits, visit_events


def customer_lookup(db: Database) -> CustomerLookup:
    async def lookup(customer_id: str) -> dict[str, Any] | None:
        async with db.reader() as session:
            profile = await customer_profile(session, customer_id)
        return profile.brief() if profile else None

    return lookup


def _empty_state(visit: Visit) -> VisitState:
    return VisitState(
        site_id=visit.site_id,
        visit_id=visit.id,
        visitor_id=visit.visitor_id,
        started_at=as_utc(visit.started_at).timestamp(),
        last_seen_at=as_utc(visit.last_seen_at).timestamp(),
        is_returning=visit.is_returning,
        customer_id=visit.customer_id,
    )


async def rebuild(db: Database, floor: LiveFloor) -> int:
    """Fold the stored events of every recently active visit back into live state."""
    since = utcnow() - timedelta(seconds=floor.active_seconds)
    lookup = customer_lookup(db)
    count = 0
    async for visits, events in recent_visits(db, since):
        states: dict[str, VisitState] = {}
        for visit in visits:
            states[visit.id] = _empty_state(visit)
            if visit.customer_id:
                states[visit.id].customer = await lookup(visit.customer_id)
        for visit_id, event_type, occurred_at, data in events:
            states[visit_id].apply(event_type, as_utc(occurred_at).timestamp(), data)
        for visit_id, status in (await open_chats_by_visit(db, list(states))).items():
            states[visit_id].chat_status = status
        for state in states.values():
            floor.restore(state)
        count += len(states)
    return count


def _detail(event_type: str, data: dict[str, Any]) -> str:
    """One line an associate can read; visitor text stays text (the console escapes it)."""
    if event_type == "page_view":
        return f"{data.get('title') or data.get('url', '')} ({data.get('page_type', 'other')})"
    if event_type in ("add_to_cart", "remove_from_cart"):
        return (
            f"{data.get('quantity', 1)} × {data.get('name') or data.get('product_id')} "
            f"at EUR {float(data.get('price', 0)):,.2f}"
        )
    if event_type == "variant_select":
        return f"{data.get('attribute')}: {data.get('value')} on {data.get('product_id')}"
    if event_type == "product_view":
        return str(data.get("name") or data.get("product_id"))
    if event_type == "search":
        return f"searched “{data.get('query')}”"
    if event_type == "checkout_step":
        return f"checkout step {data.get('step')} {data.get('name', '')}".strip()
    if event_type == "purchase":
        code = f" with code {data['coupon']}" if data.get("coupon") else ""
        return f"order {data.get('order_id')} EUR {float(data.get('total', 0)):,.2f}{code}"
    if event_type == "engagement":
        return f"playbook offer {data.get('action')}"
    if event_type == "rage_click":
        return f"{data.get('clicks')} rapid clicks on {data.get('target') or 'the page'}"
    if event_type == "idle":
        return f"idle {data.get('seconds')} s"
    if event_type == "tab_hidden":
        return "left the tab" if data.get("hidden") else "came back to the tab"
    if event_type == "pointer_speed":
        return f"pointer {float(data.get('speed', 0)):,.0f} px/s"
    if event_type == "wishlist_add":
        return f"wish list: {data.get('name') or data.get('product_id')}"
    return ""


async def visit_story(
    db: Database, floor: LiveFloor, actor: Actor, site_id: str, visit_id: str
) -> dict[str, Any]:
    access_site(actor, site_id)
    visit, events = await visit_events(db, site_id, visit_id)
    if visit is None:
        raise not_found("visit")
    state = floor.state.get(site_id, visit_id)
    if state is None:  # left the floor: fold the stored events for the story anyway
        state = _empty_state(visit)
        for event in events:
            state.apply(event.type, as_utc(event.occurred_at).timestamp(), event.data)
    pages = [
        {
            "url": e.data.get("url", ""),
            "title": e.data.get("title", ""),
            "type": e.data.get("page_type", "other"),
            "at": as_utc(e.occurred_at).isoformat(),
        }
        for e in events
        if e.type == "page_view"
    ]
    products = [
        {
            "product_id": pid,
            "name": state.product_names.get(pid, pid),
            "views": views,
            "price": _last_price(events, pid),
        }
        for pid, views in state.products_viewed.items()
    ]
    cart = [
        {
            "product_id": line.product_id,
            "variant_id": line.variant_id,
            "name": line.name,
            "price": line.price,
            "quantity": line.quantity,
        }
        for line in state.cart.values()
    ]
    timeline = [
        {"type": e.type, "at": as_utc(e.occurred_at).isoformat(), "detail": _detail(e.type, e.data)}
        for e in events
        if e.type != "heartbeat"
    ]
    customer: dict[str, Any] | None = None
    if visit.customer_id:
        async with db.reader() as session:
            profile = await customer_profile(session, visit.customer_id, with_orders=10)
        if profile:
            customer = {
                "id": profile.external_id,
                "name": profile.name,
                "email": profile.email,
                "tier": profile.tier,
                "lifetime_value": round(profile.lifetime_value, 2),
                "orders": [
                    {
                        "id": o.id,
                        "placed_at": o.placed_at.isoformat(),
                        "total": o.total,
                        "currency": o.currency,
                        "items": o.items,
                    }
                    for o in profile.orders
                ],
            }
    return {
        "visit": visit_summary(state, time.time(), floor.rules),
        "pages": pages,
        "products": products,
        "cart": cart,
        "events": timeline[-300:],
        "customer": customer,
    }


def _last_price(events: list[Any], product_id: str) -> float | None:
    for event in reversed(events):
        if event.type == "product_view" and event.data.get("product_id") == product_id:
            price = event.data.get("price")
            return float(price) if price is not None else None
    return None
