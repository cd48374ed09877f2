"""Headless Debian Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from salon.db.engine import Database
from salon.demo.seed import seed_demo
from salon.identity.service import SiteInfo
from tests.support import LiveServer, free_port, fresh_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def login_console(page: Any, base_url: str, email: str, password: str) -> None:
    page.goto(base_url + "/console")
    page.fill("input[type=email]", email)
    page.fill("input[type=password]", password)
    page.press("input[type=password]", "Enter")
    page.wait_for_selector("body[data-floor-status=live]", timeout=10_000)


@contextmanager
def demo_store(tmp_dir: str, **overrides: Any) -> Iterator[tuple[LiveServer, SiteInfo]]:
    """The demo store seeded on a fresh SQLite database and served, like `salon demo` does."""
    with fresh_database("sqlite", tmp_dir) as url:
        port = free_port()  # the site's allowed origin names the port: seed first

        async def seed() -> SiteInfo:
            db = Database(url)
            try:
                return await seed_demo(db, [f"http://127.0.0.1:{port}"])
            finally:
                await db.dispose()

        site = asyncio.run(seed())
        server = LiveServer.start(url, port=port, demo=True, **overrides)
        try:
            yield server, site
        finally:
            server.stop()
