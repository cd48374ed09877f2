"""The audit log of admin actions: one helper, `record`, called inside the action's transaction.

An entry commits or rolls back with what it records, so the log never claims an action that did
not happen and never misses one that did. Services that open their own transaction (webhooks,
help-desk groups, imports) are wrapped in `recorded(...)`: the entry joins the first transaction
that commits inside the block. Entries are never updated or deleted by the API.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from salon.core.clock import as_utc, utcnow
from salon.identity.service import Actor
from salon.privacy.models import AuditEntry

CLI_ACTOR = "cli"  # actor_email of entries written by `salon` commands on the server
SYSTEM_ACTOR = "system"  # actor_email of scheduled jobs (the retention pass)
MAX_LIMIT = 500
# keys whose values never reach the log, at any depth of `detail`
_SECRET_WORDS = ("secret", "password", "token", "csrf", "hash", "authorization", "cookie")


def scrub(value: Any) -> Any:
    """`detail` without secrets: any key naming one is replaced by "[redacted]"."""
    if isinstance(value, dict):
        return {str(k): "[redacted]" if _is_secret(str(k)) else scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in _SECRET_WORDS)


def _entry(
    actor: Actor | str | None,
    action: str,
    target: str,
    site_id: str | None,
    detail: dict[str, Any] | None,
    ip: str,
) -> AuditEntry:
    if isinstance(actor, Actor):
        actor_id: str | None = actor.associate_id
        email = actor.email
    else:
        actor_id, email = None, actor or CLI_ACTOR
    return AuditEntry(
        site_id=site_id,
        actor_id=actor_id,
        actor_email=email[:254],
        action=action[:40],
        target=target[:200],
        detail=scrub(detail or {}),
        ip=(ip or "")[:64],
        created_at=utcnow(),
    )


async def record(
    session: AsyncSession,
    actor: Actor | str | None,
    action: str,
    target: str,
    site_id: str | None,
    detail: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEntry:
    """Add an entry to `session`'s transaction: it commits (or rolls back) with the action.

    `actor` is the associate, or a label ("cli", "system") for commands and jobs."""
    entry = _entry(actor, action, target, site_id, detail, ip)
    session.add(entry)
    return entry


# -- for services that open their own transaction ----------------------------------------------
TargetOf = Callable[[Session], str]


@dataclass
class Pending:
    actor: Actor | str | None
    action: str
    target: str | TargetOf
    site_id: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    ip: str = ""
    written: bool = False


_pending: contextvars.ContextVar[Pending | None] = contextvars.ContextVar(
    "salon_audit_pending", default=None
)


@contextlib.contextmanager
def recorded(
    actor: Actor | str | None,
    action: str,
    target: str | TargetOf,
    site_id: str | None,
    detail: dict[str, Any] | None = None,
    ip: str = "",
) -> Iterator[Pending]:
    """The entry is written into the first transaction that commits inside the block (the
    service's own), so it commits with the action; nothing is written when the action fails.

    `target` may be a function of the session, for objects whose id the service assigns."""
    pending = Pending(actor, action, target, site_id, dict(detail or {}), ip)
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


def created(kind: type[Any], prefix: str) -> TargetOf:
    """A target naming the (first) object of `kind` the committing transaction holds."""

    def target(session: Session) -> str:
        for obj in [*session.new, *session.identity_map.values()]:
            if isinstance(obj, kind):
                return f"{prefix}:{getattr(obj, 'id', '')}"
        return prefix

    return target


def _write_pending(session: Session) -> None:
    pending = _pending.get()
    if pending is None or pending.written:
        return
    target = pending.target if isinstance(pending.target, str) else pending.target(session)
    session.add(
        _entry(pending.actor, pending.action, target, pending.site_id, pending.detail, pending.ip)
    )
    pending.written = True


# before_commit runs before the final flush: the entry is part of the committing transaction
if not sa_event.contains(Session, "before_commit", _write_pending):
    sa_event.listen(Session, "before_commit", _write_pending)


# -- reading ---------------------------------------------------------------------------------
def entry_view(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "site_id": entry.site_id,
        "actor": {"id": entry.actor_id, "email": entry.actor_email},
        "action": entry.action,
        "target": entry.target,
        "detail": entry.detail,
        "ip": entry.ip,
        "created_at": as_utc(entry.created_at).isoformat(),
    }


async def entries(
    session: AsyncSession, site_id: str, limit: int, before: int | None = None
) -> list[dict[str, Any]]:
    """A site's entries, newest first; `before` is the id of the oldest entry already seen."""
    query = select(AuditEntry).where(AuditEntry.site_id == site_id)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    rows = await session.scalars(query.order_by(AuditEntry.id.desc()).limit(min(limit, MAX_LIMIT)))
    return [entry_view(e) for e in rows.all()]
