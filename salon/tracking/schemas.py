"""What the widget may send: typed events, validated before anything touches the database."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

HexId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
ClientEventId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
ProductId = Annotated[str, Field(min_length=1, max_length=64)]
Url = Annotated[str, Field(max_length=2048)]
Money = Annotated[float, Field(ge=0, le=10_000_000)]
CouponCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]

PageType = Literal[
    "home",
    "category",
    "product",
    "search",
    "cart",
    "checkout",
    "confirmation",
    "account",
    "info",
    "other",
]


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ClientEventId
    ts: Annotated[int, Field(ge=0, le=10**14)] | None = None


class PageView(_Event):
    type: Literal["page_view"]
    url: Url
    title: Annotated[str, Field(max_length=300)] = ""
    referrer: Url = ""
    page_type: PageType = "other"


class ProductView(_Event):
    type: Literal["product_view"]
    product_id: ProductId
    name: Annotated[str, Field(max_length=200)] = ""
    price: Money | None = None
    category: Annotated[str, Field(max_length=100)] = ""


class VariantSelect(_Event):
    type: Literal["variant_select"]
    product_id: ProductId
    attribute: Annotated[str, Field(min_length=1, max_length=32)]
    value: Annotated[str, Field(max_length=64)]
    variant_id: Annotated[str, Field(max_length=64)] | None = None


class _CartChange(_Event):
    product_id: ProductId
    variant_id: Annotated[str, Field(max_length=64)] | None = None
    name: Annotated[str, Field(max_length=200)] = ""
    price: Money
    quantity: Annotated[int, Field(ge=1, le=99)] = 1


class AddToCart(_CartChange):
    type: Literal["add_to_cart"]


class RemoveFromCart(_CartChange):
    type: Literal["remove_from_cart"]


class WishlistAdd(_Event):
    type: Literal["wishlist_add"]
    product_id: ProductId
    name: Annotated[str, Field(max_length=200)] = ""


class Search(_Event):
    type: Literal["search"]
    query: Annotated[str, Field(min_length=1, max_length=200)]


class CheckoutStep(_Event):
    type: Literal["checkout_step"]
    step: Annotated[int, Field(ge=1, le=10)]
    name: Annotated[str, Field(max_length=32)] = ""


class Purchase(_Event):
    type: Literal["purchase"]
    order_id: Annotated[str, Field(min_length=1, max_length=64)]
    total: Money
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    coupon: CouponCode | None = None  # the code the checkout applied, if any
    discount: Money | None = None  # what the coupon took off; `total` is after it


class PointerSpeed(_Event):
    type: Literal["pointer_speed"]
    speed: Annotated[float, Field(ge=0, le=100_000)]


class Idle(_Event):
    type: Literal["idle"]
    seconds: Annotated[int, Field(ge=0, le=86_400)]


class TabHidden(_Event):
    type: Literal["tab_hidden"]
    hidden: bool


class RageClick(_Event):
    type: Literal["rage_click"]
    clicks: Annotated[int, Field(ge=3, le=100)]
    target: Annotated[str, Field(max_length=200)] = ""


class Engagement(_Event):
    """What the shopper did with a playbook's offer in the widget: the lift of a playbook is
    measured from these (shown, then accepted or dismissed; applied: the coupon went to the
    store's checkout)."""

    type: Literal["engagement"]
    offer_id: HexId
    action: Literal["shown", "accepted", "dismissed", "applied"]


class Heartbeat(_Event):
    type: Literal["heartbeat"]


class Presence(_Event):
    """The site (often a mobile app) says the shopper is near, in or leaving a store.

    Coordinates are rounded to 3 decimals (about 100 m) before storage: enough to find the
    nearest store, not enough to follow someone (privacy by default).
    """

    type: Literal["presence"]
    state: Literal["near", "in_store", "left"]
    location_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None  # external id
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None

    @field_validator("latitude", "longitude")
    @classmethod
    def _coarse(cls, value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    @model_validator(mode="after")
    def _somewhere(self) -> Presence:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("latitude and longitude go together")
        if self.location_id is None and self.latitude is None:
            raise ValueError("presence needs location_id or latitude and longitude")
        return self


TrackedEvent = Annotated[
    PageView
    | ProductView
    | VariantSelect
    | AddToCart
    | RemoveFromCart
    | WishlistAdd
    | Search
    | CheckoutStep
    | Purchase
    | PointerSpeed
    | Idle
    | TabHidden
    | RageClick
    | Heartbeat
    | Presence
    | Engagement,
    Field(discriminator="type"),
]

EVENT_TYPES: tuple[str, ...] = (
    "page_view",
    "product_view",
    "variant_select",
    "add_to_cart",
    "remove_from_cart",
    "wishlist_add",
    "search",
    "checkout_step",
    "purchase",
    "pointer_speed",
    "idle",
    "tab_hidden",
    "rage_click",
    "heartbeat",
    "presence",
    "engagement",
)


class Identity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: Annotated[str, Field(min_length=1, max_length=64)]
    signature: Annotated[str, Field(min_length=1, max_length=128)]


class TrackBatch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    site_key: Annotated[str, Field(min_length=1, max_length=64)]
    visitor_id: HexId
    visit_id: HexId
    identity: Identity | None = None
    events: Annotated[list[TrackedEvent], Field(min_length=1, max_length=100)]


class TrackResult(BaseModel):
    accepted: int
    duplicates: int
    visit: str
    # playbook offers waiting for this visit (salon.playbooks.outbox), each handed over once
    engage: list[dict[str, Any]] = Field(default_factory=list)
    # a shorter heartbeat while a playbook watches the visit; None: the widget's own 30 s
    beat_ms: int | None = None
