"""The console's floor: a WebSocket feed and the visit story."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect

from salon.floor.service import visit_story
from salon.identity.service import Actor, actor_for_token
from salon.web.services import SESSION_COOKIE, current_actor, services, ws_services

router = APIRouter(tags=["floor"])

HELLO_TIMEOUT = 10.0
SESSION_RECHECK_SECONDS = 4.0


@router.get("/api/sites/{site_id}/visits/{visit_id}")
async def get_visit_story(
    site_id: str, visit_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    svc = services(request)
    return await visit_story(svc.db, svc.floor, actor, site_id, visit_id)


@router.websocket("/ws/floor")
async def floor_socket(websocket: WebSocket) -> None:
    """Origin and session are checked before the upgrade; the CSRF token in the first frame."""
    svc = ws_services(websocket)
    origin = websocket.headers.get("origin")
    if origin is None or origin.rstrip("/") not in svc.settings.allowed_console_origins:
        await websocket.close(code=1008)  # before accept: the upgrade is refused with 403
        return
    actor = await actor_for_token(svc.db, websocket.cookies.get(SESSION_COOKIE))
    if actor is None:
        await websocket.close(code=1008)
        return
    await websocket.accept()
    try:
        hello = json.loads(await asyncio.wait_for(websocket.receive_text(), HELLO_TIMEOUT))
    except (TimeoutError, ValueError, WebSocketDisconnect):
        await _refuse(websocket, "bad_hello", "send a hello frame first")
        return
    if not isinstance(hello, dict) or hello.get("type") != "hello":
        await _refuse(websocket, "bad_hello", "the first frame must be a hello")
        return
    if hello.get("csrf") != actor.csrf_token:
        await _refuse(websocket, "csrf", "missing or wrong csrf token")
        return
    site_id = hello.get("site_id")
    if not isinstance(site_id, str) or site_id not in actor.site_ids:
        await _refuse(websocket, "not_found", "site not found")
        return
    last_seq = hello.get("last_seq")
    if not isinstance(last_seq, int) or isinstance(last_seq, bool):
        last_seq = None
    first, queue = svc.floor.subscribe(site_id, last_seq)
    token = websocket.cookies.get(SESSION_COOKIE)
    watcher = asyncio.create_task(_watch_session(websocket, svc, token, site_id, queue))
    reader = asyncio.create_task(_drain_client(websocket, queue))
    try:
        for initial in first:
            await websocket.send_text(initial)
        while True:
            frame = await queue.get()
            if frame is None:
                break
            await websocket.send_text(frame)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        svc.floor.unsubscribe(site_id, queue)
        watcher.cancel()
        reader.cancel()
        with contextlib.suppress(Exception):
            await websocket.close()


async def _drain_client(websocket: WebSocket, queue: asyncio.Queue[str | None]) -> None:
    """Consoles only listen after hello; notice when they go away."""
    with contextlib.suppress(Exception):
        while True:
            await websocket.receive_text()
    queue.put_nowait(None)


async def _watch_session(
    websocket: WebSocket,
    svc: Any,
    token: str | None,
    site_id: str,
    queue: asyncio.Queue[str | None],
) -> None:
    """Logout, removal or losing the site closes an open socket within a few seconds."""
    while True:
        await asyncio.sleep(SESSION_RECHECK_SECONDS)
        actor = await actor_for_token(svc.db, token)
        if actor is None or site_id not in actor.site_ids:
            with contextlib.suppress(Exception):
                await websocket.send_text(
                    json.dumps(
                        {"type": "error", "code": "unauthorized", "message": "session ended"}
                    )
                )
            queue.put_nowait(None)
            return


async def _refuse(websocket: WebSocket, code: str, message: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(json.dumps({"type": "error", "code": code, "message": message}))
        await websocket.close(code=1008)
