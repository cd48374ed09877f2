"""What the console sends to configure an endpoint: validated before the database is touched."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from salon.webhooks.service import EVENTS

MAX_URL_CHARS = 2000


def _check_url(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_URL_CHARS:
        raise ValueError(f"at most {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise ValueError("not a valid URL") from exc
    del port
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http:// or https:// URL")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    if any(ch.isspace() for ch in value):
        raise ValueError("must not contain spaces")
    return value


def _check_events(value: list[str]) -> list[str]:
    if not value:
        raise ValueError(f"subscribe to at least one of {', '.join(EVENTS)}")
    unknown = [e for e in value if e not in EVENTS]
    if unknown:
        raise ValueError(f"unknown event {unknown[0]!r}; known: {', '.join(EVENTS)}")
    return list(dict.fromkeys(value))  # duplicates dropped, order kept


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    events: list[str]
    description: str = Field(default="", max_length=200)
    active: bool = True

    _url = field_validator("url")(_check_url)
    _events = field_validator("events")(_check_events)


class EndpointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = None
    events: list[str] | None = None
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _check_url(value)

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_events(value)
