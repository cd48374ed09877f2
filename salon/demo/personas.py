"""How simulated shoppers behave: personas and the small state machine that walks a visit.

The simulator owns time, batching and HTTP; this module only decides what a shopper does next
and which widget events that produces, so behaviour can be read (and tuned) in one place.
"""

from __future__ import annotations

import enum
import random
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote_plus

from salon.demo.store_data import CATEGORIES, Category, Product

STORE_NAME = "Maison Aurel"
CHECKOUT_STEPS: tuple[str, ...] = ("details", "shipping", "payment", "review")  # as shop.js
GIFT_QUERIES = (
    "gift for her",
    "anniversary",
    "anniversary gift",
    "gift for him",
    "birthday present",
)
BARGAIN_QUERIES = ("sale", "discount", "under 500", "last season")
HELP_QUERIES = ("size guide", "returns", "where is my order", "delivery time")
RAGE_TARGETS = (
    "size picker",
    "Add to bag button",
    "promo code field",
    "Pay now button",
    "colour swatch",
)
REFERRERS = ("https://www.google.com/", "https://www.instagram.com/", "https://news.example.org/")
INFO_PAGES = (("shipping", "Shipping & delivery"), ("returns", "Returns"), ("about", "Our atelier"))
THINK_MIN, THINK_MAX = 2.0, 20.0
IDLE_AFTER = 60
P_TAKE_CODE = 0.6  # shoppers who use a personal code a playbook offers them
OFFER_PULL = 0.3  # of the doubt about paying that a code removes


@dataclass(frozen=True)
class Persona:
    """A behaviour profile; probabilities are per decision, ranges are inclusive."""

    name: str
    weight: float
    actions: tuple[int, int]
    think: tuple[float, float]
    pointer: tuple[float, float]
    p_add: float
    p_wishlist: float = 0.05
    p_search: float = 0.15
    queries: tuple[str, ...] = ()
    p_variant: float = 0.5
    variant_flips: tuple[int, int] = (1, 2)
    shortlist: int = 0
    p_remove: float = 0.05
    add_then_remove: float = 0.0
    lands_on_product: float = 0.2
    prefers_cheap: bool = False
    p_checkout: float = 0.5
    p_abandon_step: float = 0.1
    p_purchase: float = 0.7
    p_rage: float = 0.0
    p_idle: float = 0.04
    p_hidden: float = 0.04
    identifies: bool = False


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "window shopper",
        3.0,
        (5, 14),
        (4.0, 20.0),
        (200.0, 900.0),
        p_add=0.05,
        p_wishlist=0.2,
        p_checkout=0.1,
        p_idle=0.08,
        p_hidden=0.06,
    ),
    Persona(
        "decisive buyer",
        1.5,
        (6, 12),
        (2.0, 8.0),
        (500.0, 1400.0),
        p_add=0.7,
        lands_on_product=0.7,
        p_variant=0.9,
        variant_flips=(1, 1),
        p_checkout=0.95,
        p_abandon_step=0.03,
        p_purchase=0.9,
        p_idle=0.0,
        p_hidden=0.02,
    ),
    Persona(
        "indecisive toggler",
        1.5,
        (12, 26),
        (3.0, 14.0),
        (300.0, 1100.0),
        p_add=0.3,
        p_variant=0.95,
        variant_flips=(2, 5),
        shortlist=3,
        p_remove=0.4,
        add_then_remove=0.2,
        lands_on_product=1.0,
        p_checkout=0.5,
        p_purchase=0.45,
    ),
    Persona(
        "gift hunter",
        1.2,
        (8, 18),
        (3.0, 15.0),
        (300.0, 1200.0),
        p_add=0.4,
        p_search=0.5,
        queries=GIFT_QUERIES,
        p_checkout=0.7,
        p_purchase=0.7,
    ),
    Persona(
        "price-sensitive",
        1.2,
        (8, 18),
        (3.0, 16.0),
        (300.0, 1000.0),
        p_add=0.6,
        p_search=0.35,
        queries=BARGAIN_QUERIES,
        p_remove=0.5,
        add_then_remove=0.6,
        prefers_cheap=True,
        p_checkout=0.5,
        p_abandon_step=0.2,
        p_purchase=0.4,
    ),
    Persona(
        "frustrated",
        0.8,
        (6, 14),
        (2.0, 9.0),
        (2500.0, 6000.0),
        p_add=0.4,
        p_search=0.3,
        queries=HELP_QUERIES,
        variant_flips=(2, 4),
        p_remove=0.3,
        add_then_remove=0.2,
        p_checkout=0.6,
        p_abandon_step=0.3,
        p_purchase=0.3,
        p_rage=0.35,
    ),
    Persona(
        "loyal customer",
        0.0,
        (6, 16),
        (2.0, 12.0),
        (400.0, 1300.0),
        p_add=0.55,
        p_wishlist=0.15,
        p_checkout=0.8,
        p_abandon_step=0.05,
        p_purchase=0.85,
        identifies=True,
    ),
)
LOYAL = PERSONAS[-1]


def pick_persona(rng: random.Random, *, customer: bool) -> Persona:
    """Identified returning customers are mostly the loyal persona; anonymous ones never are."""
    if customer and rng.random() < 0.6:
        return LOYAL
    others = [p for p in PERSONAS if p.weight > 0]
    return rng.choices(others, weights=[p.weight for p in others])[0]


class Stage(enum.Enum):
    LAND = "land"
    BROWSE = "browse"
    PRODUCT = "product"
    CART = "cart"
    CHECKOUT = "checkout"
    LEAVE = "leave"


class Channel(Protocol):
    """What a script needs from the simulator: the widget's calls and the passing of time."""

    def page_view(self, path: str, title: str, page_type: str, referrer: str | None) -> None: ...

    def emit(self, event_type: str, **fields: object) -> None: ...

    def identify(self) -> None: ...

    def set_visible(self, visible: bool) -> None: ...

    async def pause(self, seconds: float) -> None: ...

    def offers(self) -> list[dict[str, Any]]: ...


@dataclass
class CartLine:
    product: Product
    variant_id: str | None
    quantity: int


def variant_id_for(product: Product, colour: str | None, size: str | None) -> str | None:
    """The catalogue variant once colour and size are both known (single options count as known)."""
    colour = colour or (product.colours[0] if len(product.colours) == 1 else None)
    size = size or (product.sizes[0] if len(product.sizes) == 1 else None)
    if colour is None or size is None:
        return None
    return next(
        (v.variant_id for v in product.variants if (v.colour, v.size) == (colour, size)), None
    )


@dataclass
class ShopperScript:
    """One visit, walked stage by stage; `run` returns when the shopper leaves."""

    channel: Channel
    rng: random.Random
    persona: Persona
    products: tuple[Product, ...]
    identify_early: bool = False
    identify_late: bool = False
    cart: dict[str, CartLine] = field(default_factory=dict)
    current: Product | None = None
    shortlist: list[Product] = field(default_factory=list)
    choice: dict[str, str] = field(default_factory=dict)
    last_query: str = ""
    browsing: str | None = None  # the category whose listing the shopper came from
    actions_left: int = 0
    coupon: dict[str, Any] | None = None  # a playbook's code the shopper chose to use

    async def run(self) -> None:
        self.actions_left = self.rng.randint(*self.persona.actions)
        if self.persona.shortlist:
            pool = self._in_category(self.rng.choice(self.products).category)
            self.shortlist = self.rng.sample(pool, min(len(pool), self.persona.shortlist))
        stage = Stage.LAND
        handlers = {
            Stage.LAND: self.land,
            Stage.BROWSE: self.browse,
            Stage.PRODUCT: self.product,
            Stage.CART: self.cart_page,
            Stage.CHECKOUT: self.checkout,
        }
        while stage is not Stage.LEAVE:
            stage = await handlers[stage]()
            if stage is not Stage.LEAVE:
                await self._between_actions()
                self.actions_left -= 1
                if self.actions_left <= 0 and stage is not Stage.CHECKOUT:
                    stage = Stage.LEAVE

    # ---- stages ---------------------------------------------------------------------------

    async def land(self) -> Stage:
        if self.identify_early:
            self.channel.identify()
        roll = self.rng.random()
        referrer = self.rng.choice(REFERRERS) if self.rng.random() < 0.6 else None
        if roll < self.persona.lands_on_product:
            self._view_product(self._next_product(), referrer)
            return Stage.PRODUCT
        if self.rng.random() < 0.5:
            self.channel.page_view(
                "/shop", f"The art of the considered purchase | {STORE_NAME}", "home", referrer
            )
            self.browsing = None
        else:
            self._view_category(self._random_category(), referrer)
        return Stage.BROWSE

    async def browse(self) -> Stage:
        p = self.persona
        if self.identify_late and self.rng.random() < 0.5:
            self._sign_in()
            return Stage.BROWSE
        roll = self.rng.random()
        if self.cart and roll < 0.15:
            return Stage.CART
        if roll < 0.15 + p.p_search:
            self._search()
            if self.rng.random() < 0.8:
                await self._think()
                self._view_product(self._search_hit())
                return Stage.PRODUCT
            return Stage.BROWSE
        if roll < 0.25 + p.p_search:
            slug, title = self.rng.choice(INFO_PAGES)
            self.channel.page_view(f"/shop/info/{slug}", f"{title} | {STORE_NAME}", "info", None)
            return Stage.BROWSE
        if roll < 0.4 + p.p_search:
            self._view_category(self._random_category(), None)
            return Stage.BROWSE
        self._view_product(self._next_product())
        return Stage.PRODUCT

    async def product(self) -> Stage:
        p, product = self.persona, self.current
        assert product is not None
        if self.rng.random() < p.p_variant:
            for _ in range(self.rng.randint(*p.variant_flips)):
                self._select_variant(product)
                await self._think(short=True)
        if self.rng.random() < p.p_wishlist:
            self.channel.emit("wishlist_add", product_id=product.product_id, name=product.name)
        if self.rng.random() < p.p_add:
            self._add(product)
            if self.rng.random() < p.add_then_remove:
                await self._think()
                self._remove(product.product_id)
                return Stage.BROWSE
            if self.rng.random() < 0.5 or self.actions_left <= 2:
                return Stage.CART
        if self.persona.shortlist and self.rng.random() < 0.8:
            self._view_product(self._next_product())
            return Stage.PRODUCT
        return Stage.BROWSE if self.rng.random() < 0.6 else self._another_product()

    async def cart_page(self) -> Stage:
        self.channel.page_view("/shop/cart", f"Your bag | {STORE_NAME}", "cart", None)
        if self.cart and self.rng.random() < self.persona.p_remove:
            await self._think(short=True)
            self._remove(self.rng.choice(list(self.cart)))
        if self.cart and self.rng.random() < self.persona.p_checkout:
            return Stage.CHECKOUT
        return Stage.BROWSE if self.actions_left > 1 else Stage.LEAVE

    async def checkout(self) -> Stage:
        """One checkout page, steps 1..4 in place (like shop.js), then purchase; any step may be
        the last one (abandonment)."""
        p = self.persona
        if self.identify_late:  # customers sign in before paying
            self._sign_in()
            await self._think(short=True)
        self.channel.page_view("/shop/checkout", f"Checkout | {STORE_NAME}", "checkout", None)
        for number, name in enumerate(CHECKOUT_STEPS, start=1):
            self.channel.emit("checkout_step", step=number, name=name)
            if p.p_rage and number >= 3 and self.rng.random() < p.p_rage:
                self._rage()
            await self._between_actions()
            self._answer_offers()
            swayed = 0.5 if self.coupon else 1.0  # a code in hand: half as likely to give up
            if self.rng.random() < p.p_abandon_step * swayed:
                return Stage.LEAVE
        p_purchase = p.p_purchase + (1 - p.p_purchase) * (OFFER_PULL if self.coupon else 0.0)
        if self.rng.random() >= p_purchase:
            return Stage.LEAVE
        total = round(sum(line.product.price * line.quantity for line in self.cart.values()), 2)
        order_id = f"MA-{secrets.token_hex(5).upper()}"
        paid: dict[str, object] = {}
        code = self.coupon
        if code and total >= float(code.get("min_basket") or 0):
            off = code["value"] * total / 100 if code["kind"] == "percent" else code["value"]
            discount = round(min(total, float(off)), 2)
            paid = {"coupon": code["code"], "discount": discount}
            total = round(total - discount, 2)
        self.channel.emit("purchase", order_id=order_id, total=total, currency="EUR", **paid)
        self.channel.page_view(
            f"/shop/order/{order_id}", f"Thank you | {STORE_NAME}", "confirmation", None
        )
        self.cart.clear()
        await self._think()
        return Stage.LEAVE

    def _answer_offers(self) -> None:
        """What a shopper does with a playbook's card: look, then take the code or wave it off."""
        for offer in self.channel.offers():
            self.channel.emit("engagement", offer_id=offer["id"], action="shown")
            coupon = offer.get("coupon")
            if coupon and self.rng.random() < P_TAKE_CODE:
                self.coupon = coupon
                self.channel.emit("engagement", offer_id=offer["id"], action="applied")
            else:
                self.channel.emit("engagement", offer_id=offer["id"], action="dismissed")

    # ---- actions --------------------------------------------------------------------------

    async def _between_actions(self) -> None:
        """Think time plus the widget's automatic signals: pointer speed, idle, hidden tab, rage."""
        p = self.persona
        if self.rng.random() < 0.6:
            self.channel.emit("pointer_speed", speed=round(self.rng.uniform(*p.pointer), 1))
        if p.p_rage and self.rng.random() < p.p_rage:
            self._rage()
        roll = self.rng.random()
        if roll < p.p_idle:  # the widget reports idleness once a minute has passed
            await self.channel.pause(IDLE_AFTER)
            self.channel.emit("idle", seconds=IDLE_AFTER)
            await self.channel.pause(self.rng.uniform(0, 180))
        elif roll < p.p_idle + p.p_hidden:
            self.channel.emit("tab_hidden", hidden=True)
            self.channel.set_visible(False)
            await self.channel.pause(self.rng.uniform(10, 120))
            self.channel.set_visible(True)
            self.channel.emit("tab_hidden", hidden=False)
        await self._think()

    async def _think(self, short: bool = False) -> None:
        low, high = self.persona.think
        seconds = self.rng.uniform(low, (low + high) / 2 if short else high)
        await self.channel.pause(min(THINK_MAX, max(THINK_MIN, seconds)))

    def _sign_in(self) -> None:
        """The store's own sign-in: from then on its pages carry the signed identity."""
        self.identify_late = False
        self.channel.page_view("/shop/account", f"Your account | {STORE_NAME}", "account", None)
        self.channel.identify()

    def _rage(self) -> None:
        self.channel.emit(
            "rage_click", clicks=self.rng.randint(3, 9), target=self.rng.choice(RAGE_TARGETS)
        )

    def _view_product(self, product: Product, referrer: str | None = None) -> None:
        self.current = product
        self.choice = {}
        self.channel.page_view(
            f"/shop/p/{product.product_id}", f"{product.name} | {STORE_NAME}", "product", referrer
        )
        self.channel.emit(
            "product_view",
            product_id=product.product_id,
            name=product.name,
            price=product.price,
            category=product.category,
        )

    def _view_category(self, category: Category, referrer: str | None) -> None:
        self.browsing = category.slug
        self.channel.page_view(
            f"/shop/c/{category.slug}", f"{category.name} | {STORE_NAME}", "category", referrer
        )

    def _search(self) -> None:
        queries = self.persona.queries or self._catalogue_queries()
        query = self.rng.choice(queries)
        self.channel.emit("search", query=query)
        self.browsing = None
        self.channel.page_view(
            f"/shop/search?q={quote_plus(query)}", f"Search: {query} | {STORE_NAME}", "search", None
        )
        self.last_query = query

    def _select_variant(self, product: Product, attribute: str | None = None) -> None:
        options = [
            (a, values)
            for a, values in (("colour", product.colours), ("size", product.sizes))
            if len(values) > 1
        ]
        if attribute is not None:
            options = [(a, values) for a, values in options if a == attribute]
        if not options:
            return
        attribute, values = self.rng.choice(options)
        previous = self.choice.get(attribute)
        fresh = [v for v in values if v != previous] or list(values)
        self.choice[attribute] = value = self.rng.choice(fresh)
        fields: dict[str, object] = {
            "product_id": product.product_id,
            "attribute": attribute,
            "value": value,
        }
        variant = variant_id_for(product, self.choice.get("colour"), self.choice.get("size"))
        if variant:
            fields["variant_id"] = variant
        self.channel.emit("variant_select", **fields)

    def _add(self, product: Product) -> None:
        for attribute, values in (("colour", product.colours), ("size", product.sizes)):
            if len(values) > 1 and attribute not in self.choice:  # the store asks for it first
                self._select_variant(product, attribute)
        variant = variant_id_for(product, self.choice.get("colour"), self.choice.get("size"))
        quantity = 2 if self.rng.random() < 0.1 else 1
        line = self.cart.setdefault(product.product_id, CartLine(product, variant, 0))
        line.quantity = min(99, line.quantity + quantity)
        fields: dict[str, object] = {
            "product_id": product.product_id,
            "name": product.name,
            "price": product.price,
            "quantity": quantity,
        }
        if variant:
            fields["variant_id"] = variant
        self.channel.emit("add_to_cart", **fields)

    def _remove(self, product_id: str) -> None:
        line = self.cart.pop(product_id, None)
        if line is None:
            return
        fields: dict[str, object] = {
            "product_id": product_id,
            "name": line.product.name,
            "price": line.product.price,
            "quantity": line.quantity,
        }
        if line.variant_id:
            fields["variant_id"] = line.variant_id
        self.channel.emit("remove_from_cart", **fields)

    # ---- choices --------------------------------------------------------------------------

    def _next_product(self) -> Product:
        if self.shortlist:
            others = [p for p in self.shortlist if p is not self.current] or self.shortlist
            return self.rng.choice(others)
        pool = list(self.products)
        if self.browsing and self.rng.random() < 0.8:
            pool = self._in_category(self.browsing)
        if self.persona.prefers_cheap:
            pool = sorted(pool, key=lambda p: p.price)[: max(3, len(pool) // 2)]
        return self.rng.choice([p for p in pool if p is not self.current] or pool)

    def _another_product(self) -> Stage:
        self._view_product(self._next_product())
        return Stage.PRODUCT

    def _in_category(self, slug: str) -> list[Product]:
        return [p for p in self.products if p.category == slug] or list(self.products)

    def _random_category(self) -> Category:
        if CATEGORIES:
            return self.rng.choice(CATEGORIES)
        slug = self.rng.choice(self.products).category
        return Category(slug, slug.replace("-", " ").title(), "")

    def _catalogue_queries(self) -> tuple[str, ...]:
        product = self.rng.choice(self.products)
        words = [w for w in product.name.lower().split() if len(w) > 3]
        colour = product.colours[0].lower() if product.colours else ""
        return (*words, product.category, f"{colour} {product.category}".strip())

    def _search_hit(self) -> Product:
        """A product whose name or category shares a word with the query, else any product."""
        words = {w for w in self.last_query.lower().split() if len(w) > 2}
        hits = [
            p
            for p in self.products
            if words & set(f"{p.name} {p.category}".lower().replace("-", " ").split())
        ]
        return self.rng.choice(hits or list(self.products))
