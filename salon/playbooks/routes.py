"""Playbooks over HTTP: supervisors write them, everyone on the site reads results and tasks.

`POST /api/coupons/check` is the storefront's: would this code apply to this basket?
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.clock import utcnow
from salon.core.errors import ApiError, describe_validation_error, field_path
from salon.customers.models import Customer
from salon.identity import policy
from salon.identity.models import Site
from salon.identity.service import Actor, RateLimiter, access_site
from salon.offers.service import describe_discount
from salon.playbooks import conditions, service
from salon.playbooks import coupons as coupon_rules
from salon.playbooks.models import Playbook
from salon.playbooks.schemas import ACTION_TYPES, BudgetIn, EnabledIn, PlaybookIn
from salon.playbooks.signals import visit_signals
from salon.privacy import audit
from salon.tracking.models import Visitor
from salon.tracking.service import check_origin
from salon.web.services import client_ip, current_actor, services

router = APIRouter(tags=["playbooks"])
public_router = APIRouter(tags=["playbooks"])
COUPON_CHECKS = RateLimiter(60, 60)  # per IP and site: codes cannot be guessed by brute force


def _supervisor(actor: Actor, site_id: str) -> None:
    access_site(actor, site_id)
    policy.require(actor, "playbooks.write")


async def _body(request: Request, model: type[PlaybookIn]) -> PlaybookIn:
    try:
        raw = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first.get("loc", ()))
        if len(loc) > 2 and loc[0] == "actions" and loc[2] in ACTION_TYPES:
            del loc[2]  # the union's tag ("coupon"), not a field; `tag` may be both
        path = field_path(loc) or "body"
        raise ApiError(422, "invalid", f"{path}: {first.get('msg')}", field=path) from exc


@router.get("/api/sites/{site_id}/playbooks/signals")
async def signal_catalogue(site_id: str, actor: Actor = Depends(current_actor)) -> dict[str, Any]:
    """What a trigger may read and how: for the console's editor."""
    access_site(actor, site_id)
    return {
        "signals": [
            {"name": name, "kind": s.kind, "help": s.help, "choices": list(s.choices)}
            for name, s in conditions.SIGNALS.items()
        ],
        "operators": conditions.OPERATORS,
        "actions": list(ACTION_TYPES),
        "limits": {"depth": conditions.MAX_DEPTH, "nodes": conditions.MAX_NODES},
    }


@router.get("/api/sites/{site_id}/playbooks")
async def list_playbooks(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    svc = services(request)
    async with svc.db.reader() as session:
        found = await service.list_playbooks(session, site_id)
        out = []
        for playbook in found:
            view = service.playbook_view(playbook)
            view["lift"] = await service.lift(session, playbook.id)
            out.append(view)
    return {"playbooks": out}


async def _audit_save(
    session: AsyncSession, actor: Actor, playbook: Playbook, request: Request, created: bool
) -> None:
    """A saved playbook in the audit log, in the save's own transaction."""
    await audit.record(
        session,
        actor,
        "playbook.save",
        f"playbook:{playbook.id}",
        playbook.site_id,
        {"name": playbook.name, "version": playbook.version, "created": created},
        client_ip(request),
    )


@router.post("/api/sites/{site_id}/playbooks", status_code=201)
async def create(site_id: str, request: Request, actor: Actor = Depends(current_actor)) -> Any:
    _supervisor(actor, site_id)
    data = await _body(request, PlaybookIn)
    svc = services(request)
    async with svc.db.writer() as session:
        playbook = await service.create_playbook(session, site_id, data, actor.associate_id)
        view = service.playbook_view(playbook)
        await _audit_save(session, actor, playbook, request, created=True)
    svc.playbooks.invalidate(site_id)
    return {"playbook": view}


@router.post("/api/sites/{site_id}/playbooks/preview")
async def preview(site_id: str, request: Request, actor: Actor = Depends(current_actor)) -> Any:
    """Check a trigger without saving it: its words, and which shoppers on the floor match now."""
    access_site(actor, site_id)
    try:
        raw = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from exc
    if not isinstance(raw, dict) or "trigger" not in raw:
        raise ApiError(422, "invalid", "trigger: missing", field="trigger")
    tree = conditions.validate(raw["trigger"])
    svc = services(request)
    now = time.time()
    matching = [
        state.visit_id
        for state in svc.floor.state.visits(site_id)
        if conditions.evaluate(
            tree,
            visit_signals(
                state, now, vip_value=svc.floor.rules.high_value_customer, business_hours=True
            ),
        )
    ]
    return {"trigger": tree, "text": conditions.describe(tree), "matching_visits": matching}


@router.get("/api/sites/{site_id}/playbooks/{playbook_id}")
async def read(
    site_id: str, playbook_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        playbook = await service.get_playbook(session, site_id, playbook_id)
        return {
            "playbook": service.playbook_view(playbook),
            "versions": await service.versions(session, playbook_id),
            "lift": await service.lift(session, playbook_id),
        }


@router.put("/api/sites/{site_id}/playbooks/{playbook_id}")
async def change(
    site_id: str,
    playbook_id: str,
    request: Request,
    version: Annotated[int | None, Query(ge=1)] = None,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """A new version; `?version=N` refuses (409) if someone saved another change first."""
    _supervisor(actor, site_id)
    data = await _body(request, PlaybookIn)
    svc = services(request)
    async with svc.db.writer() as session:
        playbook = await service.get_playbook(session, site_id, playbook_id)
        await service.update_playbook(session, playbook, data, actor.associate_id, version)
        view = service.playbook_view(playbook)
        await _audit_save(session, actor, playbook, request, created=False)
    svc.playbooks.invalidate(site_id)
    return {"playbook": view}


@router.post("/api/sites/{site_id}/playbooks/{playbook_id}/enabled")
async def enable(
    site_id: str,
    playbook_id: str,
    body: EnabledIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    _supervisor(actor, site_id)
    svc = services(request)
    async with svc.db.writer() as session:
        playbook = await service.get_playbook(session, site_id, playbook_id)
        playbook.enabled = body.enabled
        view = service.playbook_view(playbook)
        await audit.record(
            session,
            actor,
            "playbook.enable",
            f"playbook:{playbook.id}",
            site_id,
            {"enabled": body.enabled},
            client_ip(request),
        )
    svc.playbooks.invalidate(site_id)
    return {"playbook": view}


@router.get("/api/sites/{site_id}/playbooks/{playbook_id}/firings")
async def firing_log(
    site_id: str,
    playbook_id: str,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before: datetime | None = None,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """Every firing, newest first: who, when, treated or held out, the signal values."""
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        await service.get_playbook(session, site_id, playbook_id)
        return {"firings": await service.firings(session, site_id, playbook_id, limit, before)}


@router.get("/api/sites/{site_id}/playbooks/{playbook_id}/lift")
async def lift(
    site_id: str, playbook_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        await service.get_playbook(session, site_id, playbook_id)
        return await service.lift(session, playbook_id)


@router.get("/api/sites/{site_id}/playbook-coupons")
async def issued(
    site_id: str,
    request: Request,
    playbook_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """The personal codes playbooks gave, newest first, and which were used on which order."""
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        return {"coupons": await service.issued_coupons(session, site_id, playbook_id, limit)}


@router.get("/api/sites/{site_id}/coupon-budget")
async def budget(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    svc = services(request)
    now = utcnow()
    async with svc.db.reader() as session:
        site = await session.get(Site, site_id)
        cap = await coupon_rules.daily_cap(site.settings if site else {})
        committed = await coupon_rules.budget_today(session, site_id, now)
    return {"daily_cap": float(cap), "committed_today": float(committed), "day": str(now.date())}


@router.put("/api/sites/{site_id}/coupon-budget")
async def set_budget(
    site_id: str, body: BudgetIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    _supervisor(actor, site_id)
    svc = services(request)
    async with svc.db.writer() as session:
        site = await session.get(Site, site_id)
        if site is None:
            raise ApiError(404, "not_found", "site not found")
        settings = dict(site.settings or {})
        settings["playbooks"] = {
            **(settings.get("playbooks") or {}),
            "coupon_daily_budget": body.daily_cap,
        }
        site.settings = settings
        await audit.record(
            session,
            actor,
            "site.settings",
            f"site:{site_id}",
            site_id,
            {"coupon_daily_budget": body.daily_cap},
            client_ip(request),
        )
    svc.playbooks.invalidate(site_id, site_settings=True)
    return {"daily_cap": body.daily_cap}


@router.get("/api/sites/{site_id}/tasks")
async def task_list(
    site_id: str,
    request: Request,
    status: Annotated[str | None, Query(pattern="^(open|done)$")] = "open",
    mine: bool = False,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """Follow-ups the playbooks queued; `mine=true`: mine and the team's unassigned ones."""
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        found = await service.tasks(session, site_id, status, actor.associate_id if mine else None)
    return {"tasks": found}


@router.post("/api/sites/{site_id}/tasks/{task_id}/done")
async def task_done(
    site_id: str, task_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    async with services(request).db.writer() as session:
        task = await service.finish_task(session, site_id, task_id)
        return {"task": service.task_view(task)}


# -- the storefront's coupon check --------------------------------------------------------------
class CouponCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site_key: Annotated[str, Field(min_length=1, max_length=64)]
    code: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
    cart_total: Annotated[Decimal, Field(ge=0, le=10_000_000, max_digits=12, decimal_places=2)]
    visitor_id: Annotated[str | None, Field(pattern=r"^[0-9a-f]{32}$")] = None
    customer_id: Annotated[str | None, Field(max_length=64)] = None


def _cors(origin: str | None) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}


@public_router.options("/api/coupons/check", include_in_schema=False)
async def check_preflight(request: Request) -> Response:
    headers = {
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": "600",
        **_cors(request.headers.get("origin")),
    }
    return Response(status_code=204, headers=headers)


@public_router.post("/api/coupons/check")
async def check_coupon(request: Request, response: Response) -> dict[str, Any]:
    """Would this code apply to this basket, for this shopper? Changes nothing."""
    origin = request.headers.get("origin")
    cors = _cors(origin)
    try:
        answer = await _check(request, origin)
    except ApiError as exc:
        exc.headers = {**(exc.headers or {}), **cors}
        raise
    response.headers.update(cors)
    return answer


async def _check(request: Request, origin: str | None) -> dict[str, Any]:
    svc = services(request)
    body = await request.body()
    if len(body) > 4096:
        raise ApiError(413, "too_large", "a coupon check is under 4 KB")
    try:
        data = CouponCheckIn.model_validate_json(body)
    except ValidationError as exc:
        raise describe_validation_error(exc) from exc
    site = await svc.sites.by_key(data.site_key)
    if site is None:
        raise ApiError(404, "unknown_site", "no site has this key", field="site_key")
    check_origin(site, origin)
    await COUPON_CHECKS.take(f"{client_ip(request)}:{site.id}", "coupon checks")
    async with svc.db.reader() as session:
        customer_id = None
        if data.customer_id:
            customer_id = await session.scalar(
                select(Customer.id).where(
                    Customer.site_id == site.id, Customer.external_id == data.customer_id
                )
            )
        visitor = None
        if data.visitor_id:  # the widget's id for the browser; coupons hold Salon's
            found = (
                await session.execute(
                    select(Visitor.id, Visitor.customer_id).where(
                        Visitor.site_id == site.id, Visitor.visitor_key == data.visitor_id
                    )
                )
            ).first()
            if found is not None:
                visitor, customer_id = found[0], customer_id or found[1]
        result = await coupon_rules.check(
            session, site.id, data.code, data.cart_total, visitor, customer_id
        )
    if not result.valid:
        return {"valid": False, "reason": result.reason, "message": result.message}
    assert result.coupon is not None
    discount = result.discount
    return {
        "valid": True,
        "code": result.coupon.code,
        "discount": float(discount),
        "label": describe_discount(result.coupon.kind, result.coupon.value),
        "total_after": float(data.cart_total - discount),
    }
