"""Privacy over HTTP: a customer's export and erasure, the site's retention, the audit log.

Export and erasure are admin-only: each hands over or destroys everything about a person at
once, which the customer 360 view (open to every associate of the site) never does. Retention
is changed by admins; supervisors may read it and the audit log.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from salon.core.ids import SQL_BIGINT_MAX
from salon.identity import policy
from salon.identity.service import Actor, access_site
from salon.privacy import audit, export, retention, service
from salon.privacy.schemas import PrivacySettingsIn
from salon.web.services import client_ip, current_actor, services

router = APIRouter(tags=["privacy"])
BASE = "/api/sites/{site_id}"


def _allowed(actor: Actor, site_id: str, permission: str) -> None:
    """The app-wide policy (salon/identity/policy.py) checks this too; routes stay safe alone."""
    access_site(actor, site_id)
    policy.require(actor, permission)


@contextlib.asynccontextmanager
async def _redis(request: Request) -> AsyncIterator[Any]:
    """The app's Redis client when it has one; else one for this request when configured."""
    shared = getattr(request.app.state, "redis", None)
    settings = services(request).settings
    if shared is not None or not settings.redis_url:
        yield shared
        return
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        yield client
    finally:
        await client.aclose()


@router.get(BASE + "/customers/{customer_id}/export")
async def export_customer(
    site_id: str, customer_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> JSONResponse:
    """Everything Salon holds about the customer, as one JSON file (GDPR article 15 and 20)."""
    _allowed(actor, site_id, "privacy.export")
    document = await export.export_customer(
        services(request).db, site_id, customer_id, actor, client_ip(request)
    )
    return JSONResponse(
        document,
        headers={
            "Content-Disposition": f'attachment; filename="customer-{customer_id}.json"',
            "Cache-Control": "no-store",
        },
    )


@router.delete(BASE + "/customers/{customer_id}")
async def erase_customer(
    site_id: str, customer_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """Erase the customer everywhere (GDPR article 17); docs/privacy.md says what is kept."""
    _allowed(actor, site_id, "privacy.erase")
    svc = services(request)
    async with _redis(request) as redis:
        erasure = await service.erase_customer(
            svc.db,
            site_id,
            customer_id,
            actor,
            client_ip(request),
            bus=svc.bus,
            redis=redis,
            outbox=svc.settings.demo_outbox,
        )
    svc.outbox.forget(site_id, erasure.visit_ids)  # offers waiting in this process
    return {"erased": erasure.as_dict()}


@router.get(BASE + "/privacy")
async def read_privacy(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    _allowed(actor, site_id, "audit.read")
    found = await retention.privacy_settings(services(request).db, site_id)
    return {"privacy": found}


@router.put(BASE + "/privacy")
async def change_privacy(
    site_id: str,
    body: PrivacySettingsIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    _allowed(actor, site_id, "privacy.manage")
    saved = await retention.set_retention(
        services(request).db, site_id, body.retention_days, actor, client_ip(request)
    )
    return {"privacy": saved}


@router.get(BASE + "/audit")
async def audit_log(
    site_id: str,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_LIMIT)] = 100,
    before: Annotated[int | None, Query(ge=1, le=SQL_BIGINT_MAX)] = None,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """Newest first; pass the last entry's id as `before` for the next page."""
    _allowed(actor, site_id, "audit.read")
    async with services(request).db.reader() as session:
        return {"entries": await audit.entries(session, site_id, limit, before)}
