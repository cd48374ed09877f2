"""What a playbook has for a shopper's widget, handed over on the widget's next /api/track call.

The widget talks to Salon only through /api/track (privacy, docs/api.md), so offers ride on its
answers: `take` hands a visit's waiting offers over once. While a visit could meet a playbook soon
(a cart on a site with playbooks), `beat_ms` asks the widget to beat more often, so an invitation
arrives seconds after its moment rather than at the next 30-second heartbeat.

Offer (the widget's contract, docs/playbooks.md):
    {"id": <firing id>, "kind": "invite" | "message", "message": <text, rendered inert>,
     "coupon": null | {"code", "label", "kind", "value", "min_basket", "expires_at"}}
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

Offer = dict[str, Any]
OFFER_TTL_SECONDS = 1800.0  # a visit ends after 30 min without events: so does its offer
FAST_BEAT_MS = 3000


class WidgetOutbox:
    def __init__(self, watching: Callable[[str, str], bool] | None = None) -> None:
        self._offers: dict[tuple[str, str], list[tuple[float, Offer]]] = {}
        self._lock = threading.Lock()
        self.watching = watching or (lambda site_id, visit_id: False)

    def put(self, site_id: str, visit_id: str, offer: Offer, at: float | None = None) -> None:
        with self._lock:
            self._offers.setdefault((site_id, visit_id), []).append((at or time.time(), offer))

    def take(self, site_id: str, visit_id: str) -> list[Offer]:
        """The visit's waiting offers, oldest first; each is handed over once."""
        with self._lock:
            waiting = self._offers.pop((site_id, visit_id), [])
        fresh = time.time() - OFFER_TTL_SECONDS
        return [offer for at, offer in waiting if at >= fresh]

    def pending(self, site_id: str, visit_id: str) -> bool:
        with self._lock:
            return (site_id, visit_id) in self._offers

    def beat_ms(self, site_id: str, visit_id: str) -> int | None:
        """A shorter heartbeat for visits a playbook is watching; None: the widget's default."""
        if self.pending(site_id, visit_id) or self.watching(site_id, visit_id):
            return FAST_BEAT_MS
        return None
