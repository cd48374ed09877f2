"""One check and one upsert per kind: the catalogue, places, stock, offers, events, reviews.

`check` runs for every row before anything is written (so a file with errors writes nothing and
names every bad row); `write` runs only when the whole file checked clean. People (customers,
associates, orders, wish lists, appointments, interactions) are in `writers_people`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select

from salon.catalog.imports import schemas as s
from salon.catalog.imports.context import Context, Outcome, Problem, upsert, utc
from salon.catalog.models import Product, Review, Variant
from salon.core.ids import new_id
from salon.offers.models import Coupon, Promotion
from salon.stores.models import Inventory, Location, StoreEvent

Check = Callable[[Context, Any], Awaitable[list[Problem]]]
Write = Callable[[Context, Any], Awaitable[Outcome]]


async def no_refs(_ctx: Context, _row: Any) -> list[Problem]:
    return []


def time_order(row: Any, start: str, end: str) -> list[Problem]:
    begins, ends = getattr(row, start), getattr(row, end)
    if begins is not None and ends is not None and utc(ends) <= utc(begins):  # type: ignore[operator]
        return [(end, f"{end} must be after {start}")]
    return []


async def write_location(ctx: Context, row: s.LocationRow) -> Outcome:
    values = row.model_dump(exclude={"external_id"})
    return upsert(
        ctx,
        await ctx.locations(),  # type: ignore[arg-type]
        row.external_id,
        lambda: Location(id=new_id(), site_id=ctx.site_id, external_id=row.external_id),
        values,
    )


async def write_product(ctx: Context, row: s.ProductRow) -> Outcome:
    values = row.model_dump(exclude={"external_id"})
    return upsert(
        ctx,
        await ctx.products(),  # type: ignore[arg-type]
        row.external_id,
        lambda: Product(id=new_id(), site_id=ctx.site_id, external_id=row.external_id),
        values,
    )


async def check_variant(ctx: Context, row: s.VariantRow) -> list[Problem]:
    return await ctx.missing_refs(row, product_id="product")


async def write_variant(ctx: Context, row: s.VariantRow) -> Outcome:
    product = (await ctx.products())[row.product_id]
    values = row.model_dump(exclude={"product_id", "external_id"})
    return upsert(
        ctx,
        await ctx.variants(),  # type: ignore[arg-type]
        (row.product_id, row.external_id),
        lambda: Variant(id=new_id(), product_id=product.id, external_id=row.external_id),
        values,
    )


async def check_inventory(ctx: Context, row: s.InventoryRow) -> list[Problem]:
    problems = await ctx.missing_refs(row, product_id="product", location_id="location")
    if not problems and (row.product_id, row.variant_id) not in await ctx.variants():
        problems.append(
            ("variant_id", f"product {row.product_id!r} has no variant {row.variant_id!r}")
        )
    return problems


async def _inventory(ctx: Context) -> dict[Any, Any]:
    if "inventory" not in ctx.scratch:
        rows = await ctx.session.scalars(
            select(Inventory)
            .join(Location, Location.id == Inventory.location_id)
            .where(Location.site_id == ctx.site_id)
        )
        ctx.scratch["inventory"] = {(i.variant_id, i.location_id): i for i in rows}
    known: dict[Any, Any] = ctx.scratch["inventory"]
    return known


async def write_inventory(ctx: Context, row: s.InventoryRow) -> Outcome:
    variant = (await ctx.variants())[(row.product_id, row.variant_id)]
    location = (await ctx.locations())[row.location_id]
    values = {"quantity": row.quantity, "department": row.department, "aisle": row.aisle}
    return upsert(
        ctx,
        await _inventory(ctx),
        (variant.id, location.id),
        lambda: Inventory(variant_id=variant.id, location_id=location.id, reserved=0),
        values,
    )


async def _by_external_id(ctx: Context, model: Any, name: str) -> dict[Any, Any]:
    if name not in ctx.scratch:
        rows = await ctx.session.scalars(select(model).where(model.site_id == ctx.site_id))
        key = "code" if model is Coupon else "external_id"
        ctx.scratch[name] = {getattr(r, key): r for r in rows}
    known: dict[Any, Any] = ctx.scratch[name]
    return known


async def check_review(ctx: Context, row: s.ReviewRow) -> list[Problem]:
    return await ctx.missing_refs(row, product_id="product", customer_id="customer")


async def write_review(ctx: Context, row: s.ReviewRow) -> Outcome:
    product = (await ctx.products())[row.product_id]
    values = {
        "product_id": product.id,
        "customer_id": await ctx.customer_id(row.customer_id),
        "rating": row.rating,
        "title": row.title,
        "body": row.body,
        "created_at": utc(row.created_at),
    }
    return upsert(
        ctx,
        await _by_external_id(ctx, Review, "reviews"),
        row.external_id,
        lambda: Review(id=new_id(), site_id=ctx.site_id, external_id=row.external_id),
        values,
    )


async def check_promotion(ctx: Context, row: s.PromotionRow) -> list[Problem]:
    products = await ctx.products()
    unknown = [p for p in row.product_ids if p not in products]
    problems = time_order(row, "starts_at", "ends_at")
    if unknown:
        problems.append(("product_ids", f"unknown product {', '.join(map(repr, unknown))}"))
    if row.kind == "percent" and row.value > 100:
        problems.append(("value", "a percent discount is at most 100"))
    return problems


async def write_promotion(ctx: Context, row: s.PromotionRow) -> Outcome:
    values = row.model_dump(exclude={"external_id"})
    values["starts_at"], values["ends_at"] = utc(row.starts_at), utc(row.ends_at)
    return upsert(
        ctx,
        await _by_external_id(ctx, Promotion, "promotions"),
        row.external_id,
        lambda: Promotion(id=new_id(), site_id=ctx.site_id, external_id=row.external_id),
        values,
    )


async def check_coupon(ctx: Context, row: s.CouponRow) -> list[Problem]:
    problems = await ctx.missing_refs(row, customer_id="customer")
    if row.kind == "percent" and row.value > 100:
        problems.append(("value", "a percent discount is at most 100"))
    return problems


async def write_coupon(ctx: Context, row: s.CouponRow) -> Outcome:
    values = row.model_dump(exclude={"code"})
    values["customer_id"] = await ctx.customer_id(row.customer_id)
    values["expires_at"] = utc(row.expires_at)
    return upsert(
        ctx,
        await _by_external_id(ctx, Coupon, "coupons"),
        row.code,
        lambda: Coupon(id=new_id(), site_id=ctx.site_id, code=row.code, redemptions=0),
        values,
    )


async def check_event(ctx: Context, row: s.StoreEventRow) -> list[Problem]:
    problems = await ctx.missing_refs(row, location_id="location")
    return problems + time_order(row, "starts_at", "ends_at")


async def write_event(ctx: Context, row: s.StoreEventRow) -> Outcome:
    values = row.model_dump(exclude={"external_id"})
    values["location_id"] = await ctx.location_id(row.location_id)
    values["starts_at"], values["ends_at"] = utc(row.starts_at), utc(row.ends_at)
    return upsert(
        ctx,
        await _by_external_id(ctx, StoreEvent, "events"),
        row.external_id,
        lambda: StoreEvent(id=new_id(), site_id=ctx.site_id, external_id=row.external_id),
        values,
    )


def writers() -> dict[str, tuple[Check, Write]]:
    """kind -> (check, write); every kind in schemas.KINDS has one."""
    from salon.catalog.imports import writers_people as people

    return {
        "locations": (no_refs, write_location),
        "products": (no_refs, write_product),
        "variants": (check_variant, write_variant),
        "inventory": (check_inventory, write_inventory),
        "customers": (people.check_customer, people.write_customer),
        "associates": (people.check_associate, people.write_associate),
        "orders": (people.check_order_line, people.write_order_line),
        "reviews": (check_review, write_review),
        "wishlists": (people.check_wishlist, people.write_wishlist),
        "promotions": (check_promotion, write_promotion),
        "coupons": (check_coupon, write_coupon),
        "appointments": (people.check_appointment, people.write_appointment),
        "events": (check_event, write_event),
        "interactions": (people.check_interaction, people.write_interaction),
    }
