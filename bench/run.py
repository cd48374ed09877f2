"""`make bench`: start Salon on a fresh SQLite and PostgreSQL database and measure it.

Each scenario runs `salon serve` as its own process and the load from separate processes
(bench/ingest.py, bench/floor_latency.py) on loopback, then prints a table and the Markdown
rows to paste into docs/benchmarks.md.

    .venv/bin/python bench/run.py [--seconds 20] [--only ingest-sqlite,ingest-postgresql,floor]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from salon.db.engine import Database  # noqa: E402
from salon.identity.service import create_associate, create_site  # noqa: E402
from tests.support import fresh_database  # noqa: E402

EMAIL, PASSWORD = "bench@example.com", "bench-password-1"
console = Console()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(url: str, tmp: str) -> Iterator[tuple[str, str]]:
    """A migrated database with a site and an associate, served by `salon serve`."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    async def setup() -> str:
        db = Database(url)
        try:
            site = await create_site(db, "Bench", [base])
            await create_associate(db, EMAIL, "Bench", PASSWORD, "associate", [site.id])
            return site.key
        finally:
            await db.dispose()

    key = asyncio.run(setup())
    env = {**os.environ, "SALON_DATABASE_URL": url, "SALON_LOG_LEVEL": "warning",
           # all load comes from 127.0.0.1: the per-IP chat limits would measure themselves
           "SALON_CHAT_STARTS_PER_MINUTE": "1000000", "SALON_CHAT_MESSAGES_PER_MINUTE": "1000000",
           # the bench associate claims every conversation: 200 claims in seconds
           "SALON_API_CALLS_PER_MINUTE": "1000000"}
    log = open(Path(tmp) / f"server-{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "salon.cli", "serve", "--port", str(port), "--no-migrate"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("salon serve did not start")
            time.sleep(0.2)
        yield base, key
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def run_script(script: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args, "--json"],
        capture_output=True, text=True, check=True, env={**os.environ,
                                                          "SALON_BENCH_PASSWORD": PASSWORD},
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument(
        "--only", default="ingest-sqlite,ingest-postgresql,floor,chat-sqlite,chat-postgresql"
    )
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    machine = f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}"
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        if "ingest-sqlite-no-insight" in wanted:
            os.environ["SALON_INSIGHT"] = "false"
            try:
                with fresh_database("sqlite", tmp) as url, server(url, tmp) as (base, key):
                    console.print("[bold]ingest on sqlite, models off[/] …")
                    result = run_script("ingest.py", "--url", base, "--site-key", key,
                                        "--seconds", str(args.seconds), "--concurrency", "32",
                                        "--batch", "20")
                    rows.append(("ingest, sqlite, models off (SALON_INSIGHT=false)",
                                 f"{result['events_per_s']:,.0f} events/s",
                                 f"request p99 {result['latency_ms']['p99']} ms"))
            finally:
                del os.environ["SALON_INSIGHT"]
        for kind in ("sqlite", "postgresql"):
            if f"ingest-{kind}" not in wanted:
                continue
            with fresh_database(kind, tmp) as url, server(url, tmp) as (base, key):
                console.print(f"[bold]ingest on {kind}[/] …")
                result = run_script("ingest.py", "--url", base, "--site-key", key, "--seconds",
                                    str(args.seconds), "--concurrency", "32", "--batch", "20")
                lat = result["latency_ms"]
                rows.append((
                    f"ingest, {kind}, 1 process, batches of 20, 32 connections",
                    f"{result['events_per_s']:,.0f} events/s",
                    f"request p50 {lat['p50']} ms, p99 {lat['p99']} ms, errors {result['errors']}",
                ))
        if "floor" in wanted:
            with fresh_database("sqlite", tmp) as url, server(url, tmp) as (base, key):
                console.print("[bold]floor latency, 1,000 visitors, 10 consoles[/] …")
                result = run_script(
                    "floor_latency.py", "--url", base, "--site-key", key, "--email", EMAIL,
                    "--visitors", "1000", "--consoles", "10", "--seconds", str(args.seconds),
                    "--rate", "5000",
                )
                lat = result["latency_ms"]
                rows.append((
                    "event → console, SQLite, 1,000 visitors, 10 consoles, 5,000 events/s asked",
                    f"p50 {lat['p50']} ms, p99 {lat['p99']} ms",
                    f"achieved {result['achieved_rate']:,.0f} events/s, missing "
                    f"{result['missing']}, seq gaps {result['seq_gaps']}",
                ))
        for kind in ("sqlite", "postgresql"):
            if f"chat-{kind}" not in wanted:
                continue
            with fresh_database(kind, tmp) as url, server(url, tmp) as (base, key):
                console.print(f"[bold]chat latency on {kind}, 200 conversations[/] …")
                result = run_script(
                    "chat_latency.py", "--url", base, "--site-key", key, "--email", EMAIL,
                    "--conversations", "200", "--interval", "2", "--seconds", str(args.seconds),
                )
                rows.append(_chat_row(result, kind))
    table = Table(title=f"Salon benchmarks — {machine} — {date.today()}")
    for column in ("scenario", "result", "detail"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    print("\nMarkdown rows for docs/benchmarks.md:")
    for scenario, result_text, detail in rows:
        print(f"| {date.today()} | {scenario} | {result_text} | {detail} |")


def _chat_row(result: dict[str, Any], kind: str) -> tuple[str, str, str]:
    lat = result.get("console_latency_ms") or result.get("latency_ms") or {}
    ack = result.get("ack_latency_ms", {})
    return (
        f"chat, {kind}, 200 conversations, one message every 2 s each, shopper → associate",
        f"p50 {lat.get('p50')} ms, p99 {lat.get('p99')} ms",
        f"{result.get('messages_per_s')} messages/s; ack p50 {ack.get('p50')} ms, "
        f"p99 {ack.get('p99')} ms; missing {result.get('missing')}",
    )


if __name__ == "__main__":
    main()
