"""The webhook endpoints API: validation, roles, and isolation between sites."""

from __future__ import annotations

from typing import Any

import pytest

from salon.webhooks.service import EVENTS
from tests.support import LiveServer
from tests.webhooks.support import create_endpoint, deliveries, send_event, supervisor

URL = "https://erp.example/hooks/salon"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://erp.example/x", "events": ["coupon.issued"]}, "url"),
        ({"url": "/hooks/salon", "events": ["coupon.issued"]}, "url"),
        ({"url": "https://", "events": ["coupon.issued"]}, "url"),
        ({"url": "https://erp.example:99999/x", "events": ["coupon.issued"]}, "url"),
        ({"url": URL, "events": []}, "events"),
        ({"url": URL, "events": ["order.placed"]}, "events"),
        ({"url": URL, "events": ["ping"]}, "events"),
        ({"url": URL}, "events"),
        ({"url": URL, "events": ["coupon.issued"], "site_id": "x"}, "site_id"),
        ({"url": URL, "events": ["coupon.issued"], "description": "x" * 201}, "description"),
    ],
)
def test_bad_endpoints_are_refused_naming_the_field(
    hooks_server: LiveServer, body: dict[str, Any], field: str
) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    answer = client.post(f"/api/sites/{site.id}/webhooks", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    assert client.get(f"/api/sites/{site.id}/webhooks").json()["endpoints"] == []


def test_supervisor_manages_endpoints(hooks_server: LiveServer) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    endpoint = create_endpoint(
        client, site, URL, ["coupon.issued", "coupon.issued"], description="ERP"
    )
    assert endpoint["events"] == ["coupon.issued"]
    assert endpoint["active"] is True and endpoint["description"] == "ERP"
    path = f"/api/sites/{site.id}/webhooks/{endpoint['id']}"

    listed = client.get(f"/api/sites/{site.id}/webhooks").json()
    assert listed["events"] == list(EVENTS)
    assert [e["secret"] for e in listed["endpoints"]] == [endpoint["secret"]]

    changed = client.patch(path, json={"events": ["playbook.fired"], "url": URL + "/v2"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["endpoint"]["events"] == ["playbook.fired"]
    assert changed.json()["endpoint"]["url"] == URL + "/v2"

    for bad, field in (({"events": []}, "events"), ({"url": "mailto:x"}, "url")):
        refused = client.patch(path, json=bad)
        assert refused.status_code == 422 and refused.json()["error"]["field"] == field
    assert client.patch(path, json={"active": None}).json()["error"]["field"] == "active"
    assert client.get(path).json()["endpoint"]["events"] == ["playbook.fired"]

    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404
    assert client.get(f"/api/sites/{site.id}/webhooks").json()["endpoints"] == []


def test_associates_read_but_do_not_manage(hooks_server: LiveServer) -> None:
    site = hooks_server.make_site()
    endpoint = create_endpoint(supervisor(hooks_server, site), site, URL, ["coupon.issued"])
    associate = supervisor(hooks_server, site, role="associate")

    answer = associate.post(
        f"/api/sites/{site.id}/webhooks", json={"url": URL, "events": ["coupon.issued"]}
    )
    assert answer.status_code == 403
    path = f"/api/sites/{site.id}/webhooks/{endpoint['id']}"
    assert associate.patch(path, json={"active": False}).status_code == 403
    assert associate.delete(path).status_code == 403
    assert associate.post(path + "/test").status_code == 403
    [seen] = associate.get(f"/api/sites/{site.id}/webhooks").json()["endpoints"]
    assert "secret" not in seen and seen["active"] is True


def test_writes_need_the_csrf_token(hooks_server: LiveServer) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    del client.headers["X-CSRF-Token"]
    answer = client.post(
        f"/api/sites/{site.id}/webhooks", json={"url": URL, "events": ["coupon.issued"]}
    )
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "csrf"


def test_another_site_cannot_see_or_touch_an_endpoint(hooks_server: LiveServer) -> None:
    ours, theirs = hooks_server.make_site(), hooks_server.make_site()
    owner = supervisor(hooks_server, ours)
    endpoint = create_endpoint(owner, ours, "http://127.0.0.1:9/closed", ["coupon.issued"])
    [delivery_id] = send_event(hooks_server, ours.id, "coupon.issued", {"code": "X"})
    other = supervisor(hooks_server, theirs)

    assert other.get(f"/api/sites/{ours.id}/webhooks").status_code == 404
    assert other.get(f"/api/sites/{ours.id}/webhooks/deliveries").status_code == 404
    path = f"/api/sites/{theirs.id}/webhooks/{endpoint['id']}"
    assert other.get(path).status_code == 404
    assert other.patch(path, json={"active": False}).status_code == 404
    assert other.delete(path).status_code == 404
    assert other.post(path + "/test").status_code == 404
    retry = f"/api/sites/{theirs.id}/webhooks/deliveries/{delivery_id}/retry"
    assert other.post(retry).status_code == 404
    assert deliveries(other, theirs, endpoint_id=endpoint["id"]) == []
    assert other.get(f"/api/sites/{theirs.id}/webhooks").json()["endpoints"] == []
    still = owner.get(f"/api/sites/{ours.id}/webhooks/{endpoint['id']}").json()["endpoint"]
    assert still["active"] is True


def test_delivery_log_filters_are_checked(hooks_server: LiveServer) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    answer = client.get(f"/api/sites/{site.id}/webhooks/deliveries", params={"status": "lost"})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "status"
    answer = client.get(f"/api/sites/{site.id}/webhooks/deliveries", params={"limit": 0})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "limit"
    missing = client.post(f"/api/sites/{site.id}/webhooks/deliveries/{'0' * 32}/retry")
    assert missing.status_code == 404
