"""The manager's analytics: what the console charts, the CSV exports and the weekly report read.

Every function takes the filters (site, a half-open time range, optionally one associate) and
answers a dict with the chart's numbers and `rows`, the flat table its CSV export writes.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.analytics import stats
from salon.chat.models import Attribution, ChatAgent, Conversation
from salon.core.clock import as_utc
from salon.floor.live import LiveFloor
from salon.identity.models import Associate, AssociateSite

CustomerLookup = Callable[[str], Awaitable[dict[str, Any] | None]]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_MOMENT_SECONDS = 60.0  # when no chat in the range says when chats start
DEFAULT_HANDLE_SECONDS = 300.0
EVENT_CHUNK = 500


@dataclass(frozen=True)
class Filters:
    site_id: str
    start: datetime  # inclusive, aware UTC
    end: datetime  # exclusive
    associate_id: str | None = None


def live_intent_of(floor: LiveFloor) -> Callable[[str, str], float | None]:
    """For ChatService.live_intent: the floor's current intent score for a visit, if scored."""

    def read(site_id: str, visit_id: str) -> float | None:
        state = floor.state.get(site_id, visit_id)
        insight = state.insight if state is not None else None
        intent = getattr(insight, "intent", None)
        return float(intent) if intent is not None else None

    return read


def in_range(column: Any, f: Filters) -> Any:
    return (column >= f.start) & (column < f.end)


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


# -- the queue ---------------------------------------------------------------------------------
async def _conversations(session: AsyncSession, f: Filters) -> list[Any]:
    query = select(
        Conversation.created_at,
        Conversation.assigned_at,
        Conversation.closed_at,
        Conversation.status,
        Conversation.offline,
        Conversation.associate_id,
        Conversation.rating,
    ).where(Conversation.site_id == f.site_id, in_range(Conversation.created_at, f))
    if f.associate_id:
        query = query.where(Conversation.associate_id == f.associate_id)
    return list((await session.execute(query)).all())


def _seconds(later: datetime | None, earlier: datetime) -> float | None:
    return (as_utc(later) - as_utc(earlier)).total_seconds() if later is not None else None


async def queue(session: AsyncSession, f: Filters) -> dict[str, Any]:
    """Waits (created → assigned) and abandonment (closed while still waiting), live chats only."""
    rows = [r for r in await _conversations(session, f) if not r.offline]
    waits = [w for r in rows if (w := _seconds(r.assigned_at, r.created_at)) is not None]
    abandoned = sum(1 for r in rows if r.assigned_at is None and r.status == "closed")
    waiting = sum(1 for r in rows if r.assigned_at is None and r.status != "closed")
    p50, p90 = stats.percentile(waits, 0.5), stats.percentile(waits, 0.9)
    summary = {
        "chats": len(rows),
        "answered": len(waits),
        "abandoned": abandoned,
        "still_waiting": waiting,
        "abandonment_rate": abandoned / len(rows) if rows else None,
        "wait_p50_seconds": p50,
        "wait_p90_seconds": p90,
        "wait_mean_seconds": statistics.fmean(waits) if waits else None,
    }
    return {**summary, "rows": [summary]}


def _zone(site_settings: dict[str, Any] | None) -> ZoneInfo:
    chat = (site_settings or {}).get("chat") or {}
    hours = chat.get("business_hours") or {}
    try:
        return ZoneInfo(str(hours.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def heatmap(
    session: AsyncSession, f: Filters, site_settings: dict[str, Any] | None
) -> dict[str, Any]:
    """Chats started per weekday and hour, in the site's business-hours time zone."""
    zone = _zone(site_settings)
    cells = [[0] * 24 for _ in range(7)]
    for r in await _conversations(session, f):
        local = as_utc(r.created_at).astimezone(zone)
        cells[local.weekday()][local.hour] += 1
    return {
        "timezone": str(zone),
        "weekdays": list(WEEKDAYS),
        "cells": cells,
        "rows": [
            {"weekday": WEEKDAYS[d], "hour": h, "chats": cells[d][h]}
            for d in range(7)
            for h in range(24)
        ],
    }


def _weekday_count(f: Filters, zone: ZoneInfo) -> list[int]:
    """How many times each weekday occurs in the range (to turn counts into rates)."""
    counts = [0] * 7
    day = f.start.astimezone(zone).date()
    last = (f.end - timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last:
        counts[day.weekday()] += 1
        day += timedelta(days=1)
    return counts


async def staffing(
    session: AsyncSession,
    f: Filters,
    site_settings: dict[str, Any] | None,
    target_wait_seconds: float,
) -> dict[str, Any]:
    """Associates needed at the busiest hour and at an average busy hour (Erlang C)."""
    zone = _zone(site_settings)
    grid = (await heatmap(session, f, site_settings))["cells"]
    days = _weekday_count(f, zone)
    rates = [grid[d][h] / days[d] for d in range(7) for h in range(24) if days[d] and grid[d][h]]
    handles = (await handle_times(session, f))["overall"]
    handle = handles["mean_seconds"] or DEFAULT_HANDLE_SECONDS
    concurrency = await session.scalar(
        select(func.avg(ChatAgent.max_chats))
        .join(AssociateSite, AssociateSite.associate_id == ChatAgent.associate_id)
        .where(AssociateSite.site_id == f.site_id)
    )
    per_associate = max(1, round(float(concurrency or 3)))
    peak = max(rates, default=0.0)
    typical = statistics.fmean(rates) if rates else 0.0
    plans = {
        "busiest_hour": {
            "arrivals_per_hour": round(peak, 2),
            **stats.staffing(peak, handle, target_wait_seconds, per_associate),
        },
        "average_busy_hour": {
            "arrivals_per_hour": round(typical, 2),
            **stats.staffing(typical, handle, target_wait_seconds, per_associate),
        },
    }
    return {
        "target_wait_seconds": target_wait_seconds,
        "service_level": 0.8,
        "handle_seconds": round(handle, 1),
        "handle_measured": handles["mean_seconds"] is not None,
        "chats_per_associate": per_associate,
        **plans,
        "rows": [{"hour": name, **plan} for name, plan in plans.items()],
    }


# -- associates ----------------------------------------------------------------------------------
async def _names(session: AsyncSession, site_id: str) -> dict[str, str]:
    rows = await session.execute(
        select(Associate.id, Associate.name)
        .join(AssociateSite, AssociateSite.associate_id == Associate.id)
        .where(AssociateSite.site_id == site_id)
    )
    return {i: n for i, n in rows}


async def csat(session: AsyncSession, f: Filters) -> dict[str, Any]:
    """Ratings (1-5): mean and the share of 4s and 5s (CSAT), per associate and per ISO week."""
    rated = [r for r in await _conversations(session, f) if r.rating is not None]
    names = await _names(session, f.site_id)
    by_associate: dict[str | None, list[int]] = defaultdict(list)
    by_week: dict[str, list[int]] = defaultdict(list)
    for r in rated:
        by_associate[r.associate_id].append(int(r.rating))
        by_week[iso_week(as_utc(r.created_at))].append(int(r.rating))

    def view(ratings: list[int]) -> dict[str, Any]:
        return {
            "ratings": len(ratings),
            "mean": round(statistics.fmean(ratings), 3),
            "csat": round(sum(1 for x in ratings if x >= 4) / len(ratings), 4),
        }

    associates = sorted(
        (
            {"associate_id": a, "name": names.get(a or "", "(unassigned)"), **view(v)}
            for a, v in by_associate.items()
        ),
        key=lambda row: (-row["ratings"], row["name"]),
    )
    weeks = [{"week": w, **view(v)} for w, v in sorted(by_week.items())]
    return {
        "associates": associates,
        "weeks": weeks,
        "rows": [
            {"associate": a["name"], **{k: a[k] for k in ("ratings", "mean", "csat")}}
            for a in associates
        ],
    }


async def handle_times(session: AsyncSession, f: Filters) -> dict[str, Any]:
    """Assigned → closed, per associate: median, 90th percentile, mean."""
    rows = await _conversations(session, f)
    names = await _names(session, f.site_id)
    per: dict[str | None, list[float]] = defaultdict(list)
    for r in rows:
        if r.assigned_at is not None and (s := _seconds(r.closed_at, r.assigned_at)) is not None:
            per[r.associate_id].append(s)

    def view(values: list[float]) -> dict[str, Any]:
        return {
            "chats": len(values),
            "p50_seconds": stats.percentile(values, 0.5),
            "p90_seconds": stats.percentile(values, 0.9),
            "mean_seconds": statistics.fmean(values) if values else None,
        }

    associates = sorted(
        (
            {"associate_id": a, "name": names.get(a or "", "(unknown)"), **view(v)}
            for a, v in per.items()
        ),
        key=lambda row: (-row["chats"], row["name"]),
    )
    every = [s for v in per.values() for s in v]
    return {
        "overall": view(every),
        "associates": associates,
        "rows": [
            {
                "associate": a["name"],
                **{k: v for k, v in a.items() if k not in ("associate_id", "name")},
            }
            for a in associates
        ],
    }


async def attribution(session: AsyncSession, f: Filters) -> dict[str, Any]:
    """Orders placed in the range and credited to a chat's associate (salon.chat.attribution)."""
    names = await _names(session, f.site_id)
    query = (
        select(
            Attribution.associate_id, func.count(), func.coalesce(func.sum(Attribution.total), 0)
        )
        .where(Attribution.site_id == f.site_id, in_range(Attribution.placed_at, f))
        .group_by(Attribution.associate_id)
    )
    if f.associate_id:
        query = query.where(Attribution.associate_id == f.associate_id)
    associates: list[dict[str, Any]] = sorted(
        (
            {
                "associate_id": a,
                "name": names.get(a or "", "(former associate)"),
                "orders": int(n),
                "revenue": round(float(total), 2),
            }
            for a, n, total in await session.execute(query)
        ),
        key=lambda row: (-row["revenue"], row["name"]),
    )
    return {
        "associates": associates,
        "orders": sum(a["orders"] for a in associates),
        "revenue": round(sum(a["revenue"] for a in associates), 2),
        "rows": [
            {"associate": a["name"], "orders": a["orders"], "revenue": a["revenue"]}
            for a in associates
        ],
    }


def range_days(f: Filters) -> int:
    return max(1, round((f.end - f.start).total_seconds() / 86400))


def day_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
