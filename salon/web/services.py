"""The services one app instance holds, and the request dependencies that reach them."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, WebSocket

from salon.chat.attribution import AttributionLedger
from salon.chat.hub import ChatHub
from salon.chat.mailer import TranscriptMailer
from salon.chat.service import ChatService
from salon.config import Settings
from salon.core.bus import EventBus
from salon.core.errors import ApiError
from salon.db.engine import Database
from salon.floor.live import LiveFloor
from salon.identity.service import Actor, RateLimiter, SiteDirectory, actor_for_token
from salon.playbooks.engine import PlaybookEngine
from salon.playbooks.outbox import WidgetOutbox
from salon.tracking.ingest import Ingestor

SESSION_COOKIE = "salon_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ACTOR_SCOPE_KEY = "salon.actor"


@dataclass
class ChatLimits:
    """Per IP and site (RELIABILITY.md): 30 new chats and 60 messages a minute."""

    starts: RateLimiter
    messages: RateLimiter


@dataclass
class Services:
    settings: Settings
    db: Database
    bus: EventBus
    sites: SiteDirectory
    ingestor: Ingestor
    floor: LiveFloor
    login_limiter: RateLimiter
    chat: ChatService
    chat_hub: ChatHub
    chat_limits: ChatLimits
    transcripts: TranscriptMailer
    attribution: AttributionLedger
    outbox: WidgetOutbox
    playbooks: PlaybookEngine
    api_limiter: RateLimiter  # per associate (RELIABILITY.md promise 7)


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def ws_services(websocket: WebSocket) -> Services:
    found: Services = websocket.app.state.services
    return found


def client_ip(request: Request | WebSocket) -> str:
    """The trusted client address (uvicorn applies X-Forwarded-For only from trusted proxies)."""
    return request.client.host if request.client else "0.0.0.0"


async def current_actor(request: Request) -> Actor:
    """The logged-in associate; writes also need the CSRF header matching the session.
    Looked up once per request: the app-wide policy check and the route share it."""
    cached = request.scope.get(ACTOR_SCOPE_KEY)
    if isinstance(cached, Actor):
        return cached
    svc = services(request)
    actor = await actor_for_token(svc.db, request.cookies.get(SESSION_COOKIE))
    if actor is None:
        raise ApiError(401, "unauthorized", "log in first")
    if request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != actor.csrf_token:
        raise ApiError(403, "csrf", "missing or wrong X-CSRF-Token header")
    await svc.api_limiter.take(actor.associate_id, "API calls")  # once per request
    request.scope[ACTOR_SCOPE_KEY] = actor
    return actor
