"""Chat test helpers: shoppers and associates acting through the public HTTP and WebSocket API."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from salon.identity.service import SiteInfo
from tests.support import LiveServer, hex_id

ORIGIN = "https://shop.example"


@dataclass
class Shopper:
    base_url: str
    site: SiteInfo
    visitor_id: str = field(default_factory=hex_id)
    visit_id: str = field(default_factory=hex_id)
    token: str | None = None
    conversation_id: str | None = None

    def _headers(self) -> dict[str, str]:
        headers = {"Origin": ORIGIN}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def start(self, **fields: Any) -> httpx.Response:
        body = {
            "site_key": self.site.key,
            "visitor_id": self.visitor_id,
            "visit_id": self.visit_id,
            **fields,
        }
        answer = httpx.post(
            self.base_url + "/api/chat/conversations",
            json=body,
            headers=self._headers(),
            timeout=20,
        )
        if answer.status_code == 201:
            self.token = answer.json()["token"]
            self.conversation_id = answer.json()["conversation"]["id"]
        return answer

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.base_url}/api/chat/conversations/{self.conversation_id}{path}",
            headers=self._headers(),
            timeout=20,
            **kwargs,
        )

    def send(self, body: str, client_id: str | None = None) -> httpx.Response:
        return self.call(
            "POST", "/messages", json={"client_id": client_id or new_client_id(), "body": body}
        )

    def messages(self, after: int = 0) -> list[dict[str, Any]]:
        answer = self.call("GET", f"/messages?after={after}")
        assert answer.status_code == 200, answer.text
        result: list[dict[str, Any]] = answer.json()["messages"]
        return result

    @contextmanager
    def socket(self, last_seq: int = 0) -> Iterator[ClientConnection]:
        url = self.base_url.replace("http", "ws") + f"/ws/chat?site_key={self.site.key}"
        with connect(url, additional_headers={"Origin": ORIGIN}, open_timeout=5) as ws:
            ws.send(
                json.dumps(
                    {
                        "type": "hello",
                        "conversation_id": self.conversation_id,
                        "token": self.token,
                        "last_seq": last_seq,
                    }
                )
            )
            yield ws


@dataclass
class Associate:
    server: LiveServer
    site: SiteInfo
    email: str
    client: httpx.Client
    csrf: str
    id: str

    @classmethod
    def create(cls, server: LiveServer, site: SiteInfo, role: str = "associate") -> Associate:
        email = server.make_associate([site], role=role)
        client, csrf = server.login(email)
        me = client.get("/api/auth/me").json()
        return cls(server, site, email, client, csrf, me["associate"]["id"])

    def url(self, conversation_id: str, action: str = "") -> str:
        return f"/api/sites/{self.site.id}/chat/conversations/{conversation_id}{action}"

    def post(self, path: str, body: Any = None) -> httpx.Response:
        return self.client.post(
            path, json=body if body is not None else {}, headers={"X-CSRF-Token": self.csrf}
        )

    def claim(self, conversation_id: str) -> httpx.Response:
        return self.post(self.url(conversation_id, "/claim"))

    def say(
        self, conversation_id: str, body: str, kind: str = "text", **extra: Any
    ) -> httpx.Response:
        return self.post(
            self.url(conversation_id, "/messages"),
            {"client_id": new_client_id(), "kind": kind, "body": body, **extra},
        )

    def available(self, max_chats: int = 3) -> None:
        answer = self.client.put(
            "/api/chat/me",
            json={"availability": "available", "max_chats": max_chats},
            headers={"X-CSRF-Token": self.csrf},
        )
        assert answer.status_code == 200, answer.text

    @contextmanager
    def socket(self) -> Iterator[ClientConnection]:
        base = self.server.base_url
        headers = {
            "Origin": base,
            "Cookie": f"salon_session={self.client.cookies['salon_session']}",
        }
        with connect(
            base.replace("http", "ws") + "/ws/chat/console",
            additional_headers=headers,
            open_timeout=5,
        ) as ws:
            ws.send(json.dumps({"type": "hello", "csrf": self.csrf, "site_id": self.site.id}))
            yield ws


def new_client_id() -> str:
    return "c" + secrets.token_hex(8)


def frames_until(ws: ClientConnection, check: Any, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Read frames until one satisfies `check`; return everything read, that one last."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no matching frame; saw {[f.get('type') for f in seen]}"
        frame = json.loads(ws.recv(timeout=remaining))
        seen.append(frame)
        if check(frame):
            return seen
