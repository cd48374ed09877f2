"""Take the README's screenshot of the live floor from a running demo (`make demo` first).

.venv/bin/python docs/make_screenshot.py [--url http://127.0.0.1:8000] [--wait 45] [--playbooks]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from salon.demo.seed import DEMO_ACCOUNTS
from tests.web.browser import chromium, login_console

OUT = Path(__file__).parent / "floor.png"
CHAT_OUT = Path(__file__).parent / "chat.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to let the floor fill")
    parser.add_argument("--open-story", action="store_true", help="open the top visitor's story")
    parser.add_argument("--chat", action="store_true", help="also a chat, shopper and associate")
    parser.add_argument("--tools", action="store_true", help="also the Tools panel and its cards")
    parser.add_argument(
        "--playbooks", action="store_true", help="also the Playbooks page (docs/playbooks.png)"
    )
    parser.add_argument(
        "--analytics", action="store_true", help="also the Analytics page (docs/analytics.png)"
    )
    args = parser.parse_args()
    account = DEMO_ACCOUNTS[0]
    if args.analytics:
        analytics_screenshot(args.url)
    if args.chat:
        chat_screenshot(args.url)
    if args.tools:
        tools_screenshot(args.url)
    if args.playbooks:
        playbooks_screenshot(args.url, args.wait)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        login_console(page, args.url, account.email, account.password)
        time.sleep(args.wait)
        page.wait_for_selector(".visitor", timeout=30_000)
        if args.open_story:
            page.locator(".visitor .visitor-open").first.click()
            page.wait_for_selector("#story[data-loaded]", timeout=10_000)
        page.screenshot(path=str(OUT))
    print(f"wrote {OUT}")


def chat_screenshot(url: str) -> None:
    """A shopper on a product page asks for help; Nick answers with a product card."""
    account = DEMO_ACCOUNTS[0]
    with chromium() as browser:
        console = browser.new_page(viewport={"width": 1440, "height": 900})
        login_console(console, url, account.email, account.password)
        shopper = browser.new_page(viewport={"width": 1100, "height": 800})
        shopper.goto(url + "/shop/p/P401")
        shopper.locator("#salon-launcher").click()
        shopper.fill("#salon-name", "Camille")
        shopper.fill("#salon-first-message", "Hello! Is this coat warm enough for Oslo in January?")
        shopper.locator("#salon-start").click()
        console.locator("#nav-chats").click()
        console.wait_for_selector("#chat-panel .chat-msg[data-sender=visitor]", timeout=20_000)
        console.fill(
            "#chat-input",
            "Good afternoon Camille! It is lined with cashmere; for Oslo "
            "I would also suggest our down gilet underneath.",
        )
        console.locator("#chat-send").click()
        shopper.wait_for_selector(".salon-msg[data-sender=associate]", timeout=10_000)
        shopper.fill("#salon-input", "Perfect, could you show me the gilet?")
        shopper.locator("#salon-send").click()
        console.wait_for_selector(".chat-msg:has-text('show me the gilet')", timeout=10_000)
        console.locator("#tool-product").click()
        console.fill("#product-search", "gilet")
        console.locator(".product-result:has-text('Gilet')").first.click()
        shopper.wait_for_selector(".salon-card", timeout=10_000)
        console.wait_for_selector("#chat-story .story-page", timeout=10_000)
        console.screenshot(path=str(CHAT_OUT))
        shopper.screenshot(path=str(CHAT_OUT.with_name("chat-shopper.png")))
    print(f"wrote {CHAT_OUT}")


def tools_screenshot(url: str) -> None:
    """A shopper hesitates between two bags; Nick sends a comparison and where it is in stock."""
    account = DEMO_ACCOUNTS[0]
    out = OUT.with_name("tools.png")
    with chromium() as browser:
        console = browser.new_page(viewport={"width": 1440, "height": 900})
        login_console(console, url, account.email, account.password)
        shopper = browser.new_page(viewport={"width": 1100, "height": 900})
        shopper.goto(url + "/shop/p/P101")
        shopper.locator("#salon-launcher").click()
        shopper.fill("#salon-name", "Camille")
        shopper.fill(
            "#salon-first-message", "Tote or shoulder bag? My budget is around 3,000 euros."
        )
        shopper.locator("#salon-start").click()
        console.locator("#nav-chats").click()
        first = ".queue-item .claim, #chat-panel .chat-msg[data-sender=visitor]"
        console.wait_for_selector(first, timeout=20_000)
        if console.locator(".queue-item .claim").count():
            console.locator(".queue-item .claim").first.click()
        console.wait_for_selector("#chat-panel .chat-msg[data-sender=visitor]", timeout=20_000)
        console.locator("#tool-touch").click()
        for name, fill in (
            ("compare", {"product_ids": "P101, P102"}),
            ("stock", {"product_id": "P101"}),
        ):
            console.locator(f".tp-tool[data-tool={name}]").click()
            for field, value in fill.items():
                console.fill(f"#tp-{field}", value)
            console.wait_for_selector(f".tp-preview .tcard[data-card-kind={name}]", timeout=10_000)
            console.locator(".tp-send").click()
            console.wait_for_selector(".tp-sent", timeout=10_000)
        shopper.wait_for_selector(".salon-tool[data-card-kind=stock]", timeout=10_000)
        console.locator(".tp-tool[data-tool=recommendations]").click()
        console.wait_for_selector(".tp-preview .tcard", timeout=10_000)
        console.screenshot(path=str(out))
        shopper.screenshot(path=str(out.with_name("tools-shopper.png")))
    print(f"wrote {out}")


def playbooks_screenshot(url: str, wait: float) -> None:
    """Sofia's Playbooks page: the demo's seeded playbooks and their lift."""
    account = next(a for a in DEMO_ACCOUNTS if a.role == "supervisor")
    out = OUT.with_name("playbooks.png")
    time.sleep(wait)  # let the simulated shoppers stall, get treated or held out, and buy
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        login_console(page, url, account.email, account.password)
        page.locator("#nav-playbooks").click()
        page.wait_for_selector("#playbooks .pb-item .pb-lift", timeout=10_000)
        page.screenshot(path=str(out))
    print(f"wrote {out}")


def analytics_screenshot(url: str) -> None:
    """Sofia's Analytics page over the demo's four weeks of history."""
    account = next(a for a in DEMO_ACCOUNTS if a.role == "supervisor")
    out = OUT.with_name("analytics.png")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1100})
        login_console(page, url, account.email, account.password)
        page.locator("#nav-analytics").click()
        page.wait_for_selector("#analytics[data-loaded=true]", timeout=30_000)
        page.screenshot(path=str(out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
