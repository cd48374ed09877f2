"""What other domains measured, gathered for the analytics page: playbook lift and coupon ROI
(salon.playbooks), recurring topics per week (salon.topics, when that domain is installed)."""

from __future__ import annotations

import importlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from salon.analytics.service import Filters
from salon.playbooks import service as playbooks


async def playbook_lift(session: AsyncSession, f: Filters) -> dict[str, Any]:
    """Every playbook of the site, treated against hold-out since it started (its whole life:
    the hold-out comparison needs every firing), and what its coupons cost and brought."""
    out = []
    for playbook in await playbooks.list_playbooks(session, f.site_id):
        lift = await playbooks.lift(session, playbook.id)
        cost, net = lift["coupon_cost"], lift["net"]
        out.append(
            {
                "playbook_id": playbook.id,
                "name": playbook.name,
                "enabled": playbook.enabled,
                "treated": lift["treated"]["shoppers"],
                "treated_rate": lift["treated"]["rate"],
                "holdout": lift["holdout"]["shoppers"],
                "holdout_rate": lift["holdout"]["rate"],
                "difference": lift["difference"],
                "low": lift["interval"][0] if lift["interval"] else None,
                "high": lift["interval"][1] if lift["interval"] else None,
                "verdict": lift["verdict"],
                "coupons_issued": lift["coupons"]["issued"],
                "coupons_redeemed": lift["coupons"]["redeemed"],
                "coupon_cost": cost,
                "incremental_revenue": lift["incremental_revenue"],
                "net": net,
                "coupon_roi": round(net / cost, 3) if net is not None and cost else None,
            }
        )
    return {"playbooks": out, "rows": out}


async def topics(session: AsyncSession, f: Filters) -> dict[str, Any]:
    """Recurring questions per ISO week; empty, and said so, while salon.topics is absent."""
    try:
        module = importlib.import_module("salon.topics.service")
        topic_weeks = module.topic_weeks
    except (ImportError, AttributeError):
        return {"available": False, "topics": [], "weeks": [], "rows": []}
    found: list[dict[str, Any]] = await topic_weeks(session, f.site_id, f.start, f.end)
    weeks = sorted({w["week"] for t in found for w in t.get("weeks", [])})
    rows = [
        {"topic": t["label"], "week": w["week"], "count": w["count"]}
        for t in found
        for w in t.get("weeks", [])
    ]
    return {"available": True, "topics": found, "weeks": weeks, "rows": rows}
