"""The associate's tools in a real browser: the console opens Tools, sends a comparison card and a
stock-elsewhere card, and the shopper sees both in the widget — on a desktop page and inside an
Android app's web view (mobile viewport, touch only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from salon.catalog.models import Product, Variant
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.demo.seed import DEMO_ACCOUNTS
from salon.identity.service import SiteInfo
from salon.stores.models import Inventory, Location
from tests.support import LiveServer
from tests.web.browser import chromium, demo_store, login_console

pytestmark = pytest.mark.browser
ASSOCIATE = DEMO_ACCOUNTS[0]
STORE = "Paris Rive Gauche (test)"
WEBVIEW_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/126.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SiteInfo]]:
    with demo_store(str(tmp_path_factory.mktemp("db"))) as (server, site):
        server.run(lambda db: _stock_in_a_store(db, site.id))
        yield server, site


async def _stock_in_a_store(db: Database, site_id: str) -> None:
    """Three units of P101 in one store of our own, whatever the demo seed holds."""
    async with db.writer() as session:
        product = await session.scalar(
            select(Product).where(Product.site_id == site_id, Product.external_id == "P101")
        )
        assert product is not None
        variant = await session.scalar(select(Variant).where(Variant.product_id == product.id))
        assert variant is not None
        store = Location(
            id=new_id(),
            site_id=site_id,
            external_id="TEST-PRG",
            name=STORE,
            kind="store",
            city="Paris",
            country="FR",
            hours={d: "10:00-19:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        )
        session.add(store)
        await session.flush()
        session.add(Inventory(variant_id=variant.id, location_id=store.id, quantity=3))


def _names(server: LiveServer, site: SiteInfo, ids: list[str]) -> list[str]:
    async def query(db: Database) -> list[str]:
        async with db.reader() as session:
            rows = await session.scalars(
                select(Product).where(Product.site_id == site.id, Product.external_id.in_(ids))
            )
            by_id = {p.external_id: p.name for p in rows}
            return [by_id[i] for i in ids]

    return list(server.run(query))


def _console(browser: Any, server: LiveServer) -> Any:
    console = browser.new_context().new_page()
    login_console(console, server.base_url, ASSOCIATE.email, ASSOCIATE.password)
    console.wait_for_selector("body[data-chat-status=live]", timeout=10_000)
    if console.locator("#availability").is_checked():
        console.locator("#availability").uncheck()  # away: chats wait for a hand pick
    console.wait_for_selector("#availability-label:has-text('Away')")
    return console


def _send_tool(console: Any, name: str, fill: dict[str, str]) -> None:
    """Open the tool, fill its form, wait for the live preview, send it."""
    console.locator(f".tp-tool[data-tool={name}]").click()
    for field, value in fill.items():
        console.fill(f"#tp-{field}", value)
    console.wait_for_selector(f".tp-preview .tcard[data-card-kind={name}]", timeout=10_000)
    console.locator(".tp-send").click()
    console.wait_for_selector(".tp-sent", timeout=10_000)
    console.wait_for_selector(
        f".chat-msg[data-kind=card] .tcard[data-card-kind={name}]", timeout=10_000
    )


def _associate_sends_both(console: Any) -> None:
    console.locator(".queue-item .claim").first.click()
    console.wait_for_selector("#chat-panel .chat-msg[data-sender=visitor]", timeout=10_000)
    console.locator("#tool-touch").click()
    console.wait_for_selector(".tp-tool[data-tool=compare]", timeout=10_000)
    _send_tool(console, "compare", {"product_ids": "P101, P102"})
    _send_tool(console, "stock", {"product_id": "P101"})


def _shopper_sees_both(shopper: Any, names: list[str]) -> None:
    compare = shopper.wait_for_selector(
        ".salon-msg[data-kind=card] .salon-tool[data-card-kind=compare]", timeout=10_000
    )
    text = compare.inner_text()
    assert names[0] in text and names[1] in text
    stock = shopper.wait_for_selector(
        ".salon-msg[data-kind=card] .salon-tool[data-card-kind=stock]", timeout=10_000
    )
    assert STORE in stock.inner_text() and names[0] in stock.inner_text()


def test_associate_sends_compare_and_stock_cards(shop: tuple[LiveServer, SiteInfo]) -> None:
    server, site = shop
    names = _names(server, site, ["P101", "P102"])
    with chromium() as browser:
        console = _console(browser, server)
        shopper = browser.new_context().new_page()
        shopper.goto(server.base_url + "/shop/p/P101")
        shopper.locator("#salon-launcher").click()
        shopper.fill("#salon-name", "Camille")
        shopper.fill("#salon-email", "camille@example.com")
        shopper.fill("#salon-first-message", "Which of these two bags would you pick?")
        shopper.locator("#salon-start").click()
        _associate_sends_both(console)
        _shopper_sees_both(shopper, names)
        # the table of a comparison scrolls sideways instead of breaking the layout
        box = shopper.locator(".salon-tool[data-card-kind=compare] .tw").evaluate(
            "e => getComputedStyle(e).overflowX"
        )
        assert box == "auto"


def test_widget_in_an_android_web_view(shop: tuple[LiveServer, SiteInfo]) -> None:
    server, site = shop
    names = _names(server, site, ["P101", "P102"])
    with chromium() as browser:
        console = _console(browser, server)
        phone = browser.new_context(
            viewport={"width": 390, "height": 844},
            is_mobile=True,
            has_touch=True,
            user_agent=WEBVIEW_UA,
            device_scale_factor=3,
        ).new_page()
        phone.goto(server.base_url + "/shop/p/P101")
        phone.locator("#salon-launcher").tap()
        phone.locator("#salon-name").tap()
        phone.fill("#salon-name", "Lou")
        phone.fill("#salon-email", "lou@example.com")
        phone.fill("#salon-first-message", "Is it in a store near me?")
        phone.locator("#salon-start").tap()
        _associate_sends_both(console)
        _shopper_sees_both(phone, names)
        card = phone.locator(".salon-tool[data-card-kind=stock]")
        width = card.evaluate("e => e.getBoundingClientRect().right")
        assert width <= 390  # the card fits the phone's screen
        phone.locator("#salon-input").tap()
        phone.fill("#salon-input", "Perfect, thanks")
        phone.locator("#salon-send").tap()
        console.wait_for_selector(
            ".chat-msg[data-sender=visitor]:has-text('Perfect, thanks')", timeout=10_000
        )
