"""One row model per importable table; CSV and JSON rows go through the same validation.

CSV cells are text, so list fields accept `a|b|c` and object fields accept JSON text
(`{"material": "calfskin"}`); JSON rows may give real lists and objects. Every kind is keyed by
the store's own id (`external_id`, or the natural key named in KEYS) so re-importing a file updates
rows instead of duplicating them.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field

from salon.customers.models import CHANNELS


def _split_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split("|") if part.strip()]
    return value


def _parse_object(value: Any) -> Any:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg})") from None
    return value


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


ExternalId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/@-]+$")]
OptionalId = Annotated[ExternalId | None, BeforeValidator(_blank_to_none)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=20_000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
OptionalMoney = Annotated[Money | None, BeforeValidator(_blank_to_none)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Url = Annotated[str, Field(max_length=500)]
When = Annotated[datetime, Field()]
OptionalWhen = Annotated[datetime | None, BeforeValidator(_blank_to_none)]
Tags = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=64)]], BeforeValidator(_split_list)
]
Strings = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=500)]], BeforeValidator(_split_list)
]
Object = Annotated[dict[str, Any], BeforeValidator(_parse_object)]
Tier = Literal["none", "silver", "gold", "platinum"]
DiscountKind = Literal["percent", "amount", "free_shipping"]


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProductRow(Row):
    external_id: ExternalId
    name: Name
    category: Annotated[str, Field(min_length=1, max_length=100)]
    price: Money
    currency: Currency = "EUR"
    compare_at_price: OptionalMoney = None
    brand: Annotated[str, Field(max_length=100)] = ""
    description: Text = ""
    image: Url = ""
    images: Strings = []
    url: Url = ""
    tags: Tags = []
    attributes: Object = {}
    specs: Object = {}
    training_notes: Text = ""
    commission_rate: Annotated[
        Decimal | None, Field(ge=0, le=1), BeforeValidator(_blank_to_none)
    ] = None


class VariantRow(Row):
    product_id: ExternalId
    external_id: ExternalId
    sku: Annotated[str, Field(max_length=64)] = ""
    colour: Annotated[str, Field(max_length=64)] = ""
    size: Annotated[str, Field(max_length=32)] = ""
    price: OptionalMoney = None
    stock: Annotated[int, Field(ge=0)] = 0  # online stock


class LocationRow(Row):
    external_id: ExternalId
    name: Name
    kind: Literal["store", "warehouse"] = "store"
    address: Annotated[str, Field(max_length=300)] = ""
    city: Annotated[str, Field(max_length=100)] = ""
    postcode: Annotated[str, Field(max_length=20)] = ""
    country: Annotated[str, Field(pattern=r"^([A-Z]{2})?$")] = ""
    latitude: Annotated[float | None, Field(ge=-90, le=90), BeforeValidator(_blank_to_none)] = None
    longitude: Annotated[float | None, Field(ge=-180, le=180), BeforeValidator(_blank_to_none)] = (
        None
    )
    phone: Annotated[str, Field(max_length=40)] = ""
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    hours: Object = {}  # {"mon": "10:00-19:00", ...}
    departments: Object = {}  # {"Handbags": "Ground floor, aisle 2"}


class InventoryRow(Row):
    product_id: ExternalId
    variant_id: ExternalId
    location_id: ExternalId
    quantity: Annotated[int, Field(ge=0)]
    department: Annotated[str, Field(max_length=100)] = ""
    aisle: Annotated[str, Field(max_length=100)] = ""


class CustomerRow(Row):
    external_id: ExternalId
    name: Annotated[str, Field(max_length=200)] = ""
    email: Annotated[EmailStr | None, BeforeValidator(_blank_to_none)] = None
    phone: Annotated[str, Field(max_length=40)] = ""
    city: Annotated[str, Field(max_length=100)] = ""
    country: Annotated[str, Field(pattern=r"^([A-Z]{2})?$")] = ""
    loyalty_tier: Tier = "none"
    loyalty_points: Annotated[int, Field(ge=0)] = 0
    consent_email: bool = False
    consent_sms: bool = False
    preferences: Object = {}
    home_location_id: OptionalId = None


class OrderLineRow(Row):
    """One line of an order; lines sharing `order_id` make one order (flat in CSV and JSON)."""

    order_id: ExternalId
    customer_id: OptionalId = None
    placed_at: When
    product_id: ExternalId
    name: Annotated[str, Field(max_length=200)] = ""  # default: the product's name
    quantity: Annotated[int, Field(ge=1, le=10_000)]
    unit_price: Money
    currency: Currency = "EUR"
    location_id: OptionalId = None  # the store, for in-store orders
    source: Literal["web", "store", "phone", "import"] = "import"


class ReviewRow(Row):
    external_id: ExternalId
    product_id: ExternalId
    customer_id: OptionalId = None
    rating: Annotated[int, Field(ge=1, le=5)]
    title: Annotated[str, Field(max_length=200)] = ""
    body: Text = ""
    created_at: When


class WishlistRow(Row):
    customer_id: ExternalId
    product_id: ExternalId
    variant_id: OptionalId = None
    added_at: OptionalWhen = None


class PromotionRow(Row):
    external_id: ExternalId
    name: Name
    kind: DiscountKind
    value: Money = Decimal(0)
    min_cart_total: Money = Decimal(0)
    categories: Tags = []
    product_ids: Tags = []
    loyalty_tiers: Annotated[list[Tier], BeforeValidator(_split_list)] = []
    starts_at: OptionalWhen = None
    ends_at: OptionalWhen = None
    active: bool = True


class CouponRow(Row):
    code: Annotated[str, Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    source: Literal["store", "third_party"] = "store"
    partner: Annotated[str, Field(max_length=100)] = ""
    description: Annotated[str, Field(max_length=300)] = ""
    kind: DiscountKind
    value: Money = Decimal(0)
    min_cart_total: Money = Decimal(0)
    customer_id: OptionalId = None
    expires_at: OptionalWhen = None
    max_redemptions: Annotated[int | None, Field(ge=1), BeforeValidator(_blank_to_none)] = None
    active: bool = True


class AssociateRow(Row):
    """An associate's profile for this store; new e-mails get an account with no password yet."""

    email: EmailStr
    name: Name
    role: Literal["associate", "supervisor", "admin"] = "associate"
    title: Annotated[str, Field(max_length=100)] = ""
    skills: Tags = []
    languages: Annotated[
        list[Annotated[str, Field(pattern=r"^[a-z]{2}$")]], BeforeValidator(_split_list)
    ] = []
    home_location_id: OptionalId = None
    commission_id: Annotated[str | None, Field(max_length=64), BeforeValidator(_blank_to_none)] = (
        None
    )


class AppointmentRow(Row):
    external_id: ExternalId
    location_id: ExternalId
    associate_email: Annotated[EmailStr | None, BeforeValidator(_blank_to_none)] = None
    customer_id: OptionalId = None
    skill: Annotated[str, Field(max_length=40)] = ""
    starts_at: When
    ends_at: When
    status: Literal["booked", "cancelled", "done"] = "booked"
    note: Annotated[str, Field(max_length=1000)] = ""


class StoreEventRow(Row):
    external_id: ExternalId
    location_id: OptionalId = None  # None: online or every store
    title: Name
    description: Text = ""
    starts_at: When
    ends_at: When
    capacity: Annotated[int | None, Field(ge=1), BeforeValidator(_blank_to_none)] = None
    tags: Tags = []


class InteractionRow(Row):
    """A contact on another channel; the interactions API and webhook take the same shape."""

    external_id: ExternalId
    customer_id: ExternalId
    channel: Literal[CHANNELS]  # type: ignore[valid-type]
    direction: Literal["inbound", "outbound"] = "inbound"
    occurred_at: When
    summary: Annotated[str, Field(max_length=1000)] = ""
    transcript: Annotated[str, Field(max_length=100_000)] = ""
    location_id: OptionalId = None


# kind -> (row model, the fields that identify a row for upserts)
KINDS: dict[str, tuple[type[Row], tuple[str, ...]]] = {
    "locations": (LocationRow, ("external_id",)),
    "products": (ProductRow, ("external_id",)),
    "variants": (VariantRow, ("product_id", "external_id")),
    "inventory": (InventoryRow, ("product_id", "variant_id", "location_id")),
    "customers": (CustomerRow, ("external_id",)),
    "associates": (AssociateRow, ("email",)),
    "orders": (OrderLineRow, ("order_id", "product_id")),
    "reviews": (ReviewRow, ("external_id",)),
    "wishlists": (WishlistRow, ("customer_id", "product_id")),
    "promotions": (PromotionRow, ("external_id",)),
    "coupons": (CouponRow, ("code",)),
    "appointments": (AppointmentRow, ("external_id",)),
    "events": (StoreEventRow, ("external_id",)),
    "interactions": (InteractionRow, ("external_id",)),
}
# the order a full load must follow (later kinds refer to earlier ones)
LOAD_ORDER = tuple(KINDS)
