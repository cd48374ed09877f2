"""Parallel firings cannot pass a cap twice or spend more than the day's coupon budget; codes
are unique, expire, and are used once. Real databases, real concurrent transactions."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from salon.core.bus import InMemoryBus
from salon.core.clock import utcnow
from salon.db.engine import Database
from salon.floor.avatar import FloorRules
from salon.floor.live import LiveFloor
from salon.floor.state import CartLine, VisitState
from salon.identity.models import Site
from salon.identity.service import SiteDirectory, create_site
from salon.offers.models import Coupon
from salon.playbooks import coupons
from salon.playbooks.engine import PlaybookEngine, load
from salon.playbooks.models import CouponBudgetDay, Firing
from salon.playbooks.outbox import WidgetOutbox
from salon.playbooks.schemas import PlaybookIn
from salon.playbooks.service import create_playbook
from salon.playbooks.signals import visit_signals
from tests.support import LiveServer, hex_id

GIFT = {
    "name": "Thirty off",
    "enabled": True,
    "trigger": {"signal": "cart_value", "op": "gte", "value": 100},
    "actions": [
        {"type": "invite", "message": "Hello"},
        {"type": "coupon", "kind": "amount", "min": 30, "max": 30},
    ],
    "holdout_percent": 0,
}


async def _no_customer(_: str) -> dict[str, Any] | None:
    return None


def engines(db: Database, n: int) -> list[PlaybookEngine]:
    """n engines as n nodes would hold them: nothing shared but the database."""
    out = []
    for _ in range(n):
        bus = InMemoryBus()
        floor = LiveFloor(bus, FloorRules(), 1800, 50, _no_customer)
        out.append(PlaybookEngine(db, bus, SiteDirectory(db), floor, WidgetOutbox()))
    return out


def stalled(site_id: str, visitor: str | None = None, visit: str | None = None) -> VisitState:
    now = time.time()
    state = VisitState(
        site_id=site_id,
        visit_id=visit or hex_id(),
        visitor_id=visitor or hex_id(),
        started_at=now - 100,
        last_seen_at=now,
    )
    state.cart = {("P1", None): CartLine("P1", None, "Tote", 400.0, 1)}
    state.checkout_step = 2
    return state


async def _setup(db: Database, budget: float, **changes: Any) -> tuple[str, Any]:
    site = await create_site(db, "Budget shop", ["https://shop.example"])
    async with db.writer() as session:
        row = await session.get(Site, site.id)
        assert row is not None
        row.settings = {"playbooks": {"coupon_daily_budget": budget}}
        playbook = await create_playbook(
            session, site.id, PlaybookIn.model_validate({**GIFT, **changes}), None
        )
    return site.id, load(playbook)


def test_parallel_firings_never_exceed_the_daily_budget(server: LiveServer) -> None:
    async def go(db: Database) -> None:
        site_id, playbook = await _setup(db, budget=100)
        nodes = engines(db, 10)
        now = time.time()
        shoppers = [stalled(site_id) for _ in range(10)]
        fired = await asyncio.gather(
            *(
                node.fire(
                    playbook, s, visit_signals(s, now, vip_value=1e9, business_hours=True), now
                )
                for node, s in zip(nodes, shoppers, strict=True)
            )
        )
        assert all(f is not None for f in fired)  # every shopper got the invitation...
        async with db.reader() as session:
            issued = (await session.scalars(select(Coupon).where(Coupon.site_id == site_id))).all()
            committed = await session.scalar(
                select(CouponBudgetDay.committed).where(CouponBudgetDay.site_id == site_id)
            )
            notes = [
                a
                for f in (await session.scalars(select(Firing))).all()
                if f.site_id == site_id
                for a in f.actions
                if a["type"] == "coupon"
            ]
        # ...but EUR 100 pays for three EUR 30 codes, never a fourth
        assert len(issued) == 3
        assert committed == Decimal("90.00")
        assert sum(1 for n in notes if "budget" in n["note"]) == 7

    server.run(go)


def test_parallel_firings_for_one_visit_and_one_customer_pass_each_cap_once(
    server: LiveServer,
) -> None:
    async def go(db: Database) -> None:
        site_id, playbook = await _setup(db, budget=10_000)
        nodes = engines(db, 8)
        now = time.time()
        same = stalled(site_id)
        signals = visit_signals(same, now, vip_value=1e9, business_hours=True)
        fired = await asyncio.gather(*(n.fire(playbook, same, signals, now) for n in nodes))
        assert sum(f is not None for f in fired) == 1  # once per visit, whichever node won
        # one browser, several visits (tabs) at once: one coupon in 30 days
        visitor = hex_id()
        visits = [stalled(site_id, visitor=visitor) for _ in range(6)]
        await asyncio.gather(
            *(
                n.fire(playbook, v, visit_signals(v, now, vip_value=1e9, business_hours=True), now)
                for n, v in zip(nodes, visits, strict=False)
            )
        )
        async with db.reader() as session:
            firings = await session.scalar(
                select(func.count()).select_from(Firing).where(Firing.site_id == site_id)
            )
            codes = await session.scalar(
                select(func.count()).select_from(Coupon).where(Coupon.site_id == site_id)
            )
        assert firings == 1 + 6
        assert codes == 1 + 1

    server.run(go)


def test_codes_are_unique_unguessable_expire_and_are_used_once(server: LiveServer) -> None:
    codes = {coupons.new_code("AUREL") for _ in range(5000)}
    assert len(codes) == 5000
    assert all(re.fullmatch(r"AUREL(-[2-9A-HJKMNP-Z]{4}){3}", c) for c in codes)

    async def go(db: Database) -> None:
        site_id, playbook = await _setup(db, budget=10_000)
        node = engines(db, 1)[0]
        now = time.time()
        shopper = stalled(site_id)
        signals = visit_signals(shopper, now, vip_value=1e9, business_hours=True)
        firing = await node.fire(playbook, shopper, signals, now)
        assert firing is not None and firing.coupon_code
        code = firing.coupon_code
        async with db.reader() as session:
            ok = await coupons.check(session, site_id, code, Decimal(400), shopper.visitor_id, None)
            assert ok.valid and ok.discount == Decimal(30)
            later = utcnow() + timedelta(hours=49)
            stale = await coupons.check(
                session, site_id, code, Decimal(400), shopper.visitor_id, None, now=later
            )
            assert (stale.valid, stale.reason) == (False, "expired")
        async with db.writer() as session:
            late = await coupons.redeem(
                session,
                site_id,
                code,
                "O-0",
                Decimal(370),
                Decimal(30),
                utcnow() + timedelta(days=3),
            )
            assert late is None  # expired: not redeemed
        results = []
        for order in ("O-1", "O-2"):
            async with db.writer() as session:
                results.append(
                    await coupons.redeem(
                        session, site_id, code, order, Decimal(370), Decimal(30), utcnow()
                    )
                )
        assert results[0] is not None and results[0].order_id == "O-1"
        assert results[1] is None
        async with db.reader() as session:
            used = await coupons.check(
                session, site_id, code, Decimal(400), shopper.visitor_id, None
            )
            assert used.reason == "used"

    server.run(go)
