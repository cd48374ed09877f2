"""The shopper simulator, driven at high speed against a real HTTP server that records batches.

The recorder is a tiny Starlette app in a uvicorn thread: the simulator talks real HTTP/1.1 with
keep-alive to it, exactly as it would to Salon, and every batch is checked against the tracking
contract in docs/api.md.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from salon.demo import store_data
from salon.demo.simulator import SECRET_ENV, Simulator, SimulatorStats, main
from salon.demo.store_data import CUSTOMERS, PRODUCTS
from salon.identity.signing import verify_customer_signature
from tests.support import serve_in_thread

SITE_KEY = "pk_test_simulator"
SITE_SECRET = "sk_test_simulator_secret"
HEX32 = re.compile(r"^[0-9a-f]{32}$")
EVENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
PAGE_TYPES = {
    "home",
    "category",
    "product",
    "search",
    "cart",
    "checkout",
    "confirmation",
    "account",
    "info",
    "other",
}
MONEY = (0, 10_000_000)

# type -> (required fields, optional fields); `id`, `type` and `ts` are common to all.
CONTRACT: dict[str, tuple[set[str], set[str]]] = {
    "page_view": ({"url", "title", "page_type"}, {"referrer"}),
    "product_view": ({"product_id"}, {"name", "price", "category"}),
    "variant_select": ({"product_id", "attribute", "value"}, {"variant_id"}),
    "add_to_cart": ({"product_id", "price", "quantity"}, {"variant_id", "name"}),
    "remove_from_cart": ({"product_id", "price", "quantity"}, {"variant_id", "name"}),
    "wishlist_add": ({"product_id"}, {"name"}),
    "search": ({"query"}, set()),
    "checkout_step": ({"step"}, {"name"}),
    "purchase": ({"order_id", "total"}, {"currency"}),
    "pointer_speed": ({"speed"}, set()),
    "idle": ({"seconds"}, set()),
    "tab_hidden": ({"hidden"}, set()),
    "rage_click": ({"clicks"}, {"target"}),
    "heartbeat": (set(), set()),
}


def contract_problems(event: dict[str, Any]) -> list[str]:
    """Everything about one event that the server would reject with a 422."""
    kind = event.get("type")
    if kind not in CONTRACT:
        return [f"unknown type {kind!r}"]
    required, optional = CONTRACT[kind]
    keys = set(event) - {"id", "type", "ts"}
    problems = [f"{kind}: missing {sorted(required - keys)}"] if required - keys else []
    if keys - required - optional:
        problems.append(f"{kind}: unknown fields {sorted(keys - required - optional)}")
    if not EVENT_ID.match(str(event.get("id", ""))):
        problems.append(f"bad id {event.get('id')!r}")
    if not isinstance(event.get("ts"), int):
        problems.append("ts is not epoch ms")
    checks: list[tuple[str, Callable[[Any], bool]]] = [
        ("url", lambda v: isinstance(v, str) and 0 < len(v) <= 2048),
        ("referrer", lambda v: isinstance(v, str) and len(v) <= 2048),
        ("title", lambda v: isinstance(v, str) and len(v) <= 300),
        ("page_type", lambda v: v in PAGE_TYPES),
        ("product_id", lambda v: isinstance(v, str) and 0 < len(v) <= 64),
        (
            "name",
            lambda v: isinstance(v, str) and len(v) <= (32 if kind == "checkout_step" else 200),
        ),
        ("price", lambda v: isinstance(v, int | float) and MONEY[0] <= v <= MONEY[1]),
        ("total", lambda v: isinstance(v, int | float) and MONEY[0] <= v <= MONEY[1]),
        ("category", lambda v: isinstance(v, str) and len(v) <= 100),
        ("attribute", lambda v: isinstance(v, str) and 0 < len(v) <= 32),
        ("value", lambda v: isinstance(v, str) and 0 < len(v) <= 64),
        ("quantity", lambda v: isinstance(v, int) and 1 <= v <= 99),
        ("query", lambda v: isinstance(v, str) and 1 <= len(v) <= 200),
        ("step", lambda v: isinstance(v, int) and 1 <= v <= 10),
        ("order_id", lambda v: isinstance(v, str) and 0 < len(v) <= 64),
        ("currency", lambda v: isinstance(v, str) and re.fullmatch(r"[A-Z]{3}", v) is not None),
        ("speed", lambda v: isinstance(v, int | float) and 0 <= v <= 100_000),
        ("seconds", lambda v: isinstance(v, int | float) and 0 <= v <= 86_400),
        ("hidden", lambda v: isinstance(v, bool)),
        ("clicks", lambda v: isinstance(v, int) and 3 <= v <= 100),
        ("target", lambda v: isinstance(v, str) and len(v) <= 200),
    ]
    problems += [
        f"{kind}.{name}={event[name]!r}"
        for name, ok in checks
        if name in event and not ok(event[name])
    ]
    return problems


@dataclass
class Recorder:
    """Records every batch; `fail_first` answers the first requests with those statuses."""

    url: str = ""
    fail_first: list[int] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    origins: set[str | None] = field(default_factory=set)
    seen_at: dict[str, float] = field(default_factory=dict)  # visit id -> last batch (monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def track(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self.lock:
            self.origins.add(request.headers.get("origin"))
            if self.fail_first:
                status = self.fail_first.pop(0)
                headers = {"Retry-After": "0.05"} if status == 429 else {}
                return JSONResponse(
                    {"error": {"code": "busy", "message": "try later", "field": None}},
                    status,
                    headers=headers,
                )
            self.batches.append(body)
            self.seen_at[body["visit_id"]] = time.monotonic()
        return JSONResponse(
            {"accepted": len(body["events"]), "duplicates": 0, "visit": body["visit_id"]}
        )

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [e for b in self.batches for e in b["events"] if kind in (None, e["type"])]

    def identified(self) -> list[dict[str, Any]]:
        with self.lock:
            return [b for b in self.batches if "identity" in b]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    app = Starlette(routes=[Route("/api/track", rec.track, methods=["POST"])])
    with serve_in_thread(app) as url:
        rec.url = url
        yield rec


async def wait_for(
    condition: Callable[[], bool], timeout: float, each: Callable[[], None] | None = None
) -> None:
    async def poll() -> None:
        while not condition():
            if each is not None:
                each()
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def run_until(
    sim: Simulator,
    condition: Callable[[], bool],
    timeout: float,
    each: Callable[[], None] | None = None,
) -> SimulatorStats:
    stop = asyncio.Event()
    task: asyncio.Task[SimulatorStats] = asyncio.create_task(sim.run(stop=stop))
    try:
        await wait_for(lambda: condition() or task.done(), timeout, each)
    finally:
        stop.set()
    return await asyncio.wait_for(task, timeout=15)


async def test_simulated_shoppers_send_contract_valid_batches(recorder: Recorder) -> None:
    shoppers, speed = 24, 60.0
    sim = Simulator(recorder.url, SITE_KEY, SITE_SECRET, shoppers=shoppers, speed=speed, seed=7)
    population: list[int] = []
    started = time.monotonic()

    def sample() -> None:
        if time.monotonic() - started > 20 / speed:  # after the staggered first arrivals
            population.append(sim.stats.active_shoppers)

    def busy_enough() -> bool:
        kinds = {e["type"] for e in recorder.events()}
        return (
            {"add_to_cart", "checkout_step", "purchase", "variant_select", "search"} <= kinds
            and len(recorder.identified()) >= 3
            and sim.stats.visits_started >= 2 * shoppers
        )

    stats = await run_until(sim, busy_enough, timeout=90, each=sample)
    assert busy_enough(), f"simulation never produced the full mix: {stats.summary()}"

    batches = recorder.batches
    event_ids: Counter[tuple[str, str]] = Counter()
    visitor_of_visit: dict[str, str] = {}
    problems: list[str] = []
    for batch in batches:
        assert set(batch) <= {"site_key", "visitor_id", "visit_id", "identity", "events"}
        assert batch["site_key"] == SITE_KEY
        assert HEX32.match(batch["visitor_id"]) and HEX32.match(batch["visit_id"])
        assert (
            visitor_of_visit.setdefault(batch["visit_id"], batch["visitor_id"])
            == batch["visitor_id"]
        ), "a visit changed visitor"
        assert 1 <= len(batch["events"]) <= 100
        for event in batch["events"]:
            event_ids[batch["visitor_id"], event["id"]] += 1
            problems += contract_problems(event)
    assert problems == []
    assert max(event_ids.values()) == 1, "client event ids repeat"
    assert recorder.origins == {recorder.url}

    page_urls = [e["url"] for e in recorder.events("page_view")]
    assert all(
        u == f"{recorder.url}/shop" or u.startswith(f"{recorder.url}/shop/") for u in page_urls
    )
    assert any(u.startswith(f"{recorder.url}/shop/p/P") for u in page_urls)
    known = {p.product_id for p in PRODUCTS}
    assert {e["product_id"] for e in recorder.events("add_to_cart")} <= known
    assert {e["step"] for e in recorder.events("checkout_step")} <= {1, 2, 3, 4}

    customers = {c.customer_id for c in CUSTOMERS}
    for batch in recorder.identified():
        identity = batch["identity"]
        assert identity["customer_id"] in customers
        assert verify_customer_signature(
            SITE_SECRET, identity["customer_id"], identity["signature"]
        )

    kinds_by_visit: defaultdict[str, list[str]] = defaultdict(list)
    for batch in batches:
        kinds_by_visit[batch["visit_id"]] += [event["type"] for event in batch["events"]]
    for kinds in kinds_by_visit.values():
        if "purchase" in kinds:
            assert kinds.index("checkout_step") < kinds.index("purchase")
            assert kinds[kinds.index("purchase") + 1] == "page_view"  # the order confirmation

    assert stats.errors == 0 and stats.dropped_batches == 0
    assert stats.batches_sent == len(batches)
    assert stats.events_sent == len(recorder.events())
    assert stats.purchases == len(recorder.events("purchase")) >= 1
    assert stats.active_shoppers == 0
    assert population, "never sampled the population"
    assert min(population) >= 0.75 * shoppers and max(population) <= shoppers
    recent = sum(time.monotonic() - t < 40 / speed for t in recorder.seen_at.values())
    assert 0.5 * shoppers <= recent <= 1.6 * shoppers


async def test_rate_limits_and_server_errors_are_retried_without_loss(recorder: Recorder) -> None:
    recorder.fail_first = [429, 503, 429, 500, 502]
    sim = Simulator(recorder.url, SITE_KEY, SITE_SECRET, shoppers=3, speed=50.0, seed=3)
    stats = await run_until(sim, lambda: len(recorder.batches) >= 20, timeout=60)
    assert len(recorder.batches) >= 20
    assert stats.rate_limited == 2 and stats.errors == 3
    assert stats.dropped_batches == 0
    ids = [(b["visitor_id"], e["id"]) for b in recorder.batches for e in b["events"]]
    assert len(ids) == len(set(ids))


async def test_rejected_batches_are_counted_not_fatal(recorder: Recorder) -> None:
    recorder.fail_first = [422, 422]
    sim = Simulator(recorder.url, SITE_KEY, SITE_SECRET, shoppers=2, speed=50.0, seed=5)
    stats = await run_until(sim, lambda: len(recorder.batches) >= 5, timeout=60)
    assert stats.errors == 2 and stats.dropped_batches == 2
    assert stats.batches_sent >= 5


def test_command_line_runs_for_a_duration(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(SECRET_ENV, SITE_SECRET)
    code = main(
        [
            "--url",
            recorder.url,
            "--site-key",
            SITE_KEY,
            "--shoppers",
            "5",
            "--speed",
            "50",
            "--duration",
            "1.5",
            "--seed",
            "1",
        ]
    )
    assert code == 0
    assert recorder.batches and "batches" in capsys.readouterr().out


def test_simulator_refuses_an_empty_catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_data, "PRODUCTS", ())
    with pytest.raises(RuntimeError, match="PRODUCTS is empty"):
        Simulator("http://127.0.0.1:1", SITE_KEY, SITE_SECRET)


def test_simulator_refuses_bad_settings() -> None:
    with pytest.raises(ValueError, match="shoppers"):
        Simulator("http://127.0.0.1:1", SITE_KEY, SITE_SECRET, shoppers=0)
    with pytest.raises(ValueError, match="shoppers"):
        Simulator("http://127.0.0.1:1", SITE_KEY, SITE_SECRET, shoppers=1001)
    with pytest.raises(ValueError, match="url"):
        Simulator("127.0.0.1:8000", SITE_KEY, SITE_SECRET)
