"""The floor feed over a real WebSocket: snapshot, deltas, resume, resync and refusals."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from salon.identity.service import SiteInfo
from tests.support import LiveServer, batch, event, hex_id, shopping_events


@contextmanager
def floor_socket(
    base_url: str, client: httpx.Client | None, origin: str | None = None
) -> Iterator[ClientConnection]:
    """A console's socket: the browser sends the page's Origin and the session cookie."""
    headers = {"Origin": origin or base_url}
    if client is not None:
        headers["Cookie"] = f"salon_session={client.cookies['salon_session']}"
    url = base_url.replace("http", "ws") + "/ws/floor"
    with connect(url, additional_headers=headers, open_timeout=5) as socket:
        yield socket


def receive(socket: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(socket.recv(timeout=timeout))
    return frame


def hello(socket: ClientConnection, csrf: str, site: SiteInfo, last_seq: int | None = None) -> None:
    socket.send(
        json.dumps({"type": "hello", "csrf": csrf, "site_id": site.id, "last_seq": last_seq})
    )


def until_visit(
    socket: ClientConnection, visit_id: str, check: Any, timeout: float = 5.0
) -> tuple[int, dict[str, Any]]:
    """Read deltas until one carries the visit in a state `check` accepts."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, "the visit never arrived in the expected state"
        frame = receive(socket, remaining)
        for summary in frame.get("upsert", frame.get("visits", [])):
            if summary["id"] == visit_id and check(summary):
                return int(frame["seq"]), summary


def track(server: LiveServer, body: dict[str, Any]) -> str:
    answer = httpx.post(server.base_url + "/api/track", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["visit"])


@pytest.fixture(scope="module")
def shop(server: LiveServer) -> tuple[SiteInfo, httpx.Client, str]:
    site = server.make_site()
    client, csrf = server.login(server.make_associate([site]))
    return site, client, csrf


def test_snapshot_then_live_deltas_with_avatar(
    server: LiveServer, shop: tuple[SiteInfo, httpx.Client, str]
) -> None:
    site, client, csrf = shop
    with floor_socket(server.base_url, client) as socket:
        hello(socket, csrf, site)
        snapshot = receive(socket)
        assert snapshot["type"] == "snapshot" and snapshot["resync"] is False
        visit_id = track(server, batch(site, shopping_events(price=2450.0)))
        seq, summary = until_visit(socket, visit_id, lambda s: s["cart"]["items"] == 1)
        assert seq > snapshot["seq"]
        assert summary["cart"]["value"] == 2450.0
        assert summary["avatar"]["bag"] == 3  # a big cart carries a full bag
        assert summary["avatar"]["mood"] == "smile"
        assert summary["page"]["type"] == "product" and summary["high_value"] is True
        assert "in cart" in summary["avatar"]["tags"]


def test_resume_replays_missed_deltas_and_stale_sequences_resync(
    server: LiveServer, shop: tuple[SiteInfo, httpx.Client, str]
) -> None:
    site, client, csrf = shop
    visitor, visit = hex_id(), hex_id()
    with floor_socket(server.base_url, client) as socket:
        hello(socket, csrf, site)
        receive(socket)
        visit_id = track(server, batch(site, shopping_events(), visitor=visitor, visit=visit))
        last_seq, _ = until_visit(socket, visit_id, lambda s: s["cart"]["items"] == 1)
    # while disconnected, the shopper searches for a gift
    track(
        server,
        batch(
            site, [event("search", query="anniversary gift for her")], visitor=visitor, visit=visit
        ),
    )
    with floor_socket(server.base_url, client) as socket:
        hello(socket, csrf, site, last_seq=last_seq)
        frame = receive(socket)
        assert frame["type"] == "delta" and frame["seq"] == last_seq + 1
        _, summary = (
            until_visit(socket, visit_id, lambda s: s["avatar"]["gift"])
            if not any(u["id"] == visit_id and u["avatar"]["gift"] for u in frame["upsert"])
            else (frame["seq"], next(u for u in frame["upsert"] if u["id"] == visit_id))
        )
        assert "gift" in summary["avatar"]["tags"]
    with floor_socket(server.base_url, client) as socket:
        hello(socket, csrf, site, last_seq=1)  # long gone
        frame = receive(socket)
        assert frame["type"] == "snapshot" and frame["resync"] is True
        assert any(v["id"] == visit_id for v in frame["visits"])


def test_story_lists_pages_products_cart_and_events(
    server: LiveServer, shop: tuple[SiteInfo, httpx.Client, str]
) -> None:
    site, client, _ = shop
    visit_id = track(server, batch(site, shopping_events("P777", 980.0)))
    story = client.get(f"/api/sites/{site.id}/visits/{visit_id}").json()
    assert [p["type"] for p in story["pages"]] == ["product"]
    assert story["products"] == [
        {"product_id": "P777", "name": "Aurel tote", "views": 1, "price": 980.0}
    ]
    assert story["cart"][0]["product_id"] == "P777" and story["cart"][0]["quantity"] == 1
    assert [e["type"] for e in story["events"]] == [
        "page_view",
        "product_view",
        "variant_select",
        "add_to_cart",
    ]
    assert "Aurel tote" in story["events"][-1]["detail"]
    assert story["customer"] is None


def test_other_sites_are_invisible(
    server: LiveServer, shop: tuple[SiteInfo, httpx.Client, str]
) -> None:
    site, client, csrf = shop
    other = server.make_site(name="Someone else's shop")
    visit_id = track(server, batch(other, shopping_events()))
    answer = client.get(f"/api/sites/{other.id}/visits/{visit_id}")
    assert answer.status_code == 404
    # the same visit id under the associate's own site does not exist either
    assert client.get(f"/api/sites/{site.id}/visits/{visit_id}").status_code == 404
    with floor_socket(server.base_url, client) as socket:
        hello(socket, csrf, other)
        frame = receive(socket)
        assert frame == {"type": "error", "code": "not_found", "message": "site not found"}
        with pytest.raises(ConnectionClosed):
            receive(socket)


def test_socket_refuses_foreign_origin_missing_session_and_bad_csrf(
    server: LiveServer, shop: tuple[SiteInfo, httpx.Client, str]
) -> None:
    site, client, _ = shop
    with (
        pytest.raises(InvalidStatus) as foreign,
        floor_socket(server.base_url, client, origin="https://evil.example"),
    ):
        pass
    assert foreign.value.response.status_code == 403
    with pytest.raises(InvalidStatus), floor_socket(server.base_url, None):
        pass
    with floor_socket(server.base_url, client) as socket:
        hello(socket, "forged", site)
        assert receive(socket)["code"] == "csrf"


def test_logout_closes_open_sockets(server: LiveServer) -> None:
    site = server.make_site()
    client, csrf = server.login(server.make_associate([site]))
    with floor_socket(server.base_url, client) as socket:
        hello(socket, csrf, site)
        assert receive(socket)["type"] == "snapshot"
        assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        deadline = time.monotonic() + 6
        with pytest.raises(ConnectionClosed):
            while time.monotonic() < deadline:
                frame = receive(socket, timeout=deadline - time.monotonic())
                if frame.get("type") == "error":
                    assert frame["code"] == "unauthorized"
