"""A live server that retries webhooks fast (50 ms base, 3 attempts) and loopback receivers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support import LiveServer
from tests.webhooks.support import MAX_ATTEMPTS, Receiver


@pytest.fixture(scope="module")
def hooks_server(database_url: str) -> Iterator[LiveServer]:
    live = LiveServer.start(
        database_url, webhook_retry_base_seconds=0.05, webhook_max_attempts=MAX_ATTEMPTS
    )
    yield live
    live.stop()


@pytest.fixture
def receivers() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(script: list[Any] | None = None) -> Receiver:
        receiver = Receiver(script=list(script or []))
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()
