"""POST /api/track: the widget's only way in."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from salon.core.errors import ApiError, describe_validation_error
from salon.identity.service import SiteDirectory
from salon.playbooks.outbox import WidgetOutbox
from salon.tracking.ingest import ClientInfo
from salon.tracking.schemas import EVENT_TYPES, TrackBatch, TrackResult
from salon.web.services import client_ip, services

router = APIRouter(tags=["tracking"])

ACCEPTED_TYPES = ("application/json", "text/plain")


@router.options("/api/track", include_in_schema=False)
async def track_preflight(request: Request) -> Response:
    origin = request.headers.get("origin")
    headers = {
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Max-Age": "600",
        "Access-Control-Allow-Headers": "Content-Type",
        "Vary": "Origin",
    }
    if origin:
        headers["Access-Control-Allow-Origin"] = origin  # the POST itself checks the site's list
    return Response(status_code=204, headers=headers)


def _cors(origin: str | None) -> dict[str, str]:
    """Every answer, errors too, is readable by the widget so it can tell retry from give-up.

    CORS is not the guard here: the ingest checks the Origin against the site's allow-list.
    """
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": "Retry-After",
        "Vary": "Origin",
    }


@router.post("/api/track", response_model=TrackResult)
async def track(request: Request, response: Response) -> TrackResult:
    """Ingest one batch from the widget (JSON, or text/plain from sendBeacon)."""
    cors = _cors(request.headers.get("origin"))
    try:
        result = await _track(request)
    except ApiError as exc:
        exc.headers = {**(exc.headers or {}), **cors}
        raise
    response.headers.update(cors)
    return result


async def _track(request: Request) -> TrackResult:
    svc = services(request)
    limit = svc.settings.track_max_body_bytes
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ACCEPTED_TYPES:
        raise ApiError(415, "unsupported_media_type", "send the batch as application/json")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    try:
        batch = TrackBatch.model_validate_json(bytes(body))  # parsed and checked in one pass
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            reason = first.get("ctx", {}).get("error", "")
            raise ApiError(400, "malformed_json", f"the body is not valid JSON: {reason}") from exc
        raise describe_validation_error(exc, EVENT_TYPES) from exc
    result = await svc.ingestor.ingest(
        batch,
        ClientInfo(
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent", ""),
            origin=request.headers.get("origin"),
        ),
    )
    if request.query_params.get("beacon") != "1":  # nobody reads a beacon's answer
        await _hand_over_offers(svc.sites, svc.outbox, batch.site_key, result)
    return result


async def _hand_over_offers(
    sites: SiteDirectory, outbox: WidgetOutbox, site_key: str, result: TrackResult
) -> None:
    """Offers ride on a stored batch's answer (the widget's only way in, docs/api.md).

    Reached only after the ingest succeeded, so an offer is never spent on an error answer;
    the site is in the directory's cache by now: two dict lookups on the hot path.
    """
    site = await sites.by_key(site_key)
    if site is None:
        return
    result.engage = outbox.take(site.id, result.visit)
    result.beat_ms = outbox.beat_ms(site.id, result.visit)
    await outbox.handed_over(site.id, result.visit, result.engage)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"the batch is larger than {limit // 1024} KiB")
