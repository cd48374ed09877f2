"""Playbook offers ride on /api/track answers; the widget reports what the shopper did with them.

Through real HTTP, on SQLite and PostgreSQL. The offers are put into the running app's outbox, the
seam the playbook engine writes to.
"""

from __future__ import annotations

from typing import Any, cast

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.playbooks.outbox import WidgetOutbox
from salon.tracking.models import Event, Visit
from tests.support import LiveServer, batch, event, hex_id


@pytest.fixture(scope="module")
def site(server: LiveServer) -> SiteInfo:
    return server.make_site(["https://shop.example"])


def outbox(server: LiveServer) -> WidgetOutbox:
    """The outbox of the app the live server runs in this process."""
    app = cast(FastAPI, server.server.config.app)
    found: WidgetOutbox = app.state.services.outbox
    return found


def post(server: LiveServer, body: Any, path: str = "/api/track") -> httpx.Response:
    return httpx.post(server.base_url + path, json=body, timeout=10)


def offer(message: str = "Can we help with your order?", coupon: bool = True) -> dict[str, Any]:
    return {
        "id": hex_id(),
        "kind": "invite",
        "message": message,
        "coupon": {
            "code": "AUREL-7K2Q",
            "label": "12% off",
            "kind": "percent",
            "value": 12,
            "min_basket": 300.0,
            "expires_at": "2026-12-31T18:00:00Z",
        }
        if coupon
        else None,
    }


def start_visit(server: LiveServer, site: SiteInfo) -> tuple[dict[str, Any], str]:
    """A visit the server knows: the batch body (to send more) and the server's visit id."""
    body = batch(
        site, [event("page_view", url="https://shop.example/checkout", page_type="checkout")]
    )
    answer = post(server, body)
    assert answer.status_code == 200, answer.text
    return body, str(answer.json()["visit"])


def beat(server: LiveServer, body: dict[str, Any], path: str = "/api/track") -> dict[str, Any]:
    answer = post(server, {**body, "events": [event("heartbeat")]}, path)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def stored(server: LiveServer, visit_key: str, kind: str) -> list[dict[str, Any]]:
    async def query(db: Database) -> list[dict[str, Any]]:
        async with db.reader() as session:
            rows = await session.scalars(
                select(Event.data)
                .join(Visit, Visit.id == Event.visit_id)
                .where(Visit.visit_key == visit_key, Event.type == kind)
                .order_by(Event.id)
            )
            return [dict(row) for row in rows.all()]

    result: list[dict[str, Any]] = server.run(query)
    return result


def count_events(server: LiveServer) -> int:
    async def query(db: Database) -> int:
        async with db.reader() as session:
            return int(await session.scalar(select(func.count(Event.id))) or 0)

    result: int = server.run(query)
    return result


def test_an_offer_comes_back_once_on_the_visits_next_answer(
    server: LiveServer, site: SiteInfo
) -> None:
    body, visit = start_visit(server, site)
    other_body, _ = start_visit(server, site)
    first, second = offer(), offer("A second word", coupon=False)
    outbox(server).put(site.id, visit, first)
    outbox(server).put(site.id, visit, second)

    assert beat(server, other_body)["engage"] == []  # another shopper's answer carries nothing
    answer = beat(server, body)
    assert answer["engage"] == [first, second]
    assert beat(server, body)["engage"] == []  # handed over exactly once


def test_a_failed_batch_does_not_spend_the_offer(server: LiveServer, site: SiteInfo) -> None:
    body, visit = start_visit(server, site)
    waiting = offer()
    outbox(server).put(site.id, visit, waiting)
    bad = post(server, {**body, "events": [event("engagement", offer_id="x", action="shown")]})
    assert bad.status_code == 422
    assert "engage" not in bad.json()
    assert beat(server, body)["engage"] == [waiting]


def test_a_beacon_leaves_the_offer_for_an_answer_someone_reads(
    server: LiveServer, site: SiteInfo
) -> None:
    body, visit = start_visit(server, site)
    waiting = offer()
    outbox(server).put(site.id, visit, waiting)
    assert beat(server, body, "/api/track?beacon=1")["engage"] == []
    assert beat(server, body)["engage"] == [waiting]


def test_beat_ms_is_asked_for_while_a_playbook_watches(server: LiveServer, site: SiteInfo) -> None:
    body, visit = start_visit(server, site)
    box = outbox(server)
    assert beat(server, body)["beat_ms"] is None
    watched = {(site.id, visit)}
    before = box.watching
    box.watching = lambda site_id, visit_id: (site_id, visit_id) in watched
    try:
        fast = beat(server, body)["beat_ms"]
        assert isinstance(fast, int) and 1000 <= fast < 30_000
        watched.clear()
        assert beat(server, body)["beat_ms"] is None
        box.put(site.id, visit, offer())  # an offer waiting: beat fast until it is taken
        assert beat(server, body)["beat_ms"] is None  # ...taken by this very answer
    finally:
        box.watching = before


@pytest.mark.parametrize("action", ["shown", "accepted", "dismissed", "applied"])
def test_engagement_events_are_stored(server: LiveServer, site: SiteInfo, action: str) -> None:
    offer_id = hex_id()
    body = batch(site, [event("engagement", offer_id=offer_id, action=action)])
    answer = post(server, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 1
    assert stored(server, body["visit_id"], "engagement") == [
        {"offer_id": offer_id, "action": action}
    ]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"offer_id": "0" * 32, "action": "clicked"}, "events[1].action"),
        ({"offer_id": "not-an-offer", "action": "shown"}, "events[1].offer_id"),
        ({"action": "shown"}, "events[1].offer_id"),
        ({"offer_id": "0" * 32, "action": "shown", "coupon": "X"}, "events[1].coupon"),
    ],
)
def test_a_bad_engagement_is_refused_naming_the_field(
    server: LiveServer, site: SiteInfo, fields: dict[str, Any], field: str
) -> None:
    before = count_events(server)
    body = batch(site, [event("heartbeat"), event("engagement", **fields)])
    answer = post(server, body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid" and error["field"] == field
    assert field in error["message"]
    assert count_events(server) == before


def test_a_purchase_with_a_coupon_is_stored(server: LiveServer, site: SiteInfo) -> None:
    body = batch(
        site,
        [event("purchase", order_id="MA-7K2Q9", total=450.56, coupon="AUREL-7K2Q", discount=61.44)],
    )
    answer = post(server, body)
    assert answer.status_code == 200, answer.text
    [data] = stored(server, body["visit_id"], "purchase")
    assert data["coupon"] == "AUREL-7K2Q" and data["discount"] == 61.44
    assert data["total"] == 450.56


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"coupon": "AUREL 7K2Q"}, "events[0].coupon"),
        ({"coupon": ""}, "events[0].coupon"),
        ({"coupon": "A" * 65}, "events[0].coupon"),
        ({"coupon": "AUREL-7K2Q", "discount": -1}, "events[0].discount"),
    ],
)
def test_a_bad_coupon_on_a_purchase_is_refused(
    server: LiveServer, site: SiteInfo, fields: dict[str, Any], field: str
) -> None:
    before = count_events(server)
    body = batch(site, [event("purchase", order_id="MA-BAD01", total=10.0, **fields)])
    answer = post(server, body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    assert count_events(server) == before
