"""The Analytics page in real Chromium on the demo store with a few weeks of history: every
chart is drawn as SVG, the honest-lift sentence is there, filters redraw, CSV links work."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from salon.analytics.history import seed_history
from salon.analytics.routes import CHARTS
from salon.demo.seed import DEMO_ACCOUNTS
from salon.identity.service import SiteInfo
from tests.support import LiveServer
from tests.web.browser import chromium, demo_store, login_console

pytestmark = pytest.mark.browser
SUPERVISOR = next(a for a in DEMO_ACCOUNTS if a.role == "supervisor")
ASSOCIATE = next(a for a in DEMO_ACCOUNTS if a.role == "associate")


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SiteInfo]]:
    with demo_store(str(tmp_path_factory.mktemp("db")), demo_shoppers=0) as (server, site):
        server.run(lambda db: seed_history(db, site.id, days=28, visits=500))
        yield server, site


def test_the_analytics_page_draws_every_chart(shop: tuple[LiveServer, SiteInfo]) -> None:
    server, _ = shop
    with chromium() as browser:
        page = browser.new_context().new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        login_console(page, server.base_url, SUPERVISOR.email, SUPERVISOR.password)
        page.click("#nav-analytics")
        page.wait_for_selector("#analytics[data-loaded=true]", timeout=20_000)
        for chart in CHARTS:
            assert page.locator(f"#an-{chart} .an-figure svg.chart").count() == 1, chart
        assert page.locator("#an-conversion svg rect.bar").count() == 2
        assert page.locator("#an-heatmap svg rect.cell").count() == 7 * 24
        assert page.locator("#an-attribution svg rect.bar").count() >= 1
        sentence = page.locator("#an-sentence").inner_text()
        assert "Visits with a chat converted at" in sentence
        assert "chats" in page.locator("#an-queue-line").inner_text()
        assert page.locator("#an-playbooks svg rect.bar, #an-playbooks svg text").count() >= 1

        # one associate only: the handle-time chart redraws with a single bar
        page.select_option("#an-associate", index=1)
        page.click("#an-apply")
        page.wait_for_selector("#analytics[data-loaded=true]", timeout=20_000)
        assert page.locator("#an-handle-times svg rect.bar").count() <= 1
        href = page.locator("#an-csat .an-csv").get_attribute("href")
        assert href and "format=csv" in href
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        exported = httpx.get(server.base_url + href, cookies=cookies, timeout=10)
        assert exported.status_code == 200 and exported.text.startswith("associate,")
        assert errors == []


def test_associates_do_not_see_the_analytics_tab(shop: tuple[LiveServer, SiteInfo]) -> None:
    server, _ = shop
    with chromium() as browser:
        page = browser.new_context().new_page()
        login_console(page, server.base_url, ASSOCIATE.email, ASSOCIATE.password)
        assert page.locator("#nav-analytics").is_hidden()
