"""Negative-sentiment re-engagement: an angry call queues a follow-up, and a customer who is on
the site right now gets the apology as a chat invitation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from salon.chat.models import Conversation
from salon.core.ids import new_id
from salon.customers.service import ensure_customer
from salon.db.engine import Database
from salon.identity.signing import sign_customer_id
from salon.tracking.models import Visitor
from tests.chat.support import ORIGIN, Associate
from tests.playbooks.support import Browser, create, pb_url
from tests.support import LiveServer, batch, event, wait_for

WIN_BACK: dict[str, Any] = {
    "name": "Win back the unhappy",
    "trigger": {
        "all": [
            {"signal": "mood_turned_negative", "op": "is", "value": True},
            {"signal": "channel", "op": "in", "value": ["phone", "email"]},
        ]
    },
    "actions": [
        {"type": "follow_up", "title": "Call back and apologise", "due_hours": 4},
        {"type": "alert", "message": "Unhappy after a call", "to": "customer_associate"},
        {"type": "invite", "message": "We are sorry about your order. Can we put it right?"},
    ],
}


async def past_chat(db: Database, site_id: str, customer: str, associate_id: str) -> None:
    async with db.writer() as session:
        customer_id = await ensure_customer(session, site_id, customer)
        visitor = Visitor(id=new_id(), site_id=site_id, visitor_key=new_id())
        session.add(visitor)
        await session.flush()
        session.add(
            Conversation(
                id=new_id(),
                site_id=site_id,
                visitor_id=visitor.id,
                customer_id=customer_id,
                reference=new_id()[:8].upper(),
                status="closed",
                associate_id=associate_id,
                token_hash=new_id(),
                created_at=datetime.now(UTC) - timedelta(days=30),
            )
        )


def complaint(customer: str, ref: str) -> dict[str, Any]:
    return {
        "external_id": ref,
        "customer_id": customer,
        "channel": "phone",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        "summary": "still not delivered, very disappointed",
    }


def test_an_angry_call_queues_a_follow_up_and_invites_the_shopper_on_the_site(
    server: LiveServer,
) -> None:
    site = server.make_site()
    boss = Associate.create(server, site, role="supervisor")
    playbook = create(boss, site, **WIN_BACK)
    interactions = f"/api/sites/{site.id}/interactions"

    # C-1 chatted with Amara last month: the follow-up is hers
    amara = Associate.create(server, site)
    server.run(lambda db: past_chat(db, site.id, "C-1", amara.id))

    # away from the site: a task for her, the invitation noted as not sent
    assert boss.post(interactions, complaint("C-1", "CALL-1")).json()["mood_shifts"] == 1
    tasks = wait_for(
        lambda: amara.client.get(f"/api/sites/{site.id}/tasks?mine=true").json()["tasks"],
        timeout=10,
    )
    assert tasks[0]["title"] == "Call back and apologise"
    assert tasks[0]["associate_id"] == amara.id
    assert "channel: phone" in tasks[0]["note"]
    firing = boss.client.get(pb_url(site, f"/{playbook['id']}/firings")).json()["firings"][0]
    assert firing["visit_id"] is None and firing["customer_id"]
    assert {"type": "invite", "note": "skipped: the customer is not on the site"} in firing[
        "actions"
    ]
    assert {"type": "alert", "associate_id": amara.id} in firing["actions"]
    done = boss.post(f"/api/sites/{site.id}/tasks/{tasks[0]['id']}/done", {})
    assert done.status_code == 200 and done.json()["task"]["status"] == "done"
    assert boss.client.get(f"/api/sites/{site.id}/tasks").json()["tasks"] == []

    # on the site: the apology arrives in the widget, and the avatar asks for attention
    shopper = Browser(server, site)
    signature = sign_customer_id(site.secret, "C-2")
    body_identity = {"customer_id": "C-2", "signature": signature}
    first = httpx.post(
        server.base_url + "/api/track",
        json=batch(
            site,
            [event("page_view", url=f"{ORIGIN}/", title="Home", page_type="home")],
            visitor=shopper.visitor_id,
            visit=shopper.visit_key,
            identity=body_identity,
        ),
        headers={"Origin": ORIGIN},
    )
    assert first.status_code == 200
    shopper.visit_id = first.json()["visit"]
    floor = server.server.config.app.state.services.floor
    wait_for(lambda: (s := floor.summary(site.id, shopper.visit_id)) and s["identified"])
    assert boss.post(interactions, complaint("C-2", "CALL-2")).json()["mood_shifts"] == 1
    offers = wait_for(lambda: shopper.track(event("heartbeat"))["engage"], timeout=10)
    assert offers[0]["kind"] == "invite" and offers[0]["message"].startswith("We are sorry")
    summary = floor.summary(site.id, shopper.visit_id)
    assert summary["alert"]["message"] == "Unhappy after a call"
