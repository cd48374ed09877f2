"""Seed the demo store: a site, its catalogue, customers with order history, and associates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from salon.analytics.history import seed_history
from salon.catalog.imports.schemas import LOAD_ORDER
from salon.catalog.imports.service import ImportReport, apply_rows
from salon.chat.models import CannedReply, ChatAgent
from salon.core.clock import as_utc, utcnow
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.db.upsert import insert_ignore
from salon.demo import store_data
from salon.demo.enterprise_data import build_rows
from salon.helpdesk.demo import seed_helpdesk
from salon.identity.models import Associate, Site
from salon.identity.service import SiteDirectory, SiteInfo, create_associate, create_site
from salon.playbooks.models import Playbook
from salon.playbooks.schemas import PlaybookIn
from salon.playbooks.service import create_playbook
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
    async with db.reader() as session:
        existing = set((await session.scalars(select(Associate.email))).all())
        created_at = await session.scalar(select(Site.created_at).where(Site.id == site.id))
    for account in DEMO_ACCOUNTS:  # before the import, which then adds their profiles
        if account.email not in existing:
            await create_associate(
                db,
                account.email,
                account.name,
                account.password,
                account.role,
                [site.id],
            )
    await load_demo_rows(db, site.id, as_utc(created_at or utcnow()))
    await seed_chat(db, site.id)
    await seed_playbooks(db, site.id)
    await seed_helpdesk(db, site.id)
    await seed_past_weeks(db, site.id)
    return site


async def load_demo_rows(db: Database, site_id: str, anchor: datetime) -> dict[str, ImportReport]:
    """Write the store's tables through the importer, in one transaction, kind by kind.

    The rows are dated from `anchor` (the day the demo site was created), so a second run
    sends the very same rows and the importer reports every one unchanged.
    """
    rows = build_rows(anchor)
    reports: dict[str, ImportReport] = {}
    async with db.writer() as session:
        for kind in LOAD_ORDER:
            report = await apply_rows(session, site_id, kind, rows[kind])
            if report.errors:
                problems = "; ".join(
                    f"line {e.line} {e.column or ''}: {e.reason}" for e in report.errors[:3]
                )
                raise RuntimeError(f"the demo {kind} rows were refused: {problems}")
            reports[kind] = report
    return reports


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


DEMO_PLAYBOOKS: tuple[dict[str, Any], ...] = (
    {
        "name": "Save the stalled cart",
        "description": "A big cart stalls on checkout: an associate looks, the shopper is "
        "invited to chat with a personal code.",
        "enabled": True,
        "trigger": {
            "all": [
                {"signal": "checkout_idle_seconds", "op": "gte", "value": 12},
                {"signal": "cart_value", "op": "gte", "value": 300},
            ]
        },
        "actions": [
            {"type": "alert", "message": "Stalled on checkout with a big cart"},
            {"type": "invite", "message": "Anything we can help with before you order?"},
            {"type": "coupon", "kind": "percent", "min": 5, "max": 12, "min_basket": 200},
        ],
        "holdout_percent": 20,
    },
    {
        "name": "Win back the unhappy",
        "description": "A customer's mood turns negative on a call, an e-mail or a chat.",
        "enabled": True,
        "trigger": {"signal": "mood_turned_negative", "op": "is", "value": True},
        "actions": [
            {"type": "alert", "message": "Unhappy: reach out", "to": "customer_associate"},
            {"type": "follow_up", "title": "Call back and put it right", "due_hours": 24},
            {"type": "invite", "message": "We are sorry. Can we help put things right?"},
        ],
        "holdout_percent": 10,
    },
    {
        "name": "Welcome back our VIPs",
        "description": "A gold or platinum customer is browsing: greet them.",
        "enabled": True,
        "trigger": {"signal": "returning_vip", "op": "is", "value": True},
        "actions": [
            {"type": "alert", "message": "A VIP is browsing"},
            {"type": "tag", "tag": "vip-visit"},
        ],
        "holdout_percent": 10,
    },
)
DEMO_COUPON_BUDGET = 1500


async def seed_playbooks(db: Database, site_id: str) -> None:
    """The demo's playbooks, once (a supervisor's later edits are kept), and a coupon budget."""
    async with db.writer() as session:
        known = set(
            (await session.scalars(select(Playbook.name).where(Playbook.site_id == site_id))).all()
        )
        for definition in DEMO_PLAYBOOKS:
            if definition["name"] not in known:
                await create_playbook(session, site_id, PlaybookIn.model_validate(definition), None)
        site = await session.get(Site, site_id)
        if site is not None and "playbooks" not in (site.settings or {}):
            site.settings = {
                **(site.settings or {}),
                "playbooks": {"coupon_daily_budget": DEMO_COUPON_BUDGET},
            }


async def seed_past_weeks(db: Database, site_id: str) -> None:
    """Four weeks of past visits and chats for the analytics, once per demo site."""
    async with db.reader() as session:
        site = await session.get(Site, site_id)
        done = bool(site and (site.settings or {}).get("demo", {}).get("history"))
    if done:
        return
    await seed_history(db, site_id)
    async with db.writer() as session:
        site = await session.get(Site, site_id)
        if site is not None:
            demo = {**(site.settings or {}).get("demo", {}), "history": True}
            site.settings = {**(site.settings or {}), "demo": demo}
