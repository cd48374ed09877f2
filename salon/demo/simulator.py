"""The shopper simulator: keeps the demo floor alive by browsing the demo store like real people.

It speaks only the public tracking contract (POST /api/track, docs/api.md) and batches exactly as
the widget does, so everything the floor shows for simulated shoppers is what real shoppers would
produce. Behaviour lives in `salon.demo.personas`; this module owns time, batching and HTTP.

    SALON_SIMULATOR_SITE_SECRET=... python -m salon.demo.simulator --site-key pk_... --shoppers 80
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import secrets
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from salon.demo import store_data
from salon.demo.personas import ShopperScript, pick_persona
from salon.demo.store_data import Customer
from salon.identity.signing import sign_customer_id

log = logging.getLogger("salon.demo.simulator")

SECRET_ENV = "SALON_SIMULATOR_SITE_SECRET"
MAX_SHOPPERS = 1000
MAX_EVENTS_PER_BATCH = 100
FLUSH_INTERVAL = 1.0  # simulated seconds, like the widget's flush timer
HEARTBEAT_INTERVAL = 30.0  # simulated seconds while the tab is visible
RETURNING_SHARE = 0.25
IDENTIFYING_SHARE = 0.5  # of returning visitors
MAX_ATTEMPTS = 5
MAX_BACKOFF = 30.0  # real seconds
POOL_SIZE = 2000
USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
)


@dataclass
class SimulatorStats:
    """Counters for a run; `errors` counts failed requests, `dropped_batches` lost batches."""

    batches_sent: int = 0
    events_sent: int = 0
    errors: int = 0
    purchases: int = 0
    visits_started: int = 0
    visits_finished: int = 0
    returning_visits: int = 0
    identified_visits: int = 0
    rate_limited: int = 0
    dropped_batches: int = 0
    active_shoppers: int = 0

    def summary(self) -> str:
        return (
            f"{self.active_shoppers} shoppers on site, {self.visits_started} visits "
            f"({self.returning_visits} returning, {self.identified_visits} identified), "
            f"{self.batches_sent} batches / {self.events_sent} events sent, "
            f"{self.purchases} purchases, {self.errors} errors, "
            f"{self.rate_limited} rate-limited, {self.dropped_batches} batches dropped"
        )


class _Stopped(Exception):
    """The run is over: the shopper flushes what it has and leaves."""


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep unless `stop` is set first; True when it is set."""
    if seconds > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()


class _Tracker:
    """Posts batches over one shared keep-alive client; retries 429/5xx, never raises."""

    def __init__(
        self, client: httpx.AsyncClient, stats: SimulatorStats, stop: asyncio.Event
    ) -> None:
        self._client = client
        self._stats = stats
        self._stop = stop
        self._resume_at = 0.0  # loop time before which nobody posts (after a 429)
        self._rejections: dict[str, int] = {}

    async def send(
        self,
        body: dict[str, Any],
        user_agent: str,
        *,
        final: bool,
        inbox: list[dict[str, Any]] | None = None,
    ) -> bool:
        """Post one batch; when the run stops mid-retry it gets one last try, like a beacon.

        Offers a playbook sent this visit (the answer's `engage`) land in `inbox`, as the widget
        would show them."""
        events: list[dict[str, Any]] = body["events"]
        loop = asyncio.get_running_loop()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if not final and await _sleep_unless(self._stop, self._resume_at - loop.time()):
                final = True
            delay = min(MAX_BACKOFF, 0.5 * 2**attempt) * random.uniform(0.5, 1.0)
            try:
                response = await self._client.post(
                    "/api/track", json=body, headers={"User-Agent": user_agent}
                )
            except httpx.HTTPError as exc:
                self._stats.errors += 1
                self._note("network", f"{type(exc).__name__}: {exc}")
            else:
                status = response.status_code
                if 200 <= status < 300:
                    self._stats.batches_sent += 1
                    self._stats.events_sent += len(events)
                    self._stats.purchases += sum(e["type"] == "purchase" for e in events)
                    if inbox is not None:
                        with contextlib.suppress(ValueError, AttributeError):
                            inbox.extend(response.json().get("engage") or [])
                    return True
                if status == 429:
                    self._stats.rate_limited += 1
                    delay = _retry_after(response, default=delay)
                    self._resume_at = max(self._resume_at, loop.time() + delay)
                    delay = 0.0
                else:
                    self._stats.errors += 1
                    self._note(str(status), _error_text(response))
                    if status < 500:  # the batch itself is wrong: retrying cannot help
                        break
            if final or attempt == MAX_ATTEMPTS:
                break
            final = await _sleep_unless(self._stop, delay)
        self._stats.dropped_batches += 1
        return False

    def _note(self, kind: str, text: str) -> None:
        """Log the first few failures of each kind, then one in a hundred, to stay readable."""
        seen = self._rejections[kind] = self._rejections.get(kind, 0) + 1
        if seen <= 3 or seen % 100 == 0:
            log.warning("tracking request failed (%s, #%d): %s", kind, seen, text[:300])


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return min(60.0, max(0.1, float(response.headers.get("Retry-After", ""))))
    except ValueError:
        return default


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error.get('code')}: {error.get('message')} (field {error.get('field')})"
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


class _Visit:
    """One shopper's tab: the widget's queue, identity, flush timer and heartbeat."""

    def __init__(
        self, sim: Simulator, visitor_id: str, customer: Customer | None, rng: random.Random
    ) -> None:
        self._sim = sim
        self.visitor_id = visitor_id
        self.visit_id = secrets.token_hex(16)
        self.customer = customer
        self.user_agent = rng.choice(USER_AGENTS)
        self.identity: dict[str, str] | None = None
        self.queue: list[dict[str, Any]] = []
        self.clock = 0.0  # simulated seconds since the visit began
        self.queued_since = 0.0
        self.last_heartbeat = 0.0
        self.visible = True
        self.on_page = False
        self.last_url: str | None = None
        self.received: list[dict[str, Any]] = []  # playbook offers the widget would show

    def offers(self) -> list[dict[str, Any]]:
        found, self.received = self.received, []
        return found

    def page_view(self, path: str, title: str, page_type: str, referrer: str | None) -> None:
        url = self._sim.base_url + path
        fields: dict[str, object] = {"url": url, "title": title, "page_type": page_type}
        if referrer or self.last_url:
            fields["referrer"] = referrer or self.last_url
        self.emit("page_view", **fields)
        self.last_url, self.on_page, self.last_heartbeat = url, True, self.clock

    def emit(self, event_type: str, **fields: object) -> None:
        if not self.queue:
            self.queued_since = self.clock
        self.queue.append(
            {
                "id": secrets.token_hex(8),
                "type": event_type,
                "ts": int(time.time() * 1000),
                **fields,
            }
        )

    def identify(self) -> None:
        if self.customer is None or self.identity is not None or not self._sim.site_secret:
            return
        customer_id = self.customer.customer_id
        self.identity = {
            "customer_id": customer_id,
            "signature": sign_customer_id(self._sim.site_secret, customer_id),
        }
        self._sim.stats.identified_visits += 1

    def set_visible(self, visible: bool) -> None:
        self.visible = visible
        self.last_heartbeat = self.clock

    async def pause(self, seconds: float) -> None:
        """Let simulated time pass, flushing after ~1 s and beating every 30 s like the widget."""
        end = self.clock + seconds
        while True:
            wake = end
            if self.queue:
                wake = min(wake, self.queued_since + FLUSH_INTERVAL)
            beating = self.visible and self.on_page
            if beating:
                wake = min(wake, self.last_heartbeat + HEARTBEAT_INTERVAL)
            await self._sim.sleep(wake - self.clock)
            self.clock = max(self.clock, wake)
            if beating and self.clock >= self.last_heartbeat + HEARTBEAT_INTERVAL:
                self.emit("heartbeat")
                self.last_heartbeat = self.clock
            if self.queue and self.clock >= self.queued_since + FLUSH_INTERVAL:
                await self.flush()
            if self.clock >= end:
                return

    async def flush(self, *, final: bool = False) -> None:
        while self.queue:
            events = self.queue[:MAX_EVENTS_PER_BATCH]
            del self.queue[:MAX_EVENTS_PER_BATCH]
            body: dict[str, Any] = {
                "site_key": self._sim.site_key,
                "visitor_id": self.visitor_id,
                "visit_id": self.visit_id,
                "events": events,
            }
            if self.identity:
                body["identity"] = self.identity
            await self._sim.tracker.send(body, self.user_agent, final=final, inbox=self.received)


class Simulator:
    """A population of about `shoppers` concurrent visits; each leaver is replaced by a newcomer."""

    def __init__(
        self,
        base_url: str,
        site_key: str,
        site_secret: str,
        shoppers: int = 80,
        speed: float = 1.0,
        seed: int | None = None,
    ) -> None:
        if not 1 <= shoppers <= MAX_SHOPPERS:
            raise ValueError(f"shoppers must be between 1 and {MAX_SHOPPERS}, got {shoppers}")
        if not 0 < speed <= 10_000:
            raise ValueError(f"speed must be a positive factor (at most 10000), got {speed}")
        if not store_data.PRODUCTS:
            raise RuntimeError(
                "salon.demo.store_data.PRODUCTS is empty: the simulator needs "
                "the demo catalogue to browse"
            )
        split = urlsplit(base_url)
        if split.scheme not in ("http", "https") or not split.netloc:
            raise ValueError(f"--url must be an http(s) base URL, got {base_url!r}")
        self.base_url = f"{split.scheme}://{split.netloc}{split.path.rstrip('/')}"
        self.origin = f"{split.scheme}://{split.netloc}"
        self.site_key, self.site_secret = site_key, site_secret
        self.shoppers, self.speed = shoppers, speed
        self.products = tuple(store_data.PRODUCTS)
        self.customers = tuple(store_data.CUSTOMERS)
        self.stats = SimulatorStats()
        self._rng = random.Random(seed)
        self._stop = asyncio.Event()
        self._anonymous_pool: list[str] = []
        self._customer_visitors: dict[str, str] = {}
        self._online_customers: set[str] = set()
        self._tracker: _Tracker | None = None

    @property
    def tracker(self) -> _Tracker:
        assert self._tracker is not None, "the simulator is not running"
        return self._tracker

    async def sleep(self, simulated_seconds: float) -> None:
        if await _sleep_unless(self._stop, simulated_seconds / self.speed):
            raise _Stopped

    async def run(
        self,
        duration: float | None = None,
        stop: asyncio.Event | None = None,
        log_interval: float = 10.0,
    ) -> SimulatorStats:
        """Run until `stop` is set or `duration` wall-clock seconds pass (forever if neither)."""
        limits = httpx.Limits(
            max_connections=min(100, self.shoppers),
            max_keepalive_connections=min(100, self.shoppers),
        )
        headers = {"Origin": self.origin}
        async with httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            limits=limits,
            timeout=httpx.Timeout(10.0, pool=60.0),
        ) as client:
            self._tracker = _Tracker(client, self.stats, self._stop)
            slots = [
                asyncio.create_task(self._slot(random.Random(self._rng.getrandbits(64))))
                for _ in range(self.shoppers)
            ]
            reporter = asyncio.create_task(self._report(log_interval))
            waiter = asyncio.create_task((stop or asyncio.Event()).wait())
            try:
                await asyncio.wait({waiter}, timeout=duration)
            finally:
                waiter.cancel()
                self._stop.set()
                await asyncio.gather(*slots, return_exceptions=True)
                reporter.cancel()
        log.info("simulator finished: %s", self.stats.summary())
        return self.stats

    async def _report(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            log.info("simulator: %s", self.stats.summary())

    async def _slot(self, rng: random.Random) -> None:
        """One place in the population: shoppers come one after another, forever."""
        try:
            await self.sleep(rng.uniform(0.0, 15.0))  # stagger the first arrivals
            while True:
                try:
                    await self._visit(rng)
                except _Stopped:
                    raise
                except Exception:  # a bug in one visit must not stop the floor
                    log.exception("simulated visit failed")
                await self.sleep(rng.uniform(0.5, 5.0))
        except _Stopped:
            return

    async def _visit(self, rng: random.Random) -> None:
        visitor_id, customer = self._choose_visitor(rng)
        persona = pick_persona(rng, customer=customer is not None)
        visit = _Visit(self, visitor_id, customer, rng)
        early = customer is not None and (persona.identifies or rng.random() < 0.5)
        script = ShopperScript(
            visit,
            rng,
            persona,
            self.products,
            identify_early=early,
            identify_late=customer is not None and not early,
        )
        self.stats.visits_started += 1
        self.stats.active_shoppers += 1
        stopped = False
        try:
            await script.run()
        except _Stopped:
            stopped = True
        finally:
            self.stats.active_shoppers -= 1
            self.stats.visits_finished += 1
            self._release_visitor(visitor_id, customer)
        await visit.flush(final=stopped)  # the widget's beacon on page hide
        if stopped:
            raise _Stopped

    def _choose_visitor(self, rng: random.Random) -> tuple[str, Customer | None]:
        if rng.random() < RETURNING_SHARE:
            if self.customers and self.site_secret and rng.random() < IDENTIFYING_SHARE:
                free = [c for c in self.customers if c.customer_id not in self._online_customers]
                if free:
                    customer = rng.choice(free)
                    self._online_customers.add(customer.customer_id)
                    self.stats.returning_visits += 1
                    visitor_id = self._customer_visitors.setdefault(
                        customer.customer_id, secrets.token_hex(16)
                    )
                    return visitor_id, customer
            if self._anonymous_pool:
                index = rng.randrange(len(self._anonymous_pool))
                pool = self._anonymous_pool
                pool[index], pool[-1] = pool[-1], pool[index]
                self.stats.returning_visits += 1
                return pool.pop(), None
        return secrets.token_hex(16), None

    def _release_visitor(self, visitor_id: str, customer: Customer | None) -> None:
        if customer is not None:
            self._online_customers.discard(customer.customer_id)
            return
        self._anonymous_pool.append(visitor_id)
        if len(self._anonymous_pool) > POOL_SIZE:
            self._anonymous_pool.pop(self._rng.randrange(POOL_SIZE))


async def run_simulator(
    base_url: str,
    site_key: str,
    site_secret: str,
    shoppers: int = 80,
    speed: float = 1.0,
    duration: float | None = None,
    seed: int | None = None,
    stop: asyncio.Event | None = None,
) -> SimulatorStats:
    """Drive `shoppers` simulated shoppers against a running Salon until stopped.

    `speed` divides every simulated delay (think times, flush timer, heartbeats), so tests can
    run minutes of shopping in seconds; `duration` is in wall-clock seconds.
    """
    simulator = Simulator(
        base_url, site_key, site_secret, shoppers=shoppers, speed=speed, seed=seed
    )
    return await simulator.run(duration=duration, stop=stop)


def _shopper_count(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_SHOPPERS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_SHOPPERS}")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


async def _run_until_signalled(args: argparse.Namespace, secret: str) -> SimulatorStats:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    simulator = Simulator(
        args.url, args.site_key, secret, shoppers=args.shoppers, speed=args.speed, seed=args.seed
    )
    return await simulator.run(duration=args.duration, stop=stop, log_interval=args.log_interval)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m salon.demo.simulator",
        description="Simulated shoppers browsing the demo store through POST /api/track. "
        f"The site secret (for identifying returning customers) is read from "
        f"${SECRET_ENV}.",
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="Salon's base URL")
    parser.add_argument("--site-key", required=True, help="the site's public key (pk_...)")
    parser.add_argument(
        "--shoppers",
        type=_shopper_count,
        default=80,
        help=f"concurrent shoppers, 1-{MAX_SHOPPERS} (default 80)",
    )
    parser.add_argument(
        "--speed",
        type=_positive,
        default=1.0,
        help="time compression: 10 makes shoppers act 10x faster (default 1)",
    )
    parser.add_argument(
        "--duration",
        type=_positive,
        default=None,
        help="stop after this many wall-clock seconds (default: until Ctrl-C)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for reproducible behaviour")
    parser.add_argument(
        "--log-interval",
        type=_positive,
        default=10.0,
        help="seconds between summary lines (default 10)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is too much
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        log.warning(
            "%s is not set: returning customers will browse without identifying", SECRET_ENV
        )
    try:
        stats = asyncio.run(_run_until_signalled(args, secret))
    except (RuntimeError, ValueError) as exc:
        print(f"simulator: {exc}", file=sys.stderr)
        return 1
    print(stats.summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
