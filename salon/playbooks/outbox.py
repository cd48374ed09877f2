"""What a playbook has for a shopper's widget, handed over on the widget's next /api/track call.

The widget talks to Salon only through /api/track (privacy, docs/api.md), so offers ride on its
answers: `take` hands a visit's waiting offers over once. While a visit could meet a playbook soon
(a cart on a site with playbooks), `beat_ms` asks the widget to beat more often, so an invitation
arrives seconds after its moment rather than at the next 30-second heartbeat.

With several nodes the shopper's next call may reach any of them, so offers ride the event bus:
`send` publishes the offer to every node's outbox, and the node that hands it over tells the
others to drop it (the widget also shows an offer id once per tab). Offers fired but not handed
over are also in the database (`Firing.offer_status == "pending"`) and restored at start.

Offer (the widget's contract, docs/playbooks.md):
    {"id": <firing id>, "kind": "invite" | "message", "message": <text, rendered inert>,
     "coupon": null | {"code", "label", "kind", "value", "min_basket", "expires_at"}}
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from salon.core.bus import EventBus, Payload
from salon.privacy.events import TOPIC_PRIVACY_ERASED

Offer = dict[str, Any]
TOPIC_OFFER = "playbooks.offer"  # {"site_id", "visit_id", "offer"}: every node's outbox keeps it
TOPIC_OFFER_TAKEN = "playbooks.offer_taken"  # {"site_id", "visit_id", "ids"}: handed over
OFFER_TTL_SECONDS = 1800.0  # a visit ends after 30 min without events: so does its offer
FAST_BEAT_MS = 3000


class WidgetOutbox:
    def __init__(self, watching: Callable[[str, str], bool] | None = None) -> None:
        self._offers: dict[tuple[str, str], list[tuple[float, Offer]]] = {}
        self._lock = threading.Lock()
        self.watching = watching or (lambda site_id, visit_id: False)
        self.bus: EventBus | None = None

    def connect(self, bus: EventBus) -> None:
        """Share offers with the other nodes' outboxes through the bus."""
        self.bus = bus
        bus.subscribe(TOPIC_OFFER, self._on_offer)
        bus.subscribe(TOPIC_OFFER_TAKEN, self._on_taken)
        bus.subscribe(TOPIC_PRIVACY_ERASED, self._on_erased)

    async def send(self, site_id: str, visit_id: str, offer: Offer) -> None:
        """Keep `offer` for the visit's next answer, on whichever node that reaches."""
        if self.bus is None:
            self.put(site_id, visit_id, offer)
            return
        await self.bus.publish(
            TOPIC_OFFER, {"site_id": site_id, "visit_id": visit_id, "offer": offer}
        )

    async def handed_over(self, site_id: str, visit_id: str, offers: list[Offer]) -> None:
        """Tell the other nodes these offers are gone (they drop their copies)."""
        if self.bus is not None and offers:
            ids = [o.get("id") for o in offers]
            await self.bus.publish(
                TOPIC_OFFER_TAKEN, {"site_id": site_id, "visit_id": visit_id, "ids": ids}
            )

    async def _on_offer(self, payload: Payload) -> None:
        self.put(payload["site_id"], payload["visit_id"], payload["offer"])

    async def _on_taken(self, payload: Payload) -> None:
        key, ids = (payload["site_id"], payload["visit_id"]), set(payload.get("ids") or ())
        with self._lock:
            left = [(at, o) for at, o in self._offers.get(key, []) if o.get("id") not in ids]
            if left:
                self._offers[key] = left
            else:
                self._offers.pop(key, None)

    async def _on_erased(self, payload: Payload) -> None:
        self.forget(payload["site_id"], list(payload.get("visit_ids") or ()))

    def forget(self, site_id: str, visit_ids: list[str]) -> None:
        """Erased visits (privacy): their waiting offers go too."""
        with self._lock:
            for visit_id in visit_ids:
                self._offers.pop((site_id, visit_id), None)

    def put(self, site_id: str, visit_id: str, offer: Offer, at: float | None = None) -> None:
        """Keep `offer` on this node (a copy with the same id is kept once)."""
        with self._lock:
            waiting = self._offers.setdefault((site_id, visit_id), [])
            if offer.get("id") is None or all(o.get("id") != offer.get("id") for _, o in waiting):
                waiting.append((at or time.time(), offer))

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
