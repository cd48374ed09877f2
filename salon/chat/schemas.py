"""What shoppers and associates may send to the chat, validated before any database access."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from salon.tracking.schemas import HexId

ClientId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
MessageBody = Annotated[str, Field(min_length=1, max_length=10_000)]
MAX_MESSAGE_CHARS = 10_000


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StartIn(_In):
    site_key: Annotated[str, Field(min_length=1, max_length=64)]
    visitor_id: HexId
    visit_id: HexId
    name: Annotated[str, Field(max_length=200)] | None = None
    email: EmailStr | None = None
    message: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")] | None = None
    topic: Annotated[str, Field(max_length=32)] | None = None


class VisitorMessageIn(_In):
    client_id: ClientId
    body: MessageBody


class RatingIn(_In):
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, Field(max_length=2000)] | None = None


class TranscriptIn(_In):
    email: EmailStr | None = None


class AssociateMessageIn(_In):
    client_id: ClientId
    kind: Literal["text", "note", "product_card", "page_push", "card"] = "text"
    body: Annotated[str, Field(max_length=MAX_MESSAGE_CHARS)] = ""
    product_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    url: Annotated[str, Field(max_length=2048)] | None = None
    title: Annotated[str, Field(max_length=200)] | None = None
    # kind "card": the server runs the tool and stores the card it builds (never one sent here)
    tool: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    confirm: bool = False  # send past a budget warning (409 otherwise)


class TransferIn(_In):
    associate_id: HexId


class AgentUpdateIn(_In):
    availability: Literal["available", "away"] | None = None
    max_chats: Annotated[int, Field(ge=1, le=10)] | None = None
