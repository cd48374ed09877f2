"""The Maison Aurel demo storefront: its catalogue data, its pages and its shop.js.

Pages are fetched through the router in a tiny FastAPI app (no database needed); the browser
test at the end drives the real pages in headless Chromium with a recording stand-in for the
widget, and checks the events shop.js sends against the tracking contract in docs/api.md.
"""

from __future__ import annotations

import json
import re
import types
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import Response

from salon.demo import storefront
from salon.demo.store_data import (
    CATEGORIES,
    COLOUR_CODES,
    CUSTOMERS,
    PRODUCTS,
    image_for,
    product_by_id,
    size_code,
)
from salon.identity.signing import sign_customer_id
from tests.support import serve_in_thread
from tests.web.browser import chromium

with warnings.catch_warnings():
    # Starlette warns that its TestClient will move to httpx2; the API we use is unchanged.
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

SITE_KEY = "pk_test"
SECRET = "s3cret"


def make_app(demo: object | None = None) -> FastAPI:
    app = FastAPI()
    app.state.demo = (
        demo if demo is not None else types.SimpleNamespace(site_key=SITE_KEY, site_secret=SECRET)
    )
    app.include_router(storefront.router)
    return app


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(make_app()) as test_client:
        yield test_client


class Page(HTMLParser):
    """Every start tag of a page, with its attributes, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())
        ]

    def meta(self, name: str) -> str | None:
        found = self.all("meta", name=name)
        return found[0]["content"] if found else None

    def by_id(self, element_id: str) -> dict[str, str | None]:
        found = [a for _, a in self.tags if a.get("id") == element_id]
        assert len(found) == 1, f"expected exactly one #{element_id}, found {len(found)}"
        return found[0]


# --- catalogue data ---------------------------------------------------------------------------


def test_catalogue_is_complete_and_consistent() -> None:
    slugs = {c.slug for c in CATEGORIES}
    assert len(CATEGORIES) == 5
    assert 28 <= len(PRODUCTS) <= 40
    assert len({p.product_id for p in PRODUCTS}) == len(PRODUCTS)
    all_variant_ids = [v.variant_id for p in PRODUCTS for v in p.variants]
    assert len(set(all_variant_ids)) == len(all_variant_ids)
    for product in PRODUCTS:
        assert product.category in slugs
        assert 150 <= product.price <= 12_500
        assert 2 <= len(product.colours) <= 4
        assert product_by_id(product.product_id) is product
        combos = {(v.colour, v.size) for v in product.variants}
        assert combos == {(c, s) for c in product.colours for s in product.sizes}
        for v in product.variants:
            expected = f"{product.product_id}-{COLOUR_CODES[v.colour]}-{size_code(v.size)}"
            assert v.variant_id == expected
            assert 0 <= v.stock <= 10
        assert any(v.stock for v in product.variants)
        one_size = product.category in {"handbags", "watches", "jewellery"}
        assert (product.sizes == ("One size",)) == one_size
        for colour in product.colours:
            assert (storefront.static_dir / "img" / image_for(product, colour)).is_file()
        assert product.image == image_for(product, product.colours[0])
    assert any(v.stock == 0 for p in PRODUCTS for v in p.variants)
    for category in CATEGORIES:
        prices = [p.price for p in PRODUCTS if p.category == category.slug]
        assert min(prices) < 1000 and max(prices) > 2000, category.slug


def test_customers_have_believable_histories() -> None:
    assert len(CUSTOMERS) == 40
    assert [c.customer_id for c in CUSTOMERS] == [f"C{1001 + i}" for i in range(40)]
    tiers = [c.loyalty_tier for c in CUSTOMERS]
    assert set(tiers) == {"none", "silver", "gold", "platinum"}
    assert 1 <= tiers.count("platinum") <= 4
    order_ids = [o.order_id for c in CUSTOMERS for o in c.orders]
    assert len(set(order_ids)) == len(order_ids)
    for customer in CUSTOMERS:
        assert customer.email.endswith("@example.com")
        assert re.fullmatch(r"[a-z.]+@example\.com", customer.email)
        assert 0 <= len(customer.orders) <= 6
        for order in customer.orders:
            assert 3 <= order.days_ago <= 700
            assert order.lines
            for product_id, quantity in order.lines:
                assert product_by_id(product_id) is not None
                assert quantity >= 1

    def spent(customer_id: str) -> float:
        customer = next(c for c in CUSTOMERS if c.customer_id == customer_id)
        return sum(
            product.price * qty
            for order in customer.orders
            for pid, qty in order.lines
            if (product := product_by_id(pid))
        )

    assert next(c for c in CUSTOMERS if c.customer_id == "C1001").loyalty_tier == "platinum"
    assert next(c for c in CUSTOMERS if c.customer_id == "C1002").loyalty_tier == "gold"
    assert spent("C1001") > 30_000


# --- pages ------------------------------------------------------------------------------------

PAGES: list[tuple[str, str]] = (
    [
        ("/shop", "home"),
        ("/shop/search?q=coat", "search"),
        ("/shop/search", "search"),
        ("/shop/cart", "cart"),
        ("/shop/checkout", "checkout"),
        ("/shop/checkout?step=review", "checkout"),
        ("/shop/order/MA-7QK2ZP4X", "confirmation"),
        ("/shop/account", "account"),
        ("/shop/checkout/shipping", "checkout"),
        ("/shop/checkout/confirmation", "confirmation"),
    ]
    + [(f"/shop/info/{slug}", "info") for slug in storefront.INFO_PAGES]
    + [(f"/shop/c/{c.slug}", "category") for c in CATEGORIES]
    + [(f"/shop/p/{p.product_id}", "product") for p in PRODUCTS]
)


@pytest.mark.parametrize(("url", "page_type"), PAGES)
def test_every_page_renders_with_one_widget_tag_and_no_inline_code(
    client: TestClient, url: str, page_type: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Page(response.text)
    assert page.meta("salon:page-type") == page_type
    scripts = page.all("script")
    assert [s.get("src") for s in scripts] == ["/widget.js", "/shop/static/shop.js"]
    assert scripts[0].get("data-site") == SITE_KEY
    assert all("defer" in s for s in scripts)
    assert response.text.count('src="/widget.js"') == 1
    # The store's CSP allows no inline script or style: none may be needed.
    assert not page.all("style")
    for tag, attrs in page.tags:
        assert "style" not in attrs, tag
        assert not any(name.startswith("on") for name in attrs), tag
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "unsafe-inline" not in csp


def test_product_page_describes_the_product_for_salon(client: TestClient) -> None:
    product = product_by_id("P303")  # "Fil d'Or": the apostrophe must survive the attribute
    assert product is not None
    page = Page(client.get("/shop/p/P303").text)
    meta = page.meta("salon:product")
    assert meta is not None
    assert json.loads(meta) == {
        "product_id": "P303",
        "name": "Fil d'Or Chain Necklace",
        "price": product.price,
        "category": "jewellery",
    }
    root = page.by_id("product")
    variants = json.loads(root["data-variants"] or "")
    assert {v["variant_id"] for v in variants} == {v.variant_id for v in product.variants}
    for colour in product.colours:
        assert page.all("button", data_colour=colour)
    assert page.all("button", data_size="One size")
    for element_id in (
        "add-to-cart",
        "wishlist",
        "cart-count",
        "search-input",
        "stock",
        "variant-id",
        "product-image",
        "quantity",
    ):
        page.by_id(element_id)


def test_product_page_preselects_a_requested_variant(client: TestClient) -> None:
    product = product_by_id("P401")
    assert product is not None
    sold_out = next((v for v in product.variants if v.stock == 0), None)
    page = Page(client.get("/shop/p/P401?variant=P401-BLK-M").text)
    assert "is-selected" in (page.all("button", data_colour="Black")[0]["class"] or "")
    assert "is-selected" in (page.all("button", data_size="M")[0]["class"] or "")
    # Without a variant, clothes wait for the shopper to choose a size.
    text = client.get("/shop/p/P401").text
    assert "Please select a size." in text
    if sold_out:
        text = client.get(f"/shop/p/P401?variant={sold_out.variant_id}").text
        assert "Sold out online" in text


@pytest.mark.parametrize(
    "url",
    [
        "/shop/p/P999",
        "/shop/p/%2e%2e",
        "/shop/c/hats",
        "/shop/order/not-an-order",
        "/shop/order/MA-<b>",
        "/shop/nowhere",
        "/shop/p/",
        "/shop/info/secrets",
        "/shop/checkout/teleport",
    ],
)
def test_unknown_things_get_the_stores_404_page(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    page = Page(response.text)
    assert page.meta("salon:page-type") == "other"
    page.by_id("not-found")


def test_head_requests_are_answered(client: TestClient) -> None:
    assert client.head("/shop").status_code == 200
    assert client.head("/shop/static/shop.css").status_code == 200


def test_checkout_opens_at_the_requested_step(client: TestClient) -> None:
    page = Page(client.get("/shop/checkout?step=payment").text)
    assert page.by_id("checkout")["data-step"] == "3"
    assert "hidden" not in page.by_id("step-payment")
    assert "hidden" in page.by_id("step-details")
    assert Page(client.get("/shop/checkout?step=99").text).by_id("checkout")["data-step"] == "1"
    page = Page(client.get("/shop/checkout/review").text)
    assert page.by_id("checkout")["data-step"] == "4"
    assert "hidden" not in page.by_id("place-order")


# --- the store's own demo login and the identity signature ------------------------------------


def test_signing_in_puts_the_servers_signature_on_every_page(client: TestClient) -> None:
    response = client.get("/shop/account/signin?customer=C1001", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/shop/account"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("shop_customer=C1001;")
    assert "HttpOnly" in cookie and "Path=/shop" in cookie and "samesite=lax" in cookie.lower()
    for url in ("/shop", "/shop/p/P102", "/shop/account", "/shop/checkout"):
        page = Page(client.get(url).text)
        body = page.all("body")[0]
        assert body["data-customer"] == "C1001"
        assert body["data-signature"] == sign_customer_id(SECRET, "C1001")
    account = client.get("/shop/account").text
    assert "Isabelle Fontaine" in account and "Platinum client" in account
    response = client.get("/shop/account/signout", follow_redirects=False)
    assert response.status_code == 303
    client.cookies.clear()  # the client does not apply a Path=/shop deletion to its jar
    assert "data-signature" not in client.get("/shop").text


def test_anonymous_and_unknown_customers_get_no_signature(client: TestClient) -> None:
    assert "data-signature" not in client.get("/shop").text
    response = client.get("/shop/account/signin?customer=C9999", follow_redirects=False)
    assert response.status_code == 303
    assert "set-cookie" not in response.headers
    assert "We do not know that client" in client.get(response.headers["location"]).text
    client.cookies.set("shop_customer", "C9999", path="/shop")
    assert "data-signature" not in client.get("/shop").text


def test_pages_render_without_demo_keys() -> None:
    app = make_app(types.SimpleNamespace(site_key="pk_x", site_secret=""))
    with TestClient(app) as test_client:
        test_client.cookies.set("shop_customer", "C1001", path="/shop")
        text = test_client.get("/shop").text
        assert 'data-site="pk_x"' in text and "data-signature" not in text
    bare = FastAPI()
    bare.include_router(storefront.router)
    with TestClient(bare) as test_client:
        assert test_client.get("/shop/p/P101").status_code == 200


# --- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "'><svg onload=alert(1)>",
    ],
)
def test_search_escapes_the_query(client: TestClient, query: str) -> None:
    response = client.get("/shop/search", params={"q": query})
    assert response.status_code == 200
    assert query not in response.text
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    page = Page(response.text)
    assert page.by_id("search-page")["data-query"] == query
    assert page.by_id("search-input")["value"] == query
    assert [s.get("src") for s in page.all("script")] == ["/widget.js", "/shop/static/shop.js"]
    if query.startswith("<script>"):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_search_finds_products_forgivingly(client: TestClient) -> None:
    def ids(query: str) -> list[str]:
        return [p.product_id for p in storefront.search_products(query)]

    assert ids("celeste")[0] == "P102"
    assert "P401" in ids("Coats")
    assert set(ids("jewelry")) == {
        p.product_id for p in storefront.PRODUCTS if p.category == "jewellery"
    }
    assert "P403" in ids("black shearling")
    assert ids("") == [] and ids("zebra") == []
    page = Page(client.get("/shop/search?q=cashmere").text)
    assert page.by_id("search-results")
    long_query = "x" * 5000
    assert client.get("/shop/search", params={"q": long_query}).status_code == 200


# --- static files -----------------------------------------------------------------------------


def test_static_files_are_served_with_their_types(client: TestClient) -> None:
    js = client.get("/shop/static/shop.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "innerHTML" not in js.text.replace("never innerHTML", "")
    css = client.get("/shop/static/shop.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    svg = client.get(f"/shop/static/img/{PRODUCTS[0].image}")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert "<script" not in svg.text


@pytest.mark.parametrize(
    "path",
    [
        "..%2fstore_data.py",
        "%2e%2e/store_data.py",
        "%2e%2e%2fstorefront.py",
        "img/..%2f..%2fstorefront.py",
        "..%2f..%2fidentity%2fsigning.py",
        "%2fetc%2fpasswd",
        "..%5cstore_data.py",
        "img/",
        "missing.js",
        "../../../../etc/passwd",
    ],
)
def test_static_route_refuses_traversal(client: TestClient, path: str) -> None:
    response = client.get(f"/shop/static/{path}")
    assert response.status_code == 404
    assert "import" not in response.text and "root:" not in response.text


def test_resolve_static_stays_inside_the_static_dir() -> None:
    assert storefront.resolve_static("../store_data.py") is None
    assert storefront.resolve_static("img/../../storefront.py") is None
    assert storefront.resolve_static("/etc/passwd") is None
    assert storefront.resolve_static("shop.js\x00.css") is None
    inside = storefront.resolve_static("img/../shop.css")
    assert inside == (storefront.static_dir / "shop.css").resolve()


# --- in a real browser ------------------------------------------------------------------------

RECORDING_WIDGET = """
(function () {
  var log = [];
  function keep() { try { sessionStorage.setItem('salon_log', JSON.stringify(log)); } catch (e) {} }
  try { log = JSON.parse(sessionStorage.getItem('salon_log') || '[]'); } catch (e) {}
  window.Salon = {
    track: function (type, fields) { log.push(['track', type, fields]); keep(); },
    identify: function (id, sig) { log.push(['identify', id, sig]); keep(); },
    flush: function () { log.push(['flush']); keep(); return Promise.resolve(); },
    visitorId: function () { return '0123456789abcdef0123456789abcdef'; }
  };
})();
"""

# type -> allowed fields (docs/api.md)
CONTRACT: dict[str, set[str]] = {
    "variant_select": {"product_id", "attribute", "value", "variant_id"},
    "add_to_cart": {"product_id", "variant_id", "name", "price", "quantity"},
    "remove_from_cart": {"product_id", "variant_id", "name", "price", "quantity"},
    "wishlist_add": {"product_id", "name"},
    "search": {"query"},
    "checkout_step": {"step", "name"},
    "purchase": {"order_id", "total", "currency"},
}


@pytest.fixture
def live_shop() -> Iterator[str]:
    app = make_app()

    @app.get("/widget.js")
    def widget() -> Response:
        return Response(RECORDING_WIDGET, media_type="text/javascript")

    with serve_in_thread(app) as url:
        yield url


@pytest.mark.browser
def test_a_shopper_buys_a_coat_in_a_real_browser(live_shop: str) -> None:
    problems: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

        page.goto(f"{live_shop}/shop/account")
        page.select_option("#demo-customer", "C1002")
        page.click("#signin")
        page.goto(f"{live_shop}/shop/p/P401")
        page.click("#add-to-cart")
        assert page.text_content("#cart-notice") == "Please select a size."
        page.click('.swatch[data-colour="Black"]')
        page.click('.size[data-size="M"]')
        assert page.text_content("#variant-id") == "P401-BLK-M"
        assert page.get_attribute("#product-image", "src") == "/shop/static/img/P401-BLK.svg"
        page.click("#add-to-cart")
        page.click("#wishlist")
        assert page.text_content("#cart-count") == "1"
        page.goto(f"{live_shop}/shop/p/P105")
        page.click("#add-to-cart")
        page.goto(f"{live_shop}/shop/search?q=silk")
        page.goto(f"{live_shop}/shop/cart")
        assert page.locator(".cart-line").count() == 2
        page.click('.cart-line[data-variant-id^="P105-"] .remove-line')
        assert page.locator(".cart-line").count() == 1
        page.click("#checkout-link")
        page.fill("#checkout-address", "1 Place Vendôme")
        page.fill("#checkout-city", "Paris")
        page.fill("#checkout-postcode", "75001")
        for _ in range(3):
            page.click("#checkout-next")
        assert page.get_attribute("#checkout", "data-step") == "4"
        page.click("#place-order")
        page.wait_for_url(re.compile(r".*/shop/order/MA-[A-Z0-9]{10}$"))
        assert page.text_content("#order-total") == "€4,200"
        assert page.text_content("#cart-count") == "0"
        log: list[Any] = json.loads(page.evaluate("sessionStorage.getItem('salon_log')"))

    assert problems == []
    assert ["identify", "C1002", sign_customer_id(SECRET, "C1002")] in log
    tracked = [(entry[1], entry[2]) for entry in log if entry[0] == "track"]
    for event_type, fields in tracked:
        assert set(fields) <= CONTRACT[event_type], (event_type, fields)
    types_seen = [t for t, _ in tracked]
    assert types_seen.count("variant_select") == 2
    assert {"add_to_cart", "remove_from_cart", "wishlist_add", "search", "purchase"} <= set(
        types_seen
    )
    steps = [f["step"] for t, f in tracked if t == "checkout_step"]
    assert steps == [1, 2, 3, 4]
    purchase = next(f for t, f in tracked if t == "purchase")
    assert purchase["total"] == 4200 and purchase["currency"] == "EUR"
    purchase_at = next(i for i, e in enumerate(log) if e[0] == "track" and e[1] == "purchase")
    assert ["flush"] in log[purchase_at:]
    assert ("search", {"query": "silk"}) in tracked
