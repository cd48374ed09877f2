"""Property test: any interleaving of start / send / retry / reconnect / transfer / close keeps
every conversation totally ordered, with nothing lost and nothing doubled.

The machine takes the nodes' base URLs: the shopper's calls hop from node to node (one node
here; two in tests/cluster/test_chat_machine.py, with the associates on different nodes)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from salon.identity.service import SiteInfo
from tests.chat.support import ORIGIN, Associate, Shopper, frames_until, new_client_id
from tests.support import LiveServer

words = st.text(
    alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs", "S"]),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s != "")


@pytest.fixture(scope="module")
def world(sqlite_url: str) -> Iterator[tuple[LiveServer, SiteInfo, list[Associate]]]:
    server = LiveServer.start(
        sqlite_url, chat_starts_per_minute=100_000, chat_messages_per_minute=100_000
    )
    site = server.make_site([ORIGIN])
    team = [Associate.create(server, site), Associate.create(server, site)]
    yield server, site, team
    server.stop()


def test_conversation_lifecycle(world: tuple[LiveServer, SiteInfo, list[Associate]]) -> None:
    server, site, team = world
    run_lifecycle([server.base_url], site, team, max_examples=12)


def run_lifecycle(
    bases: list[str], site: SiteInfo, team: list[Associate], max_examples: int
) -> None:
    """Run the conversation state machine; each shopper action goes to the next node."""

    class Conversation(RuleBasedStateMachine):
        shopper: Shopper
        expected: list[tuple[str, str]]
        acks: dict[str, dict[str, Any]]
        owner: int
        steps = 0

        def hop(self) -> None:
            self.shopper.base_url = bases[self.steps % len(bases)]
            self.steps += 1

        def begin(self) -> None:
            self.shopper = Shopper(bases[0], site)
            answer = self.shopper.start()
            assert answer.status_code == 201, answer.text
            self.expected, self.acks, self.owner = [], {}, 0
            assert team[0].claim(str(self.shopper.conversation_id)).status_code == 200
            self.open = True

        @initialize()
        def start(self) -> None:
            self.begin()

        @precondition(lambda self: self.open)
        @rule(body=words)
        def send_http(self, body: str) -> None:
            self.hop()
            client_id = new_client_id()
            answer = self.shopper.send(body, client_id)
            assert answer.status_code == 200, answer.text
            self.acks[client_id] = answer.json()
            self.expected.append(("visitor", body))

        @precondition(lambda self: self.open)
        @rule(body=words)
        def send_ws(self, body: str) -> None:
            self.hop()
            client_id = new_client_id()
            with self.shopper.socket(last_seq=10_000) as ws:
                ws.send(json.dumps({"type": "send", "client_id": client_id, "body": body}))
                ack = frames_until(ws, lambda f: f["type"] in ("ack", "error"))[-1]
            assert ack["type"] == "ack", ack
            self.acks[client_id] = {k: ack[k] for k in ("id", "seq", "created_at")}
            self.expected.append(("visitor", body))

        @precondition(lambda self: self.open and self.acks)
        @rule(data=st.data(), over_socket=st.booleans())
        def retry(self, data: st.DataObject, over_socket: bool) -> None:
            self.hop()
            client_id = data.draw(st.sampled_from(sorted(self.acks)))
            if over_socket:
                with self.shopper.socket(last_seq=10_000) as ws:
                    ws.send(json.dumps({"type": "send", "client_id": client_id, "body": "dup"}))
                    ack = frames_until(ws, lambda f: f["type"] == "ack")[-1]
                    answer = {k: ack[k] for k in ("id", "seq", "created_at")}
            else:
                answer = self.shopper.send("dup", client_id).json()
            assert answer == self.acks[client_id]

        @precondition(lambda self: self.open)
        @rule(body=words)
        def associate_says(self, body: str) -> None:
            self.hop()
            last = self.shopper.messages()[-1]["seq"]
            with self.shopper.socket(last_seq=last) as ws:  # live, from the owner's node
                frames_until(ws, lambda f: f["type"] == "state")
                reply = team[self.owner].say(str(self.shopper.conversation_id), body)
                assert reply.status_code == 200, reply.text
                seq = reply.json()["seq"]
                frames_until(ws, lambda f: f["type"] == "message" and f["message"]["seq"] == seq)
            self.expected.append(("associate", body))

        @precondition(lambda self: self.open)
        @rule()
        def transfer(self) -> None:
            target = 1 - self.owner
            moved = team[self.owner].post(
                team[self.owner].url(str(self.shopper.conversation_id), "/transfer"),
                {"associate_id": team[target].id},
            )
            assert moved.status_code == 200, moved.text
            self.owner = target

        @rule(data=st.data())
        def reconnect(self, data: st.DataObject) -> None:
            self.hop()
            stored = self.shopper.messages()
            last = data.draw(st.integers(min_value=0, max_value=len(stored)))
            with self.shopper.socket(last_seq=last) as ws:
                if stored[-1]["seq"] > last:
                    frames = frames_until(
                        ws,
                        lambda f: (
                            f["type"] == "message" and f["message"]["seq"] == stored[-1]["seq"]
                        ),
                    )
                    replay = [f["message"]["id"] for f in frames if f["type"] == "message"]
                    assert replay == [m["id"] for m in stored if m["seq"] > last]

        @precondition(lambda self: self.open)
        @rule()
        def close_and_start_again(self) -> None:
            assert self.shopper.call("POST", "/close").status_code == 200
            self.check()
            self.begin()

        @invariant()
        def check(self) -> None:
            stored = self.shopper.messages()
            assert [m["seq"] for m in stored] == list(range(1, len(stored) + 1))
            texts = [(m["sender"], m["body"]) for m in stored if m["kind"] == "text"]
            assert texts == self.expected
            by_id = {m["id"]: m["seq"] for m in stored}
            for ack in self.acks.values():
                assert by_id[ack["id"]] == ack["seq"]

    run_state_machine_as_test(
        Conversation,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
