"""POST /api/track through real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.identity.signing import sign_customer_id
from salon.tracking.models import Event, Visit, Visitor
from tests.support import LiveServer, batch, event, hex_id, shopping_events


@pytest.fixture(scope="module")
def site(server: LiveServer) -> SiteInfo:
    return server.make_site(["https://shop.example"])


def post(server: LiveServer, body: Any, **kwargs: Any) -> httpx.Response:
    return httpx.post(server.base_url + "/api/track", json=body, timeout=10, **kwargs)


def stored_events(server: LiveServer, visit_key: str) -> list[tuple[str, str]]:
    async def query(db: Database) -> list[tuple[str, str]]:
        async with db.reader() as session:
            rows = await session.execute(
                select(Event.client_event_id, Event.type)
                .join(Visit, Visit.id == Event.visit_id)
                .where(Visit.visit_key == visit_key)
                .order_by(Event.id)
            )
            return [(a, b) for a, b in rows.all()]

    result: list[tuple[str, str]] = server.run(query)
    return result


def count_events(server: LiveServer) -> int:
    async def query(db: Database) -> int:
        async with db.reader() as session:
            return int(await session.scalar(select(func.count(Event.id))) or 0)

    result: int = server.run(query)
    return result


def test_a_valid_batch_is_stored_in_order(server: LiveServer, site: SiteInfo) -> None:
    body = batch(site, shopping_events())
    answer = post(server, body, headers={"Origin": "https://shop.example"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 4 and answer.json()["duplicates"] == 0
    assert answer.headers["access-control-allow-origin"] == "https://shop.example"
    assert [t for _, t in stored_events(server, body["visit_id"])] == [
        "page_view",
        "product_view",
        "variant_select",
        "add_to_cart",
    ]


def test_sendbeacon_text_plain_is_accepted(server: LiveServer, site: SiteInfo) -> None:
    import json

    body = batch(site, [event("heartbeat")])
    answer = httpx.post(
        server.base_url + "/api/track",
        content=json.dumps(body),
        headers={"Content-Type": "text/plain;charset=UTF-8"},
    )
    assert answer.status_code == 200, answer.text


def test_same_client_event_id_is_stored_once(server: LiveServer, site: SiteInfo) -> None:
    events = shopping_events()
    body = batch(site, events)
    assert post(server, body).json()["accepted"] == 4
    retry = post(server, body).json()
    assert retry == {
        "accepted": 0,
        "duplicates": 4,
        "visit": retry["visit"],
        "engage": [],
        "beat_ms": None,
    }
    mixed = post(server, {**body, "events": [*events[:2], event("heartbeat")]}).json()
    assert (mixed["accepted"], mixed["duplicates"]) == (1, 2)
    assert len(stored_events(server, body["visit_id"])) == 5


@pytest.mark.parametrize(
    ("bad_event", "field"),
    [
        ({"type": "add_to_cart", "product_id": "P1", "price": 10, "quantity": 0}, "quantity"),
        ({"type": "add_to_cart", "product_id": "P1", "price": -1}, "price"),
        ({"type": "teleport"}, "events[1]"),
        ({"type": "search", "query": "x" * 201}, "query"),
        ({"type": "page_view", "url": "/", "evil": 1}, "evil"),
        ({"type": "checkout_step", "step": "two"}, "step"),
    ],
)
def test_one_bad_event_rejects_the_whole_batch(
    server: LiveServer, site: SiteInfo, bad_event: dict[str, Any], field: str
) -> None:
    before = count_events(server)
    body = batch(site, [event("heartbeat"), {"id": "bad-event-01", **bad_event}])
    answer = post(server, body)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["message"] and error["field"].startswith("events[1]")
    assert count_events(server) == before


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda b: {**b, "visitor_id": "not-hex"}, 422, "invalid"),
        (lambda b: {**b, "events": []}, 422, "invalid"),
        (lambda b: {**b, "events": [event("heartbeat") for _ in range(101)]}, 422, "invalid"),
        (lambda b: {**b, "site_key": "pk_nobody"}, 404, "unknown_site"),
        (lambda b: {**b, "site_id": "someone-else"}, 422, "invalid"),
        (lambda b: {**b, "events": [{"type": "heartbeat", "id": "x"}]}, 422, "invalid"),
    ],
)
def test_bad_batches_get_a_clear_4xx(
    server: LiveServer, site: SiteInfo, mutate: Any, status: int, code: str
) -> None:
    before = count_events(server)
    answer = post(server, mutate(batch(site, [event("heartbeat")])))
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code
    assert answer.json()["error"]["message"]
    assert count_events(server) == before


def test_malformed_json_is_400(server: LiveServer) -> None:
    answer = httpx.post(
        server.base_url + "/api/track",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert "not valid JSON" in answer.json()["error"]["message"]


def test_oversized_body_is_413_and_stores_nothing(server: LiveServer, site: SiteInfo) -> None:
    before = count_events(server)
    events = [
        event(
            "page_view",
            url="https://shop.example/" + "a" * 2000,
            title="t" * 300,
            referrer="https://ref.example/" + "r" * 2000,
        )
        for _ in range(100)
    ]
    answer = post(server, batch(site, events))
    assert answer.status_code == 413
    assert "larger than" in answer.json()["error"]["message"]
    assert count_events(server) == before


def test_events_from_an_origin_the_site_does_not_allow_are_refused(
    server: LiveServer, site: SiteInfo
) -> None:
    other = server.make_site(["https://other.example"], name="Other shop")
    before = count_events(server)
    # a page on other.example posting with the first site's key: cross-site
    answer = post(
        server, batch(site, [event("heartbeat")]), headers={"Origin": "https://other.example"}
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "origin_not_allowed"
    # readable by the widget (so it stops retrying), yet nothing was stored
    assert answer.headers["access-control-expose-headers"] == "Retry-After"
    assert count_events(server) == before
    ok = post(
        server, batch(other, [event("heartbeat")]), headers={"Origin": "https://other.example"}
    )
    assert ok.status_code == 200


def test_a_visit_id_cannot_be_taken_over_by_another_visitor(
    server: LiveServer, site: SiteInfo
) -> None:
    visit = hex_id()
    assert post(server, batch(site, [event("heartbeat")], visit=visit)).status_code == 200
    answer = post(server, batch(site, [event("heartbeat")], visit=visit))
    assert answer.status_code == 409
    assert len(stored_events(server, visit)) == 1


def test_identity_links_only_with_a_valid_signature(server: LiveServer, site: SiteInfo) -> None:
    visitor = hex_id()
    first_visit = batch(site, [event("heartbeat")], visitor=visitor)
    assert post(server, first_visit).status_code == 200
    forged = batch(
        site,
        [event("heartbeat")],
        visitor=visitor,
        visit=first_visit["visit_id"],
        identity={"customer_id": "C42", "signature": sign_customer_id("wrong", "C42")},
    )
    answer = post(server, forged)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "bad_identity"
    short = {**forged, "identity": {"customer_id": "C42", "signature": "abc"}}
    assert post(server, short).status_code == 403

    def customer_of_visits() -> set[str | None]:
        async def query(db: Database) -> set[str | None]:
            async with db.reader() as session:
                rows = await session.scalars(
                    select(Visit.customer_id)
                    .join(Visitor, Visitor.id == Visit.visitor_id)
                    .where(Visitor.visitor_key == visitor)
                )
                return set(rows.all())

        result: set[str | None] = server.run(query)
        return result

    assert customer_of_visits() == {None}
    second = batch(
        site,
        [event("heartbeat")],
        visitor=visitor,
        identity={"customer_id": "C42", "signature": sign_customer_id(site.secret, "C42")},
    )
    assert post(server, second).status_code == 200
    linked = customer_of_visits()
    assert len(linked) == 1 and None not in linked  # the earlier visit is linked too
