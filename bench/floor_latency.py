"""Floor latency: time from a tracking POST to the console delta that shows it, under load.

    python bench/floor_latency.py --url http://127.0.0.1:8000 --site-key pk_... \\
        --email admin@example.com --password ... --visitors 1000 --consoles 10 \\
        --seconds 30 --rate 5000

Logs in like the console, opens `--consoles` floor WebSockets (in separate processes), keeps
`--visitors` visits live with `--rate` events/s in total, and every 1/`--marker-rate` s sends a
page_view whose title carries a unique marker. Each console records when a delta upserts a
VisitSummary whose page.title holds that marker; latency = arrival - POST start, over all
consoles and markers. Send and receive times are time.monotonic(), one clock for every process
on the machine (Linux CLOCK_MONOTONIC). Filler traffic never retitles a visit that carries a
recent marker, so deltas the server coalesces (~100 ms) still show every marker.

Several nodes of one installation: `--url` may list them, separated by commas (the sending
connections are spread over them round-robin), and `--console-url` puts the consoles (and the
login) on another node; the report then also gives the latency by the node that took the event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import re
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import _common
import httpx
from _common import SyntheticShopper, ms, percentiles
from websockets.asyncio.client import connect
from websockets.typing import Origin

MARKER_QUIET = 10.0  # seconds a visit keeps its marker title before filler may retitle it
PASSWORD_ENV = "SALON_BENCH_PASSWORD"


@dataclass(frozen=True)
class FloorLogin:
    cookie: str
    csrf: str
    site_id: str


@dataclass
class ConsoleResult:
    seen: dict[int, float] = field(default_factory=dict)  # marker -> arrival (monotonic)
    frames: int = 0
    bytes: int = 0
    seq_gaps: int = 0
    resyncs: int = 0
    error: str | None = None


async def login(url: str, email: str, password: str, site_key: str) -> FloorLogin:
    async with _common.client(url, 1, timeout=15) as http:
        response = await http.post("/api/auth/login", json={"email": email,
                                                             "password": password})
        if response.status_code != 200:
            raise SystemExit(f"login failed ({response.status_code}): {response.text[:300]}")
        cookie = response.cookies.get("salon_session")
        if not cookie:
            raise SystemExit("login answered 200 but set no salon_session cookie")
        me = await http.get("/api/auth/me", headers={"Cookie": f"salon_session={cookie}"})
        if me.status_code != 200:
            raise SystemExit(f"GET /api/auth/me failed ({me.status_code}): {me.text[:300]}")
        body = me.json()
    site = next((s for s in body.get("sites", []) if s.get("key") == site_key), None)
    if site is None:
        raise SystemExit(f"the associate cannot see a site with key {site_key!r}")
    return FloorLogin(cookie, body.get("csrf_token") or response.json()["csrf_token"],
                      str(site["id"]))


# ---- consoles (run in their own processes) ---------------------------------------------------

async def _console(url: str, auth: FloorLogin, pattern: re.Pattern[str], ready: Any,
                   stop: Any) -> ConsoleResult:
    result = ConsoleResult()
    ws_url = re.sub(r"^http", "ws", url) + "/ws/floor"
    try:
        async with connect(ws_url, origin=Origin(_common.origin_of(url)), max_size=2**26,
                           additional_headers={"Cookie": f"salon_session={auth.cookie}"},
                           open_timeout=15) as ws:
            await ws.send(json.dumps({"type": "hello", "csrf": auth.csrf,
                                      "site_id": auth.site_id, "last_seq": None}))
            first = json.loads(await asyncio.wait_for(ws.recv(), 15))
            if first.get("type") != "snapshot":
                raise RuntimeError(f"expected a snapshot, got {str(first)[:200]}")
            seq = first["seq"]
            ready.put("ok")
            while not stop.is_set():
                try:
                    text = await asyncio.wait_for(ws.recv(), 0.25)
                except TimeoutError:
                    continue
                arrived = time.monotonic()
                result.frames += 1
                result.bytes += len(text)
                frame = json.loads(text)
                if frame.get("type") == "snapshot":
                    result.resyncs += 1
                    visits = frame.get("visits", [])
                elif frame.get("type") == "delta":
                    result.seq_gaps += frame["seq"] != seq + 1
                    visits = frame.get("upsert", [])
                else:
                    raise RuntimeError(f"server sent {str(frame)[:200]}")
                seq = frame["seq"]
                for visit in visits:
                    match = pattern.search((visit.get("page") or {}).get("title") or "")
                    if match:
                        result.seen.setdefault(int(match.group(1)), arrived)
    except Exception as exc:  # reported, so one broken console never hides the others' data
        result.error = f"{type(exc).__name__}: {exc}"
        ready.put(result.error)
    return result


def _consoles_process(url: str, auth: FloorLogin, pattern: str, count: int, ready: Any,
                      stop: Any, results: Any) -> None:
    async def run() -> list[ConsoleResult]:
        compiled = re.compile(pattern)
        return await asyncio.gather(*(_console(url, auth, compiled, ready, stop)
                                      for _ in range(count)))
    results.put(asyncio.run(run()))


# ---- visitors (the main process) -------------------------------------------------------------

@dataclass
class Sender:
    url: str
    site_key: str
    shoppers: list[SyntheticShopper]
    rate: float
    batch: int
    marker_rate: float
    run_tag: str
    urls: tuple[str, ...] = ()  # nodes to send to, round-robin by connection; () = (url,)
    sent: dict[int, float] = field(default_factory=dict)  # marker -> POST start (monotonic)
    sent_via: dict[int, str] = field(default_factory=dict)  # marker -> node that took it
    marked_at: dict[int, float] = field(default_factory=dict)  # shopper index -> last marker
    events: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    _next_batch: int = 0
    _markers: int = 0
    _filler: int = 0

    async def warm_up(self, connections: int) -> None:
        """One page_view per visitor, so all of them are live on the floor before measuring."""
        queue = list(enumerate(self.shoppers))

        async def worker(index: int) -> None:
            async with _common.client(self._node(index), 1) as http:
                while queue:
                    _, shopper = queue.pop()
                    await self._post(http, shopper.body(self.site_key, [shopper.page_view()]))
        await asyncio.gather(*(worker(i) for i in range(connections)))

    def _node(self, connection: int) -> str:
        urls = self.urls or (self.url,)
        return urls[connection % len(urls)]

    async def drive(self, connections: int, start: float, end: float) -> None:
        marker_every = 1.0 / self.marker_rate
        next_marker = start

        async def worker(index: int) -> None:
            nonlocal next_marker
            node = self._node(index)
            async with _common.client(node, 1) as http:
                while True:
                    due = start + self._next_batch * self.batch / self.rate
                    if due >= end:
                        return
                    self._next_batch += 1
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                    marker: int | None = None
                    if time.monotonic() >= next_marker:
                        next_marker += marker_every
                        marker, self._markers = self._markers, self._markers + 1
                    await self._send_one(http, marker, node)
        await asyncio.gather(*(worker(i) for i in range(connections)))

    async def _send_one(self, http: httpx.AsyncClient, marker: int | None,
                        node: str = "") -> None:
        now = time.monotonic()
        if marker is not None:
            index = marker % len(self.shoppers)
            shopper = self.shoppers[index]
            events = shopper.events(self.batch - 1, page_views=False)
            events.append(shopper.page_view(f"Bench {self.run_tag} mk{marker} | Maison Aurel"))
            self.marked_at[index] = now
        else:
            index, self._filler = self._filler % len(self.shoppers), self._filler + 1
            shopper = self.shoppers[index]
            quiet = now - self.marked_at.get(index, -MARKER_QUIET) >= MARKER_QUIET
            events = shopper.events(self.batch, page_views=quiet)
        started = time.monotonic()
        if await self._post(http, shopper.body(self.site_key, events)) and marker is not None:
            self.sent[marker] = started
            self.sent_via[marker] = node or self.url

    async def _post(self, http: httpx.AsyncClient, body: dict[str, Any]) -> bool:
        try:
            response = await http.post("/api/track", content=json.dumps(body).encode())
            status = str(response.status_code)
        except Exception as exc:
            status = type(exc).__name__
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == "200":
            self.events += len(body["events"])
        return status == "200"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000",
                        help="the node(s) events are sent to, separated by commas")
    parser.add_argument("--console-url", default=None,
                        help="the node the consoles join (default: the first --url)")
    parser.add_argument("--site-key", required=True)
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", default=os.environ.get(PASSWORD_ENV),
                        help=f"the associate's password (or ${PASSWORD_ENV})")
    parser.add_argument("--visitors", type=int, default=1000, help="live visits kept busy")
    parser.add_argument("--consoles", type=int, default=10, help="floor WebSockets")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured duration")
    parser.add_argument("--rate", type=float, default=5000.0, help="total events/s")
    parser.add_argument("--batch", type=int, default=10, help="events per POST (1-100)")
    parser.add_argument("--marker-rate", type=float, default=20.0, help="samples per second")
    parser.add_argument("--connections", type=int, default=32, help="HTTP connections")
    parser.add_argument("--console-processes", type=int, default=2)
    parser.add_argument("--grace", type=float, default=5.0,
                        help="seconds to wait for the last deltas after sending stops")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    if not args.password:
        parser.error(f"--password (or ${PASSWORD_ENV}) is required")
    if not (1 <= args.batch <= 100 and args.visitors >= 1 and args.consoles >= 1
            and args.seconds > 0 and args.rate > 0 and 0 < args.marker_rate <= args.rate):
        parser.error("need 1 <= --batch <= 100 and positive counts and rates")
    urls = _common.base_urls(args.url)
    url = _common.base_url(args.console_url or urls[0])
    auth = asyncio.run(login(url, args.email, args.password, args.site_key))
    run_tag = secrets.token_hex(4)

    ctx = mp.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    processes = max(1, min(args.console_processes, args.consoles))
    counts = [len(range(i, args.consoles, processes)) for i in range(processes)]
    workers = [ctx.Process(target=_consoles_process, daemon=True,
                           args=(url, auth, rf"Bench {run_tag} mk(\d+)\b", n, ready, stop,
                                 results)) for n in counts]
    for worker in workers:
        worker.start()
    problems = [p for p in (_take(ready, "a console to join") for _ in range(args.consoles))
                if p != "ok"]
    if problems:
        stop.set()
        raise SystemExit(f"{len(problems)} console(s) could not join the floor: {problems[0]}")

    rng = random.Random()
    sender = Sender(urls[0], args.site_key,
                    [SyntheticShopper(urls[0], rng) for _ in range(args.visitors)],
                    args.rate, args.batch, args.marker_rate, run_tag, tuple(urls))
    # with --json, progress goes to stderr: stdout stays one JSON line
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else print
    say(f"floor: {args.consoles} consoles joined; warming up {args.visitors} visitors ...")
    asyncio.run(sender.warm_up(args.connections))
    warm_events = sender.events

    async def measured() -> float:
        start = time.monotonic() + 0.2
        await sender.drive(args.connections, start, start + args.seconds)
        return time.monotonic() - start
    say(f"floor: sending {args.rate:,.0f} events/s for {args.seconds:g} s ...")
    elapsed = asyncio.run(measured())
    time.sleep(args.grace)
    stop.set()
    consoles: list[ConsoleResult] = [r for _ in workers
                                     for r in _take(results, "console results")]
    for worker in workers:
        worker.join(timeout=10)
    return _report(args, sender, consoles, (sender.events - warm_events) / elapsed)


def _take(queue: Any, what: str) -> Any:
    try:
        return queue.get(timeout=60)
    except Exception as exc:  # queue.Empty: a console process died or hung
        raise SystemExit(f"gave up waiting for {what} after 60 s") from exc


def _report(args: argparse.Namespace, sender: Sender, consoles: list[ConsoleResult],
            achieved: float) -> int:
    latencies = [c.seen[m] - t for c in consoles for m, t in sender.sent.items() if m in c.seen]
    expected = len(sender.sent) * len(consoles)
    stats = percentiles(latencies)
    errors = sum(n for status, n in sender.statuses.items() if status != "200")
    by_node = {node: percentiles([c.seen[m] - t for c in consoles for m, t in sender.sent.items()
                                  if m in c.seen and sender.sent_via.get(m) == node])
               for node in sender.urls or (sender.url,)}
    report = {"bench": "floor_latency", "visitors": args.visitors, "consoles": args.consoles,
              "seconds": args.seconds, "target_rate": args.rate,
              "achieved_rate": round(achieved, 1), "samples": len(sender.sent),
              "latency_ms": {k: round(v * 1000, 1) if k != "count" else v
                             for k, v in stats.items()},
              "missing": expected - len(latencies), "errors": errors,
              "statuses": sender.statuses, "seq_gaps": sum(c.seq_gaps for c in consoles),
              "resyncs": sum(c.resyncs for c in consoles),
              "console_errors": [c.error for c in consoles if c.error],
              "mb_per_console": round(sum(c.bytes for c in consoles) / len(consoles) / 1e6, 1),
              "console_url": args.console_url or sender.url,
              "latency_ms_by_node": {node: {k: round(v * 1000, 1) if k != "count" else v
                                            for k, v in node_stats.items()}
                                     for node, node_stats in by_node.items()}}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"floor latency: {args.visitors} visitors, {args.consoles} consoles, "
              f"{args.seconds:g} s; events/s target {args.rate:,.0f}, achieved {achieved:,.0f}")
        print(f"  event -> console   p50 {ms(stats['p50'])}   p90 {ms(stats['p90'])}   "
              f"p99 {ms(stats['p99'])}   max {ms(stats['max'])}   "
              f"({stats['count']} of {expected} marker arrivals)")
        if len(by_node) > 1 or args.console_url:
            print(f"  consoles on {report['console_url']}; by the node that took the event:")
            for node, node_stats in by_node.items():
                print(f"    {node}   p50 {ms(node_stats['p50'])}   p99 {ms(node_stats['p99'])}"
                      f"   ({node_stats['count']} arrivals)")
        print(f"  missing {report['missing']}   POST errors {errors} {sender.statuses}   "
              f"seq gaps {report['seq_gaps']}   resyncs {report['resyncs']}   "
              f"{report['mb_per_console']} MB received per console")
        for error in report["console_errors"]:
            print(f"  console error: {error}")
        if sender.statuses.get("429"):
            print("  note: the server rate-limited the bench; raise its limits for benchmarking")
        if achieved < 0.95 * args.rate:
            print("  note: the target rate was not reached (server or this client saturated)")
    return 0 if latencies else 1


if __name__ == "__main__":
    sys.exit(main())
