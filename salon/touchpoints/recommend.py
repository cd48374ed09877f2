"""The recommendation engine: "you may also like", explained, and never a single pushed item.

Three signals from the store's own tables, each with a reason the associate can say out loud:
products bought in the same orders, products viewed in the same visits, and what customers who
bought the same things bought next. The answer always spans price points (cheaper, similar,
premium) when the catalogue has them, so the shopper chooses rather than being steered upward.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product, Review, Variant
from salon.customers.models import Order, OrderLine
from salon.tracking.models import Event

RECENT_VIEWS = 5000  # product_view events scanned for co-views: recent behaviour is what counts
SIMILAR_BAND = (Decimal("0.85"), Decimal("1.15"))


@dataclass
class Suggestion:
    product: Product
    score: float
    reason: str

    @property
    def external_id(self) -> str:
        return self.product.external_id


def price_band(price: Decimal, anchor: Decimal) -> str:
    """'cheaper', 'similar price' or 'premium' relative to the product the shopper looks at."""
    if price < anchor * SIMILAR_BAND[0]:
        return "cheaper"
    if price > anchor * SIMILAR_BAND[1]:
        return "premium"
    return "similar price"


async def co_purchased(session: AsyncSession, site_id: str, external_id: str) -> Counter[str]:
    """Other products per number of orders that also contained this one."""
    orders_with = (
        select(OrderLine.order_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.site_id == site_id, OrderLine.product_external_id == external_id)
    )
    rows = await session.execute(
        select(OrderLine.product_external_id, func.count(func.distinct(OrderLine.order_id)))
        .where(OrderLine.order_id.in_(orders_with), OrderLine.product_external_id != external_id)
        .group_by(OrderLine.product_external_id)
    )
    return Counter({pid: int(n) for pid, n in rows.all()})


async def co_viewed(session: AsyncSession, site_id: str, external_id: str) -> Counter[str]:
    """Other products per number of recent visits that viewed both."""
    rows = await session.execute(
        select(Event.visit_id, Event.data)
        .where(Event.site_id == site_id, Event.type == "product_view")
        .order_by(Event.id.desc())
        .limit(RECENT_VIEWS)
    )
    per_visit: dict[str, set[str]] = defaultdict(set)
    for visit_id, data in rows.all():
        if isinstance(data, dict) and data.get("product_id") is not None:
            per_visit[visit_id].add(str(data["product_id"]))
    counts: Counter[str] = Counter()
    for viewed in per_visit.values():
        if external_id in viewed:
            counts.update(viewed - {external_id})
    return counts


async def bought_by(session: AsyncSession, site_id: str, customer_id: str) -> set[str]:
    rows = await session.scalars(
        select(OrderLine.product_external_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.site_id == site_id, Order.customer_id == customer_id)
    )
    return set(rows.all())


async def similar_customers_bought(
    session: AsyncSession, site_id: str, customer_id: str, bought: set[str]
) -> Counter[str]:
    """What other customers who bought any of the same products bought, per customer count."""
    if not bought:
        return Counter()
    peers = (
        select(Order.customer_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(
            Order.site_id == site_id,
            Order.customer_id.is_not(None),
            Order.customer_id != customer_id,
            OrderLine.product_external_id.in_(bought),
        )
    )
    rows = await session.execute(
        select(OrderLine.product_external_id, func.count(func.distinct(Order.customer_id)))
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.site_id == site_id, Order.customer_id.in_(peers))
        .group_by(OrderLine.product_external_id)
    )
    return Counter({pid: int(n) for pid, n in rows.all()})


async def in_stock_products(session: AsyncSession, site_id: str) -> dict[str, Product]:
    """Products with units online, by external id (a recommendation must be buyable)."""
    stocked = (
        select(Variant.product_id).group_by(Variant.product_id).having(func.sum(Variant.stock) > 0)
    )
    rows = await session.scalars(
        select(Product).where(Product.site_id == site_id, Product.id.in_(stocked))
    )
    return {p.external_id: p for p in rows.all()}


async def ratings(session: AsyncSession, product_ids: list[str]) -> dict[str, tuple[float, int]]:
    """Average rating and review count per product (internal id)."""
    if not product_ids:
        return {}
    rows = await session.execute(
        select(Review.product_id, func.avg(Review.rating), func.count(Review.id))
        .where(Review.product_id.in_(product_ids))
        .group_by(Review.product_id)
    )
    return {pid: (float(avg), int(n)) for pid, avg, n in rows.all()}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def across_price_points(ranked: list[Suggestion], anchor: Decimal, limit: int) -> list[Suggestion]:
    """The best of each price band first (cheaper, similar, premium), then the next best."""
    chosen: list[Suggestion] = []
    for band in ("cheaper", "similar price", "premium"):
        best = next((s for s in ranked if price_band(s.product.price, anchor) == band), None)
        if best is not None:
            chosen.append(best)
    for suggestion in ranked:
        if len(chosen) >= limit:
            break
        if suggestion not in chosen:
            chosen.append(suggestion)
    chosen = chosen[:limit]
    return sorted(chosen, key=lambda s: s.product.price)


async def recommend(
    session: AsyncSession,
    site_id: str,
    product: Product,
    customer_id: str | None,
    exclude: set[str],
    limit: int = 4,
) -> list[Suggestion]:
    """Suggestions for a shopper looking at `product`, each with its reason.

    `exclude` holds external ids already in the cart; what the customer already bought is
    excluded too. Falls back to the same category, then the whole catalogue, so there are at
    least three options whenever the store sells three other things.
    """
    catalogue = await in_stock_products(session, site_id)
    bought = await bought_by(session, site_id, customer_id) if customer_id else set()
    skip = exclude | bought | {product.external_id}
    signals = [
        (3.0, await co_purchased(session, site_id, product.external_id), "bought together"),
        (1.0, await co_viewed(session, site_id, product.external_id), "viewed together"),
    ]
    if customer_id:
        peers = await similar_customers_bought(session, site_id, customer_id, bought)
        signals.append((2.0, peers, "popular with customers like you"))
    scores: dict[str, float] = defaultdict(float)
    reasons: dict[str, tuple[float, str]] = {}
    for weight, counts, label in signals:
        for pid, n in counts.items():
            if pid in skip or pid not in catalogue:
                continue
            scores[pid] += weight * n
            if label == "bought together":
                text = f"bought together {_plural(n, 'time')}"
            elif label == "viewed together":
                text = f"viewed together in {_plural(n, 'visit')}"
            else:
                text = f"{label} ({_plural(n, 'customer')})"
            if weight * n > reasons.get(pid, (0.0, ""))[0]:
                reasons[pid] = (weight * n, text)
    ranked = [
        Suggestion(catalogue[pid], score, reasons[pid][1])
        for pid, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    stars = await ratings(session, [p.id for p in catalogue.values()])
    fallback = sorted(
        (p for pid, p in catalogue.items() if pid not in skip and pid not in scores),
        key=lambda p: (
            p.category != product.category,
            -stars.get(p.id, (0.0, 0))[0],
            p.external_id,
        ),
    )
    for other in fallback:
        reason = (
            f"also in {other.category}" if other.category == product.category else "also popular"
        )
        ranked.append(Suggestion(other, 0.0, reason))
    return across_price_points(ranked, product.price, max(3, limit))
