"""Declarative base shared by every domain's tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSON on SQLite, JSONB on PostgreSQL
JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {
        datetime: DateTime(timezone=True),
        dict[str, Any]: JsonType,
    }


def import_all_models() -> None:
    """Register every domain's tables on Base.metadata (Alembic and tests need them all)."""
    from salon.analytics import models as _analytics  # noqa: F401
    from salon.catalog import models as _catalog  # noqa: F401
    from salon.chat import models as _chat  # noqa: F401
    from salon.core import lease as _lease  # noqa: F401
    from salon.customers import models as _customers  # noqa: F401
    from salon.helpdesk import models as _helpdesk  # noqa: F401
    from salon.identity import models as _identity  # noqa: F401
    from salon.offers import models as _offers  # noqa: F401
    from salon.playbooks import models as _playbooks  # noqa: F401
    from salon.privacy import models as _privacy  # noqa: F401
    from salon.stores import models as _stores  # noqa: F401
    from salon.topics import models as _topics  # noqa: F401
    from salon.tracking import models as _tracking  # noqa: F401
    from salon.webhooks import models as _webhooks  # noqa: F401
