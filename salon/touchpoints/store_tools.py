"""The store tools: expert appointments, upcoming events, and the shopper's presence at a store.

Imported by customer_tools.py (registration happens on import). Booking is the one write: the
preview lists free slots, the send path runs the `@action` which books the slot for this chat's
shopper and returns the confirmation card.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product, Variant
from salon.core.errors import ApiError
from salon.stores.appointments import (
    WEEKDAYS,
    book,
    free_slots,
    opening_window,
    parse_slot,
    store_zone,
)
from salon.stores.events import (
    NEAR_STORE_KM,
    shopper_store,
    store_from_presence,
    upcoming_events,
)
from salon.stores.models import Inventory, Location
from salon.touchpoints.cards import Card, CardItem, CardTable
from salon.touchpoints.customer_tools import NoParams, nothing, now_of
from salon.touchpoints.registry import ToolContext, ToolParams, ToolResult, action, tool

Text40 = Annotated[str, Field(min_length=1, max_length=40)]
ExternalId = Annotated[str, Field(min_length=1, max_length=64)]


class AppointmentParams(ToolParams):
    skill: Text40
    location_id: ExternalId | None = None  # the store's external id; None: every store
    day: date | None = None  # a local day at the store
    slot: Annotated[str, Field(max_length=40)] | None = None  # to book: a slot's UTC start
    associate_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")] | None = None
    note: Annotated[str, Field(max_length=500)] = ""


async def _store(session: AsyncSession, site_id: str, external_id: str | None) -> Location | None:
    if external_id is None:
        return None
    found = await session.scalar(
        select(Location).where(Location.site_id == site_id, Location.external_id == external_id)
    )
    if found is None:
        raise ApiError(404, "not_found", f"location_id: no store {external_id!r}", "location_id")
    return found


@tool("appointment", "Book an expert", AppointmentParams)
async def appointment(ctx: ToolContext, params: AppointmentParams) -> ToolResult:
    """Free hours with an expert, so the associate can offer a visit the shopper can keep."""
    store = await _store(ctx.session, ctx.site_id, params.location_id)
    slots = await free_slots(
        ctx.session,
        ctx.site_id,
        params.skill,
        now_of(ctx),
        store.id if store else None,
        params.day,
        params.associate_id,
    )
    if not slots:
        return nothing(f"no free {params.skill} expert in the next 14 days")
    codes = {
        loc.id: loc.external_id
        for loc in (
            await ctx.session.scalars(
                select(Location).where(Location.id.in_({s.location_id for s in slots}))
            )
        ).all()
    }
    items = [
        CardItem(
            id=f"{slot.key}@{codes[slot.location_id]}",
            name=f"{slot.local_start:%a %d %b, %H:%M}",
            note=f"{slot.location_name} · with {slot.experts[0].name}",
        )
        for slot in slots[:8]
    ]
    table = CardTable(
        columns=["Store", "Day", "Time", "Experts"],
        rows=[
            [
                slot.location_name,
                f"{slot.local_start:%a %d %b}",
                f"{slot.local_start:%H:%M}",
                ", ".join(e.name for e in slot.experts),
            ]
            for slot in slots[:40]
        ],
    )
    card = Card(
        kind="appointment",
        title=f"Book an hour with our {params.skill} expert",
        text="Pick a time that suits you and we will confirm it here.",
        items=items,
        table=table,
    )
    context = {
        "slots": [
            {
                "slot": slot.key,
                "location_id": codes[slot.location_id],
                "experts": [e.associate_id for e in slot.experts],
            }
            for slot in slots
        ]
    }
    return ToolResult(card, context)


@action("appointment")
async def book_appointment(ctx: ToolContext, params: AppointmentParams) -> ToolResult:
    """Book the chosen slot for this chat's shopper; 409 when another chat got there first."""
    if params.slot is None:
        raise ApiError(422, "invalid", "slot: pick a slot to book", "slot")
    if params.location_id is None:
        raise ApiError(422, "invalid", "location_id: say which store", "location_id")
    if ctx.customer_id is None and ctx.visitor_id is None:
        raise ApiError(422, "invalid", "no shopper in this chat to book for")
    store = await _store(ctx.session, ctx.site_id, params.location_id)
    assert store is not None
    booked, expert, location = await book(
        ctx.session,
        ctx.site_id,
        location_id=store.id,
        skill=params.skill,
        starts_at=parse_slot(params.slot),
        now=now_of(ctx),
        associate_id=params.associate_id,
        customer_id=ctx.customer_id,
        visitor_id=ctx.visitor_id,
        note=params.note,
    )
    local = booked.starts_at.astimezone(store_zone(location))
    with_whom = f"{expert.name} ({expert.title})" if expert.title else expert.name
    card = Card(
        kind="appointment",
        title="Your appointment is booked",
        text=f"{local:%A %d %B at %H:%M} at {location.name} with {with_whom}.",
        items=[
            CardItem(
                id=booked.id,
                name=f"{params.skill.title()} appointment, {local:%a %d %b %H:%M}",
                note=", ".join(x for x in (location.address, location.city) if x),
            )
        ],
    )
    return ToolResult(card, {"appointment_id": booked.id, "associate_id": expert.associate_id})


@tool("events", "Store events", NoParams)
async def events(ctx: ToolContext, _params: NoParams) -> ToolResult:
    """What is on in the next 60 days, at the shopper's own store first."""
    presence = ctx.visit.presence if ctx.visit else None
    home = await shopper_store(ctx.session, ctx.site_id, ctx.customer_id, presence)
    found = await upcoming_events(ctx.session, ctx.site_id, now_of(ctx), home.id if home else None)
    if not found:
        return nothing("no store event in the next 60 days")
    items = []
    for upcoming in found[:8]:
        where = upcoming.location
        local = upcoming.starts_at.astimezone(store_zone(where)) if where else upcoming.starts_at
        place = where.name if where else "online"
        if upcoming.preferred:
            place += " (your store)"
        full = upcoming.event.description[:120]
        items.append(
            CardItem(
                id=upcoming.event.external_id,
                name=upcoming.event.title,
                note=f"{local:%a %d %b, %H:%M} · {place}" + (f" · {full}" if full else ""),
            )
        )
    text = f"Coming up at {home.name} and our other stores" if home else "Coming up in our stores"
    card = Card(kind="events", title="Events in store", text=text, items=items)
    return ToolResult(card, {"home_store": home.external_id if home else None})


def ago(seconds: float) -> str:
    minutes = int(max(0.0, seconds) // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    return f"{minutes // 60} h ago"


def hours_today(location: Location, ctx: ToolContext) -> str:
    today = now_of(ctx).astimezone(store_zone(location)).date()
    window = opening_window(location, today)
    if window is None:
        return f"closed today ({WEEKDAYS[today.weekday()]})"
    return f"open today {window[0]:%H:%M}-{window[1]:%H:%M}"


async def stock_here(
    session: AsyncSession, location_id: str, site_id: str, product_ids: list[str]
) -> dict[str, tuple[int, str]]:
    """Free units per product (external id) at the store, and the first place to find them."""
    if not product_ids:
        return {}
    rows = await session.execute(
        select(
            Product.external_id,
            func.sum(Inventory.quantity - Inventory.reserved),
            func.max(Inventory.department),
            func.max(Inventory.aisle),
        )
        .join(Variant, Variant.product_id == Product.id)
        .join(Inventory, Inventory.variant_id == Variant.id)
        .where(
            Product.site_id == site_id,
            Product.external_id.in_(product_ids),
            Inventory.location_id == location_id,
        )
        .group_by(Product.external_id)
    )
    found: dict[str, tuple[int, str]] = {}
    for pid, units, department, aisle in rows.all():
        found[pid] = (int(units or 0), ", ".join(x for x in (department, aisle) if x))
    return found


@tool("presence", "In store?", NoParams)
async def presence(ctx: ToolContext, _params: NoParams) -> ToolResult:
    """When the site reports the shopper near or in a store, the associate can send them to
    the right floor with what is in their bag, instead of talking to them as if they were home."""
    reported: dict[str, Any] | None = ctx.visit.presence if ctx.visit else None
    if not reported:
        return nothing("the site has not said whether this shopper is near a store")
    store = await store_from_presence(ctx.session, ctx.site_id, reported, max_km=NEAR_STORE_KM)
    when = ago(now_of(ctx).timestamp() - float(reported["at"]))
    if store is None:
        return nothing(f"presence reported {when}, but no store matches it", presence=reported)
    state = str(reported["state"])
    doing = {"in_store": "In", "near": "Near", "left": "Just left"}[state]
    title = f"{doing} {store.name}" + (" now" if state != "left" else "") + f" ({when})"
    cart = list(ctx.visit.cart.values()) if ctx.visit else []
    stock = await stock_here(ctx.session, store.id, ctx.site_id, [c.product_id for c in cart])
    items = []
    for line in cart[:8]:
        units, place = stock.get(line.product_id, (0, ""))
        note = (
            f"{units} here" + (f", {place}" if place else "") if units > 0 else "not in stock here"
        )
        items.append(CardItem(id=line.product_id, name=line.name, note=note))
    departments = [[str(k), str(v)] for k, v in (store.departments or {}).items()]
    card = Card(
        kind="presence",
        title=title,
        text=f"{store.name}, {store.address} — {hours_today(store, ctx)}.",
        items=items,
        table=CardTable(columns=["Department", "Where"], rows=departments) if departments else None,
    )
    return ToolResult(
        card, {"state": state, "location_id": store.external_id, "at": reported["at"]}
    )
