"""A playbook end to end in real Chromium: a shopper stalls at checkout with a big basket, the
engine fires "Save the stalled cart", the widget offers a personal code, the shopper applies it
and orders; the associates' floor pulses with the alert, and the Playbooks page shows the firing,
the redeemed coupon and the lift (one treated shopper, one conversion, no hold-out yet)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from salon.demo.seed import DEMO_ACCOUNTS
from salon.identity.service import SiteInfo
from tests.support import LiveServer, wait_for
from tests.web.browser import chromium, demo_store, login_console

pytestmark = pytest.mark.browser
SUPERVISOR = next(a for a in DEMO_ACCOUNTS if a.role == "supervisor")
INVITATION = "Can we help you finish your order?"
ALERT = "Stalled cart over 300: say hello"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SiteInfo]]:
    with demo_store(str(tmp_path_factory.mktemp("db"))) as running:
        yield running


def supervisor_api(server: LiveServer) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=10)
    server.clients.append(client)
    answer = client.post(
        "/api/auth/login", json={"email": SUPERVISOR.email, "password": SUPERVISOR.password}
    )
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def create_playbook(api: httpx.Client, site: SiteInfo) -> dict[str, Any]:
    """Ours alone: the demo's own playbooks are switched off so they cannot fire first."""
    for other in api.get(f"/api/sites/{site.id}/playbooks").json()["playbooks"]:
        off = api.post(
            f"/api/sites/{site.id}/playbooks/{other['id']}/enabled", json={"enabled": False}
        )
        assert off.status_code == 200, off.text
    answer = api.post(
        f"/api/sites/{site.id}/playbooks",
        json={
            "name": "Save the stalled cart",
            "description": "A big basket left waiting on the checkout",
            "enabled": True,
            "trigger": {
                "all": [
                    {"signal": "checkout_idle_seconds", "op": "gte", "value": 3},
                    {"signal": "cart_value", "op": "gte", "value": 300},
                ]
            },
            "actions": [
                {"type": "alert", "message": ALERT, "to": "floor"},
                {"type": "invite", "message": INVITATION},
                {"type": "coupon", "kind": "percent", "min": 10, "max": 15},
            ],
            "holdout_percent": 0,  # the hold-out draw is per visitor: 0% keeps this one treated
        },
    )
    assert answer.status_code == 201, answer.text
    playbook: dict[str, Any] = answer.json()["playbook"]
    return playbook


def bag_and_checkout(page: Any, server: LiveServer) -> None:
    """Add the €2,950 tote to the bag and stop on the checkout's first step."""
    page.goto(server.base_url + "/shop/p/P101")
    if page.locator(".size").count() and not page.locator(".size.is-selected").count():
        page.locator(".size:not(.is-soldout)").first.click()
    page.locator("#add-to-cart").click()
    page.wait_for_selector("#cart-notice:has-text('View your bag')")
    page.goto(server.base_url + "/shop/checkout")
    page.wait_for_selector("#checkout[data-step='1']")


def lift_of(api: httpx.Client, site: SiteInfo, playbook_id: str) -> dict[str, Any]:
    answer = api.get(f"/api/sites/{site.id}/playbooks/{playbook_id}/lift")
    assert answer.status_code == 200, answer.text
    lift: dict[str, Any] = answer.json()
    return lift


def test_a_stalled_cart_is_saved_and_the_console_shows_it(
    shop: tuple[LiveServer, SiteInfo],
) -> None:
    server, site = shop
    api = supervisor_api(server)
    playbook = create_playbook(api, site)
    problems: list[str] = []
    with chromium() as browser:
        console = browser.new_context().new_page()
        console.on("pageerror", lambda error: problems.append(f"console: {error}"))
        login_console(console, server.base_url, SUPERVISOR.email, SUPERVISOR.password)

        shopper = browser.new_context().new_page()
        shopper.on("pageerror", lambda error: problems.append(f"shopper: {error}"))
        bag_and_checkout(shopper, server)

        # the shopper does nothing: the playbook fires and the widget shows its invitation
        card = shopper.locator(".salon-offer")
        card.wait_for(timeout=30_000)
        assert card.locator(".salon-offer-message").inner_text() == INVITATION
        code = card.locator(".salon-offer-code").inner_text().strip()
        assert code
        label = card.locator(".salon-offer-label").inner_text()
        assert "%" in label

        # meanwhile the floor pulses with the alert and the console rang once for it
        tile = console.locator(".visitor[data-alert=true]")
        tile.wait_for(timeout=10_000)
        assert tile.locator(".visitor-alert").inner_text() == ALERT
        animation = tile.locator(".visitor-avatar").evaluate(
            "e => getComputedStyle(e).animationName"
        )
        assert animation == "alert-pulse"
        console.wait_for_function("Number(document.body.dataset.alertsRung) >= 1")

        # Apply code: the checkout takes it and shows the discount
        card.locator(".salon-offer-apply").click()
        shopper.wait_for_selector(
            "#coupon-result[data-state=applied]", state="attached", timeout=10_000
        )
        assert shopper.input_value("#coupon-code") == code
        assert not shopper.locator("#summary-discount-row").is_hidden()
        discount_text = shopper.text_content("#summary-discount") or ""
        assert discount_text.startswith("−€")

        shopper.click("#fill-demo")
        shopper.click("#checkout-next")
        shopper.click("#checkout-next")
        shopper.wait_for_selector("#checkout[data-step='3']")
        shopper.click("#checkout-next")
        shopper.click("#place-order")
        shopper.wait_for_url("**/shop/order/MA-*")
        assert (shopper.text_content("#order-discount") or "") == discount_text

        # the purchase converts the firing and redeems the code
        wait_for(
            lambda: lift_of(api, site, playbook["id"])["treated"]["conversions"] == 1, timeout=15
        )

        console.locator("#nav-playbooks").click()
        item = console.locator(f".pb-item[data-playbook-id='{playbook['id']}']")
        item.wait_for(timeout=10_000)
        assert item.locator(".pb-name").inner_text() == "Save the stalled cart"
        cell = item.locator
        assert cell("[data-cell=treated-shoppers]").inner_text() == "1"
        assert cell("[data-cell=treated-conversions]").inner_text() == "1"
        assert cell("[data-cell=treated-rate]").inner_text() == "100.0%"
        assert cell("[data-cell=holdout-shoppers]").inner_text() == "0"
        assert cell("[data-cell=coupons]").inner_text() == "1 / 1"
        assert "not enough data" in cell("[data-cell=verdict]").inner_text()
        assert cell(".pb-chart .pb-bar-treated").count() == 1
        assert "checkout idle" in item.locator(".pb-trigger-text").inner_text().replace("_", " ")

        item.locator(".pb-open").click()
        firing = console.locator(".pb-firings .pb-firing")
        firing.first.wait_for(timeout=10_000)
        assert firing.count() == 1
        assert firing.get_attribute("data-group") == "treated"
        assert firing.get_attribute("data-converted") == "true"
        assert code in firing.inner_text()
        assert "yes" in firing.locator(".pb-converted").inner_text()
        coupon = console.locator(f".pb-coupons .pb-coupon[data-code='{code}']")
        assert coupon.get_attribute("data-redeemed") == "true"
        assert coupon.locator(".pb-redeemed").inner_text() == "yes"
        # a supervisor may edit: the form is live and names the next version
        assert console.locator("#pb-save").inner_text() == "Save as version 2"
        assert console.locator("#pb-name").is_enabled()
    assert problems == []
