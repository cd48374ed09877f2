"""Take the README's screenshot of the live floor from a running demo (`make demo` first).

    .venv/bin/python docs/make_screenshot.py [--url http://127.0.0.1:8000] [--wait 45]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from salon.demo.seed import DEMO_ACCOUNTS
from tests.web.browser import chromium, login_console

OUT = Path(__file__).parent / "floor.png"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--wait", type=float, default=0.0, help="seconds to let the floor fill")
    parser.add_argument("--open-story", action="store_true", help="open the top visitor's story")
    args = parser.parse_args()
    account = DEMO_ACCOUNTS[0]
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


if __name__ == "__main__":
    main()
