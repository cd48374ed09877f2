"""Playbooks in tests: a supervisor's API client and a shopper on the tracking API."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from salon.identity.service import SiteInfo
from tests.chat.support import ORIGIN, Associate
from tests.support import LiveServer, batch, event, hex_id

STALLED_CART: dict[str, Any] = {
    "all": [
        {"signal": "checkout_idle_seconds", "op": "gte", "value": 1},
        {"signal": "cart_value", "op": "gte", "value": 300},
    ]
}
SAVE_THE_CART: dict[str, Any] = {
    "name": "Save the stalled cart",
    "enabled": True,
    "trigger": STALLED_CART,
    "actions": [
        {"type": "alert", "message": "Stalled on payment with a big cart"},
        {"type": "invite", "message": "Can we help you finish your order?"},
        {"type": "coupon", "kind": "percent", "min": 10, "max": 15, "min_basket": 200},
        {"type": "tag", "tag": "saved-cart"},
    ],
    "holdout_percent": 0,
}


def pb_url(site: SiteInfo, tail: str = "") -> str:
    return f"/api/sites/{site.id}/playbooks{tail}"


def create(boss: Associate, site: SiteInfo, **changes: Any) -> dict[str, Any]:
    answer = boss.post(pb_url(site), {**SAVE_THE_CART, **changes})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()["playbook"]
    return created


@dataclass
class Browser:
    """A shopper's widget, as HTTP: events in, offers out."""

    server: LiveServer
    site: SiteInfo
    visitor_id: str = field(default_factory=hex_id)
    visit_key: str = field(default_factory=hex_id)  # the widget's id for the visit
    visit_id: str | None = None  # the server's

    def track(self, *events: dict[str, Any]) -> dict[str, Any]:
        body = batch(self.site, list(events), visitor=self.visitor_id, visit=self.visit_key)
        answer = httpx.post(
            self.server.base_url + "/api/track", json=body, headers={"Origin": ORIGIN}, timeout=10
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        self.visit_id = result["visit"]
        return result

    def stall_in_checkout(self, price: float = 650.0, product: str = "P100") -> None:
        self.track(
            event("page_view", url=f"{ORIGIN}/p/{product}", title="Tote", page_type="product"),
            event("product_view", product_id=product, name="Tote", price=price, category="bags"),
            event("add_to_cart", product_id=product, name="Tote", price=price, quantity=1),
            event("page_view", url=f"{ORIGIN}/checkout", title="Payment", page_type="checkout"),
            event("checkout_step", step=2, name="payment"),
        )

    def check(self, code: str, total: float, visitor: str | None = None) -> dict[str, Any]:
        answer = httpx.post(
            self.server.base_url + "/api/coupons/check",
            json={
                "site_key": self.site.key,
                "code": code,
                "cart_total": total,
                "visitor_id": visitor or self.visitor_id,
            },
            headers={"Origin": ORIGIN},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result
