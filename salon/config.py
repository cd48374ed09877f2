"""Settings from the environment (prefix SALON_), read once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SALON_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./salon.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis (redis://host:6379/0): set it, with PostgreSQL, to run several nodes",
    )
    node_name: str = Field(
        default="", description="This node's name in logs and leases; empty: host:pid:start"
    )
    secret_key: SecretStr = Field(
        default=SecretStr("dev-only-change-me"), description="Signs nothing yet; reserved"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field(
        default="", description="Base URL the console is served from; empty = http://host:port"
    )
    console_origins: list[str] = Field(
        default_factory=list, description="Extra origins allowed to open the console socket"
    )
    cookie_secure: bool = Field(default=False, description="Set Secure on the session cookie")
    session_hours: int = 12
    floor_active_seconds: int = Field(
        default=180, description="A visit leaves the floor after this long without events"
    )
    floor_flush_ms: int = Field(default=100, description="Coalescing window for floor deltas")
    stalled_checkout_seconds: int = 90
    high_value_cart: float = 1000.0
    high_value_customer: float = 5000.0
    login_attempts_per_5min: int = 5
    chat_starts_per_minute: int = 30
    chat_messages_per_minute: int = 60
    api_calls_per_minute: int = Field(
        default=200, ge=1, description="Console API calls a minute per associate (all nodes)"
    )
    track_max_body_bytes: int = 256 * 1024
    insight: bool = Field(default=True, description="Score visits with the models (salon.insight)")
    intent_model: Path | None = Field(
        default=None, description="A model from `salon insight train`; unset: the shipped one"
    )
    abandonment_model: Path | None = Field(
        default=None, description="A cart model from `salon insight train`; unset: the rule"
    )
    demo: bool = Field(default=False, description="Serve the demo storefront at /shop")
    demo_shoppers: int = Field(default=80, ge=0, le=1000)
    demo_outbox: Path = Path("./outbox")
    smtp_url: str | None = Field(
        default=None,
        description="smtp://[user:pass@]host:port[?starttls=1] or smtps://...; "
        "unset = transcripts go to demo_outbox as .eml files",
    )
    mail_from: str = Field(
        default="Salon <no-reply@localhost>", description="From of transcript e-mails"
    )
    weekly_report: bool = Field(
        default=True, description="E-mail supervisors last week's analytics (salon.analytics)"
    )
    weekly_report_weekday: int = Field(
        default=0, ge=0, le=6, description="Day the weekly report goes out (0 = Monday, UTC)"
    )
    weekly_report_hour: int = Field(
        default=7, ge=0, le=23, description="Hour (UTC) from which the weekly report goes out"
    )
    webhook_retry_base_seconds: float = Field(
        default=10.0, gt=0, description="First webhook retry after this; doubles each attempt"
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, description="A webhook delivery fails for good after this many attempts"
    )
    webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long a store's webhook receiver may take to answer"
    )

    @property
    def base_url(self) -> str:
        return self.public_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def allowed_console_origins(self) -> set[str]:
        origins = {self.base_url, f"http://localhost:{self.port}", f"http://127.0.0.1:{self.port}"}
        return origins | set(self.console_origins)


@lru_cache
def get_settings() -> Settings:
    return Settings()
