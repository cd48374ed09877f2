"""A visit's live state, folded from its events in order (the same fold after a restart)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from salon.tracking.schemas import EVENT_TYPES

GIFT_WORDS = (
    "gift",
    "present",
    "for her",
    "for him",
    "anniversary",
    "birthday",
    "wedding",
    "christmas",
    "valentine",
    "mother's day",
    "father's day",
)
# what the shopper does, as opposed to what the widget observes (pointer, idle, tab, heartbeat)
ACTIVITY_TYPES = frozenset(EVENT_TYPES) - {
    "pointer_speed",
    "idle",
    "tab_hidden",
    "heartbeat",
    "presence",  # sent by the site (a phone near a store), not something done on the page
    "engagement",  # the widget reporting on a playbook's offer: must not end a stall by itself
}


# The UCI Online Shoppers data set's three page groups, for Salon's page types
PAGE_GROUPS = {
    "account": "administrative",
    "cart": "administrative",
    "checkout": "administrative",
    "confirmation": "administrative",
    "home": "informational",
    "info": "informational",
    "other": "informational",
    "product": "product_related",
    "category": "product_related",
    "search": "product_related",
}


def page_group(page_type: str) -> str:
    return PAGE_GROUPS.get(page_type, "informational")


def url_path(url: str) -> str:
    """The page, without query or fragment (which may carry personal data)."""
    return urlsplit(url).path[:300] or "/"


@dataclass
class CartLine:
    product_id: str
    variant_id: str | None
    name: str
    price: float
    quantity: int


@dataclass
class VisitState:
    site_id: str
    visit_id: str
    visitor_id: str
    started_at: float
    last_seen_at: float
    is_returning: bool = False
    customer_id: str | None = None
    customer: dict[str, Any] | None = None
    page_url: str = ""
    page_title: str = ""
    page_type: str = "other"
    page_since: float = 0.0
    page_count: int = 0
    last_activity_at: float = 0.0
    products_viewed: dict[str, int] = field(default_factory=dict)
    product_names: dict[str, str] = field(default_factory=dict)
    variant_toggles: int = 0
    toggled_products: set[str] = field(default_factory=set)
    cart: dict[tuple[str, str | None], CartLine] = field(default_factory=dict)
    cart_flips: int = 0
    removed_products: set[str] = field(default_factory=set)
    wishlist: int = 0
    searches: list[str] = field(default_factory=list)
    checkout_step: int | None = None
    checkout_step_at: float = 0.0
    purchased: bool = False
    order_total: float = 0.0
    rage_clicks: deque[float] = field(default_factory=lambda: deque(maxlen=20))
    pointer_speeds: deque[float] = field(default_factory=lambda: deque(maxlen=10))
    idle_since: float | None = None
    hidden: bool = False
    gift_intent: bool = False
    chat_status: str | None = None  # "queued" or "active" while the shopper is in a chat
    # near or in a store, when the site says so: {"state", "location_id", "latitude",
    # "longitude", "at"}; the latest report wins ("left" included)
    presence: dict[str, Any] | None = None
    # for the intent features (salon.insight.features): pages per UCI group, time on them
    group_counts: dict[str, int] = field(default_factory=dict)
    group_seconds: dict[str, float] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    texts: list[tuple[float, str]] = field(default_factory=list)  # what the shopper typed
    insight: Any = None  # salon.insight.scorer.Insight, refreshed at most every second
    # a recent negative contact on another channel (a call, an e-mail): "called 2 h ago about..."
    contact_reason: str | None = None
    scored_at: float = 0.0
    explained_at: float = 0.0
    categories: set[str] = field(default_factory=set)  # of the products viewed
    # what a playbook did to this visit: the floor pulses the avatar, shows the tags
    alert: dict[str, Any] | None = None  # {"message", "playbook", "at", "associate_id"}
    tags: list[str] = field(default_factory=list)

    @property
    def cart_items(self) -> int:
        return sum(line.quantity for line in self.cart.values())

    @property
    def cart_value(self) -> float:
        return round(sum(line.price * line.quantity for line in self.cart.values()), 2)

    def apply(self, event_type: str, at: float, data: dict[str, Any]) -> None:
        """Fold one stored event into the state."""
        self.last_seen_at = max(self.last_seen_at, at)
        if event_type in ACTIVITY_TYPES:
            self.last_activity_at = max(self.last_activity_at, at)
            self.idle_since = None
            self.hidden = False
        handler = _HANDLERS.get(event_type)
        if handler is not None:
            handler(self, at, data)


def _page_view(s: VisitState, at: float, d: dict[str, Any]) -> None:
    if s.page_count:  # the page being left: its time goes to its group
        group = page_group(s.page_type)
        s.group_seconds[group] = s.group_seconds.get(group, 0.0) + max(0.0, at - s.page_since)
    new_type = str(d.get("page_type", "other"))
    group = page_group(new_type)
    s.group_counts[group] = s.group_counts.get(group, 0) + 1
    if len(s.paths) < 200:
        s.paths.append(url_path(str(d.get("url", ""))))
    s.page_url, s.page_title = str(d.get("url", "")), str(d.get("title", ""))
    s.page_type, s.page_since = str(d.get("page_type", "other")), at
    s.page_count += 1
    if s.page_type not in ("checkout", "cart", "confirmation"):
        s.checkout_step = None  # left the checkout: no longer stalled there


def _product_view(s: VisitState, _at: float, d: dict[str, Any]) -> None:
    pid = str(d["product_id"])
    s.products_viewed[pid] = s.products_viewed.get(pid, 0) + 1
    if d.get("name"):
        s.product_names[pid] = str(d["name"])
    if d.get("category") and len(s.categories) < 20:
        s.categories.add(str(d["category"]).lower())


def _variant_select(s: VisitState, _at: float, d: dict[str, Any]) -> None:
    s.variant_toggles += 1
    s.toggled_products.add(str(d["product_id"]))


def _add(s: VisitState, _at: float, d: dict[str, Any]) -> None:
    pid, vid = str(d["product_id"]), d.get("variant_id")
    key = (pid, vid)
    line = s.cart.get(key)
    if line is None:
        s.cart[key] = CartLine(
            pid,
            vid,
            str(d.get("name") or s.product_names.get(pid, pid)),
            float(d["price"]),
            int(d["quantity"]),
        )
    else:
        line.quantity += int(d["quantity"])
    if pid in s.removed_products:
        s.cart_flips += 1
    if d.get("name"):
        s.product_names[pid] = str(d["name"])


def _remove(s: VisitState, _at: float, d: dict[str, Any]) -> None:
    pid, vid = str(d["product_id"]), d.get("variant_id")
    key = (pid, vid)
    line = s.cart.get(key) or next((v for k, v in s.cart.items() if k[0] == pid), None)
    if line is not None:
        line.quantity -= int(d["quantity"])
        if line.quantity <= 0:
            s.cart = {k: v for k, v in s.cart.items() if v is not line}
    s.removed_products.add(pid)
    s.cart_flips += 1


def _wishlist(s: VisitState, _at: float, _d: dict[str, Any]) -> None:
    s.wishlist += 1


def _search(s: VisitState, at: float, d: dict[str, Any]) -> None:
    query = str(d["query"])
    s.texts = [*s.texts[-19:], (at, query)]
    s.searches = [*s.searches[-9:], query]
    if any(word in query.lower() for word in GIFT_WORDS):
        s.gift_intent = True


def _checkout(s: VisitState, at: float, d: dict[str, Any]) -> None:
    s.checkout_step, s.checkout_step_at = int(d["step"]), at


def _purchase(s: VisitState, _at: float, d: dict[str, Any]) -> None:
    s.purchased, s.order_total = True, float(d["total"])
    s.cart.clear()
    s.checkout_step = None


def _pointer(s: VisitState, _at: float, d: dict[str, Any]) -> None:
    s.pointer_speeds.append(float(d["speed"]))


def _idle(s: VisitState, at: float, d: dict[str, Any]) -> None:
    s.idle_since = at - float(d.get("seconds", 0))


def _hidden(s: VisitState, at: float, d: dict[str, Any]) -> None:
    s.hidden = bool(d["hidden"])
    if not s.hidden:
        s.idle_since = None


def _rage(s: VisitState, at: float, _d: dict[str, Any]) -> None:
    s.rage_clicks.append(at)


def _presence(s: VisitState, at: float, d: dict[str, Any]) -> None:
    if s.presence is not None and at < float(s.presence["at"]):
        return  # an older report arriving late does not move the shopper back
    s.presence = {
        "state": str(d["state"]),
        "location_id": d.get("location_id"),
        "latitude": d.get("latitude"),
        "longitude": d.get("longitude"),
        "at": at,
    }


_HANDLERS = {
    "page_view": _page_view,
    "product_view": _product_view,
    "variant_select": _variant_select,
    "add_to_cart": _add,
    "remove_from_cart": _remove,
    "wishlist_add": _wishlist,
    "search": _search,
    "checkout_step": _checkout,
    "purchase": _purchase,
    "pointer_speed": _pointer,
    "idle": _idle,
    "tab_hidden": _hidden,
    "rage_click": _rage,
    "presence": _presence,
}
