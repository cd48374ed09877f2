"""The help desk, live: the shopper's context captured when a question is asked, and the relay
that puts every thread change on the consoles of the people concerned.

The relay reuses the chat console socket (`ChatHub.push`): a `{"type": "helpdesk", "event",
"thread"}` frame carries the whole thread, so applying frames is idempotent; a console that
reconnects re-reads its lists over HTTP (snapshot) and then applies the frames (deltas).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.models import Conversation, Message
from salon.core.bus import EventBus
from salon.core.clock import utcnow
from salon.customers.service import customer_profile
from salon.db.engine import Database
from salon.helpdesk.models import HelpThread
from salon.helpdesk.service import TOPIC_HELP_THREAD, member_ids, thread_views
from salon.identity import policy
from salon.identity.service import Actor

CUSTOMER_FIELDS = ("name", "tier", "lifetime_value", "orders")


class ConsolePush(Protocol):
    def push(self, site_id: str, frame: dict[str, Any], to: Callable[[Actor], bool]) -> None: ...


class HelpdeskRelay:
    """New questions to the group's experts (and supervisors), answers back to the asker."""

    def __init__(self, bus: EventBus, db: Database, consoles: ConsolePush) -> None:
        self.db, self.consoles = db, consoles
        bus.subscribe(TOPIC_HELP_THREAD, self._on_thread)

    async def _on_thread(self, payload: dict[str, Any]) -> None:
        async with self.db.reader() as session:
            thread = await session.get(HelpThread, payload["thread_id"])
            if thread is None:
                return
            view = (await thread_views(session, [thread]))[0]
            experts = await member_ids(session, thread.group_id)
        frame = {"type": "helpdesk", "event": payload["event"], "thread": view}
        asker = thread.asked_by

        def concerned(actor: Actor) -> bool:
            return (
                actor.associate_id == asker
                or actor.associate_id in experts
                or policy.allows(actor, "helpdesk.answer_any")
            )

        self.consoles.push(thread.site_id, frame, concerned)


async def shopper_context(
    session: AsyncSession, conversation: Conversation, live_visit: dict[str, Any] | None
) -> dict[str, Any]:
    """What the expert needs to know about the shopper, frozen at the moment of asking."""
    customer = (live_visit or {}).get("customer")
    if not customer and conversation.customer_id:
        profile = await customer_profile(session, conversation.customer_id)
        customer = profile.brief() if profile else None
    last = await session.scalar(
        select(Message.body)
        .where(
            Message.conversation_id == conversation.id,
            Message.sender == "visitor",
            Message.kind == "text",
        )
        .order_by(Message.seq.desc())
        .limit(1)
    )
    visit = live_visit or {}
    return {
        "conversation_id": conversation.id,
        "reference": conversation.reference,
        "shopper": conversation.name
        or (customer or {}).get("name")
        or f"Visitor {conversation.visitor_id[:4]}",
        "customer": {k: customer.get(k) for k in CUSTOMER_FIELDS} if customer else None,
        "page": visit.get("page"),
        "cart": visit.get("cart"),
        "products_viewed": visit.get("products_viewed"),
        "checkout_step": visit.get("checkout_step"),
        "last_message": last[:500] if last else None,
        "captured_at": utcnow().isoformat(),
    }
