"""The customer timeline through the public API: interactions in (console and webhook), out."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from salon.chat.models import Conversation, Message
from salon.core.ids import new_id
from salon.customers.routes import sign_body
from salon.customers.service import ensure_customer, record_order
from salon.customers.timeline import score_text
from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.identity.signing import sign_customer_id
from salon.offers.models import Coupon
from salon.tracking.models import Event, Visit, Visitor
from tests.support import LiveServer, batch, shopping_events, wait_for

NOW = datetime.now(UTC).replace(microsecond=0)


def call(
    external_id: str, customer: str, at: datetime, summary: str, **more: Any
) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "customer_id": customer,
        "channel": "phone",
        "occurred_at": at.isoformat(),
        "summary": summary,
        **more,
    }


def supervisor(server: LiveServer, site: SiteInfo) -> tuple[httpx.Client, dict[str, str]]:
    client, csrf = server.login(server.make_associate([site], role="supervisor"))
    return client, {"X-CSRF-Token": csrf}


def count_interactions(server: LiveServer, site_id: str) -> int:
    async def go(db: Database) -> int:
        from sqlalchemy import func, select

        from salon.customers.models import Interaction

        async with db.reader() as session:
            found = await session.scalar(
                select(func.count()).select_from(Interaction).where(Interaction.site_id == site_id)
            )
            return int(found or 0)

    result: int = server.run(go)
    return result


def test_sentiment_of_a_complaint_is_negative() -> None:
    score, mood = score_text("still not delivered, very disappointed")
    assert mood == "negative" and score is not None and score < -0.3
    assert score_text("") == (None, None)


def test_recording_is_idempotent_by_external_id(server: LiveServer) -> None:
    site = server.make_site()
    client, headers = supervisor(server, site)
    url = f"/api/sites/{site.id}/interactions"
    row = call("CALL-1", "C-1", NOW - timedelta(days=6), "late delivery")
    first = client.post(url, json=row, headers=headers).json()
    again = client.post(url, json=row, headers=headers).json()
    changed = client.post(
        url, json={**row, "summary": "late delivery, refund asked"}, headers=headers
    ).json()
    assert (first["created"], again["unchanged"], changed["updated"]) == (1, 1, 1)
    assert count_interactions(server, site.id) == 1
    timeline = client.get(f"/api/sites/{site.id}/customers/C-1/timeline").json()["entries"]
    assert [e["summary"] for e in timeline] == ["late delivery, refund asked"]
    assert timeline[0]["channel"] == "phone" and timeline[0]["ref"] == "CALL-1"


def test_bad_row_is_named_and_nothing_is_stored(server: LiveServer) -> None:
    site = server.make_site()
    client, headers = supervisor(server, site)
    rows = [
        call("OK-1", "C-2", NOW, "asked about sizes"),
        call("BAD-1", "C-2", NOW, "x", channel="pigeon"),
    ]
    answer = client.post(
        f"/api/sites/{site.id}/interactions", json={"interactions": rows}, headers=headers
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "interactions[1].channel"
    unknown_store = call("OK-2", "C-2", NOW, "visited", channel="store_visit", location_id="NOPE")
    answer = client.post(
        f"/api/sites/{site.id}/interactions",
        json={"interactions": [rows[0], unknown_store]},
        headers=headers,
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "interactions[1].location_id"
    assert count_interactions(server, site.id) == 0


def test_associates_may_read_but_not_write(server: LiveServer) -> None:
    site = server.make_site()
    client, csrf = server.login(server.make_associate([site]))
    answer = client.post(
        f"/api/sites/{site.id}/interactions",
        json=call("A-1", "C-3", NOW, "hello"),
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 403
    assert client.get(f"/api/sites/{site.id}/customers/C-3/timeline").status_code == 404


def _seed_history(site_id: str, customer: str) -> Any:
    """A web visit (with events) and a chat for the customer, at known times."""

    async def go(db: Database) -> str:
        async with db.writer() as session:
            customer_id = await ensure_customer(session, site_id, customer)
            visitor = Visitor(
                id=new_id(),
                site_id=site_id,
                visitor_key=secrets.token_hex(16),
                customer_id=customer_id,
            )
            session.add(visitor)
            await session.flush()
            visit = Visit(
                id=new_id(),
                site_id=site_id,
                visitor_id=visitor.id,
                visit_key=secrets.token_hex(16),
                customer_id=customer_id,
                started_at=NOW - timedelta(days=5),
                last_seen_at=NOW - timedelta(days=5),
            )
            session.add(visit)
            await session.flush()
            for n, (kind, data) in enumerate(
                [
                    ("page_view", {"url": "https://shop.example/"}),
                    ("product_view", {"product_id": "P1", "name": "Kelly bag"}),
                    ("add_to_cart", {"product_id": "P1"}),
                ]
            ):
                session.add(
                    Event(
                        site_id=site_id,
                        visitor_id=visitor.id,
                        visit_id=visit.id,
                        client_event_id=f"e{n}",
                        type=kind,
                        occurred_at=NOW - timedelta(days=5),
                        data=data,
                    )
                )
            conversation = Conversation(
                id=new_id(),
                site_id=site_id,
                visitor_id=visitor.id,
                visit_id=visit.id,
                reference=secrets.token_hex(4),
                status="closed",
                token_hash="x" * 64,
                created_at=NOW - timedelta(days=3),
                rating=2,
            )
            session.add(conversation)
            await session.flush()
            session.add(
                Message(
                    id=new_id(),
                    conversation_id=conversation.id,
                    seq=1,
                    kind="text",
                    sender="visitor",
                    body="my parcel is still not delivered, terrible",
                )
            )
            session.add(
                Coupon(
                    id=new_id(),
                    site_id=site_id,
                    code=f"SORRY-{customer}",
                    kind="percent",
                    value=Decimal("15"),
                    customer_id=customer_id,
                    created_at=NOW - timedelta(days=2),
                    redemptions=1,
                )
            )
            await record_order(
                session,
                site_id,
                customer_id,
                f"O-{customer}",
                NOW - timedelta(days=10),
                [("P1", "Kelly bag", 1, Decimal("1450.00"))],
            )
            return conversation.id

    return go


def test_timeline_merges_channels_newest_first(server: LiveServer) -> None:
    site = server.make_site()
    client, headers = supervisor(server, site)
    conversation_id = server.run(_seed_history(site.id, "C-9"))
    rows = [
        call("CALL-9", "C-9", NOW - timedelta(days=6), "late delivery"),
        call("MAIL-9", "C-9", NOW - timedelta(days=1), "thanks, it arrived", channel="email"),
    ]
    answer = client.post(
        f"/api/sites/{site.id}/interactions", json={"interactions": rows}, headers=headers
    )
    assert answer.json()["created"] == 2, answer.text
    entries = client.get(f"/api/sites/{site.id}/customers/C-9/timeline").json()["entries"]
    assert [e["channel"] for e in entries] == ["email", "coupon", "chat", "web", "phone", "order"]
    assert [e["at"] for e in entries] == sorted((e["at"] for e in entries), reverse=True)
    by_channel = {e["channel"]: e for e in entries}
    assert by_channel["chat"]["mood"] == "negative" and by_channel["chat"]["detail"]["csat"] == 2
    assert "Kelly bag" in by_channel["web"]["summary"]
    assert by_channel["order"]["detail"]["total"] == 1450.0
    assert by_channel["email"]["mood"] == "positive"
    assert by_channel["coupon"]["summary"] == "given coupon SORRY-C-9 (15% off), used"
    older = client.get(
        f"/api/sites/{site.id}/customers/C-9/timeline",
        params={"before": by_channel["web"]["at"], "limit": 1},
    ).json()["entries"]
    assert [e["channel"] for e in older] == ["phone"]
    # the console reaches the same timeline from the chat it has open
    from_chat = client.get(f"/api/sites/{site.id}/chat/conversations/{conversation_id}/timeline")
    assert from_chat.json()["customer_id"] == "C-9"
    assert [e["channel"] for e in from_chat.json()["entries"]] == [e["channel"] for e in entries]
    other = server.make_site()
    outsider, _ = server.login(server.make_associate([other]))
    path = f"/api/sites/{other.id}/chat/conversations/{conversation_id}/timeline"
    assert outsider.get(path).status_code == 404


def test_cross_channel_mood_shift(server: LiveServer) -> None:
    site = server.make_site()
    client, headers = supervisor(server, site)
    published: list[dict[str, Any]] = []

    async def seen(payload: dict[str, Any]) -> None:
        if payload["site_id"] == site.id:
            published.append(payload)

    server.server.config.app.state.services.bus.subscribe("insight.mood_shift", seen)
    url = f"/api/sites/{site.id}/interactions"
    happy = call("S-1", "C-5", NOW - timedelta(days=2), "loved the fitting, thank you")
    assert client.post(url, json=happy, headers=headers).json()["mood_shifts"] == 0
    # C-5 is on the site right now, calm, when the angry call comes in
    shopping = batch(
        site,
        shopping_events(),
        identity={"customer_id": "C-5", "signature": sign_customer_id(site.secret, "C-5")},
    )
    tracked = httpx.post(server.base_url + "/api/track", json=shopping)
    assert tracked.status_code == 200
    visit = tracked.json()["visit"]
    floor = server.server.config.app.state.services.floor
    wait_for(lambda: floor.summary(site.id, visit))
    assert floor.summary(site.id, visit)["avatar"]["mood"] != "frustrated"
    angry = call("S-2", "C-5", NOW - timedelta(hours=2), "still not delivered, very disappointed")
    assert client.post(url, json=angry, headers=headers).json()["mood_shifts"] == 1
    avatar = wait_for(
        lambda: (a := floor.summary(site.id, visit)["avatar"])["mood"] == "frustrated" and a
    )
    assert avatar["reasons"][0].startswith("called 2 h ago about still not delivered")
    assert len(published) == 1  # published before the answer went out
    event = published[0]
    assert (event["channel"], event["summary"]) == ("phone", angry["summary"])
    assert event["reasons"] == [
        "called 2 h ago about still not delivered, very disappointed (negative)"
    ]
    # already unhappy: the next complaint is not a new turn
    again = call("S-3", "C-5", NOW - timedelta(hours=1), "parcel lost, awful service")
    assert client.post(url, json=again, headers=headers).json()["mood_shifts"] == 0
    assert len(published) == 1


def test_webhook_needs_the_site_signature(server: LiveServer) -> None:
    site = server.make_site()
    raw = json.dumps({"interactions": [call("W-1", "C-7", NOW, "asked for a refund")]}).encode()
    hook = httpx.Client(base_url=server.base_url, timeout=10)
    server.clients.append(hook)

    def post(signature: str | None, key: str = site.key) -> httpx.Response:
        headers = {"X-Salon-Site": key, "Content-Type": "application/json"}
        if signature is not None:
            headers["X-Salon-Signature"] = signature
        return hook.post("/api/webhooks/interactions", content=raw, headers=headers)

    assert post(None).status_code == 401
    assert post("sha256=" + "0" * 64).status_code == 401
    assert post(sign_body("wrong secret", raw)).status_code == 401
    assert post(sign_body(site.secret, raw), key="nope").status_code == 401
    assert count_interactions(server, site.id) == 0
    answer = post(sign_body(site.secret, raw))
    assert answer.status_code == 200 and answer.json()["created"] == 1
    assert count_interactions(server, site.id) == 1


def test_other_sites_associate_gets_404(server: LiveServer) -> None:
    site, other = server.make_site(), server.make_site()
    client, headers = supervisor(server, site)
    client.post(
        f"/api/sites/{site.id}/interactions", json=call("X-1", "C-8", NOW, "hi"), headers=headers
    )
    outsider, csrf = server.login(server.make_associate([other], role="admin"))
    assert outsider.get(f"/api/sites/{site.id}/customers/C-8/timeline").status_code == 404
    answer = outsider.post(
        f"/api/sites/{site.id}/interactions",
        json=call("X-2", "C-8", NOW, "hi"),
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 404
    assert count_interactions(server, site.id) == 1
