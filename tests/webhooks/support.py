"""Webhook test support: a real HTTP receiver on loopback, and the API calls the tests repeat."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.webhooks.service import enqueue
from tests.support import LiveServer

MAX_ATTEMPTS = 3  # the live server's webhook_max_attempts
Answer = int | tuple[int, dict[str, str]]


@dataclass
class Received:
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def delivery(self) -> str:
        return self.headers["salon-delivery"]


@dataclass
class Receiver:
    """Answers the scripted statuses in order, then `default`."""

    script: list[Answer] = field(default_factory=list)
    default: int = 200
    requests: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, headers = receiver._answer(
                    {k.lower(): v for k, v in self.headers.items()}, body
                )
                reply = b"ok" if status < 300 else b"receiver says no"
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str]]:
        with self._lock:
            self.requests.append(Received(headers, body))
            answer = self.script.pop(0) if self.script else self.default
        return answer if isinstance(answer, tuple) else (answer, {})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/salon"

    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def supervisor(server: LiveServer, site: SiteInfo, role: str = "supervisor") -> httpx.Client:
    client, csrf = server.login(server.make_associate([site], role=role))
    client.headers["X-CSRF-Token"] = csrf
    return client


def create_endpoint(
    client: httpx.Client, site: SiteInfo, url: str, events: list[str], **more: Any
) -> dict[str, Any]:
    answer = client.post(
        f"/api/sites/{site.id}/webhooks", json={"url": url, "events": events, **more}
    )
    assert answer.status_code == 201, answer.text
    endpoint: dict[str, Any] = answer.json()["endpoint"]
    return endpoint


def send_event(server: LiveServer, site_id: str, event: str, data: dict[str, Any]) -> list[str]:
    """What a playbook does: enqueue inside its own committed transaction."""

    async def go(db: Database) -> list[str]:
        async with db.writer() as session:
            return await enqueue(session, site_id, event, data)

    ids: list[str] = server.run(go)
    return ids


def deliveries(client: httpx.Client, site: SiteInfo, **query: Any) -> list[dict[str, Any]]:
    answer = client.get(f"/api/sites/{site.id}/webhooks/deliveries", params=query)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["deliveries"]
    return found


def delivery(client: httpx.Client, site: SiteInfo, delivery_id: str) -> dict[str, Any]:
    return next(d for d in deliveries(client, site) if d["id"] == delivery_id)
