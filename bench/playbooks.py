"""Playbook engine cost: one evaluation round over the live floor, and one firing (in process).

    .venv/bin/python bench/playbooks.py [--visits 1000] [--database sqlite|postgresql]

A round computes every live visit's signals and tests each enabled playbook (the demo's three);
it runs once a second beside the floor. A firing is one transaction: caps, hold-out draw,
coupon priced and budgeted, the webhook rows, the firing itself.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from salon.core.bus import InMemoryBus
from salon.db.engine import Database
from salon.demo.seed import DEMO_PLAYBOOKS
from salon.floor.avatar import FloorRules
from salon.floor.live import LiveFloor
from salon.floor.state import CartLine, VisitState
from salon.identity.models import Site
from salon.identity.service import SiteDirectory, create_site
from salon.playbooks.engine import PlaybookEngine
from salon.playbooks.outbox import WidgetOutbox
from salon.playbooks.schemas import PlaybookIn
from salon.playbooks.service import create_playbook
from tests.support import fresh_database, hex_id


async def _none(_: str) -> dict[str, Any] | None:
    return None


def visit(site_id: str, now: float, cart_value: float, in_checkout: bool) -> VisitState:
    state = VisitState(
        site_id=site_id,
        visit_id=hex_id(),
        visitor_id=hex_id(),
        started_at=now - 400,
        last_seen_at=now - 30,
    )
    state.last_activity_at = now - 30
    state.page_type = "checkout" if in_checkout else "product"
    state.cart = {("P1", None): CartLine("P1", None, "Tote", cart_value, 1)}
    state.checkout_step = 2 if in_checkout else None
    return state


async def run(url: str, visits: int) -> None:
    db = Database(url)
    site = await create_site(db, "Bench", ["https://shop.example"])
    async with db.writer() as session:
        row = await session.get(Site, site.id)
        assert row is not None
        row.settings = {"playbooks": {"coupon_daily_budget": 1_000_000}}
        for definition in DEMO_PLAYBOOKS:
            await create_playbook(session, site.id, PlaybookIn.model_validate(definition), None)
    bus = InMemoryBus()
    floor = LiveFloor(bus, FloorRules(), 1800, 50, _none)
    engine = PlaybookEngine(db, bus, SiteDirectory(db), floor, WidgetOutbox())
    now = time.time()
    for _ in range(visits):  # browsing, small carts: nothing matches, everything is tested
        floor.state.put(visit(site.id, now, 120.0, in_checkout=False))
    await engine.round(now)  # loads the playbooks
    rounds = []
    for _ in range(20):
        t0 = time.perf_counter()
        fired = await engine.round(time.time())
        rounds.append(time.perf_counter() - t0)
        assert fired == 0
    print(
        f"round over {visits} live visits x {len(DEMO_PLAYBOOKS)} playbooks: "
        f"median {1000 * statistics.median(rounds):.1f} ms, max {1000 * max(rounds):.1f} ms "
        f"({1e6 * statistics.median(rounds) / visits:.1f} µs per visit)"
    )
    stalled = [visit(site.id, time.time(), 650.0, in_checkout=True) for _ in range(200)]
    for state in stalled:
        floor.state.put(state)
    t0 = time.perf_counter()
    fired = await engine.round(time.time())
    spent = time.perf_counter() - t0
    print(
        f"{fired} firings (stalled carts, coupons for the treated) in {1000 * spent:.0f} ms: "
        f"{1000 * spent / max(1, fired):.1f} ms per firing"
    )
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.database, tmp) as url:
        asyncio.run(run(url, args.visits))


if __name__ == "__main__":
    main()
