"""The live signals a trigger reads (conditions.SIGNALS), from a floor visit or a customer."""

from __future__ import annotations

from typing import Any

from salon.floor.state import VisitState

VIP_TIERS = ("gold", "platinum")


def customer_signals(customer: dict[str, Any] | None, vip_value: float) -> dict[str, Any]:
    """What is known of the customer (a floor brief: tier, lifetime_value, orders), or nothing."""
    if not customer:
        return {
            "customer_identified": False,
            "loyalty_tier": "none",
            "lifetime_value": 0.0,
            "returning_vip": False,
        }
    tier = str(customer.get("tier") or "none")
    value = float(customer.get("lifetime_value") or 0.0)
    orders = int(customer.get("orders") or 0)
    return {
        "customer_identified": True,
        "loyalty_tier": tier,
        "lifetime_value": value,
        "returning_vip": orders > 0 and (tier in VIP_TIERS or value >= vip_value),
    }


def visit_signals(
    state: VisitState,
    now: float,
    *,
    vip_value: float,
    business_hours: bool,
    moment: bool = False,
    turned_negative: bool = False,
    channel: str = "web",
) -> dict[str, Any]:
    """Every signal for one live visit; `moment` and `turned_negative` are the engine's recent
    edges (an abandonment moment, a mood shift), which the scorer reports once."""
    insight = state.insight
    idle = max(0.0, now - (state.last_activity_at or state.started_at))
    in_checkout = state.checkout_step is not None and bool(state.cart) and not state.purchased
    signals: dict[str, Any] = {
        "abandonment_moment": moment,
        "abandonment_risk": getattr(insight, "abandonment_risk", None),
        "intent": getattr(insight, "intent", None),
        "cart_value": state.cart_value,
        "cart_items": state.cart_items,
        "mood": getattr(insight, "mood", None) or "neutral",
        "mood_turned_negative": turned_negative,
        "checkout_step": state.checkout_step or 0,
        "checkout_idle_seconds": round(idle, 1) if in_checkout else 0.0,
        "idle_seconds": round(idle, 1),
        "page_type": state.page_type,
        "page_url": state.page_url,
        "category": sorted(state.categories),
        "time_on_site": round(max(0.0, now - state.started_at), 1),
        "business_hours": business_hours,
        "channel": channel,
    }
    signals.update(customer_signals(state.customer, vip_value))
    if state.is_returning and not state.customer:
        signals["returning_vip"] = False
    return signals


def contact_signals(
    customer: dict[str, Any] | None, channel: str, business_hours: bool, vip_value: float
) -> dict[str, Any]:
    """A customer who turned unhappy on another channel and is not on the site right now."""
    signals: dict[str, Any] = {
        "mood_turned_negative": True,
        "mood": "frustrated",
        "channel": channel,
        "business_hours": business_hours,
    }
    signals.update(customer_signals(customer, vip_value))
    return signals


def logged(signals: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """The values a firing keeps: those its trigger read, plus the few that explain any firing."""
    keep = [*names, "cart_value", "abandonment_risk", "intent", "mood", "page_type"]
    return {k: signals[k] for k in dict.fromkeys(keep) if k in signals}
