"""The import API: the same all-or-nothing import as `salon import`, for a store's own systems."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from salon.catalog.imports.reader import Format
from salon.catalog.imports.schemas import KINDS
from salon.catalog.imports.service import run_import, unknown_kind
from salon.core.errors import ApiError, error_body
from salon.identity import policy
from salon.identity.service import Actor, access_site
from salon.privacy import audit
from salon.web.services import client_ip, current_actor, services

router = APIRouter(tags=["import"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024
# an import that creates or re-roles accounts could promote its sender: admins only
ADMIN_ONLY_KINDS = frozenset({"associates"})
CONTENT_TYPES: dict[str, Format] = {"text/csv": "csv", "application/json": "json"}


async def _body(request: Request) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (not after reading it all)."""
    too_big = ApiError(
        413, "too_large", f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB"
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_IMPORT_BYTES:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/api/sites/{site_id}/imports/{kind}", response_model=None)
async def import_rows(
    site_id: str,
    kind: str,
    request: Request,
    dry_run: bool = False,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any] | JSONResponse:
    """200 with the report when it committed (or dry-ran) cleanly; 422 with it on row errors."""
    access_site(actor, site_id)
    policy.require(actor, "import.run")
    if kind not in KINDS:
        raise unknown_kind(kind)
    if kind in ADMIN_ONLY_KINDS:
        policy.require(actor, "import.associates")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = CONTENT_TYPES.get(media)
    if fmt is None:
        raise ApiError(
            415, "unsupported_media_type", "send the file as text/csv or application/json"
        )
    payload = await _body(request)
    db = services(request).db
    if dry_run:
        report = await run_import(db, site_id, kind, payload, fmt, dry_run)
    else:  # the audit entry commits with the rows, or not at all
        detail = {"kind": kind, "format": fmt, "bytes": len(payload)}
        with audit.recorded(
            actor, "import.commit", f"import:{kind}", site_id, detail, client_ip(request)
        ):
            report = await run_import(db, site_id, kind, payload, fmt, dry_run)
    if report.errors:
        first = report.errors[0]
        message = f"{len(report.errors)} problem(s), nothing was imported; first: line {first.line}"
        message += f", {first.column}: {first.reason}" if first.column else f": {first.reason}"
        body = error_body("invalid_rows", message, first.column)
        return JSONResponse({**body, "report": report.as_dict()}, status_code=422)
    return report.as_dict()
