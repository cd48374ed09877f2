"""GDPR export: one JSON document with every row Salon holds about a customer (article 15/20).

A key per table in `COVERAGE`, each a list of rows as stored (money as strings, times in ISO
8601 UTC); never the chat token hashes or the topic vectors. Visitor-written text is data here,
rendered by nobody: the file is served as an attachment.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Review
from salon.chat.models import Attribution, Message
from salon.core.clock import as_utc, utcnow
from salon.customers.models import Interaction, Order, OrderLine, WishlistItem
from salon.db.base import Base
from salon.db.engine import Database
from salon.helpdesk.models import HelpMessage, HelpThread
from salon.identity.service import Actor
from salon.offers.models import Coupon
from salon.playbooks.models import Firing, FollowUpTask
from salon.privacy import audit
from salon.privacy.service import Subject, gather
from salon.stores.models import Appointment, Reservation
from salon.topics.models import TopicQuestion
from salon.tracking.models import Event, Visit, Visitor
from salon.webhooks.models import WebhookAttempt, WebhookDelivery

EXPORT_FORMAT = "salon.customer-export/1"
# never exported: secrets and derived vectors
_NOT_EXPORTED = {("conversations", "token_hash"), ("topic_questions", "vector")}


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def row_view(obj: Base) -> dict[str, Any]:
    """Every column of a row, as stored (money as strings, times in ISO 8601 UTC)."""
    table = obj.__table__.name  # type: ignore[attr-defined]
    mapper = inspect(obj).mapper
    return {
        column.key: jsonable(getattr(obj, column.key))
        for column in mapper.column_attrs
        if (table, column.key) not in _NOT_EXPORTED
    }


async def _rows(session: AsyncSession, query: Any) -> list[dict[str, Any]]:
    return [row_view(obj) for obj in (await session.scalars(query)).all()]


async def export_subject(session: AsyncSession, subject: Subject) -> dict[str, Any]:
    """One JSON document: a key per table in COVERAGE, each a list of rows (maybe empty)."""
    site_id, customer_id = subject.site_id, subject.customer.id
    conversation_ids = subject.conversation_ids
    order_ids = select(Order.id).where(Order.customer_id == customer_id)
    thread_ids = select(HelpThread.id).where(HelpThread.conversation_id.in_(conversation_ids))

    def customer_or_visitor(model: type[Appointment | Reservation | Coupon]) -> Any:
        return or_(model.customer_id == customer_id, model.visitor_id.in_(subject.visitor_ids))

    tables: dict[str, Any] = {
        "customers": [row_view(subject.customer)],
        "visitors": await _rows(
            session, select(Visitor).where(Visitor.id.in_(subject.visitor_ids))
        ),
        "visits": await _rows(
            session, select(Visit).where(Visit.id.in_(subject.visit_ids)).order_by(Visit.started_at)
        ),
        "events": await _rows(
            session,
            select(Event).where(Event.visit_id.in_(subject.visit_ids)).order_by(Event.id),
        ),
        "conversations": [row_view(c) for c in subject.conversations],
        "messages": await _rows(
            session,
            select(Message)
            .where(Message.conversation_id.in_(conversation_ids))
            .order_by(Message.conversation_id, Message.seq),
        ),
        "chat_attributions": await _rows(
            session, select(Attribution).where(Attribution.conversation_id.in_(conversation_ids))
        ),
        "topic_questions": await _rows(
            session,
            select(TopicQuestion).where(TopicQuestion.conversation_id.in_(conversation_ids)),
        ),
        "help_threads": await _rows(
            session, select(HelpThread).where(HelpThread.id.in_(thread_ids))
        ),
        "help_messages": await _rows(
            session,
            select(HelpMessage)
            .where(HelpMessage.thread_id.in_(thread_ids))
            .order_by(HelpMessage.created_at),
        ),
        "orders": await _rows(
            session, select(Order).where(Order.id.in_(order_ids)).order_by(Order.placed_at)
        ),
        "order_lines": await _rows(
            session, select(OrderLine).where(OrderLine.order_id.in_(order_ids))
        ),
        "wishlist_items": await _rows(
            session, select(WishlistItem).where(WishlistItem.customer_id == customer_id)
        ),
        "reviews": await _rows(session, select(Review).where(Review.customer_id == customer_id)),
        "interactions": await _rows(
            session,
            select(Interaction)
            .where(Interaction.customer_id == customer_id)
            .order_by(Interaction.occurred_at),
        ),
        "appointments": await _rows(
            session,
            select(Appointment).where(
                Appointment.site_id == site_id, customer_or_visitor(Appointment)
            ),
        ),
        "reservations": await _rows(
            session,
            select(Reservation).where(
                Reservation.site_id == site_id, customer_or_visitor(Reservation)
            ),
        ),
        "coupons": await _rows(
            session, select(Coupon).where(Coupon.site_id == site_id, customer_or_visitor(Coupon))
        ),
        "playbook_firings": await _rows(
            session, select(Firing).where(Firing.id.in_(subject.firing_ids))
        ),
        "follow_up_tasks": await _rows(
            session, select(FollowUpTask).where(FollowUpTask.customer_id == customer_id)
        ),
        "webhook_deliveries": await _rows(
            session, select(WebhookDelivery).where(WebhookDelivery.id.in_(subject.delivery_ids))
        ),
        "webhook_attempts": await _rows(
            session,
            select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(subject.delivery_ids)),
        ),
    }
    return {
        "format": EXPORT_FORMAT,
        "site_id": site_id,
        "customer_id": customer_id,
        "exported_at": utcnow().isoformat(),
        "tables": tables,
    }


async def export_customer(
    db: Database, site_id: str, customer_id: str, actor: Actor | str | None, ip: str = ""
) -> dict[str, Any]:
    """Everything Salon holds about the customer; the export itself is audited."""
    async with db.writer() as session:
        subject = await gather(session, site_id, customer_id)
        document = await export_subject(session, subject)
        counts = {name: len(rows) for name, rows in document["tables"].items() if rows}
        await audit.record(
            session, actor, "customer.export", f"customer:{customer_id}", site_id, counts, ip
        )
    return document
