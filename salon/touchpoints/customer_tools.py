"""The shopper's own tools: wish list, loyalty, promotions for this cart, coupons.

Every answer is read from the store's tables for the shopper in this chat (ToolContext), never
from what the console sends. When the tool cannot answer (not signed in, empty wish list) it
returns no card and tells the associate why in `context["message"]`, so nothing misleading is
sent. Store tools (appointments, events, presence) live in store_tools.py.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product, Variant
from salon.customers.models import WishlistItem
from salon.offers.service import (
    cart_total,
    describe_discount,
    evaluate_promotions,
    loyalty_status,
    money,
    price_cart,
    usable_coupons,
)
from salon.touchpoints.cards import Card, CardItem, CardTable
from salon.touchpoints.registry import ToolContext, ToolParams, ToolResult, tool

SUGGESTIONS = 6


class NoParams(ToolParams):
    pass


class WishlistParams(ToolParams):
    suggest: bool = False  # True: items like the wish list's, instead of the list itself


def now_of(ctx: ToolContext) -> datetime:
    return datetime.fromtimestamp(ctx.now if ctx.now is not None else time.time(), tz=UTC)


def absolute(ctx: ToolContext, link: str) -> str:
    return urljoin(ctx.store_url.rstrip("/") + "/", link) if link else ""


def eur(value: Decimal, currency: str = "EUR") -> str:
    return f"{currency} {money(value):,}"


def nothing(message: str, **context: Any) -> ToolResult:
    """No card: the console shows the associate why."""
    return ToolResult(None, {"message": message, **context})


def not_signed_in() -> ToolResult:
    return nothing("not signed in: ask the shopper to sign in on the store to see this")


async def online_stock(session: AsyncSession, product_ids: list[str]) -> dict[str, int]:
    """Units in the web warehouse per product (internal id)."""
    if not product_ids:
        return {}
    rows = await session.execute(
        select(Variant.product_id, func.coalesce(func.sum(Variant.stock), 0))
        .where(Variant.product_id.in_(product_ids))
        .group_by(Variant.product_id)
    )
    return {pid: int(qty) for pid, qty in rows.all()}


def product_item(
    ctx: ToolContext, product: Product, note: str, price: Decimal | None = None
) -> CardItem:
    return CardItem(
        id=product.external_id,
        name=product.name,
        price=float(price if price is not None else product.price),
        currency=product.currency,
        image=absolute(ctx, product.image),
        url=absolute(ctx, product.url),
        note=note,
    )


def stock_note(units: int) -> str:
    if units <= 0:
        return "out of stock online"
    return f"only {units} left online" if units <= 3 else "in stock online"


@tool("wishlist", "Wish list", WishlistParams)
async def wishlist(ctx: ToolContext, params: WishlistParams) -> ToolResult:
    """The wish list at today's prices (a markdown is the best reason to get in touch)."""
    if ctx.customer_id is None:
        return not_signed_in()
    rows = (
        await ctx.session.execute(
            select(WishlistItem, Product)
            .join(
                Product,
                (Product.site_id == WishlistItem.site_id)
                & (Product.external_id == WishlistItem.product_external_id),
            )
            .where(WishlistItem.customer_id == ctx.customer_id, WishlistItem.site_id == ctx.site_id)
            .order_by(WishlistItem.added_at.desc())
        )
    ).all()
    if not rows:
        return nothing("the wish list is empty")
    if params.suggest:
        return await _suggest(ctx, [product for _, product in rows])
    stock = await online_stock(ctx.session, [p.id for _, p in rows])
    variants = {
        v.external_id: v
        for v in (
            await ctx.session.scalars(
                select(Variant).where(
                    Variant.product_id.in_([p.id for _, p in rows]),
                    Variant.external_id.in_(
                        [w.variant_external_id for w, _ in rows if w.variant_external_id]
                    ),
                )
            )
        ).all()
    }
    items: list[CardItem] = []
    on_sale = 0
    for wish, product in rows:
        variant = variants.get(wish.variant_external_id or "")
        price = variant.price if variant and variant.price is not None else product.price
        units = variant.stock if variant else stock.get(product.id, 0)
        notes = []
        if product.compare_at_price is not None and product.compare_at_price > price:
            on_sale += 1
            notes.append(f"now on sale (was {eur(product.compare_at_price, product.currency)})")
        if variant is not None and (variant.size or variant.colour):
            notes.append(" ".join(x for x in (variant.colour, variant.size) if x))
        notes.append(stock_note(units))
        items.append(product_item(ctx, product, " · ".join(notes), price))
    text = f"{len(rows)} saved item{'s' if len(rows) > 1 else ''}"
    if on_sale:
        text += f", {on_sale} now on sale"
    card = Card(kind="wishlist", title="Your wish list", text=text, items=items[:8])
    return ToolResult(card, {"count": len(rows), "on_sale": on_sale})


def spread(candidates: list[Product], count: int) -> list[Product]:
    """`count` products spread evenly from the cheapest to the dearest (honest choice)."""
    ordered = sorted(candidates, key=lambda p: (p.price, p.external_id))
    if len(ordered) <= count:
        return ordered
    step = (len(ordered) - 1) / (count - 1)
    return [ordered[round(i * step)] for i in range(count)]


async def _suggest(ctx: ToolContext, wished: list[Product]) -> ToolResult:
    categories = sorted({p.category for p in wished})
    wished_ids = {p.id for p in wished}
    candidates = [
        p
        for p in (
            await ctx.session.scalars(
                select(Product).where(
                    Product.site_id == ctx.site_id, Product.category.in_(categories)
                )
            )
        ).all()
        if p.id not in wished_ids
    ]
    stock = await online_stock(ctx.session, [p.id for p in candidates])
    in_stock = [p for p in candidates if stock.get(p.id, 0) > 0]
    if not in_stock:
        return nothing("nothing similar in stock online", categories=categories)
    picked = spread(in_stock, SUGGESTIONS)
    reference = min(p.price for p in wished)
    items = []
    for product in picked:
        notes = [product.category, stock_note(stock[product.id])]
        if product.price < reference:
            notes.append("cheaper alternative")
        items.append(product_item(ctx, product, " · ".join(notes)))
    card = Card(
        kind="wishlist",
        title="Picked for you from your wish list",
        text=f"Like what you saved in {', '.join(categories)}, at several prices",
        items=items,
    )
    return ToolResult(card, {"categories": categories})


@tool("loyalty", "Loyalty", NoParams)
async def loyalty(ctx: ToolContext, _params: NoParams) -> ToolResult:
    """Tier and points: the reason to buy here rather than elsewhere, said at the right time."""
    if ctx.customer_id is None:
        return not_signed_in()
    status = await loyalty_status(ctx.session, ctx.customer_id)
    if status is None:
        return not_signed_in()
    tier = status.tier.title() if status.tier != "none" else "Member"
    text = f"{status.points:,} points, worth {eur(status.points_value)} at checkout."
    if status.next_tier:
        text += f" {eur(status.to_next_tier)} more to reach {status.next_tier.title()}."
    else:
        text += " You are at our highest tier."
    rows = [
        ["Tier", tier],
        ["Points", f"{status.points:,}"],
        ["Worth", eur(status.points_value)],
        ["Spent with us", eur(status.lifetime_spend)],
        ["Orders", str(status.order_count)],
    ]
    card = Card(
        kind="loyalty",
        title=f"Your loyalty status: {tier}",
        text=text,
        table=CardTable(columns=["", ""], rows=rows),
    )
    return ToolResult(card, {"tier": status.tier, "points": status.points})


async def _tier(ctx: ToolContext) -> str:
    if ctx.customer_id is None:
        return "none"
    status = await loyalty_status(ctx.session, ctx.customer_id)
    return status.tier if status else "none"


@tool("promotions", "Offers for this cart", NoParams)
async def promotions(ctx: ToolContext, _params: NoParams) -> ToolResult:
    """What the cart saves now and what it nearly gets: "add EUR 40 for free shipping"."""
    cart = list(ctx.visit.cart.values()) if ctx.visit else []
    lines = await price_cart(ctx.session, ctx.site_id, cart)
    outcomes = await evaluate_promotions(
        ctx.session, ctx.site_id, lines, await _tier(ctx), now_of(ctx)
    )
    if not outcomes:
        return nothing("no promotion applies to this cart or is within reach")
    items: list[CardItem] = []
    saved = Decimal(0)
    for outcome in outcomes:
        promo = outcome.promotion
        gives = describe_discount(promo.kind, promo.value)
        if outcome.applies:
            saved += outcome.saving
            note = f"{gives}: you save {eur(outcome.saving)}" if outcome.saving else gives
        else:
            scope = " of eligible items" if promo.categories or promo.product_ids else ""
            note = f"add {eur(outcome.gap)}{scope} to get {gives}"
        if promo.ends_at is not None:
            note += f" · until {promo.ends_at:%d %b}"
        items.append(CardItem(id=promo.external_id, name=promo.name, note=note))
    applying = sum(1 for o in outcomes if o.applies)
    text = (
        f"Your bag ({eur(cart_total(lines))}) saves {eur(saved)} with {applying} offer"
        f"{'s' if applying != 1 else ''}"
        if applying
        else f"Your bag ({eur(cart_total(lines))}) is close to these offers"
    )
    card = Card(kind="promotions", title="Offers for your bag", text=text, items=items[:8])
    return ToolResult(
        card,
        {
            "saving": float(saved),
            "nearly": [
                {"id": o.promotion.external_id, "gap": float(o.gap)}
                for o in outcomes
                if not o.applies
            ],
        },
    )


@tool("coupons", "Coupons", NoParams)
async def coupons(ctx: ToolContext, _params: NoParams) -> ToolResult:
    """Codes this shopper can type at checkout now; their personal ones first."""
    cart = list(ctx.visit.cart.values()) if ctx.visit else []
    total = cart_total(await price_cart(ctx.session, ctx.site_id, cart))
    offers = await usable_coupons(ctx.session, ctx.site_id, ctx.customer_id, total, now_of(ctx))
    if not offers:
        return nothing("no coupon this shopper can use now")
    items = []
    for offer in offers[:8]:
        coupon = offer.coupon
        parts = [describe_discount(coupon.kind, coupon.value)]
        if offer.personal:
            parts.insert(0, "just for you")
        if coupon.source == "third_party":
            parts.append(f"from {coupon.partner or 'a partner'}")
        if coupon.expires_at is not None:
            parts.append(f"until {coupon.expires_at:%d %b %Y}")
        name = f"{coupon.code} · {coupon.description}" if coupon.description else coupon.code
        items.append(CardItem(id=coupon.code, name=name, note=" · ".join(parts)))
    card = Card(
        kind="coupons",
        title="Codes you can use today",
        text="Type the code at checkout.",
        items=items,
    )
    return ToolResult(card, {"codes": [o.coupon.code for o in offers]})
