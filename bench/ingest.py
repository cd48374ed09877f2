"""Ingest throughput: how many tracking events per second a running Salon sustains.

    python bench/ingest.py --url http://127.0.0.1:8000 --site-key pk_... --seconds 20 \\
        --concurrency 16 --batch 20 [--processes 2] [--json]

`--url` may list several nodes of one installation, separated by commas: the connections are
spread over them round-robin.

Each load process posts valid batches (a realistic event mix from many synthetic visitors) to
POST /api/track as fast as the server answers, from its own process, never the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import random
import resource
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import SynchronizedArray
from typing import Any

import _common
from _common import SyntheticShopper, ms, percentiles


@dataclass
class WorkerResult:
    events: int = 0
    batches: int = 0
    by_url: dict[str, int] = field(default_factory=dict)  # events accepted by each node
    statuses: dict[str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    cpu_share: float = 0.0  # CPU seconds per wall second in the load process


@dataclass(frozen=True)
class WorkerPlan:
    urls: tuple[str, ...]  # the nodes; connection n (over all processes) posts to urls[n % len]
    site_key: str
    connections: int
    batch: int
    visitors: int
    start_at: float  # time.monotonic() when measuring starts (after warm-up)
    end_at: float
    slot: int
    processes: int = 1


async def _load(plan: WorkerPlan, progress: SynchronizedArray[int]) -> WorkerResult:
    began = time.monotonic()
    result = WorkerResult()
    rng = random.Random()
    shoppers = [SyntheticShopper(plan.urls[0], rng) for _ in range(plan.visitors)]

    async def worker(index: int) -> None:
        url = plan.urls[(plan.slot + index * plan.processes) % len(plan.urls)]
        async with _common.client(url, 1) as http:
            turn = index
            while (now := time.monotonic()) < plan.end_at:
                shopper = shoppers[turn % len(shoppers)]
                turn += plan.connections
                payload = shopper.body(plan.site_key, shopper.events(plan.batch))
                content = json.dumps(payload).encode()
                sent = time.monotonic()
                try:
                    response = await http.post("/api/track", content=content)
                    status = str(response.status_code)
                except Exception as exc:  # timeouts, resets: counted, never fatal
                    status = type(exc).__name__
                done = time.monotonic()
                if now < plan.start_at:  # warm-up: connections and caches settle
                    continue
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.latencies.append(done - sent)
                if status == "200":
                    result.batches += 1
                    result.events += plan.batch
                    result.by_url[url] = result.by_url.get(url, 0) + plan.batch
                    progress[plan.slot] += plan.batch
                elif status == "429":
                    await asyncio.sleep(min(5.0, _retry_after(response)))

    await asyncio.gather(*(worker(i) for i in range(plan.connections)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.cpu_share = (usage.ru_utime + usage.ru_stime) / (time.monotonic() - began)
    return result


def _retry_after(response: Any) -> float:
    try:
        return float(response.headers.get("Retry-After", "1"))
    except ValueError:
        return 1.0


def _run_worker(plan: WorkerPlan, progress: SynchronizedArray[int], results: Any) -> None:
    results.put(asyncio.run(_load(plan, progress)))


async def _preflight(url: str, site_key: str) -> None:
    """One real batch first, so a wrong key or a stopped server is a clear message, not noise."""
    shopper = SyntheticShopper(url, random.Random())
    async with _common.client(url, 1, timeout=10) as http:
        try:
            response = await http.post("/api/track",
                                       json=shopper.body(site_key, [shopper.page_view()]))
        except Exception as exc:
            raise SystemExit(f"cannot reach {url}/api/track: {exc}") from exc
    if response.status_code != 200:
        raise SystemExit(f"POST /api/track answered {response.status_code}: {response.text[:300]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--site-key", required=True)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured duration")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured lead-in seconds")
    parser.add_argument("--concurrency", type=int, default=16, help="connections in flight")
    parser.add_argument("--batch", type=int, default=20, help="events per batch (1-100)")
    parser.add_argument("--visitors", type=int, default=2000, help="synthetic visitors")
    parser.add_argument("--processes", type=int, default=1,
                        help="load processes sharing --concurrency (Python clients top out "
                             "near 1,000 requests/s each)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    if not (1 <= args.batch <= 100 and args.concurrency >= 1 and args.seconds > 0
            and 1 <= args.processes <= args.concurrency):
        parser.error("need 1 <= --batch <= 100, --seconds > 0, 1 <= --processes <= --concurrency")
    urls = _common.base_urls(args.url)
    for url in urls:
        asyncio.run(_preflight(url, args.site_key))

    ctx = mp.get_context("spawn")
    progress: SynchronizedArray[int] = ctx.Array("q", args.processes, lock=False)
    start_at = time.monotonic() + 1.0 + args.warmup  # 1 s for the processes to start
    end_at = start_at + args.seconds
    plans = [WorkerPlan(tuple(urls), args.site_key,
                        len(range(i, args.concurrency, args.processes)), args.batch,
                        max(1, args.visitors // args.processes), start_at, end_at, i,
                        args.processes)
             for i in range(args.processes)]
    queue = ctx.Queue()
    workers = [ctx.Process(target=_run_worker, args=(plan, progress, queue), daemon=True)
               for plan in plans]
    for worker in workers:
        worker.start()
    _show_progress(progress, start_at, end_at, quiet=args.json)
    results: list[WorkerResult] = [queue.get(timeout=end_at - time.monotonic() + 60)
                                   for _ in workers]
    for worker in workers:
        worker.join(timeout=10)

    statuses: dict[str, int] = {}
    for r in results:
        for status, count in r.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    latencies = [x for r in results for x in r.latencies]
    by_url = {url: sum(r.by_url.get(url, 0) for r in results) for url in urls}
    events = sum(r.events for r in results)
    batches = sum(r.batches for r in results)
    errors = sum(count for status, count in statuses.items() if status != "200")
    cpu_share = max(r.cpu_share for r in results)
    report = {"bench": "ingest", "nodes": len(urls), "seconds": args.seconds,
              "concurrency": args.concurrency,
              "batch": args.batch, "processes": args.processes,
              "events_per_s": round(events / args.seconds, 1),
              "batches_per_s": round(batches / args.seconds, 1),
              "events_per_s_by_node": {url: round(n / args.seconds, 1)
                                       for url, n in by_url.items()},
              "latency_ms": {k: round(v * 1000, 2) if k != "count" else v
                             for k, v in percentiles(latencies).items()},
              "errors": errors, "statuses": statuses,
              "client_cpu_share": round(cpu_share, 2)}
    if args.json:
        print(json.dumps(report))
    else:
        _print_report(report, latencies)
    return 0 if batches else 1


def _show_progress(progress: SynchronizedArray[int], start_at: float, end_at: float, *,
                   quiet: bool) -> None:
    if quiet or not sys.stdout.isatty():
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), TimeRemainingColumn(),
                  transient=True) as bar:
        task = bar.add_task("warming up", total=end_at - start_at)
        while time.monotonic() < end_at:
            now = time.monotonic()
            done = max(0.0, now - start_at)
            rate = sum(progress[:]) / done if done > 0.5 else 0.0
            label = f"{rate:,.0f} events/s" if now >= start_at else "warming up"
            bar.update(task, completed=min(done, end_at - start_at), description=label)
            time.sleep(0.25)


def _print_report(report: dict[str, Any], latencies: list[float]) -> None:
    lat = percentiles(latencies)
    print(f"ingest: {report['nodes']} node(s), {report['seconds']:g} s measured, "
          f"{report['concurrency']} connections, "
          f"batches of {report['batch']}, {report['processes']} load process(es)")
    print(f"  sustained   {report['events_per_s']:,.0f} events/s   "
          f"{report['batches_per_s']:,.0f} batches/s")
    if len(report["events_per_s_by_node"]) > 1:
        print("  by node     " + "   ".join(f"{url} {rate:,.0f}/s" for url, rate
                                            in report["events_per_s_by_node"].items()))
    print(f"  latency     p50 {ms(lat['p50'])}   p90 {ms(lat['p90'])}   p99 {ms(lat['p99'])}   "
          f"max {ms(lat['max'])}   ({lat['count']} requests)")
    print(f"  errors      {report['errors']}   statuses {report['statuses']}")
    if report["statuses"].get("429"):
        print("  note        the server rate-limited the bench; raise its limits for benchmarking")
    if report["client_cpu_share"] > 0.85:
        print(f"  note        a load process was {report['client_cpu_share']:.0%} busy: the "
              "client may be the limit; try more --processes")


if __name__ == "__main__":
    raise SystemExit(main())
