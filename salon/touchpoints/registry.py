"""Every tool in one registry: its parameters, who may see it, how it builds its answer.

A tool is an async function `build(ctx, params) -> ToolResult`. The console previews a tool with
`GET /api/sites/{site}/tools/{name}?conversation_id=...&<params>` and sends it to the shopper by
posting a message of kind `card` with `{"tool": name, "params": {...}}`: the server runs the same
tool again and stores the card it built (never the console's copy).

Previews are read-only. A tool that changes something (reserve an item in a store, book an
appointment) also has an `act` function: the send path runs `act` instead of `build`, inside a
writer session, and stores the confirmation card it returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from salon.floor.state import VisitState
from salon.touchpoints.cards import Card


class ToolParams(BaseModel):
    """Base of every tool's parameters: unknown keys are refused with a clear 422."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass
class ToolContext:
    """What a tool may know: the store, the shopper in this chat, and a read-only session."""

    session: AsyncSession
    site_id: str
    store_url: str  # where relative product links and images point
    visitor_id: str | None = None
    customer_id: str | None = None  # internal id, when the shopper is identified
    visit: VisitState | None = None  # the live visit (cart, products viewed), when on the floor
    now: float | None = None


@dataclass
class ToolResult:
    card: Card | None  # None: nothing to send (the console shows `context` only)
    context: dict[str, Any] = field(default_factory=dict)  # for the associate only, never sent


@dataclass(frozen=True)
class Tool:
    name: str
    label: str  # the console's button
    params: type[ToolParams]
    build: Callable[[ToolContext, Any], Awaitable[ToolResult]]
    sendable: bool = True  # training notes are for the associate only
    act: Callable[[ToolContext, Any], Awaitable[ToolResult]] | None = None


TOOLS: dict[str, Tool] = {}


def tool(
    name: str, label: str, params: type[ToolParams], sendable: bool = True
) -> Callable[
    [Callable[[ToolContext, Any], Awaitable[ToolResult]]],
    Callable[[ToolContext, Any], Awaitable[ToolResult]],
]:
    """Register a tool; the module defining it must be imported by `load_tools()`."""

    def register(
        build: Callable[[ToolContext, Any], Awaitable[ToolResult]],
    ) -> Callable[[ToolContext, Any], Awaitable[ToolResult]]:
        if name in TOOLS:
            raise RuntimeError(f"tool {name!r} registered twice")
        TOOLS[name] = Tool(name, label, params, build, sendable)
        return build

    return register


def load_tools() -> dict[str, Tool]:
    """Import the tool modules (registration happens on import) and return the registry."""
    from salon.touchpoints import customer_tools as _customer  # noqa: F401
    from salon.touchpoints import guide_tools as _guide  # noqa: F401
    from salon.touchpoints import product_tools as _product  # noqa: F401
    from salon.touchpoints import store_tools as _store  # noqa: F401

    return TOOLS


def action(
    name: str,
) -> Callable[
    [Callable[[ToolContext, Any], Awaitable[ToolResult]]],
    Callable[[ToolContext, Any], Awaitable[ToolResult]],
]:
    """Attach the write half to a registered tool: `@action("reserve")` below `@tool(...)`."""

    def register(
        act: Callable[[ToolContext, Any], Awaitable[ToolResult]],
    ) -> Callable[[ToolContext, Any], Awaitable[ToolResult]]:
        registered = TOOLS[name]
        TOOLS[name] = Tool(
            registered.name,
            registered.label,
            registered.params,
            registered.build,
            registered.sendable,
            act,
        )
        return act

    return register
