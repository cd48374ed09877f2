"""Live chat in a real browser: a shopper on /shop and an associate in the console, with the
transcript received by a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from salon.demo.seed import DEMO_ACCOUNTS
from salon.identity.service import SiteInfo
from tests.support import LiveServer, free_port, wait_for
from tests.web.browser import chromium, demo_store, login_console

pytestmark = pytest.mark.browser
ASSOCIATE = DEMO_ACCOUNTS[0]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture(scope="module")
def shop(
    tmp_path_factory: pytest.TempPathFactory, inbox: Inbox
) -> Iterator[tuple[LiveServer, SiteInfo]]:
    smtp_url = f"smtp://127.0.0.1:{inbox.port}"  # type: ignore[attr-defined]
    with demo_store(str(tmp_path_factory.mktemp("db")), smtp_url=smtp_url) as running:
        yield running


def test_shopper_and_associate_chat_end_to_end(
    shop: tuple[LiveServer, SiteInfo], inbox: Inbox
) -> None:
    server, _ = shop
    with chromium() as browser:
        console = browser.new_context().new_page()
        login_console(console, server.base_url, ASSOCIATE.email, ASSOCIATE.password)
        console.wait_for_selector("body[data-chat-status=live]", timeout=10_000)
        if console.locator("#availability").is_checked():
            console.locator("#availability").uncheck()  # away: chats wait for a hand pick
        console.wait_for_selector("#availability-label:has-text('Away')")

        shopper = browser.new_context().new_page()
        shopper.goto(server.base_url + "/shop/p/P101")
        shopper.locator("#salon-launcher").click()
        shopper.fill("#salon-name", "Camille <b>Test</b>")
        shopper.fill("#salon-email", "camille@example.com")
        shopper.fill("#salon-first-message", "Does the tote come in tan?")
        shopper.locator("#salon-start").click()
        shopper.wait_for_selector("#salon-queue:has-text('number 1 in line')", timeout=10_000)
        reference = shopper.locator("#salon-reference").inner_text()
        assert "SAL-" in reference

        console.locator(".queue-item .claim").first.click()
        console.wait_for_selector("#chat-panel .chat-msg[data-sender=visitor]", timeout=10_000)
        shopper.wait_for_selector(
            "#salon-messages .salon-msg:has-text('has joined')", timeout=10_000
        )
        assert "Camille <b>Test</b>" in console.locator("#chat-panel").inner_text()

        console.locator("#chat-input").type("Good afternoon")
        shopper.wait_for_selector("#salon-typing:has-text('typing')", timeout=5_000)
        console.locator("#chat-send").click()
        shopper.wait_for_selector(
            ".salon-msg[data-sender=associate]:has-text('Good afternoon')", timeout=5_000
        )
        shopper.locator("#salon-input").type("Lovely, thank you")
        console.wait_for_selector("#chat-typing:not(:empty)", timeout=5_000)
        shopper.locator("#salon-send").click()
        console.wait_for_selector(
            ".chat-msg[data-sender=visitor]:has-text('Lovely, thank you')", timeout=5_000
        )

        # page push: the shopper's browser goes to the product page
        console.locator("#tool-push").click()
        console.fill("#push-url", server.base_url + "/shop/p/P102")
        console.fill("#push-title", "Have a look at this one")
        console.locator("#push-send").click()
        shopper.wait_for_url("**/shop/p/P102", timeout=10_000)

        # a reload mid-chat keeps the whole history, nothing doubled
        shopper.reload()
        shopper.wait_for_selector(".salon-msg:has-text('Lovely, thank you')", timeout=10_000)
        assert shopper.locator(".salon-msg:has-text('Lovely, thank you')").count() == 1
        assert shopper.locator(".salon-msg:has-text('Good afternoon')").count() == 1

        shopper.locator("#salon-end").click()
        shopper.locator(".salon-star[data-score='5']").click()
        shopper.locator("#salon-rate").click()
        console.wait_for_selector("#chat-panel[data-status=closed]", timeout=10_000)

    wait_for(lambda: inbox.messages, timeout=15)
    mail = inbox.messages[-1]
    assert mail["To"].endswith("camille@example.com>") or mail["To"] == "camille@example.com"
    assert reference.replace("Ref.", "").strip() in mail["Subject"]
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html")
    plain = text.get_payload(decode=True).decode()
    assert "Lovely, thank you" in plain and "Good afternoon" in plain
    markup = html.get_payload(decode=True).decode()
    assert "Camille &lt;b&gt;Test&lt;/b&gt;" in markup and "<b>Test</b>" not in markup
