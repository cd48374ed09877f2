"""Erasure reaches Redis too: the bus stream's kept events about the customer's visits go, other
visitors' events stay (real Redis at 127.0.0.1:6379). And the command line does the same job,
audited as "cli"."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as aioredis
from sqlalchemy import select
from typer.testing import CliRunner

from salon.cli import app
from salon.config import get_settings
from salon.core.bus import STREAM
from salon.db.engine import Database
from salon.identity.service import create_associate, create_site
from salon.privacy.models import AuditEntry
from salon.privacy.service import erase_customer
from tests.privacy.support import make_topic, rows_mentioning, seed_person

REDIS_URL = "redis://127.0.0.1:6379/13"


async def _erase_with_redis(url: str) -> None:
    db = Database(url)
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        site = await create_site(db, "Redis shop", [])
        topic_id = await make_topic(db, site.id)
        zoe = await seed_person(db, site.id, "Zoe", topic_id)
        yves = await seed_person(db, site.id, "Yves", topic_id)
        await client.delete(STREAM)

        async def publish(visit_id: str) -> None:  # what a node's RedisBus writes
            body = json.dumps({"site_id": site.id, "visit_id": visit_id, "events": []})
            await client.xadd(STREAM, {"n": "node-1", "t": "tracking.ingested", "p": body})

        for visit_id in [*zoe.visit_ids, *yves.visit_ids]:
            await publish(visit_id)
        erasure = await erase_customer(db, site.id, zoe.customer_id, "cli", redis=client)
        assert erasure.bus_events_deleted == len(zoe.visit_ids) == 2
        kept = [json.loads(f[b"p"])["visit_id"] for _, f in await client.xrange(STREAM)]
        assert kept == list(yves.visit_ids)
        await client.delete(STREAM)
    finally:
        await client.aclose()
        await db.dispose()


def test_erasure_deletes_the_visits_events_kept_in_redis(sqlite_url: str) -> None:
    asyncio.run(_erase_with_redis(sqlite_url))


@dataclass
class Ran:
    returncode: int
    stdout: str


def salon(*args: str, env: dict[str, str]) -> Ran:
    """The `salon` command in-process (a subprocess per call costs seconds of imports)."""
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, list(args), env=env)
    finally:
        get_settings.cache_clear()
    return Ran(result.exit_code, result.output)


def test_export_and_erase_from_the_command_line(sqlite_url: str, tmp_path: Path) -> None:
    async def setup(db: Database) -> tuple[str, str, str]:
        site = await create_site(db, "CLI shop", [])
        person = await seed_person(db, site.id, "Quinn", await make_topic(db, site.id))
        return site.key, person.customer_id, person.marker

    async def run_setup() -> tuple[str, str, str]:
        db = Database(sqlite_url)
        try:
            return await setup(db)
        finally:
            await db.dispose()

    key, customer_id, marker = asyncio.run(run_setup())
    env = {"SALON_DATABASE_URL": sqlite_url, "SALON_DEMO_OUTBOX": str(tmp_path)}
    out = tmp_path / "quinn.json"
    exported = salon("privacy", "export", "--site", key, customer_id, "--output", str(out), env=env)
    assert exported.returncode == 0, exported.stdout
    document = json.loads(out.read_text())
    assert document["tables"]["customers"][0]["name"] == marker
    refused = salon("privacy", "erase", "--site", key, customer_id, env=env)
    assert refused.returncode == 2 and "--yes" in refused.stdout
    erased = salon("privacy", "erase", "--site", key, customer_id, "--yes", env=env)
    assert erased.returncode == 0, erased.stdout
    assert "erased" in erased.stdout
    again = salon("privacy", "erase", "--site", key, customer_id, "--yes", env=env)
    assert again.returncode == 1 and "customer not found" in again.stdout
    unknown = salon("privacy", "export", "--site", "pk_missing", customer_id, env=env)
    assert unknown.returncode == 1 and "no site with key pk_missing" in unknown.stdout

    async def mentions() -> dict[str, int]:
        db = Database(sqlite_url)
        try:
            return await rows_mentioning(db, {marker})
        finally:
            await db.dispose()

    assert asyncio.run(mentions()) == {}


def test_setting_a_password_from_the_command_line_is_audited(sqlite_url: str) -> None:
    async def make() -> None:
        db = Database(sqlite_url)
        try:
            await create_associate(db, "ops@audit.example", "Ops", "a long password", "admin", [])
        finally:
            await db.dispose()

    asyncio.run(make())
    env = {"SALON_DATABASE_URL": sqlite_url, "SALON_NEW_PASSWORD": "another long password"}
    assert salon("associate", "set-password", "ops@audit.example", env=env).returncode == 0
    failed = salon("associate", "set-password", "nobody@audit.example", env=env)
    assert failed.returncode == 1

    async def entries() -> list[tuple[str, str, str | None, str]]:
        db = Database(sqlite_url)
        try:
            async with db.reader() as session:
                rows = await session.execute(
                    select(
                        AuditEntry.action,
                        AuditEntry.target,
                        AuditEntry.site_id,
                        AuditEntry.actor_email,
                    ).where(AuditEntry.action == "associate.set_password")
                )
                return [tuple(r) for r in rows]  # type: ignore[misc]
        finally:
            await db.dispose()

    assert asyncio.run(entries()) == [
        ("associate.set_password", "associate:ops@audit.example", None, "cli")
    ]
