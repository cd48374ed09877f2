"""Faults on a real installation (issue 8, part 2; RELIABILITY.md promises 1 and 4).

- SIGKILL a node mid-conversation: the shopper resumes on another node and every acknowledged
  message is there exactly once, in order; the associate's console on a third node keeps going.
- Redis stopped for 20 s under load: sends still succeed; realtime catches up when it is back.
- PostgreSQL restarted: the nodes recover without anyone doing anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection

from tests.chat.support import Associate, Shopper, frames_until
from tests.cluster.support import Cluster, Node, cluster
from tests.floor.test_floor_feed import floor_socket, hello, until_visit
from tests.support import batch, event, shopping_events, wait_for

pytestmark = pytest.mark.cluster


def _send(ws: ClientConnection, client_id: str, body: str) -> dict[str, Any]:
    ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
    answer: dict[str, Any] = frames_until(
        ws, lambda f: f["type"] in ("ack", "error") and f.get("client_id") == client_id, timeout=15
    )[-1]
    assert answer["type"] == "ack", answer
    return answer


def _chat(
    c: Cluster, shopper_node: Node, console: ClientConnection, associate: Associate
) -> Shopper:
    shopper = Shopper(shopper_node.base_url, c.site)
    assert shopper.start(message="hello").status_code == 201
    conversation = shopper.conversation_id
    frames_until(
        console,
        lambda f: (
            f["type"] == "conversation"
            and f["conversation"]["id"] == conversation
            and f["conversation"]["associate"] is not None
        ),
        timeout=20,
    )
    return shopper


def _console_messages(frames: list[dict[str, Any]], conversation: str | None) -> list[int]:
    return [
        f["message"]["seq"]
        for f in frames
        if f["type"] == "message" and f.get("conversation_id") == conversation
    ]


def test_sigkill_a_node_mid_conversation(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=3, associates=1) as c:
        first, second, third = c.nodes
        associate = c.associate(third)
        associate.available()
        with associate.socket() as console:
            frames_until(console, lambda f: f["type"] == "queue")
            shopper = _chat(c, first, console, associate)
            conversation = shopper.conversation_id
            assert conversation is not None
            acked: dict[str, dict[str, Any]] = {}
            seen_by_shopper: list[int] = []
            with shopper.socket() as ws:
                for n in range(5):
                    acked[f"before-msg-{n}"] = _send(ws, f"before-msg-{n}", f"shopper {n}")
                assert associate.say(conversation, "answer 0").status_code == 200
                frames = frames_until(
                    ws,
                    lambda f: f["type"] == "message" and f["message"]["body"] == "answer 0",
                    timeout=10,
                )
                seen_by_shopper += [f["message"]["seq"] for f in frames if f["type"] == "message"]
                first.process.kill()  # SIGKILL mid-conversation
                c.nodes.remove(first)
            # the associate keeps writing through the third node meanwhile
            assert associate.say(conversation, "answer 1").status_code == 200
            last = max(seen_by_shopper + [a["seq"] for a in acked.values()])
            with shopper.__class__(
                second.base_url,
                c.site,
                shopper.visitor_id,
                shopper.visit_id,
                shopper.token,
                conversation,
            ).socket(last_seq=last) as ws:
                replay = frames_until(
                    ws,
                    lambda f: f["type"] == "message" and f["message"]["body"] == "answer 1",
                    timeout=15,
                )
                resumed = [f["message"]["seq"] for f in replay if f["type"] == "message"]
                again = _send(ws, "before-msg-4", "shopper 4")  # a retry of an acknowledged send
                assert (again["id"], again["seq"]) == (
                    acked["before-msg-4"]["id"],
                    acked["before-msg-4"]["seq"],
                )
                for n in range(3):
                    acked[f"after-msg-{n}"] = _send(ws, f"after-msg-{n}", f"after {n}")
            # the console on the third node saw the later sends live, through Redis, once each
            frames = frames_until(
                console,
                lambda f: f["type"] == "message" and f["message"]["body"] == "after 2",
                timeout=15,
            )
        live = _console_messages(frames, conversation)
        assert len(live) == len(set(live)) and live == sorted(live)
        stored = Shopper(
            second.base_url,
            c.site,
            shopper.visitor_id,
            shopper.visit_id,
            shopper.token,
            conversation,
        ).messages()
        by_id = {m["id"]: m for m in stored}
        for ack in acked.values():  # every acknowledged message, exactly once, where acked
            assert by_id[ack["id"]]["seq"] == ack["seq"]
        assert [m["seq"] for m in stored] == list(range(1, len(stored) + 1))
        bodies = [m["body"] for m in stored if m["kind"] == "text"]
        assert bodies == [
            "hello",
            *[f"shopper {n}" for n in range(5)],
            "answer 0",
            "answer 1",
            *[f"after {n}" for n in range(3)],
        ]
        assert resumed == [m["seq"] for m in stored if last < m["seq"] <= resumed[-1]]


class Load:
    """Tracking batches to every node, all the while; counts what was not acknowledged."""

    def __init__(self, c: Cluster) -> None:
        self.c, self.sent, self.failed = c, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=10) as client:
            n = 0
            while not self._stop.is_set():
                node = self.c.nodes[n % len(self.c.nodes)]
                answer = client.post(
                    node.base_url + "/api/track",
                    json=batch(
                        self.c.site,
                        [event("page_view", url="https://shop.example/", page_type="home")],
                    ),
                )
                self.sent += 1
                if answer.status_code != 200:
                    self.failed.append(answer.status_code)
                n += 1
                self._stop.wait(0.02)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=20)


def test_redis_away_for_20_seconds_under_load(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2, associates=1) as c:
        first, second = c.nodes
        associate = c.associate(second)
        associate.available()
        client, csrf = second.login(c.emails[0])
        with (
            associate.socket() as console,
            floor_socket(second.base_url, client) as floor,
            Load(c) as load,
        ):
            hello(floor, csrf, c.site)
            frames_until(console, lambda f: f["type"] == "queue")
            shopper = _chat(c, first, console, associate)
            conversation = shopper.conversation_id
            assert conversation is not None
            with shopper.socket() as ws:
                _send(ws, "up-msg-0", "before the outage")
                c.redis.stop()
                away_until = time.monotonic() + 20
                acks = []
                n = 0
                while time.monotonic() < away_until:  # sends keep succeeding while Redis is away
                    acks.append(_send(ws, f"away-msg-{n}", f"while away {n}"))
                    assert associate.say(conversation, f"reply {n}").status_code == 200
                    n += 1
                    time.sleep(1)  # pacing the shopper, not waiting for a result
                body = batch(c.site, shopping_events())
                answer = httpx.post(first.base_url + "/api/track", json=body, timeout=10)
                assert answer.status_code == 200
                c.redis.start()
                # realtime catches up: every message sent while away reaches the other node
                frames = frames_until(
                    console,
                    lambda f: (
                        f["type"] == "message" and f["message"]["body"] == f"while away {n - 1}"
                    ),
                    timeout=30,
                )
                live = _console_messages(frames, conversation)
                assert {a["seq"] for a in acks} <= set(live)
                assert len(live) == len(set(live))
                until_visit(
                    floor, answer.json()["visit"], lambda s: s["cart"]["value"] > 0, timeout=30
                )
                got = frames_until(
                    ws,
                    lambda f: f["type"] == "message" and f["message"]["body"] == f"reply {n - 1}",
                    timeout=30,
                )
                assert any(f["type"] == "message" for f in got)
        assert n >= 10
        assert load.sent > 100 and load.failed == [], load.failed


def _pg_restart() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        timeout=120,
    )


def test_postgresql_restart_is_survived(tmp_path: Path) -> None:
    with cluster(tmp_path, nodes=2, associates=1) as c:
        first, second = c.nodes
        associate = c.associate(second)
        associate.available()
        with associate.socket() as console:
            frames_until(console, lambda f: f["type"] == "queue")
            shopper = _chat(c, first, console, associate)
            assert shopper.send("before the restart").status_code == 200
            _pg_restart()

            def works() -> bool:
                for node in c.nodes:
                    answer = httpx.post(
                        node.base_url + "/api/track",
                        json=batch(
                            c.site,
                            [event("page_view", url="https://shop.example/", page_type="home")],
                        ),
                        timeout=10,
                    )
                    if answer.status_code != 200:
                        return False
                return True

            wait_for(works, timeout=60, interval=0.5)
            assert shopper.send("after the restart").status_code == 200
            frames_until(
                console,
                lambda f: f["type"] == "message" and f["message"]["body"] == "after the restart",
                timeout=15,
            )
            assert associate.say(shopper.conversation_id or "", "still here").status_code == 200
        wait_for(lambda: any(n.health()["leader"] for n in c.nodes), timeout=40, interval=0.5)
