"""The demo store's enterprise tables, as importer rows (one list of dicts per import kind).

Everything is derived from a seeded RNG and an anchor day (the day the demo site was created),
so the same site always gets the same rows and re-seeding is a no-op for the importer. The
rows follow `salon.catalog.imports.schemas`, the one way these tables are written.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from salon.demo.collection import CATALOGUE, model_of, product_details
from salon.demo.enterprise_offers import offers
from salon.demo.enterprise_staff import ASSOCIATES
from salon.demo.enterprise_text import (
    CITIES,
    EVENTS,
    FIRST_NAMES,
    INTERACTIONS,
    LAST_NAMES,
    LOCATIONS,
    REVIEWS,
)
from salon.demo.store_data import CUSTOMERS, Product

Rows = list[dict[str, Any]]
STORES = tuple(loc["external_id"] for loc in LOCATIONS if loc["kind"] == "store")
CUSTOMER_COUNT = 500
TIER_SPEND = (("platinum", 40_000), ("gold", 12_000), ("silver", 3_000), ("none", 0))


def _money(value: float) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch in " -"))


def build_rows(anchor: datetime) -> dict[str, Rows]:
    """All rows for one demo site, keyed by import kind; `anchor` is an aware UTC datetime."""
    anchor = anchor.replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random("maison-aurel-enterprise")
    rows: dict[str, Rows] = {"locations": [dict(loc) for loc in LOCATIONS]}
    rows["products"] = [_product_row(p, rng) for p in CATALOGUE]
    rows["variants"] = [
        {
            "product_id": p.product_id,
            "external_id": v.variant_id,
            "sku": f"MA-{v.variant_id}",
            "colour": v.colour,
            "size": v.size,
            "stock": v.stock,
        }
        for p in CATALOGUE
        for v in p.variants
    ]
    rows["inventory"] = _inventory(rng)
    orders, spend = _orders(rng, anchor)
    rows["customers"] = _customers(rng, spend)
    rows["associates"] = [dict(a) for a in ASSOCIATES]
    rows["orders"] = orders
    rows["reviews"] = _reviews(rng, anchor, orders)
    rows["wishlists"] = _wishlists(rng, anchor)
    rows["promotions"], rows["coupons"] = offers(anchor)
    rows["appointments"] = _appointments(rng, anchor)
    rows["events"] = [
        {
            "external_id": f"EV-{n + 1:03d}",
            "location_id": location,
            "title": title,
            "description": description,
            "starts_at": anchor + timedelta(days=days, hours=18),
            "ends_at": anchor + timedelta(days=days, hours=21),
            "capacity": capacity,
            "tags": list(tags),
        }
        for n, (location, title, description, days, capacity, tags) in enumerate(EVENTS)
    ]
    rows["interactions"] = _interactions(rng, anchor, orders)
    return rows


def _product_row(product: Product, rng: random.Random) -> dict[str, Any]:
    details = product_details(product, model_of(product), rng)
    on_sale = rng.random() < 0.1 and product.product_id not in {"P101", "P102"}
    return {
        "external_id": product.product_id,
        "name": product.name,
        "category": product.category,
        "price": _money(product.price),
        "compare_at_price": _money(round(product.price * 1.25, -1)) if on_sale else None,
        "brand": "Maison Aurel",
        "description": product.description,
        "image": f"/shop/static/img/{product.image}",
        "url": f"/shop/p/{product.product_id}",
        **details,
        "commission_rate": str(rng.choice((Decimal("0.02"), Decimal("0.03"), Decimal("0.05")))),
    }


def _inventory(rng: random.Random) -> Rows:
    """Stock per variant per location, with gaps: many sizes are in one boutique only."""
    departments = {loc["external_id"]: loc["departments"] for loc in LOCATIONS}
    rows: Rows = []
    for product in CATALOGUE:
        for n, variant in enumerate(product.variants):
            # the endless-aisle case: the first variant of every piece is in one boutique only
            one_store = [rng.choice(STORES)]
            holders = one_store if n == 0 else [s for s in STORES if rng.random() < 0.35]
            for location in (*holders, "warehouse"):
                where = departments[location].get(product.category.title(), "Reserve")
                rows.append(
                    {
                        "product_id": product.product_id,
                        "variant_id": variant.variant_id,
                        "location_id": location,
                        "quantity": 0 if location == "warehouse" and n == 0 else rng.randint(1, 4),
                        "department": product.category.title(),
                        "aisle": where,
                    }
                )
    return rows


def _customer_ids() -> list[str]:
    return [f"C{1001 + n}" for n in range(CUSTOMER_COUNT)]


def _orders(rng: random.Random, anchor: datetime) -> tuple[Rows, dict[str, float]]:
    """Two years of orders: the 40 storefront customers' own history, then ~1,900 more."""
    by_id = {p.product_id: p for p in CATALOGUE}
    rows: Rows = []
    spend: dict[str, float] = {}
    quantities = {
        (order.order_id, pid): qty
        for c in CUSTOMERS
        for order in c.orders
        for pid, qty in order.lines
    }

    def add(order_id: str, customer_id: str, when: datetime, picks: list[Product]) -> None:
        store = rng.choice(STORES) if rng.random() < 0.3 else None
        for product in picks:
            quantity = quantities.get((order_id, product.product_id)) or (
                2 if product.price < 500 and rng.random() < 0.3 else 1
            )
            spend[customer_id] = spend.get(customer_id, 0.0) + product.price * quantity
            rows.append(
                {
                    "order_id": order_id,
                    "customer_id": customer_id,
                    "placed_at": when,
                    "product_id": product.product_id,
                    "name": product.name,
                    "quantity": quantity,
                    "unit_price": _money(product.price),
                    "location_id": store,
                    "source": "store" if store else "web",
                }
            )

    for customer in CUSTOMERS:
        for order in customer.orders:
            picks = [by_id[pid] for pid, _ in order.lines]
            add(
                order.order_id, customer.customer_id, anchor - timedelta(days=order.days_ago), picks
            )
    number = 10001
    generated = _customer_ids()[len(CUSTOMERS) :]
    for customer_id in generated:
        appetite = rng.choices((0, 1, 2, 4, 8, 14), weights=(4, 22, 24, 26, 16, 8))[0]
        ceiling = rng.choice((900, 2500, 6000, 13000))
        affordable = [p for p in CATALOGUE if p.price <= ceiling]
        for _ in range(appetite):
            # seasonality: December, and the spring and autumn collections, sell more
            days = rng.randint(1, 730)
            month = (anchor - timedelta(days=days)).month
            if month not in (3, 4, 9, 10, 11, 12) and rng.random() < 0.4:
                days = (days + 90) % 729 + 1
            picks = rng.sample(affordable, rng.choice((1, 1, 1, 2, 2, 3)))
            add(
                f"MA-{number}",
                customer_id,
                anchor - timedelta(days=days, hours=rng.randint(9, 20)),
                picks,
            )
            number += 1
    return rows, spend


def _customers(rng: random.Random, spend: dict[str, float]) -> Rows:
    rows: Rows = []
    known = {c.customer_id: c for c in CUSTOMERS}
    emails: set[str] = set()
    for customer_id in _customer_ids():
        city, country, phone_prefix, home = rng.choice(CITIES)
        spent = spend.get(customer_id, 0.0)
        if customer_id in known:
            name, email, tier = (
                known[customer_id].name,
                known[customer_id].email,
                known[customer_id].loyalty_tier,
            )
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            email = _ascii(name).replace(" ", ".").replace("-", "") + "@example.org"
            while email in emails:
                email = email.replace("@", f"{rng.randint(1, 99)}@", 1)
            tier = next(t for t, floor in TIER_SPEND if spent >= floor)
        emails.add(email)
        rows.append(
            {
                "external_id": customer_id,
                "name": name,
                "email": email,
                "phone": f"{phone_prefix} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                "city": city,
                "country": country,
                "loyalty_tier": tier,
                "loyalty_points": int(spent // 10),
                "consent_email": rng.random() < 0.7,
                "consent_sms": rng.random() < 0.35,
                "preferences": {
                    "clothing_size": rng.choice(("XS", "S", "M", "L", "XL")),
                    "shoe_size": rng.choice(("37", "38", "39", "41", "42", "43", "44")),
                    "colours": rng.sample(["Black", "Cognac", "Navy", "Camel", "Gold", "Ivory"], 2),
                    "language": rng.choice(("en", "fr", "it", "de")),
                },
                "home_location_id": home,
            }
        )
    return rows


def _reviews(rng: random.Random, anchor: datetime, orders: Rows) -> Rows:
    """~800 reviews by people who bought the piece, ratings skewed positive."""
    bought = sorted({(r["customer_id"], r["product_id"], r["placed_at"]) for r in orders})
    picked = rng.sample(bought, min(800, len(bought)))
    rows: Rows = []
    for n, (customer_id, product_id, placed_at) in enumerate(sorted(picked)):
        rating = rng.choices((5, 4, 3, 2, 1), weights=(52, 26, 10, 7, 5))[0]
        title, body = rng.choice(REVIEWS[rating])
        rows.append(
            {
                "external_id": f"RV-{n + 1:04d}",
                "product_id": product_id,
                "customer_id": customer_id,
                "rating": rating,
                "title": title,
                "body": body,
                "created_at": min(placed_at + timedelta(days=rng.randint(5, 40)), anchor),
            }
        )
    return rows


def _wishlists(rng: random.Random, anchor: datetime) -> Rows:
    rows: Rows = []
    seen: set[tuple[str, str]] = set()
    customers = _customer_ids()
    while len(rows) < 300:
        customer_id, product = rng.choice(customers[:200]), rng.choice(CATALOGUE)
        if (customer_id, product.product_id) in seen:
            continue
        seen.add((customer_id, product.product_id))
        variant = rng.choice(product.variants)
        rows.append(
            {
                "customer_id": customer_id,
                "product_id": product.product_id,
                "variant_id": variant.variant_id,
                "added_at": anchor - timedelta(days=rng.randint(1, 120)),
            }
        )
    return rows


def _appointments(rng: random.Random, anchor: datetime) -> Rows:
    experts = [a for a in ASSOCIATES if a.get("home_location_id")]
    rows: Rows = []
    for n in range(24):
        expert = experts[n % len(experts)]
        starts = anchor + timedelta(days=rng.randint(1, 21), hours=rng.choice((10, 11, 14, 15, 16)))
        rows.append(
            {
                "external_id": f"AP-{n + 1:03d}",
                "location_id": expert["home_location_id"],
                "associate_email": expert["email"],
                "customer_id": f"C{1001 + rng.randrange(120)}",
                "skill": expert["skills"][0],
                "starts_at": starts,
                "ends_at": starts + timedelta(minutes=45),
                "note": "Private appointment booked by phone",
            }
        )
    return rows


def _interactions(rng: random.Random, anchor: datetime, orders: Rows) -> Rows:
    """~1,500 calls, e-mails, social messages and store visits over the last six months."""
    order_ids = sorted({(r["customer_id"], r["order_id"]) for r in orders})
    names = [p.name for p in CATALOGUE]
    rows: Rows = []
    for n in range(1500):
        customer_id, order_id = rng.choice(order_ids)
        channel, direction, template = rng.choice(INTERACTIONS)
        store = rng.choice(STORES)
        summary = template.format(
            order=order_id,
            product=rng.choice(names),
            store=next(loc["name"] for loc in LOCATIONS if loc["external_id"] == store),
            size=rng.choice(("38", "40", "42", "M", "L")),
        )
        rows.append(
            {
                "external_id": f"IX-{n + 1:05d}",
                "customer_id": customer_id,
                "channel": channel,
                "direction": direction,
                "occurred_at": anchor - timedelta(minutes=rng.randint(60, 180 * 24 * 60)),
                "summary": summary,
                "location_id": store if channel == "store_visit" else None,
            }
        )
    return rows
