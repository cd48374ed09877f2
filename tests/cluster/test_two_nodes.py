"""Two `salon serve` processes on PostgreSQL and Redis are one installation (issue 8, part 1).

A shopper on node 1 and an associate on node 2 chat normally; every node's floor shows every
visitor; a chat is given to one associate only, whichever node the claims come through; limits
are shared; the duties run on one node (the lease holder), and move when it stops.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx
import pytest

from tests.chat.support import Shopper, frames_until
from tests.cluster.support import Cluster, cluster
from tests.floor.test_floor_feed import floor_socket, hello, until_visit
from tests.support import batch, shopping_events, wait_for

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with cluster(
        tmp_path_factory.mktemp("cluster"), nodes=2, env={"SALON_CHAT_STARTS_PER_MINUTE": "8"}
    ) as found:
        yield found


def test_every_node_floor_shows_every_visitor(two: Cluster) -> None:
    first, second = two.nodes
    client, csrf = second.login(two.emails[1])
    with floor_socket(second.base_url, client) as socket:
        hello(socket, csrf, two.site)
        body = batch(two.site, shopping_events())
        answer = httpx.post(first.base_url + "/api/track", json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        seq, _ = until_visit(
            socket, answer.json()["visit"], lambda s: s["cart"]["value"] > 0, timeout=10
        )
    # the console's connection moves to the other node: its sequence numbers mean nothing
    # there, so it gets the whole floor again (a resync), never a silent gap
    with floor_socket(second.base_url, client) as socket:
        hello(socket, csrf, two.site)
        epoch = json.loads(socket.recv(timeout=5))["epoch"]
    client_b, csrf_b = first.login(two.emails[1])
    with floor_socket(first.base_url, client_b) as socket:
        socket.send(
            json.dumps(
                {
                    "type": "hello",
                    "csrf": csrf_b,
                    "site_id": two.site.id,
                    "last_seq": seq,
                    "epoch": epoch,
                }
            )
        )
        frame = json.loads(socket.recv(timeout=5))
        assert frame["type"] == "snapshot" and frame["resync"] is True
        assert frame["epoch"] != epoch
        assert answer.json()["visit"] in {v["id"] for v in frame["visits"]}


def test_the_models_run_once_and_every_floor_shows_their_scores(two: Cluster) -> None:
    leader = wait_for(
        lambda: next((n for n in two.nodes if n.health()["leader"]), None), timeout=20
    )
    other = next(n for n in two.nodes if n is not leader)
    client, csrf = other.login(two.emails[1])
    with floor_socket(other.base_url, client) as socket:
        hello(socket, csrf, two.site)
        body = batch(two.site, shopping_events())
        answer = httpx.post(other.base_url + "/api/track", json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        # the node that took the events does not score them: the leader's round arrives
        _, summary = until_visit(
            socket, answer.json()["visit"], lambda s: s["intent"] is not None, timeout=15
        )
    assert 0.0 <= summary["intent"] <= 1.0
    assert summary["explain"]["intent"]  # with the leader's reasons, in words


def test_shopper_on_one_node_chats_with_an_associate_on_the_other(two: Cluster) -> None:
    first, second = two.nodes
    associate = two.associate(second, 1)
    associate.available()
    shopper = Shopper(first.base_url, two.site)
    with associate.socket() as console:
        frames_until(console, lambda f: f["type"] == "queue")  # connected: the chat comes live
        assert shopper.start(message="Is the tote in stock?").status_code == 201
        conversation = shopper.conversation_id
        assert conversation is not None
        widget_socket = shopper.socket()
        widget = widget_socket.__enter__()
        frames_until(
            console,
            lambda f: (
                f["type"] == "conversation"
                and f["conversation"]["id"] == conversation
                and f["conversation"]["status"] == "active"
            ),
            timeout=15,
        )
        answer = associate.say(conversation, "It is, in black and tan.")
        assert answer.status_code == 200, answer.text
        got = frames_until(
            widget,
            lambda f: f["type"] == "message" and f["message"]["body"] == "It is, in black and tan.",
            timeout=10,
        )
        assert got[-1]["message"]["sender"] == "associate"
        widget.send(
            json.dumps({"type": "send", "client_id": "c-tan-please", "body": "Tan, please"})
        )
        frames_until(widget, lambda f: f["type"] == "ack", timeout=10)
        seen = frames_until(
            console,
            lambda f: f["type"] == "message" and f["message"]["body"] == "Tan, please",
            timeout=10,
        )
        assert seen[-1]["conversation_id"] == conversation
        widget_socket.__exit__(None, None, None)
    seqs = [m["seq"] for m in shopper.messages()]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_chat_goes_to_one_associate_whichever_node_claims(two: Cluster) -> None:
    first, second = two.nodes
    away = two.associate(second, 1)  # nobody is routed chats: the two claims race for each
    answer = away.client.put(
        "/api/chat/me", json={"availability": "away"}, headers={"X-CSRF-Token": away.csrf}
    )
    assert answer.status_code == 200, answer.text
    supervisor_a = two.associate(first, 0)
    supervisor_b = two.associate(second, 0)
    for round_ in range(5):
        shopper = Shopper(first.base_url if round_ % 2 else second.base_url, two.site)
        shopper.visitor_id = f"{round_:02d}" + shopper.visitor_id[2:]
        assert shopper.start(message=f"race {round_}").status_code == 201
        conversation = shopper.conversation_id
        assert conversation is not None
        answers: list[int] = []
        barrier = threading.Barrier(2)

        def claim(who: Any, conv: str, out: list[int], gate: threading.Barrier) -> None:
            gate.wait()
            out.append(who.claim(conv).status_code)

        threads = [
            threading.Thread(target=claim, args=(s, conversation, answers, barrier))
            for s in (supervisor_a, supervisor_b)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [200, 409], answers
        owners = two.query(f"select associate_id from conversations where id = '{conversation}'")
        assert owners[0][0] in {supervisor_a.id, supervisor_b.id}


def test_rate_limits_are_shared_by_the_nodes(two: Cluster) -> None:
    first, second = two.nodes
    site = two.make_site("Limits shop")
    statuses = []
    for n in range(12):
        node = (first, second)[n % 2]
        shopper = Shopper(node.base_url, site)
        statuses.append(shopper.start(message="hi").status_code)
    # 8 new chats a minute per IP and site across the installation: not 8 per node (12 here)
    assert statuses.count(201) == 8 and statuses.count(429) == 4, statuses


def test_duties_run_on_one_node_and_move_when_it_stops(two: Cluster) -> None:
    leaders = wait_for(
        lambda: [n for n in two.nodes if n.health()["leader"]] or None, timeout=20, interval=0.2
    )
    assert len(leaders) == 1
    rows = two.query("select holder from leases where name = 'leader'")
    assert rows == [(leaders[0].name,)]
    third = two.add_node()
    assert not third.health()["leader"]  # a node that joins does not take the lease
    leaders[0].process.kill()  # SIGKILL: the lease runs out, another node takes it
    two.nodes.remove(leaders[0])
    new = wait_for(
        lambda: [n for n in two.nodes if n.health()["leader"]] or None, timeout=40, interval=0.5
    )
    assert len(new) == 1 and new[0].name != leaders[0].name
