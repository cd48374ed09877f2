"""The console's floor: a WebSocket feed and the visit story."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, Depends, Request, WebSocket, WebSocketDisconnect

from salon.floor.service import visit_story
from salon.identity.service import Actor
from salon.web.services import current_actor, services, ws_services
from salon.web.sockets import accept_console, watch_session

router = APIRouter(tags=["floor"])


@router.get("/api/sites/{site_id}/visits/{visit_id}")
async def get_visit_story(
    site_id: str, visit_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    svc = services(request)
    return await visit_story(svc.db, svc.floor, actor, site_id, visit_id)


@router.websocket("/ws/floor")
async def floor_socket(websocket: WebSocket) -> None:
    """Snapshot, then deltas; `last_seq` in the hello resumes (or resyncs)."""
    svc = ws_services(websocket)
    hello = await accept_console(websocket)
    if hello is None:
        return
    last_seq = hello.frame.get("last_seq")
    if not isinstance(last_seq, int) or isinstance(last_seq, bool):
        last_seq = None
    epoch = hello.frame.get("epoch")
    first, queue = svc.floor.subscribe(
        hello.site_id, last_seq, epoch if isinstance(epoch, str) else None
    )
    watcher = asyncio.create_task(
        watch_session(
            websocket,
            hello.token,
            hello.site_id,
            lambda: queue.put_nowait(None),
            role=hello.actor.role,
        )
    )
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
        svc.floor.unsubscribe(hello.site_id, queue)
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
