"""Chat settings per site: business hours, page push mode, attribution window, wait alert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from salon.identity.service import SiteInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ChatSettings:
    """Read from the site's settings JSON; every key optional.

    `business_hours`: {"timezone": "Europe/Paris", "mon": ["09:00", "19:00"], ...}; a day missing
    from the map is closed; no `business_hours` at all means always open.
    """

    business_hours: dict[str, Any] | None
    page_push_mode: str
    attribution_days: int
    wait_alert_seconds: int

    @classmethod
    def of(cls, site: SiteInfo) -> ChatSettings:
        chat = site.settings.get("chat", {}) if isinstance(site.settings, dict) else {}
        mode = chat.get("page_push_mode", "navigate")
        return cls(
            business_hours=chat.get("business_hours"),
            page_push_mode=mode if mode in ("navigate", "card") else "navigate",
            attribution_days=int(chat.get("attribution_days", 7)),
            wait_alert_seconds=int(chat.get("wait_alert_seconds", 120)),
        )

    def is_open(self, now: datetime) -> bool:
        hours = self.business_hours
        if not hours:
            return True
        try:
            local = now.astimezone(ZoneInfo(str(hours.get("timezone", "UTC"))))
        except ZoneInfoNotFoundError:
            local = now
        span = hours.get(DAYS[local.weekday()])
        if not span or len(span) != 2:
            return False
        start, end = (time.fromisoformat(str(t)) for t in span)
        return start <= local.time().replace(tzinfo=None) < end
