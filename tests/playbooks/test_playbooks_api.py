"""The playbook API: supervisors write, versions are kept, bad input is a 422 that changes
nothing, other sites see nothing; the firing's webhooks reach a real receiver, signed."""

from __future__ import annotations

import json

from salon.identity.service import SiteInfo
from salon.webhooks.signing import verify_signature
from tests.chat.support import Associate
from tests.playbooks.support import SAVE_THE_CART, Browser, create, pb_url
from tests.support import LiveServer, event, wait_for
from tests.webhooks.support import Receiver, create_endpoint, supervisor


def test_supervisors_write_versions_are_kept_and_conflicts_refused(server: LiveServer) -> None:
    site = server.make_site()
    boss = Associate.create(server, site, role="supervisor")
    clerk = Associate.create(server, site)
    assert clerk.post(pb_url(site), SAVE_THE_CART).status_code == 403
    playbook = create(boss, site)
    assert playbook["version"] == 1
    assert playbook["trigger_text"] == "(checkout_idle_seconds ≥ 1 and cart_value ≥ 300)"
    changed = {**SAVE_THE_CART, "holdout_percent": 20}
    put = boss.client.put(
        pb_url(site, f"/{playbook['id']}?version=1"),
        json=changed,
        headers={"X-CSRF-Token": boss.csrf},
    )
    assert put.status_code == 200 and put.json()["playbook"]["version"] == 2
    stale = boss.client.put(
        pb_url(site, f"/{playbook['id']}?version=1"),
        json=changed,
        headers={"X-CSRF-Token": boss.csrf},
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    detail = clerk.client.get(pb_url(site, f"/{playbook['id']}")).json()  # associates read
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][1]["definition"]["holdout_percent"] == 0
    off = boss.post(pb_url(site, f"/{playbook['id']}/enabled"), {"enabled": False})
    assert off.status_code == 200 and off.json()["playbook"]["enabled"] is False
    assert (
        clerk.post(pb_url(site, f"/{playbook['id']}/enabled"), {"enabled": True}).status_code == 403
    )

    other = server.make_site()
    outsider = Associate.create(server, other, role="supervisor")
    assert outsider.client.get(pb_url(site, f"/{playbook['id']}")).status_code == 404
    assert outsider.client.get(pb_url(other, f"/{playbook['id']}")).status_code == 404
    assert outsider.client.get(pb_url(other)).json()["playbooks"] == []


def test_bad_playbooks_get_a_422_naming_the_field_and_change_nothing(server: LiveServer) -> None:
    site = server.make_site()
    boss = Associate.create(server, site, role="supervisor")
    cases = [
        (
            {"trigger": {"all": [{"signal": "cart_value", "op": "~=", "value": 1}]}},
            "trigger.all[0].op",
        ),
        ({"trigger": {"signal": "nope", "op": "gt", "value": 1}}, "trigger.signal"),
        ({"actions": []}, "actions"),
        ({"actions": [{"type": "coupon", "kind": "percent", "min": 5, "max": 90}]}, "actions[0]"),
        ({"actions": [{"type": "tag", "tag": "<b>x</b>"}]}, "actions[0].tag"),
        ({"holdout_percent": 80}, "holdout_percent"),
        ({"name": ""}, "name"),
    ]
    for change, field in cases:
        answer = boss.post(pb_url(site), {**SAVE_THE_CART, **change})
        assert answer.status_code == 422, (change, answer.text)
        assert answer.json()["error"]["field"] == field, answer.json()
    raw = boss.client.post(pb_url(site), content=b"{not json", headers={"X-CSRF-Token": boss.csrf})
    assert raw.status_code == 400
    assert boss.client.get(pb_url(site)).json()["playbooks"] == []
    catalogue = boss.client.get(pb_url(site, "/signals")).json()
    assert {"checkout_idle_seconds", "mood_turned_negative", "returning_vip"} <= {
        s["name"] for s in catalogue["signals"]
    }
    preview = boss.post(
        pb_url(site, "/preview"), {"trigger": {"signal": "intent", "op": "gt", "value": 2}}
    )
    assert preview.status_code == 200 and preview.json()["matching_visits"] == []


def test_a_firing_sends_signed_webhooks(server: LiveServer) -> None:
    site: SiteInfo = server.make_site()
    boss = Associate.create(server, site, role="supervisor")
    receiver = Receiver()
    try:
        admin = supervisor(server, site)
        endpoint = create_endpoint(
            admin, site, receiver.url, ["playbook.fired", "coupon.issued", "coupon.redeemed"]
        )
        create(boss, site)
        shopper = Browser(server, site)
        shopper.stall_in_checkout()
        wait_for(lambda: receiver.count() >= 2, timeout=20)
        bodies = {json.loads(r.body)["event"]: r for r in receiver.requests}
        fired = json.loads(bodies["playbook.fired"].body)["data"]
        assert fired["group"] == "treated" and fired["visit_id"] == shopper.visit_id
        issued = bodies["coupon.issued"]
        for received in (bodies["playbook.fired"], issued):
            assert verify_signature(
                endpoint["secret"],
                received.headers["salon-timestamp"],
                received.body,
                received.headers["salon-signature"],
            )
        code = json.loads(issued.body)["data"]["code"]
        shopper.track(event("purchase", order_id="W-1", total=500.0, coupon=code, discount=65.0))
        wait_for(lambda: receiver.count() >= 3, timeout=20)
        redeemed = json.loads(receiver.requests[-1].body)
        assert redeemed["event"] == "coupon.redeemed"
        assert redeemed["data"]["code"] == code and redeemed["data"]["order_id"] == "W-1"
    finally:
        receiver.close()
