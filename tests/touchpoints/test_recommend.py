"""The recommendation engine's signals, each read off the rows the test writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from salon.core.ids import new_id
from salon.db.engine import Database
from salon.identity.service import create_site
from salon.touchpoints.recommend import co_viewed, price_band, recommend
from salon.tracking.models import Event, Visit, Visitor
from tests.touchpoints.catalog_factory import seed_catalog


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def shop(db: Database) -> dict[str, Any]:
    site = await create_site(db, "Recommend shop", ["https://shop.example"])
    async with db.writer() as session:
        seeded = await seed_catalog(session, site.id)
    return {"site_id": site.id, **seeded}


async def views(db: Database, site_id: str, visits: list[list[str]]) -> None:
    """One visitor per visit, each viewing the listed products (the widget's product_view)."""
    async with db.writer() as session:
        for viewed in visits:
            visitor = Visitor(id=new_id(), site_id=site_id, visitor_key=new_id())
            visit = Visit(id=new_id(), site_id=site_id, visitor_id=visitor.id, visit_key=new_id())
            session.add(visitor)
            await session.flush()  # no ORM relationships: insert in foreign-key order
            session.add(visit)
            await session.flush()
            for pid in viewed:
                session.add(
                    Event(
                        site_id=site_id,
                        visitor_id=visitor.id,
                        visit_id=visit.id,
                        client_event_id=new_id(),
                        type="product_view",
                        occurred_at=datetime(2026, 12, 1, tzinfo=UTC),
                        data={"product_id": pid},
                    )
                )


def test_price_bands() -> None:
    from decimal import Decimal

    assert price_band(Decimal("50"), Decimal("100")) == "cheaper"
    assert price_band(Decimal("110"), Decimal("100")) == "similar price"
    assert price_band(Decimal("150"), Decimal("100")) == "premium"


async def test_co_views_count_visits_not_page_views(db: Database, shop: dict[str, Any]) -> None:
    site_id = shop["site_id"]
    await views(
        db,
        site_id,
        [
            ["shoe-boot", "shoe-loafer", "shoe-loafer"],
            ["shoe-boot", "shoe-loafer"],
            ["shoe-boot", "scarf-wool"],
            ["scarf-wool"],
        ],
    )
    async with db.reader() as session:
        counts = await co_viewed(session, site_id, "shoe-boot")
        found = await recommend(session, site_id, shop["products"]["shoe-boot"], None, set())
    assert counts == {"shoe-loafer": 2, "scarf-wool": 1}
    notes = {s.external_id: s.reason for s in found}
    assert notes["shoe-loafer"] == "viewed together in 2 visits"


async def test_customers_like_you_and_nothing_already_bought(
    db: Database, shop: dict[str, Any]
) -> None:
    ana = shop["customers"]["Ana"].id  # bought the tote and the silk scarf
    async with db.reader() as session:
        found = await recommend(
            session, shop["site_id"], shop["products"]["bag-mini"], ana, set(), limit=4
        )
    ids = [s.external_id for s in found]
    assert "bag-tote" not in ids and "scarf-silk" not in ids and "bag-mini" not in ids
    reasons = {s.external_id: s.reason for s in found}
    # Ben also bought the tote and the scarf, and a loafer
    assert reasons["shoe-loafer"] == "popular with customers like you (1 customer)"
    assert len(found) >= 3
    prices = [s.product.price for s in found]
    assert prices == sorted(prices)


async def test_a_quiet_catalogue_still_gives_three_options(
    db: Database, shop: dict[str, Any]
) -> None:
    async with db.reader() as session:
        found = await recommend(
            session, shop["site_id"], shop["products"]["shoe-kids"], None, set(), limit=3
        )
    assert len(found) == 3
    bands = {price_band(s.product.price, shop["products"]["shoe-kids"].price) for s in found}
    assert "premium" in bands
    assert all(s.product.external_id != "scarf-kids" for s in found)  # out of stock
