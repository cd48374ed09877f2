"""GDPR export and erasure through real HTTP, on SQLite and PostgreSQL: an admin exports one
customer (everything, nothing of anyone else), erases them (gone from every table, the live
floor, the transcript folder; another customer untouched), and only admins of the site may."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import httpx
from sqlalchemy import select

from salon.chat.transcript import REFERENCE_HEADER, deliver
from salon.customers.models import Customer, Order
from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.identity.signing import sign_customer_id
from salon.offers.models import Coupon
from salon.privacy.events import TOPIC_PRIVACY_ERASED
from salon.privacy.models import AuditEntry
from salon.privacy.service import COVERAGE
from salon.stores.models import Appointment
from salon.topics.models import Topic
from salon.web.services import Services
from tests.privacy.conftest import ORIGIN
from tests.privacy.support import (
    Person,
    count_linked,
    make_topic,
    rows_mentioning,
    seed_person,
)
from tests.support import LiveServer, batch, event, wait_for


def seed(server: LiveServer, site: SiteInfo, *names: str) -> list[Person]:
    async def go(db: Database) -> list[Person]:
        topic_id = await make_topic(db, site.id)
        return [await seed_person(db, site.id, name, topic_id) for name in names]

    people: list[Person] = server.run(go)
    return people


def write_transcript(outbox: Path, reference: str, to: str) -> Path:
    message = EmailMessage()
    message["From"] = "shop@shop.example"
    message["To"] = to
    message["Subject"] = f"Your conversation (ref. {reference})"
    message[REFERENCE_HEADER] = reference
    message.set_content("Hello")
    return Path(asyncio.run(deliver(message, None, outbox)))


def audit_rows(server: LiveServer, site_id: str) -> list[AuditEntry]:
    async def go(db: Database) -> list[AuditEntry]:
        async with db.reader() as session:
            found = await session.scalars(
                select(AuditEntry).where(AuditEntry.site_id == site_id).order_by(AuditEntry.id)
            )
            return list(found.all())

    rows: list[AuditEntry] = server.run(go)
    return rows


def app_services(server: LiveServer) -> Services:
    found: Services = cast(Any, server.server.config.app).state.services
    return found


def published(server: LiveServer, topic: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    async def record(payload: dict[str, Any]) -> None:
        seen.append(payload)

    app_services(server).bus.subscribe(topic, record)
    return seen


def test_export_holds_the_customer_everywhere_and_nobody_else(
    server: LiveServer, site: SiteInfo, admin: tuple[httpx.Client, str]
) -> None:
    zelda, yann = seed(server, site, "Zelda", "Yann")
    client, _csrf = admin
    answer = client.get(f"/api/sites/{site.id}/customers/{zelda.customer_id}/export")
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["content-disposition"]
    document = answer.json()
    tables = document["tables"]
    assert set(tables) == set(COVERAGE)
    assert tables["customers"][0]["email"] == zelda.email
    assert [v["id"] for v in tables["visits"]] and set(v["id"] for v in tables["visits"]) == set(
        zelda.visit_ids
    )
    for name in (
        "events",
        "conversations",
        "messages",
        "orders",
        "order_lines",
        "wishlist_items",
        "reviews",
        "interactions",
        "appointments",
        "reservations",
        "coupons",
        "playbook_firings",
        "follow_up_tasks",
        "webhook_deliveries",
        "help_threads",
        "topic_questions",
        "chat_attributions",
    ):
        assert tables[name], f"{name} missing from the export"
    assert tables["messages"][0]["body"] == f"Hello, I am {zelda.marker}"
    assert "token_hash" not in tables["conversations"][0]
    text = json.dumps(document)
    for other in (yann.marker, yann.customer_id, *yann.visit_ids, *yann.conversation_ids):
        assert other not in text
    exported = [e for e in audit_rows(server, site.id) if e.action == "customer.export"]
    assert exported[-1].target == f"customer:{zelda.customer_id}"
    assert exported[-1].detail["messages"] == 1


def test_erasure_reaches_every_table_floor_and_file(
    server: LiveServer, site: SiteInfo, admin: tuple[httpx.Client, str], outbox: Path
) -> None:
    client, csrf = admin
    visit_key = "ab" * 16
    zelda, yann = seed(server, site, "Zelda", "Yann")
    db_url = server.settings.database_url

    # Zelda is on the floor right now, identified by the store's signature
    async def visitor_key(db: Database) -> tuple[str, str]:
        async with db.reader() as session:
            customer = await session.get(Customer, zelda.customer_id)
            assert customer is not None
            return customer.external_id, site.secret

    external_id, secret = server.run(visitor_key)
    live = batch(
        site,
        [event("page_view", url="https://shop.example/", title="Home", page_type="home")],
        identity={"customer_id": external_id, "signature": sign_customer_id(secret, external_id)},
    )
    sent = httpx.post(server.base_url + "/api/track", json=live, headers={"Origin": ORIGIN})
    assert sent.status_code == 200, sent.text
    floor = app_services(server).floor
    live_visit = sent.json()["visit"]
    wait_for(lambda: floor.summary(site.id, live_visit) is not None)

    kept = write_transcript(outbox, yann.references[0], yann.email)
    gone = write_transcript(outbox, zelda.references[0], zelda.email)
    before_yann = server.run(lambda db: count_linked(db, yann))
    events = published(server, TOPIC_PRIVACY_ERASED)

    answer = client.delete(
        f"/api/sites/{site.id}/customers/{zelda.customer_id}", headers={"X-CSRF-Token": csrf}
    )
    assert answer.status_code == 200, answer.text
    erased = answer.json()["erased"]
    assert erased["transcript_files_deleted"] == 1
    assert erased["counts"]["messages"] == 1 and erased["counts"]["customers"] == 1

    # nothing links to Zelda any more, and her name, e-mail and words are nowhere
    assert server.run(lambda db: count_linked(db, zelda)) == {}
    mentions = server.run(lambda db: rows_mentioning(db, {zelda.marker}))
    assert mentions == {}, f"{zelda.marker} still in {mentions}"
    assert server.run(lambda db: rows_mentioning(db, {zelda.email})) == {}
    # what is kept, unlinked: her order (accounting), a deactivated coupon, the cancelled slot
    assert server.run(lambda db: kept_rows(db, zelda)) == {
        "orders": 1,
        "coupons_active": 0,
        "appointments": ["cancelled", "done"],
    }
    # the shared topic lost her question; its label is Yann's words now
    assert server.run(lambda db: topic_of(db, yann.topic_id)) == (
        1,
        f"Is the tote waterproof? {yann.marker}",
    )
    # Yann is untouched
    assert server.run(lambda db: count_linked(db, yann)) == before_yann
    assert server.run(lambda db: rows_mentioning(db, {yann.marker}))["customers"] == 1
    assert kept.exists() and not gone.exists()

    # every node's floor drops her live visit, and the erasure is in the audit log
    assert events and events[-1]["customer_id"] == zelda.customer_id
    assert live_visit in events[-1]["visit_ids"] and set(zelda.visit_ids) <= set(
        events[-1]["visit_ids"]
    )
    wait_for(lambda: floor.summary(site.id, live_visit) is None)
    entry = [e for e in audit_rows(server, site.id) if e.action == "customer.erase"][-1]
    assert entry.target == f"customer:{zelda.customer_id}" and entry.detail["messages"] == 1
    assert zelda.marker not in json.dumps(entry.detail)

    # the same browser comes back: a fresh, anonymous visit (no stale cache, no error)
    again = httpx.post(
        server.base_url + "/api/track",
        json=batch(
            site,
            [event("page_view", url="https://shop.example/", title="Home", page_type="home")],
            visitor=live["visitor_id"],
            visit=live["visit_id"],
        ),
        headers={"Origin": ORIGIN},
    )
    assert again.status_code == 200, again.text

    # gone is gone: export and a second erasure answer 404
    assert (
        client.get(f"/api/sites/{site.id}/customers/{zelda.customer_id}/export").status_code == 404
    )
    second = client.delete(
        f"/api/sites/{site.id}/customers/{zelda.customer_id}", headers={"X-CSRF-Token": csrf}
    )
    assert second.status_code == 404 and second.json()["error"]["code"] == "not_found"
    del visit_key, db_url


async def kept_rows(db: Database, person: Person) -> dict[str, Any]:
    async with db.reader() as session:
        orders = (await session.scalars(select(Order).where(Order.id.in_(person.order_ids)))).all()
        coupons = (
            await session.scalars(select(Coupon).where(Coupon.firing_id.in_(person.firing_ids)))
        ).all()
        slots = (
            await session.scalars(
                select(Appointment.status).where(
                    Appointment.external_id.like("A-%"),
                    Appointment.note == "",
                    Appointment.customer_id.is_(None),
                )
            )
        ).all()
    assert all(o.customer_id is None for o in orders)
    assert all(c.customer_id is None and c.visitor_id is None for c in coupons) and coupons
    return {
        "orders": len(orders),
        "coupons_active": sum(1 for c in coupons if c.active),
        "appointments": sorted(slots),
    }


async def topic_of(db: Database, topic_id: str) -> tuple[int, str]:
    async with db.reader() as session:
        topic = await session.get(Topic, topic_id)
        assert topic is not None
        return topic.size, topic.label


def test_only_the_sites_admins_may_export_or_erase(server: LiveServer, site: SiteInfo) -> None:
    (xena,) = seed(server, site, "Xena")
    path = f"/api/sites/{site.id}/customers/{xena.customer_id}"
    for role in ("associate", "supervisor"):
        client, csrf = server.login(server.make_associate([site], role=role))
        assert client.get(path + "/export").status_code == 403
        refused = client.delete(path, headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    elsewhere = server.make_site([ORIGIN], name="Other shop")
    client, csrf = server.login(server.make_associate([elsewhere], role="admin"))
    assert client.get(path + "/export").status_code == 404
    assert client.delete(path, headers={"X-CSRF-Token": csrf}).status_code == 404
    other_path = f"/api/sites/{elsewhere.id}/customers/{xena.customer_id}"
    assert client.delete(other_path, headers={"X-CSRF-Token": csrf}).status_code == 404
    client, csrf = server.login(server.make_associate([site], role="admin"))
    no_csrf = client.delete(path)
    assert no_csrf.status_code == 403 and no_csrf.json()["error"]["code"] == "csrf"
    assert httpx.get(server.base_url + path + "/export").status_code == 401
    # nothing changed by any of these
    assert server.run(lambda db: rows_mentioning(db, {xena.email})) == {
        "customers": 1,
        "conversations": 1,
    }
    assert client.get(path + "/export").status_code == 200


def test_two_erasures_at_once_erase_once(
    server: LiveServer, site: SiteInfo, admin: tuple[httpx.Client, str]
) -> None:
    (walt,) = seed(server, site, "Walt")
    client, csrf = admin
    path = f"{server.base_url}/api/sites/{site.id}/customers/{walt.customer_id}"
    headers = {"X-CSRF-Token": csrf}

    def erase(_: int) -> int:
        return httpx.delete(path, headers=headers, cookies=client.cookies, timeout=20).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(erase, range(2)))
    assert statuses == [200, 404]
    erased = [e for e in audit_rows(server, site.id) if e.target == f"customer:{walt.customer_id}"]
    assert [e.action for e in erased] == ["customer.erase"]
    assert server.run(lambda db: rows_mentioning(db, {walt.marker})) == {}
