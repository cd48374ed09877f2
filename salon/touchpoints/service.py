"""Running a tool for a chat: its context, its card, and the honest-selling checks.

Routes and the chat's send path both come through here so that a preview and a sent card are
built the same way, from the store's tables, for the shopper in that conversation. Nothing here
knows any particular tool: the registry says what parameters a tool takes and whether it acts.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from salon.chat.models import Conversation, Message
from salon.core.errors import ApiError, describe_validation_error
from salon.identity import policy
from salon.identity.service import Actor, access_site
from salon.touchpoints.budget import Budget, money, stated_budget
from salon.touchpoints.cards import Card
from salon.touchpoints.registry import Tool, ToolContext, ToolParams, ToolResult, load_tools
from salon.tracking.models import Visitor
from salon.web.services import Services

# A single product priced above this many times the stated budget gets a warning.
BUDGET_FACTOR = 1.5


def tool_list(actor: Actor, site_id: str) -> list[dict[str, Any]]:
    """What the console's Tools panel shows: one button and one small form per tool."""
    access_site(actor, site_id)
    return [
        {
            "name": t.name,
            "label": t.label,
            "sendable": t.sendable,
            "acts": t.act is not None,
            "params": t.params.model_json_schema(),
        }
        for t in sorted(load_tools().values(), key=lambda t: t.label.lower())
    ]


async def visit_defaults(
    svc: Services, actor: Actor, site_id: str, conversation_id: str
) -> dict[str, Any]:
    """Form defaults from the live visit: the product the shopper looks at, the ones viewed."""
    conversation = await svc.chat.for_associate(actor, site_id, conversation_id)
    visit = svc.floor.state.get(site_id, conversation.visit_id) if conversation.visit_id else None
    viewed = list(visit.products_viewed) if visit is not None else []
    latest = viewed[::-1]
    return {"product_id": latest[0] if latest else None, "product_ids": latest[:4]}


def find_tool(name: str) -> Tool:
    found = load_tools().get(name)
    if found is None:
        raise ApiError(404, "not_found", f"tool {name!r} not found", "tool")
    return found


def parse_params(found: Tool, raw: dict[str, Any]) -> ToolParams:
    """The tool's own pydantic model decides; the first problem is named in a 422."""
    try:
        return found.params.model_validate(raw)
    except ValidationError as exc:
        err = describe_validation_error(exc)
        field = f"params.{err.field}" if err.field else "params"
        raise ApiError(422, "invalid", f"params.{err.message}", field) from None


async def _store_url(svc: Services, site_id: str) -> str:
    """Where the store's relative product links point: its first allowed origin."""
    site = await svc.sites.by_id(site_id)
    return site.allowed_origins[0] if site and site.allowed_origins else svc.settings.base_url


async def _context(svc: Services, conversation: Conversation, session: Any) -> ToolContext:
    customer_id = conversation.customer_id
    if customer_id is None:
        visitor = await session.get(Visitor, conversation.visitor_id)
        customer_id = visitor.customer_id if visitor is not None else None
    visit = (
        svc.floor.state.get(conversation.site_id, conversation.visit_id)
        if conversation.visit_id
        else None
    )
    return ToolContext(
        session=session,
        site_id=conversation.site_id,
        store_url=await _store_url(svc, conversation.site_id),
        visitor_id=conversation.visitor_id,
        customer_id=customer_id,
        visit=visit,
        now=time.time(),
    )


async def shopper_budget(svc: Services, conversation: Conversation) -> Budget | None:
    """The budget the shopper stated in this conversation, from their own messages only."""
    async with svc.db.reader() as session:
        bodies = (
            await session.scalars(
                select(Message.body)
                .where(Message.conversation_id == conversation.id, Message.sender == "visitor")
                .order_by(Message.seq)
            )
        ).all()
    return stated_budget(bodies)


def budget_warning(budget: Budget | None, price: float | None, currency: str | None) -> str | None:
    """A single product far above what the shopper said they would spend: say so, kindly."""
    if budget is None or price is None:
        return None
    if budget.currency and currency and budget.currency != currency:
        return None  # different currencies: no honest comparison without rates
    if price <= budget.amount * BUDGET_FACTOR:
        return None
    return (
        f"The shopper said their budget is {budget.label(currency)}; "
        f"this is {money(price, currency or budget.currency)}. Offer alternatives within budget?"
    )


def single_item_price(card: Card | None) -> tuple[float | None, str | None]:
    """Only a card pushing one priced product is checked; lists already offer choices."""
    if card is None or len(card.items) != 1:
        return None, None
    return card.items[0].price, card.items[0].currency


async def preview(
    svc: Services,
    actor: Actor,
    site_id: str,
    name: str,
    conversation_id: str,
    raw: dict[str, Any],
) -> dict[str, Any]:
    """Build the tool's card read-only for the console: card, associate-only context, warnings."""
    conversation = await svc.chat.for_associate(actor, site_id, conversation_id)
    found = find_tool(name)
    params = parse_params(found, raw)
    async with svc.db.reader() as session:
        ctx = await _context(svc, conversation, session)
        result = await found.build(ctx, params)
    warning = budget_warning(
        await shopper_budget(svc, conversation), *single_item_price(result.card)
    )
    return {
        "tool": found.name,
        "sendable": found.sendable,
        "card": result.card.model_dump(exclude_none=True) if result.card else None,
        "context": result.context,
        "warnings": [warning] if warning else [],
    }


def require_confirmation(warning: str | None, confirm: bool) -> None:
    """Sending past a budget warning is allowed, but only on purpose."""
    if warning and not confirm:
        raise ApiError(409, "budget_warning", warning, "confirm")


async def already_sent(svc: Services, conversation: Conversation, client_id: str) -> bool:
    """A retry of a send must not act twice (reserve twice, book twice)."""
    async with svc.db.reader() as session:
        found = await session.scalar(
            select(Message.id).where(
                Message.conversation_id == conversation.id, Message.client_id == client_id
            )
        )
    return found is not None


async def card_to_send(
    svc: Services,
    actor: Actor,
    conversation: Conversation,
    name: str,
    raw: dict[str, Any],
    confirm: bool,
) -> Card:
    """The card the shopper will receive, built (or acted) on the server, after the checks."""
    if conversation.associate_id != actor.associate_id and not policy.allows(
        actor, "chat.reply_any"
    ):
        # checked again when the message is stored, but a tool's `act` must not run before it
        raise ApiError(403, "not_yours", "claim this conversation before writing in it")
    found = find_tool(name)
    if not found.sendable:
        raise ApiError(422, "not_sendable", f"tool {name!r} is for the associate only", "tool")
    params = parse_params(found, raw)
    budget = await shopper_budget(svc, conversation)
    async with svc.db.reader() as session:
        ctx = await _context(svc, conversation, session)
        result: ToolResult = await found.build(ctx, params)
    require_confirmation(budget_warning(budget, *single_item_price(result.card)), confirm)
    if found.act is not None:
        async with svc.db.writer() as session:
            ctx = await _context(svc, conversation, session)
            result = await found.act(ctx, params)
    if result.card is None:
        raise ApiError(422, "nothing_to_send", f"tool {name!r} has nothing to send here", "tool")
    return result.card
