"""What an import run knows: the site's rows it refers to, loaded once, and one honest upsert.

Every writer resolves the store's external ids through these maps (one query per table, not one
per row) and writes through `upsert`, which changes only the attributes that differ, so that a
re-imported file reports `unchanged` and issues no UPDATE at all.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product, Variant
from salon.core.clock import as_utc
from salon.customers.models import Customer
from salon.identity.models import Associate, AssociateSite
from salon.stores.models import Location

Outcome = Literal["created", "updated", "unchanged"]
Problem = tuple[str | None, str]  # (column, reason)
T = TypeVar("T")


def utc(value: datetime | None) -> datetime | None:
    """Aware UTC, always: SQLite keeps the wall time it is given, so zones are resolved here."""
    return as_utc(value) if value is not None else None


def same(current: Any, wanted: Any) -> bool:
    """Equal as stored: Numeric comes back as Decimal, SQLite datetimes come back naive."""
    if current is None or wanted is None:
        return current is None and wanted is None
    if isinstance(current, datetime) and isinstance(wanted, datetime):
        return as_utc(current) == as_utc(wanted)
    if isinstance(current, Decimal | float) and isinstance(wanted, Decimal | float | int):
        return Decimal(str(current)) == Decimal(str(wanted))
    return bool(current == wanted)


@dataclass
class Context:
    """One import run against one site; the maps fill lazily and see this run's own writes."""

    session: AsyncSession
    site_id: str
    scratch: dict[str, Any] = field(default_factory=dict)
    _maps: dict[str, dict[Any, Any]] = field(default_factory=dict)

    async def products(self) -> dict[str, Product]:
        if "products" not in self._maps:
            rows = await self.session.scalars(
                select(Product).where(Product.site_id == self.site_id)
            )
            self._maps["products"] = {p.external_id: p for p in rows}
        found: dict[str, Product] = self._maps["products"]
        return found

    async def variants(self) -> dict[tuple[str, str], Variant]:
        """Keyed by (product external id, variant external id), as files name them."""
        if "variants" not in self._maps:
            rows = await self.session.execute(
                select(Variant, Product.external_id)
                .join(Product, Product.id == Variant.product_id)
                .where(Product.site_id == self.site_id)
            )
            self._maps["variants"] = {(pid, v.external_id): v for v, pid in rows}
        found: dict[tuple[str, str], Variant] = self._maps["variants"]
        return found

    async def locations(self) -> dict[str, Location]:
        if "locations" not in self._maps:
            rows = await self.session.scalars(
                select(Location).where(Location.site_id == self.site_id)
            )
            self._maps["locations"] = {loc.external_id: loc for loc in rows}
        found: dict[str, Location] = self._maps["locations"]
        return found

    async def customers(self) -> dict[str, Customer]:
        if "customers" not in self._maps:
            rows = await self.session.scalars(
                select(Customer).where(Customer.site_id == self.site_id)
            )
            self._maps["customers"] = {c.external_id: c for c in rows}
        found: dict[str, Customer] = self._maps["customers"]
        return found

    async def associates(self) -> dict[str, tuple[Associate, AssociateSite | None]]:
        """Every account by lower-case e-mail, with its membership of this site (None: other)."""
        if "associates" not in self._maps:
            rows = await self.session.execute(
                select(Associate, AssociateSite).outerjoin(
                    AssociateSite,
                    (AssociateSite.associate_id == Associate.id)
                    & (AssociateSite.site_id == self.site_id),
                )
            )
            self._maps["associates"] = {a.email.lower(): (a, s) for a, s in rows}
        found: dict[str, tuple[Associate, AssociateSite | None]] = self._maps["associates"]
        return found

    async def location_id(self, external_id: str | None) -> str | None:
        if external_id is None:
            return None
        found = (await self.locations()).get(external_id)
        return found.id if found else None

    async def customer_id(self, external_id: str | None) -> str | None:
        if external_id is None:
            return None
        found = (await self.customers()).get(external_id)
        return found.id if found else None

    async def missing_refs(self, row: Any, **columns: str) -> list[Problem]:
        """Problems for reference columns naming nothing; `columns` maps column -> table."""
        problems: list[Problem] = []
        lookups: dict[str, Callable[[], Any]] = {
            "location": self.locations,
            "customer": self.customers,
            "product": self.products,
        }
        for column, table in columns.items():
            value = getattr(row, column)
            if value is None:
                continue
            known = await lookups[table]()
            if value not in known:
                problems.append((column, f"unknown {table} {value!r}"))
        return problems


def upsert(
    ctx: Context,
    existing: dict[Hashable, T],
    key: Hashable,
    make: Callable[[], T],
    values: dict[str, Any],
) -> Outcome:
    """Create from `make()` when the key is new, else set only the attributes that differ."""
    current = existing.get(key)
    if current is None:
        created = make()
        for name, value in values.items():
            setattr(created, name, value)
        ctx.session.add(created)
        existing[key] = created
        return "created"
    return "updated" if update_fields(current, values) else "unchanged"


def update_fields(obj: Any, values: dict[str, Any]) -> bool:
    """Set only what differs (no UPDATE for equal values); True when anything did."""
    changed = False
    for name, value in values.items():
        if not same(getattr(obj, name), value):
            setattr(obj, name, value)
            changed = True
    return changed
