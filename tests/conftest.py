"""Shared fixtures: each backend gets its own fresh database and a live server on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import LiveServer, fresh_database

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with fresh_database(request.param, str(tmp_path_factory.mktemp("db"))) as url:
        yield url


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[LiveServer]:
    live = LiveServer.start(database_url)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database("sqlite", str(tmp_path_factory.mktemp("db"))) as url:
        yield url
