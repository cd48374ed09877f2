"""`salon privacy export|erase`: the same service calls as the API, audited as "cli"."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from rich.console import Console

from salon.config import get_settings
from salon.core.errors import ApiError
from salon.db.engine import Database
from salon.identity.service import SiteDirectory
from salon.privacy import export, service
from salon.privacy.audit import CLI_ACTOR


async def _site_id(db: Database, key: str) -> str:
    site = await SiteDirectory(db).by_key(key)
    if site is None:
        raise ApiError(404, "not_found", f"no site with key {key}")
    return site.id


def export_command(console: Console, site_key: str, customer_id: str, output: Path | None) -> int:
    async def run() -> dict[str, object]:
        db = Database(get_settings().database_url)
        try:
            site_id = await _site_id(db, site_key)
            return await export.export_customer(db, site_id, customer_id, CLI_ACTOR)
        finally:
            await db.dispose()

    try:
        document = asyncio.run(run())
    except ApiError as exc:
        console.print(f"[red]{exc.message}[/]")
        return 1
    text = json.dumps(document, indent=2, ensure_ascii=False)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"exported to {output}")
    return 0


def erase_command(console: Console, site_key: str, customer_id: str) -> int:
    settings = get_settings()

    async def run() -> service.Erasure:
        db = Database(settings.database_url)
        redis = None
        if settings.redis_url:
            from redis.asyncio import Redis

            redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        try:
            site_id = await _site_id(db, site_key)
            # no bus here: running servers drop the visits from their floors as they time out
            return await service.erase_customer(
                db, site_id, customer_id, CLI_ACTOR, redis=redis, outbox=settings.demo_outbox
            )
        finally:
            if redis is not None:
                await redis.aclose()
            await db.dispose()

    try:
        erasure = asyncio.run(run())
    except ApiError as exc:
        console.print(f"[red]{exc.message}[/]")
        return 1
    counts = ", ".join(f"{name} {n}" for name, n in sorted(erasure.counts.items()))
    console.print(f"customer {customer_id} erased: {counts}")
    return 0
