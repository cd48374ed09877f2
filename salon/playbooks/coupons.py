"""Personal coupons at the critical moment: chosen per shopper, unguessable, single use, budgeted.

The value sits between the playbook's bounds, higher when the cart is more at risk, the shopper
more price-sensitive and the customer more loyal, lower when the cart is mostly on sale already
(thin margin). A percent coupon's discount is capped at what it was worth on the cart it was made
for, so what a code can cost is known when it is issued: that amount is committed against the
site's daily budget in one conditional UPDATE, which parallel firings cannot both pass.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.clock import as_utc, utcnow
from salon.core.ids import new_id
from salon.db.upsert import insert_ignore
from salon.floor.state import VisitState
from salon.offers.models import Coupon
from salon.offers.service import describe_discount, money
from salon.playbooks.models import CouponBudgetDay
from salon.playbooks.schemas import CouponAction

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud, typed by hand
CODE_GROUPS = 3  # 12 random characters: 31**12 ≈ 8e17 codes
DEFAULT_DAILY_BUDGET = Decimal(500)
PRICE_WORDS = ("expensive", "cheaper", "price", "discount", "coupon", "promo", "sale", "cher")


@dataclass(frozen=True)
class Personalised:
    kind: str
    value: Decimal
    max_discount: Decimal
    reasons: list[str]


def new_code(prefix: str = "SALON") -> str:
    groups = ["".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(CODE_GROUPS)]
    return "-".join([prefix, *groups])


def price_sensitive(state: VisitState) -> bool:
    """Typed or searched about price, or shopped the sale."""
    texts = [t for _, t in state.texts] + state.searches
    return any(word in text.lower() for text in texts for word in PRICE_WORDS)


def personalise(
    action: CouponAction, state: VisitState | None, on_sale: frozenset[str] = frozenset()
) -> Personalised:
    """Where between min and max this shopper's code sits, and why, in words."""
    risk = float(getattr(state.insight, "abandonment_risk", None) or 0.5) if state else 0.5
    score = 0.5 * risk
    reasons = [f"abandonment risk {risk:.0%}"]
    if state is not None and price_sensitive(state):
        score += 0.3
        reasons.append("price-sensitive")
    tier = str((state.customer or {}).get("tier") or "none") if state else "none"
    if tier in ("gold", "platinum"):
        score += 0.2
        reasons.append(f"{tier} member")
    elif tier == "silver":
        score += 0.1
        reasons.append("silver member")
    sale_items = sum(
        line.quantity
        for line in (state.cart.values() if state else [])
        if line.product_id in on_sale
    )
    if state is not None and state.cart_items and sale_items * 2 >= state.cart_items:
        score *= 0.5
        reasons.append("mostly sale items (thin margin)")
    score = min(1.0, max(0.0, score))
    raw = action.min + (action.max - action.min) * score
    cart = Decimal(str(state.cart_value)) if state else Decimal(0)
    if action.kind == "percent":
        value = Decimal(round(raw)).quantize(Decimal(1))
        value = max(Decimal(str(action.min)).quantize(Decimal(1), ROUND_HALF_UP), value)
        ceiling = money(cart * value / 100) if cart > 0 else Decimal(0)
    else:
        step = Decimal(5) if action.max >= 20 else Decimal(1)
        value = (Decimal(str(raw)) / step).quantize(Decimal(1), ROUND_HALF_UP) * step
        value = min(max(value, Decimal(str(action.min))), Decimal(str(action.max)))
        ceiling = money(value)
    return Personalised(action.kind, value, ceiling, reasons)


async def daily_cap(site_settings: dict[str, Any]) -> Decimal:
    raw = (site_settings.get("playbooks") or {}).get("coupon_daily_budget")
    return Decimal(str(raw)) if raw is not None else DEFAULT_DAILY_BUDGET


async def commit_budget(
    session: AsyncSession, site_id: str, amount: Decimal, cap: Decimal, now: datetime
) -> bool:
    """Commit `amount` of today's budget if it fits; False (nothing changed) when it does not."""
    day = now.date()
    await session.execute(
        insert_ignore(session, CouponBudgetDay, ["site_id", "day"]).values(
            site_id=site_id, day=day, committed=Decimal(0)
        )
    )
    done = await session.execute(
        update(CouponBudgetDay)
        .where(
            CouponBudgetDay.site_id == site_id,
            CouponBudgetDay.day == day,
            CouponBudgetDay.committed + amount <= cap,
        )
        .values(committed=CouponBudgetDay.committed + amount)
    )
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def refund_budget(
    session: AsyncSession, site_id: str, amount: Decimal, now: datetime
) -> None:
    """Give back what `commit_budget` took, in the same transaction (the code was not issued)."""
    await session.execute(
        update(CouponBudgetDay)
        .where(CouponBudgetDay.site_id == site_id, CouponBudgetDay.day == now.date())
        .values(committed=CouponBudgetDay.committed - amount)
    )


async def budget_today(session: AsyncSession, site_id: str, now: datetime) -> Decimal:
    committed = await session.scalar(
        select(CouponBudgetDay.committed).where(
            CouponBudgetDay.site_id == site_id, CouponBudgetDay.day == now.date()
        )
    )
    return Decimal(committed or 0)


async def issue(
    session: AsyncSession,
    *,
    site_id: str,
    action: CouponAction,
    offer: Personalised,
    playbook_id: str,
    firing_id: str,
    visitor_id: str | None,
    customer_id: str | None,
    now: datetime,
    prefix: str = "SALON",
) -> Coupon:
    coupon = Coupon(
        id=new_id(),
        site_id=site_id,
        code=new_code(prefix),
        source="store",
        description=f"{describe_discount(offer.kind, offer.value)}, personal",
        kind=offer.kind,
        value=offer.value,
        min_cart_total=money(Decimal(str(action.min_basket))),
        customer_id=customer_id,
        expires_at=now + timedelta(hours=action.expires_hours),
        max_redemptions=1,
        redemptions=0,
        created_at=now,
        active=True,
        playbook_id=playbook_id,
        firing_id=firing_id,
        visitor_id=visitor_id,
        max_discount=offer.max_discount,
    )
    session.add(coupon)
    await session.flush()
    return coupon


def offer_view(coupon: Coupon) -> dict[str, Any]:
    """The coupon as the widget shows it."""
    return {
        "code": coupon.code,
        "label": describe_discount(coupon.kind, coupon.value),
        "kind": coupon.kind,
        "value": float(coupon.value),
        "min_basket": float(coupon.min_cart_total),
        "currency": "EUR",
        "expires_at": as_utc(coupon.expires_at).isoformat() if coupon.expires_at else None,
    }


@dataclass(frozen=True)
class CouponCheck:
    valid: bool
    reason: str = ""
    message: str = ""
    discount: Decimal = Decimal(0)
    coupon: Coupon | None = None


def discount_for(coupon: Coupon, cart_total: Decimal) -> Decimal:
    if coupon.kind == "percent":
        raw = money(cart_total * coupon.value / 100)
    elif coupon.kind == "amount":
        raw = money(coupon.value)
    else:
        raw = Decimal(0)
    if coupon.max_discount is not None:
        raw = min(raw, coupon.max_discount)
    return min(raw, cart_total)


async def check(
    session: AsyncSession,
    site_id: str,
    code: str,
    cart_total: Decimal,
    visitor_id: str | None,
    customer_id: str | None,
    now: datetime | None = None,
) -> CouponCheck:
    """Would this code apply to this cart, for this shopper? Changes nothing."""
    now = now or utcnow()
    coupon = await session.scalar(
        select(Coupon).where(Coupon.site_id == site_id, Coupon.code == code.strip().upper())
    )
    if coupon is None or not coupon.active:
        return CouponCheck(False, "unknown", "We do not know this code.")
    if coupon.expires_at is not None and as_utc(coupon.expires_at) <= now:
        return CouponCheck(False, "expired", "This code has expired.", coupon=coupon)
    if coupon.max_redemptions is not None and coupon.redemptions >= coupon.max_redemptions:
        return CouponCheck(False, "used", "This code has already been used.", coupon=coupon)
    personal_to = coupon.customer_id or (coupon.visitor_id if coupon.playbook_id else None)
    if personal_to and personal_to not in (visitor_id, customer_id):
        return CouponCheck(False, "not_yours", "This code was made for someone else.")
    if cart_total < coupon.min_cart_total:
        return CouponCheck(
            False,
            "below_minimum",
            f"This code needs a basket of at least EUR {coupon.min_cart_total:,.2f}.",
            coupon=coupon,
        )
    return CouponCheck(True, discount=discount_for(coupon, cart_total), coupon=coupon)


async def redeem(
    session: AsyncSession,
    site_id: str,
    code: str,
    order_id: str,
    order_total: Decimal,
    discount: Decimal | None,
    now: datetime,
) -> Coupon | None:
    """Use the code once for this order; None when it cannot be used (used, expired, unknown).

    One conditional UPDATE: two purchases racing with the same code cannot both redeem it.
    """
    coupon = await session.scalar(
        select(Coupon).where(Coupon.site_id == site_id, Coupon.code == code.strip().upper())
    )
    if coupon is None:
        return None
    if coupon.order_id == order_id:
        return None  # the same purchase reported twice
    applied = discount if discount is not None else discount_for(coupon, order_total)
    if coupon.max_discount is not None:
        applied = min(applied, coupon.max_discount)
    conditions = [
        Coupon.id == coupon.id,
        Coupon.active.is_(True),
        (Coupon.expires_at.is_(None)) | (Coupon.expires_at > now),
        (Coupon.max_redemptions.is_(None)) | (Coupon.redemptions < Coupon.max_redemptions),
    ]
    done = await session.execute(
        update(Coupon)
        .where(*conditions)
        .values(
            redemptions=Coupon.redemptions + 1,
            redeemed_at=now,
            order_id=order_id,
            discount=Coupon.discount + money(applied),
        )
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        return None
    await session.refresh(coupon)
    return coupon
