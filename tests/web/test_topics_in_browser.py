"""The console's Topics page in real Chromium: shoppers on the demo store ask about delivery in
three chats (one with markup in it), the topic worker groups them, and an associate finds the topic
with its count, sparkline, trend and examples, opens its questions (newest first, from shopper
chats, the markup shown as text), and follows a question's link to the chat: its transcript when it
is not theirs, their own chat tab when it is, and the same from a /console#chats/{id} link."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from salon.demo.seed import DEMO_ACCOUNTS
from salon.identity.service import SiteInfo
from tests.support import LiveServer, wait_for
from tests.web.browser import chromium, demo_store, login_console

pytestmark = pytest.mark.browser
ASSOCIATE = next(a for a in DEMO_ACCOUNTS if a.role == "associate")
INJECTED = "Do you deliver to Lyon? <img src=x onerror=\"document.body.dataset.pwned='yes'\">"
DELIVERY = [
    "How long does delivery take to Lyon?",
    "how many days for shipping to Paris?",
    INJECTED,
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SiteInfo]]:
    with demo_store(str(tmp_path_factory.mktemp("db"))) as running:
        yield running


def shopper_asks(server: LiveServer, site: SiteInfo, text: str) -> str:
    """A shopper opens a chat through the widget's API and asks one question: the chat's id."""
    origin = {"Origin": server.base_url}  # the demo site's allowed origin
    started = httpx.post(
        server.base_url + "/api/chat/conversations",
        json={
            "site_key": site.key,
            "visitor_id": secrets.token_hex(16),
            "visit_id": secrets.token_hex(16),
        },
        headers=origin,
        timeout=20,
    )
    assert started.status_code == 201, started.text
    conversation_id = str(started.json()["conversation"]["id"])
    sent = httpx.post(
        f"{server.base_url}/api/chat/conversations/{conversation_id}/messages",
        json={"client_id": secrets.token_hex(16), "body": text},
        headers={**origin, "Authorization": f"Bearer {started.json()['token']}"},
        timeout=20,
    )
    assert sent.status_code in (200, 201), sent.text
    return conversation_id


def associate_api(server: LiveServer) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=20)
    server.clients.append(client)
    answer = client.post(
        "/api/auth/login", json={"email": ASSOCIATE.email, "password": ASSOCIATE.password}
    )
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def grouped(api: httpx.Client, site: SiteInfo) -> dict[str, dict[str, Any]] | None:
    """Each of our questions → its topic, once the worker has grouped all of them."""
    answer = api.get(f"/api/sites/{site.id}/topics")
    assert answer.status_code == 200, answer.text
    found: dict[str, dict[str, Any]] = {}
    for topic in answer.json()["topics"]:
        questions = api.get(f"/api/sites/{site.id}/topics/{topic['id']}").json()["questions"]
        for question in questions:
            if question["text"] in DELIVERY:
                found[question["text"]] = topic
    return found if len(found) == len(DELIVERY) else None


def test_an_associate_finds_a_recurring_question_and_opens_its_chats(
    shop: tuple[LiveServer, SiteInfo],
) -> None:
    server, site = shop
    api = associate_api(server)
    chats = {text: shopper_asks(server, site, text) for text in DELIVERY}
    by_text = wait_for(lambda: grouped(api, site), timeout=90, interval=0.5)
    delivery = by_text[DELIVERY[0]]
    assert by_text[DELIVERY[1]]["id"] == delivery["id"]  # same question, other words
    assert delivery["total"] >= 2

    problems: list[str] = []
    with chromium() as browser:
        page = browser.new_context().new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        login_console(page, server.base_url, ASSOCIATE.email, ASSOCIATE.password)
        page.locator("#nav-topics").click()
        page.wait_for_selector("#topics[data-loaded=true]", timeout=10_000)
        assert page.locator("#topics-title").inner_text() == "Topics"
        days = page.evaluate(
            "(Date.parse(document.querySelector('#tq-to').value)"
            " - Date.parse(document.querySelector('#tq-from').value)) / 864e5"
        )
        assert days == 55  # the last eight weeks, both ends included

        item = page.locator(f".tq-topic[data-topic-id='{delivery['id']}']")
        assert item.locator(".tq-total-value").inner_text() == str(delivery["total"])
        examples = item.locator(".tq-example").all_inner_texts()
        assert set(examples) & set(DELIVERY[:2]) and len(examples) <= 3
        assert item.locator(".tq-open").inner_text() == delivery["label"]
        assert item.locator("svg.tq-spark polyline").count() == 1
        assert item.locator(".tq-trend").inner_text().startswith(("↑", "→", "↓"))
        totals = [int(t) for t in page.locator(".tq-total-value").all_inner_texts()]
        assert totals == sorted(totals, reverse=True)  # the busiest first

        # the topic holding the injected question: its questions, newest first, as plain text
        injected = by_text[INJECTED]
        page.locator(f".tq-topic[data-topic-id='{injected['id']}'] .tq-open").click()
        questions = page.locator("#tq-questions .tq-question")
        questions.first.wait_for(timeout=10_000)
        texts = questions.locator(".tq-question-text").all_inner_texts()
        assert INJECTED in texts
        ours = [t for t in texts if t in DELIVERY]
        assert ours == [t for t in reversed(DELIVERY) if by_text[t]["id"] == injected["id"]]
        assert page.locator("#topics img").count() == 0
        assert page.evaluate("document.body.dataset.pwned") is None
        row = questions.filter(has_text="onerror")
        assert row.locator(".tq-source").inner_text() == "Shopper chat"
        assert row.locator("time").count() == 1
        link = row.locator("a.tq-link")
        assert link.get_attribute("href") == f"/console#chats/{chats[INJECTED]}"

        # not the associate's chat: its read-only transcript, the markup still text
        link.click()
        transcript = page.locator(f"#tq-transcript[data-conversation-id='{chats[INJECTED]}']")
        transcript.wait_for(timeout=10_000)
        assert INJECTED in transcript.locator(".tq-question-text").all_inner_texts()
        assert page.locator("#topics img").count() == 0
        assert page.evaluate("location.hash") == ""  # consumed: the same link works again
        page.locator(".tq-back").click()
        page.wait_for_selector("#tq-questions .tq-question")

        # their own chat (claimed): the same kind of link opens its tab in Chats
        mine = chats[DELIVERY[0]]
        claimed = api.post(f"/api/sites/{site.id}/chat/conversations/{mine}/claim")
        assert claimed.status_code == 200, claimed.text
        page.wait_for_selector(f"#chat-tabs .chat-tab[data-conversation-id='{mine}']")
        page.evaluate(f"location.hash = '#chats/{mine}'")
        page.wait_for_selector("body[data-section=chats]")
        page.wait_for_selector(f"#chat-messages[data-conversation-id='{mine}']")
        page.locator("#chat-messages").get_by_text(DELIVERY[0]).wait_for(timeout=10_000)

        # a deep link from outside the console: after loading, the chat's transcript
        other = chats[DELIVERY[1]]
        page.goto(f"{server.base_url}/console#chats/{other}")
        page.wait_for_selector(f"#tq-transcript[data-conversation-id='{other}']", timeout=10_000)
        assert page.locator("body").get_attribute("data-section") == "topics"
        assert DELIVERY[1] in page.locator("#tq-transcript").inner_text()
    assert problems == []
