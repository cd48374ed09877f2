"""The product tools: recommendations, endless aisle, reserve, spec, compare, reviews, location,
gift finder, click-stream and training notes. Each answers from the store's tables.

A tool defaults to what the shopper is doing (the product viewed most in this visit), so the
associate can answer in one click. Cards carry prices, stock and reasons, never commission or
margin: the associate's pay must not show up beside advice (docs/honest-selling.md).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product, Variant
from salon.core.errors import ApiError
from salon.customers.models import Customer
from salon.insight.sentiment import Sentiment
from salon.stores.appointments import store_zone
from salon.stores.models import Location
from salon.stores.service import (
    find_variants,
    reserve_unit,
    shopper_origin,
    stock_by_location,
)
from salon.touchpoints.budget import money
from salon.touchpoints.cards import Card, CardItem, CardTable
from salon.touchpoints.customer_tools import absolute, nothing, now_of, online_stock
from salon.touchpoints.recommend import price_band, ratings, recommend
from salon.touchpoints.registry import ToolContext, ToolParams, ToolResult, action, tool
from salon.touchpoints.store_tools import hours_today

ProductId = Annotated[str, Field(min_length=1, max_length=64)]
_sentiment: Sentiment | None = None


class ProductParams(ToolParams):
    product_id: ProductId | None = None  # the store's id; default: the visit's most viewed


class RecommendParams(ProductParams):
    limit: int = Field(default=4, ge=3, le=8)


class StockParams(ProductParams):
    variant_id: str | None = Field(default=None, max_length=64)
    size: str | None = Field(default=None, max_length=32)
    colour: str | None = Field(default=None, max_length=64)


class ReserveParams(StockParams):
    location_id: str = Field(min_length=1, max_length=64)  # the store's id
    hours: int = Field(default=48, ge=1, le=168)


class CompareParams(ToolParams):
    product_ids: list[ProductId]

    @field_validator("product_ids")
    @classmethod
    def two_to_four(cls, ids: list[str]) -> list[str]:
        unique = list(dict.fromkeys(ids))
        if not 2 <= len(unique) <= 4:
            raise ValueError(f"compare takes 2 to 4 different products, got {len(unique)}")
        return unique


class GiftParams(ToolParams):
    # the demo store's audiences (salon/demo/collection.py) plus children; product.tags holds them
    recipient: Literal["for-her", "for-him", "for-kids", "unisex"] | None = None
    occasion: str = Field(default="", max_length=100)  # free text: "birthday", "anniversary"
    budget_min: float = Field(default=0, ge=0)
    budget_max: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def ordered_budget(self) -> GiftParams:
        if self.budget_max is not None and self.budget_min > self.budget_max:
            raise ValueError("budget_min must not be above budget_max")
        return self


class NoParams(ToolParams):
    pass


def price_of(product: Product, variant: Variant | None = None) -> Decimal:
    return variant.price if variant is not None and variant.price is not None else product.price


def item(
    ctx: ToolContext, product: Product, note: str = "", variant: Variant | None = None
) -> CardItem:
    """A product line: its price (the variant's when set) and "was €X" when marked down."""
    notes = [note] if note else []
    if product.compare_at_price is not None and product.compare_at_price > price_of(product):
        notes.append(f"was {money(float(product.compare_at_price), product.currency)}")
    return CardItem(
        id=product.external_id,
        name=product.name,
        price=float(price_of(product, variant)),
        currency=product.currency,
        image=absolute(ctx, product.image),
        url=absolute(ctx, product.url),
        note=" · ".join(notes),
    )


async def load_products(session: AsyncSession, site_id: str, ids: list[str]) -> list[Product]:
    """Products by the store's ids, in the order asked; a 404 names the unknown ones."""
    rows = await session.scalars(
        select(Product).where(Product.site_id == site_id, Product.external_id.in_(ids))
    )
    found = {p.external_id: p for p in rows.all()}
    missing = [pid for pid in ids if pid not in found]
    if missing:
        raise ApiError(404, "not_found", f"unknown product {', '.join(missing)}", "product_id")
    return [found[pid] for pid in ids]


async def product_for(ctx: ToolContext, product_id: str | None) -> Product | None:
    """The product asked for, else the one the shopper viewed most in this visit."""
    if product_id is None:
        viewed = ctx.visit.products_viewed if ctx.visit else {}
        if not viewed:
            return None
        product_id = max(viewed.items(), key=lambda kv: kv[1])[0]
    return (await load_products(ctx.session, ctx.site_id, [product_id]))[0]


NO_PRODUCT = "no product: the shopper has not viewed one yet, pick one"


@tool("recommendations", "You may also like", RecommendParams)
async def recommendations(ctx: ToolContext, params: RecommendParams) -> ToolResult:
    """Options across price points, each with why: the shopper chooses, nobody is pushed."""
    product = await product_for(ctx, params.product_id)
    if product is None:
        return nothing(NO_PRODUCT)
    cart = {pid for pid, _ in ctx.visit.cart} if ctx.visit else set()
    found = await recommend(ctx.session, ctx.site_id, product, ctx.customer_id, cart, params.limit)
    if not found:
        return nothing("nothing else in stock to suggest")
    items = [
        item(ctx, s.product, f"{s.reason} · {price_band(s.product.price, product.price)}")
        for s in found
    ]
    text = f"A few ideas to go with the {product.name}, at different prices."
    return ToolResult(
        Card(kind="recommendations", title="You may also like", text=text, items=items)
    )


async def _variants(ctx: ToolContext, product: Product, params: StockParams) -> list[Variant]:
    variants = await find_variants(
        ctx.session, product, params.variant_id, params.size, params.colour
    )
    if not variants:
        wanted = params.variant_id or " ".join(x for x in (params.size, params.colour) if x)
        raise ApiError(404, "not_found", f"{product.name} has no variant {wanted!r}", "variant_id")
    return variants


def _label(variants: list[Variant]) -> str:
    if len(variants) != 1:
        return "all sizes and colours"
    return (
        " ".join(
            x for x in (variants[0].size and f"size {variants[0].size}", variants[0].colour) if x
        )
        or "one size"
    )


async def _origin(ctx: ToolContext) -> tuple[float, float] | None:
    presence = ctx.visit.presence if ctx.visit else None
    if presence and presence.get("latitude") is not None and presence.get("longitude") is not None:
        return (float(presence["latitude"]), float(presence["longitude"]))
    if ctx.customer_id is None:
        return None
    customer = await ctx.session.get(Customer, ctx.customer_id)
    if customer is None:
        return None
    return await shopper_origin(ctx.session, ctx.site_id, customer.city, customer.home_location_id)


@tool("stock", "In stock where?", StockParams)
async def stock(ctx: ToolContext, params: StockParams) -> ToolResult:
    """The endless aisle: online units and every store's, nearest first, with today's hours."""
    product = await product_for(ctx, params.product_id)
    if product is None:
        return nothing(NO_PRODUCT)
    variants = await _variants(ctx, product, params)
    places = await stock_by_location(
        ctx.session, ctx.site_id, [v.id for v in variants], await _origin(ctx)
    )
    online = sum(v.stock for v in variants)
    rows = [["Online", str(online), "", ""]]
    items = []
    for place in places:
        hours = hours_today(place.location, ctx) if place.location.kind == "store" else "warehouse"
        far = f"{place.distance_km:.0f} km" if place.distance_km is not None else ""
        rows.append([place.location.name, str(place.free), hours, far])
        if place.free > 0 and place.location.kind == "store":
            note = f"{place.free} available · {hours}" + (f" · {far}" if far else "")
            items.append(
                CardItem(id=place.location.external_id, name=place.location.name, note=note)
            )
    label = _label(variants)
    text = f"{product.name}, {label}: {online} online"
    text += f", in {len(items)} store(s)." if items else ", in no store right now."
    card = Card(
        kind="stock",
        title=f"Where to find the {product.name}",
        text=text,
        items=items[:8],
        table=CardTable(columns=["Where", "Available", "Hours", "Distance"], rows=rows),
        link_url=absolute(ctx, product.url),
        link_label="Buy online",
    )
    return ToolResult(card, {"variants": [v.external_id for v in variants]})


async def _reservation(
    ctx: ToolContext, params: ReserveParams
) -> tuple[Product, Variant, Location]:
    product = await product_for(ctx, params.product_id)
    if product is None:
        raise ApiError(422, "product_required", NO_PRODUCT, "product_id")
    variants = await _variants(ctx, product, params)
    if len(variants) != 1:
        raise ApiError(
            422,
            "variant_required",
            f"choose a size or colour of the {product.name}: "
            + ", ".join(v.external_id for v in variants),
            "variant_id",
        )
    store = await ctx.session.scalar(
        select(Location).where(
            Location.site_id == ctx.site_id, Location.external_id == params.location_id
        )
    )
    if store is None or store.kind != "store":
        raise ApiError(404, "not_found", f"store {params.location_id!r} not found", "location_id")
    return product, variants[0], store


@tool("reserve", "Reserve in store", ReserveParams)
async def reserve(ctx: ToolContext, params: ReserveParams) -> ToolResult:
    """Preview: what would be held, where and until when; nothing changes until it is sent."""
    product, variant, store = await _reservation(ctx, params)
    free = await stock_by_location(ctx.session, ctx.site_id, [variant.id])
    units = next((p.free for p in free if p.location.id == store.id), 0)
    if units < 1:
        return nothing(f"no free {product.name} ({_label([variant])}) at {store.name}")
    until = (now_of(ctx) + timedelta(hours=params.hours)).astimezone(store_zone(store))
    what = f"1 × {product.name} ({_label([variant])})"
    text = f"Hold {what} at {store.name} until {until:%a %d %b %H:%M}."
    return ToolResult(
        Card(
            kind="stock",
            title="Reserve in store",
            text=text,
            items=[item(ctx, product, f"{units} available", variant)],
        )
    )


@action("reserve")
async def confirm_reserve(ctx: ToolContext, params: ReserveParams) -> ToolResult:
    """Hold one unit (never beyond what the store has) and tell the shopper until when."""
    product, variant, store = await _reservation(ctx, params)
    expires = now_of(ctx) + timedelta(hours=params.hours)
    held = await reserve_unit(
        ctx.session, variant.id, store.id, expires, ctx.site_id, ctx.customer_id, ctx.visitor_id
    )
    if not held:
        raise ApiError(
            409, "sold_out", f"no free {product.name} ({_label([variant])}) left at {store.name}"
        )
    until = expires.astimezone(store_zone(store))
    text = f"Reserved for you at {store.name} until {until:%a %d %b %H:%M}."
    card = Card(
        kind="stock",
        title="Reserved for you",
        text=text,
        items=[item(ctx, product, f"{_label([variant])} · {store.address}", variant)],
    )
    return ToolResult(
        card,
        {
            "location_id": store.external_id,
            "variant_id": variant.external_id,
            "until": until.isoformat(),
        },
    )


@tool("spec", "Spec sheet", ProductParams)
async def spec(ctx: ToolContext, params: ProductParams) -> ToolResult:
    """The spec sheet as a table the shopper can read in the chat."""
    product = await product_for(ctx, params.product_id)
    if product is None:
        return nothing(NO_PRODUCT)
    rows = [[str(k), str(v)] for k, v in (product.specs or {}).items()]
    rows += [
        [str(k).capitalize(), str(v)]
        for k, v in (product.attributes or {}).items()
        if str(k).lower() not in {str(s).lower() for s in product.specs or {}}
    ]
    card = Card(
        kind="spec",
        title=product.name,
        text=product.description[:500],
        items=[item(ctx, product)],
        table=CardTable(columns=["", "Detail"], rows=rows),
        link_url=absolute(ctx, product.url),
        link_label="Product page",
    )
    return ToolResult(card)


def _stars(rating: tuple[float, int] | None) -> str:
    return f"{rating[0]:.1f} ★ ({rating[1]})" if rating else "no reviews"


@tool("compare", "Compare", CompareParams)
async def compare(ctx: ToolContext, params: CompareParams) -> ToolResult:
    """Side by side, plus the best-rated cheaper product of the same category if one exists."""
    products = await load_products(ctx.session, ctx.site_id, params.product_ids)
    cheapest = min(p.price for p in products)
    categories = {p.category for p in products}
    candidates = list(
        (
            await ctx.session.scalars(
                select(Product).where(
                    Product.site_id == ctx.site_id,
                    Product.category.in_(categories),
                    Product.price < cheapest,
                    Product.external_id.not_in(params.product_ids),
                )
            )
        ).all()
    )
    stocked = await online_stock(ctx.session, [p.id for p in products + candidates])
    floor = {c: min(p.price for p in products if p.category == c) for c in categories}
    candidates = [c for c in candidates if stocked.get(c.id, 0) > 0 and c.price < floor[c.category]]
    stars = await ratings(ctx.session, [p.id for p in products + candidates])
    alternative = max(candidates, key=lambda c: (stars.get(c.id, (0.0, 0)), -c.price), default=None)
    columns = products + ([alternative] if alternative else [])
    labels: list[str] = []
    for p in columns:
        for key in list((p.specs or {}).keys()) + list((p.attributes or {}).keys()):
            if str(key) not in labels:
                labels.append(str(key))
    rows = [
        ["Price", *[money(float(p.price), p.currency) for p in columns]],
        ["Rating", *[_stars(stars.get(p.id)) for p in columns]],
        ["Online", *[str(stocked.get(p.id, 0)) for p in columns]],
    ]
    for label in labels:
        rows.append(
            [
                label,
                *[
                    str({**(p.attributes or {}), **(p.specs or {})}.get(label, "–"))
                    for p in columns
                ],
            ]
        )
    names = [p.name for p in products]
    items = [item(ctx, p, _stars(stars.get(p.id))) for p in products]
    text = "Side by side: " + ", ".join(names) + "."
    if alternative is not None:
        names.append(f"{alternative.name} (cheaper alternative)")
        items.append(
            item(ctx, alternative, f"cheaper alternative · {_stars(stars.get(alternative.id))}")
        )
        text += (
            f" We also show the {alternative.name}, a cheaper alternative in the same "
            "category: the best choice is not always the dearest."
        )
    card = Card(
        kind="compare",
        title="Compare",
        text=text,
        items=items,
        table=CardTable(columns=["", *names], rows=rows),
    )
    return ToolResult(card)
