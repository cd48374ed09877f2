"""The UCI Online Shoppers session features, computed live from Salon's own events.

Salon's page types map onto the data set's three groups (`salon.floor.state.PAGE_GROUPS`):
administrative = account, cart, checkout, confirmation; informational = home, info, other;
product related = product, category, search. Durations are the seconds between a page view and
the next (the current page counts up to now).

Bounce rate, exit rate and page value are defined from Salon's own history as Google Analytics
defines them, per page (URL path), over the site's visits of the last 60 days:

- bounce rate of a page: of the visits that entered on it, the share with no other page view;
- exit rate of a page: of its page views, the share that were the visit's last;
- page value of a page: revenue of the visits that viewed it before buying, divided by its
  unique page views (visits that viewed it).

A visit's BounceRates / ExitRates / PageValues are the means over the pages it viewed.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from salon.db.engine import Database
from salon.floor.state import VisitState, page_group, url_path
from salon.tracking.models import Event

HISTORY_DAYS = 60


@dataclass(frozen=True)
class PageStat:
    bounce_rate: float
    exit_rate: float
    page_value: float


@dataclass
class PageStats:
    """Per site, per page path; empty until the first computation (then features are 0)."""

    pages: dict[str, dict[str, PageStat]] = field(default_factory=dict)

    def of(self, site_id: str, path: str) -> PageStat | None:
        return self.pages.get(site_id, {}).get(path)


async def compute_page_stats(db: Database, now: datetime | None = None) -> PageStats:
    """One pass over the page views and purchases of the last 60 days, every site at once."""
    since = (now or datetime.now(UTC)) - timedelta(days=HISTORY_DAYS)
    async with db.reader() as session:
        rows = await session.execute(
            select(Event.site_id, Event.visit_id, Event.type, Event.data)
            .where(Event.occurred_at >= since, Event.type.in_(("page_view", "purchase")))
            .order_by(Event.visit_id, Event.id)
        )
        visits: dict[tuple[str, str], list[tuple[str, object]]] = defaultdict(list)
        for site_id, visit_id, kind, data in rows.all():
            visits[(site_id, visit_id)].append((kind, data))
    views: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unique: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    entrances: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    bounces: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    exits: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    value: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for (site_id, _), events in visits.items():
        seen: list[str] = []
        revenue_paths: set[str] = set()
        for kind, data in events:
            assert isinstance(data, dict)
            if kind == "page_view":
                path = url_path(str(data.get("url", "")))
                seen.append(path)
                views[site_id][path] += 1
            elif kind == "purchase":
                total = float(data.get("total", 0) or 0)
                for path in set(seen) - revenue_paths:
                    value[site_id][path] += total
                revenue_paths |= set(seen)
        if not seen:
            continue
        for path in set(seen):
            unique[site_id][path] += 1
        entrances[site_id][seen[0]] += 1
        if len(seen) == 1:
            bounces[site_id][seen[0]] += 1
        exits[site_id][seen[-1]] += 1
    stats = PageStats()
    for site_id, paths in views.items():
        stats.pages[site_id] = {
            path: PageStat(
                bounce_rate=bounces[site_id][path] / entrances[site_id][path]
                if entrances[site_id][path]
                else 0.0,
                exit_rate=exits[site_id][path] / count,
                page_value=value[site_id][path] / max(1, unique[site_id][path]),
            )
            for path, count in paths.items()
        }
    return stats


def special_day(day: date) -> float:
    """Closeness to a gift-giving day (Valentine's Day, Mother's Day in May, Christmas), as the
    data set defines it: 0 far away, up to 1 in the days before, 0 on and after the day."""
    best = 0.0
    for special in (date(day.year, 2, 14), _mothers_day(day.year), date(day.year, 12, 25)):
        ahead = (special - day).days
        if 0 < ahead <= 10:
            best = max(best, round(1.0 - (ahead - 1) / 10.0, 1))
    return best


def _mothers_day(year: int) -> date:
    first = date(year, 5, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7)  # second Sunday of May


#: What the store knows of an identified shopper; the UCI data has no such columns, so only
#: models retrained on the store's own visits (`salon insight train`) use them.
HISTORY_FEATURES: tuple[str, ...] = ("CustomerOrders", "LifetimeValueLog", "DaysSinceLastOrder")
NO_ORDER_DAYS = 730.0  # "never bought" reads as two years


def customer_history(state: VisitState) -> tuple[float, float, float]:
    """Past orders, log lifetime value and days since the last order (anonymous: none, never)."""
    customer = state.customer or {}
    last = customer.get("last_order_at")
    days = (state.last_seen_at - float(last)) / 86400 if last else NO_ORDER_DAYS
    return (
        float(customer.get("orders") or 0),
        math.log1p(float(customer.get("lifetime_value") or 0)),
        min(NO_ORDER_DAYS, max(0.0, days)),
    )


def session_features(state: VisitState, stats: PageStats, now: float) -> dict[str, float]:
    """The visit as a row of the UCI data set (names as its columns) plus customer history."""
    seconds = dict(state.group_seconds)
    if state.page_count:
        group = page_group(state.page_type)
        seconds[group] = seconds.get(group, 0.0) + max(0.0, now - state.page_since)
    known = [s for s in (stats.of(state.site_id, p) for p in state.paths) if s is not None]
    moment = datetime.fromtimestamp(now, UTC)

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return {
        "Administrative": float(state.group_counts.get("administrative", 0)),
        "Administrative_Duration": seconds.get("administrative", 0.0),
        "Informational": float(state.group_counts.get("informational", 0)),
        "Informational_Duration": seconds.get("informational", 0.0),
        "ProductRelated": float(state.group_counts.get("product_related", 0)),
        "ProductRelated_Duration": seconds.get("product_related", 0.0),
        "BounceRates": mean([s.bounce_rate for s in known]),
        "ExitRates": mean([s.exit_rate for s in known]),
        "PageValues": mean([s.page_value for s in known]),
        "SpecialDay": special_day(moment.date()),
        "Month": float(moment.month),
        "ReturningVisitor": 1.0 if state.is_returning else 0.0,
        "Weekend": 1.0 if moment.weekday() >= 5 else 0.0,
        **dict(zip(HISTORY_FEATURES, customer_history(state), strict=True)),
    }
