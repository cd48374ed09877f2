"""Shared pieces of the benchmarks: loopback guard, HTTP client, synthetic shoppers, percentiles.

The benchmarks drive an already running Salon from separate processes, through the public API
only (docs/api.md), so what they measure is what a store would see.
"""

from __future__ import annotations

import itertools
import os
import random
import secrets
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo, for salon.demo

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

try:  # the demo catalogue makes the floor look real; fall back to a synthetic one
    from salon.demo.store_data import PRODUCTS as _DEMO_PRODUCTS
except ImportError:  # pragma: no cover - bench run outside the repo's environment
    _DEMO_PRODUCTS = ()


@dataclass(frozen=True)
class BenchProduct:
    product_id: str
    name: str
    category: str
    price: float
    colours: tuple[str, ...]
    sizes: tuple[str, ...]


PRODUCTS: tuple[BenchProduct, ...] = tuple(
    BenchProduct(p.product_id, p.name, p.category, float(p.price), p.colours, p.sizes)
    for p in _DEMO_PRODUCTS
) or tuple(
    BenchProduct(f"P{100 + i}", f"Bench product {i}", ("bags", "watches", "shoes")[i % 3],
                 float(150 + 97 * i), ("Black", "Ivory"), ("S", "M", "L"))
    for i in range(30)
)
QUERIES = ("gift for her", "anniversary", "black tote", "cashmere coat", "watch", "sale")
CHECKOUT = ("details", "shipping", "payment", "review")
PAGE_TYPES = ("home", "category", "search", "cart", "info")


def base_url(url: str) -> str:
    """The normalised base URL; refuses anything but loopback so a bench never leaves the box."""
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not split.hostname:
        raise SystemExit(f"--url must be an http(s) URL, got {url!r}")
    if split.hostname not in LOOPBACK:
        raise SystemExit(f"benchmarks only run against a local server (127.0.0.1), got {url!r}")
    return f"{split.scheme}://{split.netloc}{split.path.rstrip('/')}"


def base_urls(spec: str) -> list[str]:
    """One URL, or several separated by commas (the nodes of one installation), each checked."""
    urls = [base_url(part.strip()) for part in spec.split(",") if part.strip()]
    if not urls:
        raise SystemExit("--url needs at least one URL")
    return urls


def origin_of(url: str) -> str:
    split = urlsplit(url)
    return f"{split.scheme}://{split.netloc}"


def client(url: str, connections: int, timeout: float = 30.0) -> httpx.AsyncClient:
    """Keep-alive client with TCP_NODELAY (without it, 40 ms delayed-ACK stalls skew latency)."""
    transport = httpx.AsyncHTTPTransport(
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    return httpx.AsyncClient(base_url=url, transport=transport, timeout=timeout,
                             headers={"Origin": origin_of(url),
                                      "Content-Type": "application/json"})


_ids = itertools.count()
_PREFIX = f"b{os.getpid():x}{secrets.token_hex(3)}"


def event_id() -> str:
    """Unique per process run: the server deduplicates on (site, visitor, id)."""
    return f"{_PREFIX}-{next(_ids):x}"


@dataclass
class SyntheticShopper:
    """A visitor whose events follow a plausible mix (views, variants, cart, checkout, signals)."""

    base: str
    rng: random.Random
    visitor_id: str = field(default_factory=lambda: secrets.token_hex(16))
    visit_id: str = field(default_factory=lambda: secrets.token_hex(16))
    product: BenchProduct = field(default_factory=lambda: random.choice(PRODUCTS))
    cart: list[BenchProduct] = field(default_factory=list)
    step: int = 0

    def body(self, site_key: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        return {"site_key": site_key, "visitor_id": self.visitor_id, "visit_id": self.visit_id,
                "events": events}

    def page_view(self, title: str | None = None, page_type: str = "product") -> dict[str, Any]:
        path = f"/shop/p/{self.product.product_id}" if page_type == "product" else "/shop"
        return self._event("page_view", url=self.base + path, page_type=page_type,
                           title=title or f"{self.product.name} | Maison Aurel")

    def events(self, count: int, *, page_views: bool = True) -> list[dict[str, Any]]:
        """`count` events in the mix; without `page_views` the visit's page title stays put."""
        return [self._next(page_views) for _ in range(count)]

    def _next(self, page_views: bool) -> dict[str, Any]:
        roll = self.rng.random()
        p = self.product
        if roll < 0.15 and page_views:
            self.product = self.rng.choice(PRODUCTS)
            if self.rng.random() < 0.2:
                return self.page_view(f"{self.product.category.title()} | Maison Aurel",
                                      self.rng.choice(PAGE_TYPES))
            return self.page_view()
        if roll < 0.30:
            return self._event("product_view", product_id=p.product_id, name=p.name,
                               price=p.price, category=p.category)
        if roll < 0.50:
            return self._event("pointer_speed", speed=round(self.rng.uniform(150, 2500), 1))
        if roll < 0.62:
            attribute, values = self.rng.choice((("colour", p.colours), ("size", p.sizes)))
            return self._event("variant_select", product_id=p.product_id, attribute=attribute,
                               value=self.rng.choice(values))
        if roll < 0.70:
            self.cart.append(p)
            return self._event("add_to_cart", product_id=p.product_id, name=p.name,
                               price=p.price, quantity=1)
        if roll < 0.73 and self.cart:
            gone = self.cart.pop()
            return self._event("remove_from_cart", product_id=gone.product_id, name=gone.name,
                               price=gone.price, quantity=1)
        if roll < 0.77:
            return self._event("search", query=self.rng.choice(QUERIES))
        if roll < 0.79:
            return self._event("wishlist_add", product_id=p.product_id, name=p.name)
        if roll < 0.83 and self.cart:
            self.step = self.step % len(CHECKOUT) + 1
            if self.step == len(CHECKOUT) and self.rng.random() < 0.3:
                total = round(sum(item.price for item in self.cart), 2)
                self.cart.clear()
                return self._event("purchase", order_id=f"BENCH-{event_id()}", total=total,
                                   currency="EUR")
            return self._event("checkout_step", step=self.step, name=CHECKOUT[self.step - 1])
        if roll < 0.85:
            return self._event("idle", seconds=self.rng.randint(30, 300))
        if roll < 0.87:
            return self._event("tab_hidden", hidden=self.rng.random() < 0.5)
        if roll < 0.88:
            return self._event("rage_click", clicks=self.rng.randint(3, 8), target="size picker")
        return self._event("heartbeat")

    def _event(self, event_type: str, **fields: Any) -> dict[str, Any]:
        return {"id": event_id(), "type": event_type, "ts": int(time.time() * 1000), **fields}


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p90/p99/max by nearest rank; zeros when there is nothing to rank."""
    if not values:
        return {"p50": 0.0, "p90": 0.0, "p99": 0.0, "max": 0.0, "count": 0}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    return {"p50": rank(0.50), "p90": rank(0.90), "p99": rank(0.99), "max": ordered[-1],
            "count": len(ordered)}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"
