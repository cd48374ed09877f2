"""Playbook offers in the shopper's widget, and the coupon at the demo store's checkout.

A real Chromium on the demo store: the offer is put into the running app's outbox (the seam the
playbook engine writes to) and reaches the page on an /api/track answer, as in production.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, cast

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from salon.core.ids import new_id
from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.offers.models import Coupon
from salon.playbooks.outbox import WidgetOutbox
from salon.tracking.models import Event, Visit
from tests.support import LiveServer, hex_id, wait_for
from tests.web.browser import chromium, demo_store

pytestmark = pytest.mark.browser
HOSTILE = 'Your bag is waiting <img src=x onerror="window.__pwned=1"> — shall we help?'
CART = [
    {
        "product_id": "P401",
        "variant_id": "P401-BLK-M",
        "name": "Test coat",
        "price": 1000,
        "quantity": 1,
        "colour": "Black",
        "size": "M",
    }
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SiteInfo]]:
    with demo_store(str(tmp_path_factory.mktemp("db"))) as running:
        yield running


def outbox(server: LiveServer) -> WidgetOutbox:
    """The outbox of the app the live server runs in this process."""
    app = cast(FastAPI, server.server.config.app)
    found: WidgetOutbox = app.state.services.outbox
    return found


def query_db(server: LiveServer, work: Callable[[Database], Awaitable[Any]]) -> Any:
    """Run database code from a thread of its own: Playwright's loop owns this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(server.run, work).result()


def server_visit(server: LiveServer, visit_key: str) -> str | None:
    async def query(db: Database) -> str | None:
        async with db.reader() as session:
            found: str | None = await session.scalar(
                select(Visit.id).where(Visit.visit_key == visit_key)
            )
            return found

    result: str | None = query_db(server, query)
    return result


def events_of(server: LiveServer, visit_id: str, kind: str) -> list[dict[str, Any]]:
    async def query(db: Database) -> list[dict[str, Any]]:
        async with db.reader() as session:
            rows = await session.scalars(
                select(Event.data)
                .where(Event.visit_id == visit_id, Event.type == kind)
                .order_by(Event.id)
            )
            return [dict(row) for row in rows.all()]

    result: list[dict[str, Any]] = query_db(server, query)
    return result


def offer(kind: str, message: str, code: str | None = None) -> dict[str, Any]:
    coupon = None
    if code:
        coupon = {
            "code": code,
            "label": "12% off",
            "kind": "percent",
            "value": 12,
            "min_basket": 300.0,
            "expires_at": "2099-12-31T18:00:00Z",
        }
    return {"id": hex_id(), "kind": kind, "message": message, "coupon": coupon}


def open_checkout(page: Any, server: LiveServer) -> str:
    """A shopper with a coat in the bag on the checkout; the server's id of the visit."""
    page.goto(server.base_url + "/shop")
    page.evaluate("cart => localStorage.setItem('maison_cart', JSON.stringify(cart))", CART)
    page.goto(server.base_url + "/shop/checkout")
    page.wait_for_selector("#checkout[data-step='1']")
    visit_key = page.evaluate("Salon.visitId()")
    visit: str = wait_for(lambda: server_visit(server, visit_key), timeout=10)
    return visit


def watch_every_visit(server: LiveServer) -> Iterator[None]:
    """A playbook watching the shopper: answers ask for the fast heartbeat."""
    box = outbox(server)
    before = box.watching
    box.watching = lambda site_id, visit_id: True
    try:
        yield
    finally:
        box.watching = before


@pytest.fixture
def watched(shop: tuple[LiveServer, SiteInfo]) -> Iterator[None]:
    yield from watch_every_visit(shop[0])


def test_an_invitation_with_a_coupon_reaches_an_idle_shopper_on_the_checkout(
    shop: tuple[LiveServer, SiteInfo], watched: None
) -> None:
    server, site = shop
    add_coupon(server, site, "AUREL-TEST12", 12)
    problems: list[str] = []
    with chromium() as browser:
        page = browser.new_context().new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        visit = open_checkout(page, server)
        page.evaluate(
            "window.__coupons = [];"
            "addEventListener('salon:coupon', (e) => window.__coupons.push(e.detail))"
        )
        invite = offer("invite", HOSTILE, code="AUREL-TEST12")
        outbox(server).put(
            site.id, visit, invite
        )  # the shopper does nothing: a fast beat fetches it

        card = page.locator(f".salon-offer[data-offer-id='{invite['id']}']")
        card.wait_for(timeout=10_000)
        assert card.get_attribute("role") == "dialog"
        assert card.locator(".salon-offer-message").inner_text() == HOSTILE  # inert text
        assert card.locator("img").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert card.locator(".salon-offer-label").inner_text() == "12% off"
        assert card.locator(".salon-offer-code").inner_text() == "AUREL-TEST12"
        terms = card.locator(".salon-offer-terms").inner_text()
        assert "300" in terms and "Valid until" in terms
        shown = page.evaluate("Salon.offers()")
        assert [o["id"] for o in shown] == [invite["id"]]
        assert shown[0]["coupon"]["code"] == "AUREL-TEST12"

        card.locator(".salon-offer-apply").click()
        page.wait_for_function("window.__coupons.length === 1")
        detail = page.evaluate("window.__coupons[0]")
        assert detail["code"] == "AUREL-TEST12" and detail["label"] == "12% off"
        assert detail["min_basket"] == 300.0 and detail["kind"] == "percent"
        # the store's checkout took the code: it is filled in and checked with Salon
        assert page.input_value("#coupon-code") == "AUREL-TEST12"
        page.wait_for_selector("#summary-discount-row", state="visible")
        assert page.text_content("#summary-discount") == "−€120"
        assert page.text_content("#summary-total") == "€880"
        assert card.locator(".salon-offer-note").inner_text() == (
            "We have added the code to your checkout."
        )

        card.locator(".salon-offer-chat").click()
        page.wait_for_selector("#salon-panel", state="visible")
        assert card.count() == 0

        def actions() -> list[str]:
            return [
                e["action"]
                for e in events_of(server, visit, "engagement")
                if e["offer_id"] == invite["id"]
            ]

        wait_for(lambda: "accepted" in actions(), timeout=10)
        assert sorted(actions()) == ["accepted", "applied", "shown"]

        # after a reload the same offer (delivered again) stays hidden; a new one shows
        page.reload()
        page.wait_for_selector("#checkout[data-step='1']")
        note = offer("message", "Delivery is complimentary today.")
        outbox(server).put(site.id, visit, invite)
        outbox(server).put(site.id, visit, note)
        later = page.locator(f".salon-offer[data-offer-id='{note['id']}']")
        later.wait_for(timeout=10_000)
        assert page.locator(f".salon-offer[data-offer-id='{invite['id']}']").count() == 0
        assert [o["id"] for o in page.evaluate("Salon.offers()")] == [note["id"]]
        later.locator(".salon-offer-close").focus()
        page.keyboard.press("Escape")
        assert later.count() == 0
        wait_for(
            lambda: (
                {"offer_id": note["id"], "action": "dismissed"}
                in events_of(server, visit, "engagement")
            ),
            timeout=10,
        )
    assert problems == []


def add_coupon(server: LiveServer, site: SiteInfo, code: str, percent: int) -> None:
    async def insert(db: Database) -> None:
        async with db.writer() as session:
            session.add(
                Coupon(
                    id=new_id(),
                    site_id=site.id,
                    code=code,
                    kind="percent",
                    value=Decimal(percent),
                    min_cart_total=Decimal(0),
                )
            )

    query_db(server, insert)


def test_a_coupon_at_checkout_discounts_the_order_and_the_purchase(
    shop: tuple[LiveServer, SiteInfo],
) -> None:
    server, site = shop
    add_coupon(server, site, "AUREL-TENOFF", 10)
    with chromium() as browser:
        page = browser.new_context().new_page()
        visit = open_checkout(page, server)
        page.click("#fill-demo")
        page.click("#checkout-next")
        page.click("#checkout-next")
        page.wait_for_selector("#checkout[data-step='3']")

        page.fill("#coupon-code", "NOSUCHCODE")
        page.click("#coupon-apply")
        page.wait_for_selector("#coupon-result[data-state=refused]")
        assert page.locator("#summary-discount-row").is_hidden()
        assert page.text_content("#summary-total") == "€1,000"

        page.fill("#coupon-code", "AUREL-TENOFF")
        page.click("#coupon-apply")
        page.wait_for_selector("#coupon-result[data-state=applied]")
        result = page.text_content("#coupon-result") or ""
        assert "€100" in result and "€900" in result
        assert page.text_content("#summary-discount") == "−€100"
        assert page.text_content("#summary-total") == "€900"

        page.click("#checkout-next")
        page.click("#place-order")
        page.wait_for_url("**/shop/order/MA-*")
        assert page.text_content("#order-total") == "€900"
        assert page.text_content("#order-discount") == "−€100"

    purchases = wait_for(lambda: events_of(server, visit, "purchase"), timeout=10)
    assert len(purchases) == 1
    assert purchases[0]["coupon"] == "AUREL-TENOFF"
    assert purchases[0]["discount"] == 100 and purchases[0]["total"] == 900


def test_a_failed_coupon_check_says_so(shop: tuple[LiveServer, SiteInfo]) -> None:
    server, _ = shop
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        open_checkout(page, server)
        page.goto(server.base_url + "/shop/checkout/payment")
        page.wait_for_selector("#checkout[data-step='3']")
        context.route("**/api/coupons/check", lambda route: route.abort())  # Salon unreachable
        page.fill("#coupon-code", "AUREL-TENOFF")
        page.click("#coupon-apply")
        page.wait_for_selector("#coupon-result[data-state=error]")
        assert "could not check the code" in (page.text_content("#coupon-result") or "")
        assert page.locator("#summary-discount-row").is_hidden()
