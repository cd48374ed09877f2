"""The product tools against the catalogue in catalog_factory.py, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from salon.core.errors import ApiError
from salon.core.ids import new_id
from salon.customers.timeline import customer_timeline
from salon.db.engine import Database
from salon.floor.state import VisitState
from salon.identity.service import create_site
from salon.stores.models import Inventory, Reservation
from salon.stores.service import release_expired
from salon.touchpoints.cards import Card
from salon.touchpoints.guide_tools import clickstream, gift, location, reviews, training_notes
from salon.touchpoints.product_tools import (
    CompareParams,
    GiftParams,
    NoParams,
    ProductParams,
    RecommendParams,
    ReserveParams,
    StockParams,
    compare,
    confirm_reserve,
    recommendations,
    reserve,
    spec,
    stock,
)
from salon.touchpoints.registry import ToolContext, ToolResult, load_tools
from tests.chat.support import ORIGIN, Associate, Shopper, new_client_id
from tests.support import LiveServer
from tests.touchpoints.catalog_factory import seed_catalog

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday: 10:00 in Paris and Lyon


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def shop(db: Database) -> dict[str, Any]:
    site = await create_site(db, "Catalogue shop", ["https://shop.example"])
    async with db.writer() as session:
        seeded = await seed_catalog(session, site.id)
    return {"site_id": site.id, **seeded}


def visit(shop: dict[str, Any], viewed: dict[str, int] | None = None) -> VisitState:
    state = VisitState(shop["site_id"], new_id(), new_id(), started_at=0.0, last_seen_at=0.0)
    state.products_viewed.update(viewed or {})
    return state


def ctx(session: Any, shop: dict[str, Any], **fields: Any) -> ToolContext:
    return ToolContext(
        session=session,
        site_id=shop["site_id"],
        store_url="https://shop.example",
        now=NOW.timestamp(),
        **fields,
    )


def card_of(result: ToolResult) -> Card:
    assert result.card is not None, result.context
    return result.card


def test_every_product_tool_is_registered() -> None:
    tools = load_tools()
    names = (
        "recommendations",
        "stock",
        "reserve",
        "spec",
        "compare",
        "reviews",
        "location",
        "gift",
        "clickstream",
        "training_notes",
    )
    for name in names:
        assert name in tools
    assert tools["reserve"].act is not None and tools["stock"].act is None
    assert tools["training_notes"].sendable is False


async def test_endless_aisle_finds_the_one_store_with_the_size(
    db: Database, shop: dict[str, Any]
) -> None:
    async with db.reader() as session:
        result = await stock(
            ctx(session, shop, visit=visit(shop, {"shoe-runner": 3})),
            StockParams(size="40", colour="White"),
        )
    card = card_of(result)
    assert [i.name for i in card.items] == ["Lyon Presqu'ile"]
    assert "1 available" in card.items[0].note and "open today 10:00-19:00" in card.items[0].note
    assert "size 40 white: 0 online" in card.text
    assert card.table is not None
    assert card.table.rows[0] == ["Online", "0", "", ""]
    assert card.link_url == "https://shop.example/p/shoe-runner"


async def test_stock_lists_the_nearest_store_first(db: Database, shop: dict[str, Any]) -> None:
    lyon_customer = shop["customers"]["Ben"].id  # lives in Lyon
    async with db.reader() as session:
        result = await stock(
            ctx(session, shop, customer_id=lyon_customer), StockParams(product_id="bag-tote")
        )
    card = card_of(result)
    assert [i.name for i in card.items] == ["Lyon Presqu'ile", "Paris Rive Gauche"]
    assert card.items[0].note.endswith("0 km")
    with pytest.raises(ApiError) as refused:
        async with db.reader() as session:
            await stock(ctx(session, shop), StockParams(product_id="bag-tote", size="44"))
    assert refused.value.status == 404 and "no variant" in refused.value.message


async def test_reserve_never_oversells_the_last_unit(db: Database, shop: dict[str, Any]) -> None:
    params = ReserveParams(product_id="shoe-runner", size="40", location_id="lyon")
    async with db.reader() as session:
        preview = card_of(await reserve(ctx(session, shop), params))
    assert "Lyon Presqu'ile" in preview.text and "until Wed 09 Dec 10:00." in preview.text

    async def attempt() -> Card | ApiError:
        try:
            async with db.writer() as session:
                return card_of(await confirm_reserve(ctx(session, shop), params))
        except ApiError as error:
            return error

    outcomes = await asyncio.gather(attempt(), attempt())
    won = [o for o in outcomes if isinstance(o, Card)]
    lost = [o for o in outcomes if isinstance(o, ApiError)]
    assert len(won) == 1 and len(lost) == 1
    assert won[0].text.startswith("Reserved for you at Lyon Presqu'ile until")
    assert lost[0].status == 409 and "no free City runner" in lost[0].message
    async with db.reader() as session:
        row = await session.scalar(
            select(Inventory).where(
                Inventory.variant_id == shop["variants"][("shoe-runner", "40", "white")].id
            )
        )
    assert row is not None and (row.quantity, row.reserved) == (1, 1)


async def test_a_hold_runs_out_and_the_unit_is_back_on_sale(
    db: Database, shop: dict[str, Any]
) -> None:
    params = ReserveParams(product_id="shoe-runner", size="40", location_id="lyon", hours=24)
    ana = shop["customers"]["Ana"].id
    async with db.writer() as session:
        card_of(await confirm_reserve(ctx(session, shop, customer_id=ana), params))
    variant = shop["variants"][("shoe-runner", "40", "white")].id

    async def on_timeline() -> list[str]:
        async with db.reader() as session:
            entries = await customer_timeline(session, shop["site_id"], ana)
        return [e["summary"] for e in entries if e["summary"].startswith("reserved")]

    assert await on_timeline() == ["reserved City runner at Lyon Presqu'ile (held)"]

    async def stock() -> tuple[int, int, list[str]]:
        async with db.reader() as session:
            row = await session.scalar(select(Inventory).where(Inventory.variant_id == variant))
            holds = (
                await session.scalars(
                    select(Reservation.status).where(Reservation.site_id == shop["site_id"])
                )
            ).all()
        assert row is not None
        return row.quantity, row.reserved, list(holds)

    assert await stock() == (1, 1, ["held"])
    assert await release_expired(db, NOW + timedelta(hours=23)) == 0  # not yet
    assert await stock() == (1, 1, ["held"])
    assert await release_expired(db, NOW + timedelta(hours=24, minutes=1)) == 1
    assert await stock() == (1, 0, ["released"])
    assert await on_timeline() == ["reserved City runner at Lyon Presqu'ile (ran out)"]
    await release_expired(db, NOW + timedelta(days=3))  # a hold is released once only
    assert await stock() == (1, 0, ["released"])
    async with db.writer() as session:  # and someone else may now reserve it
        card_of(await confirm_reserve(ctx(session, shop), params))


async def test_reserve_needs_a_single_variant(db: Database, shop: dict[str, Any]) -> None:
    async with db.writer() as session:
        with pytest.raises(ApiError) as refused:
            await confirm_reserve(
                ctx(session, shop), ReserveParams(product_id="bag-tote", location_id="paris")
            )
    assert refused.value.status == 422 and "choose a size or colour" in refused.value.message


async def test_recommendations_span_price_points_and_skip_the_cart(
    db: Database, shop: dict[str, Any]
) -> None:
    state = visit(shop, {"bag-tote": 4, "bag-mini": 1})
    state.cart[("shoe-loafer", None)] = None  # type: ignore[assignment]  # only keys are read
    async with db.reader() as session:
        result = await recommendations(ctx(session, shop, visit=state), RecommendParams())
    card = card_of(result)
    ids = [i.id for i in card.items]
    notes = {i.id: i.note for i in card.items}
    assert len(ids) >= 3 and "bag-tote" not in ids and "shoe-loafer" not in ids
    bands = {band for note in notes.values() for band in note.split(" · ")}
    assert {"cheaper", "premium"} <= bands
    assert "was €790" in notes["bag-weekender"]  # the premium pick, marked down
    assert notes["scarf-silk"].startswith("bought together 3 times")


async def test_compare_adds_the_cheaper_alternative(db: Database, shop: dict[str, Any]) -> None:
    async with db.reader() as session:
        result = await compare(
            ctx(session, shop), CompareParams(product_ids=["bag-tote", "bag-weekender"])
        )
    card = card_of(result)
    assert card.table is not None
    assert card.table.columns == [
        "",
        "Leather tote",
        "Weekender",
        "Canvas shopper (cheaper alternative)",
    ]
    assert card.items[-1].id == "bag-shopper" and "cheaper alternative" in card.items[-1].note
    assert "cheaper alternative" in card.text
    rows = {row[0]: row[1:] for row in card.table.rows}
    assert rows["Price"] == ["€240", "€690", "€59"]
    assert rows["Rating"][0] == "4.0 ★ (4)"
    assert rows["Material"][1] == "Vegetable-tanned leather"
    assert "was €790" in card.items[1].note


@pytest.mark.parametrize("count", [1, 5])
def test_compare_refuses_one_or_five_products(count: int) -> None:
    with pytest.raises(ValidationError) as refused:
        CompareParams(product_ids=[f"p{i}" for i in range(count)])
    assert f"compare takes 2 to 4 different products, got {count}" in str(refused.value)


async def test_gift_finder_respects_the_budget(db: Database, shop: dict[str, Any]) -> None:
    async with db.reader() as session:
        result = await gift(
            ctx(session, shop),
            GiftParams(recipient="for-her", occasion="birthday", budget_min=50, budget_max=220),
        )
    card = card_of(result)
    assert card.items and all(i.price is not None and 50 <= i.price <= 220 for i in card.items)
    notes = {i.id: i.note for i in card.items}
    # for her or unisex, in stock, within budget; the tote (240) is over it
    assert set(notes) == {
        "bag-shopper",
        "scarf-wool",
        "bag-mini",
        "scarf-silk",
        "shoe-runner",
        "scarf-cashmere",
    }
    assert notes["scarf-silk"] == "Scarves · birthday" and notes["bag-shopper"] == "Handbags"
    async with db.reader() as session:
        kids = await gift(ctx(session, shop), GiftParams(recipient="for-kids", budget_max=30))
    assert kids.card is None and "widen the budget" in kids.context["message"]
    with pytest.raises(ValidationError, match="recipient"):
        GiftParams.model_validate({"recipient": "for-cats"})
    with pytest.raises(ValidationError, match="budget_min must not be above budget_max"):
        GiftParams(budget_min=300, budget_max=100)


async def test_location_names_the_aisle(db: Database, shop: dict[str, Any]) -> None:
    async with db.reader() as session:
        result = await location(ctx(session, shop), ProductParams(product_id="shoe-runner"))
    card = card_of(result)
    notes = {i.name: i.note for i in card.items}
    assert notes == {
        "Paris Rive Gauche": "Shoes, First floor, aisle 5 · 2 available",
        "Lyon Presqu'ile": "Shoes, Level 1, aisle C · 1 available",
    }


async def test_reviews_spec_clickstream_and_training_notes(
    db: Database, shop: dict[str, Any]
) -> None:
    state = visit(shop, {"bag-tote": 3, "scarf-wool": 1})
    state.toggled_products.add("bag-tote")
    async with db.reader() as session:
        summary = card_of(await reviews(ctx(session, shop), ProductParams(product_id="bag-tote")))
        sheet = card_of(await spec(ctx(session, shop), ProductParams(product_id="bag-tote")))
        picked = card_of(await clickstream(ctx(session, shop, visit=state), NoParams()))
        notes = await training_notes(ctx(session, shop, visit=state), ProductParams())
    assert summary.text.startswith("4.0 ★ from 4 review(s)")
    assert [i.note[:3] for i in summary.items] == ["5 ★", "2 ★"]
    assert "strap broke" in summary.items[1].note.lower()
    assert summary.table is not None and summary.table.rows[0] == ["5 ★", "2"]
    assert sheet.table is not None and ["Laptop", "14 inch"] in sheet.table.rows
    assert picked.items[0].id == "bag-tote"
    assert "in stock in black, tan" in picked.items[0].note
    assert notes.card is None and "repair service" in notes.context["notes"]


async def test_no_card_carries_commission(db: Database, shop: dict[str, Any]) -> None:
    state = visit(shop, {"bag-tote": 2})
    state.toggled_products.add("bag-tote")
    calls: list[tuple[Any, Any]] = [
        (recommendations, RecommendParams()),
        (stock, StockParams()),
        (reserve, ReserveParams(location_id="paris", colour="tan")),
        (spec, ProductParams()),
        (compare, CompareParams(product_ids=["bag-tote", "bag-mini"])),
        (reviews, ProductParams()),
        (location, ProductParams()),
        (gift, GiftParams()),
        (clickstream, NoParams()),
        (training_notes, ProductParams()),
    ]
    async with db.reader() as session:
        for build, params in calls:
            result = await build(ctx(session, shop, visit=state), params)
            dumped = (result.card.model_dump_json() if result.card else "") + str(result.context)
            assert "commission" not in dumped.lower() and "0.08" not in dumped, build.__name__


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[LiveServer]:
    live = LiveServer.start(
        database_url, chat_starts_per_minute=100_000, chat_messages_per_minute=100_000
    )
    yield live
    live.stop()


def test_reserve_and_compare_through_the_api(server: LiveServer) -> None:
    site = server.make_site([ORIGIN])

    async def seed(db: Database) -> dict[str, Any]:
        async with db.writer() as session:
            return await seed_catalog(session, site.id)

    seeded = server.run(seed)
    shopper = Shopper(server.base_url, site)
    assert shopper.start(message="Do you have the runner in 40?").status_code == 201
    cid = shopper.conversation_id
    assert cid is not None
    associate = Associate.create(server, site)
    assert associate.claim(cid).status_code == 200
    tools = f"/api/sites/{site.id}/tools"
    params = {"product_id": "shoe-runner", "size": "40", "location_id": "lyon"}

    def send(name: str, **tool_params: Any) -> Any:
        body = {"client_id": new_client_id(), "kind": "card", "tool": name, "params": tool_params}
        return associate.post(associate.url(cid, "/messages"), body)

    five = associate.post(
        f"{tools}/compare",
        {"conversation_id": cid, "params": {"product_ids": ["a", "b", "c", "d", "e"]}},
    )
    assert five.status_code == 422
    assert "compare takes 2 to 4 different products, got 5" in five.json()["error"]["message"]
    first = send("reserve", **params)
    assert first.status_code == 200, first.text
    again = send("reserve", **params)  # the last unit is gone
    assert again.status_code == 409 and "no free City runner" in again.json()["error"]["message"]
    sent = [m["data"]["card"] for m in shopper.messages() if m["kind"] == "card"]
    assert len(sent) == 1 and sent[0]["text"].startswith("Reserved for you at Lyon Presqu'ile")
    assert "commission" not in json.dumps(sent).lower()

    async def reserved(db: Database) -> int:
        async with db.reader() as session:
            variant = seeded["variants"][("shoe-runner", "40", "white")]
            row = await session.get(Inventory, (variant.id, seeded["locations"]["lyon"].id))
            return row.reserved if row is not None else -1

    assert server.run(reserved) == 1
