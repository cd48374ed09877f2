"""Migrations are the schema: applying them to an empty database matches the models exactly."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from salon.db.base import Base, import_all_models
from salon.db.migrate import upgrade


def test_models_and_migrations_agree(database_url: str) -> None:
    import_all_models()
    upgrade(database_url)  # a second run is a no-op

    async def diff() -> list[Any]:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
                )
        finally:
            await engine.dispose()

    assert asyncio.run(diff()) == []
