"""The customer timeline over HTTP: interactions in (console API and signed webhook), timeline out.

The webhook exists for the store's call centre, e-mail and social tools, which have no console
login: they prove who they are with an HMAC-SHA256 of the raw body under the site secret, the
same secret that signs customer ids for the widget.
"""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import ValidationError
from sqlalchemy import select

from salon.catalog.imports.schemas import InteractionRow
from salon.chat.models import Conversation
from salon.core.clock import MAX_EPOCH_SECONDS
from salon.core.errors import ApiError, field_path
from salon.customers.models import Customer
from salon.customers.timeline import (
    MoodShift,
    customer_by_external_id,
    customer_timeline,
    record_interactions,
)
from salon.floor.live import TOPIC_MOOD_SHIFT
from salon.identity import policy
from salon.identity.service import Actor, access_site
from salon.identity.signing import hmac_sha256_hex
from salon.tracking.models import Visitor
from salon.web.services import Services, current_actor, services

router = APIRouter(tags=["customers"])
MAX_ROWS = 500
MAX_BODY_BYTES = 8 * 1024 * 1024
SIGNATURE_PREFIX = "sha256="


def parse_rows(payload: Any) -> list[InteractionRow]:
    """One row, or {"interactions": [...]}; every row validated before the database is touched."""
    if isinstance(payload, dict) and "interactions" in payload:
        if set(payload) != {"interactions"}:
            extra = sorted(set(payload) - {"interactions"})[0]
            raise ApiError(422, "invalid", f"unexpected field {extra}", extra)
        items = payload["interactions"]
        if not isinstance(items, list) or not items:
            raise ApiError(422, "invalid", "interactions must be a non-empty list", "interactions")
    elif isinstance(payload, dict):
        items = [payload]
    else:
        raise ApiError(422, "invalid", "expected an interaction or {interactions: [...]}")
    if len(items) > MAX_ROWS:
        raise ApiError(413, "too_large", f"at most {MAX_ROWS} interactions per request")
    rows = []
    for index, item in enumerate(items):
        try:
            rows.append(InteractionRow.model_validate(item))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = field_path(first["loc"])
            path = f"interactions[{index}]" + (f".{where}" if where else "")
            raise ApiError(422, "invalid", f"row {index}: {where} {first['msg']}", path) from None
    return rows


async def _ingest(svc: Services, site_id: str, rows: list[InteractionRow]) -> dict[str, Any]:
    """Write, commit, then publish: a shift reaches the floor only once its row is stored."""
    async with svc.db.writer() as session:
        counts, shifts = await record_interactions(session, site_id, rows)
    for shift in shifts:
        await publish_shift(svc, shift)
    return {**counts, "mood_shifts": len(shifts)}


async def publish_shift(svc: Services, shift: MoodShift) -> None:
    """`insight.mood_shift` with the floor's keys; `visit_id` is the customer's live visit."""
    live = [s.visit_id for s in svc.floor.state.visits(shift.site_id)]
    visit_ids = [
        v
        for v in live
        if (state := svc.floor.state.get(shift.site_id, v))
        and state.customer_id == shift.customer_id
    ]
    await svc.bus.publish(
        TOPIC_MOOD_SHIFT,
        {
            "site_id": shift.site_id,
            "customer_id": shift.customer_id,
            "customer_external_id": shift.customer_external_id,
            "visit_id": visit_ids[0] if visit_ids else None,
            "channel": shift.channel,
            "summary": shift.summary,
            "valence": shift.sentiment,
            "reasons": [shift.reason()],
        },
    )


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None


@router.post("/api/sites/{site_id}/interactions")
async def post_interactions(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    policy.require(actor, "interactions.write")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY_BYTES} bytes")
    return await _ingest(services(request), site_id, parse_rows(_json(raw)))


@router.post("/api/webhooks/interactions")
async def interactions_webhook(request: Request) -> dict[str, Any]:
    """Signed by the store's systems; a missing or wrong signature is a 401 and stores nothing."""
    svc = services(request)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY_BYTES} bytes")
    site = await svc.sites.by_key(request.headers.get("X-Salon-Site", ""))
    given = request.headers.get("X-Salon-Signature", "")
    if site is None or not verify_body_signature(site.secret, raw, given):
        raise ApiError(401, "bad_signature", "missing or wrong X-Salon-Site / X-Salon-Signature")
    return await _ingest(svc, site.id, parse_rows(_json(raw)))


def sign_body(site_secret: str, raw: bytes) -> str:
    """The X-Salon-Signature header value a store's system sends with `raw`."""
    return SIGNATURE_PREFIX + hmac_sha256_hex(site_secret, raw)


def verify_body_signature(site_secret: str, raw: bytes, header: str) -> bool:
    if not header.startswith(SIGNATURE_PREFIX) or len(header) != len(SIGNATURE_PREFIX) + 64:
        return False
    return hmac.compare_digest(sign_body(site_secret, raw), header.lower())


def _before(before: float | None) -> datetime | None:
    return datetime.fromtimestamp(before, tz=UTC) if before is not None else None


@router.get("/api/sites/{site_id}/customers/{customer_external_id}/timeline")
async def get_timeline(
    site_id: str,
    customer_external_id: str,
    request: Request,
    limit: int = Query(50, ge=1, le=200),
    before: float | None = Query(
        None, ge=0, le=MAX_EPOCH_SECONDS, description="epoch seconds: entries older than"
    ),
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        customer_id = await customer_by_external_id(session, site_id, customer_external_id)
        entries = await customer_timeline(session, site_id, customer_id, limit, _before(before))
    return {"customer_id": customer_external_id, "entries": entries}


@router.get("/api/sites/{site_id}/chat/conversations/{conversation_id}/timeline")
async def get_conversation_timeline(
    site_id: str,
    conversation_id: str,
    request: Request,
    limit: int = Query(50, ge=1, le=200),
    before: float | None = Query(None, ge=0, le=MAX_EPOCH_SECONDS),
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """The timeline of the customer behind a chat; an unidentified visitor has none (empty)."""
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None or conversation.site_id != site_id:
            raise ApiError(404, "not_found", "conversation not found")
        customer_id = conversation.customer_id or await session.scalar(
            select(Visitor.customer_id).where(Visitor.id == conversation.visitor_id)
        )
        if customer_id is None:
            return {"customer_id": None, "entries": []}
        external = await session.scalar(
            select(Customer.external_id).where(Customer.id == customer_id)
        )
        entries = await customer_timeline(session, site_id, customer_id, limit, _before(before))
    return {"customer_id": external, "entries": entries}
