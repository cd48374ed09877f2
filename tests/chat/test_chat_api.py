"""Chat through real HTTP and WebSockets, on SQLite and PostgreSQL."""

from __future__ import annotations

import concurrent.futures
import re
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from salon.catalog.service import upsert_product
from salon.chat.models import Conversation, Message
from salon.db.engine import Database
from salon.identity.service import SiteInfo
from tests.chat.support import ORIGIN, Associate, Shopper, frames_until, new_client_id
from tests.support import LiveServer, batch, event, wait_for


@pytest.fixture(scope="module")
def site(server: LiveServer) -> SiteInfo:
    return shop_with_catalogue(server)


def shop_with_catalogue(server: LiveServer) -> SiteInfo:
    """A site of its own (an empty queue) with one product for cards."""
    site = server.make_site([ORIGIN])

    async def catalogue(db: Database) -> None:
        from decimal import Decimal

        async with db.writer() as session:
            await upsert_product(
                session,
                site.id,
                "P1",
                "Aurel Tote",
                "bags",
                Decimal("1450"),
                "",
                "/img/p1.svg",
                [],
                url="/shop/p/P1",
            )

    server.run(catalogue)
    return site


def shopper(server: LiveServer, site: SiteInfo) -> Shopper:
    return Shopper(server.base_url, site)


def count(server: LiveServer, model: Any, *where: Any) -> int:
    async def query(db: Database) -> int:
        async with db.reader() as session:
            return int(
                await session.scalar(select(func.count()).select_from(model).where(*where)) or 0
            )

    result: int = server.run(query)
    return result


def test_start_queue_and_reference(server: LiveServer, site: SiteInfo) -> None:
    alice = shopper(server, site)
    answer = alice.start(name="Alice", email="alice@example.com", message="Is the tote in tan?")
    assert answer.status_code == 201, answer.text
    conversation = answer.json()["conversation"]
    assert re.fullmatch(r"SAL-[A-Z2-9]{6}", conversation["reference"])
    assert conversation["status"] == "queued" and conversation["queue"]["position"] >= 1
    assert conversation["queue"]["eta_seconds"] is None  # nobody available: no promise
    assert len(answer.json()["token"]) >= 43  # 256 bits, url-safe
    kinds = [(m["kind"], m["sender"]) for m in alice.messages()]
    assert kinds == [("system", "system"), ("text", "visitor")]
    again = Shopper(server.base_url, site, visitor_id=alice.visitor_id, visit_id=alice.visit_id)
    refused = again.start()
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "open_conversation"
    resumed = alice.start()
    assert resumed.status_code == 200
    assert resumed.json()["conversation"]["id"] == alice.conversation_id
    assert "token" not in resumed.json()


def test_twenty_concurrent_starts_open_one_conversation(server: LiveServer, site: SiteInfo) -> None:
    visitor = Shopper(server.base_url, site)
    attempts = [
        Shopper(server.base_url, site, visitor_id=visitor.visitor_id, visit_id=visitor.visit_id)
        for _ in range(20)
    ]
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        statuses = sorted(pool.map(lambda s: s.start().status_code, attempts))
    assert statuses == [201] + [409] * 19

    async def open_ones(db: Database) -> int:
        from salon.tracking.models import Visitor

        async with db.reader() as session:
            return int(
                await session.scalar(
                    select(func.count(Conversation.id))
                    .join(Visitor, Visitor.id == Conversation.visitor_id)
                    .where(
                        Visitor.visitor_key == visitor.visitor_id, Conversation.status != "closed"
                    )
                )
                or 0
            )

    assert server.run(open_ones) == 1


def test_sends_are_idempotent_and_totally_ordered(server: LiveServer, site: SiteInfo) -> None:
    bob = shopper(server, site)
    assert bob.start().status_code == 201
    client_id = new_client_id()
    first = bob.send("hello", client_id).json()
    retry = bob.send("hello again (a retry)", client_id).json()
    assert first == retry  # same server id and sequence, one message stored
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        acks = list(pool.map(lambda n: bob.send(f"m{n}").json(), range(16)))
    seqs = sorted(a["seq"] for a in acks)
    assert seqs == list(range(seqs[0], seqs[0] + 16))  # no two share a number, none skipped
    stored = bob.messages()
    assert [m["seq"] for m in stored] == sorted(m["seq"] for m in stored)
    assert [m["body"] for m in stored].count("hello") == 1
    assert all(m["sender"] == "visitor" for m in stored if m["kind"] == "text")


def test_the_server_sets_sender_and_time(server: LiveServer, site: SiteInfo) -> None:
    eve = shopper(server, site)
    eve.start()
    forged = eve.call(
        "POST",
        "/messages",
        json={"client_id": new_client_id(), "body": "hi", "sender": "associate", "seq": 1},
    )
    assert forged.status_code == 422 and "sender" in forged.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"client_id": "c123456789", "body": "x" * 10_001}, 422),
        ({"client_id": "c123456789", "body": ""}, 422),
        ({"client_id": "bad id!", "body": "hi"}, 422),
        ({"body": "no client id"}, 422),
    ],
)
def test_bad_messages_are_refused_and_change_nothing(
    server: LiveServer, site: SiteInfo, body: dict[str, Any], status: int
) -> None:
    carol = shopper(server, site)
    carol.start()
    before = len(carol.messages())
    answer = carol.call("POST", "/messages", json=body)
    assert answer.status_code == status
    assert answer.json()["error"]["message"]
    assert len(carol.messages()) == before


def test_a_visitor_cannot_touch_another_visitors_conversation(
    server: LiveServer, site: SiteInfo
) -> None:
    victim, attacker = shopper(server, site), shopper(server, site)
    victim.start(email="victim@example.com")
    attacker.start()
    stolen = Shopper(
        server.base_url, site, token=attacker.token, conversation_id=victim.conversation_id
    )
    for method, path, body in [
        ("GET", "", None),
        ("GET", "/messages", None),
        ("POST", "/messages", {"client_id": new_client_id(), "body": "hijack"}),
        ("POST", "/close", {}),
        ("POST", "/rating", {"score": 1}),
        ("POST", "/transcript", {"email": "attacker@example.com"}),
    ]:
        answer = stolen.call(method, path, json=body)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["error"]["code"] == "not_found"
    assert all(m["body"] != "hijack" for m in victim.messages())
    with stolen.socket() as ws:
        frame = frames_until(ws, lambda f: f["type"] == "error")[-1]
        assert frame["code"] == "not_found"
    no_token = Shopper(server.base_url, site, conversation_id=victim.conversation_id)
    assert no_token.call("GET", "").status_code == 404


def test_two_associates_claiming_at_once_exactly_one_wins(
    server: LiveServer, site: SiteInfo
) -> None:
    dana = shopper(server, site)
    dana.start(message="help")
    nick, amara = Associate.create(server, site), Associate.create(server, site)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda a: a.claim(dana.conversation_id).status_code, [nick, amara]))
    assert sorted(results) == [200, 409]
    joined = [m for m in dana.messages() if m["data"].get("event") == "joined"]
    assert len(joined) == 1


def test_site_b_sees_nothing_of_site_a(server: LiveServer, site: SiteInfo) -> None:
    frank = shopper(server, site)
    frank.start(message="private")
    other_site = server.make_site(["https://other.example"], name="Other")
    outsider = Associate.create(server, other_site)
    assert (
        outsider.client.get(
            f"/api/sites/{site.id}/chat/conversations/{frank.conversation_id}"
        ).status_code
        == 404
    )
    assert outsider.client.get(f"/api/sites/{site.id}/chat/queue").status_code == 404
    own = outsider.client.get(
        f"/api/sites/{other_site.id}/chat/conversations/{frank.conversation_id}"
    )
    assert own.status_code == 404
    assert outsider.claim(frank.conversation_id).status_code == 404


def test_routing_notes_tools_transfer_close_and_rating(server: LiveServer) -> None:
    site = shop_with_catalogue(server)
    nick, amara = Associate.create(server, site), Associate.create(server, site)
    grace = shopper(server, site)
    with nick.socket() as nick_console, amara.socket() as amara_console:
        frames_until(nick_console, lambda f: f["type"] == "queue")
        frames_until(amara_console, lambda f: f["type"] == "queue")
        nick.available(max_chats=1)
        amara.available(max_chats=1)
        grace.start(name="Grace", email="grace@example.com", message="Which size?")
        # Both are free and equally loaded: either may get her; only the owner's console hears it.
        picked = wait_for(
            lambda: (
                nick.client.get(nick.url(grace.conversation_id))
                .json()["conversation"]
                .get("associate")
            ),
            timeout=10,
        )
        owner = nick if picked["id"] == nick.id else amara
        routed = frames_until(
            nick_console if owner is nick else amara_console,
            lambda f: (
                f["type"] == "conversation"
                and f["conversation"]["id"] == grace.conversation_id
                and f["conversation"]["status"] == "active"
            ),
            timeout=10,
        )[-1]
    assert routed["conversation"]["associate"]["id"] == owner.id
    other = amara if owner is nick else nick
    with grace.socket() as ws:
        state = frames_until(ws, lambda f: f["type"] == "state")[-1]["conversation"]
        assert state["status"] == "active" and state["associate"]["name"] == "Nick Tester"
        assert owner.say(grace.conversation_id, "internal: VIP", kind="note").status_code == 200
        card = owner.say(grace.conversation_id, "", kind="product_card", product_id="P1")
        assert card.status_code == 200, card.text
        got = frames_until(
            ws, lambda f: f["type"] == "message" and f["message"]["kind"] == "product_card"
        )
        assert all(f["message"]["kind"] != "note" for f in got if f["type"] == "message")
        data = got[-1]["message"]["data"]
        assert data["url"] == f"{ORIGIN}/shop/p/P1" and data["price"] == 1450.0
    push_out = owner.say(
        grace.conversation_id, "", kind="page_push", url="https://evil.example/phish"
    )
    assert push_out.status_code == 422
    push = owner.say(
        grace.conversation_id, "", kind="page_push", url=f"{ORIGIN}/shop/p/P1", title="Aurel Tote"
    )
    assert push.status_code == 200
    assert other.say(grace.conversation_id, "not mine").status_code == 403
    assert "internal: VIP" not in [m["body"] for m in grace.messages()]
    moved = owner.post(owner.url(grace.conversation_id, "/transfer"), {"associate_id": other.id})
    assert moved.status_code == 200 and moved.json()["conversation"]["associate"]["id"] == other.id
    assert grace.call("POST", "/rating", json={"score": 5}).status_code == 409  # still open
    assert other.post(other.url(grace.conversation_id, "/close")).status_code == 200
    assert (
        grace.call("POST", "/rating", json={"score": 5, "comment": "lovely"}).json()["rating"] == 5
    )
    assert grace.call("POST", "/rating", json={"score": 1}).status_code == 409  # once
    events = [m["data"].get("event") for m in grace.messages() if m["kind"] == "system"]
    assert events[-2:] == ["transferred", "closed"]


def test_visitor_socket_replays_after_last_seq_and_acks_after_commit(
    server: LiveServer, site: SiteInfo
) -> None:
    henry = shopper(server, site)
    henry.start(message="first")
    nick = Associate.create(server, site)
    assert nick.claim(henry.conversation_id).status_code == 200
    history = henry.messages()
    last = history[1]["seq"]
    with henry.socket(last_seq=last) as ws:
        replay = frames_until(
            ws, lambda f: f["type"] == "message" and f["message"]["seq"] == history[-1]["seq"]
        )
        replayed = [f["message"]["seq"] for f in replay if f["type"] == "message"]
        assert replayed == [m["seq"] for m in history if m["seq"] > last]
        ws.send('{"type": "send", "client_id": "ws-client-0001", "body": "over the socket"}')
        ack = frames_until(ws, lambda f: f["type"] == "ack")[-1]
        assert ack["client_id"] == "ws-client-0001" and ack["seq"] > history[-1]["seq"]
        ws.send('{"type": "send", "client_id": "ws-client-0001", "body": "over the socket"}')
        again = frames_until(ws, lambda f: f["type"] == "ack")[-1]
        assert (again["id"], again["seq"]) == (ack["id"], ack["seq"])
        ws.send('{"type": "send", "client_id": "ws-client-0002", "body": "' + "y" * 10_001 + '"}')
        error = frames_until(ws, lambda f: f["type"] == "error")[-1]
        assert error["code"] == "invalid"
        with nick.socket() as console:
            ws.send('{"type": "typing", "on": true}')
            typing = frames_until(console, lambda f: f["type"] == "typing")[-1]
            assert typing == {
                "type": "typing",
                "conversation_id": henry.conversation_id,
                "on": True,
            }
            console.send(
                '{"type": "typing", "conversation_id": "'
                + str(henry.conversation_id)
                + '", "on": true}'
            )
            assert frames_until(ws, lambda f: f["type"] == "typing")[-1]["name"] == "Nick Tester"
            assert nick.say(henry.conversation_id, "live from Nick").status_code == 200
            live = frames_until(
                ws, lambda f: f["type"] == "message" and f["message"]["body"] == "live from Nick"
            )[-1]
            assert live["replay"] is False and live["message"]["author"] == "Nick Tester"
    bodies = [m["body"] for m in henry.messages()]
    assert bodies.count("over the socket") == 1


def test_orders_after_a_chat_are_credited_to_the_associate(
    server: LiveServer, site: SiteInfo
) -> None:
    iris = shopper(server, site)
    iris.start(message="gift ideas?")
    nick = Associate.create(server, site)
    nick.claim(iris.conversation_id)
    purchase = batch(
        site,
        [event("purchase", order_id="MA-ATTR-1", total=2950.0)],
        visitor=iris.visitor_id,
        visit=iris.visit_id,
    )
    assert httpx.post(server.base_url + "/api/track", json=purchase).status_code == 200
    assert httpx.post(server.base_url + "/api/track", json=purchase).status_code == 200  # retry
    report = nick.client.get(f"/api/sites/{site.id}/chat/attribution").json()
    mine = next(a for a in report["associates"] if a["id"] == nick.id)
    assert (mine["orders"], mine["revenue"]) == (1, 2950.0)
    assert report["orders"][0]["order_id"] == "MA-ATTR-1"
    stranger = batch(site, [event("purchase", order_id="MA-ATTR-2", total=10.0)])
    httpx.post(server.base_url + "/api/track", json=stranger)
    report = nick.client.get(f"/api/sites/{site.id}/chat/attribution").json()
    assert "MA-ATTR-2" not in [o["order_id"] for o in report["orders"]]


def test_messages_stored_match_what_was_acknowledged(server: LiveServer, site: SiteInfo) -> None:
    jane = shopper(server, site)
    jane.start()
    acks = [jane.send(f"n{n}").json() for n in range(5)]
    assert (
        count(
            server, Message, Message.conversation_id == jane.conversation_id, Message.kind == "text"
        )
        == 5
    )
    assert {a["id"] for a in acks} == {m["id"] for m in jane.messages() if m["kind"] == "text"}


def test_a_chatting_visitor_wears_a_speech_bubble_on_the_floor(server: LiveServer) -> None:
    from tests.floor.test_floor_feed import floor_socket, hello, receive, until_visit

    site = shop_with_catalogue(server)
    nick = Associate.create(server, site)
    kate = shopper(server, site)
    tracked = httpx.post(
        server.base_url + "/api/track",
        json=batch(
            site,
            [event("page_view", url=f"{ORIGIN}/shop", title="Home", page_type="home")],
            visitor=kate.visitor_id,
            visit=kate.visit_id,
        ),
    )
    visit_id = tracked.json()["visit"]
    with floor_socket(server.base_url, nick.client) as ws:
        hello(ws, nick.csrf, site)
        receive(ws)
        kate.start(message="hello?")
        _, summary = until_visit(ws, visit_id, lambda s: s["avatar"]["bubble"])
        assert "waiting for chat" in summary["avatar"]["tags"]
        kate.call("POST", "/close")
        until_visit(ws, visit_id, lambda s: not s["avatar"]["bubble"])


def test_a_socket_opened_while_queued_reaches_the_associate_who_claims_later(
    server: LiveServer, site: SiteInfo
) -> None:
    leo = shopper(server, site)
    leo.start()
    nick = Associate.create(server, site)
    with leo.socket() as ws, nick.socket() as console:
        frames_until(console, lambda f: f["type"] == "queue")
        assert nick.claim(str(leo.conversation_id)).status_code == 200
        ws.send('{"type": "send", "client_id": "late-claim-0001", "body": "still there?"}')
        frames_until(ws, lambda f: f["type"] == "ack")
        got = frames_until(
            console, lambda f: f["type"] == "message" and f["message"]["body"] == "still there?"
        )[-1]
        assert got["conversation_id"] == leo.conversation_id
        assert got["message"]["client_id"] == "late-claim-0001"


def test_widget_calls_from_the_store_domain_pass_cors_and_widget_js_is_compressed(
    server: LiveServer,
) -> None:
    preflight = httpx.options(
        server.base_url + "/api/chat/conversations",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in preflight.headers
    widget = httpx.get(server.base_url + "/widget.js", headers={"Accept-Encoding": "gzip"})
    assert widget.headers["content-encoding"] == "gzip"
    assert len(widget.content) > 0 and "window.Salon" in widget.text


def test_a_frame_over_64_kib_closes_the_socket_with_1009(
    server: LiveServer, site: SiteInfo
) -> None:
    from websockets.exceptions import ConnectionClosed

    mia = shopper(server, site)
    mia.start()
    with mia.socket() as ws:
        frames_until(ws, lambda f: f["type"] == "state")
        ws.send('{"type": "send", "client_id": "big-frame-001", "body": "' + "z" * 70_000 + '"}')
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    assert all(m["client_id"] != "big-frame-001" for m in mia.messages())
