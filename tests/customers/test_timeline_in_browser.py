"""The timeline beside a chat in a real browser: an identified shopper chats, the associate who
claims the chat sees the customer's call from the call centre (signed webhook) with its mood and
their web visit, and markup in a summary stays text."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from salon.customers.models import Customer
from salon.customers.routes import sign_body
from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.identity.signing import sign_customer_id
from salon.tracking.models import Visitor
from tests.chat.support import ORIGIN, Shopper
from tests.support import PASSWORD, LiveServer, batch, event, fresh_database
from tests.web.browser import chromium, login_console

pytestmark = pytest.mark.browser
CUSTOMER = "C-TIMELINE-1"
HOSTILE = "<img src=x onerror=window.__pwned=1>"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SiteInfo]]:
    with fresh_database("sqlite", str(tmp_path_factory.mktemp("db"))) as url:
        server = LiveServer.start(url)
        try:
            yield server, server.make_site(origins=[ORIGIN])
        finally:
            server.stop()


def _linked(server: LiveServer, site_id: str) -> bool:
    async def query(db: Database) -> bool:
        async with db.reader() as session:
            found = await session.scalar(
                select(Visitor.id)
                .join(Customer, Customer.id == Visitor.customer_id)
                .where(Visitor.site_id == site_id, Customer.external_id == CUSTOMER)
            )
            return found is not None

    return bool(server.run(query))


def test_associate_sees_the_call_beside_the_chat(shop: tuple[LiveServer, SiteInfo]) -> None:
    server, site = shop
    at = datetime.now(UTC) - timedelta(days=6)
    rows = [
        {
            "external_id": "CALL-BROWSER-1",
            "customer_id": CUSTOMER,
            "channel": "phone",
            "occurred_at": at.isoformat(),
            "summary": "late delivery, still not delivered, very disappointed",
        },
        {
            "external_id": "MAIL-BROWSER-1",
            "customer_id": CUSTOMER,
            "channel": "email",
            "occurred_at": (at - timedelta(days=1)).isoformat(),
            "summary": HOSTILE,
        },
    ]
    raw = json.dumps({"interactions": rows}).encode()
    answer = httpx.post(
        server.base_url + "/api/webhooks/interactions",
        content=raw,
        headers={
            "X-Salon-Site": site.key,
            "X-Salon-Signature": sign_body(site.secret, raw),
            "Content-Type": "application/json",
        },
    )
    assert answer.status_code == 200 and answer.json()["created"] == 2, answer.text
    # the shopper, identified by the store, asks for help (through the widget's public API)
    shopper = Shopper(server.base_url, site)
    identity = {"customer_id": CUSTOMER, "signature": sign_customer_id(site.secret, CUSTOMER)}
    events = [event("page_view", url="https://shop.example/orders", title="My orders")]
    tracked = httpx.post(
        server.base_url + "/api/track",
        json=batch(site, events, shopper.visitor_id, shopper.visit_id, identity=identity),
        headers={"Origin": ORIGIN},
    )
    assert tracked.status_code < 300, tracked.text
    assert _linked(server, site.id)
    email = server.make_associate([site])
    assert shopper.start(name="Camille", message="Where is my parcel?").status_code == 201
    with chromium() as browser:
        console = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        login_console(console, server.base_url, email, PASSWORD)
        console.locator(".nav-tab[data-section=chats]").click()  # the story sits beside the chat
        console.locator(".queue-item .claim").first.click()
        console.wait_for_selector("#chat-panel .chat-msg[data-sender=visitor]", timeout=10_000)
        call = console.wait_for_selector(
            "#chat-story .timeline-item[data-channel=phone]", timeout=10_000
        )
        text = call.inner_text()
        assert "6 days ago" in text and "late delivery" in text and "negative" in text
        assert call.get_attribute("data-mood") == "negative"
        mail = console.locator("#chat-story .timeline-item[data-channel=email] .timeline-summary")
        assert mail.inner_text() == HOSTILE
        assert console.evaluate("() => window.__pwned") is None
        assert console.locator("#chat-story .timeline img").count() == 0
        web = console.locator("#chat-story .timeline-item[data-channel=web]")
        assert "1 page" in web.inner_text()
