"""Chat latency: time from a shopper's send to the associate console frame that shows it.

    SALON_BENCH_PASSWORD=... python bench/chat_latency.py --url http://127.0.0.1:8000 \\
        --site-key pk_... --email admin@example.com --conversations 200 --interval 2 \\
        --seconds 30

Logs the associate in, marks them available (PUT /api/chat/me), opens the console socket
`/ws/chat/console` in its own process, starts `--conversations` shopper conversations
(POST /api/chat/conversations) and has the associate claim each one (claim ignores max_chats).
Every shopper opens `/ws/chat`; then, every `--interval` seconds (jittered +/-50 %), each sends
a message whose body carries a unique marker. Two latencies per message: send -> the shopper's
`ack` (committed), and send -> the console's `message` frame with that body. Times are
time.monotonic(), one clock for every process on the machine. At the end the shoppers close
their conversations and the associate's availability is put back.

Several nodes: shoppers use `--url`, the associates (login, claims, console sockets) use
`--console-url`. `--email` may list several associates (same password), separated by commas:
the conversations are claimed by them in turn, each with a console socket of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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
from _common import ms, percentiles
from floor_latency import FloorLogin, login
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

PASSWORD_ENV = "SALON_BENCH_PASSWORD"
SETUP_TIMEOUT = 120.0  # seconds for starting, claiming and connecting every conversation


@dataclass
class ConsoleResult:
    seen: dict[str, float] = field(default_factory=dict)  # body -> arrival (monotonic)
    frames: int = 0
    error: str | None = None


@dataclass
class Chat:
    conversation_id: str
    token: str
    ws: ClientConnection | None = None


@dataclass
class ShopperSide:
    sent: dict[str, float] = field(default_factory=dict)  # client_id -> send (monotonic)
    acked: dict[str, float] = field(default_factory=dict)  # client_id -> ack (monotonic)
    errors: dict[str, int] = field(default_factory=dict)  # status or error code -> count
    chats: int = 0
    not_held: int = 0  # started, but routed to another associate before the claim
    setup_errors: list[str] = field(default_factory=list)

    def count(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def body_of(run_tag: str, client_id: str, statement: bool = False) -> str:
    """A question by default (which the topics engine groups); a plain remark if `statement`."""
    if statement:
        return f"Bench {run_tag} {client_id}: thanks, the black tote then."
    return f"Bench {run_tag} {client_id}: is the tote available in black?"


# ---- the console (its own process, so parsing frames never delays the shoppers) ---------------

async def _console(url: str, auth: FloorLogin, prefix: str, ready: Any, stop: Any) -> ConsoleResult:
    result = ConsoleResult()
    ws_url = re.sub(r"^http", "ws", url) + "/ws/chat/console"
    try:
        async with connect(ws_url, origin=Origin(_common.origin_of(url)), max_size=2**24,
                           additional_headers={"Cookie": f"salon_session={auth.cookie}"},
                           open_timeout=15) as ws:
            await ws.send(json.dumps({"type": "hello", "csrf": auth.csrf,
                                      "site_id": auth.site_id}))
            first = json.loads(await asyncio.wait_for(ws.recv(), 15))
            if first.get("type") == "error":
                raise RuntimeError(f"the console socket refused the hello: {str(first)[:200]}")
            ready.put("ok")
            while not stop.is_set():
                try:
                    text = await asyncio.wait_for(ws.recv(), 0.25)
                except TimeoutError:
                    continue
                arrived = time.monotonic()
                result.frames += 1
                frame = json.loads(text)
                if frame.get("type") == "message":
                    body = str((frame.get("message") or {}).get("body") or "")
                    if body.startswith(prefix):
                        result.seen.setdefault(body, arrived)
    except Exception as exc:  # reported: the shoppers' numbers are still worth having
        result.error = f"{type(exc).__name__}: {exc}"
        ready.put(result.error)
    return result


def _console_process(url: str, auths: list[FloorLogin], prefix: str, ready: Any, stop: Any,
                     results: Any) -> None:
    async def run() -> list[ConsoleResult]:
        return await asyncio.gather(*(_console(url, auth, prefix, ready, stop)
                                      for auth in auths))
    results.put(asyncio.run(run()))


# ---- setting up: availability, conversations, claims, sockets ---------------------------------

def _associate_headers(auth: FloorLogin) -> dict[str, str]:
    return {"Cookie": f"salon_session={auth.cookie}", "X-CSRF-Token": auth.csrf}


async def _start(http: httpx.AsyncClient, site_key: str, side: ShopperSide) -> Chat | None:
    body = {"site_key": site_key, "visitor_id": secrets.token_hex(16),
            "visit_id": secrets.token_hex(16), "name": "Bench shopper", "language": "en"}
    try:
        response = await http.post("/api/chat/conversations", json=body)
    except Exception as exc:
        side.count(f"start {type(exc).__name__}")
        return None
    if response.status_code != 201:
        side.count(f"start {response.status_code}")
        if len(side.setup_errors) < 3:
            side.setup_errors.append(f"POST /api/chat/conversations answered "
                                     f"{response.status_code}: {response.text[:200]}")
        return None
    answer = response.json()
    return Chat(str(answer["conversation"]["id"]), str(answer["token"]))


async def _claim(http: httpx.AsyncClient, auth: FloorLogin, chat: Chat, side: ShopperSide) -> None:
    path = f"/api/sites/{auth.site_id}/chat/conversations/{chat.conversation_id}/claim"
    try:
        response = await http.post(path, json={}, headers=_associate_headers(auth))
    except Exception as exc:
        side.count(f"claim {type(exc).__name__}")
        return
    if response.status_code not in (200, 409):  # 409: routed already (to us or someone else)
        side.count(f"claim {response.status_code}")


async def _open(url: str, site_key: str, chat: Chat, side: ShopperSide) -> None:
    ws_url = re.sub(r"^http", "ws", url) + "/ws/chat"
    ws: ClientConnection | None = None
    try:
        ws = await connect(ws_url, origin=Origin(_common.origin_of(url)), open_timeout=15,
                           max_size=2**20)
        await ws.send(json.dumps({"type": "hello", "site_key": site_key, "last_seq": 0,
                                  "conversation_id": chat.conversation_id,
                                  "token": chat.token}))
        while (frame := json.loads(await asyncio.wait_for(ws.recv(), 15)))["type"] != "state":
            if frame["type"] == "error":
                raise RuntimeError(f"{frame.get('code')}: {frame.get('message')}")
        chat.ws = ws
    except Exception as exc:
        side.count(f"socket {type(exc).__name__}")
        if ws is not None:
            await ws.close()
        if len(side.setup_errors) < 3:
            side.setup_errors.append(f"/ws/chat: {type(exc).__name__}: {exc}")


async def _bounded(limit: int, jobs: list[Any]) -> None:
    gate = asyncio.Semaphore(limit)

    async def run(job: Any) -> None:
        async with gate:
            await job

    await asyncio.gather(*(run(job) for job in jobs))


Availability = list[tuple[FloorLogin, dict[str, Any] | None]]


async def setup(url: str, site_key: str, auths: list[FloorLogin], count: int, connections: int,
                side: ShopperSide, console_url: str | None = None,
                ) -> tuple[list[Chat], Availability]:
    """The chats the associates hold, each with its shopper socket; and the old availability."""
    async with _common.client(url, connections, timeout=15) as http, \
            _common.client(console_url or url, connections, timeout=15) as staff:
        previous: Availability = []
        for auth in auths:
            me = await staff.get("/api/chat/me", headers=_associate_headers(auth))
            previous.append((auth, me.json() if me.status_code == 200 else None))
            put = await staff.put("/api/chat/me", headers=_associate_headers(auth),
                                  json={"availability": "available", "max_chats": 10})
            if put.status_code != 200:
                side.setup_errors.append(f"PUT /api/chat/me answered {put.status_code}")
        started: list[Chat | None] = [None] * count

        async def start(i: int) -> None:
            started[i] = await _start(http, site_key, side)
        await _bounded(connections, [start(i) for i in range(count)])
        chats = [c for c in started if c is not None]
        await _bounded(connections, [_claim(staff, auths[i % len(auths)], c, side)
                                     for i, c in enumerate(chats)])
        held: set[str] = set()
        for auth in auths:
            mine = await staff.get(f"/api/sites/{auth.site_id}/chat/conversations",
                                   params={"scope": "mine"}, headers=_associate_headers(auth))
            if mine.status_code != 200:
                raise SystemExit(f"GET .../chat/conversations?scope=mine answered "
                                 f"{mine.status_code}: {mine.text[:300]}")
            held |= {str(c["id"]) for c in mine.json().get("conversations", [])}
        side.not_held = sum(c.conversation_id not in held for c in chats)
        chats = [c for c in chats if c.conversation_id in held]
    await _bounded(connections, [_open(url, site_key, c, side) for c in chats])
    return [c for c in chats if c.ws is not None], previous


async def teardown(url: str, chats: list[Chat], connections: int, previous: Availability,
                   console_url: str | None = None) -> None:
    """Close the sockets and the conversations; give the associates their availability back."""
    await asyncio.gather(*(c.ws.close() for c in chats if c.ws), return_exceptions=True)
    async with _common.client(url, connections, timeout=15) as http, \
            _common.client(console_url or url, connections, timeout=15) as staff:
        async def quietly(request: Any) -> None:
            with contextlib.suppress(Exception):  # best effort: the numbers are already in
                await request

        jobs = [quietly(http.post(f"/api/chat/conversations/{c.conversation_id}/close", json={},
                                  headers={"Authorization": f"Bearer {c.token}"}))
                for c in chats]
        for auth, before in previous:
            if before:
                jobs.append(quietly(staff.put(
                    "/api/chat/me", headers=_associate_headers(auth),
                    json={"availability": before.get("availability", "away"),
                          "max_chats": before.get("max_chats", 3)})))
        await _bounded(connections, jobs)


# ---- the measured part ------------------------------------------------------------------------

async def _shopper(chat: Chat, index: int, run_tag: str, interval: float, start: float,
                   end: float, grace_end: float, side: ShopperSide, rng: random.Random,
                   statement: bool = False) -> None:
    assert chat.ws is not None
    ws = chat.ws

    async def receive() -> None:
        while True:
            text = await ws.recv()
            arrived = time.monotonic()
            frame = json.loads(text)
            if frame.get("type") == "ack":
                side.acked.setdefault(str(frame.get("client_id")), arrived)
            elif frame.get("type") == "error":
                side.count(f"frame {frame.get('code')}")

    reader = asyncio.create_task(receive())
    try:
        due, n = start + rng.uniform(0, interval), 0
        while due < end and not reader.done():
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            client_id = f"b{run_tag}c{index}m{n}"
            n += 1
            side.sent[client_id] = time.monotonic()
            await ws.send(json.dumps({"type": "send", "client_id": client_id,
                                      "body": body_of(run_tag, client_id, statement)}))
            due += interval * rng.uniform(0.5, 1.5)
        await asyncio.wait({reader}, timeout=max(0.0, grace_end - time.monotonic()))
        if reader.done() and (problem := reader.exception()) is not None:
            side.count(f"socket {type(problem).__name__}")
    except Exception as exc:  # a dropped socket: counted, the others carry on
        side.count(f"socket {type(exc).__name__}")
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


async def drive(args: argparse.Namespace, url: str, auths: list[FloorLogin], run_tag: str,
                say: Any, console_url: str | None = None) -> tuple[ShopperSide, float]:
    side = ShopperSide()
    try:
        chats, previous = await asyncio.wait_for(
            setup(url, args.site_key, auths, args.conversations, args.connections, side,
                  console_url),
            args.setup_timeout)
    except TimeoutError as exc:
        raise SystemExit(f"setting up the conversations took over {args.setup_timeout:g} s") \
            from exc
    side.chats = len(chats)
    try:
        if not chats:
            raise SystemExit("no conversation could be started, claimed and connected: "
                             + "; ".join(side.setup_errors or [str(side.errors)]))
        say(f"chat: {len(chats)} conversations held by {len(auths)} associate(s); sending a "
            "message every "
            f"~{args.interval:g} s from each for {args.seconds:g} s ...")
        start = time.monotonic() + 0.2
        end = start + args.seconds
        rng = random.Random()
        await asyncio.gather(*(_shopper(c, i, run_tag, args.interval, start, end,
                                        end + args.grace, side, rng, args.statements)
                               for i, c in enumerate(chats)))
        return side, end - start
    finally:
        await teardown(url, chats, args.connections, previous, console_url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the shoppers' node")
    parser.add_argument("--console-url", default=None,
                        help="the associates' node (default: --url)")
    parser.add_argument("--site-key", required=True)
    parser.add_argument("--email", required=True,
                        help="the associate, or several separated by commas (same password)")
    parser.add_argument("--password", default=os.environ.get(PASSWORD_ENV),
                        help=f"the associate's password (or ${PASSWORD_ENV})")
    parser.add_argument("--conversations", type=int, default=200, help="shoppers chatting")
    parser.add_argument("--interval", type=float, default=2.0,
                        help="seconds between one shopper's messages (jittered +/-50%%)")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured duration")
    parser.add_argument("--grace", type=float, default=5.0,
                        help="seconds to wait for the last acks and console frames")
    parser.add_argument("--connections", type=int, default=16,
                        help="HTTP connections and sockets opened at once during set-up")
    parser.add_argument("--statements", action="store_true",
                        help="send remarks instead of questions (questions are also grouped "
                             "into topics by the node that takes them)")
    parser.add_argument("--setup-timeout", type=float, default=SETUP_TIMEOUT,
                        help="seconds for starting, claiming and connecting every conversation")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    if not args.password:
        parser.error(f"--password (or ${PASSWORD_ENV}) is required")
    if not (1 <= args.conversations <= 5000 and args.interval > 0 and args.seconds > 0
            and args.grace >= 0 and args.connections >= 1):
        parser.error("need 1 <= --conversations <= 5000 and positive --interval and --seconds")
    url = _common.base_url(args.url)
    console_url = _common.base_url(args.console_url or args.url)
    emails = [email.strip() for email in args.email.split(",") if email.strip()]
    auths = [asyncio.run(login(console_url, email, args.password, args.site_key))
             for email in emails]
    run_tag = secrets.token_hex(4)
    # with --json, progress goes to stderr: stdout stays one JSON line
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if args.json else print

    ctx = mp.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    console = ctx.Process(target=_console_process, daemon=True,
                          args=(console_url, auths, f"Bench {run_tag} ", ready, stop, results))
    console.start()
    for _ in auths:
        try:
            joined = ready.get(timeout=60)
        except Exception as exc:
            raise SystemExit("gave up waiting for the console socket after 60 s") from exc
        if joined != "ok":
            stop.set()
            raise SystemExit(f"the console could not join: {joined}")
    try:
        side, elapsed = asyncio.run(drive(args, url, auths, run_tag, say, console_url))
    finally:
        stop.set()
    try:
        found: list[ConsoleResult] = results.get(timeout=60)
    except Exception as exc:
        raise SystemExit("gave up waiting for the console's results after 60 s") from exc
    console.join(timeout=10)
    merged = ConsoleResult(error="; ".join(r.error for r in found if r.error) or None)
    for one in found:
        merged.frames += one.frames
        for body, arrived in one.seen.items():
            merged.seen.setdefault(body, arrived)
    return _report(args, run_tag, side, merged, elapsed)


def _report(args: argparse.Namespace, run_tag: str, side: ShopperSide, console: ConsoleResult,
            elapsed: float) -> int:
    acks = [side.acked[c] - t for c, t in side.sent.items() if c in side.acked]
    arrivals = [console.seen[b] - t for c, t in side.sent.items()
                if (b := body_of(run_tag, c, args.statements)) in console.seen]
    ack, lat = percentiles(acks), percentiles(arrivals)

    def in_ms(stats: dict[str, float]) -> dict[str, float]:
        return {k: round(v * 1000, 1) if k != "count" else v for k, v in stats.items()}

    report = {"bench": "chat_latency", "conversations": side.chats,
              "requested": args.conversations,
              "not_held": side.not_held, "interval": args.interval,
              "seconds": args.seconds, "sent": len(side.sent),
              "messages_per_s": round(len(acks) / elapsed, 1),
              "console_latency_ms": in_ms(lat), "ack_latency_ms": in_ms(ack),
              "missing": len(side.sent) - len(arrivals), "unacked": len(side.sent) - len(acks),
              "errors": sum(side.errors.values()), "error_kinds": side.errors,
              "setup_errors": side.setup_errors, "console_error": console.error}
    if args.json:
        print(json.dumps(report))
    else:
        print(f"chat latency: {side.chats} of {args.conversations} conversations, a message "
              f"every ~{args.interval:g} s each, {args.seconds:g} s")
        if side.not_held:
            print(f"  note: {side.not_held} conversation(s) went to another associate; left out")
        print(f"  send -> console   p50 {ms(lat['p50'])}   p90 {ms(lat['p90'])}   "
              f"p99 {ms(lat['p99'])}   max {ms(lat['max'])}   ({lat['count']} of "
              f"{len(side.sent)} messages)")
        print(f"  send -> ack       p50 {ms(ack['p50'])}   p90 {ms(ack['p90'])}   "
              f"p99 {ms(ack['p99'])}   max {ms(ack['max'])}   ({ack['count']} acks)")
        print(f"  sustained {report['messages_per_s']:,.1f} messages/s   missing "
              f"{report['missing']}   unacked {report['unacked']}   errors "
              f"{report['errors']} {side.errors or ''}")
        for problem in [*side.setup_errors, *([console.error] if console.error else [])]:
            print(f"  problem: {problem}")
        if any("429" in kind or "rate" in kind for kind in side.errors):
            print("  note: the server rate-limited the bench; raise its limits for benchmarking")
    return 0 if arrivals else 1


if __name__ == "__main__":
    sys.exit(main())
