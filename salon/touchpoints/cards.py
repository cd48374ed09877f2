"""The card: one shape for everything an associate can send, rendered by the widget and console.

A card is built on the server from the store's tables, never from what the console sends, so
an associate cannot put a made-up price or stock level in front of a shopper. The widget renders
any card generically: a title, a line of text, up to eight product items, an optional table and
an optional link. Cards never carry commission or margin data (see docs/honest-selling.md).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CARD_KINDS = (
    "wishlist",
    "recommendations",
    "stock",
    "clickstream",
    "gift",
    "coupons",
    "loyalty",
    "promotions",
    "appointment",
    "events",
    "spec",
    "compare",
    "reviews",
    "location",
    "presence",
)


class CardItem(BaseModel):
    """A product (or a slot, an event, a store) as one line of a card."""

    model_config = ConfigDict(extra="forbid")

    id: str  # product external id, slot start, event id...
    name: str
    price: float | None = None
    currency: str | None = None
    image: str = ""  # absolute URL
    url: str = ""  # absolute URL
    note: str = ""  # "2 left in Paris Rive Gauche", "4.6 ★ (23)", "cheaper alternative"


class CardTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: list[str]
    rows: list[list[str]]


class Card(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal[CARD_KINDS]  # type: ignore[valid-type]
    title: str
    text: str = ""
    items: list[CardItem] = Field(default_factory=list, max_length=8)
    table: CardTable | None = None
    link_url: str = ""
    link_label: str = ""

    def data(self) -> dict[str, Any]:
        """What is stored in the message and sent to the widget."""
        return {"card": self.model_dump(exclude_none=True)}
