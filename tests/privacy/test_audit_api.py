"""The audit log through real HTTP: admin actions across the app leave one entry each, in the
same transaction (a failed or dry-run import leaves none), secrets never reach it, and it reads
newest first in bounded pages for supervisors and admins only. Retention settings are validated."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from salon.identity.service import SiteInfo
from tests.playbooks.support import SAVE_THE_CART
from tests.support import LiveServer


class Console:
    def __init__(self, server: LiveServer, site: SiteInfo, role: str) -> None:
        self.site = site
        self.client, self.csrf = server.login(server.make_associate([site], role=role))

    def call(self, method: str, tail: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        return self.client.request(
            method,
            f"/api/sites/{self.site.id}{tail}",
            json=body,
            headers={"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})},
            **kwargs,
        )

    def audit(self, query: str = "") -> list[dict[str, Any]]:
        answer = self.call("GET", "/audit" + query)
        assert answer.status_code == 200, answer.text
        entries: list[dict[str, Any]] = answer.json()["entries"]
        return entries


@pytest.fixture
def shop(server: LiveServer) -> SiteInfo:
    return server.make_site(["https://shop.example"], name="Audited shop")


def test_retention_setting_is_validated_and_audited(server: LiveServer, shop: SiteInfo) -> None:
    admin = Console(server, shop, "admin")
    supervisor = Console(server, shop, "supervisor")
    for bad in (29, 3651, "90", 90.5, None, True):
        refused = admin.call("PUT", "/privacy", {"retention_days": bad})
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["error"]["field"] == "retention_days"
    extra = admin.call("PUT", "/privacy", {"retention_days": 90, "site_id": "x"})
    assert extra.status_code == 422
    assert supervisor.call("PUT", "/privacy", {"retention_days": 90}).status_code == 403
    wrong_csrf = admin.call(
        "PUT", "/privacy", {"retention_days": 90}, headers={"X-CSRF-Token": "x"}
    )
    assert wrong_csrf.status_code == 403
    no_csrf = admin.client.put(f"/api/sites/{shop.id}/privacy", json={"retention_days": 90})
    assert no_csrf.status_code == 403
    assert supervisor.call("GET", "/privacy").json() == {"privacy": {"retention_days": 395}}

    saved = admin.call("PUT", "/privacy", {"retention_days": 90})
    assert saved.status_code == 200 and saved.json() == {"privacy": {"retention_days": 90}}
    assert supervisor.call("GET", "/privacy").json() == {"privacy": {"retention_days": 90}}
    (entry,) = admin.audit()
    assert entry["action"] == "privacy.retention" and entry["detail"] == {
        "retention_days": 90,
        "before": 395,
    }
    assert entry["actor"]["email"].startswith("assoc") and entry["ip"] == "127.0.0.1"


def test_admin_actions_are_audited_once_each(server: LiveServer, shop: SiteInfo) -> None:
    boss = Console(server, shop, "supervisor")
    admin = Console(server, shop, "admin")
    expert = Console(server, shop, "associate")

    hook = boss.call(
        "POST",
        "/webhooks",
        {"url": "https://hooks.example/in?token=abc", "events": ["playbook.fired"]},
    )
    assert hook.status_code == 201, hook.text
    endpoint = hook.json()["endpoint"]
    assert boss.call("PATCH", f"/webhooks/{endpoint['id']}", {"active": False}).status_code == 200
    assert boss.call("DELETE", f"/webhooks/{endpoint['id']}").status_code == 204
    assert boss.call("DELETE", f"/webhooks/{endpoint['id']}").status_code == 404  # no entry

    playbook = boss.call("POST", "/playbooks", SAVE_THE_CART)
    assert playbook.status_code == 201, playbook.text
    playbook_id = playbook.json()["playbook"]["id"]
    changed = boss.call("PUT", f"/playbooks/{playbook_id}", {**SAVE_THE_CART, "name": "Saver"})
    assert changed.status_code == 200, changed.text

    me = expert.client.get("/api/auth/me").json()["associate"]["id"]
    group = boss.call("POST", "/helpdesk/groups", {"name": "Leather", "member_ids": [me]})
    assert group.status_code == 201, group.text
    group_id = group.json()["group"]["id"]
    assert boss.call("DELETE", f"/helpdesk/groups/{group_id}").status_code == 204

    csv = b"external_id,name,email\nC1,Ada,ada@example.com\n"
    bad = b"external_id,name,email\nC2,Bob,not-an-email\n"
    headers = {"Content-Type": "text/csv"}
    dry = admin.call("POST", "/imports/customers?dry_run=true", content=csv, headers=headers)
    assert dry.status_code == 200, dry.text
    assert admin.call("POST", "/imports/customers", content=bad, headers=headers).status_code == 422
    imported = admin.call("POST", "/imports/customers", content=csv, headers=headers)
    assert imported.status_code == 200, imported.text

    entries = boss.audit()
    assert [e["action"] for e in entries] == [
        "import.commit",
        "helpdesk.group_delete",
        "helpdesk.group_create",
        "playbook.save",
        "playbook.save",
        "webhook.delete",
        "webhook.update",
        "webhook.create",
    ]
    by_action = {e["action"]: e for e in entries}
    assert by_action["webhook.create"]["target"] == f"webhook_endpoint:{endpoint['id']}"
    assert by_action["helpdesk.group_create"]["target"] == f"expert_group:{group_id}"
    assert by_action["import.commit"]["detail"]["kind"] == "customers"
    assert entries[3]["detail"]["name"] == "Saver" and entries[3]["target"].endswith(playbook_id)
    flat = str(entries)
    assert endpoint["secret"] not in flat and "token=abc" not in flat
    ids = [e["id"] for e in entries]
    assert ids == sorted(ids, reverse=True)

    # bounded pages, newest first
    first = boss.audit("?limit=3")
    assert [e["id"] for e in first] == ids[:3]
    rest = boss.audit(f"?limit=500&before={first[-1]['id']}")
    assert [e["id"] for e in rest] == ids[3:]
    for query in ("?limit=0", "?limit=501", "?before=0", "?limit=ten", f"?before={2**64}"):
        refused = boss.call("GET", "/audit" + query)
        assert refused.status_code == 422, (query, refused.text)
    assert expert.call("GET", "/audit").status_code == 403
    stranger = Console(server, server.make_site([], name="Elsewhere"), "admin")
    assert stranger.client.get(f"/api/sites/{shop.id}/audit").status_code == 404
    # the API never changes the log
    assert admin.call("DELETE", "/audit").status_code in (403, 404, 405)
