"""Webhooks leave a live server for a real receiver: signed, retried and logged."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from salon.db.engine import Database
from salon.webhooks.service import enqueue
from salon.webhooks.signing import verify_signature
from tests.support import LiveServer, wait_for
from tests.webhooks.support import (
    MAX_ATTEMPTS,
    Receiver,
    create_endpoint,
    deliveries,
    delivery,
    send_event,
    supervisor,
)

Receivers = Callable[..., Receiver]
EXPIRES = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
COUPON = {
    "code": "SALON-7Q2K",
    "kind": "percent",
    "value": Decimal("10.00"),
    "expires_at": EXPIRES,
    "customer_id": "C-1042",
    "visit_id": "v1",
    "playbook_id": "pb1",
}


def test_retries_until_delivered_with_one_delivery_id_and_verifiable_signatures(
    hooks_server: LiveServer, receivers: Receivers
) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    receiver = receivers([500, 500, 200])
    endpoint = create_endpoint(client, site, receiver.url, ["coupon.issued"])
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")

    [delivery_id] = send_event(hooks_server, site.id, "coupon.issued", COUPON)

    wait_for(lambda: receiver.count() >= 3, timeout=15)
    logged = wait_for(
        lambda: (d := delivery(client, site, delivery_id))["status"] == "delivered" and d,
        timeout=10,
    )
    assert receiver.count() == 3  # delivered: no more attempts
    sent = receiver.requests
    assert {r.delivery for r in sent} == {delivery_id}
    assert {r.headers["salon-event"] for r in sent} == {"coupon.issued"}
    assert all(r.headers["content-type"] == "application/json" for r in sent)
    assert len({r.body for r in sent}) == 1  # the same bytes on every retry
    for request in sent:
        stamp, signature = request.headers["salon-timestamp"], request.headers["salon-signature"]
        assert signature.startswith("v1=")
        assert verify_signature(secret, stamp, request.body, signature)
        assert not verify_signature(secret, stamp, request.body + b" ", signature)
        assert not verify_signature(
            secret, stamp, request.body.replace(b"10.0", b"99.0"), signature
        )
        assert not verify_signature("whsec_other", stamp, request.body, signature)
        assert not verify_signature(
            secret, stamp, request.body, signature, now=int(stamp) + 301
        )  # a replay five minutes later
    body = json.loads(sent[0].body)
    assert body["id"] == delivery_id
    assert body["event"] == "coupon.issued"
    assert body["site_id"] == site.id
    assert datetime.fromisoformat(body["created_at"]).tzinfo is not None
    assert body["data"] == {
        **COUPON,
        "value": 10.0,
        "expires_at": EXPIRES.isoformat(),
    }

    assert logged["attempt_count"] == 3
    assert [a["status_code"] for a in logged["attempts"]] == [500, 500, 200]
    assert [a["number"] for a in logged["attempts"]] == [1, 2, 3]
    assert logged["attempts"][0]["error"] == "HTTP 500: receiver says no"
    assert logged["attempts"][2]["error"] is None
    assert logged["last_status_code"] == 200 and logged["last_error"] is None
    assert logged["delivered_at"] is not None and logged["next_attempt_at"] is None
    assert logged["endpoint_id"] == endpoint["id"]


def test_gives_up_after_max_attempts_and_manual_retry_reuses_the_delivery_id(
    hooks_server: LiveServer, receivers: Receivers
) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    receiver = receivers([500] * MAX_ATTEMPTS)  # then 200
    create_endpoint(client, site, receiver.url, ["coupon.redeemed"])
    data = {"code": "SALON-7Q2K", "order_id": "O-1", "discount": 14.5, "order_total": 130.5}
    [delivery_id] = send_event(hooks_server, site.id, "coupon.redeemed", data)

    failed = wait_for(
        lambda: (d := delivery(client, site, delivery_id))["status"] == "failed" and d,
        timeout=15,
    )
    assert failed["attempt_count"] == MAX_ATTEMPTS
    assert failed["last_status_code"] == 500
    assert receiver.count() == MAX_ATTEMPTS
    assert [d["id"] for d in deliveries(client, site, status="failed")] == [delivery_id]

    answer = client.post(f"/api/sites/{site.id}/webhooks/deliveries/{delivery_id}/retry")
    assert answer.status_code == 200, answer.text
    assert answer.json()["delivery"]["id"] == delivery_id

    done = wait_for(
        lambda: (d := delivery(client, site, delivery_id))["status"] == "delivered" and d,
        timeout=10,
    )
    assert [a["status_code"] for a in done["attempts"]] == [500] * MAX_ATTEMPTS + [200]
    assert [r.delivery for r in receiver.requests] == [delivery_id] * (MAX_ATTEMPTS + 1)


def test_only_active_subscribed_endpoints_receive_an_event(
    hooks_server: LiveServer, receivers: Receivers
) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    coupons, everything = receivers(), receivers()
    redeemed = create_endpoint(client, site, coupons.url, ["coupon.redeemed"])
    disabled = create_endpoint(
        client, site, everything.url, ["playbook.fired", "coupon.issued", "coupon.redeemed"]
    )
    answer = client.patch(f"/api/sites/{site.id}/webhooks/{disabled['id']}", json={"active": False})
    assert answer.status_code == 200 and answer.json()["endpoint"]["active"] is False

    assert send_event(hooks_server, site.id, "playbook.fired", {"firing_id": "f1"}) == []
    [delivery_id] = send_event(hooks_server, site.id, "coupon.redeemed", {"code": "C1"})

    wait_for(lambda: delivery(client, site, delivery_id)["status"] == "delivered", timeout=10)
    assert [r.headers["salon-event"] for r in coupons.requests] == ["coupon.redeemed"]
    assert everything.count() == 0
    assert deliveries(client, site, endpoint_id=disabled["id"]) == []
    assert [d["endpoint_id"] for d in deliveries(client, site)] == [redeemed["id"]]
    tested = client.post(f"/api/sites/{site.id}/webhooks/{disabled['id']}/test")
    assert tested.status_code == 409


def test_a_rolled_back_transaction_sends_nothing(
    hooks_server: LiveServer, receivers: Receivers
) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    receiver = receivers()
    create_endpoint(client, site, receiver.url, ["playbook.fired"])

    async def fire_then_fail(db: Database) -> None:
        with pytest.raises(RuntimeError):
            async with db.writer() as session:
                await enqueue(session, site.id, "playbook.fired", {"firing_id": "lost"})
                raise RuntimeError("the playbook firing failed")

    hooks_server.run(fire_then_fail)
    [kept] = send_event(hooks_server, site.id, "playbook.fired", {"firing_id": "kept"})

    wait_for(lambda: delivery(client, site, kept)["status"] == "delivered", timeout=10)
    assert [json.loads(r.body)["data"]["firing_id"] for r in receiver.requests] == ["kept"]
    assert [d["id"] for d in deliveries(client, site)] == [kept]


def test_ping_reaches_only_the_tested_endpoint(
    hooks_server: LiveServer, receivers: Receivers
) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    tested, other = receivers(), receivers()
    endpoint = create_endpoint(client, site, tested.url, ["coupon.issued"])
    create_endpoint(client, site, other.url, ["coupon.issued"])

    answer = client.post(f"/api/sites/{site.id}/webhooks/{endpoint['id']}/test")
    assert answer.status_code == 202, answer.text
    ping = answer.json()["delivery"]
    assert ping["event"] == "ping" and ping["status"] == "pending"

    wait_for(lambda: delivery(client, site, ping["id"])["status"] == "delivered", timeout=10)
    [request] = tested.requests
    assert request.headers["salon-event"] == "ping"
    assert verify_signature(
        endpoint["secret"],
        request.headers["salon-timestamp"],
        request.body,
        request.headers["salon-signature"],
    )
    assert other.count() == 0


def test_retry_after_is_honoured_and_redirects_are_not_followed(
    hooks_server: LiveServer, receivers: Receivers
) -> None:
    site = hooks_server.make_site()
    client = supervisor(hooks_server, site)
    target = receivers()
    busy = receivers([(429, {"Retry-After": "3600"})])
    moved = receivers([(302, {"Location": target.url})])
    create_endpoint(client, site, busy.url, ["coupon.issued"])
    create_endpoint(client, site, moved.url, ["coupon.redeemed"])
    [later] = send_event(hooks_server, site.id, "coupon.issued", {"code": "A"})
    [redirected] = send_event(hooks_server, site.id, "coupon.redeemed", {"code": "B"})

    waiting = wait_for(
        lambda: (d := delivery(client, site, later))["attempt_count"] == 1 and d, timeout=10
    )
    assert waiting["status"] == "pending" and waiting["last_status_code"] == 429
    due = datetime.fromisoformat(waiting["next_attempt_at"])
    assert due > datetime.now(UTC) + timedelta(minutes=55)  # not the 50 ms back-off

    bounced = wait_for(
        lambda: (d := delivery(client, site, redirected))["attempt_count"] >= 1 and d, timeout=10
    )
    assert bounced["attempts"][0]["status_code"] == 302
    assert f"redirect to {target.url} not followed" in bounced["attempts"][0]["error"]
    assert target.count() == 0
