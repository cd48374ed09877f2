"""The one handshake for console WebSockets (floor and chat), and the session watcher.

Origin and session cookie are checked before the upgrade (a refused upgrade is an HTTP 403);
the CSRF token and the site come in the first frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect

from salon.identity import policy
from salon.identity.service import Actor, actor_for_token
from salon.web.services import SESSION_COOKIE, ws_services

HELLO_TIMEOUT = 10.0
SESSION_RECHECK_SECONDS = 4.0


@dataclass(frozen=True)
class ConsoleHello:
    actor: Actor
    site_id: str
    frame: dict[str, Any]
    token: str | None


async def receive_hello(websocket: WebSocket) -> dict[str, Any] | None:
    try:
        hello = json.loads(await asyncio.wait_for(websocket.receive_text(), HELLO_TIMEOUT))
    except (TimeoutError, ValueError, WebSocketDisconnect):
        await refuse(websocket, "bad_hello", "send a hello frame first")
        return None
    if not isinstance(hello, dict) or hello.get("type") != "hello":
        await refuse(websocket, "bad_hello", "the first frame must be a hello")
        return None
    return hello


async def accept_console(websocket: WebSocket) -> ConsoleHello | None:
    svc = ws_services(websocket)
    origin = websocket.headers.get("origin")
    if origin is None or origin.rstrip("/") not in svc.settings.allowed_console_origins:
        await websocket.close(code=1008)  # before accept: the upgrade is refused with 403
        return None
    token = websocket.cookies.get(SESSION_COOKIE)
    actor = await actor_for_token(svc.db, token)
    if actor is None:
        await websocket.close(code=1008)
        return None
    await websocket.accept()
    hello = await receive_hello(websocket)
    if hello is None:
        return None
    if hello.get("csrf") != actor.csrf_token:
        await refuse(websocket, "csrf", "missing or wrong csrf token")
        return None
    site_id = hello.get("site_id")
    if not isinstance(site_id, str) or site_id not in actor.site_ids:
        await refuse(websocket, "not_found", "site not found")
        return None
    refusal = policy.socket_refusal(actor, websocket.scope)
    if refusal is not None:
        await refuse(websocket, *refusal)
        return None
    return ConsoleHello(actor, site_id, hello, token)


async def watch_session(
    websocket: WebSocket,
    token: str | None,
    site_id: str,
    stop: Callable[[], None],
    role: str | None = None,
) -> None:
    """Logout, removal, losing the site or a new role (what the socket may see and send was
    decided with the old one) closes an open socket within a few seconds."""
    svc = ws_services(websocket)
    while True:
        await asyncio.sleep(SESSION_RECHECK_SECONDS)
        actor = await actor_for_token(svc.db, token)
        ended = actor is None or site_id not in actor.site_ids
        if ended or (role is not None and actor is not None and actor.role != role):
            code, message = ("unauthorized", "session ended")
            if not ended:
                code, message = "role_changed", "your role changed"
            with contextlib.suppress(Exception):
                await websocket.send_text(
                    json.dumps({"type": "error", "code": code, "message": message})
                )
            stop()
            return


async def refuse(websocket: WebSocket, code: str, message: str) -> None:
    with contextlib.suppress(Exception):
        await websocket.send_text(json.dumps({"type": "error", "code": code, "message": message}))
        await websocket.close(code=1008)
