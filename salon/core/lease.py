"""Duties that run once per installation, however many nodes there are.

A lease is one row per duty: the node holding it renews it every `ttl / 3` seconds; another node
takes it only once it has run out (a node killed without a word loses it after `ttl`). Taking and
renewing are one conditional UPDATE each (or an INSERT that only one node can win), so two
nodes never believe they hold the same lease. Node clocks must agree to within a few seconds
(NTP), as for the rest of the installation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import String, delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from salon.core.clock import utcnow
from salon.db.base import Base
from salon.db.engine import Database

log = logging.getLogger(__name__)
LEADER = "leader"  # the one lease of this release: queue catch-up, expiry, reports, playbooks


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime]


class LeaseKeeper:
    """Holds (or waits for) one lease for this node; `held` says whether it is ours right now."""

    def __init__(self, db: Database, name: str, holder: str, ttl: float = 15.0) -> None:
        self.db, self.name, self.holder, self.ttl = db, name, holder, ttl
        self.held = False
        self._task: asyncio.Task[None] | None = None

    async def try_acquire(self) -> bool:
        now = utcnow()
        until = now + timedelta(seconds=self.ttl)
        try:
            async with self.db.writer() as session:
                taken = await session.execute(
                    update(Lease)
                    .where(
                        Lease.name == self.name,
                        (Lease.holder == self.holder) | (Lease.expires_at < now),
                    )
                    .values(holder=self.holder, expires_at=until)
                )
                won = bool(getattr(taken, "rowcount", 0))
            if not won:
                try:
                    async with self.db.writer() as session:
                        session.add(Lease(name=self.name, holder=self.holder, expires_at=until))
                    won = True
                except IntegrityError:
                    won = False
        except Exception as exc:  # the database is away: a lease we cannot renew is not held
            log.warning("lease %s: the database did not answer (%s)", self.name, exc)
            won = False
        if won != self.held:
            log.info("lease %s %s by %s", self.name, "taken" if won else "lost", self.holder)
        self.held = won
        return won

    async def start(self) -> None:
        await self.try_acquire()
        self._task = asyncio.create_task(self._keep(), name=f"lease-{self.name}")

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            await self.try_acquire()

    async def stop(self) -> None:
        """Cancel renewal and hand the lease back, so another node takes it at once."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.held:
            with contextlib.suppress(Exception):
                async with self.db.writer() as session:
                    await session.execute(
                        delete(Lease).where(Lease.name == self.name, Lease.holder == self.holder)
                    )
            self.held = False


class AlwaysHeld:
    """One node (no Redis configured): every duty is this node's."""

    held = True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None
