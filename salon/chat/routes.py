"""The shopper's side of the chat: HTTP for start/history/close/rating/transcript, and /ws/chat."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, WebSocket, WebSocketDisconnect
from pydantic import ValidationError

from salon.chat.hours import ChatSettings
from salon.chat.models import Conversation
from salon.chat.routing import queue_state
from salon.chat.schemas import RatingIn, StartIn, TranscriptIn, VisitorMessageIn
from salon.chat.service import TOPIC_TYPING
from salon.chat.views import visitor_view_of
from salon.core.clock import utcnow
from salon.core.errors import ApiError, describe_validation_error
from salon.core.ids import SQL_INT_MAX
from salon.identity.service import SiteInfo
from salon.tracking.ingest import ClientInfo
from salon.web.services import Services, client_ip, services, ws_services
from salon.web.sockets import receive_hello, refuse

router = APIRouter(prefix="/api/chat", tags=["chat (shopper)"])
socket_router = APIRouter()


def _token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def _client(request: Request | WebSocket) -> ClientInfo:
    return ClientInfo(
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        origin=request.headers.get("origin"),
    )


async def _view(svc: Services, conversation: Conversation) -> dict[str, Any]:
    async with svc.db.reader() as session:
        return await visitor_view_of(session, conversation)


@router.get("/status")
async def chat_status(site_key: str, request: Request) -> dict[str, Any]:
    svc = services(request)
    site = await svc.chat.site_for_widget(site_key, request.headers.get("origin"))
    settings = ChatSettings.of(site)
    async with svc.db.reader() as session:
        state = await queue_state(session, site.id)
    return {
        "open": settings.is_open(utcnow()),
        "available": state.available,
        "eta_seconds": state.eta_seconds(len(state.queued_ids) + 1),
        "page_push_mode": settings.page_push_mode,
    }


@router.post("/conversations", status_code=201)
async def start(body: StartIn, request: Request, response: Response) -> dict[str, Any]:
    svc = services(request)
    site = await svc.chat.site_for_widget(body.site_key, request.headers.get("origin"))
    await svc.chat_limits.starts.take(f"{client_ip(request)}:{site.id}", "new chats")
    conversation, token, created = await svc.chat.start(body, _client(request), _token(request))
    if not created:
        response.status_code = 200
    answer: dict[str, Any] = {"conversation": await _view(svc, conversation)}
    if token:
        answer["token"] = token
    return answer


@router.get("/conversations/{conversation_id}")
async def get_conversation(conversation_id: str, request: Request) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_visitor(conversation_id, _token(request))
    return await _view(svc, conversation)


@router.get("/conversations/{conversation_id}/messages")
async def get_messages(
    conversation_id: str,
    request: Request,
    after: Annotated[int, Query(ge=0, le=SQL_INT_MAX)] = 0,
) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_visitor(conversation_id, _token(request))
    messages = await svc.chat.messages(conversation.id, after, internal=False)
    return {"messages": messages, "last_seq": conversation.last_seq}


@router.post("/conversations/{conversation_id}/messages")
async def post_message(
    conversation_id: str, body: VisitorMessageIn, request: Request
) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_visitor(conversation_id, _token(request))
    await svc.chat_limits.messages.take(f"{client_ip(request)}:{conversation.site_id}", "messages")
    return await svc.chat.visitor_message(conversation, body.client_id, body.body)


@router.post("/conversations/{conversation_id}/close")
async def close(conversation_id: str, request: Request) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_visitor(conversation_id, _token(request))
    closed = await svc.chat.close(conversation, "visitor", conversation.name)
    await svc.transcripts.send_on_close(closed)
    return await _view(svc, closed)


@router.post("/conversations/{conversation_id}/rating")
async def rate(conversation_id: str, body: RatingIn, request: Request) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_visitor(conversation_id, _token(request))
    await svc.chat.rate(conversation, body.score, body.comment)
    return await _view(svc, await svc.chat.get(conversation.id))


@router.post("/conversations/{conversation_id}/transcript", status_code=202)
async def transcript(conversation_id: str, body: TranscriptIn, request: Request) -> dict[str, Any]:
    svc = services(request)
    conversation = await svc.chat.for_visitor(conversation_id, _token(request))
    to = str(body.email) if body.email else conversation.email
    if not to:
        raise ApiError(422, "invalid", "email: give an address for the transcript", "email")
    await svc.transcripts.send(conversation, to)
    return {"sent_to": to}


@socket_router.websocket("/ws/chat")
async def visitor_socket(websocket: WebSocket, site_key: str = "") -> None:
    """The shopper's live line: the site's Origin before the upgrade, the token in the hello."""
    svc = ws_services(websocket)
    origin = websocket.headers.get("origin")
    if site_key and not _origin_ok(await svc.sites.by_key(site_key), origin):
        await websocket.close(code=1008)  # refused before the upgrade
        return
    await websocket.accept()
    hello = await receive_hello(websocket)
    if hello is None:
        return
    site = await svc.sites.by_key(site_key or str(hello.get("site_key", "")))
    if site is None or not _origin_ok(site, origin):
        await refuse(websocket, "origin_not_allowed", "this page may not open the chat")
        return
    try:
        conversation = await svc.chat.for_visitor(
            str(hello.get("conversation_id", "")), str(hello.get("token", ""))
        )
    except ApiError:
        await refuse(websocket, "not_found", "conversation not found")
        return
    if conversation.site_id != site.id:
        await refuse(websocket, "not_found", "conversation not found")
        return
    last_seq = hello.get("last_seq")
    last = last_seq if isinstance(last_seq, int) and not isinstance(last_seq, bool) else 0
    queue = svc.chat_hub.visitor(conversation.id)  # subscribe first, then replay: no gap
    reader = asyncio.create_task(_visitor_reader(websocket, svc, conversation, queue))
    try:
        await websocket.send_text(
            json.dumps({"type": "state", "conversation": await _view(svc, conversation)})
        )
        for message in await svc.chat.messages(conversation.id, last, internal=False):
            await websocket.send_text(
                json.dumps({"type": "message", "message": message, "replay": True})
            )
            last = message["seq"]
        await _pump(websocket, svc, conversation.id, queue, last)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        svc.chat_hub.drop_visitor(conversation.id, queue)
        reader.cancel()
        with contextlib.suppress(Exception):
            await websocket.close()


def _origin_ok(site: SiteInfo | None, origin: str | None) -> bool:
    return site is not None and (origin is None or origin.rstrip("/") in site.allowed_origins)


async def _pump(
    websocket: WebSocket,
    svc: Services,
    conversation_id: str,
    queue: asyncio.Queue[dict[str, Any] | None],
    last: int,
) -> None:
    """Send hub frames in sequence order: skip what was sent, fetch what was overtaken."""
    while True:
        frame = await queue.get()
        if frame is None:
            return
        if frame["type"] == "message":
            seq = frame["message"]["seq"]
            if seq <= last:
                continue
            if seq > last + 1:
                for missing in await svc.chat.messages(conversation_id, last, internal=False):
                    if missing["seq"] >= seq:
                        break
                    await websocket.send_text(
                        json.dumps({"type": "message", "message": missing, "replay": False})
                    )
            last = seq
        await websocket.send_text(json.dumps(frame))


async def _visitor_reader(
    websocket: WebSocket,
    svc: Services,
    conversation: Conversation,
    queue: asyncio.Queue[dict[str, Any] | None],
) -> None:
    site_key = f"{client_ip(websocket)}:{conversation.site_id}"
    try:
        while True:
            raw = await websocket.receive_text()
            client_id = None
            try:
                frame = json.loads(raw)
                if not isinstance(frame, dict):
                    raise ApiError(400, "bad_frame", "a frame is a JSON object")
                kind, client_id = frame.get("type"), frame.get("client_id")
                if kind == "send":
                    body = VisitorMessageIn.model_validate(
                        {"client_id": frame.get("client_id"), "body": frame.get("body")}
                    )
                    await svc.chat_limits.messages.take(site_key, "messages")
                    ack = await svc.chat.visitor_message(conversation, body.client_id, body.body)
                    queue.put_nowait({"type": "ack", "client_id": body.client_id, **ack})
                elif kind == "typing":
                    await svc.bus.publish(
                        TOPIC_TYPING,
                        {
                            "site_id": conversation.site_id,
                            "conversation_id": conversation.id,
                            "associate_id": (await svc.chat.get(conversation.id)).associate_id,
                            "from": "visitor",
                            "name": conversation.name,
                            "on": bool(frame.get("on")),
                        },
                    )
                elif kind == "ping":
                    queue.put_nowait({"type": "pong"})
                else:
                    raise ApiError(400, "bad_frame", "unknown frame type")
            except ValidationError as exc:
                error = describe_validation_error(exc)
                queue.put_nowait(
                    {
                        "type": "error",
                        "code": error.code,
                        "message": error.message,
                        "client_id": client_id,
                    }
                )
            except ApiError as exc:
                queue.put_nowait(
                    {
                        "type": "error",
                        "code": exc.code,
                        "message": exc.message,
                        "client_id": client_id,
                    }
                )
            except ValueError:
                queue.put_nowait(
                    {
                        "type": "error",
                        "code": "malformed_json",
                        "message": "the frame is not valid JSON",
                    }
                )
    except (WebSocketDisconnect, RuntimeError):
        pass
    queue.put_nowait(None)
