"""Time in one place: aware UTC datetimes everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

# 9999-12-31 23:59:59 UTC, the last second a datetime holds: a later epoch time is refused (422)
MAX_EPOCH_SECONDS = 253_402_300_799


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Databases hand back naive datetimes (SQLite) or aware ones (PostgreSQL): normalise."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def from_epoch_ms(ms: float) -> datetime:
    return datetime.fromtimestamp(ms / 1000.0, tz=UTC)
