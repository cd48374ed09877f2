"""Several real `salon serve` processes on one PostgreSQL database and one Redis server.

The Redis server is a process of the test's own (a real redis-server on a free port), so a test
can stop it and start it again without touching the machine's shared Redis.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from salon.db.engine import Database
from salon.identity.service import SiteInfo, create_associate, create_site
from tests.chat.support import ORIGIN, Associate
from tests.support import PASSWORD, ServerProcess, free_port, fresh_database, wait_for

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisProcess:
    """redis-server on a port of its own, no persistence: a stop loses what it held."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for(self._up, timeout=10, interval=0.05)

    def _up(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=10)
            self.proc = None


@dataclass
class Node:
    """One `salon serve` process; quacks like LiveServer for the chat test helpers."""

    name: str
    process: ServerProcess

    @property
    def base_url(self) -> str:
        return self.process.base_url

    def health(self) -> dict[str, Any]:
        found: dict[str, Any] = httpx.get(self.base_url + "/healthz", timeout=5).json()
        return found

    def login(self, email: str) -> tuple[httpx.Client, str]:
        client = httpx.Client(base_url=self.base_url, timeout=20)
        answer = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return client, str(answer.json()["csrf_token"])


@dataclass
class Cluster:
    url: str
    redis: RedisProcess
    site: SiteInfo
    emails: list[str]
    tmp: Path
    env: dict[str, str]
    nodes: list[Node] = field(default_factory=list)

    def add_node(self) -> Node:
        name = f"node-{len(self.nodes) + 1}"
        port = free_port()
        process = ServerProcess(
            self.url, port, self.tmp / f"{name}.log", {**self.env, "SALON_NODE_NAME": name}
        )
        node = Node(name, process)
        self.nodes.append(node)
        return node

    def associate(self, node: Node, index: int = 0) -> Associate:
        client, csrf = node.login(self.emails[index])
        me = client.get("/api/auth/me").json()
        return Associate(node, self.site, self.emails[index], client, csrf, me["associate"]["id"])  # type: ignore[arg-type]

    def make_site(self, name: str) -> SiteInfo:
        async def go() -> SiteInfo:
            db = Database(self.url)
            try:
                return await create_site(db, name, [ORIGIN])
            finally:
                await db.dispose()

        return asyncio.run(go())

    def query(self, sql: str) -> list[Any]:
        async def go() -> list[Any]:
            from sqlalchemy import text

            db = Database(self.url)
            try:
                async with db.reader() as session:
                    return list((await session.execute(text(sql))).all())
            finally:
                await db.dispose()

        return asyncio.run(go())


@contextmanager
def cluster(
    tmp: Path, nodes: int = 2, associates: int = 2, env: dict[str, str] | None = None
) -> Iterator[Cluster]:
    with fresh_database("postgresql", str(tmp)) as url:

        async def setup() -> tuple[SiteInfo, list[str]]:
            db = Database(url)
            try:
                site = await create_site(db, "Cluster shop", [ORIGIN])
                emails = []
                for n in range(associates):
                    email = f"associate{n}@example.com"
                    role = "supervisor" if n == 0 else "associate"
                    await create_associate(db, email, f"Associate {n}", PASSWORD, role, [site.id])
                    emails.append(email)
                return site, emails
            finally:
                await db.dispose()

        site, emails = asyncio.run(setup())
        redis = RedisProcess(free_port(), tmp / "redis.log")
        found = Cluster(
            url,
            redis,
            site,
            emails,
            tmp,
            {
                "SALON_REDIS_URL": redis.url,
                "SALON_WEEKLY_REPORT": "false",
                "SALON_API_CALLS_PER_MINUTE": "100000",
                **(env or {}),
            },
        )
        try:
            for _ in range(nodes):
                found.add_node()
            yield found
        finally:
            for node in found.nodes:
                if node.process.proc.poll() is None:
                    node.process.kill()
            redis.stop()
