"""Playbooks as the console and the API see them: create, change (a new version), read results."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.clock import as_utc, utcnow
from salon.core.errors import ApiError, not_found
from salon.core.ids import new_id
from salon.offers.models import Coupon
from salon.playbooks import conditions
from salon.playbooks.lift import Group, lift_report
from salon.playbooks.models import Firing, FollowUpTask, Playbook, PlaybookVersion
from salon.playbooks.schemas import PlaybookIn


async def create_playbook(
    session: AsyncSession, site_id: str, data: PlaybookIn, actor_id: str | None
) -> Playbook:
    now = utcnow()
    definition = data.definition()
    playbook = Playbook(
        id=new_id(),
        site_id=site_id,
        name=data.name,
        description=data.description,
        enabled=data.enabled,
        version=1,
        trigger=definition["trigger"],
        actions=definition["actions"],
        caps=definition["caps"],
        holdout_percent=data.holdout_percent,
        salt=secrets.token_hex(16),
        created_at=now,
        updated_at=now,
        updated_by=actor_id,
    )
    session.add(playbook)
    await session.flush()
    session.add(
        PlaybookVersion(
            id=new_id(),
            playbook_id=playbook.id,
            version=1,
            definition=definition,
            created_at=now,
            created_by=actor_id,
        )
    )
    return playbook


async def list_playbooks(session: AsyncSession, site_id: str) -> list[Playbook]:
    found = await session.scalars(
        select(Playbook).where(Playbook.site_id == site_id).order_by(Playbook.created_at)
    )
    return list(found.all())


async def get_playbook(session: AsyncSession, site_id: str, playbook_id: str) -> Playbook:
    playbook = await session.get(Playbook, playbook_id)
    if playbook is None or playbook.site_id != site_id:
        raise not_found("playbook")
    return playbook


async def update_playbook(
    session: AsyncSession,
    playbook: Playbook,
    data: PlaybookIn,
    actor_id: str | None,
    expected_version: int | None,
) -> Playbook:
    """A changed definition is a new version; the old one stays, and so do its firings."""
    if expected_version is not None and expected_version != playbook.version:
        raise ApiError(
            409,
            "version_conflict",
            f"the playbook is at version {playbook.version}, not {expected_version}: reload it",
            field="version",
        )
    definition = data.definition()
    now = utcnow()
    playbook.version += 1
    playbook.name, playbook.description = data.name, data.description
    playbook.enabled = data.enabled
    playbook.trigger, playbook.actions = definition["trigger"], definition["actions"]
    playbook.caps, playbook.holdout_percent = definition["caps"], data.holdout_percent
    playbook.updated_at, playbook.updated_by = now, actor_id
    session.add(
        PlaybookVersion(
            id=new_id(),
            playbook_id=playbook.id,
            version=playbook.version,
            definition=definition,
            created_at=now,
            created_by=actor_id,
        )
    )
    await session.flush()
    return playbook


def playbook_view(playbook: Playbook) -> dict[str, Any]:
    return {
        "id": playbook.id,
        "name": playbook.name,
        "description": playbook.description,
        "enabled": playbook.enabled,
        "version": playbook.version,
        "trigger": playbook.trigger,
        "trigger_text": conditions.describe(playbook.trigger),
        "actions": playbook.actions,
        "caps": playbook.caps,
        "holdout_percent": playbook.holdout_percent,
        "updated_at": as_utc(playbook.updated_at).isoformat(),
    }


async def versions(session: AsyncSession, playbook_id: str) -> list[dict[str, Any]]:
    rows = (
        await session.scalars(
            select(PlaybookVersion)
            .where(PlaybookVersion.playbook_id == playbook_id)
            .order_by(PlaybookVersion.version.desc())
        )
    ).all()
    return [
        {
            "version": v.version,
            "definition": v.definition,
            "created_at": as_utc(v.created_at).isoformat(),
            "created_by": v.created_by,
        }
        for v in rows
    ]


def firing_view(firing: Firing) -> dict[str, Any]:
    return {
        "id": firing.id,
        "playbook_id": firing.playbook_id,
        "version": firing.version,
        "group": firing.group,
        "visit_id": firing.visit_id,
        "visitor_id": firing.visitor_id,
        "customer_id": firing.customer_id,
        "signals": firing.signals,
        "actions": firing.actions,
        "offer_status": firing.offer_status,
        "coupon_code": firing.coupon_code,
        "fired_at": as_utc(firing.fired_at).isoformat(),
        "converted": firing.converted,
        "order_total": float(firing.order_total),
    }


async def firings(
    session: AsyncSession,
    site_id: str,
    playbook_id: str | None,
    limit: int,
    before: datetime | None = None,
) -> list[dict[str, Any]]:
    query = select(Firing).where(Firing.site_id == site_id)
    if playbook_id:
        query = query.where(Firing.playbook_id == playbook_id)
    if before is not None:
        query = query.where(Firing.fired_at < before)
    rows = (
        await session.scalars(query.order_by(Firing.fired_at.desc(), Firing.id).limit(limit))
    ).all()
    return [firing_view(f) for f in rows]


async def lift(session: AsyncSession, playbook_id: str) -> dict[str, Any]:
    """Treated against hold-out over every firing of the playbook (all versions)."""
    rows = await session.execute(
        select(
            Firing.group,
            func.count(),
            func.sum(case((Firing.converted.is_(True), 1), else_=0)),
            func.coalesce(func.sum(Firing.order_total), 0),
        )
        .where(Firing.playbook_id == playbook_id)
        .group_by(Firing.group)
    )
    groups = {g: Group(int(n), int(c or 0), float(r or 0)) for g, n, c, r in rows}
    cost = await session.scalar(
        select(func.coalesce(func.sum(Coupon.discount), 0)).where(
            Coupon.playbook_id == playbook_id, Coupon.redemptions > 0
        )
    )
    issued = await session.execute(
        select(func.count(), func.sum(case((Coupon.redemptions > 0, 1), else_=0))).where(
            Coupon.playbook_id == playbook_id
        )
    )
    n_issued, n_redeemed = issued.one()
    report = lift_report(
        groups.get("treated", Group(0, 0, 0.0)),
        groups.get("holdout", Group(0, 0, 0.0)),
        float(cost or 0),
    )
    report["coupons"] = {"issued": int(n_issued or 0), "redeemed": int(n_redeemed or 0)}
    return report


async def issued_coupons(
    session: AsyncSession, site_id: str, playbook_id: str | None, limit: int
) -> list[dict[str, Any]]:
    query = select(Coupon).where(Coupon.site_id == site_id, Coupon.playbook_id.is_not(None))
    if playbook_id:
        query = query.where(Coupon.playbook_id == playbook_id)
    rows = (await session.scalars(query.order_by(Coupon.created_at.desc()).limit(limit))).all()
    return [
        {
            "code": c.code,
            "kind": c.kind,
            "value": float(c.value),
            "max_discount": float(c.max_discount) if c.max_discount is not None else None,
            "min_basket": float(c.min_cart_total),
            "playbook_id": c.playbook_id,
            "firing_id": c.firing_id,
            "customer_id": c.customer_id,
            "issued_at": as_utc(c.created_at).isoformat(),
            "expires_at": as_utc(c.expires_at).isoformat() if c.expires_at else None,
            "redeemed": c.redemptions > 0,
            "redeemed_at": as_utc(c.redeemed_at).isoformat() if c.redeemed_at else None,
            "order_id": c.order_id,
            "discount": float(c.discount),
        }
        for c in rows
    ]


def task_view(task: FollowUpTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "customer_id": task.customer_id,
        "associate_id": task.associate_id,
        "firing_id": task.firing_id,
        "title": task.title,
        "note": task.note,
        "status": task.status,
        "due_at": as_utc(task.due_at).isoformat(),
        "created_at": as_utc(task.created_at).isoformat(),
        "done_at": as_utc(task.done_at).isoformat() if task.done_at else None,
    }


async def tasks(
    session: AsyncSession, site_id: str, status: str | None, associate_id: str | None
) -> list[dict[str, Any]]:
    query = select(FollowUpTask).where(FollowUpTask.site_id == site_id)
    if status:
        query = query.where(FollowUpTask.status == status)
    if associate_id:
        query = query.where(
            (FollowUpTask.associate_id == associate_id) | FollowUpTask.associate_id.is_(None)
        )
    rows = (await session.scalars(query.order_by(FollowUpTask.due_at).limit(200))).all()
    return [task_view(t) for t in rows]


async def finish_task(session: AsyncSession, site_id: str, task_id: str) -> FollowUpTask:
    task = await session.get(FollowUpTask, task_id)
    if task is None or task.site_id != site_id:
        raise not_found("task")
    if task.status != "done":
        task.status, task.done_at = "done", utcnow()
    return task
