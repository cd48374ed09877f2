"""The Tools panel over real HTTP and WebSockets, on SQLite and PostgreSQL.

The tests register two tiny tools of their own (a product pick that acts on send, and an
associate-only note) so the generic routes are tested without depending on any one tool's data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pydantic import Field
from sqlalchemy import select

from salon.catalog.models import Product, Variant
from salon.catalog.service import upsert_product
from salon.chat.models import Message
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.stores.models import Inventory, Location
from salon.touchpoints.budget import parse_budget, stated_budget
from salon.touchpoints.cards import Card, CardItem
from salon.touchpoints.registry import TOOLS, ToolContext, ToolParams, ToolResult, action, tool
from salon.touchpoints.service import budget_warning
from tests.chat.support import ORIGIN, Associate, Shopper, frames_until, new_client_id
from tests.chat.test_chat_api import shop_with_catalogue
from tests.support import LiveServer

ACTED: list[str] = []


class PickParams(ToolParams):
    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=5)


async def _pick(ctx: ToolContext, params: PickParams) -> ToolResult:
    product = await ctx.session.scalar(
        select(Product).where(
            Product.site_id == ctx.site_id, Product.external_id == params.product_id
        )
    )
    if product is None:
        return ToolResult(None, {"missing": params.product_id})
    item = CardItem(
        id=product.external_id,
        name=product.name,
        price=float(product.price),
        currency=product.currency,
        url=ctx.store_url + "/shop/p/" + product.external_id,
    )
    card = Card(kind="spec", title=product.name, text=f"x{params.quantity}", items=[item])
    return ToolResult(card, {"visitor": ctx.visitor_id, "visit": bool(ctx.visit)})


async def _pick_act(ctx: ToolContext, params: PickParams) -> ToolResult:
    ACTED.append(params.product_id)
    result = await _pick(ctx, params)
    assert result.card is not None
    result.card.title = "Reserved: " + result.card.title
    return result


async def _notes(ctx: ToolContext, params: ToolParams) -> ToolResult:
    return ToolResult(None, {"notes": ["Mention the lifetime repair service."]})


if "test_pick" not in TOOLS:
    tool("test_pick", "Test pick", PickParams)(_pick)
    action("test_pick")(_pick_act)
    tool("test_notes", "Test notes", ToolParams, sendable=False)(_notes)


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[LiveServer]:
    live = LiveServer.start(
        database_url, chat_starts_per_minute=100_000, chat_messages_per_minute=100_000
    )
    yield live
    live.stop()


@pytest.fixture(scope="module")
def site(server: LiveServer) -> SiteInfo:
    return shop_with_catalogue(server)  # P1 "Aurel Tote", €1,450


def chat(server: LiveServer, site: SiteInfo, first: str = "Hello") -> tuple[Shopper, Associate]:
    shopper = Shopper(server.base_url, site)
    assert shopper.start(message=first).status_code == 201
    associate = Associate.create(server, site)
    assert shopper.conversation_id is not None
    assert associate.claim(shopper.conversation_id).status_code == 200
    return shopper, associate


def preview(associate: Associate, conversation_id: str, name: str, **params: Any) -> Any:
    return associate.post(
        f"/api/sites/{associate.site.id}/tools/{name}",
        {"conversation_id": conversation_id, "params": params},
    )


def send(associate: Associate, conversation_id: str, name: str, **extra: Any) -> Any:
    return associate.post(
        associate.url(conversation_id, "/messages"),
        {"client_id": new_client_id(), "kind": "card", "tool": name, **extra},
    )


def cards(shopper: Shopper) -> list[dict[str, Any]]:
    return [m for m in shopper.messages() if m["kind"] in ("card", "product_card")]


def no_commission(payload: Any) -> None:
    """Honest selling, rule 1: nothing the shopper or the card sees mentions commission."""
    assert "commission" not in json.dumps(payload).lower()


def test_card_schema_has_no_commission_field() -> None:
    no_commission(Card.model_json_schema())


def test_list_tools_with_their_forms(server: LiveServer, site: SiteInfo) -> None:
    associate = Associate.create(server, site)
    answer = associate.client.get(f"/api/sites/{site.id}/tools")
    assert answer.status_code == 200, answer.text
    tools = {t["name"]: t for t in answer.json()["tools"]}
    assert tools["test_pick"]["sendable"] and tools["test_pick"]["acts"]
    assert not tools["test_notes"]["sendable"]
    assert tools["test_pick"]["params"]["required"] == ["product_id"]
    assert tools["test_pick"]["params"]["properties"]["quantity"]["maximum"] == 5
    elsewhere = Associate.create(server, server.make_site([ORIGIN]))
    assert elsewhere.client.get(f"/api/sites/{site.id}/tools").status_code == 404


def test_preview_builds_the_card_and_changes_nothing(server: LiveServer, site: SiteInfo) -> None:
    shopper, associate = chat(server, site)
    assert shopper.conversation_id
    before = len(ACTED)
    answer = preview(associate, shopper.conversation_id, "test_pick", product_id="P1", quantity=2)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    no_commission(body)
    assert body["card"]["items"][0]["name"] == "Aurel Tote"
    assert body["card"]["items"][0]["url"] == f"{ORIGIN}/shop/p/P1"
    assert body["context"]["visitor"]  # the chat's visitor, internal id
    assert body["warnings"] == []
    assert len(ACTED) == before  # previews never act
    notes = preview(associate, shopper.conversation_id, "test_notes")
    assert notes.status_code == 200 and notes.json()["card"] is None
    assert notes.json()["context"]["notes"] == ["Mention the lifetime repair service."]
    assert cards(shopper) == []


def test_bad_requests_are_named_and_change_nothing(server: LiveServer, site: SiteInfo) -> None:
    shopper, associate = chat(server, site)
    cid = shopper.conversation_id
    assert cid
    bad = preview(associate, cid, "test_pick", product_id="P1", quantity=9)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "params.quantity"
    extra = preview(associate, cid, "test_pick", product_id="P1", price=1)
    assert extra.status_code == 422 and extra.json()["error"]["field"] == "params.price"
    missing = preview(associate, cid, "test_pick")
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "params.product_id"
    unknown = preview(associate, cid, "no_such_tool")
    assert unknown.status_code == 404
    assert send(associate, cid, "no_such_tool").status_code == 404
    notes = send(associate, cid, "test_notes")
    assert notes.status_code == 422 and notes.json()["error"]["code"] == "not_sendable"
    forged = send(associate, cid, "test_pick", params={"product_id": "P1"}, card={"title": "x"})
    assert forged.status_code == 422  # the console cannot post a card of its own
    no_tool = associate.post(
        associate.url(cid, "/messages"), {"client_id": new_client_id(), "kind": "card"}
    )
    assert no_tool.status_code == 422 and no_tool.json()["error"]["field"] == "tool"
    colleague = Associate.create(server, site)  # same site, not in this chat: may not act
    before = len(ACTED)
    assert send(colleague, cid, "test_pick", params={"product_id": "P1"}).status_code == 403
    assert len(ACTED) == before
    other_site = Associate.create(server, server.make_site([ORIGIN]))
    assert preview(other_site, cid, "test_pick", product_id="P1").status_code == 404
    assert cards(shopper) == []


def test_sent_card_is_built_by_the_server(server: LiveServer, site: SiteInfo) -> None:
    shopper, associate = chat(server, site)
    cid = shopper.conversation_id
    assert cid
    before = len(ACTED)
    with shopper.socket() as ws:
        client_id = new_client_id()
        body = {
            "client_id": client_id,
            "kind": "card",
            "tool": "test_pick",
            "params": {"product_id": "P1"},
        }
        first = associate.post(associate.url(cid, "/messages"), body)
        again = associate.post(associate.url(cid, "/messages"), body)
        assert first.status_code == 200, first.text
        assert again.json()["id"] == first.json()["id"]  # idempotent, and acted once
        got = frames_until(ws, lambda f: f["type"] == "message" and f["message"]["kind"] == "card")
    assert ACTED[before:] == ["P1"]
    card = got[-1]["message"]["data"]["card"]
    no_commission(got[-1])
    assert card["title"] == "Reserved: Aurel Tote"
    assert card["items"][0]["price"] == 1450.0
    stored = [m for m in shopper.messages() if m["kind"] == "card"]
    assert len(stored) == 1 and stored[0]["data"]["card"] == card

    async def rows(db: Database) -> int:
        async with db.reader() as session:
            found = await session.scalars(
                select(Message).where(Message.conversation_id == cid, Message.kind == "card")
            )
            return len(found.all())

    assert server.run(rows) == 1


def test_budget_warning_needs_confirmation(server: LiveServer, site: SiteInfo) -> None:
    shopper, associate = chat(server, site, first="Looking for a tote")
    cid = shopper.conversation_id
    assert cid
    assert shopper.send("My budget is €500, nothing crazy").status_code == 200
    warned = preview(associate, cid, "test_pick", product_id="P1")
    expected = (
        "The shopper said their budget is €500; this is €1,450. Offer alternatives within budget?"
    )
    assert warned.json()["warnings"] == [expected]
    refused = send(associate, cid, "test_pick", params={"product_id": "P1"})
    assert refused.status_code == 409 and refused.json()["error"]["message"] == expected
    plain = associate.say(cid, "", kind="product_card", product_id="P1")
    assert plain.status_code == 409 and plain.json()["error"]["code"] == "budget_warning"
    assert cards(shopper) == []
    sent = send(associate, cid, "test_pick", params={"product_id": "P1"}, confirm=True)
    assert sent.status_code == 200, sent.text
    anyway = associate.say(cid, "", kind="product_card", product_id="P1", confirm=True)
    assert anyway.status_code == 200
    assert shopper.send("Actually up to 1,500 euros is fine").status_code == 200
    assert preview(associate, cid, "test_pick", product_id="P1").json()["warnings"] == []


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("my budget is €500", 500, "EUR"),
        ("under 300 euros please", 300, "EUR"),
        ("no more than $1,000", 1000, "USD"),
        ("around 400", 400, None),
        ("between 200 and 400", 400, None),
        ("between 200 and 400 euros", 400, "EUR"),
        ("budget de 500 €", 500, "EUR"),
        ("moins de 300 euros", 300, "EUR"),
        ("entre 200 et 400 €", 400, "EUR"),
        ("pas plus de 800€", 800, "EUR"),
        ("jusqu'à 1.500 euros", 1500, "EUR"),
        ("I have 1 000 € to spend", 1000, "EUR"),
        ("500€ max", 500, "EUR"),
        ("under £1,500.50", 1500.5, "GBP"),
        ("around 2k", 2000, None),
        ("I want 2 bags under 600", 600, None),
    ],
)
def test_budget_phrasings(text: str, amount: float, currency: str | None) -> None:
    budget = parse_budget(text)
    assert budget is not None, text
    assert (budget.amount, budget.currency) == (amount, currency)


@pytest.mark.parametrize(
    "text",
    [
        "size 38",
        "do you have it in size 38?",
        "order 10432",
        "my order 10432 is late",
        "2 bags",
        "I bought 2 and 3",
        "I need it by the 12th",
        "Call me at 0612345678",
        "is the €500 one lined?",
    ],
)
def test_not_a_budget(text: str) -> None:
    assert parse_budget(text) is None


def test_the_latest_stated_budget_wins() -> None:
    said = ["hello", "my budget is €500", "size 38", "ok, up to €900 then"]
    latest = stated_budget(said)
    assert latest is not None and latest.amount == 900
    assert budget_warning(latest, 1350.0, "EUR") is None  # 1.5x of 900: still fine
    assert budget_warning(latest, 1400.0, "EUR") is not None
    assert budget_warning(stated_budget(said[:2]), 750.0, "EUR") is None
    assert budget_warning(stated_budget(said[:2]), 2950.0, "USD") is None  # no rates: no guess


def shop_with_stores(server: LiveServer) -> SiteInfo:
    """Three bags of one category (one cheaper, in stock online) and one store holding the tote."""
    site = server.make_site([ORIGIN])

    async def rows(db: Database) -> None:
        async with db.writer() as session:
            for pid, name, price, stock in (
                ("B1", "Aurel Tote", "1450", 2),
                ("B2", "Mira Shoulder Bag", "1250", 1),
                ("B3", "Lune Pouch", "390", 4),
            ):
                await upsert_product(
                    session,
                    site.id,
                    pid,
                    name,
                    "bags",
                    Decimal(price),
                    "",
                    "",
                    [(f"{pid}-V", "black", "", stock)],
                    url=f"/shop/p/{pid}",
                )
            await session.flush()
            store = Location(
                id=new_id(), site_id=site.id, external_id="PRG", name="Paris Rive Gauche"
            )
            session.add(store)
            await session.flush()
            variant = await session.scalar(select(Variant).where(Variant.external_id == "B1-V"))
            assert variant is not None
            session.add(Inventory(variant_id=variant.id, location_id=store.id, quantity=2))

    server.run(rows)
    return site


def test_real_compare_and_stock_tools(server: LiveServer) -> None:
    site = shop_with_stores(server)
    shopper, associate = chat(server, site)
    cid = shopper.conversation_id
    assert cid
    compared = preview(associate, cid, "compare", product_ids=["B1", "B2"])
    assert compared.status_code == 200, compared.text
    card = compared.json()["card"]
    no_commission(compared.json())
    names = [i["name"] for i in card["items"]]
    assert names == ["Aurel Tote", "Mira Shoulder Bag", "Lune Pouch"]  # the cheaper alternative
    assert "cheaper alternative" in card["items"][2]["note"]
    one = preview(associate, cid, "compare", product_ids=["B1"])
    assert one.status_code == 422 and one.json()["error"]["field"] == "params.product_ids"
    sent = send(associate, cid, "stock", params={"product_id": "B1"})
    assert sent.status_code == 200, sent.text
    stock = cards(shopper)[-1]["data"]["card"]
    assert stock["kind"] == "stock"
    assert [i["name"] for i in stock["items"]] == ["Paris Rive Gauche"]
    no_commission(stock)
