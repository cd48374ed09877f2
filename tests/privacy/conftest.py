"""One live server per backend for the whole package (server starts are the slow part), whose
transcript folder is a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from salon.identity.service import SiteInfo
from tests.conftest import BACKENDS
from tests.support import LiveServer, fresh_database

ORIGIN = "https://shop.example"


@pytest.fixture(scope="package", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with fresh_database(request.param, str(tmp_path_factory.mktemp("db"))) as url:
        yield url


@pytest.fixture(scope="package")
def outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="package")
def server(database_url: str, outbox: Path) -> Iterator[LiveServer]:
    live = LiveServer.start(database_url, demo_outbox=outbox)
    yield live
    live.stop()


@pytest.fixture(scope="package")
def site(server: LiveServer) -> SiteInfo:
    return server.make_site([ORIGIN])


@pytest.fixture(scope="package")
def admin(server: LiveServer, site: SiteInfo) -> tuple[httpx.Client, str]:
    return server.login(server.make_associate([site], role="admin"))
