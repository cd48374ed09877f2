"""Migrations are the schema: applying them to an empty database matches the models exactly."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from salon.core.clock import utcnow
from salon.db.base import Base, import_all_models
from salon.db.migrate import upgrade
from tests.support import fresh_database


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


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_customer_360_migration_keeps_every_existing_row(
    kind: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """0003 adds columns to tables that hold the store's data: old rows survive with defaults."""
    with fresh_database(kind, str(tmp_path_factory.mktemp("db")), revision="0002") as url:

        async def before() -> None:
            engine = create_async_engine(url)
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO sites (id, name, key, secret, allowed_origins, settings,"
                        " created_at) VALUES ('s1', 'Shop', 'pk_1', 'x', '[]', '{}', :now)"
                    ),
                    {"now": utcnow()},
                )
                await conn.execute(
                    text(
                        "INSERT INTO products (id, site_id, external_id, name, category, price,"
                        " currency, description, image, url) VALUES ('p1', 's1', 'P1', 'Tote',"
                        " 'bags', 120.50, 'EUR', 'A tote', 'tote.svg', '/p/P1')"
                    )
                )
                await conn.execute(
                    text(
                        "INSERT INTO customers (id, site_id, external_id, name, email,"
                        " loyalty_tier, created_at) VALUES ('c1', 's1', 'C1', 'Ada',"
                        " 'ada@example.com', 'gold', :now)"
                    ),
                    {"now": utcnow()},
                )
            await engine.dispose()

        asyncio.run(before())
        upgrade(url)

        async def after() -> tuple[Any, ...]:
            engine = create_async_engine(url)
            async with engine.connect() as conn:
                product = (
                    await conn.execute(text("SELECT name, price, brand, tags, specs FROM products"))
                ).one()
                customer = (
                    await conn.execute(
                        text(
                            "SELECT name, loyalty_tier, loyalty_points, consent_email,"
                            " preferences FROM customers"
                        )
                    )
                ).one()
            await engine.dispose()
            return tuple(product), tuple(customer)

        product, customer = asyncio.run(after())
        assert product[:3] == ("Tote", Decimal("120.50"), "")
        assert [_json(v) for v in product[3:]] == [[], {}]
        assert customer[:4] == ("Ada", "gold", 0, False)
        assert _json(customer[4]) == {}


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
