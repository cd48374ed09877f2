"""The database: one async engine per process, SQLite (WAL) or PostgreSQL by URL.

SQLite has a single writer; rather than let concurrent transactions fight over the file
lock, writers queue on an asyncio lock in this process. PostgreSQL writers run in parallel.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)
CHECKPOINT_SECONDS = 1.0


class Database:
    def __init__(self, url: str) -> None:
        # every table must be mapped before the first query: foreign keys cross domains
        from salon.db.base import import_all_models

        import_all_models()
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._checkpointer: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def writer(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits on success and rolls back on any error."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self.sessions() as session, session.begin():
            yield session

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    def start_checkpointer(self) -> None:
        """SQLite: move the WAL into the database every second from a connection of its own.

        Left to itself SQLite checkpoints inside the commit that crosses 1,000 pages, and that
        commit (with every writer queued behind it) waits for the copy and its fsync: measured
        as 150-300 ms stalls in chat latency. A PASSIVE checkpoint never blocks writers.
        """
        if self.is_sqlite and self._checkpointer is None:
            self._checkpointer = asyncio.create_task(self._checkpoint_forever())

    async def _checkpoint_forever(self) -> None:
        path = make_url(self.url).database
        if not path:
            return
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            try:
                await asyncio.to_thread(_checkpoint, path)
            except sqlite3.Error:
                log.warning("WAL checkpoint failed", exc_info=True)

    async def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
            self._checkpointer = None
        if self.is_sqlite:
            path = make_url(self.url).database
            if path:
                with contextlib.suppress(sqlite3.Error):
                    await asyncio.to_thread(_checkpoint, path)
        await self.engine.dispose()


def _checkpoint(path: str) -> None:
    connection = sqlite3.connect(path, timeout=5)
    try:
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        connection.close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer task does it, off the lock
    cursor.close()
