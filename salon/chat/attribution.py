"""Orders placed within the attribution window after a chat are credited to its associate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from salon.chat.hours import ChatSettings
from salon.chat.models import Attribution, Conversation
from salon.core.bus import EventBus
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.db.upsert import insert_ignore
from salon.identity.models import Associate, AssociateSite
from salon.identity.service import SiteDirectory
from salon.tracking.service import TOPIC_INGESTED


class AttributionLedger:
    def __init__(self, db: Database, bus: EventBus, sites: SiteDirectory) -> None:
        self.db, self.sites = db, sites
        bus.subscribe(TOPIC_INGESTED, self.on_ingested, origin_only=True)

    async def on_ingested(self, payload: dict[str, Any]) -> None:
        for event in payload["events"]:
            if event["type"] == "purchase":
                data = event["data"]
                await self.credit(
                    payload["site_id"],
                    payload["visitor_id"],
                    payload.get("customer_id"),
                    str(data["order_id"]),
                    Decimal(str(data["total"])),
                    str(data.get("currency", "EUR")),
                    datetime.fromtimestamp(event["at"], UTC),
                )

    async def credit(
        self,
        site_id: str,
        visitor_id: str,
        customer_id: str | None,
        order_id: str,
        total: Decimal,
        currency: str,
        placed_at: datetime,
    ) -> bool:
        """Credit the most recent chat with an associate inside the window; once per order."""
        site = await self.sites.by_id(site_id)
        if site is None:
            return False
        window = timedelta(days=ChatSettings.of(site).attribution_days)
        who = (Conversation.visitor_id == visitor_id) | (
            (Conversation.customer_id == customer_id) if customer_id else False
        )
        async with self.db.writer() as session:
            chat = (
                await session.execute(
                    select(Conversation.id, Conversation.associate_id)
                    .where(
                        Conversation.site_id == site_id,
                        who,
                        Conversation.associate_id.is_not(None),
                        Conversation.created_at >= placed_at - window,
                        Conversation.created_at <= placed_at,
                    )
                    .order_by(Conversation.created_at.desc())
                    .limit(1)
                )
            ).first()
            if chat is None:
                return False
            await session.execute(
                insert_ignore(session, Attribution, ["site_id", "order_external_id"]).values(
                    id=new_id(),
                    site_id=site_id,
                    conversation_id=chat[0],
                    associate_id=chat[1],
                    order_external_id=order_id,
                    total=total,
                    currency=currency,
                    placed_at=placed_at,
                )
            )
        return True

    async def report(self, site_id: str) -> dict[str, Any]:
        site = await self.sites.by_id(site_id)
        days = ChatSettings.of(site).attribution_days if site else 7
        async with self.db.reader() as session:
            totals = (
                await session.execute(
                    select(
                        Associate.id,
                        Associate.name,
                        func.count(Attribution.id),
                        func.coalesce(func.sum(Attribution.total), 0),
                    )
                    .join(AssociateSite, AssociateSite.associate_id == Associate.id)
                    .outerjoin(
                        Attribution,
                        (Attribution.associate_id == Associate.id)
                        & (Attribution.site_id == site_id),
                    )
                    .where(AssociateSite.site_id == site_id)
                    .group_by(Associate.id, Associate.name)
                    .order_by(func.coalesce(func.sum(Attribution.total), 0).desc(), Associate.name)
                )
            ).all()
            orders = (
                await session.execute(
                    select(Attribution, Associate.name, Conversation.reference)
                    .join(Conversation, Conversation.id == Attribution.conversation_id)
                    .outerjoin(Associate, Associate.id == Attribution.associate_id)
                    .where(Attribution.site_id == site_id)
                    .order_by(Attribution.placed_at.desc())
                    .limit(50)
                )
            ).all()
        return {
            "window_days": days,
            "associates": [
                {"id": i, "name": n, "orders": int(c), "revenue": float(r)} for i, n, c, r in totals
            ],
            "orders": [
                {
                    "order_id": a.order_external_id,
                    "total": float(a.total),
                    "currency": a.currency,
                    "associate": name,
                    "conversation_reference": ref,
                    "placed_at": a.placed_at.isoformat(),
                }
                for a, name, ref in orders
            ],
        }
