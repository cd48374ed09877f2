"""Chat tests share one server per backend; every test comes from 127.0.0.1, so the per-IP
rate limits are raised here and tested on their own server in test_rate_limits.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import LiveServer


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[LiveServer]:
    live = LiveServer.start(
        database_url, chat_starts_per_minute=100_000, chat_messages_per_minute=100_000
    )
    yield live
    live.stop()
