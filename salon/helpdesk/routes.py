"""The help desk over HTTP: groups (supervisors manage), threads, search, knowledge snippets."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from salon.core.errors import ApiError
from salon.helpdesk import service, snippets
from salon.helpdesk.live import shopper_context
from salon.helpdesk.models import ExpertGroup
from salon.helpdesk.schemas import (
    AskIn,
    GroupIn,
    ReplyIn,
    SnippetFromThreadIn,
    SnippetIn,
    StatusIn,
)
from salon.helpdesk.search import search
from salon.identity.service import Actor, access_site
from salon.privacy import audit
from salon.web.services import client_ip, current_actor, services

router = APIRouter(tags=["help desk"])
BASE = "/api/sites/{site_id}/helpdesk"


@router.get(BASE + "/groups")
async def groups(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        return {"groups": await service.list_groups(session, site_id, actor)}


async def _group(request: Request, actor: Actor, site_id: str, group_id: str) -> dict[str, Any]:
    async with services(request).db.reader() as session:
        found = await service.list_groups(session, site_id, actor)
    return next(g for g in found if g["id"] == group_id)


@router.post(BASE + "/groups", status_code=201)
async def create_group(
    site_id: str, body: GroupIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    service.require_supervisor(actor, site_id)
    detail = {"name": body.name, "member_ids": body.member_ids}
    target = audit.created(ExpertGroup, "expert_group")
    ip = client_ip(request)
    with audit.recorded(actor, "helpdesk.group_create", target, site_id, detail, ip):
        group_id = await service.save_group(services(request).db, site_id, body)
    return {"group": await _group(request, actor, site_id, group_id)}


@router.put(BASE + "/groups/{group_id}")
async def change_group(
    site_id: str,
    group_id: str,
    body: GroupIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    service.require_supervisor(actor, site_id)
    detail = {"name": body.name, "member_ids": body.member_ids}
    target = f"expert_group:{group_id}"
    ip = client_ip(request)
    with audit.recorded(actor, "helpdesk.group_update", target, site_id, detail, ip):
        await service.save_group(services(request).db, site_id, body, group_id)
    return {"group": await _group(request, actor, site_id, group_id)}


@router.delete(BASE + "/groups/{group_id}", status_code=204)
async def delete_group(
    site_id: str, group_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    """Its threads go with it; snippets saved from them stay."""
    service.require_supervisor(actor, site_id)
    target = f"expert_group:{group_id}"
    with audit.recorded(actor, "helpdesk.group_delete", target, site_id, None, client_ip(request)):
        await service.delete_group(services(request).db, site_id, group_id)
    return Response(status_code=204)


@router.get(BASE + "/threads")
async def threads(
    site_id: str,
    request: Request,
    scope: str = "all",
    conversation_id: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    access_site(actor, site_id)
    if scope not in service.THREAD_SCOPES:
        raise ApiError(422, "invalid", "scope: one of queue, mine, all", "scope")
    async with services(request).db.reader() as session:
        found = await service.list_threads(session, actor, site_id, scope, conversation_id, limit)
    return {"threads": found}


@router.post(BASE + "/threads", status_code=201)
async def ask(
    site_id: str, body: AskIn, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """Ask a group; from a chat (`conversation_id`) the shopper's context goes with it."""
    access_site(actor, site_id)
    svc = services(request)
    context: dict[str, Any] = {}
    if body.conversation_id is not None:
        try:
            conversation = await svc.chat.for_associate(actor, site_id, body.conversation_id)
        except ApiError as exc:
            raise ApiError(404, "not_found", "conversation not found", "conversation_id") from exc
        live = svc.floor.summary(site_id, conversation.visit_id) if conversation.visit_id else None
        async with svc.db.reader() as session:
            context = await shopper_context(session, conversation, live)
    thread = await service.ask(svc.db, svc.bus, actor, site_id, body, context)
    return {"thread": thread}


@router.get(BASE + "/threads/{thread_id}")
async def thread(
    site_id: str, thread_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    async with services(request).db.reader() as session:
        found = await service.access_thread(session, actor, site_id, thread_id)
        return {"thread": (await service.thread_views(session, [found], actor))[0]}


@router.post(BASE + "/threads/{thread_id}/messages", status_code=201)
async def reply(
    site_id: str,
    thread_id: str,
    body: ReplyIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """An expert's answer, or the asker's follow-up."""
    svc = services(request)
    found = await service.reply(svc.db, svc.bus, actor, site_id, thread_id, body.body)
    return {"thread": found}


@router.post(BASE + "/threads/{thread_id}/status")
async def status(
    site_id: str,
    thread_id: str,
    body: StatusIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    svc = services(request)
    found = await service.set_status(svc.db, svc.bus, actor, site_id, thread_id, body.status)
    return {"thread": found}


@router.get(BASE + "/search")
async def find(
    site_id: str, request: Request, q: str = "", actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """Threads and snippets holding every word of `q`; title hits first."""
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        return {"query": q, "results": await search(session, site_id, q)}


@router.get(BASE + "/snippets")
async def list_snippets(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    access_site(actor, site_id)
    async with services(request).db.reader() as session:
        return {"snippets": await snippets.list_snippets(session, site_id)}


@router.post(BASE + "/snippets", status_code=201)
async def keep_snippet(
    site_id: str,
    body: SnippetFromThreadIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """Keep an answered thread as a snippet; it is also a canned reply from now on."""
    access_site(actor, site_id)
    return {"snippet": await snippets.save_snippet(services(request).db, actor, site_id, body)}


@router.put(BASE + "/snippets/{snippet_id}")
async def change_snippet(
    site_id: str,
    snippet_id: str,
    body: SnippetIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    db = services(request).db
    return {"snippet": await snippets.update_snippet(db, actor, site_id, snippet_id, body)}


@router.delete(BASE + "/snippets/{snippet_id}", status_code=204)
async def remove_snippet(
    site_id: str, snippet_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> Response:
    await snippets.delete_snippet(services(request).db, actor, site_id, snippet_id)
    return Response(status_code=204)
