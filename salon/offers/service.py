"""Which promotions apply to a cart, and which coupons a shopper may use right now.

An associate quoting an offer the checkout then refuses loses the sale and the shopper's trust,
so these rules mirror what a checkout would accept, from the store's own rows:

- a promotion applies when it is active, inside its dates, open to the shopper's loyalty tier,
  and the cart's *eligible* lines reach `min_cart_total`. A line is eligible when the promotion
  names no categories and no products, or when its category or its product id is named.
- savings: `percent` takes value % of the eligible lines, `amount` takes value off (never more
  than the eligible lines), `free_shipping` saves `value` (the shipping fee it waives; 0 when the
  store did not say).
- a coupon is usable when active, not expired, not exhausted, meant for anyone or for this very
  customer, and the cart reaches its minimum. Personal coupons come first.

Prices come from the catalogue when the product is known (the widget's cart price is the
shopper's browser talking), else from the cart line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product
from salon.customers.models import Customer
from salon.customers.service import TIERS, customer_profile
from salon.floor.state import CartLine
from salon.offers.models import Coupon, Promotion

CENT = Decimal("0.01")

# The loyalty rule (until a store sends its own): 1 point per euro of lifetime spend, a point is
# worth EUR 0.05 at checkout, and the tier follows lifetime spend. A tier or a balance the store
# imported wins when it is higher: the store may grant tiers by hand or run bonus points.
POINTS_PER_EURO = 1
POINT_VALUE = Decimal("0.05")
TIER_THRESHOLDS = {"silver": Decimal(1_000), "gold": Decimal(5_000), "platinum": Decimal(15_000)}


@dataclass(frozen=True)
class PricedLine:
    product_id: str  # the store's external id
    name: str
    category: str
    unit_price: Decimal
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class PromotionOutcome:
    promotion: Promotion
    applies: bool
    saving: Decimal  # on this cart when it applies; what it would save at the threshold if not
    gap: Decimal  # how much more of the eligible products the cart needs (0 when it applies)
    eligible_total: Decimal


@dataclass(frozen=True)
class CouponOffer:
    coupon: Coupon
    personal: bool
    saving: Decimal  # on this cart (free shipping: the fee it waives, often 0 = unknown)


@dataclass(frozen=True)
class LoyaltyStatus:
    tier: str
    points: int
    points_value: Decimal  # what the points take off at checkout
    lifetime_spend: Decimal
    order_count: int
    next_tier: str | None
    to_next_tier: Decimal  # spend still needed for next_tier (0 at the top)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def describe_discount(kind: str, value: Decimal, currency: str = "EUR") -> str:
    """What an offer gives, in the words a shopper reads: "15% off", "EUR 20 off"."""
    if kind == "percent":
        return f"{value.normalize():f}% off"
    if kind == "amount":
        return f"{currency} {money(value)} off"
    return "free shipping"


async def price_cart(session: AsyncSession, site_id: str, cart: list[CartLine]) -> list[PricedLine]:
    """The visit's cart with catalogue prices and categories (unknown products keep theirs)."""
    ids = {line.product_id for line in cart}
    products = {
        p.external_id: p
        for p in (
            await session.scalars(
                select(Product).where(Product.site_id == site_id, Product.external_id.in_(ids))
            )
        ).all()
    }
    priced: list[PricedLine] = []
    for line in cart:
        product = products.get(line.product_id)
        priced.append(
            PricedLine(
                product_id=line.product_id,
                name=product.name if product else line.name,
                category=product.category if product else "",
                unit_price=product.price if product else money(Decimal(str(line.price))),
                quantity=line.quantity,
            )
        )
    return priced


def cart_total(lines: list[PricedLine]) -> Decimal:
    return money(sum((line.total for line in lines), Decimal(0)))


def _eligible(promotion: Promotion, line: PricedLine) -> bool:
    if not promotion.categories and not promotion.product_ids:
        return True
    return line.category in promotion.categories or line.product_id in promotion.product_ids


def _saving(kind: str, value: Decimal, base: Decimal) -> Decimal:
    if kind == "percent":
        return money(base * value / 100)
    if kind == "amount":
        return money(min(value, base))
    return money(value)  # free shipping: the fee it waives


async def evaluate_promotions(
    session: AsyncSession, site_id: str, lines: list[PricedLine], tier: str, now: datetime
) -> list[PromotionOutcome]:
    """Every live promotion this shopper could get on this cart: applying ones, best saving
    first, then the ones still out of reach, smallest gap first."""
    promotions = (
        await session.scalars(
            select(Promotion).where(
                Promotion.site_id == site_id,
                Promotion.active.is_(True),
                or_(Promotion.starts_at.is_(None), Promotion.starts_at <= now),
                or_(Promotion.ends_at.is_(None), Promotion.ends_at > now),
            )
        )
    ).all()
    outcomes: list[PromotionOutcome] = []
    for promotion in promotions:
        if promotion.loyalty_tiers and tier not in promotion.loyalty_tiers:
            continue
        eligible = [line for line in lines if _eligible(promotion, line)]
        restricted = bool(promotion.categories or promotion.product_ids)
        if restricted and not eligible:
            continue  # nothing in the cart it is about: not worth the associate's breath
        base = money(sum((line.total for line in eligible), Decimal(0)))
        threshold = promotion.min_cart_total or Decimal(0)
        if base > 0 and base >= threshold:
            saving = _saving(promotion.kind, promotion.value, base)
            outcomes.append(PromotionOutcome(promotion, True, saving, Decimal(0), base))
        else:
            gap = money(max(threshold - base, Decimal(0)))  # 0: the cart is empty
            saving = _saving(promotion.kind, promotion.value, max(threshold, base))
            outcomes.append(PromotionOutcome(promotion, False, saving, gap, base))
    outcomes.sort(key=lambda o: (not o.applies, -o.saving if o.applies else o.gap))
    return outcomes


async def usable_coupons(
    session: AsyncSession,
    site_id: str,
    customer_id: str | None,
    cart_value: Decimal,
    now: datetime,
) -> list[CouponOffer]:
    """Coupons the checkout would accept from this shopper now: personal ones first, then the
    store's own, then partners', biggest saving first within each."""
    owner = (
        or_(Coupon.customer_id.is_(None), Coupon.customer_id == customer_id)
        if customer_id
        else Coupon.customer_id.is_(None)
    )
    coupons = (
        await session.scalars(
            select(Coupon).where(
                Coupon.site_id == site_id,
                Coupon.active.is_(True),
                owner,
                or_(Coupon.expires_at.is_(None), Coupon.expires_at > now),
                or_(
                    Coupon.max_redemptions.is_(None),
                    Coupon.redemptions < Coupon.max_redemptions,
                ),
                Coupon.min_cart_total <= cart_value,
            )
        )
    ).all()
    offers = [
        CouponOffer(
            coupon,
            personal=coupon.customer_id is not None,
            saving=_saving(coupon.kind, coupon.value, cart_value),
        )
        for coupon in coupons
    ]
    offers.sort(
        key=lambda o: (not o.personal, o.coupon.source != "store", -o.saving, o.coupon.code)
    )
    return offers


def tier_for_spend(spend: Decimal) -> str:
    tier = "none"
    for name, threshold in TIER_THRESHOLDS.items():
        if spend >= threshold:
            tier = name
    return tier


async def loyalty_status(session: AsyncSession, customer_id: str) -> LoyaltyStatus | None:
    """Tier, points and the way to the next tier, by the rule documented above."""
    customer = await session.get(Customer, customer_id)
    profile = await customer_profile(session, customer_id)
    if customer is None or profile is None:
        return None
    spend = money(Decimal(str(profile.lifetime_value)))
    earned = tier_for_spend(spend)
    stored = customer.loyalty_tier if customer.loyalty_tier in TIERS else "none"
    tier = max(earned, stored, key=TIERS.index)
    points = max(int(spend) * POINTS_PER_EURO, customer.loyalty_points or 0)
    above = [name for name in TIERS[TIERS.index(tier) + 1 :] if name in TIER_THRESHOLDS]
    next_tier = above[0] if above else None
    gap = money(max(TIER_THRESHOLDS[next_tier] - spend, Decimal(0))) if next_tier else Decimal(0)
    return LoyaltyStatus(
        tier=tier,
        points=points,
        points_value=money(points * POINT_VALUE),
        lifetime_spend=spend,
        order_count=profile.order_count,
        next_tier=next_tier,
        to_next_tier=gap,
    )
