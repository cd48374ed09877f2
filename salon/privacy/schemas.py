"""What an admin sends to the privacy API: validated before the database is touched."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from salon.privacy.retention import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS


class PrivacySettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_days: int = Field(ge=MIN_RETENTION_DAYS, le=MAX_RETENTION_DAYS, strict=True)
