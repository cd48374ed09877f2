"""Seed the demo store: a site, its catalogue, customers with order history, and associates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from salon.catalog.service import upsert_product
from salon.chat.models import CannedReply, ChatAgent
from salon.core.clock import utcnow
from salon.core.ids import new_id
from salon.customers.service import record_order, upsert_customer
from salon.db.engine import Database
from salon.db.upsert import insert_ignore
from salon.demo import store_data
from salon.identity.models import Associate
from salon.identity.service import SiteDirectory, SiteInfo, create_associate, create_site
from salon.web.app import DEMO_SITE_KEY


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount("nick@maison-aurel.example", "Nick Laurent", "associate", "salon-demo-nick"),
    DemoAccount("amara@maison-aurel.example", "Amara Okafor", "associate", "salon-demo-amara"),
    DemoAccount("sofia@maison-aurel.example", "Sofia Marin", "supervisor", "salon-demo-sofia"),
    DemoAccount("admin@maison-aurel.example", "Store Admin", "admin", "salon-demo-admin"),
)


async def seed_demo(db: Database, origins: list[str]) -> SiteInfo:
    """Idempotent: running it twice changes nothing the first run made."""
    sites = SiteDirectory(db)
    site = await sites.by_key(DEMO_SITE_KEY)
    if site is None:
        site = await create_site(db, "Maison Aurel (demo)", origins, key=DEMO_SITE_KEY)
    if not store_data.PRODUCTS:
        raise RuntimeError("the demo catalogue is empty")
    prices = {p.product_id: Decimal(str(p.price)) for p in store_data.PRODUCTS}
    names = {p.product_id: p.name for p in store_data.PRODUCTS}
    now = utcnow()
    async with db.writer() as session:
        for product in store_data.PRODUCTS:
            await upsert_product(
                session,
                site.id,
                product.product_id,
                product.name,
                product.category,
                prices[product.product_id],
                product.description,
                f"/shop/static/img/{product.image}",
                [(v.variant_id, v.colour, v.size, v.stock) for v in product.variants],
                url=f"/shop/p/{product.product_id}",
            )
        for customer in store_data.CUSTOMERS:
            customer_id = await upsert_customer(
                session,
                site.id,
                customer.customer_id,
                customer.name,
                customer.email,
                customer.loyalty_tier,
            )
            for order in customer.orders:
                lines = [
                    (pid, names.get(pid, pid), qty, prices.get(pid, Decimal(0)))
                    for pid, qty in order.lines
                ]
                await record_order(
                    session,
                    site.id,
                    customer_id,
                    order.order_id,
                    now - timedelta(days=order.days_ago),
                    lines,
                    source="demo",
                )
        existing = set((await session.scalars(select(Associate.email))).all())
    for account in DEMO_ACCOUNTS:
        if account.email not in existing:
            await create_associate(
                db,
                account.email,
                account.name,
                account.password,
                account.role,
                [site.id],
            )
    await seed_chat(db, site.id)
    return site


CANNED_REPLIES = (
    ("Welcome", "Hello {visitor_name}, I'm {associate_name} from Maison Aurel. How may I help?"),
    ("Sizing", "Our pieces run true to size; between two sizes, we suggest the larger one."),
    ("Delivery", "Delivery within Europe takes 2-3 working days, insured and signed for."),
    ("Returns", "You can return any piece within 30 days, free of charge."),
    ("Boutique", "I can reserve it in one of our boutiques for you to try, for 48 hours."),
    ("Thanks", "Thank you {visitor_name}; your reference is {reference} if you need us again."),
)


async def seed_chat(db: Database, site_id: str) -> None:
    """Canned replies, and associates ready to chat the moment they open the console."""
    async with db.writer() as session:
        if not (
            await session.scalars(select(CannedReply.id).where(CannedReply.site_id == site_id))
        ).first():
            for title, body in CANNED_REPLIES:
                session.add(CannedReply(id=new_id(), site_id=site_id, title=title, body=body))
        emails = [a.email for a in DEMO_ACCOUNTS if a.role in ("associate", "supervisor")]
        for associate_id in (
            await session.scalars(select(Associate.id).where(Associate.email.in_(emails)))
        ).all():
            await session.execute(
                insert_ignore(session, ChatAgent, ["associate_id"]).values(
                    associate_id=associate_id,
                    availability="available",
                    max_chats=4,
                    skills=[],
                    languages=["en", "fr"],
                )
            )
