"""Security hardening that every answer and socket keeps (issue 8, part 3; RELIABILITY.md 6-9):
strict headers, exact origin matching before any WebSocket upgrade, and secrets that never
travel in a URL nor land in a log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from salon.db.engine import Database
from salon.identity.service import create_associate, create_site
from tests.chat.support import ORIGIN, Shopper, frames_until
from tests.support import PASSWORD, LiveServer, ServerProcess, free_port, fresh_database


@pytest.fixture(scope="module")
def server(sqlite_url: str) -> Iterator[LiveServer]:
    """Headers and handshakes do not depend on the database: SQLite only."""
    running = LiveServer.start(sqlite_url)
    yield running
    running.stop()


def test_every_kind_of_answer_carries_a_strict_policy(server: LiveServer) -> None:
    for path in ("/console", "/widget.js", "/api/auth/me", "/static/console/floor.js", "/nowhere"):
        answer = httpx.get(server.base_url + path)
        csp = answer.headers["content-security-policy"]
        directives = dict(
            ([*part.strip().split(" ", 1), ""])[:2] for part in csp.split(";") if part.strip()
        )
        assert directives["default-src"] == "'self'", path
        assert directives["script-src"] == "'self'", path  # no inline script, no eval, no CDN
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in csp and "*" not in csp, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "null",
        "{base}.evil.example",  # the allowed origin as a prefix of another host
        "{base}:1",  # another port
        "{scheme}s://{host}",  # another scheme
        "http://evil.example/{base}",
    ],
)
def test_console_sockets_match_the_origin_exactly_before_the_upgrade(
    server: LiveServer, origin: str
) -> None:
    site = server.make_site()
    client, _ = server.login(server.make_associate([site]))
    base = server.base_url
    forged = origin.format(base=base, scheme="http", host=base.removeprefix("http://"))
    cookie = f"salon_session={client.cookies['salon_session']}"
    for path in ("/ws/floor", "/ws/chat/console"):
        with pytest.raises(InvalidStatus) as refused:  # noqa: SIM117
            with connect(
                base.replace("http", "ws") + path,
                additional_headers={"Origin": forged, "Cookie": cookie},
                open_timeout=5,
            ):
                pass
        assert refused.value.response.status_code == 403, (path, forged)


def test_the_widget_socket_matches_the_sites_origins_exactly(server: LiveServer) -> None:
    site = server.make_site([ORIGIN])
    shopper = Shopper(server.base_url, site)
    assert shopper.start(message="hello").status_code == 201
    url = server.base_url.replace("http", "ws") + f"/ws/chat?site_key={site.key}"
    for forged in (ORIGIN + ".evil.example", ORIGIN.replace("https", "http"), "null"):
        refused = False
        try:
            with connect(url, additional_headers={"Origin": forged}, open_timeout=5) as ws:
                ws.send(
                    json.dumps(
                        {
                            "type": "hello",
                            "conversation_id": shopper.conversation_id,
                            "token": shopper.token,
                        }
                    )
                )
                frame = json.loads(ws.recv(timeout=5))
                refused = frame["type"] == "error"
        except InvalidStatus as exc:
            refused = exc.response.status_code == 403
        assert refused, forged


def test_secrets_never_travel_in_urls_nor_land_in_logs(tmp_path: Path) -> None:
    """Session, CSRF and shopper tokens, the site secret: not in any URL, not in the node's log."""
    with fresh_database("sqlite", str(tmp_path)) as url:

        async def setup() -> tuple[object, str]:
            db = Database(url)
            try:
                site = await create_site(db, "Quiet shop", [ORIGIN])
                await create_associate(db, "quiet@example.com", "Q", PASSWORD, "admin", [site.id])
                return site, site.secret
            finally:
                await db.dispose()

        site, secret = asyncio.run(setup())
        log = tmp_path / "node.log"
        node = ServerProcess(url, free_port(), log, {"SALON_LOG_LEVEL": "info"})
        try:
            seen_urls: list[str] = []
            with httpx.Client(
                base_url=node.base_url,
                event_hooks={"request": [lambda r: seen_urls.append(str(r.url))]},
            ) as client:
                answer = client.post(
                    "/api/auth/login", json={"email": "quiet@example.com", "password": PASSWORD}
                )
                csrf = answer.json()["csrf_token"]
                session = client.cookies["salon_session"]
                client.post("/api/auth/login", json={"email": "quiet@example.com", "password": "x"})
                shopper = Shopper(node.base_url, site)  # type: ignore[arg-type]
                assert shopper.start(message="my order").status_code == 201
                with shopper.socket() as ws:
                    ws.send(json.dumps({"type": "send", "client_id": "c-quiet-01", "body": "hi"}))
                    frames_until(ws, lambda f: f["type"] == "ack")
                assert (
                    client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code
                    == 204
                )
        finally:
            node.kill()
        secrets_ = {"session": session, "csrf": csrf, "chat": shopper.token, "site": secret}
        text = log.read_text(errors="replace")
        assert "Application startup complete" in text  # the log was written at info level
        for name, value in secrets_.items():
            assert value and value not in text, f"the {name} token is in the log"
            assert not any(value in u for u in seen_urls), f"the {name} token is in a URL"
