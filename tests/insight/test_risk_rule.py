"""The abandonment rule: low intent alone never raises the hourglass; a stall on top does."""

from __future__ import annotations

from salon.floor.state import VisitState
from salon.insight.scorer import RISK_THRESHOLD, abandonment_risk


def cart_visit() -> VisitState:
    state = VisitState(site_id="s", visit_id="v", visitor_id="a" * 32, started_at=0, last_seen_at=0)
    state.apply("page_view", 1, {"url": "/p/P1", "title": "t", "page_type": "product"})
    state.apply("add_to_cart", 2, {"product_id": "P1", "price": 900.0, "quantity": 1})
    return state


def test_low_intent_alone_stays_below_the_moment() -> None:
    risk, reasons = abandonment_risk(cart_visit(), intent=0.01, felt="neutral", now=10)
    assert risk is not None and risk < RISK_THRESHOLD
    assert reasons == ["low purchase intent (1%)"]


def test_a_stalled_checkout_crosses_it_and_says_why() -> None:
    state = cart_visit()
    state.apply("checkout_step", 5, {"step": 2, "name": "shipping"})
    risk, reasons = abandonment_risk(state, intent=0.2, felt="neutral", now=200)
    assert risk is not None and risk >= RISK_THRESHOLD
    assert reasons[0].startswith("stalled")


def test_no_cart_no_risk() -> None:
    state = cart_visit()
    state.apply("purchase", 20, {"order_id": "O1", "total": 900.0})
    assert abandonment_risk(state, intent=0.9, felt="excited", now=30) == (None, [])
