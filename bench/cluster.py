"""Several nodes (issue 8): `salon serve` processes on one PostgreSQL database and one Redis.

Each scenario gets a fresh PostgreSQL database (tests.support.fresh_database) and Redis DB 15 of
the machine's Redis (FLUSHDB first and after), starts its nodes as their own processes and drives
them from separate processes on loopback with the existing drivers (bench/ingest.py,
bench/floor_latency.py, bench/chat_latency.py). It prints a table and the Markdown rows for
docs/benchmarks.md.

    .venv/bin/python bench/cluster.py [--seconds 20] [--only ingest,floor,chat,memory]
        [--profile DIR]

- ingest: events/s that 1 node and 2 nodes (connections spread over both) sustain;
- floor: 5,000 live visitors, 50 console sockets on node 2, events sent to nodes 1 and 2;
  event -> console delta p50/p99 at `--floor-rate` events/s;
- chat: 1,000 conversations, shoppers on node 1, `--associates` associates' consoles on node 2;
  send -> console frame p50/p99;
- memory: VmRSS of each node with 0 and with 5,000 live visitors; the difference / 5,000.

Every node, the load processes and the consoles share this machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import redis
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import _common  # noqa: E402
from _common import SyntheticShopper  # noqa: E402
from _measure import CpuShare, Node, Profiler, cpu_model, summarise_profile  # noqa: E402
from floor_latency import login  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.typing import Origin  # noqa: E402

from salon.db.engine import Database  # noqa: E402
from salon.identity.service import create_associate, create_site  # noqa: E402
from tests.support import free_port, fresh_database  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/15"
EMAIL, PASSWORD = "bench@example.com", "bench-password-1"
console = Console()


def chat_email(n: int) -> str:
    return f"bench-chat-{n}@example.com"


@dataclass
class Installation:
    nodes: list[Node]
    site_key: str
    tmp: Path

    @property
    def bases(self) -> list[str]:
        return [node.base for node in self.nodes]


def _flush_redis() -> None:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


def _wait_healthy(node: Node, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(node.base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if node.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{node.name} did not start; see its log")
        time.sleep(0.2)


@contextmanager
def installation(tmp: str, count: int, associates: int = 0,
                 extra_env: dict[str, str] | None = None) -> Iterator[Installation]:
    """`count` nodes on a fresh PostgreSQL database and a flushed Redis DB 15."""
    with fresh_database("postgresql", tmp) as url:
        _flush_redis()
        ports = [free_port() for _ in range(count)]
        bases = [f"http://127.0.0.1:{port}" for port in ports]

        async def setup() -> str:
            db = Database(url)
            try:
                site = await create_site(db, "Bench", bases)
                await create_associate(db, EMAIL, "Bench", PASSWORD, "associate", [site.id])
                for n in range(associates):
                    await create_associate(db, chat_email(n), f"Bench {n}", PASSWORD,
                                           "associate", [site.id])
                return site.key
            finally:
                await db.dispose()

        key = asyncio.run(setup())
        nodes: list[Node] = []
        logs = []
        try:
            for n, port in enumerate(ports, start=1):
                env = {**os.environ, "SALON_DATABASE_URL": url, "SALON_REDIS_URL": REDIS_URL,
                       "SALON_NODE_NAME": f"node-{n}", "SALON_LOG_LEVEL": "warning",
                       "SALON_WEEKLY_REPORT": "false",
                       # all load comes from 127.0.0.1: per-IP limits would measure themselves
                       "SALON_CHAT_STARTS_PER_MINUTE": "1000000",
                       "SALON_CHAT_MESSAGES_PER_MINUTE": "1000000",
                       "SALON_LOGIN_ATTEMPTS_PER_5MIN": "1000",
                       "SALON_API_CALLS_PER_MINUTE": "1000000", **(extra_env or {})}
                log = open(Path(tmp) / f"node-{n}-{port}.log", "wb")  # noqa: SIM115
                logs.append(log)
                proc = subprocess.Popen(
                    [sys.executable, "-m", "salon.cli", "serve", "--port", str(port),
                     "--no-migrate"], env=env, stdout=log, stderr=subprocess.STDOUT)
                nodes.append(Node(f"node-{n}", f"http://127.0.0.1:{port}", proc))
            for node in nodes:
                _wait_healthy(node)
            yield Installation(nodes, key, Path(tmp))
        finally:
            for node in nodes:
                node.proc.terminate()
            for node in nodes:
                try:
                    node.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    node.proc.kill()
                    node.proc.wait(timeout=10)
            for log in logs:
                log.close()
            _flush_redis()


# ---- running the drivers, and profiling the nodes while they run ------------------------------

def run_script(script: str, args: list[str], profiler: Profiler, nodes: list[Node], label: str,
               profile_for: float, measuring: str | None = None,
               profile_after: float = 4.0) -> dict[str, Any]:
    """One driver in its own process; its JSON report (or the error it ended with).

    The profile starts when the driver says on stderr that it is `measuring` (or, without
    that, `profile_after` s after it started). The report gets `cpu`: cores used meanwhile by
    each node, the load processes and the rest of the machine (PostgreSQL, Redis and whatever
    else runs there), averaged over the run.
    """
    meter = CpuShare(nodes).__enter__()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / script), *args, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SALON_BENCH_PASSWORD": PASSWORD})
    said: list[str] = []

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            said.append(line)
            if measuring and line.startswith(measuring):
                profiler.start(nodes, label, profile_for)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    if not measuring:
        try:
            proc.wait(timeout=profile_after)
        except subprocess.TimeoutExpired:
            profiler.start(nodes, label, profile_for)
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.wait(timeout=900)
    reader.join(timeout=10)
    cpu = meter.result()
    profiler.finish()
    err = "".join(said)
    lines = out.strip().splitlines()
    if proc.returncode not in (0, 1) or not lines:
        return {"error": (err or out).strip()[-600:] or f"exit code {proc.returncode}"}
    try:
        result: dict[str, Any] = json.loads(lines[-1])
    except json.JSONDecodeError:
        return {"error": (err or out).strip()[-600:]}
    result["cpu"] = cpu
    return result


# ---- memory: the floor of every node holds every live visit -----------------------------------

async def _floor_size(url: str, site_key: str) -> int:
    """How many visits a fresh console snapshot of this node's floor shows."""
    auth = await login(url, EMAIL, PASSWORD, site_key)
    ws_url = re.sub(r"^http", "ws", url) + "/ws/floor"
    async with connect(ws_url, origin=Origin(_common.origin_of(url)), max_size=2**27,
                       additional_headers={"Cookie": f"salon_session={auth.cookie}"},
                       open_timeout=15) as ws:
        await ws.send(json.dumps({"type": "hello", "csrf": auth.csrf, "site_id": auth.site_id,
                                  "last_seq": None}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if frame.get("type") == "snapshot":
                return len(frame.get("visits", []))


async def _make_live(urls: list[str], site_key: str, visitors: int, events: int) -> int:
    """`visitors` shoppers, each with a page view and `events` more events, over the nodes."""
    rng = random.Random(8)
    shoppers = [SyntheticShopper(urls[0], rng) for _ in range(visitors)]
    queue = list(enumerate(shoppers))
    failed = 0

    async def worker(index: int) -> None:
        nonlocal failed
        async with _common.client(urls[index % len(urls)], 1) as http:
            while queue:
                _, shopper = queue.pop()
                body = shopper.body(site_key, [shopper.page_view(), *shopper.events(events)])
                response = await http.post("/api/track", content=json.dumps(body).encode())
                failed += response.status_code != 200
    await asyncio.gather(*(worker(i) for i in range(16)))
    return failed


def memory(found: Installation, visitors: int) -> dict[str, Any]:
    """VmRSS of each node at rest and with `visitors` live visitors on its floor."""
    site_key = found.site_key
    # the code paths a visitor uses are loaded first (one visit, one console), then measured
    asyncio.run(_make_live(found.bases, site_key, 1, 5))
    for base in found.bases:
        asyncio.run(_floor_size(base, site_key))
    time.sleep(2.0)  # the node settles (imports done, first flushes over)
    before = {node.name: node.rss_kb() for node in found.nodes}
    failed = asyncio.run(_make_live(found.bases, site_key, visitors, 9))
    live = {}
    deadline = time.monotonic() + 60
    for node in found.nodes:
        while (live.setdefault(node.name, 0) < visitors + 1) and time.monotonic() < deadline:
            live[node.name] = asyncio.run(_floor_size(node.base, site_key))
    time.sleep(2.0)
    after = {node.name: node.rss_kb() for node in found.nodes}
    return {"visitors": visitors, "failed_posts": failed, "live": live, "rss_kb_before": before,
            "rss_kb_after": after,
            "kb_per_visitor": {name: round((after[name] - before[name]) / visitors, 2)
                               for name in before}}


# ---- chat: the first question loads the topics model; a deployment has done so already -------

async def _warm_topics(url: str, site_key: str, timeout: float = 120.0) -> float:
    """Ask one question through `url` and wait until it is grouped into a topic: the node has
    then loaded its embedding model (MiniLM, seconds of CPU), which happens once per process.
    Returns the seconds it took."""
    began = time.monotonic()
    auth = await login(url, EMAIL, PASSWORD, site_key)
    staff = {"Cookie": f"salon_session={auth.cookie}", "X-CSRF-Token": auth.csrf}
    async with _common.client(url, 2, timeout=30) as http:
        started = await http.post("/api/chat/conversations", json={
            "site_key": site_key, "visitor_id": os.urandom(16).hex(),
            "visit_id": os.urandom(16).hex(), "name": "Warm-up",
            "message": "Do you ship the tote to Switzerland?"})
        if started.status_code != 201:
            raise RuntimeError(f"warm-up chat answered {started.status_code}: {started.text}")
        answer = started.json()
        while time.monotonic() - began < timeout:
            topics = await http.get(f"/api/sites/{auth.site_id}/topics", headers=staff)
            if topics.status_code == 200 and topics.json().get("topics"):
                break
            await asyncio.sleep(0.5)
        await http.post(f"/api/chat/conversations/{answer['conversation']['id']}/close",
                        json={}, headers={"Authorization": f"Bearer {answer['token']}"})
    return round(time.monotonic() - began, 1)


# ---- main ------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="measured seconds per scenario")
    parser.add_argument("--only", default="ingest,floor,chat,memory")
    parser.add_argument("--floor-visitors", type=int, default=5000)
    parser.add_argument("--floor-consoles", type=int, default=50)
    parser.add_argument("--floor-rate", type=float, default=2000.0,
                        help="events/s asked of the two nodes together in the floor scenario")
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--associates", type=int, default=10,
                        help="associates holding the conversations, each with a console")
    parser.add_argument("--interval", type=float, default=10.0,
                        help="seconds between one shopper's messages")
    parser.add_argument("--chat-statements", action="store_true",
                        help="chat remarks instead of questions (no topic grouping)")
    parser.add_argument("--memory-visitors", type=int, default=5000)
    parser.add_argument("--node-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra setting for every node, e.g. SALON_INSIGHT=false "
                             "(repeat)")
    parser.add_argument("--profile", type=Path, default=None,
                        help="directory for py-spy profiles of every node during each scenario")
    parser.add_argument("--py-spy", default=None, help="the py-spy binary (default: the venv's)")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    unknown = wanted - {"ingest", "ingest-1", "ingest-2", "floor", "chat", "memory"}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    py_spy = args.py_spy or shutil.which("py-spy", path=str(Path(sys.executable).parent)) \
        or shutil.which("py-spy")
    if args.profile and not py_spy:
        parser.error("--profile needs py-spy (pip install py-spy, or --py-spy PATH)")
    profiler = Profiler(py_spy, args.profile)
    if any("=" not in item for item in args.node_env):
        parser.error("--node-env takes NAME=VALUE")
    node_env = dict(item.split("=", 1) for item in args.node_env)
    seconds = str(args.seconds)
    rows: list[tuple[str, str, str]] = []
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for count in (1, 2):
            if not wanted & {"ingest", f"ingest-{count}"}:
                continue
            with installation(tmp, count, extra_env=node_env) as found:
                console.print(f"[bold]ingest, {count} node(s)[/] …")
                result = run_script(
                    "ingest.py", ["--url", ",".join(found.bases), "--site-key", found.site_key,
                                  "--seconds", seconds, "--concurrency", str(32 * count),
                                  "--processes", str(count), "--batch", "20"],
                    profiler, found.nodes, f"ingest-{count}", args.seconds - 4)
                results[f"ingest-{count}"] = result
                rows.append(_with_cpu(_ingest_row(result, count), result))
        if "floor" in wanted:
            with installation(tmp, 2, extra_env=node_env) as found:
                first, second = found.bases
                console.print(f"[bold]floor, {args.floor_visitors:,} visitors, "
                              f"{args.floor_consoles} consoles on node 2[/] …")
                result = run_script(
                    "floor_latency.py",
                    ["--url", f"{first},{second}", "--console-url", second,
                     "--site-key", found.site_key, "--email", EMAIL,
                     "--visitors", str(args.floor_visitors),
                     "--consoles", str(args.floor_consoles), "--seconds", seconds,
                     "--rate", str(args.floor_rate), "--connections", "32"],
                    profiler, found.nodes, "floor", args.seconds - 4, "floor: sending")
                results["floor"] = result
                rows.append(_with_cpu(_floor_row(result, args), result))
        if "chat" in wanted:
            with installation(tmp, 2, associates=args.associates, extra_env=node_env) as found:
                first, second = found.bases
                console.print(f"[bold]chat, {args.conversations:,} conversations, shoppers on "
                              f"node 1, {args.associates} associates on node 2[/] …")
                warm = asyncio.run(_warm_topics(first, found.site_key))
                console.print(f"  node 1 grouped a first question in {warm} s (model loaded)")
                emails = ",".join(chat_email(n) for n in range(args.associates))
                result = run_script(
                    "chat_latency.py",
                    ["--url", first, "--console-url", second, "--site-key", found.site_key,
                     "--email", emails, "--conversations", str(args.conversations),
                     "--interval", str(args.interval), "--seconds", seconds,
                     "--connections", "32", "--setup-timeout", "300",
                     *(["--statements"] if args.chat_statements else [])],
                    profiler, found.nodes, "chat", args.seconds - 4, "chat: ")
                results["chat"] = result
                rows.append(_with_cpu(_chat_row(result, args), result))
        if "memory" in wanted:
            with installation(tmp, 2, extra_env=node_env) as found:
                console.print(f"[bold]memory, {args.memory_visitors:,} live visitors[/] …")
                result = memory(found, args.memory_visitors)
                results["memory"] = result
                rows.append(_memory_row(result))
        _show(rows, results, args)


def _with_cpu(row: tuple[str, str, str], result: dict[str, Any]) -> tuple[str, str, str]:
    cpu = result.get("cpu")
    if not cpu:
        return row
    nodes = ", ".join(f"{name} {cores:.2f}" for name, cores in cpu["nodes"].items())
    return (row[0], row[1], f"{row[2]}; cores busy: {nodes}, load {cpu['load_processes']:.2f}, "
            f"PostgreSQL + Redis {cpu['postgres_redis']:.2f}, other processes on the machine "
            f"{cpu['other']:.2f} (load avg {cpu['loadavg_1min']})")


def _ingest_row(result: dict[str, Any], count: int) -> tuple[str, str, str]:
    scenario = (f"ingest, PostgreSQL + Redis, {count} node(s), batches of 20, "
                f"{32 * count} connections from {count} load process(es)")
    if "error" in result:
        return scenario, "failed", result["error"][:200]
    lat = result["latency_ms"]
    by_node = " + ".join(f"{rate:,.0f}" for rate in result["events_per_s_by_node"].values())
    return (scenario, f"{result['events_per_s']:,.0f} events/s",
            (f"by node {by_node}; " if count > 1 else "")
            + f"request p50 {lat['p50']} ms, p99 {lat['p99']} ms, errors {result['errors']}, "
            f"load process {result['client_cpu_share']:.0%} busy")


def _floor_row(result: dict[str, Any], args: argparse.Namespace) -> tuple[str, str, str]:
    scenario = (f"event → console, 2 nodes, {args.floor_visitors:,} live visitors, "
                f"{args.floor_consoles} consoles on node 2, events to nodes 1 and 2, "
                f"{args.floor_rate:,.0f} events/s asked")
    if "error" in result:
        return scenario, "failed", result["error"][:200]
    lat = result["latency_ms"]
    nodes = [f"via node {n} p99 {stats['p99']} ms"
             for n, stats in enumerate(result.get("latency_ms_by_node", {}).values(), start=1)]
    return (scenario, f"p50 {lat['p50']} ms, p99 {lat['p99']} ms",
            f"achieved {result['achieved_rate']:,.0f} events/s; {'; '.join(nodes)}; missing "
            f"{result['missing']} of {lat['count'] + result['missing']}, seq gaps "
            f"{result['seq_gaps']}, resyncs {result['resyncs']}, "
            f"{result['mb_per_console']} MB per console")


def _chat_row(result: dict[str, Any], args: argparse.Namespace) -> tuple[str, str, str]:
    scenario = (f"chat, 2 nodes, {args.conversations:,} conversations (shoppers on node 1), "
                f"{args.associates} associates' consoles on node 2, a message every "
                f"{args.interval:g} s each"
                + (", remarks (no topic grouping)" if args.chat_statements else
                   ", questions (grouped into topics by node 1)"))
    if "error" in result:
        return scenario, "failed", result["error"][:200]
    lat, ack = result["console_latency_ms"], result["ack_latency_ms"]
    return (scenario, f"p50 {lat['p50']} ms, p99 {lat['p99']} ms",
            f"{result['conversations']:,} held; {result['messages_per_s']} messages/s; ack p50 "
            f"{ack['p50']} ms, p99 {ack['p99']} ms; missing {result['missing']}, unacked "
            f"{result['unacked']}, errors {result['errors']}")


def _memory_row(result: dict[str, Any]) -> tuple[str, str, str]:
    per = result["kb_per_visitor"]
    before, after = result["rss_kb_before"], result["rss_kb_after"]
    return (f"memory per live visitor, 2 nodes, {result['visitors']:,} live visitors "
            "(10 events each, half through each node)",
            " / ".join(f"{name} {kb:.1f} KB" for name, kb in per.items()),
            "; ".join(f"{name} VmRSS {before[name] / 1024:,.0f} → {after[name] / 1024:,.0f} MB"
                      for name in before)
            + f"; live on the floors {result['live']}, failed posts {result['failed_posts']}")


def _show(rows: list[tuple[str, str, str]], results: dict[str, Any],
          args: argparse.Namespace) -> None:
    machine = (f"{os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
               f"{platform.machine()}")
    title = f"Salon, several nodes — {machine} — {date.today()}"
    if args.node_env:
        title += f" — nodes with {' '.join(args.node_env)}"
    table = Table(title=title)
    for column in ("scenario", "result", "detail"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    if args.profile:
        for path in sorted(args.profile.glob("*.txt")):
            leaves, ours = summarise_profile(path)
            print(f"\n{path.stem}: most own samples")
            for name, share in leaves:
                print(f"  {share:5.1f}%  {name}")
            print(f"{path.stem}: innermost Salon function")
            for name, share in ours:
                print(f"  {share:5.1f}%  {name}")
    print("\nMarkdown rows for docs/benchmarks.md:")
    for scenario, result_text, detail in rows:
        print(f"| {date.today()} | {scenario} | {result_text} | {detail} |")
    print("\nJSON: " + json.dumps(results))


if __name__ == "__main__":
    main()
