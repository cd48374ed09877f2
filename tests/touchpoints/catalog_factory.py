"""A small, realistic catalogue for the product-tool tests (and anyone else who needs one).

Twelve products in three categories across price points, variants by size and colour, two stores
and a warehouse with stock and aisles, reviews, and customers whose orders make co-purchase
patterns the recommendation tests can read off this file:

- bag-tote is bought with scarf-silk (3 orders) and with shoe-loafer (1 order);
- shoe-runner size 40 is held only at the Lyon store (the endless-aisle case).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product, Review, Variant
from salon.core.ids import new_id
from salon.customers.models import Customer, Order, OrderLine
from salon.stores.models import Inventory, Location

WEEK = {d: "10:00-19:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat")}

# code, name, category, price, compare_at, brand, tags, variants (size, colour, online stock)
Row = tuple[str, str, str, str, str | None, str, list[str], list[tuple[str, str, int]]]
PRODUCTS: list[Row] = [
    (
        "bag-mini",
        "Mini crossbody",
        "Handbags",
        "89.00",
        None,
        "Maison",
        ["for-her", "birthday"],
        [("", "black", 6)],
    ),
    (
        "bag-tote",
        "Leather tote",
        "Handbags",
        "240.00",
        None,
        "Maison",
        ["for-her", "work"],
        [("", "tan", 4), ("", "black", 2)],
    ),
    (
        "bag-shopper",
        "Canvas shopper",
        "Handbags",
        "59.00",
        None,
        "Atelier",
        ["unisex", "eco"],
        [("", "natural", 10)],
    ),
    (
        "bag-weekender",
        "Weekender",
        "Handbags",
        "690.00",
        "790.00",
        "Maison",
        ["for-him", "travel", "anniversary"],
        [("", "cognac", 1)],
    ),
    (
        "shoe-runner",
        "City runner",
        "Shoes",
        "120.00",
        None,
        "Stride",
        ["unisex", "sport"],
        [("39", "white", 3), ("40", "white", 0), ("41", "white", 2)],
    ),
    (
        "shoe-loafer",
        "Suede loafer",
        "Shoes",
        "180.00",
        None,
        "Maison",
        ["for-him", "work"],
        [("42", "brown", 2), ("43", "brown", 1)],
    ),
    (
        "shoe-boot",
        "Chelsea boot",
        "Shoes",
        "320.00",
        None,
        "Maison",
        ["for-him", "winter"],
        [("42", "black", 2)],
    ),
    (
        "shoe-kids",
        "Kids sneaker",
        "Shoes",
        "45.00",
        None,
        "Stride",
        ["for-kids", "birthday"],
        [("30", "blue", 8)],
    ),
    (
        "scarf-silk",
        "Silk scarf",
        "Scarves",
        "95.00",
        None,
        "Maison",
        ["for-her", "birthday", "anniversary"],
        [("", "red", 5), ("", "navy", 5)],
    ),
    (
        "scarf-wool",
        "Wool scarf",
        "Scarves",
        "65.00",
        None,
        "Atelier",
        ["unisex", "winter"],
        [("", "grey", 7)],
    ),
    (
        "scarf-cashmere",
        "Cashmere scarf",
        "Scarves",
        "210.00",
        None,
        "Maison",
        ["for-her", "winter", "anniversary"],
        [("", "camel", 3)],
    ),
    (
        "scarf-kids",
        "Kids snood",
        "Scarves",
        "25.00",
        None,
        "Atelier",
        ["for-kids", "winter"],
        [("", "yellow", 0)],
    ),
]

SPECS: dict[str, dict[str, str]] = {
    "bag-mini": {"Material": "Calf leather", "Width": "20 cm", "Strap": "Adjustable"},
    "bag-tote": {"Material": "Full-grain leather", "Width": "38 cm", "Laptop": "14 inch"},
    "bag-shopper": {"Material": "Organic canvas", "Width": "42 cm"},
    "bag-weekender": {"Material": "Vegetable-tanned leather", "Volume": "45 l"},
}

# rating, title, body per product
REVIEWS: dict[str, list[tuple[int, str, str]]] = {
    "bag-tote": [
        (5, "Perfect work bag", "Beautiful leather, fits my laptop, I love it."),
        (5, "Gorgeous", "Great quality and the colour is lovely."),
        (4, "Very nice", "Nice bag, a little heavy."),
        (2, "Strap broke", "The strap broke after two months, disappointing."),
    ],
    "bag-mini": [(4, "Cute", "Small but fits a phone and keys.")],
    "bag-shopper": [(5, "Sturdy", "Carries everything, great value.")],
}


def _location(site_id: str, code: str, name: str, **fields: Any) -> Location:
    return Location(id=new_id(), site_id=site_id, external_id=code, name=name, **fields)


async def seed_catalog(session: AsyncSession, site_id: str) -> dict[str, Any]:
    """Insert the catalogue into a site (inside the caller's transaction).

    Returns {"products": {code: Product}, "variants": {(code, size, colour): Variant},
    "locations": {code: Location}, "customers": {name: Customer}}.
    """
    paris = _location(
        site_id,
        "paris",
        "Paris Rive Gauche",
        kind="store",
        city="Paris",
        country="FR",
        timezone="Europe/Paris",
        hours=WEEK,
        latitude=48.853,
        longitude=2.333,
        address="12 rue du Bac",
        departments={
            "Handbags": "Ground floor, aisle 2",
            "Shoes": "First floor, aisle 5",
            "Scarves": "Ground floor, aisle 1",
        },
    )
    lyon = _location(
        site_id,
        "lyon",
        "Lyon Presqu'ile",
        kind="store",
        city="Lyon",
        country="FR",
        timezone="Europe/Paris",
        hours={**WEEK, "sat": ""},
        latitude=45.764,
        longitude=4.835,
        address="3 rue de la Republique",
        departments={"Handbags": "Level 0, aisle A", "Shoes": "Level 1, aisle C"},
    )
    warehouse = _location(
        site_id,
        "wh-nord",
        "Warehouse Nord",
        kind="warehouse",
        city="Lille",
        country="FR",
        timezone="Europe/Paris",
        latitude=50.63,
        longitude=3.06,
    )
    session.add_all([paris, lyon, warehouse])
    products: dict[str, Product] = {}
    variants: dict[tuple[str, str, str], Variant] = {}
    for code, name, category, price, was, brand, tags, sizes in PRODUCTS:
        product = Product(
            id=new_id(),
            site_id=site_id,
            external_id=code,
            name=name,
            category=category,
            price=Decimal(price),
            compare_at_price=Decimal(was) if was else None,
            brand=brand,
            tags=tags,
            image=f"/img/{code}.jpg",
            url=f"/p/{code}",
            description=f"The {name.lower()} by {brand}.",
            specs=SPECS.get(code, {}),
            attributes={"brand": brand},
            training_notes=f"{name}: mention the repair service." if code == "bag-tote" else "",
            commission_rate=Decimal("0.0800"),
        )
        products[code] = product
        session.add(product)
        for index, (size, colour, online) in enumerate(sizes):
            variant = Variant(
                id=new_id(),
                product_id=product.id,
                external_id=f"{code}-{index + 1}",
                size=size,
                colour=colour,
                stock=online,
                sku=f"SKU-{code}-{index + 1}",
            )
            variants[(code, size, colour)] = variant
            session.add(variant)
    await session.flush()

    def hold(key: tuple[str, str, str], location: Location, quantity: int) -> None:
        category = products[key[0]].category
        session.add(
            Inventory(
                variant_id=variants[key].id,
                location_id=location.id,
                quantity=quantity,
                department=category if location.kind == "store" else "",
                aisle=str((location.departments or {}).get(category, "")),
            )
        )

    hold(("shoe-runner", "39", "white"), paris, 2)
    hold(("shoe-runner", "40", "white"), lyon, 1)  # the only size 40 anywhere
    hold(("shoe-runner", "41", "white"), warehouse, 5)
    hold(("bag-tote", "", "tan"), paris, 3)
    hold(("bag-tote", "", "tan"), lyon, 1)
    hold(("bag-mini", "", "black"), paris, 4)
    hold(("scarf-silk", "", "red"), paris, 6)
    hold(("scarf-cashmere", "", "camel"), lyon, 2)
    hold(("shoe-loafer", "42", "brown"), lyon, 1)

    customers: dict[str, Customer] = {}
    for name, city in (("Ana", "Paris"), ("Ben", "Lyon"), ("Chloe", "Paris"), ("Dan", "Lyon")):
        customers[name] = Customer(
            id=new_id(), site_id=site_id, external_id=f"C-{name}", name=name, city=city
        )
    session.add_all(customers.values())
    await session.flush()
    baskets = [
        ("Ana", ["bag-tote", "scarf-silk"]),
        ("Ben", ["bag-tote", "scarf-silk", "shoe-loafer"]),
        ("Chloe", ["bag-tote", "scarf-silk"]),
        ("Dan", ["scarf-cashmere", "bag-weekender"]),
        ("Chloe", ["bag-mini"]),
    ]
    placed = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for index, (who, codes) in enumerate(baskets):
        order = Order(
            id=new_id(),
            site_id=site_id,
            customer_id=customers[who].id,
            external_id=f"O-{index + 1}",
            placed_at=placed + timedelta(days=index),
            total=sum((products[c].price for c in codes), Decimal(0)),
        )
        session.add(order)
        await session.flush()
        for code in codes:
            session.add(
                OrderLine(
                    order_id=order.id,
                    product_external_id=code,
                    name=products[code].name,
                    quantity=1,
                    unit_price=products[code].price,
                )
            )
    for code, reviews in REVIEWS.items():
        for index, (rating, title, body) in enumerate(reviews):
            session.add(
                Review(
                    id=new_id(),
                    site_id=site_id,
                    external_id=f"R-{code}-{index}",
                    product_id=products[code].id,
                    rating=rating,
                    title=title,
                    body=body,
                )
            )
    await session.flush()
    return {
        "products": products,
        "variants": variants,
        "locations": {"paris": paris, "lyon": lyon, "wh-nord": warehouse},
        "customers": customers,
    }
