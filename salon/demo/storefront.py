"""Maison Aurel, the demo luxury storefront served at /shop.

It behaves like a retailer's own site: server-rendered pages, a cart in the shopper's browser,
its own (demo) customer login, and Salon's widget embedded with one script tag. When a customer
is signed in, every page carries the HMAC identity signature the store's server computes, so the
widget can link the visit to the customer record.

The app only needs `app.include_router(router)` and `app.state.demo` (an object with `site_key`
and `site_secret`); the router serves its own static files under /shop/static. Its last route is
a catch-all for /shop/... that renders the store's 404 page, so include it after any other router
that serves paths under /shop.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from salon.demo.collection import CATALOGUE as PRODUCTS
from salon.demo.collection import catalogue_product as product_by_id
from salon.demo.collection import generated_image
from salon.demo.store_data import (
    CATEGORIES,
    COLOUR_CODES,
    Customer,
    Product,
    Variant,
    category_by_slug,
    customer_by_id,
    image_for,
)
from salon.identity.signing import sign_customer_id

DEMO_DIR = Path(__file__).parent
static_dir: Path = DEMO_DIR / "static"
templates = Jinja2Templates(directory=str(DEMO_DIR / "templates"))

router = APIRouter(include_in_schema=False)

CUSTOMER_COOKIE = "shop_customer"
COOKIE_MAX_AGE = 30 * 24 * 3600

#: The store's own policy: no inline scripts or styles anywhere, nothing from other origins.
#: The widget is loaded from this origin (/widget.js) and talks back to it, also over
#: WebSocket (listed explicitly for browsers where 'self' does not cover ws:/wss:).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'{sockets}; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
HOST = re.compile(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?")

#: Offered on the account page's "sign in as a demo customer" list, best demo first.
DEMO_SIGNIN_IDS: tuple[str, ...] = ("C1001", "C1017", "C1002", "C1005", "C1003", "C1004", "C1007")
FEATURED_IDS: tuple[str, ...] = (
    "P102",
    "P202",
    "P401",
    "P302",
    "P501",
    "P104",
    "P304",
    "P403",
)
CHECKOUT_STEPS: tuple[str, ...] = ("details", "shipping", "payment", "review")
ORDER_ID = re.compile(r"MA-[A-Z0-9]{4,20}")
SEARCH_MAX = 200
STATIC_TYPES: dict[str, str] = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
SEARCH_SYNONYMS: dict[str, str] = {
    "jewelry": "jewellery",
    "purse": "bag",
    "trainer": "sneaker",
    "trainers": "sneaker",
    "color": "colour",
}
INFO_PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "shipping": (
        "Shipping & delivery",
        (
            "Every order travels with complimentary insured delivery in two to four working days, "
            "signed for on arrival. An express courier delivers the next working day for EUR 35.",
            "You may also collect your order in one of our boutiques in Paris, London, Milan or "
            "New York, where an adviser will present it to you.",
        ),
    ),
    "returns": (
        "Returns",
        (
            "You have thirty days to return a piece in its original condition, free of charge. "
            "Engraved and made-to-order pieces cannot be returned.",
            "Ask an adviser to arrange a collection, or bring the piece to any boutique.",
        ),
    ),
    "about": (
        "Our atelier",
        (
            "Maison Aurel was founded in Paris in 1921 as a leather workshop on the rue du "
            "Faubourg Saint-Honoré. Our artisans still cut, stitch and finish every handbag "
            "by hand.",
            "Maison Aurel is fictional: it exists to demonstrate Salon, the open-source live shop "
            "floor.",
        ),
    ),
}
SORTS: dict[str, str] = {
    "featured": "Featured",
    "price-asc": "Price: low to high",
    "price-desc": "Price: high to low",
}


def format_eur(value: float) -> str:
    """ "€3,900" for whole euros, "€3,900.50" otherwise (the same format shop.js uses)."""
    return f"€{value:,.0f}" if float(value).is_integer() else f"€{value:,.2f}"


templates.env.filters["eur"] = format_eur


# --- helpers ----------------------------------------------------------------------------------


def _site_keys(request: Request) -> tuple[str, str]:
    demo = getattr(request.app.state, "demo", None)
    return str(getattr(demo, "site_key", "") or ""), str(getattr(demo, "site_secret", "") or "")


def signed_in_customer(request: Request) -> Customer | None:
    """The demo customer whose id is in the store's own login cookie, if it names one."""
    customer_id = request.cookies.get(CUSTOMER_COOKIE, "")
    return customer_by_id(customer_id) if customer_id else None


def content_security_policy(request: Request) -> str:
    host = request.headers.get("host", "")
    sockets = f" ws://{host} wss://{host}" if HOST.fullmatch(host) else ""
    return CONTENT_SECURITY_POLICY.format(sockets=sockets)


def page(path: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
    """Register a GET (and HEAD) route on the storefront router."""
    return router.api_route(path, methods=["GET", "HEAD"])


def render(
    request: Request, template: str, page_type: str, status_code: int = 200, **context: Any
) -> Response:
    """A store page: shared layout context, the identity signature and the security headers."""
    site_key, site_secret = _site_keys(request)
    customer = signed_in_customer(request)
    signature = (
        sign_customer_id(site_secret, customer.customer_id) if customer and site_secret else None
    )
    response = templates.TemplateResponse(
        request,
        f"shop/{template}",
        {
            "page_type": page_type,
            "site_key": site_key,
            "customer": customer,
            "signature": signature,
            "categories": CATEGORIES,
            "query": "",
            **context,
        },
        status_code=status_code,
    )
    response.headers["Content-Security-Policy"] = content_security_policy(request)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["Cache-Control"] = "private, no-store" if customer else "no-cache"
    return response


def not_found(request: Request, message: str = "We could not find that page.") -> Response:
    return render(request, "not_found.html", "other", status_code=404, message=message)


def _fold(text: str) -> str:
    """Lower case without accents, so "celeste" finds "Céleste"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _found(term: str, text: str) -> bool:
    """`term` is in `text`, also when `term` is a plural ("coats") of what the text says."""
    return term in text or (len(term) > 3 and term.endswith("s") and term[:-1] in text)


def search_products(query: str) -> list[Product]:
    """Products matching every word of `query`; name matches first."""
    terms = [SEARCH_SYNONYMS.get(t, t) for t in _fold(query).split()]
    if not terms:
        return []
    names = {c.slug: c.name for c in CATEGORIES}
    scored: list[tuple[int, int, Product]] = []
    for index, product in enumerate(PRODUCTS):
        name = _fold(product.name)
        haystack = " ".join(
            (
                name,
                _fold(product.description),
                _fold(names[product.category]),
                _fold(" ".join(product.colours)),
            )
        )

        if all(_found(t, haystack) for t in terms):
            in_name = sum(_found(t, name) for t in terms)
            scored.append((-in_name, index, product))
    return [product for _, _, product in sorted(scored, key=lambda s: (s[0], s[1]))]


@dataclass(frozen=True)
class Selection:
    colour: str
    size: str | None
    variant: Variant | None


def initial_selection(product: Product, variant_id: str | None) -> Selection:
    """The variant shown on arrival: the one asked for, else the first colour in stock."""
    chosen = next((v for v in product.variants if v.variant_id == variant_id), None)
    if chosen:
        return Selection(chosen.colour, chosen.size, chosen)
    colour = next(
        (c for c in product.colours if any(v.stock for v in product.variants if v.colour == c)),
        product.colours[0],
    )
    if len(product.sizes) == 1:
        size = product.sizes[0]
        variant = next(v for v in product.variants if v.colour == colour and v.size == size)
        return Selection(colour, size, variant)
    return Selection(colour, None, None)


def stock_message(variant: Variant | None) -> str:
    if variant is None:
        return "Please select a size."
    if variant.stock == 0:
        return "Sold out online. An adviser can check our boutiques for you."
    if variant.stock <= 3:
        return f"Only {variant.stock} left."
    return "In stock, ready to ship."


def _order_history(customer: Customer) -> list[dict[str, Any]]:
    orders = []
    for order in customer.orders:
        lines = [(product_by_id(pid), qty) for pid, qty in order.lines]
        orders.append(
            {
                "order_id": order.order_id,
                "days_ago": order.days_ago,
                "lines": [(p.name, qty) for p, qty in lines if p],
                "total": sum(p.price * qty for p, qty in lines if p),
            }
        )
    return orders


# --- pages ------------------------------------------------------------------------------------


@page("/shop")
def home(request: Request) -> Response:
    featured = [p for pid in FEATURED_IDS if (p := product_by_id(pid))]
    tiles = [(c, next(p for p in PRODUCTS if p.category == c.slug)) for c in CATEGORIES]
    return render(request, "home.html", "home", featured=featured, tiles=tiles)


@page("/shop/c/{slug}")
def category_page(request: Request, slug: str, sort: str = "featured") -> Response:
    category = category_by_slug(slug)
    if category is None:
        return not_found(request, "We could not find that collection.")
    sort = sort if sort in SORTS else "featured"
    products = [p for p in PRODUCTS if p.category == slug]
    if sort != "featured":
        products.sort(key=lambda p: p.price, reverse=sort == "price-desc")
    return render(
        request,
        "category.html",
        "category",
        category=category,
        products=products,
        sort=sort,
        sorts=SORTS,
    )


@page("/shop/p/{product_id}")
def product_page(request: Request, product_id: str, variant: str | None = None) -> Response:
    product = product_by_id(product_id)
    if product is None:
        return not_found(request, "We could not find that piece. It may no longer be available.")
    category = category_by_slug(product.category)
    selection = initial_selection(product, variant)
    sold_out_sizes = {
        v.size for v in product.variants if v.colour == selection.colour and not v.stock
    }
    return render(
        request,
        "product.html",
        "product",
        product=product,
        category=category,
        selection=selection,
        sold_out_sizes=sold_out_sizes,
        stock_text=stock_message(selection.variant),
        colour_codes=COLOUR_CODES,
        images={c: f"/shop/static/img/{image_for(product, c)}" for c in product.colours},
        variants=[
            {"variant_id": v.variant_id, "colour": v.colour, "size": v.size, "stock": v.stock}
            for v in product.variants
        ],
        product_meta={
            "product_id": product.product_id,
            "name": product.name,
            "price": product.price,
            "category": product.category,
        },
        related=[p for p in PRODUCTS if p.category == product.category and p is not product][:4],
    )


@page("/shop/search")
def search_page(request: Request, q: str = "") -> Response:
    query = q.strip()[:SEARCH_MAX]
    results = search_products(query)
    return render(
        request,
        "search.html",
        "search",
        query=query,
        results=results,
        suggestions=[p for pid in FEATURED_IDS[:4] if (p := product_by_id(pid))],
    )


@page("/shop/cart")
def cart_page(request: Request) -> Response:
    return render(request, "cart.html", "cart")


@page("/shop/checkout")
def checkout_page(request: Request, step: str = "1") -> Response:
    if step in CHECKOUT_STEPS:
        number = CHECKOUT_STEPS.index(step) + 1
    else:
        number = int(step) if step.isdigit() and 1 <= int(step) <= len(CHECKOUT_STEPS) else 1
    return render(request, "checkout.html", "checkout", step=number, steps=CHECKOUT_STEPS)


@page("/shop/checkout/{step_name}")
def checkout_step_page(request: Request, step_name: str) -> Response:
    """/shop/checkout/shipping etc.: the URLs shop.js shows and the shopper simulator reports."""
    if step_name == "confirmation":
        return render(request, "confirmation.html", "confirmation", order_id=None)
    if step_name not in CHECKOUT_STEPS:
        return not_found(request)
    return checkout_page(request, step_name)


@page("/shop/order/{order_id}")
def confirmation_page(request: Request, order_id: str) -> Response:
    if not ORDER_ID.fullmatch(order_id):
        return not_found(request, "We could not find that order.")
    return render(request, "confirmation.html", "confirmation", order_id=order_id)


@page("/shop/info/{slug}")
def info_page(request: Request, slug: str) -> Response:
    info = INFO_PAGES.get(slug)
    if info is None:
        return not_found(request)
    title, paragraphs = info
    return render(
        request,
        "info.html",
        "info",
        title=title,
        paragraphs=paragraphs,
        info_pages=INFO_PAGES,
        slug=slug,
    )


@page("/shop/account")
def account_page(request: Request, error: str = "") -> Response:
    customer = signed_in_customer(request)
    demo_customers = [c for cid in DEMO_SIGNIN_IDS if (c := customer_by_id(cid))]
    return render(
        request,
        "account.html",
        "account",
        demo_customers=demo_customers,
        orders=_order_history(customer) if customer else [],
        unknown_customer=error == "unknown-customer",
    )


@router.get("/shop/account/signin")
def sign_in(request: Request, customer: str = "") -> Response:
    """The store's own demo login: no password, any catalogue customer may be chosen."""
    found = customer_by_id(customer)
    if found is None:
        return RedirectResponse("/shop/account?error=unknown-customer", status_code=303)
    response = RedirectResponse("/shop/account", status_code=303)
    response.set_cookie(
        CUSTOMER_COOKIE,
        found.customer_id,
        max_age=COOKIE_MAX_AGE,
        path="/shop",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/shop/account/signout")
def sign_out() -> Response:
    response = RedirectResponse("/shop/account", status_code=303)
    response.delete_cookie(CUSTOMER_COOKIE, path="/shop")
    return response


# --- static files and the catch-all -----------------------------------------------------------


def resolve_static(path: str) -> Path | None:
    """The file under static_dir that `path` names, or None for anything outside it."""
    if not path or "\\" in path or "\x00" in path:
        return None
    root = static_dir.resolve()
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    relative = candidate.relative_to(root)
    if any(part.startswith(".") for part in relative.parts):
        return None
    return candidate if candidate.suffix in STATIC_TYPES else None


@page("/shop/static/{path:path}")
def static_file(path: str) -> Response:
    file = resolve_static(path)
    if file is None:
        drawn = generated_image(path[4:]) if path.startswith("img/") else None
        if drawn is not None:
            return Response(
                drawn,
                media_type=STATIC_TYPES[".svg"],
                headers={
                    "Cache-Control": "public, max-age=3600",
                    "X-Content-Type-Options": "nosniff",
                },
            )
        return PlainTextResponse("Not found", status_code=404)
    return FileResponse(
        file,
        media_type=STATIC_TYPES[file.suffix],
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@page("/shop/{rest:path}")
def unknown_page(request: Request, rest: str) -> Response:
    if rest == "":
        return RedirectResponse("/shop", status_code=308)
    return not_found(request)
