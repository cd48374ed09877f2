"""From live state to what the associate sees: the avatar spec and the visit summary.

Rules for now, each with a reason in plain words; the insight issue replaces mood and intent
with trained models behind the same spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from salon.floor.state import VisitState
from salon.insight.scorer import RISK_THRESHOLD

RIBBON_TIERS = ("silver", "gold", "platinum")
MOOD_FACES = {
    "happy": "smile",
    "excited": "excited",
    "neutral": "neutral",
    "undecided": "undecided",
    "frustrated": "frustrated",
}
HIGH_INTENT = 0.5


@dataclass(frozen=True)
class FloorRules:
    stalled_checkout_seconds: float = 90.0
    idle_seconds: float = 60.0
    high_value_cart: float = 1000.0
    high_value_customer: float = 5000.0
    rage_window_seconds: float = 120.0
    fast_pointer: float = 2500.0


def bag_size(cart_value: float, items: int) -> int:
    if items <= 0:
        return 0
    if cart_value < 500:
        return 1
    return 2 if cart_value < 2000 else 3


def avatar_spec(state: VisitState, now: float, rules: FloorRules) -> dict[str, Any]:
    reasons: list[str] = []
    badges: list[str] = []
    tags: list[str] = []
    recent_rage = sum(1 for at in state.rage_clicks if at >= now - rules.rage_window_seconds)
    avg_speed = (
        sum(state.pointer_speeds) / len(state.pointer_speeds) if state.pointer_speeds else 0.0
    )
    stalled = is_stalled(state, now, rules)
    idle = is_idle(state, now, rules)

    mood = "neutral"
    if recent_rage:
        mood = "frustrated"
        reasons.append(
            f"{recent_rage} rage click{'s' if recent_rage > 1 else ''} in the last 2 min"
        )
    elif state.cart_flips >= 2:
        mood = "frustrated"
        reasons.append(f"added and removed items {state.cart_flips} times")
    elif avg_speed >= rules.fast_pointer and len(state.pointer_speeds) >= 3:
        mood = "frustrated"
        reasons.append("moving the pointer fast and erratically")
    elif state.variant_toggles >= 4 and 1 <= len(state.toggled_products) <= 3:
        mood = "undecided"
        reasons.append(
            f"toggled colours/sizes {state.variant_toggles} times on "
            f"{len(state.toggled_products)} product{'s' if len(state.toggled_products) > 1 else ''}"
        )
    elif state.purchased or (state.checkout_step or 0) >= 3:
        mood = "excited"
        reasons.append(
            "just bought" if state.purchased else f"at checkout step {state.checkout_step}"
        )
    elif state.cart or state.wishlist:
        mood = "smile"
        reasons.append("added to the cart" if state.cart else "saved to the wish list")

    cart_value, items = state.cart_value, state.cart_items
    if items:
        tags.append("in cart")
        reasons.append(f"{items} item{'s' if items > 1 else ''} in the cart, EUR {cart_value:,.0f}")
    if stalled:
        tags.append("stalled")
        reasons.append(f"stalled on checkout step {state.checkout_step}")
    customer = state.customer or {}
    tier = str(customer.get("tier") or "none")
    ltv = float(customer.get("lifetime_value") or 0.0)
    ribbon = (
        tier if tier in RIBBON_TIERS else ("gold" if ltv >= rules.high_value_customer else None)
    )
    if ribbon:
        badges.append(ribbon.capitalize())
    if ltv >= rules.high_value_customer:
        badges.append("VIP")
        reasons.append(f"has spent EUR {ltv:,.0f} with us")
    if state.is_returning:
        tags.append("returning")
    if state.customer_id:
        tags.append("identified")
    if state.gift_intent:
        tags.append("gift")
        reasons.append("searching for a gift")
    if idle:
        tags.append("idle")
    if state.chat_status == "queued":
        tags.append("waiting for chat")
        reasons.insert(0, "asked for help and is waiting")
    elif state.chat_status == "active":
        tags.append("in chat")
    hourglass, glow = stalled, False
    insight = state.insight
    if insight is not None:  # the models (salon.insight) replace the rules where they speak
        mood = MOOD_FACES.get(insight.mood, "neutral")
        risk = insight.abandonment_risk
        hourglass = stalled or (risk is not None and risk >= RISK_THRESHOLD)
        glow = insight.intent is not None and insight.intent >= HIGH_INTENT
        modelled = [*(insight.mood_reasons if mood != "neutral" else [])]
        if risk is not None and risk >= RISK_THRESHOLD:
            modelled += insight.risk_reasons[:2]
        if glow:
            modelled += insight.intent_reasons[:1]
        reasons = [*modelled, *(r for r in reasons if r not in modelled)]
        if hourglass and "stalled" not in tags:
            tags.append("about to abandon")
    if state.contact_reason:  # unhappy on another channel: greet them knowing it
        mood = "frustrated"
        reasons = [state.contact_reason, *(r for r in reasons if r != state.contact_reason)]
    return {
        "mood": mood,
        "bag": bag_size(cart_value, items),
        "ribbon": ribbon,
        "gift": state.gift_intent,
        "hourglass": hourglass,
        "glow": glow,
        "bubble": state.chat_status is not None,
        "star": state.is_returning,
        "badges": badges,
        "tags": tags,
        "reasons": reasons[:5],
    }


def is_stalled(state: VisitState, now: float, rules: FloorRules) -> bool:
    if state.checkout_step is None or state.purchased or not state.cart:
        return False
    return (
        now - max(state.checkout_step_at, state.last_activity_at) >= rules.stalled_checkout_seconds
    )


def is_idle(state: VisitState, now: float, rules: FloorRules) -> bool:
    if state.hidden or state.idle_since is not None:
        return True
    return now - state.last_activity_at >= rules.idle_seconds if state.last_activity_at else False


def attention(state: VisitState, avatar: dict[str, Any], rules: FloorRules) -> float:
    """Who needs an associate first: big carts stalling, unhappy or valuable shoppers."""
    score = min(state.cart_value / (rules.high_value_cart * 2), 0.4)
    if avatar["hourglass"]:
        score += 0.3
    if avatar["mood"] == "frustrated":
        score += 0.2
    elif avatar["mood"] == "undecided":
        score += 0.1
    if avatar["ribbon"]:
        score += 0.1
    insight = state.insight
    if insight is not None:
        score += 0.3 * (insight.abandonment_risk or 0.0) + 0.2 * (insight.intent or 0.0)
    if state.purchased:
        score *= 0.3
    return round(min(score, 1.0), 3)


ALERT_SECONDS = 120.0  # how long a playbook's alert keeps the avatar pulsing


def visit_summary(state: VisitState, now: float, rules: FloorRules) -> dict[str, Any]:
    avatar = avatar_spec(state, now, rules)
    customer = state.customer
    label = (
        str(customer["name"])
        if customer and customer.get("name")
        else f"Visitor {state.visitor_id[:4]}"
    )
    insight = state.insight
    return {
        "id": state.visit_id,
        "label": label,
        "identified": state.customer_id is not None,
        "returning": state.is_returning,
        "customer": customer,
        "page": {"url": state.page_url, "title": state.page_title, "type": state.page_type},
        "page_count": state.page_count,
        "products_viewed": len(state.products_viewed),
        "cart": {"items": state.cart_items, "value": state.cart_value, "currency": "EUR"},
        "checkout_step": state.checkout_step,
        "stalled": is_stalled(state, now, rules),
        "idle": is_idle(state, now, rules),
        "pointer_speed": round(sum(state.pointer_speeds) / len(state.pointer_speeds))
        if state.pointer_speeds
        else None,
        "purchased": state.purchased,
        # near or in a store (the site's report): {"state", "location_id", ..., "at"} or None
        "presence": state.presence,
        "started_at": _iso(state.started_at),
        "last_seen_at": _iso(state.last_seen_at),
        "time_on_site": int(max(0.0, now - state.started_at)),
        "time_on_page": int(max(0.0, now - state.page_since)) if state.page_since else 0,
        "high_value": state.cart_value >= rules.high_value_cart
        or float((customer or {}).get("lifetime_value") or 0) >= rules.high_value_customer,
        "attention": attention(state, avatar, rules),
        "intent": insight.intent if insight is not None else None,
        "abandonment_risk": insight.abandonment_risk if insight is not None else None,
        "explain": {
            "intent": insight.intent_reasons,
            "abandonment_risk": insight.risk_reasons,
            "mood": insight.mood_reasons,
        }
        if insight is not None
        else None,
        "avatar": avatar,
        # a playbook asked the associates to look (the avatar pulses), and the tags it set
        "alert": state.alert if state.alert and now - state.alert["at"] <= ALERT_SECONDS else None,
        "tags": state.tags,
    }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).isoformat()
