"""More product tools: reviews, where it is in the store, gift finder, click-stream, training notes.

Imported by product_tools.py (registration happens on import); split out to keep modules small.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select

from salon.catalog.models import Product, Review, Variant
from salon.customers.models import Customer
from salon.insight.sentiment import Sentiment
from salon.stores.service import aisle_of, stock_by_location
from salon.touchpoints.cards import Card, CardItem, CardTable
from salon.touchpoints.customer_tools import nothing, online_stock
from salon.touchpoints.product_tools import (
    NO_PRODUCT,
    GiftParams,
    NoParams,
    ProductParams,
    item,
    product_for,
)
from salon.touchpoints.recommend import in_stock_products, ratings
from salon.touchpoints.registry import ToolContext, ToolResult, tool

_sentiment: Sentiment | None = None


def _mood(texts: list[str]) -> str:
    """'mostly positive' / 'mixed' / 'mostly negative' over the review texts."""
    global _sentiment
    if not texts:
        return ""
    if _sentiment is None:
        _sentiment = Sentiment()
    score = sum(_sentiment.score(t) for t in texts) / len(texts)
    return "mostly positive" if score > 0.2 else "mostly negative" if score < -0.2 else "mixed"


@tool("reviews", "Reviews", ProductParams)
async def reviews(ctx: ToolContext, params: ProductParams) -> ToolResult:
    """What other shoppers say: the average, the spread, the best and the worst in their words."""
    product = await product_for(ctx, params.product_id)
    if product is None:
        return nothing(NO_PRODUCT)
    rows = list(
        (
            await ctx.session.scalars(
                select(Review)
                .where(Review.product_id == product.id)
                .order_by(Review.created_at.desc())
            )
        ).all()
    )
    if not rows:
        return nothing(f"no reviews of the {product.name} yet")
    counts = Counter(r.rating for r in rows)
    average = sum(r.rating for r in rows) / len(rows)
    with_text = [r for r in rows if r.body.strip()]
    items = []
    if with_text:
        best = max(with_text, key=lambda r: r.rating)
        worst = min(with_text, key=lambda r: r.rating)
        quotes = [best] if best is worst or worst.rating >= 4 else [best, worst]
        for quote in quotes:
            items.append(
                CardItem(
                    id=quote.external_id,
                    name=quote.title or f"{quote.rating} ★",
                    note=f"{quote.rating} ★ “{quote.body[:280]}”",
                )
            )
    mood = _mood([r.body for r in with_text])
    text = f"{average:.1f} ★ from {len(rows)} review(s)" + (f", {mood}." if mood else ".")
    table = CardTable(
        columns=["Stars", "Reviews"],
        rows=[[f"{n} ★", str(counts.get(n, 0))] for n in range(5, 0, -1)],
    )
    card = Card(
        kind="reviews", title=f"Reviews of the {product.name}", text=text, items=items, table=table
    )
    return ToolResult(card, {"average": round(average, 2), "count": len(rows)})


@tool("location", "Where in store", ProductParams)
async def location(ctx: ToolContext, params: ProductParams) -> ToolResult:
    """Which stores have it, and the department and aisle to walk to."""
    product = await product_for(ctx, params.product_id)
    if product is None:
        return nothing(NO_PRODUCT)
    variant_ids = list(
        (
            await ctx.session.scalars(select(Variant.id).where(Variant.product_id == product.id))
        ).all()
    )
    places = await stock_by_location(ctx.session, ctx.site_id, variant_ids)
    items = []
    for place in places:
        if place.location.kind != "store" or place.free < 1:
            continue
        aisle = aisle_of(place, product.category)
        where = ", ".join(x for x in (place.department or product.category, aisle) if x)
        items.append(
            CardItem(
                id=place.location.external_id,
                name=place.location.name,
                note=f"{where} · {place.free} available",
            )
        )
    if not items:
        return nothing(f"the {product.name} is in no store right now")
    card = Card(
        kind="location",
        title=f"Find the {product.name} in store",
        text=f"In {len(items)} store(s).",
        items=items[:8],
    )
    return ToolResult(card)


def spread(products: list[Product], count: int) -> list[Product]:
    """Up to `count` products across the price range, varying the category within each band."""
    ordered = sorted(products, key=lambda p: (p.price, p.external_id))
    if len(ordered) <= count:
        return ordered
    bands = [
        ordered[i * len(ordered) // count : (i + 1) * len(ordered) // count] for i in range(count)
    ]
    chosen: list[Product] = []
    for band in bands:
        used = {p.category for p in chosen}
        chosen.append(next((p for p in band if p.category not in used), band[0]))
    return chosen


@tool("gift", "Gift finder", GiftParams)
async def gift(ctx: ToolContext, params: GiftParams) -> ToolResult:
    """Up to six in-stock ideas within the budget, spread across prices and categories."""
    catalogue = await in_stock_products(ctx.session, ctx.site_id)
    words = {w.strip(",.").lower() for w in params.occasion.split() if len(w) > 2}
    low = Decimal(str(params.budget_min))
    high = Decimal(str(params.budget_max)) if params.budget_max is not None else None
    # an adult's gift may be unisex; a child's must be for children
    wanted = {params.recipient} if params.recipient else set()
    if params.recipient in ("for-her", "for-him"):
        wanted.add("unisex")
    fits = []
    for product in catalogue.values():
        tags = {str(t).lower() for t in product.tags or []}
        if wanted and not wanted & tags:
            continue
        if product.price < low or (high is not None and product.price > high):
            continue
        fits.append(product)
    # ideas for the occasion first, then the rest of the budget's range
    matching = [p for p in fits if words & {str(t).lower() for t in p.tags or []}]
    chosen = spread(matching, 6)
    chosen += spread([p for p in fits if p not in matching], 6 - len(chosen))
    chosen.sort(key=lambda p: p.price)
    if not chosen:
        return nothing("nothing in stock for that recipient and budget: widen the budget")
    for_whom = params.recipient.replace("-", " ") if params.recipient else "anyone"
    items = [
        item(ctx, p, p.category + (" · " + params.occasion if p in matching else ""))
        for p in chosen
    ]
    return ToolResult(Card(kind="gift", title="Gift ideas", text=f"Ideas {for_whom}.", items=items))


@tool("clickstream", "What they keep looking at", NoParams)
async def clickstream(ctx: ToolContext, _params: NoParams) -> ToolResult:
    """Turn the shopper's browsing into a suggestion: the category and variants they return to."""
    viewed = ctx.visit.products_viewed if ctx.visit else {}
    if not viewed:
        return nothing("the shopper has not looked at any product yet")
    seen = list(
        (
            await ctx.session.scalars(
                select(Product).where(
                    Product.site_id == ctx.site_id, Product.external_id.in_(list(viewed))
                )
            )
        ).all()
    )
    if not seen:
        return nothing("the products viewed are not in the catalogue")
    by_category: Counter[str] = Counter()
    for p in seen:
        by_category[p.category] += viewed.get(p.external_id, 0)
    top = by_category.most_common(1)[0][0]
    size = None
    if ctx.customer_id:
        customer = await ctx.session.get(Customer, ctx.customer_id)
        size = str((customer.preferences or {}).get("size") or "") if customer else None
    toggled = ctx.visit.toggled_products if ctx.visit else set()
    stocked = await online_stock(ctx.session, [p.id for p in seen])
    ordered = sorted(seen, key=lambda p: -viewed.get(p.external_id, 0))
    items = []
    for p in [p for p in ordered if stocked.get(p.id, 0) > 0][:4]:
        reason = f"viewed {viewed.get(p.external_id, 0)} times"
        if p.external_id in toggled:
            options = list(
                (
                    await ctx.session.scalars(
                        select(Variant).where(Variant.product_id == p.id, Variant.stock > 0)
                    )
                ).all()
            )
            fit = [v for v in options if size and v.size == size]
            if fit:
                reason += f" · in stock in your size {size}"
            elif options:
                reason += " · in stock in " + ", ".join(
                    sorted({v.colour or v.size for v in options if v.colour or v.size})
                )
        items.append(item(ctx, p, reason))
    others = (
        await ctx.session.scalars(
            select(Product).where(
                Product.site_id == ctx.site_id,
                Product.category == top,
                Product.external_id.not_in(list(viewed)),
            )
        )
    ).all()
    stars = await ratings(ctx.session, [p.id for p in others])
    more = await online_stock(ctx.session, [p.id for p in others])
    for other in sorted(others, key=lambda p: -stars.get(p.id, (0.0, 0))[0]):
        if len(items) >= 6:
            break
        if more.get(other.id, 0) > 0:
            items.append(item(ctx, other, f"more {top}, the category you keep coming back to"))
    if not items:
        return nothing("nothing the shopper looked at is in stock")
    text = f"You keep coming back to {top}: here they are, in stock."
    return ToolResult(
        Card(kind="clickstream", title="Picked from your browsing", text=text, items=items),
        {"top_category": top},
    )


@tool("training_notes", "Training notes", ProductParams, sendable=False)
async def training_notes(ctx: ToolContext, params: ProductParams) -> ToolResult:
    """What the associate should know about the product: for the console only, never sent."""
    product = await product_for(ctx, params.product_id)
    if product is None:
        return nothing(NO_PRODUCT)
    notes = product.training_notes.strip() or "no training notes for this product"
    count = await ctx.session.scalar(
        select(func.count(Review.id)).where(Review.product_id == product.id)
    )
    return ToolResult(
        None,
        {
            "product": product.external_id,
            "name": product.name,
            "notes": notes,
            "reviews": int(count or 0),
        },
    )
