"""The Playbooks page in Chromium: a supervisor builds a playbook in the editor (the server's 422
shown beside the form, a concurrent save refused with 409), sets the coupon budget, adds a
webhook and sends a test; an associate sees the same page read-only, with hostile text inert, and
ticks a follow-up done."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from salon.core.ids import new_id
from salon.db.engine import Database
from salon.demo.seed import DEMO_ACCOUNTS
from salon.identity.service import SiteInfo
from salon.playbooks.models import FollowUpTask
from tests.support import LiveServer, wait_for
from tests.web.browser import chromium, demo_store, login_console

pytestmark = pytest.mark.browser
SUPERVISOR = next(a for a in DEMO_ACCOUNTS if a.role == "supervisor")
ASSOCIATE = DEMO_ACCOUNTS[0]
HOSTILE = 'Cart <img src=x onerror="window.__pwned=1"> rescue'


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SiteInfo]]:
    with demo_store(str(tmp_path_factory.mktemp("db"))) as running:
        yield running


def api_as(server: LiveServer, email: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url, timeout=10)
    server.clients.append(client)
    answer = client.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return client


def playbooks_page(page: Any, server: LiveServer, email: str, password: str) -> None:
    login_console(page, server.base_url, email, password)
    page.locator("#nav-playbooks").click()
    page.wait_for_selector("#playbooks[data-loaded]", timeout=10_000)


def test_a_supervisor_builds_a_playbook_and_a_webhook(shop: tuple[LiveServer, SiteInfo]) -> None:
    server, site = shop
    api = api_as(server, SUPERVISOR.email, SUPERVISOR.password)
    with chromium() as browser:
        page = browser.new_context().new_page()
        playbooks_page(page, server, SUPERVISOR.email, SUPERVISOR.password)

        page.locator("#pb-new").click()
        page.wait_for_selector("#pb-form")
        page.fill("#pb-name", "Big basket, slow checkout")
        page.locator("#pb-add-cond").click()
        row = page.locator("#pb-conds .pb-cond").last
        row.locator(".pb-cond-signal").select_option("cart_value")
        row.locator(".pb-cond-op").select_option("gte")
        row.locator(".pb-cond-input").fill("300")
        page.locator("#pb-check").click()
        page.wait_for_selector(".pb-check-result:has-text('shopper(s) on the floor')")
        assert "300" in page.locator(".pb-check-result").inner_text()

        # too large a hold-out: the server's sentence appears beside the form, nothing is saved
        page.fill("#pb-holdout", "80")
        page.locator("#pb-save").click()
        error = page.locator("#pb-form-error")
        error.wait_for()
        assert error.get_attribute("data-field") == "holdout_percent"
        assert "holdout_percent" in error.inner_text()
        names = [p["name"] for p in api.get(f"/api/sites/{site.id}/playbooks").json()["playbooks"]]
        assert "Big basket, slow checkout" not in names

        page.fill("#pb-holdout", "10")
        page.locator("#pb-save").click()
        page.wait_for_selector("#pb-save:has-text('Save as version 2')")
        [saved] = [
            p
            for p in api.get(f"/api/sites/{site.id}/playbooks").json()["playbooks"]
            if p["name"] == "Big basket, slow checkout"
        ]
        assert saved["name"] == "Big basket, slow checkout" and saved["holdout_percent"] == 10
        assert saved["trigger"]["all"][-1] == {"signal": "cart_value", "op": "gte", "value": 300}

        # someone else saves first: this save is refused and says so
        body = {k: saved[k] for k in ("name", "description", "enabled", "trigger", "actions")}
        changed = api.put(
            f"/api/sites/{site.id}/playbooks/{saved['id']}?version=1",
            json={**body, "caps": saved["caps"], "holdout_percent": 20},
        )
        assert changed.status_code == 200, changed.text
        page.fill("#pb-description", "mine")
        page.locator("#pb-save").click()
        page.wait_for_selector("#pb-form-error:has-text('reload it')")
        one = api.get(f"/api/sites/{site.id}/playbooks/{saved['id']}").json()
        assert one["playbook"]["version"] == 2 and one["playbook"]["description"] == ""

        # the coupon budget
        page.locator(".pb-back").click()
        page.wait_for_selector(f".pb-item[data-playbook-id='{saved['id']}']")
        page.fill("#pb-budget-cap", "250")
        page.locator("#pb-budget-save").click()
        wait_for(
            lambda: api.get(f"/api/sites/{site.id}/coupon-budget").json()["daily_cap"] == 250,
            timeout=10,
        )
        page.wait_for_selector("#pb-budget:has-text('€250')")

        # a webhook: the secret shows once, "Send test" lands in the delivery log
        page.fill("#wh-url", "http://127.0.0.1:9/salon-hooks")
        page.locator("#wh-create").click()
        secret = page.locator(".wh-secret")
        secret.wait_for()
        assert len(secret.inner_text()) >= 16
        endpoint = page.locator(".wh-endpoint")
        endpoint.wait_for()
        assert endpoint.get_attribute("data-active") == "true"
        endpoint.locator(".wh-test").click()
        page.wait_for_selector(".wh-delivery:has-text('ping')", timeout=10_000)
        page.locator(".wh-endpoint .wh-toggle").click()
        page.wait_for_selector(".wh-endpoint[data-active=false]")


def test_an_associate_reads_playbooks_and_finishes_a_follow_up(
    shop: tuple[LiveServer, SiteInfo],
) -> None:
    server, site = shop
    api = api_as(server, SUPERVISOR.email, SUPERVISOR.password)
    created = api.post(
        f"/api/sites/{site.id}/playbooks",
        json={
            "name": HOSTILE,
            "enabled": True,
            "trigger": {"any": [{"signal": "mood", "op": "eq", "value": "frustrated"}]},
            "actions": [{"type": "follow_up", "title": "Call back", "due_hours": 2}],
        },
    )
    assert created.status_code == 201, created.text
    playbook_id = created.json()["playbook"]["id"]

    async def add_task(db: Database) -> None:
        async with db.writer() as session:
            session.add(FollowUpTask(id=new_id(), site_id=site.id, title="Call Mrs Dubois back"))

    server.run(add_task)
    with chromium() as browser:
        page = browser.new_context().new_page()
        playbooks_page(page, server, ASSOCIATE.email, ASSOCIATE.password)
        item = page.locator(f".pb-item[data-playbook-id='{playbook_id}']")
        item.wait_for()
        assert item.locator(".pb-name").inner_text() == HOSTILE
        assert page.locator("#playbooks img").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert item.locator(".pb-enabled").is_disabled()
        assert page.locator("#pb-new").is_hidden() and page.locator("#webhooks").is_hidden()
        assert page.locator("#pb-budget-cap").is_disabled()

        task = page.locator(".pb-task:has-text('Call Mrs Dubois back')")
        task.locator(".pb-task-done").click()
        task.wait_for(state="detached")
        open_tasks = api.get(f"/api/sites/{site.id}/tasks?status=open").json()["tasks"]
        assert all(t["title"] != "Call Mrs Dubois back" for t in open_tasks)

        item.locator(".pb-open").click()
        page.wait_for_selector("#pb-form")
        assert page.locator("#pb-name").is_disabled()
        assert page.locator("#pb-save").is_hidden()
        assert page.locator("#pb-conds .pb-cond-signal").first.is_disabled()
        assert page.locator(".pb-firings .table-empty").inner_text() == "It has not fired yet."
