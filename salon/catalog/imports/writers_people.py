"""Checks and upserts for people and what they did: customers, associates, orders, wish lists,
appointments and interactions (the catalogue and places are in `writers`)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from salon.catalog.imports import schemas as s
from salon.catalog.imports.context import Context, Outcome, Problem, update_fields, upsert, utc
from salon.chat.models import ChatAgent
from salon.core.clock import utcnow
from salon.core.ids import new_id
from salon.customers.models import Customer, Order, OrderLine, WishlistItem
from salon.identity.models import Associate, AssociateSite
from salon.stores.models import Appointment

# argon2 cannot parse this, so login always fails until an admin sets a real password
UNUSABLE_PASSWORD = "!imported-no-password"
ORDER_FIELDS = ("customer_id", "placed_at", "currency", "location_id", "source")


async def check_customer(ctx: Context, row: s.CustomerRow) -> list[Problem]:
    return await ctx.missing_refs(row, home_location_id="location")


async def write_customer(ctx: Context, row: s.CustomerRow) -> Outcome:
    values = {
        "name": row.name or None,
        "email": str(row.email) if row.email else None,
        "phone": row.phone or None,
        "city": row.city or None,
        "country": row.country or None,
        "loyalty_tier": row.loyalty_tier,
        "loyalty_points": row.loyalty_points,
        "consent_email": row.consent_email,
        "consent_sms": row.consent_sms,
        "preferences": row.preferences,
        "home_location_id": await ctx.location_id(row.home_location_id),
    }
    return upsert(
        ctx,
        await ctx.customers(),  # type: ignore[arg-type]
        row.external_id,
        lambda: Customer(id=new_id(), site_id=ctx.site_id, external_id=row.external_id),
        values,
    )


async def check_associate(ctx: Context, row: s.AssociateRow) -> list[Problem]:
    problems = await ctx.missing_refs(row, home_location_id="location")
    found = (await ctx.associates()).get(str(row.email).lower())
    if found is not None and found[1] is None:
        reason = "this e-mail belongs to an account of another site; an admin must add it here"
        problems.append(("email", reason))
    return problems


async def write_associate(ctx: Context, row: s.AssociateRow) -> Outcome:
    email = str(row.email).lower()
    membership_values = {
        "home_location_id": await ctx.location_id(row.home_location_id),
        "commission_id": row.commission_id,
        "title": row.title,
    }
    agent_values = {"skills": row.skills, "languages": row.languages}
    known = await ctx.associates()
    found = known.get(email)
    if found is None:
        associate = Associate(
            id=new_id(),
            email=email,
            name=row.name,
            password_hash=UNUSABLE_PASSWORD,
            role=row.role,
            active=True,
        )
        ctx.session.add(associate)
        await ctx.session.flush()
        membership = AssociateSite(associate_id=associate.id, site_id=ctx.site_id)
        update_fields(membership, membership_values)
        ctx.session.add(membership)
        ctx.session.add(ChatAgent(associate_id=associate.id, **agent_values))
        known[email] = (associate, membership)
        return "created"
    associate, existing_membership = found
    assert existing_membership is not None  # check_associate refused other sites' accounts
    changed = update_fields(associate, {"name": row.name, "role": row.role})
    changed = update_fields(existing_membership, membership_values) or changed
    agent = await ctx.session.get(ChatAgent, associate.id)
    if agent is None:
        if row.skills or row.languages:
            ctx.session.add(ChatAgent(associate_id=associate.id, **agent_values))
            changed = True
    else:
        changed = update_fields(agent, agent_values) or changed
    return "updated" if changed else "unchanged"


def _order_lines(ctx: Context) -> dict[str, list[s.OrderLineRow]]:
    found: dict[str, list[s.OrderLineRow]] = ctx.scratch.setdefault(
        "order_lines", defaultdict(list)
    )
    return found


async def check_order_line(ctx: Context, row: s.OrderLineRow) -> list[Problem]:
    problems = await ctx.missing_refs(
        row, customer_id="customer", location_id="location", product_id="product"
    )
    lines = _order_lines(ctx)[row.order_id]
    if lines:
        first = lines[0]
        for name in ORDER_FIELDS:
            mine, theirs = getattr(row, name), getattr(first, name)
            if name == "placed_at":
                mine, theirs = utc(mine), utc(theirs)
            if mine != theirs:
                reason = f"differs from the first line of order {row.order_id!r} ({theirs})"
                problems.append((name, reason))
    lines.append(row)
    return problems


async def _orders(ctx: Context) -> dict[Any, Any]:
    if "orders" not in ctx.scratch:
        rows = await ctx.session.scalars(
            select(Order.external_id).where(Order.site_id == ctx.site_id)
        )
        ctx.scratch["orders"] = {external_id: True for external_id in rows}
    found: dict[Any, Any] = ctx.scratch["orders"]
    return found


async def write_order_line(ctx: Context, row: s.OrderLineRow) -> Outcome:
    """Orders are history: one already imported stays as it was, and its lines say unchanged."""
    orders = await _orders(ctx)
    written: set[str] = ctx.scratch.setdefault("orders_written", set())
    if row.order_id in written:
        return "created"
    if row.order_id in orders:
        return "unchanged"
    lines = _order_lines(ctx)[row.order_id]
    products = await ctx.products()
    order = Order(
        id=new_id(),
        site_id=ctx.site_id,
        customer_id=await ctx.customer_id(row.customer_id),
        external_id=row.order_id,
        placed_at=utc(row.placed_at),
        total=sum((line.unit_price * line.quantity for line in lines), Decimal(0)),
        currency=row.currency,
        source=row.source,
        location_id=await ctx.location_id(row.location_id),
    )
    ctx.session.add(order)
    await ctx.session.flush()
    for line in lines:
        ctx.session.add(
            OrderLine(
                order_id=order.id,
                product_external_id=line.product_id,
                name=line.name or products[line.product_id].name,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
        )
    written.add(row.order_id)
    orders[row.order_id] = True
    return "created"


async def check_wishlist(ctx: Context, row: s.WishlistRow) -> list[Problem]:
    problems = await ctx.missing_refs(row, customer_id="customer", product_id="product")
    if (
        not problems
        and row.variant_id is not None
        and (row.product_id, row.variant_id) not in await ctx.variants()
    ):
        problems.append(
            ("variant_id", f"product {row.product_id!r} has no variant {row.variant_id!r}")
        )
    return problems


async def write_wishlist(ctx: Context, row: s.WishlistRow) -> Outcome:
    customer_id = await ctx.customer_id(row.customer_id)
    known = ctx.scratch.get("wishlists")
    if known is None:
        rows = await ctx.session.scalars(
            select(WishlistItem).where(WishlistItem.site_id == ctx.site_id)
        )
        known = ctx.scratch["wishlists"] = {(w.customer_id, w.product_external_id): w for w in rows}
    values: dict[str, Any] = {"variant_external_id": row.variant_id}
    if row.added_at is not None:
        values["added_at"] = utc(row.added_at)
    return upsert(
        ctx,
        known,
        (customer_id, row.product_id),
        lambda: WishlistItem(
            site_id=ctx.site_id,
            customer_id=customer_id,
            product_external_id=row.product_id,
            added_at=utcnow(),
        ),
        values,
    )


async def _appointments(ctx: Context) -> dict[Any, Any]:
    if "appointments" not in ctx.scratch:
        rows = await ctx.session.scalars(
            select(Appointment).where(Appointment.site_id == ctx.site_id)
        )
        ctx.scratch["appointments"] = {a.external_id: a for a in rows}
    found: dict[Any, Any] = ctx.scratch["appointments"]
    return found


async def check_appointment(ctx: Context, row: s.AppointmentRow) -> list[Problem]:
    problems = await ctx.missing_refs(row, location_id="location", customer_id="customer")
    if utc(row.ends_at) <= utc(row.starts_at):  # type: ignore[operator]
        problems.append(("ends_at", "ends_at must be after starts_at"))
    if row.associate_email is None:
        return problems
    found = (await ctx.associates()).get(str(row.associate_email).lower())
    if found is None or found[1] is None:
        problems.append(("associate_email", f"no associate {row.associate_email} on this site"))
        return problems
    if row.status == "booked":
        slot = (found[0].id, utc(row.starts_at))
        taken: dict[Any, str] = ctx.scratch.setdefault("slots", {})
        for other in (await _appointments(ctx)).values():
            if other.status == "booked" and (other.associate_id, utc(other.starts_at)) == slot:
                taken.setdefault(slot, other.external_id)
        holder = taken.setdefault(slot, row.external_id)
        if holder != row.external_id:
            reason = f"the expert is already booked at this time (appointment {holder!r})"
            problems.append(("starts_at", reason))
    return problems


async def write_appointment(ctx: Context, row: s.AppointmentRow) -> Outcome:
    associate_id = None
    if row.associate_email is not None:
        associate_id = (await ctx.associates())[str(row.associate_email).lower()][0].id
    values = {
        "location_id": await ctx.location_id(row.location_id),
        "associate_id": associate_id,
        "customer_id": await ctx.customer_id(row.customer_id),
        "skill": row.skill,
        "starts_at": utc(row.starts_at),
        "ends_at": utc(row.ends_at),
        "status": row.status,
        "note": row.note,
    }
    return upsert(
        ctx,
        await _appointments(ctx),
        row.external_id,
        lambda: Appointment(id=new_id(), site_id=ctx.site_id, external_id=row.external_id),
        values,
    )


async def check_interaction(ctx: Context, row: s.InteractionRow) -> list[Problem]:
    return await ctx.missing_refs(row, customer_id="customer", location_id="location")


async def write_interaction(ctx: Context, row: s.InteractionRow) -> Outcome:
    """The timeline's own recorder, so imported contacts get the same sentiment as the API's."""
    from salon.customers.timeline import record_interaction

    return await record_interaction(ctx.session, ctx.site_id, row)
