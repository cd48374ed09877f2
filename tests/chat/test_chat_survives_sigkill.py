"""Kill the server (SIGKILL) mid-conversation, start it again: the shopper resumes from its last
sequence and gets exactly the messages it missed; every acknowledged message is there once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from salon.db.engine import Database
from salon.identity.service import SiteInfo, create_associate, create_site
from tests.chat.support import ORIGIN, Shopper, frames_until
from tests.support import PASSWORD, ServerProcess, free_port, fresh_database


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_resume_after_sigkill(kind: str, tmp_path: Path) -> None:
    with fresh_database(kind, str(tmp_path)) as url:
        port = free_port()

        async def setup() -> tuple[SiteInfo, str]:
            db = Database(url)
            try:
                site = await create_site(db, "Kill shop", [ORIGIN])
                email = "killer@example.com"
                await create_associate(db, email, "Nick", PASSWORD, "associate", [site.id])
                return site, email
            finally:
                await db.dispose()

        site, email = asyncio.run(setup())
        server = ServerProcess(url, port, tmp_path / "server.log")
        try:
            _run(server, site, email, url, port, tmp_path)
        finally:
            server.kill()


def _run(
    server: ServerProcess, site: SiteInfo, email: str, url: str, port: int, tmp_path: Path
) -> None:
    import httpx

    shopper = Shopper(server.base_url, site)
    assert shopper.start(message="hello").status_code == 201
    associate = httpx.Client(base_url=server.base_url)
    csrf = associate.post("/api/auth/login", json={"email": email, "password": PASSWORD}).json()[
        "csrf_token"
    ]
    base = f"/api/sites/{site.id}/chat/conversations/{shopper.conversation_id}"
    assert associate.post(base + "/claim", headers={"X-CSRF-Token": csrf}).status_code == 200

    acked: dict[str, dict[str, Any]] = {}
    received: list[int] = []
    with shopper.socket() as ws:
        for n in range(5):
            ws.send(
                json.dumps(
                    {"type": "send", "client_id": f"before-kill-{n:04d}", "body": f"shopper {n}"}
                )
            )
            ack = frames_until(ws, lambda f: f["type"] == "ack")
            received += [f["message"]["seq"] for f in ack if f["type"] == "message"]
            acked[ack[-1]["client_id"]] = ack[-1]
        last_seen = max(received + [a["seq"] for a in acked.values()])
        # the associate keeps writing; the shopper's socket stops reading here
        for n in range(3):
            answer = associate.post(
                base + "/messages",
                headers={"X-CSRF-Token": csrf},
                json={"client_id": f"assoc-{n:06d}", "kind": "text", "body": f"associate {n}"},
            )
            assert answer.status_code == 200
        server.kill()  # SIGKILL mid-conversation
        with pytest.raises((ConnectionClosed, TimeoutError, EOFError)):
            while True:
                ws.recv(timeout=5)
    associate.close()

    restarted = ServerProcess(url, port, tmp_path / "server.log")
    try:
        with shopper.socket(last_seq=last_seen) as ws:
            frames = frames_until(
                ws,
                lambda f: f["type"] == "message" and f["message"]["body"] == "associate 2",
                timeout=10,
            )
            replay = [f["message"] for f in frames if f["type"] == "message"]
            stored = [m for m in shopper.messages() if m["seq"] > last_seen]
            assert [m["seq"] for m in replay] == [m["seq"] for m in stored]  # exactly the missing
            assert [m["body"] for m in replay][-3:] == ["associate 0", "associate 1", "associate 2"]
            # a retry of an acknowledged send after the restart: same id, not stored twice
            ws.send(
                json.dumps({"type": "send", "client_id": "before-kill-0004", "body": "shopper 4"})
            )
            again = frames_until(ws, lambda f: f["type"] == "ack")[-1]
            assert (again["id"], again["seq"]) == (
                acked["before-kill-0004"]["id"],
                acked["before-kill-0004"]["seq"],
            )
        everything = shopper.messages()
        by_id = {m["id"]: m for m in everything}
        for ack in acked.values():
            assert by_id[ack["id"]]["seq"] == ack["seq"]  # every acknowledged message, once
        bodies = [m["body"] for m in everything if m["kind"] == "text"]
        assert bodies == ["hello"] + [f"shopper {n}" for n in range(5)] + [
            f"associate {n}" for n in range(3)
        ]
        assert [m["seq"] for m in everything] == list(range(1, len(everything) + 1))
    finally:
        restarted.kill()
