"""Factories: one shopper's data in every table that can hold it, marked so it can be found."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select

from salon.catalog.models import Product, Review, Variant
from salon.chat.models import Attribution, Conversation, Message
from salon.core.clock import utcnow
from salon.core.ids import new_id
from salon.customers.models import Customer, Interaction, Order, OrderLine, WishlistItem
from salon.db.base import Base, import_all_models
from salon.db.engine import Database
from salon.helpdesk.models import ExpertGroup, HelpMessage, HelpThread
from salon.offers.models import Coupon
from salon.playbooks.models import Firing, FollowUpTask, Playbook
from salon.stores.models import Appointment, Location, Reservation
from salon.topics.models import Topic, TopicQuestion
from salon.tracking.models import Event, Visit, Visitor
from salon.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

DIM = 8


@dataclass
class Person:
    """What was seeded for one shopper: ids to look for, and a marker string in their data."""

    site_id: str
    marker: str
    customer_id: str = ""
    visitor_ids: list[str] = field(default_factory=list)
    visit_ids: list[str] = field(default_factory=list)
    conversation_ids: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    firing_ids: list[str] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)
    topic_id: str = ""

    @property
    def email(self) -> str:
        return f"{self.marker.lower()}@mail.example"

    def ids(self) -> set[str]:
        return {
            self.customer_id,
            *self.visitor_ids,
            *self.visit_ids,
            *self.conversation_ids,
        }


def _vector(seed: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    vector = np.random.default_rng(seed).normal(size=DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


async def make_topic(db: Database, site_id: str) -> str:
    topic_id = new_id()
    async with db.writer() as session:
        session.add(
            Topic(
                id=topic_id,
                site_id=site_id,
                embedder="test",
                label="",
                centroid_sum=np.zeros(DIM, dtype=np.float64).tobytes(),
                size=0,
            )
        )
    return topic_id


async def seed_person(
    db: Database, site_id: str, name: str, topic_id: str, visit_key: str | None = None
) -> Person:
    """A customer with two visits, a chat (and its help-desk question and topic question),
    orders, a wish list, a review, a call, appointments, a reservation, a personal coupon,
    a playbook firing with its follow-up task and webhook delivery."""
    marker = f"{name}{secrets.token_hex(4)}"
    person = Person(site_id, marker, topic_id=topic_id)
    now = utcnow()
    tag = secrets.token_hex(4)
    async with db.writer() as session:
        customer = Customer(
            id=new_id(),
            site_id=site_id,
            external_id=f"C-{tag}",
            name=marker,
            email=person.email,
            phone="+33 6 00 00 00 00",
            preferences={"note": marker},
            tags=["vip"],
        )
        session.add(customer)
        person.customer_id = customer.id
        location = Location(id=new_id(), site_id=site_id, external_id=f"L-{tag}", name="Store")
        product = Product(
            id=new_id(),
            site_id=site_id,
            external_id=f"P-{tag}",
            name="Tote",
            category="bags",
            price=Decimal("120.00"),
        )
        variant = Variant(id=new_id(), product_id=product.id, external_id=f"V-{tag}")
        group = ExpertGroup(id=new_id(), site_id=site_id, name=f"Experts {tag}")
        playbook = Playbook(
            id=new_id(), site_id=site_id, name="Win back", trigger={}, actions=[], salt=tag
        )
        endpoint = WebhookEndpoint(
            id=new_id(),
            site_id=site_id,
            url="https://hooks.example/in",
            secret="s" * 40,
            events=["playbook.fired"],
            active=False,
        )
        session.add_all([location, product, variant, group, playbook, endpoint])
        await session.flush()
        visitor = Visitor(
            id=new_id(),
            site_id=site_id,
            visitor_key=secrets.token_hex(16),
            customer_id=customer.id,
        )
        session.add(visitor)
        person.visitor_ids.append(visitor.id)
        await session.flush()
        for key in (visit_key or secrets.token_hex(16), secrets.token_hex(16)):
            visit = Visit(
                id=new_id(),
                site_id=site_id,
                visitor_id=visitor.id,
                visit_key=key,
                customer_id=customer.id,
                user_agent=f"Browser {marker}",
            )
            session.add(visit)
            person.visit_ids.append(visit.id)
            await session.flush()
            session.add(
                Event(
                    site_id=site_id,
                    visitor_id=visitor.id,
                    visit_id=visit.id,
                    client_event_id=secrets.token_hex(8),
                    type="search",
                    occurred_at=now,
                    data={"query": f"gift for {marker}"},
                )
            )
        conversation = Conversation(
            id=new_id(),
            site_id=site_id,
            visitor_id=visitor.id,
            visit_id=person.visit_ids[0],
            customer_id=customer.id,
            reference=f"SAL-{tag[:6].upper()}",
            status="closed",
            name=marker,
            email=person.email,
            token_hash=secrets.token_hex(32),
            last_seq=1,
            closed_at=now,
        )
        session.add(conversation)
        person.conversation_ids.append(conversation.id)
        person.references.append(conversation.reference)
        await session.flush()
        message = Message(
            id=new_id(),
            conversation_id=conversation.id,
            seq=1,
            kind="text",
            sender="visitor",
            body=f"Hello, I am {marker}",
            client_id=tag,
        )
        session.add(message)
        session.add(
            Attribution(
                id=new_id(),
                site_id=site_id,
                conversation_id=conversation.id,
                order_external_id=f"O-chat-{tag}",
                total=Decimal("120.00"),
                placed_at=now,
            )
        )
        thread = HelpThread(
            id=new_id(),
            site_id=site_id,
            group_id=group.id,
            asker_name="Nick",
            conversation_id=conversation.id,
            question="Does the tote come in tan?",
            context={"shopper": marker, "cart": 120},
        )
        session.add(thread)
        await session.flush()
        session.add(HelpMessage(id=new_id(), thread_id=thread.id, kind="question", body="In tan?"))
        topic = await session.get(Topic, topic_id)
        assert topic is not None
        vector = _vector(len(marker) + int(tag, 16) % 1000)
        session.add(
            TopicQuestion(
                id=new_id(),
                site_id=site_id,
                topic_id=topic_id,
                source="chat",
                source_id=message.id,
                conversation_id=conversation.id,
                text=f"Is the tote waterproof? {marker}",
                vector=vector.tobytes(),
                similarity=1.0,
            )
        )
        total = np.frombuffer(topic.centroid_sum, dtype=np.float64) + vector.astype(np.float64)
        topic.centroid_sum = total.tobytes()
        topic.size += 1
        topic.label = f"Is the tote waterproof? {marker}"
        order = Order(
            id=new_id(),
            site_id=site_id,
            customer_id=customer.id,
            external_id=f"O-{tag}",
            placed_at=now,
            total=Decimal("120.00"),
        )
        session.add(order)
        person.order_ids.append(order.id)
        await session.flush()
        session.add(
            OrderLine(
                order_id=order.id,
                product_external_id=product.external_id,
                name="Tote",
                quantity=1,
                unit_price=Decimal("120.00"),
            )
        )
        session.add(
            WishlistItem(site_id=site_id, customer_id=customer.id, product_external_id="P-x")
        )
        session.add(
            Review(
                id=new_id(),
                site_id=site_id,
                external_id=f"R-{tag}",
                product_id=product.id,
                customer_id=customer.id,
                rating=5,
                body=f"Love it, {marker}",
            )
        )
        session.add(
            Interaction(
                id=new_id(),
                site_id=site_id,
                customer_id=customer.id,
                external_id=f"I-{tag}",
                channel="phone",
                direction="inbound",
                occurred_at=now,
                summary=f"{marker} called about a repair",
            )
        )
        for days, status in ((-3, "done"), (5, "booked")):
            session.add(
                Appointment(
                    id=new_id(),
                    site_id=site_id,
                    external_id=f"A-{tag}-{days}",
                    location_id=location.id,
                    customer_id=customer.id,
                    visitor_id=visitor.id,
                    starts_at=now + timedelta(days=days),
                    ends_at=now + timedelta(days=days, hours=1),
                    status=status,
                    note=f"Fitting for {marker}",
                )
            )
        session.add(
            Reservation(
                id=new_id(),
                site_id=site_id,
                variant_id=variant.id,
                location_id=location.id,
                customer_id=customer.id,
                visitor_id=visitor.id,
                expires_at=now + timedelta(hours=2),
            )
        )
        firing = Firing(
            id=new_id(),
            site_id=site_id,
            playbook_id=playbook.id,
            version=1,
            visit_id=person.visit_ids[0],
            visitor_id=visitor.id,
            customer_id=customer.id,
            group="treated",
            signals={"shopper": marker},
            coupon_code=f"WB-{tag}",
        )
        session.add(firing)
        person.firing_ids.append(firing.id)
        session.add(
            Coupon(
                id=new_id(),
                site_id=site_id,
                code=f"WB-{tag}",
                kind="percent",
                value=Decimal(10),
                customer_id=customer.id,
                playbook_id=playbook.id,
                firing_id=firing.id,
                visitor_id=visitor.id,
            )
        )
        await session.flush()
        session.add(
            FollowUpTask(
                id=new_id(),
                site_id=site_id,
                customer_id=customer.id,
                firing_id=firing.id,
                title="Call back",
                note=f"Ask {marker} about the fitting",
            )
        )
        delivery = WebhookDelivery(
            id=new_id(),
            site_id=site_id,
            endpoint_id=endpoint.id,
            event="playbook.fired",
            payload={
                "customer_id": customer.id,
                "visit_id": person.visit_ids[0],
                "firing_id": firing.id,
                "signals": {"shopper": marker},
            },
            status="delivered",
            attempts=1,
        )
        session.add(delivery)
        await session.flush()
        session.add(WebhookAttempt(id=new_id(), delivery_id=delivery.id, number=1, status_code=200))
    return person


def linked_columns() -> dict[str, list[str]]:
    """Every table's columns that can point at a customer, visitor, visit or conversation."""
    import_all_models()
    names = {"customer_id", "visitor_id", "visit_id", "conversation_id"}
    targets = {"customers", "visitors", "visits", "conversations"}
    found: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        columns = [
            c.name
            for c in table.columns
            if c.name in names or any(fk.column.table.name in targets for fk in c.foreign_keys)
        ]
        if columns:
            found[table.name] = columns
    return found


async def rows_mentioning(db: Database, needles: set[str]) -> dict[str, int]:
    """How many rows of every table hold any of `needles` in any column (read as text)."""
    import_all_models()
    found: dict[str, int] = {}
    async with db.reader() as session:
        for table in Base.metadata.sorted_tables:
            existing = await session.execute(select(table))
            hits = 0
            for row in existing:
                flat = " ".join(str(v) for v in row if not isinstance(v, bytes))
                if any(needle in flat for needle in needles):
                    hits += 1
            if hits:
                found[table.name] = hits
    return found


async def count_linked(db: Database, person: Person) -> dict[str, int]:
    """Rows in linked tables whose link columns point at the person's ids."""
    ids = person.ids()
    counts: dict[str, int] = {}
    async with db.reader() as session:
        for table_name, columns in linked_columns().items():
            table = Base.metadata.tables[table_name]
            rows = (await session.execute(select(*[table.c[c] for c in columns]))).all()
            hits = sum(1 for row in rows if any(v in ids for v in row if v is not None))
            if hits:
                counts[table_name] = hits
    return counts
