"""Dialect-aware INSERT ... ON CONFLICT DO NOTHING, the one way we write idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert


def insert_ignore(session: AsyncSession, model: Any, conflict_columns: Sequence[str]) -> Insert:
    """An INSERT that skips rows colliding on `conflict_columns` (a unique constraint)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing(
            index_elements=list(conflict_columns)
        )
    return sqlite.insert(model).on_conflict_do_nothing(index_elements=list(conflict_columns))
