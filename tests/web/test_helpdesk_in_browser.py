"""The help desk in real Chromium: Nick, in a live chat, asks the "Product design" experts; Amara
(a second console) sees the question with the shopper's context and answers; the answer appears
in Nick's panel beside the chat; Amara keeps it as a snippet, and Nick finds it by search and
inserts it into his reply. Markup the shopper typed stays text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from salon.demo.seed import DEMO_ACCOUNTS
from salon.identity.service import SiteInfo
from tests.support import LiveServer
from tests.web.browser import chromium, demo_store, login_console

pytestmark = pytest.mark.browser
NICK = next(a for a in DEMO_ACCOUNTS if a.email.startswith("nick"))
AMARA = next(a for a in DEMO_ACCOUNTS if a.email.startswith("amara"))
HOSTILE = '<img src=x onerror="window.__pwned=1">'
QUESTION = "Can the Aurel tote be made in tan leather?"
ANSWER = "Yes: tan calfskin, made to order in three weeks."


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SiteInfo]]:
    with demo_store(str(tmp_path_factory.mktemp("db"))) as running:
        yield running


def _console(browser: Any, server: LiveServer, email: str, password: str) -> Any:
    page = browser.new_context().new_page()
    login_console(page, server.base_url, email, password)
    page.wait_for_selector("body[data-chat-status=live]", timeout=10_000)
    if page.locator("#availability").is_checked():
        page.locator("#availability").uncheck()  # away: the chat waits for Nick's hand pick
    page.wait_for_selector("#availability-label:has-text('Away')")
    return page


def test_ask_an_expert_from_a_chat(shop: tuple[LiveServer, SiteInfo]) -> None:
    server, _ = shop
    with chromium() as browser:
        nick = _console(browser, server, NICK.email, NICK.password)
        amara = _console(browser, server, AMARA.email, AMARA.password)
        shopper = browser.new_context().new_page()
        shopper.goto(server.base_url + "/shop/p/P101")
        shopper.locator("#salon-launcher").click()
        shopper.fill("#salon-name", "Camille")
        shopper.fill("#salon-email", "camille@example.com")
        shopper.fill("#salon-first-message", f"Is it in tan? {HOSTILE}")
        shopper.locator("#salon-start").click()

        nick.locator(".queue-item .claim").first.click()
        nick.wait_for_selector("#chat-panel .chat-msg[data-sender=visitor]", timeout=10_000)
        nick.locator("#tool-expert").click()
        nick.wait_for_selector("#expert-group option:has-text('Product design')", state="attached")
        nick.select_option("#expert-group", label="Product design")
        nick.fill("#expert-question", QUESTION)
        nick.locator("#expert-ask").click()
        nick.wait_for_selector("#expert-panel .xp-thread[data-status=open]", timeout=10_000)

        # Amara's help desk: the question, live, with who the shopper is and what she wrote
        amara.locator("#nav-helpdesk").click()
        amara.wait_for_selector("#helpdesk-count[data-count='1']", timeout=10_000)
        amara.locator(f"#hd-queue .hd-item:has-text('{QUESTION}')").click()
        detail = amara.wait_for_selector("#hd-detail .hd-context", timeout=10_000)
        text = detail.inner_text()
        assert "Camille" in text and HOSTILE in text  # the shopper's markup, as text
        amara.fill("#hd-answer", ANSWER)
        amara.locator("#hd-send").click()
        amara.wait_for_selector("#hd-detail .hd-state[data-status=answered]", timeout=10_000)

        # the answer appears inside Nick's chat, in the expert panel
        answer = nick.wait_for_selector(
            "#expert-panel .xp-thread[data-status=answered] .xp-msg[data-kind=answer]",
            timeout=10_000,
        )
        assert ANSWER in answer.inner_text()

        # Amara keeps it; Nick finds the snippet and puts it in his reply
        amara.fill("#hd-snippet-title", "Tan tote, made to order")
        amara.locator("#hd-snippet-save").click()
        amara.wait_for_selector(".hd-status:has-text('Saved')", timeout=10_000)
        nick.fill("#expert-search", "tan tote")
        nick.wait_for_selector(".xp-result[data-kind=snippet]", timeout=10_000)
        nick.locator(".xp-result[data-kind=snippet] .xp-insert").click()
        assert nick.locator("#chat-input").input_value() == ANSWER
        # and it is among the canned replies of the chat's own Replies tool
        nick.locator("#tool-canned").click()
        nick.wait_for_selector("#tool-panel :text('Tan tote, made to order')", timeout=10_000)

        for page in (nick, amara):
            assert page.evaluate("window.__pwned") is None
            assert page.locator("#hd-detail img, #expert-panel img").count() == 0
