"""GDPR export and erasure of one customer, across every table that can hold their data.

`COVERAGE` names every table linked to a customer, a visitor, a visit or a conversation and
what erasure does to it; tests/privacy/test_coverage.py fails when a new linked table is not
listed, so a new domain cannot silently keep personal data after an erasure.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Review
from salon.chat.models import Attribution, Conversation, Message
from salon.core.bus import EventBus, forget_in_stream
from salon.core.clock import utcnow
from salon.core.errors import not_found
from salon.customers.models import Customer, Interaction, Order, WishlistItem
from salon.db.engine import Database
from salon.identity.service import Actor
from salon.offers.models import Coupon
from salon.playbooks.models import Firing, FollowUpTask
from salon.privacy import audit
from salon.privacy.events import TOPIC_PRIVACY_ERASED
from salon.privacy.forget import delete_transcripts, forget_conversations_elsewhere
from salon.stores.models import Appointment, Reservation
from salon.tracking.models import Event, Visit, Visitor
from salon.webhooks.models import WebhookAttempt, WebhookDelivery

log = logging.getLogger(__name__)

# table -> what erasure does to the customer's rows there (docs/privacy.md explains why)
COVERAGE: dict[str, str] = {
    "customers": "deleted",
    "visitors": "deleted",
    "visits": "deleted",
    "events": "deleted",
    "conversations": "deleted",
    "messages": "deleted",
    "chat_attributions": "deleted with the conversation",
    "topic_questions": "deleted; the topic's size, centroid and label follow",
    "help_threads": "kept, unlinked from the conversation, shopper context blanked",
    "help_messages": "kept (associates' words)",
    "orders": "kept for accounting, unlinked from the customer",
    "order_lines": "kept with their order (product, quantity, price)",
    "wishlist_items": "deleted",
    "reviews": "deleted",
    "interactions": "deleted",
    "appointments": "kept for the schedule, unlinked, note blanked, future ones cancelled",
    "reservations": "kept until they expire, unlinked",
    "coupons": "kept for accounting, unlinked and deactivated",
    "playbook_firings": "kept for lift statistics, unlinked, signals blanked",
    "follow_up_tasks": "deleted",
    "webhook_deliveries": "deleted when the payload names the customer, a visit or a firing",
    "webhook_attempts": "deleted with their delivery",
}


@dataclass
class Subject:
    """Every id linked to one customer of one site."""

    site_id: str
    customer: Customer
    visitor_ids: list[str] = field(default_factory=list)
    visit_ids: list[str] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    firing_ids: list[str] = field(default_factory=list)
    delivery_ids: list[str] = field(default_factory=list)

    @property
    def conversation_ids(self) -> list[str]:
        return [c.id for c in self.conversations]


@dataclass
class Erasure:
    site_id: str
    customer_id: str
    visit_ids: list[str]
    counts: dict[str, int]
    references: list[str]  # chat references, for the transcript files
    files_deleted: int = 0
    bus_events_deleted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "site_id": self.site_id,
            "customer_id": self.customer_id,
            "counts": self.counts,
            "visits": len(self.visit_ids),
            "transcript_files_deleted": self.files_deleted,
            "bus_events_deleted": self.bus_events_deleted,
        }


async def gather(session: AsyncSession, site_id: str, customer_id: str) -> Subject:
    customer = await session.get(Customer, customer_id)
    if customer is None or customer.site_id != site_id:
        raise not_found("customer")
    subject = Subject(site_id, customer)
    subject.visitor_ids = list(
        (
            await session.scalars(
                select(Visitor.id).where(
                    Visitor.site_id == site_id, Visitor.customer_id == customer_id
                )
            )
        ).all()
    )
    subject.visit_ids = list(
        (
            await session.scalars(
                select(Visit.id).where(
                    Visit.site_id == site_id,
                    or_(
                        Visit.customer_id == customer_id, Visit.visitor_id.in_(subject.visitor_ids)
                    ),
                )
            )
        ).all()
    )
    subject.conversations = list(
        (
            await session.scalars(
                select(Conversation)
                .where(
                    Conversation.site_id == site_id,
                    or_(
                        Conversation.customer_id == customer_id,
                        Conversation.visitor_id.in_(subject.visitor_ids),
                        Conversation.visit_id.in_(subject.visit_ids),
                    ),
                )
                .order_by(Conversation.created_at)
            )
        ).all()
    )
    subject.firing_ids = list(
        (
            await session.scalars(
                select(Firing.id).where(
                    Firing.site_id == site_id,
                    or_(
                        Firing.customer_id == customer_id,
                        Firing.visitor_id.in_(subject.visitor_ids),
                        Firing.visit_id.in_(subject.visit_ids),
                    ),
                )
            )
        ).all()
    )
    subject.delivery_ids = await _deliveries_about(session, subject)
    return subject


async def _deliveries_about(session: AsyncSession, subject: Subject) -> list[str]:
    """Webhook payloads carry ids, not names: those naming the customer, a visit or a firing."""
    visits, firings = set(subject.visit_ids), set(subject.firing_ids)
    found = []
    rows = await session.execute(
        select(WebhookDelivery.id, WebhookDelivery.payload).where(
            WebhookDelivery.site_id == subject.site_id
        )
    )
    for delivery_id, payload in rows:
        if not isinstance(payload, dict):
            continue
        if (
            payload.get("customer_id") == subject.customer.id
            or payload.get("visit_id") in visits
            or payload.get("firing_id") in firings
        ):
            found.append(str(delivery_id))
    return found


# -- erasure -----------------------------------------------------------------------------------
async def _delete(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def erase_subject(session: AsyncSession, subject: Subject) -> dict[str, int]:
    """Remove or anonymise the customer's rows everywhere, in the caller's transaction."""
    site_id, customer_id = subject.site_id, subject.customer.id
    visitors, visits = subject.visitor_ids, subject.visit_ids
    conversations = subject.conversation_ids
    counts: dict[str, int] = {}
    counts["topic_questions"] = await forget_conversations_elsewhere(session, conversations)
    counts["webhook_attempts"] = await _delete(
        session, delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(subject.delivery_ids))
    )
    counts["webhook_deliveries"] = await _delete(
        session, delete(WebhookDelivery).where(WebhookDelivery.id.in_(subject.delivery_ids))
    )
    counts["playbook_firings"] = await _delete(
        session,
        update(Firing)
        .where(Firing.id.in_(subject.firing_ids))
        .values(visit_id=None, visitor_id=None, customer_id=None, signals={}),
    )
    counts["follow_up_tasks"] = await _delete(
        session, delete(FollowUpTask).where(FollowUpTask.customer_id == customer_id)
    )

    def linked(model: type[Appointment | Reservation | Coupon]) -> Any:
        return and_(
            model.site_id == site_id,
            or_(model.customer_id == customer_id, model.visitor_id.in_(visitors)),
        )

    unlinked = {"customer_id": None, "visitor_id": None}
    counts["coupons"] = await _delete(
        session, update(Coupon).where(linked(Coupon)).values(active=False, **unlinked)
    )
    counts["reservations"] = await _delete(
        session, update(Reservation).where(linked(Reservation)).values(**unlinked)
    )
    counts["appointments_cancelled"] = await _delete(
        session,
        update(Appointment)
        .where(
            linked(Appointment), Appointment.status == "booked", Appointment.starts_at > utcnow()
        )
        .values(status="cancelled"),
    )
    counts["appointments"] = await _delete(
        session, update(Appointment).where(linked(Appointment)).values(note="", **unlinked)
    )
    for model in (Interaction, Review, WishlistItem):
        counts[model.__tablename__] = await _delete(
            session, delete(model).where(model.customer_id == customer_id)
        )
    counts["orders"] = await _delete(
        session, update(Order).where(Order.customer_id == customer_id).values(customer_id=None)
    )
    counts["messages"] = await _delete(
        session, delete(Message).where(Message.conversation_id.in_(conversations))
    )
    counts["chat_attributions"] = await _delete(
        session, delete(Attribution).where(Attribution.conversation_id.in_(conversations))
    )
    counts["conversations"] = await _delete(
        session, delete(Conversation).where(Conversation.id.in_(conversations))
    )
    counts["events"] = await _delete(
        session,
        delete(Event).where(or_(Event.visit_id.in_(visits), Event.visitor_id.in_(visitors))),
    )
    counts["visits"] = await _delete(session, delete(Visit).where(Visit.id.in_(visits)))
    counts["visitors"] = await _delete(session, delete(Visitor).where(Visitor.id.in_(visitors)))
    counts["customers"] = await _delete(session, delete(Customer).where(Customer.id == customer_id))
    return {name: n for name, n in counts.items() if n}


async def erase_customer(
    db: Database,
    site_id: str,
    customer_id: str,
    actor: Actor | str | None,
    ip: str = "",
    *,
    bus: EventBus | None = None,
    redis: Any = None,
    outbox: Path | None = None,
) -> Erasure:
    """One transaction for every table (with its audit entry); then, after the commit, the
    `privacy.erased` event (every node's floor and outbox drop the visits), the events that
    mention them in the Redis bus stream (`redis.asyncio.Redis`, optional) and transcript files
    in the `outbox` folder."""
    async with db.writer() as session:
        subject = await gather(session, site_id, customer_id)
        references = [c.reference for c in subject.conversations]
        subject_conversations = [c.id for c in subject.conversations]
        counts = await erase_subject(session, subject)
        if not counts.get("customers"):  # a concurrent erasure won: this one changes nothing
            raise not_found("customer")
        await audit.record(
            session, actor, "customer.erase", f"customer:{customer_id}", site_id, counts, ip
        )
    erasure = Erasure(site_id, customer_id, list(subject.visit_ids), counts, references)
    if bus is not None:
        await bus.publish(
            TOPIC_PRIVACY_ERASED,
            {"site_id": site_id, "customer_id": customer_id, "visit_ids": erasure.visit_ids},
        )
    if redis is not None:  # the bus stream keeps recent events, chat text included
        needles = {customer_id, *erasure.visit_ids, *subject_conversations}
        try:
            erasure.bus_events_deleted = await forget_in_stream(redis, needles)
        except Exception:  # Redis away: the stream is trimmed as it grows (docs/privacy.md)
            log.warning("erasure: the event stream in Redis could not be cleaned", exc_info=True)
    erasure.files_deleted = await asyncio.to_thread(delete_transcripts, outbox, references)
    return erasure
