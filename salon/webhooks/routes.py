"""Webhook endpoints and the delivery log over HTTP (the console's Webhooks page uses these).

Any member of the site may read the log; creating, changing, deleting, retrying and testing
need a supervisor or admin, and only they see an endpoint's signing secret.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response

from salon.core.errors import ApiError
from salon.identity import policy
from salon.identity.service import Actor, access_site
from salon.privacy import audit
from salon.web.services import client_ip, current_actor, services
from salon.webhooks import service
from salon.webhooks.models import WebhookEndpoint
from salon.webhooks.schemas import EndpointIn, EndpointPatch

router = APIRouter(tags=["webhooks"])
PREFIX = "/api/sites/{site_id}/webhooks"


def _manager(actor: Actor, site_id: str) -> None:
    access_site(actor, site_id)
    policy.require(actor, "webhooks.manage")


@router.get(PREFIX)
async def list_endpoints(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    found = await service.list_endpoints(services(request).db, site_id)
    secrets = policy.allows(actor, "webhooks.manage")
    return {
        "events": list(service.EVENTS),
        "endpoints": [service.endpoint_view(e, secrets) for e in found],
    }


@router.post(PREFIX, status_code=201)
async def create_endpoint(
    site_id: str, body: EndpointIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    _manager(actor, site_id)
    detail = {"host": urlsplit(body.url).hostname, "events": body.events, "active": body.active}
    target = audit.created(WebhookEndpoint, "webhook_endpoint")
    with audit.recorded(actor, "webhook.create", target, site_id, detail, client_ip(request)):
        endpoint = await service.create_endpoint(
            services(request).db, site_id, body.url, body.events, body.description, body.active
        )
    return {"endpoint": service.endpoint_view(endpoint, with_secret=True)}


@router.get(PREFIX + "/deliveries")
async def list_deliveries(
    site_id: str,
    request: Request,
    endpoint_id: str | None = None,
    status: str | None = None,
    limit: int = Query(50, ge=1, le=200),
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    access_site(actor, site_id)
    if status is not None and status not in service.STATUSES:
        raise ApiError(
            422, "invalid", f"status: one of {', '.join(service.STATUSES)}", field="status"
        )
    found = await service.list_deliveries(services(request).db, site_id, endpoint_id, status, limit)
    return {"deliveries": found}


@router.post(PREFIX + "/deliveries/{delivery_id}/retry")
async def retry_delivery(
    site_id: str, delivery_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    _manager(actor, site_id)
    return {"delivery": await service.retry_delivery(services(request).db, site_id, delivery_id)}


@router.get(PREFIX + "/{endpoint_id}")
async def get_endpoint(
    site_id: str, endpoint_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    endpoint = await service.get_endpoint(services(request).db, site_id, endpoint_id)
    return {"endpoint": service.endpoint_view(endpoint, policy.allows(actor, "webhooks.manage"))}


@router.patch(PREFIX + "/{endpoint_id}")
async def update_endpoint(
    site_id: str,
    endpoint_id: str,
    body: EndpointPatch,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    _manager(actor, site_id)
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            raise ApiError(422, "invalid", f"{name}: may not be null", field=name)
    detail = {"changed": sorted(changes), "events": changes.get("events")}
    target = f"webhook_endpoint:{endpoint_id}"
    with audit.recorded(actor, "webhook.update", target, site_id, detail, client_ip(request)):
        endpoint = await service.update_endpoint(
            services(request).db, site_id, endpoint_id, changes
        )
    return {"endpoint": service.endpoint_view(endpoint, with_secret=True)}


@router.delete(PREFIX + "/{endpoint_id}", status_code=204)
async def delete_endpoint(
    site_id: str, endpoint_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    _manager(actor, site_id)
    target = f"webhook_endpoint:{endpoint_id}"
    with audit.recorded(actor, "webhook.delete", target, site_id, None, client_ip(request)):
        await service.delete_endpoint(services(request).db, site_id, endpoint_id)
    return Response(status_code=204)


@router.post(PREFIX + "/{endpoint_id}/test", status_code=202)
async def send_test(
    site_id: str, endpoint_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """Queue a `ping` to this endpoint only; its result appears in the delivery log."""
    _manager(actor, site_id)
    return {"delivery": await service.send_test(services(request).db, site_id, endpoint_id)}
