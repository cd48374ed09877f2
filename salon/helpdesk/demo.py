"""The demo store's expert groups, with its associates in them."""

from __future__ import annotations

from sqlalchemy import select

from salon.core.ids import new_id
from salon.db.engine import Database
from salon.helpdesk.models import ExpertGroup, ExpertMember
from salon.identity.models import Associate

DEMO_GROUPS = (
    ("Product design", "Materials, cuts, care and made-to-order", ("amara@maison-aurel.example",)),
    ("Inventory", "Stock in boutiques and the warehouse, restocks", ("nick@maison-aurel.example",)),
    (
        "Shipping",
        "Delivery times, customs, returns and tracking",
        ("nick@maison-aurel.example", "amara@maison-aurel.example"),
    ),
)


async def seed_helpdesk(db: Database, site_id: str) -> None:
    """Idempotent: a group that exists (by name) is left as it is, members and all."""
    async with db.writer() as session:
        existing = set(
            (
                await session.scalars(
                    select(ExpertGroup.name).where(ExpertGroup.site_id == site_id)
                )
            ).all()
        )
        emails = {e for _, _, members in DEMO_GROUPS for e in members}
        ids = dict(
            (
                await session.execute(
                    select(Associate.email, Associate.id).where(Associate.email.in_(emails))
                )
            ).all()
        )
        for name, description, members in DEMO_GROUPS:
            if name in existing:
                continue
            group = ExpertGroup(id=new_id(), site_id=site_id, name=name, description=description)
            session.add(group)
            await session.flush()
            session.add_all(
                ExpertMember(group_id=group.id, associate_id=ids[e]) for e in members if e in ids
            )
