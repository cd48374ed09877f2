"""A killed and restarted server shows the same floor: live state is rebuilt from stored events."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from salon.db.engine import Database
from salon.identity.service import SiteInfo, create_associate, create_site
from tests.floor.test_floor_feed import floor_socket, hello, receive
from tests.support import PASSWORD, ServerProcess, batch, event, free_port, shopping_events


@pytest.fixture()
def sqlite_file(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite+aiosqlite:///{tmp_path}/restart.db"


def test_floor_survives_a_sigkill(sqlite_file: str, tmp_path: Path) -> None:
    port = free_port()
    first = ServerProcess(sqlite_file, port, tmp_path / "server.log")

    async def setup() -> tuple[SiteInfo, str]:
        db = Database(sqlite_file)
        try:
            site = await create_site(db, "Restart shop", ["https://shop.example"])
            email = "restart@example.com"
            await create_associate(db, email, "R", PASSWORD, "associate", [site.id])
            return site, email
        finally:
            await db.dispose()

    site, email = asyncio.run(setup())
    carts = {}
    for price in (120.0, 880.0, 4100.0):
        answer = httpx.post(
            first.base_url + "/api/track", json=batch(site, shopping_events(price=price))
        )
        assert answer.status_code == 200
        carts[answer.json()["visit"]] = price
    search = batch(site, [event("search", query="wedding gift")])
    carts[httpx.post(first.base_url + "/api/track", json=search).json()["visit"]] = 0.0

    def floor(base_url: str) -> dict[str, dict[str, object]]:
        with httpx.Client(base_url=base_url) as client:
            csrf = client.post(
                "/api/auth/login", json={"email": email, "password": PASSWORD}
            ).json()["csrf_token"]
            with floor_socket(base_url, client) as socket:
                hello(socket, csrf, site)
                snapshot = receive(socket)
        return {v["id"]: v for v in snapshot["visits"]}

    before = floor(first.base_url)
    assert {k: v["cart"]["value"] for k, v in before.items()} == carts  # type: ignore[index]
    first.kill()

    second = ServerProcess(sqlite_file, port, tmp_path / "server.log")
    try:
        after = floor(second.base_url)
        assert set(after) == set(before)
        for visit_id, summary in before.items():
            for key in ("cart", "page", "label", "page_count"):
                assert after[visit_id][key] == summary[key], key
            for key in ("mood", "bag", "ribbon", "star", "gift"):  # reasons move with the clock
                assert after[visit_id]["avatar"][key] == summary["avatar"][key], key
    finally:
        second.kill()
