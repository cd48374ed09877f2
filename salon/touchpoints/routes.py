"""The console's Tools panel over HTTP: list the tools, preview one for a conversation.

Sending goes through the chat (a message of kind `card`, see salon/chat/console_routes.py) so it
shares the chat's idempotency, ordering and fan-out; these routes never change anything.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from salon.identity.service import Actor
from salon.touchpoints import service
from salon.web.services import current_actor, services

router = APIRouter(tags=["touchpoints"])


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Annotated[str, Field(min_length=1, max_length=32)]
    params: dict[str, Any] = Field(default_factory=dict)


@router.get("/api/sites/{site_id}/tools")
async def list_tools(
    site_id: str,
    request: Request,
    conversation_id: Annotated[str | None, Query(max_length=32)] = None,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """The tools, and with a conversation the form defaults from the shopper's live visit."""
    tools = service.tool_list(actor, site_id)
    defaults = (
        await service.visit_defaults(services(request), actor, site_id, conversation_id)
        if conversation_id
        else {}
    )
    return {"tools": tools, "defaults": defaults}


@router.post("/api/sites/{site_id}/tools/{name}")
async def preview_tool(
    site_id: str,
    name: str,
    body: PreviewIn,
    request: Request,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any]:
    """Read-only: the card as the shopper would see it, the associate's context, warnings."""
    return await service.preview(
        services(request), actor, site_id, name, body.conversation_id, body.params
    )
