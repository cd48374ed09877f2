"""The customer tools against real rows, on SQLite and PostgreSQL; presence through HTTP too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from salon.core.ids import new_id
from salon.customers.models import WishlistItem
from salon.db.engine import Database
from salon.floor.avatar import FloorRules, visit_summary
from salon.floor.state import VisitState
from salon.offers.models import Coupon, Promotion
from salon.stores.models import StoreEvent
from salon.touchpoints.customer_tools import (
    NoParams,
    WishlistParams,
    coupons,
    loyalty,
    promotions,
    wishlist,
)
from salon.touchpoints.registry import ToolResult, load_tools
from salon.touchpoints.store_tools import events, presence
from salon.tracking.models import Event
from tests.support import LiveServer, batch, event
from tests.touchpoints.customer_factory import Shop, at, context, make_shop, visit_with_cart

NOW = at("2026-12-07 08:00")  # a Monday: 09:00 in Paris


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def shop(db: Database) -> Shop:
    return await make_shop(db)


def notes(result: ToolResult) -> dict[str, str]:
    assert result.card is not None, result.context
    return {item.id: item.note for item in result.card.items}


def test_every_customer_tool_is_registered() -> None:
    tools = load_tools()
    for name in ("wishlist", "loyalty", "promotions", "coupons", "appointment", "events"):
        assert name in tools
    assert tools["appointment"].act is not None and tools["presence"].act is None


# ---------------------------------------------------------------- promotions


def promotion(shop: Shop, code: str, kind: str, value: str, **fields: Any) -> Promotion:
    return Promotion(
        id=new_id(),
        site_id=shop.site_id,
        external_id=code,
        name=f"Offer {code}",
        kind=kind,
        value=Decimal(value),
        **fields,
    )


async def cart_shop(shop: Shop) -> VisitState:
    await shop.product("BAG1", "300.00", "Handbags")
    await shop.product("SCARF", "80.00", "Scarves")
    await shop.add(
        promotion(shop, "BAGS10", "percent", "10", categories=["Handbags"]),
        promotion(shop, "SHIP500", "free_shipping", "9.90", min_cart_total=Decimal(500)),
        promotion(
            shop, "SCARF50", "amount", "50", categories=["Scarves"], min_cart_total=Decimal(200)
        ),
        promotion(shop, "GOLD20", "amount", "20", loyalty_tiers=["gold"]),
        promotion(shop, "OLD", "percent", "50", ends_at=NOW - timedelta(days=1)),
        promotion(shop, "LATER", "percent", "50", starts_at=NOW + timedelta(days=1)),
        promotion(shop, "OFF", "percent", "50", active=False),
        promotion(shop, "SHOES", "percent", "30", categories=["Shoes"]),
    )
    # the browser's prices are ignored: the catalogue says 300 and 80, so the bag is 460
    return visit_with_cart(shop.site_id, [("BAG1", 1.0, 1), ("SCARF", 1.0, 2)])


async def test_promotions_give_the_saving_and_the_gap_to_nearly_qualifying_ones(
    db: Database, shop: Shop
) -> None:
    visit = await cart_shop(shop)
    silver = await shop.customer(("1200.00",))
    async with db.reader() as session:
        result = await promotions(context(session, shop, NOW, silver, visit), NoParams())
    assert result.card is not None and result.card.kind == "promotions"
    assert [item.id for item in result.card.items] == ["BAGS10", "SCARF50", "SHIP500"]
    found = notes(result)
    assert found["BAGS10"] == "10% off: you save EUR 30.00"
    assert found["SHIP500"] == "add EUR 40.00 to get free shipping"
    assert found["SCARF50"] == "add EUR 40.00 of eligible items to get EUR 50.00 off"
    assert "EUR 460.00" in result.card.text and "saves EUR 30.00" in result.card.text
    assert result.context["saving"] == 30.0
    assert {n["id"]: n["gap"] for n in result.context["nearly"]} == {
        "SCARF50": 40.0,
        "SHIP500": 40.0,
    }


async def test_a_tier_promotion_applies_only_to_that_tier(db: Database, shop: Shop) -> None:
    visit = await cart_shop(shop)
    gold = await shop.customer(("6000.00",))
    async with db.reader() as session:
        gold_result = await promotions(context(session, shop, NOW, gold, visit), NoParams())
        anonymous = await promotions(context(session, shop, NOW, None, visit), NoParams())
    assert notes(gold_result)["GOLD20"] == "EUR 20.00 off: you save EUR 20.00"
    assert gold_result.context["saving"] == 50.0
    assert "GOLD20" not in notes(anonymous)


async def test_no_cart_and_no_promotion_sends_nothing(db: Database, shop: Shop) -> None:
    async with db.reader() as session:
        result = await promotions(context(session, shop, NOW), NoParams())
    assert result.card is None and "no promotion" in result.context["message"]


# ---------------------------------------------------------------- coupons


def coupon(shop: Shop, code: str, **fields: Any) -> Coupon:
    fields.setdefault("kind", "percent")
    fields.setdefault("value", Decimal(10))
    return Coupon(id=new_id(), site_id=shop.site_id, code=code, **fields)


async def test_coupons_leave_out_expired_exhausted_and_other_customers_ones(
    db: Database, shop: Shop
) -> None:
    visit = await cart_shop(shop)
    ana = await shop.customer()
    other = await shop.customer()
    await shop.add(
        coupon(shop, "ANY10", description="10% on everything"),
        coupon(shop, "MINE", customer_id=ana, kind="amount", value=Decimal(25)),
        coupon(shop, "THEIRS", customer_id=other),
        coupon(shop, "EXPIRED", expires_at=NOW - timedelta(minutes=1)),
        coupon(shop, "USEDUP", max_redemptions=5, redemptions=5),
        coupon(shop, "LEFT1", max_redemptions=5, redemptions=4, value=Decimal(5)),
        coupon(
            shop,
            "BANK15",
            source="third_party",
            partner="CityBank",
            kind="amount",
            value=Decimal(15),
            expires_at=NOW + timedelta(days=30),
        ),
        coupon(shop, "BIGMIN", min_cart_total=Decimal(1000)),
        coupon(shop, "OFFLINE", active=False),
    )
    async with db.reader() as session:
        mine = await coupons(context(session, shop, NOW, ana, visit), NoParams())
        anyone = await coupons(context(session, shop, NOW, None, visit), NoParams())
    assert mine.card is not None and mine.card.kind == "coupons"
    assert [i.id for i in mine.card.items] == ["MINE", "ANY10", "LEFT1", "BANK15"]
    found = notes(mine)
    assert found["MINE"].startswith("just for you · EUR 25.00 off")
    assert found["BANK15"] == "EUR 15.00 off · from CityBank · until 06 Jan 2027"
    assert mine.card.items[1].name == "ANY10 · 10% on everything"
    assert anyone.context["codes"] == ["ANY10", "LEFT1", "BANK15"]


# ---------------------------------------------------------------- loyalty


async def test_loyalty_follows_lifetime_spend(db: Database, shop: Shop) -> None:
    silver = await shop.customer(("1200.00", "300.00"))
    granted = await shop.customer(("100.00",), tier="gold", points=9000)
    top = await shop.customer(("16000.00",))
    async with db.reader() as session:
        a = await loyalty(context(session, shop, NOW, silver), NoParams())
        b = await loyalty(context(session, shop, NOW, granted), NoParams())
        c = await loyalty(context(session, shop, NOW, top), NoParams())
        nobody = await loyalty(context(session, shop, NOW), NoParams())
    assert a.card is not None and a.card.title == "Your loyalty status: Silver"
    assert a.context == {"tier": "silver", "points": 1500}
    assert a.card.text == (
        "1,500 points, worth EUR 75.00 at checkout. EUR 3,500.00 more to reach Gold."
    )
    assert b.context == {"tier": "gold", "points": 9000}  # the store's own tier and balance
    assert b.card is not None and "EUR 14,900.00 more to reach Platinum" in b.card.text
    assert c.card is not None and "highest tier" in c.card.text
    assert nobody.card is None and "not signed in" in nobody.context["message"]


# ---------------------------------------------------------------- wish list


async def test_wishlist_shows_sale_and_stock_and_suggests_across_prices(
    db: Database, shop: Shop
) -> None:
    await shop.product("BAG1", "300.00", "Handbags", stock=2, compare_at="400.00")
    await shop.product("SCARF", "80.00", "Scarves", stock=0)
    for code, price in [("H1", "90"), ("H2", "150"), ("H3", "220"), ("H4", "310")]:
        await shop.product(code, price, "Handbags")
    for code, price in [("H5", "480"), ("H6", "900"), ("S1", "40")]:
        await shop.product(code, price, "Scarves" if code == "S1" else "Handbags")
    await shop.product("GONE", "10", "Handbags", stock=0)
    await shop.product("SHOE", "5", "Shoes")
    ana = await shop.customer()
    await shop.add(
        *[
            WishlistItem(site_id=shop.site_id, customer_id=ana, product_external_id=code)
            for code in ("BAG1", "SCARF")
        ]
    )
    async with db.reader() as session:
        listed = await wishlist(context(session, shop, NOW, ana), WishlistParams())
        suggested = await wishlist(context(session, shop, NOW, ana), WishlistParams(suggest=True))
        nobody = await wishlist(context(session, shop, NOW), WishlistParams())
    found = notes(listed)
    assert found["BAG1"] == "now on sale (was EUR 400.00) · only 2 left online"
    assert found["SCARF"] == "out of stock online"
    assert listed.card is not None and listed.card.text == "2 saved items, 1 now on sale"
    assert listed.card.items[0].url.startswith("https://shop.example/p/")
    picks = suggested.card.items if suggested.card else []
    prices = [item.price or 0.0 for item in picks]
    assert len(picks) == 6 and prices == sorted(prices)
    assert prices[0] == 40.0 and prices[-1] == 900.0  # the cheapest and the dearest
    assert not {item.id for item in picks} & {"BAG1", "SCARF", "GONE", "SHOE"}
    assert "cheaper alternative" in notes(suggested)["S1"]
    assert nobody.card is None


# ---------------------------------------------------------------- events


async def test_events_put_the_shoppers_store_first(db: Database, shop: Shop) -> None:
    paris = await shop.store("PAR", "Paris Rive Gauche")
    lyon = await shop.store("LYO", "Lyon Bellecour", city="Lyon")

    def store_event(code: str, where: Any, days: float) -> StoreEvent:
        start = NOW + timedelta(days=days)
        return StoreEvent(
            id=new_id(),
            site_id=shop.site_id,
            external_id=code,
            location_id=where.id,
            title=f"Event {code}",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )

    await shop.add(
        store_event("PARIS-SOON", paris, 3),
        store_event("LYON-LATER", lyon, 10),
        store_event("LYON-FAR", lyon, 90),
        store_event("PAST", paris, -2),
    )
    ana = await shop.customer(home=lyon)
    async with db.reader() as session:
        hers = await events(context(session, shop, NOW, ana), NoParams())
        anyone = await events(context(session, shop, NOW), NoParams())
    assert hers.card is not None
    assert [i.id for i in hers.card.items] == ["LYON-LATER", "PARIS-SOON"]
    assert notes(hers)["LYON-LATER"] == "Thu 17 Dec, 09:00 · Lyon Bellecour (your store)"
    assert hers.context["home_store"] == "LYO"
    assert anyone.card is not None
    assert [i.id for i in anyone.card.items] == ["PARIS-SOON", "LYON-LATER"]


# ---------------------------------------------------------------- presence


def test_presence_folds_into_the_visit_and_a_late_report_does_not_win() -> None:
    state = VisitState("s", "v", "x", started_at=0.0, last_seen_at=0.0)
    state.apply("presence", 100.0, {"state": "near", "location_id": "PAR"})
    state.apply("presence", 160.0, {"state": "in_store", "location_id": "PAR"})
    state.apply("presence", 130.0, {"state": "left", "location_id": "PAR"})
    assert state.presence is not None
    assert (state.presence["state"], state.presence["at"]) == ("in_store", 160.0)
    assert state.last_activity_at == 0.0  # a phone near a store is not activity on the page
    summary = visit_summary(state, 200.0, FloorRules())  # what the floor shows the associates
    assert summary["presence"] == {
        "state": "in_store",
        "location_id": "PAR",
        "latitude": None,
        "longitude": None,
        "at": 160.0,
    }


async def test_presence_names_the_store_its_hours_and_the_cart_stock_there(
    db: Database, shop: Shop
) -> None:
    paris = await shop.store(
        "PAR",
        "Paris Rive Gauche",
        latitude=48.85,
        longitude=2.33,
        departments={"Handbags": "Ground floor"},
    )
    await shop.store("LYO", "Lyon Bellecour", city="Lyon", latitude=45.76, longitude=4.83)
    await shop.product("BAG1", "300.00", "Handbags")
    await shop.product("SCARF", "80.00", "Scarves")
    await shop.stock_at("BAG1", paris, 3, department="Handbags")
    visit = visit_with_cart(shop.site_id, [("BAG1", 300.0, 1), ("SCARF", 80.0, 1)])
    visit.apply("presence", NOW.timestamp() - 120, {"state": "in_store", "location_id": "PAR"})
    async with db.reader() as session:
        result = await presence(context(session, shop, NOW, visit=visit), NoParams())
        near_lyon = {"state": "near", "latitude": 45.758, "longitude": 4.832}
        visit.apply("presence", NOW.timestamp(), near_lyon)
        near = await presence(context(session, shop, NOW, visit=visit), NoParams())
        far_away = {"state": "near", "latitude": 47.2, "longitude": -1.55}  # Nantes: no store
        visit.apply("presence", NOW.timestamp() + 1, far_away)
        nowhere = await presence(context(session, shop, NOW, visit=visit), NoParams())
        unknown = await presence(context(session, shop, NOW), NoParams())
    assert result.card is not None and result.card.kind == "presence"
    assert result.card.title == "In Paris Rive Gauche now (2 min ago)"
    assert "open today 10:00-19:00" in result.card.text
    assert notes(result) == {"BAG1": "3 here, Handbags", "SCARF": "not in stock here"}
    assert result.card.table is not None
    assert result.card.table.rows == [["Handbags", "Ground floor"]]
    assert near.card is not None and near.card.title == "Near Lyon Bellecour now (just now)"
    assert nowhere.card is None and "no store matches" in nowhere.context["message"]
    assert unknown.card is None


# ---------------------------------------------------------------- presence over HTTP


def count_presence(server: LiveServer) -> int:
    async def query(db: Database) -> int:
        async with db.reader() as session:
            found = await session.scalar(
                select(func.count(Event.id)).where(Event.type == "presence")
            )
            return int(found or 0)

    result: int = server.run(query)
    return result


def test_presence_events_are_ingested_with_coarse_coordinates(server: LiveServer) -> None:
    site = server.make_site()
    body = batch(
        site,
        [
            event("presence", state="in_store", location_id="PAR"),
            event("presence", state="near", latitude=48.853412, longitude=2.333871),
        ],
    )
    answer = httpx.post(server.base_url + "/api/track", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 2

    async def stored(db: Database) -> list[dict[str, Any]]:
        async with db.reader() as session:
            rows = await session.scalars(
                select(Event.data).where(Event.type == "presence").order_by(Event.id)
            )
            return list(rows.all())

    data = server.run(stored)
    assert data[-1]["latitude"] == 48.853 and data[-1]["longitude"] == 2.334


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ({"state": "teleported", "location_id": "PAR"}, "events[0].state", "near"),
        ({"state": "near"}, "events[0]", "location_id or latitude and longitude"),
        ({"state": "near", "latitude": 48.8}, "events[0]", "latitude and longitude go together"),
        ({"state": "near", "latitude": 123, "longitude": 2}, "events[0].latitude", "90"),
        ({"state": "near", "location_id": "PAR", "floor": 2}, "events[0].floor", "not permitted"),
    ],
)
def test_a_bad_presence_event_is_refused_naming_the_field(
    server: LiveServer, bad: dict[str, Any], field: str, words: str
) -> None:
    site = server.make_site()
    before = count_presence(server)
    body = batch(site, [{"id": "bad-presence-1", "type": "presence", **bad}])
    answer = httpx.post(server.base_url + "/api/track", json=body, timeout=10)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == field, error
    assert words in error["message"], error
    assert count_presence(server) == before
