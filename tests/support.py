"""Test support: real servers on loopback, fresh databases, and factories for the public API."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from salon.config import Settings
from salon.db.engine import Database
from salon.db.migrate import upgrade
from salon.identity.service import SiteInfo, create_associate, create_site
from salon.web.app import create_app

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    """Poll until `condition()` is truthy; fail with a clear message after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


async def async_wait_for(
    condition: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


@contextlib.contextmanager
def fresh_database(kind: str, tmp_dir: str, revision: str = "head") -> Iterator[str]:
    """A database of `kind` (sqlite or postgresql) migrated to `revision`; dropped afterwards."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_dir}/salon-{secrets.token_hex(4)}.db"
        upgrade(url, revision)
        yield url
        return
    import asyncpg

    name = f"salon_t_{secrets.token_hex(6)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    try:
        upgrade(url, revision)
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def serve_in_thread(app: Any, name: str = "test server") -> Iterator[str]:
    """Any ASGI app on a free loopback port, in a thread; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="off", log_level="warning", ws="none", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout=10, interval=0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@dataclass
class LiveServer:
    """Salon served by uvicorn in a thread on a loopback port: real HTTP and WebSockets."""

    settings: Settings
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread
    clients: list[httpx.Client] = field(default_factory=list)

    @classmethod
    def start(cls, database_url: str, port: int | None = None, **overrides: Any) -> LiveServer:
        port = port or free_port()
        overrides.setdefault("api_calls_per_minute", 100_000)  # tests/identity sets a real one
        settings = Settings(
            database_url=database_url,
            host="127.0.0.1",
            port=port,
            floor_flush_ms=50,
            **overrides,
        )
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws_max_size=64 * 1024,
            lifespan="on",
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        live = cls(settings, f"http://127.0.0.1:{port}", server, thread)
        wait_for(live._healthy, timeout=20)
        return live

    def _healthy(self) -> bool:
        try:
            return httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        self.server.should_exit = True
        self.thread.join(timeout=15)

    def run(self, coro_factory: Callable[[Database], Any]) -> Any:
        """Run service code against this server's database from the test thread."""

        async def go() -> Any:
            db = Database(self.settings.database_url)
            try:
                return await coro_factory(db)
            finally:
                await db.dispose()

        return asyncio.run(go())

    def make_site(self, origins: list[str] | None = None, name: str = "Test shop") -> SiteInfo:
        origins = origins if origins is not None else ["https://shop.example"]
        site: SiteInfo = self.run(lambda db: create_site(db, name, origins))
        return site

    def make_associate(self, sites: list[SiteInfo], role: str = "associate") -> str:
        email = f"assoc{secrets.token_hex(4)}@example.com"
        self.run(
            lambda db: create_associate(
                db,
                email,
                "Nick Tester",
                PASSWORD,
                role,
                [s.id for s in sites],
            )
        )
        return email

    def login(self, email: str) -> tuple[httpx.Client, str]:
        client = httpx.Client(base_url=self.base_url, timeout=10)
        self.clients.append(client)
        answer = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return client, str(answer.json()["csrf_token"])


class ServerProcess:
    """`salon serve` as its own OS process: what a restart or a SIGKILL really does."""

    def __init__(
        self, database_url: str, port: int, log: Path, env: dict[str, str] | None = None
    ) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "SALON_DATABASE_URL": database_url,
            "SALON_PORT": str(port),
            "SALON_FLOOR_FLUSH_MS": "50",
            "SALON_LOG_LEVEL": "warning",
            **(env or {}),
        }
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "salon.cli", "serve", "--port", str(port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_for(self._up, timeout=30, interval=0.1)

    def _up(self) -> bool:
        assert self.proc.poll() is None, "the server died at start; see its log"
        try:
            return httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no graceful shutdown, nothing flushed on the way out
        self.proc.wait(timeout=10)
        self.log.close()


_ids = itertools.count()


def hex_id() -> str:
    return secrets.token_hex(16)


def event(kind: str, **fields: Any) -> dict[str, Any]:
    """A widget event with a fresh client event id."""
    return {
        "id": f"ev{next(_ids):06d}{secrets.token_hex(4)}",
        "type": kind,
        "ts": int(time.time() * 1000),
        **fields,
    }


def batch(
    site: SiteInfo,
    events: list[dict[str, Any]],
    visitor: str | None = None,
    visit: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "site_key": site.key,
        "visitor_id": visitor or hex_id(),
        "visit_id": visit or hex_id(),
        "events": events,
        **extra,
    }


def shopping_events(product: str = "P100", price: float = 1450.0) -> list[dict[str, Any]]:
    return [
        event(
            "page_view",
            url=f"https://shop.example/p/{product}",
            title="Aurel tote",
            page_type="product",
        ),
        event(
            "product_view", product_id=product, name="Aurel tote", price=price, category="handbags"
        ),
        event("variant_select", product_id=product, attribute="colour", value="Black"),
        event(
            "add_to_cart",
            product_id=product,
            variant_id=f"{product}-BLK",
            name="Aurel tote",
            price=price,
            quantity=1,
        ),
    ]
