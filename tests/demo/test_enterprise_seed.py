"""The demo's enterprise data: deterministic rows that the importer accepts, seeded idempotently."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from salon.catalog.imports.schemas import KINDS, LOAD_ORDER
from salon.catalog.models import Product, Variant
from salon.customers.models import Customer, Interaction, Order
from salon.db.engine import Database
from salon.demo.collection import GENERATED
from salon.demo.enterprise_data import build_rows
from salon.demo.seed import DEMO_ACCOUNTS, load_demo_rows, seed_demo
from salon.demo.store_data import CUSTOMERS, PRODUCTS
from salon.identity.models import Site
from salon.stores.models import Inventory, Location
from tests.conftest import BACKENDS
from tests.demo.test_storefront import TestClient, make_app
from tests.support import fresh_database

ANCHOR = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)


def test_the_generator_is_deterministic_and_every_row_validates() -> None:
    rows = build_rows(ANCHOR)
    assert rows == build_rows(ANCHOR)
    assert set(rows) == set(KINDS)
    for kind, (model, _) in KINDS.items():
        for row in rows[kind]:
            model.model_validate(row)
    assert len(rows["products"]) >= 200
    assert len({r["order_id"] for r in rows["orders"]}) >= 1800
    assert 700 <= len(rows["reviews"]) <= 900 and len(rows["wishlists"]) == 300
    channels = {r["channel"] for r in rows["interactions"]}
    assert {"phone", "email", "social", "store_visit"} <= channels
    emails = {r["email"] for r in rows["associates"]}
    assert {a.email for a in DEMO_ACCOUNTS} <= emails


def test_the_storefront_customers_and_products_keep_their_ids() -> None:
    rows = build_rows(ANCHOR)
    products = {r["external_id"]: r for r in rows["products"]}
    for product in PRODUCTS:
        row = products[product.product_id]
        assert (row["name"], Decimal(row["price"])) == (product.name, Decimal(product.price))
    on_sale = [r for r in rows["products"] if r["compare_at_price"]]
    assert 0.05 <= len(on_sale) / len(products) <= 0.2
    customers = {r["external_id"]: r for r in rows["customers"]}
    assert len(customers) == 500
    for customer in CUSTOMERS:
        assert customers[customer.customer_id]["email"] == customer.email
        assert customers[customer.customer_id]["loyalty_tier"] == customer.loyalty_tier
    placed = {r["order_id"] for r in rows["orders"]}
    assert {o.order_id for c in CUSTOMERS for o in c.orders} <= placed
    assert any(r["source"] == "store" and r["location_id"] for r in rows["orders"])
    spend: dict[str, Decimal] = {}
    for line in rows["orders"]:
        spend[line["customer_id"]] = (
            spend.get(line["customer_id"], Decimal(0))
            + Decimal(line["unit_price"]) * line["quantity"]
        )
    platinum = [c for c in customers.values() if c["loyalty_tier"] == "platinum"]
    assert platinum and all(spend[c["external_id"]] >= 20_000 for c in platinum)
    assert all(
        c["loyalty_points"] == int(spend.get(c["external_id"], Decimal(0)) // 10)
        for c in customers.values()
    )


def test_the_seventeen_hundred_variants_include_the_endless_aisle_case() -> None:
    stocked: dict[str, set[str]] = {}
    for row in build_rows(ANCHOR)["inventory"]:
        if row["quantity"] and row["location_id"] != "warehouse":
            stocked.setdefault(row["variant_id"], set()).add(row["location_id"])
    assert any(len(stores) == 1 for stores in stocked.values())
    assert any(len(stores) >= 3 for stores in stocked.values())


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str, float]]:
    with fresh_database(request.param, str(tmp_path_factory.mktemp("db"))) as url:

        async def seed() -> tuple[str, float]:
            db = Database(url)
            try:
                started = time.perf_counter()
                site = await seed_demo(db, ["http://127.0.0.1:1"])
                return site.id, time.perf_counter() - started
            finally:
                await db.dispose()

        site_id, seconds = asyncio.run(seed())
        yield url, site_id, seconds


def _count(url: str, statement: object) -> int:
    async def run() -> int:
        db = Database(url)
        try:
            async with db.reader() as session:
                return int(await session.scalar(statement) or 0)  # type: ignore[call-overload]
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_the_seeded_store_has_the_whole_enterprise(seeded: tuple[str, str, float]) -> None:
    url, _site_id, seconds = seeded
    print(f"seed_demo took {seconds:.1f} s")
    assert seconds < 30
    assert _count(url, select(func.count()).select_from(Product)) >= 200
    assert _count(url, select(func.count()).select_from(Location)) >= 5
    assert _count(url, select(func.count()).select_from(Customer)) >= 500
    assert _count(url, select(func.count(func.distinct(Order.customer_id)))) >= 300
    for channel in ("phone", "email"):
        calls = select(func.count()).where(Interaction.channel == channel)
        assert _count(url, calls) >= 100
    # a variant stocked in exactly one boutique
    stores = (
        select(Inventory.variant_id)
        .join(Location, Location.id == Inventory.location_id)
        .where(Location.kind == "store", Inventory.quantity > 0)
        .group_by(Inventory.variant_id)
        .having(func.count() == 1)
    )
    assert _count(url, select(func.count()).select_from(stores.subquery())) >= 200
    assert _count(url, select(func.count()).select_from(Variant)) >= 1500


def test_seeding_again_changes_nothing(seeded: tuple[str, str, float]) -> None:
    url, site_id, _ = seeded

    async def again() -> dict[str, tuple[int, int, int]]:
        db = Database(url)
        try:
            assert (await seed_demo(db, ["http://127.0.0.1:1"])).id == site_id
            async with db.reader() as session:
                created = await session.scalar(select(Site.created_at).where(Site.id == site_id))
            assert created is not None
            reports = await load_demo_rows(db, site_id, created)
            return {k: (r.created, r.updated, r.unchanged) for k, r in reports.items()}
        finally:
            await db.dispose()

    reports = asyncio.run(again())
    assert list(reports) == list(LOAD_ORDER)
    for kind, (created, updated, unchanged) in reports.items():
        assert (kind, created, updated) == (kind, 0, 0)
        assert unchanged > 0


def test_a_generated_product_has_a_page_and_an_image() -> None:
    product = GENERATED[-1]
    with TestClient(make_app()) as client:
        page = client.get(f"/shop/p/{product.product_id}")
        assert page.status_code == 200 and product.name in page.text
        image = client.get(f"/shop/static/img/{product.image}")
        assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"
        assert product.name in image.text and "<script" not in image.text
        listing = client.get(f"/shop/c/{product.category}")
        assert f"/shop/p/{product.product_id}" in listing.text
        assert client.get("/shop/static/img/P999-BLK.svg").status_code == 404
