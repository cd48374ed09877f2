"""The associate's side of the chat: queue, claim, write, tools, transfer, close, its socket."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect
from sqlalchemy import select

from salon.catalog.service import product_card, search_products
from salon.chat.hours import ChatSettings
from salon.chat.models import CannedReply, ChatAgent, Conversation
from salon.chat.schemas import AgentUpdateIn, AssociateMessageIn, TransferIn
from salon.chat.service import TOPIC_TYPING
from salon.chat.views import console_views, site_conversations
from salon.core.errors import ApiError
from salon.identity import policy
from salon.identity.service import Actor, access_site
from salon.touchpoints import service as touchpoints
from salon.web.services import Services, current_actor, services, ws_services
from salon.web.sockets import accept_console, watch_session

router = APIRouter(tags=["chat (console)"])
socket_router = APIRouter()
PRESENCE_BEAT_SECONDS = 30.0


def _agent_view(agent: ChatAgent, active: int) -> dict[str, Any]:
    return {
        "availability": agent.availability,
        "max_chats": agent.max_chats,
        "active": active,
        "skills": agent.skills,
        "languages": agent.languages,
    }


async def _active_count(svc: Services, associate_id: str) -> int:
    async with svc.db.reader() as session:
        rows = await session.scalars(
            select(Conversation.id).where(
                Conversation.associate_id == associate_id, Conversation.status == "active"
            )
        )
        return len(rows.all())


@router.get("/api/chat/me")
async def get_me(request: Request, actor: Actor = Depends(current_actor)) -> dict[str, Any]:
    svc = services(request)
    agent = await svc.chat.agent(actor)
    return _agent_view(agent, await _active_count(svc, actor.associate_id))


@router.put("/api/chat/me")
async def put_me(
    body: AgentUpdateIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    svc = services(request)
    agent = await svc.chat.update_agent(actor, body)
    return _agent_view(agent, await _active_count(svc, actor.associate_id))


@router.get("/api/sites/{site_id}/chat/queue")
async def get_queue(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        queued = await site_conversations(session, site_id, "queue")
        return {"conversations": await console_views(session, queued)}


@router.get("/api/sites/{site_id}/chat/conversations")
async def list_conversations(
    site_id: str, request: Request, scope: str = "mine", actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    if scope not in ("mine", "open", "closed", "queue"):
        raise ApiError(422, "invalid", "scope: one of mine, open, closed, queue", "scope")
    async with services(request).db.reader() as session:
        found = await site_conversations(session, site_id, scope, actor.associate_id)
        return {"conversations": await console_views(session, found)}


@router.get("/api/sites/{site_id}/chat/conversations/{conversation_id}")
async def get_conversation(
    site_id: str, conversation_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_associate(actor, site_id, conversation_id)
    async with svc.db.reader() as session:
        view = (await console_views(session, [conversation]))[0]
    return {
        "conversation": view,
        "messages": await svc.chat.messages(conversation.id, 0, internal=True),
    }


@router.post("/api/sites/{site_id}/chat/conversations/{conversation_id}/claim")
async def claim(
    site_id: str, conversation_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_associate(actor, site_id, conversation_id)
    claimed = await svc.chat.claim(actor, conversation)
    async with svc.db.reader() as session:
        return {"conversation": (await console_views(session, [claimed]))[0]}


@router.post("/api/sites/{site_id}/chat/conversations/{conversation_id}/messages")
async def post_message(
    site_id: str,
    conversation_id: str,
    body: AssociateMessageIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_associate(actor, site_id, conversation_id)
    text, data = body.body, {}
    if body.kind in ("text", "note") and not text.strip():
        raise ApiError(422, "invalid", "body: write something", "body")
    if body.kind == "product_card":
        if not body.product_id:
            raise ApiError(422, "invalid", "product_id: which product?", "product_id")
        async with svc.db.reader() as session:
            card = await product_card(session, site_id, body.product_id, await _store(svc, site_id))
        if card is None:
            raise ApiError(404, "not_found", "product not found", "product_id")
        budget = await touchpoints.shopper_budget(svc, conversation)
        warning = touchpoints.budget_warning(budget, card["price"], card["currency"])
        touchpoints.require_confirmation(warning, body.confirm)
        data, text = card, text or str(card["name"])
    elif body.kind == "card":
        if not body.tool:
            raise ApiError(422, "invalid", "tool: which tool?", "tool")
        if not await touchpoints.already_sent(svc, conversation, body.client_id):
            built = await touchpoints.card_to_send(
                svc, actor, conversation, body.tool, body.params, body.confirm
            )
            data, text = built.data(), text or built.title
    elif body.kind == "page_push":
        site = await svc.sites.by_id(site_id)
        assert site is not None
        url = body.url or ""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (
            f"{parts.scheme}://{parts.netloc}" not in site.allowed_origins
        ):
            raise ApiError(422, "invalid", "url: only pages of this site can be pushed", "url")
        title = body.title or url
        data = {"url": url, "title": title, "mode": ChatSettings.of(site).page_push_mode}
        text = text or title
    return await svc.chat.associate_message(
        actor, conversation, body.client_id, body.kind, text, data
    )


@router.post("/api/sites/{site_id}/chat/conversations/{conversation_id}/transfer")
async def transfer(
    site_id: str,
    conversation_id: str,
    body: TransferIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_associate(actor, site_id, conversation_id)
    moved = await svc.chat.transfer(actor, conversation, body.associate_id)
    async with svc.db.reader() as session:
        return {"conversation": (await console_views(session, [moved]))[0]}


@router.post("/api/sites/{site_id}/chat/conversations/{conversation_id}/close")
async def close(
    site_id: str, conversation_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_associate(actor, site_id, conversation_id)
    if conversation.associate_id not in (None, actor.associate_id) and not policy.allows(
        actor, "chat.reply_any"
    ):
        raise ApiError(403, "not_yours", "only the associate in this chat can close it")
    closed = await svc.chat.close(conversation, "associate", actor.name)
    await svc.transcripts.send_on_close(closed)
    async with svc.db.reader() as session:
        return {"conversation": (await console_views(session, [closed]))[0]}


@router.get("/api/sites/{site_id}/chat/associates")
async def associates(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    from salon.chat.routing import agents

    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        team = await agents(session, site_id)
    return {
        "associates": [
            {
                "id": a.associate_id,
                "name": a.name,
                "role": a.role,
                "availability": a.availability if a.present else "away",
                "active": a.active,
                "max_chats": a.max_chats,
            }
            for a in team
        ]
    }


@router.get("/api/sites/{site_id}/chat/canned")
async def canned(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        rows = (
            await session.scalars(
                select(CannedReply)
                .where(CannedReply.site_id == site_id)
                .order_by(CannedReply.title)
            )
        ).all()
    return {"replies": [{"id": r.id, "title": r.title, "body": r.body} for r in rows]}


@router.get("/api/sites/{site_id}/chat/attribution")
async def attribution(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    return await services(request).attribution.report(site_id)


@router.get("/api/sites/{site_id}/products")
async def products(
    site_id: str, request: Request, q: str = "", actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    if len(q) > 100:
        raise ApiError(422, "invalid", "q: at most 100 characters", "q")
    svc = services(request)
    async with svc.db.reader() as session:
        found = await search_products(session, site_id, q, await _store(svc, site_id))
    return {"products": found}


CONSOLE_SOCKET = "/ws/chat/console"


@socket_router.websocket(CONSOLE_SOCKET)
async def console_socket(websocket: WebSocket) -> None:
    svc = ws_services(websocket)
    hello = await accept_console(websocket)
    if hello is None:
        return
    actor, site_id = hello.actor, hello.site_id
    sub = svc.chat_hub.console(site_id, actor)
    tasks = [
        asyncio.create_task(
            watch_session(
                websocket,
                hello.token,
                site_id,
                lambda: sub.queue.put_nowait(None),
                role=actor.role,
            )
        ),
        asyncio.create_task(_console_reader(websocket, svc, actor, site_id, sub.queue)),
        asyncio.create_task(_presence(svc, actor.associate_id)),
    ]
    try:
        agent = await svc.chat.agent(actor)
        await websocket.send_text(
            json.dumps(
                {
                    "type": "presence",
                    **_agent_view(agent, await _active_count(svc, actor.associate_id)),
                }
            )
        )
        async with svc.db.reader() as session:
            queued = await site_conversations(session, site_id, "queue")
            await websocket.send_text(
                json.dumps({"type": "queue", "conversations": await console_views(session, queued)})
            )
        while True:
            frame = await sub.queue.get()
            if frame is None:
                break
            await websocket.send_text(json.dumps(frame))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        svc.chat_hub.drop_console(site_id, sub)
        for task in tasks:
            task.cancel()
        with contextlib.suppress(Exception):
            await websocket.close()


async def _store(svc: Services, site_id: str) -> str:
    """Where the store's relative product links point: its first allowed origin."""
    site = await svc.sites.by_id(site_id)
    return site.allowed_origins[0] if site and site.allowed_origins else svc.settings.base_url


async def _presence(svc: Services, associate_id: str) -> None:
    """While a console is open its associate counts as present for routing."""
    while True:
        await svc.chat.touch_agent(associate_id)
        await asyncio.sleep(PRESENCE_BEAT_SECONDS)


async def _console_reader(
    websocket: WebSocket,
    svc: Services,
    actor: Actor,
    site_id: str,
    queue: asyncio.Queue[dict[str, Any] | None],
) -> None:
    try:
        while True:
            try:
                frame = json.loads(await websocket.receive_text())
            except ValueError:
                continue
            if not isinstance(frame, dict):
                continue
            refusal = policy.command_refusal(actor, CONSOLE_SOCKET, frame.get("type"))
            if refusal is not None:
                queue.put_nowait({"type": "error", "code": refusal[0], "message": refusal[1]})
                continue
            if frame.get("type") == "typing" and isinstance(frame.get("conversation_id"), str):
                try:
                    conversation = await svc.chat.for_associate(
                        actor, site_id, frame["conversation_id"]
                    )
                except ApiError:
                    continue
                mine = conversation.associate_id == actor.associate_id
                if not mine and not policy.allows(actor, "chat.reply_any"):
                    if frame.get("on"):  # a late "off" after a transfer is harmless
                        queue.put_nowait(
                            {
                                "type": "error",
                                "code": "not_yours",
                                "message": "claim this conversation before writing in it",
                            }
                        )
                    continue
                await svc.bus.publish(
                    TOPIC_TYPING,
                    {
                        "site_id": site_id,
                        "conversation_id": conversation.id,
                        "associate_id": actor.associate_id,
                        "from": "associate",
                        "name": actor.name,
                        "on": bool(frame.get("on")),
                    },
                )
            elif frame.get("type") == "ping":
                queue.put_nowait({"type": "pong"})
    except (WebSocketDisconnect, RuntimeError):
        pass
    queue.put_nowait(None)
