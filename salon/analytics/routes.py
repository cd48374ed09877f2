"""Analytics over HTTP: one endpoint per chart, as JSON, CSV (`?format=csv`) or SVG (`?format=svg`).

`GET /api/sites/{site}/analytics/{chart}?from=2026-11-01&to=2026-11-30&associate_id=…`: both dates
inclusive, in UTC; without them the last 28 days. Supervisors and admins of the site only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.analytics import charts, conversion, outcomes, service
from salon.analytics.service import Filters
from salon.core.clock import utcnow
from salon.core.errors import ApiError
from salon.floor.service import customer_lookup
from salon.identity import policy
from salon.identity.models import Associate, AssociateSite
from salon.identity.service import Actor, access_site
from salon.web.services import Services, current_actor, services

router = APIRouter(tags=["analytics"])
DEFAULT_DAYS = 28
MAX_DAYS = 366


@router.get("/api/sites/{site_id}/analytics")
async def index(
    site_id: str, request: Request, actor: Actor = Depends(current_actor)
) -> dict[str, Any]:
    """The charts there are, and the site's associates (for the filter)."""
    _manager(actor, site_id)
    async with services(request).db.reader() as session:
        rows = await session.execute(
            select(Associate.id, Associate.name)
            .join(AssociateSite, AssociateSite.associate_id == Associate.id)
            .where(AssociateSite.site_id == site_id)
            .order_by(Associate.name)
        )
        associates = [{"id": i, "name": n} for i, n in rows]
    return {"charts": list(CHARTS), "associates": associates, "default_days": DEFAULT_DAYS}


@router.get(
    "/api/sites/{site_id}/analytics/{chart}",
    response_model=None,
    responses={200: {"content": {"text/csv": {}, "image/svg+xml": {}}}},  # format=csv, svg
)
async def chart(
    site_id: str,
    chart: str,
    request: Request,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    associate_id: Annotated[str | None, Query(max_length=32, pattern="^[0-9a-f]{1,32}$")] = None,
    format: Annotated[str, Query(pattern="^(json|csv|svg)$")] = "json",
    target_wait: Annotated[float, Query(ge=1, le=3600)] = 60.0,
    actor: Actor = Depends(current_actor),
) -> dict[str, Any] | Response:
    _manager(actor, site_id)
    if chart not in CHARTS:
        raise ApiError(404, "not_found", f"no chart named {chart[:40]!r}")
    filters = _filters(site_id, start, end, associate_id)
    svc = services(request)
    async with svc.db.reader() as session:
        if associate_id is not None:
            member = await session.scalar(
                select(AssociateSite.associate_id).where(
                    AssociateSite.site_id == site_id, AssociateSite.associate_id == associate_id
                )
            )
            if member is None:
                raise ApiError(
                    422, "invalid", "associate_id: not an associate of this site", "associate_id"
                )
        compute, _ = CHARTS[chart]
        data = await compute(Context(svc, session, filters, target_wait))
    data = {
        "chart": chart,
        "from": filters.start.date().isoformat(),
        "to": (filters.end - timedelta(days=1)).date().isoformat(),
        "associate_id": associate_id,
        **data,
    }
    if format == "csv":
        return _csv(chart, data)
    if format == "svg":
        return Response(
            CHARTS[chart][1](data),
            media_type="image/svg+xml",
            headers={"Cache-Control": "no-store"},
        )
    return data


def _manager(actor: Actor, site_id: str) -> None:
    access_site(actor, site_id)
    policy.require(actor, "analytics.read")


def _filters(site_id: str, start: date | None, end: date | None, associate: str | None) -> Filters:
    today = utcnow().date()
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ApiError(422, "invalid", "from: after to", field="from")
    if (end - start).days >= MAX_DAYS:
        raise ApiError(422, "invalid", f"from: the range is at most {MAX_DAYS} days", field="from")
    begin = service.day_start(datetime(start.year, start.month, start.day))
    return Filters(
        site_id,
        begin,
        service.day_start(datetime(end.year, end.month, end.day)) + timedelta(days=1),
        associate,
    )


def _cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @: a text cell gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _csv(chart: str, data: dict[str, Any]) -> Response:
    rows: list[dict[str, Any]] = data.get("rows") or []
    out = io.StringIO()
    columns = list(rows[0]) if rows else ["no_data"]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    name = f"analytics-{chart}-{data['from']}-{data['to']}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


# -- the charts ----------------------------------------------------------------------------------
class Context:
    def __init__(
        self, svc: Services, session: AsyncSession, filters: Filters, target_wait: float
    ) -> None:
        self.svc, self.session, self.filters, self.target_wait = svc, session, filters, target_wait

    async def site_settings(self) -> dict[str, Any]:
        site = await self.svc.sites.by_id(self.filters.site_id)
        return dict(site.settings) if site and isinstance(site.settings, dict) else {}


async def _conversion(c: Context) -> dict[str, Any]:
    scorer = c.svc.floor.scorer
    return await conversion.conversion(c.session, c.filters, scorer, customer_lookup(c.svc.db))


def _conversion_svg(d: dict[str, Any]) -> str:
    rows = d["rows"]
    return charts.bars(
        "Conversion lift of a chat (points; 95% interval)",
        ["Naive: with vs without", "Adjusted for intent"],
        [r["difference"] * 100 if r["difference"] is not None else None for r in rows],
        "{:+.1f} pts",
        [(r["low"] * 100, r["high"] * 100) if r["low"] is not None else None for r in rows],
    )


async def _queue(c: Context) -> dict[str, Any]:
    return await service.queue(c.session, c.filters)


def _queue_svg(d: dict[str, Any]) -> str:
    return charts.bars(
        "Queue wait (seconds)",
        ["Median wait", "90th percentile"],
        [d["wait_p50_seconds"], d["wait_p90_seconds"]],
        "{:,.0f} s",
    )


async def _heatmap(c: Context) -> dict[str, Any]:
    return await service.heatmap(c.session, c.filters, await c.site_settings())


def _heatmap_svg(d: dict[str, Any]) -> str:
    return charts.heat(f"Chats per hour ({d['timezone']})", d["weekdays"], d["cells"])


async def _staffing(c: Context) -> dict[str, Any]:
    return await service.staffing(c.session, c.filters, await c.site_settings(), c.target_wait)


def _staffing_svg(d: dict[str, Any]) -> str:
    plans = [d["busiest_hour"], d["average_busy_hour"]]
    return charts.bars(
        f"Associates needed for 80% answered within {d['target_wait_seconds']:.0f} s",
        ["Busiest hour", "Average busy hour"],
        [p["associates"] if p["arrivals_per_hour"] else None for p in plans],
    )


async def _csat(c: Context) -> dict[str, Any]:
    return await service.csat(c.session, c.filters)


def _csat_svg(d: dict[str, Any]) -> str:
    return charts.bars(
        "CSAT per associate (share of 4 and 5 stars)",
        [a["name"] for a in d["associates"]],
        [a["csat"] * 100 for a in d["associates"]],
        "{:.0f}%",
    )


def _csat_weekly_svg(d: dict[str, Any]) -> str:
    return charts.lines(
        "CSAT per week (%)",
        [w["week"] for w in d["weeks"]],
        {"CSAT": [w["csat"] * 100 for w in d["weeks"]]},
        "{:.0f}",
    )


async def _handle(c: Context) -> dict[str, Any]:
    return await service.handle_times(c.session, c.filters)


def _handle_svg(d: dict[str, Any]) -> str:
    return charts.bars(
        "Median handle time per associate (minutes)",
        [a["name"] for a in d["associates"]],
        [a["p50_seconds"] / 60 if a["p50_seconds"] is not None else None for a in d["associates"]],
        "{:.1f} min",
    )


async def _attribution(c: Context) -> dict[str, Any]:
    return await service.attribution(c.session, c.filters)


def _attribution_svg(d: dict[str, Any]) -> str:
    return charts.bars(
        "Attributed revenue per associate (EUR)",
        [f"{a['name']} ({a['orders']})" for a in d["associates"]],
        [a["revenue"] for a in d["associates"]],
        "€{:,.0f}",
    )


async def _playbooks(c: Context) -> dict[str, Any]:
    return await outcomes.playbook_lift(c.session, c.filters)


def _playbooks_svg(d: dict[str, Any]) -> str:
    found = d["playbooks"]
    return charts.bars(
        "Playbook lift vs hold-out (points; 95% interval)",
        [p["name"] for p in found],
        [p["difference"] * 100 if p["difference"] is not None else None for p in found],
        "{:+.1f} pts",
        [(p["low"] * 100, p["high"] * 100) if p["low"] is not None else None for p in found],
    )


async def _topics(c: Context) -> dict[str, Any]:
    return await outcomes.topics(c.session, c.filters)


def _topics_svg(d: dict[str, Any]) -> str:
    weeks = d["weeks"]
    top = sorted(d["topics"], key=lambda t: -int(t.get("total", 0)))[:5]
    series = {
        str(t["label"]): [
            float(next((w["count"] for w in t["weeks"] if w["week"] == week), 0)) for week in weeks
        ]
        for t in top
    }
    if not d["available"]:
        return charts.empty("Recurring questions per week (topics not installed)", "lines")
    return charts.lines("Recurring questions per week", weeks, series, "{:,.0f}")


Compute = Callable[[Context], Awaitable[dict[str, Any]]]
CHARTS: dict[str, tuple[Compute, Callable[[dict[str, Any]], str]]] = {
    "conversion": (_conversion, _conversion_svg),
    "queue": (_queue, _queue_svg),
    "heatmap": (_heatmap, _heatmap_svg),
    "staffing": (_staffing, _staffing_svg),
    "csat": (_csat, _csat_svg),
    "csat-weekly": (_csat, _csat_weekly_svg),
    "handle-times": (_handle, _handle_svg),
    "attribution": (_attribution, _attribution_svg),
    "playbooks": (_playbooks, _playbooks_svg),
    "topics": (_topics, _topics_svg),
}
