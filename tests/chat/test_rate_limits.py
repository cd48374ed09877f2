"""Rate limits per IP and site: 429 with Retry-After, and nothing stored beyond the limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chat.support import ORIGIN, Shopper
from tests.support import LiveServer


@pytest.fixture(scope="module")
def limited(sqlite_url: str) -> Iterator[LiveServer]:
    live = LiveServer.start(sqlite_url, chat_starts_per_minute=3, chat_messages_per_minute=5)
    yield live
    live.stop()


def test_new_chats_and_messages_are_rate_limited(limited: LiveServer) -> None:
    site = limited.make_site([ORIGIN])
    shoppers = [Shopper(limited.base_url, site) for _ in range(4)]
    statuses = [s.start().status_code for s in shoppers]
    assert statuses == [201, 201, 201, 429]
    refused = shoppers[3].start()
    assert int(refused.headers["retry-after"]) > 0
    assert "too many new chats" in refused.json()["error"]["message"]
    talker = shoppers[0]
    answers = [talker.send(f"m{n}") for n in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert int(answers[-1].headers["retry-after"]) > 0
    assert [m["body"] for m in talker.messages() if m["kind"] == "text"] == [
        f"m{n}" for n in range(5)
    ]
