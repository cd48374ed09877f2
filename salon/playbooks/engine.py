"""The playbook engine: watches the live floor, fires playbooks, and follows what came of them.

Every second it reads each live visit's signals (salon.playbooks.signals) and tests the enabled
playbooks of that site. The floor's edges (an abandonment moment, a mood turned negative) arrive
on the bus and count as true for a short while, so a once-only edge is not missed between rounds;
a customer who turned unhappy on another channel and is not on the site is tested on what is
known of them (contact signals).

A firing is one transaction: the caps are claimed (a playbook once per visit, one invitation per
visit, one coupon per customer per N days), the shopper is drawn into the treated group or the
hold-out, and for the treated the coupon is priced, budgeted and issued, the task queued, the tag
set, and the webhooks queued. Only after it commits does the widget get its offer and the floor
its alert. Purchases on a visit mark its firings converted (hold-out included: that is the lift's
baseline) and redeem the code the shopper used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.catalog.models import Product
from salon.chat.hours import ChatSettings
from salon.chat.models import Conversation
from salon.core.bus import EventBus
from salon.core.clock import utcnow
from salon.core.ids import new_id
from salon.customers.models import Customer
from salon.customers.service import customer_profile
from salon.db.engine import Database
from salon.db.upsert import insert_ignore
from salon.floor.live import TOPIC_ABANDONMENT_MOMENT, TOPIC_MOOD_SHIFT, LiveFloor
from salon.floor.state import VisitState
from salon.identity.service import SiteDirectory, SiteInfo
from salon.identity.signing import hmac_sha256
from salon.playbooks import conditions
from salon.playbooks import coupons as coupon_rules
from salon.playbooks.models import CapClaim, Firing, FollowUpTask, Playbook
from salon.playbooks.outbox import Offer, WidgetOutbox
from salon.playbooks.schemas import (
    AlertAction,
    CouponAction,
    FollowUpAction,
    InviteAction,
    MessageAction,
    PlaybookIn,
    TagAction,
)
from salon.playbooks.signals import contact_signals, logged, visit_signals
from salon.tracking.service import TOPIC_INGESTED
from salon.webhooks.service import enqueue as enqueue_webhook

log = logging.getLogger(__name__)

ROUND_SECONDS = 1.0
EDGE_SECONDS = 60.0  # an abandonment moment or a mood shift counts as true this long
PLAYBOOK_REFRESH_SECONDS = 10.0  # another node may have changed them
SITE_REFRESH_SECONDS = 30.0

OFFER_DEFAULT_MESSAGE = "A little something for you, if it helps you decide."
TOPIC_FIRED = "playbooks.fired"
YIELD_EVERY = 200  # visits tested between two turns of the event loop


@dataclass
class LoadedPlaybook:
    id: str
    site_id: str
    name: str
    version: int
    salt: str
    holdout_percent: int
    definition: PlaybookIn
    reads: list[str]
    watches_carts: bool


@dataclass
class _SiteCache:
    info: SiteInfo | None = None
    info_at: float = 0.0
    playbooks: list[LoadedPlaybook] = field(default_factory=list)
    playbooks_at: float = 0.0
    on_sale: frozenset[str] = frozenset()


def holdout_draw(salt: str, who: str) -> float:
    """A uniform draw in [0, 1) that is random across playbooks and the same for a shopper."""
    digest = hmac_sha256(salt, who)
    return int.from_bytes(digest[:8], "big") / 2**64


def group_for(playbook: LoadedPlaybook | Playbook, who: str) -> str:
    held = holdout_draw(playbook.salt, who) < playbook.holdout_percent / 100
    return "holdout" if held else "treated"


def load(playbook: Playbook) -> LoadedPlaybook:
    definition = PlaybookIn.model_validate(
        {
            "name": playbook.name,
            "description": playbook.description,
            "enabled": playbook.enabled,
            "trigger": playbook.trigger,
            "actions": playbook.actions,
            "caps": playbook.caps,
            "holdout_percent": playbook.holdout_percent,
        }
    )
    reads = conditions.referenced(definition.trigger)
    return LoadedPlaybook(
        id=playbook.id,
        site_id=playbook.site_id,
        name=playbook.name,
        version=playbook.version,
        salt=playbook.salt,
        holdout_percent=playbook.holdout_percent,
        definition=definition,
        reads=reads,
        watches_carts=bool(
            {"cart_value", "cart_items", "checkout_idle_seconds", "abandonment_moment"} & set(reads)
        ),
    )


async def claim(
    session: AsyncSession, site_id: str, key: str, window: timedelta | None, now: datetime
) -> bool:
    """Take a cap: True once per key (or once per window); parallel claims cannot both win."""
    inserted = await session.execute(
        insert_ignore(session, CapClaim, ["site_id", "key"]).values(
            site_id=site_id, key=key, last_at=now
        )
    )
    if inserted.rowcount:  # type: ignore[attr-defined]
        return True
    if window is None:
        return False
    renewed = await session.execute(
        update(CapClaim)
        .where(CapClaim.site_id == site_id, CapClaim.key == key, CapClaim.last_at <= now - window)
        .values(last_at=now)
    )
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


@dataclass
class Outcome:
    firing: Firing
    offer: Offer | None = None
    alert: dict[str, Any] | None = None
    tags: list[str] = field(default_factory=list)


class PlaybookEngine:
    def __init__(
        self,
        db: Database,
        bus: EventBus,
        sites: SiteDirectory,
        floor: LiveFloor,
        outbox: WidgetOutbox,
    ) -> None:
        self.db, self.bus, self.sites, self.floor, self.outbox = db, bus, sites, floor, outbox
        self._cache: dict[str, _SiteCache] = {}
        self._fired: set[tuple[str, str]] = set()  # (playbook, visit) settled in this process
        self._moments: dict[tuple[str, str], float] = {}
        self._shifts: dict[tuple[str, str], tuple[float, str]] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.leads: Callable[[], bool] = lambda: True  # several nodes: only the leader fires
        outbox.watching = self.watching
        bus.subscribe(TOPIC_ABANDONMENT_MOMENT, self.on_moment)
        bus.subscribe(TOPIC_MOOD_SHIFT, self.on_mood_shift)
        bus.subscribe(TOPIC_INGESTED, self.on_ingested)
        bus.subscribe(TOPIC_FIRED, self._on_fired)

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        await self.restore_offers()
        self._task = asyncio.create_task(self._run(), name="playbooks")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(ROUND_SECONDS)
            try:
                await self.round(time.time())
            except Exception:
                log.exception("playbook round failed")

    async def restore_offers(self) -> int:
        """After a restart: offers fired but not yet handed to the widget are handed over still."""
        since = utcnow() - timedelta(minutes=30)
        async with self.db.reader() as session:
            waiting = (
                await session.scalars(
                    select(Firing).where(
                        Firing.fired_at >= since,
                        Firing.offer_status == "pending",
                        Firing.visit_id.is_not(None),
                    )
                )
            ).all()
        for firing in waiting:
            if firing.offer and firing.visit_id:
                self.outbox.put(firing.site_id, firing.visit_id, firing.offer)
        return len(waiting)

    def invalidate(self, site_id: str, site_settings: bool = False) -> None:
        """A playbook (or the site's budget) changed here: reload it on the next round."""
        cache = self._cache.get(site_id)
        if cache:
            cache.playbooks_at = 0.0
            if site_settings:
                cache.info_at = 0.0

    # -- what is watched ---------------------------------------------------------------------
    async def _site(self, site_id: str, now: float) -> _SiteCache:
        cache = self._cache.setdefault(site_id, _SiteCache())
        if now - cache.info_at >= SITE_REFRESH_SECONDS:
            cache.info = await self.sites.by_id(site_id)
            async with self.db.reader() as session:
                rows = await session.execute(
                    select(Product.external_id).where(
                        Product.site_id == site_id,
                        Product.compare_at_price.is_not(None),
                        Product.compare_at_price > Product.price,
                    )
                )
                cache.on_sale = frozenset(r[0] for r in rows)
            cache.info_at = now
        if now - cache.playbooks_at >= PLAYBOOK_REFRESH_SECONDS:
            async with self.db.reader() as session:
                stored = (
                    await session.scalars(
                        select(Playbook)
                        .where(Playbook.site_id == site_id, Playbook.enabled.is_(True))
                        .order_by(Playbook.created_at, Playbook.id)
                    )
                ).all()
            cache.playbooks = []
            for playbook in stored:
                try:
                    cache.playbooks.append(load(playbook))
                except Exception:
                    log.exception("playbook %s cannot be loaded; skipped", playbook.id)
            cache.playbooks_at = now
        return cache

    def watching(self, site_id: str, visit_id: str) -> bool:
        """A visit with a cart on a site whose playbooks read the cart: beat faster."""
        cache = self._cache.get(site_id)
        if cache is None or not any(p.watches_carts for p in cache.playbooks):
            return False
        state = self.floor.state.get(site_id, visit_id)
        return bool(state and state.cart and not state.purchased)

    # -- edges from the floor ----------------------------------------------------------------
    async def on_moment(self, payload: dict[str, Any]) -> None:
        self._moments[(payload["site_id"], payload["visit_id"])] = time.time()

    async def on_mood_shift(self, payload: dict[str, Any]) -> None:
        site_id, now = payload["site_id"], time.time()
        channel = str(payload.get("channel") or "web")
        if payload.get("visit_id"):
            self._shifts[(site_id, payload["visit_id"])] = (now, channel)
            return
        customer_id = payload.get("customer_id")
        if not customer_id:
            return
        live = [s for s in self.floor.state.visits(site_id) if s.customer_id == customer_id]
        for state in live:
            self._shifts[(site_id, state.visit_id)] = (now, channel)
        if not live:
            await self.on_contact(site_id, str(customer_id), channel, now)

    async def on_contact(self, site_id: str, customer_id: str, channel: str, now: float) -> None:
        """An unhappy call or e-mail from a customer who is not on the site."""
        if not self.leads():
            return
        cache = await self._site(site_id, now)
        if not cache.playbooks or cache.info is None:
            return
        async with self.db.reader() as session:
            profile = await customer_profile(session, customer_id)
        brief = profile.brief() if profile else None
        signals = contact_signals(
            brief, channel, self._open(cache, now), self.floor.rules.high_value_customer
        )
        for playbook in cache.playbooks:
            if conditions.evaluate(playbook.definition.trigger, signals):
                await self.fire(playbook, None, signals, now, customer_id=customer_id)

    # -- the round ---------------------------------------------------------------------------
    def _open(self, cache: _SiteCache, now: float) -> bool:
        if cache.info is None:
            return True
        return ChatSettings.of(cache.info).is_open(datetime.fromtimestamp(now, UTC))

    async def round(self, now: float) -> int:
        """Test every live visit of every site that has playbooks; the number fired."""
        fired = 0
        self._expire(now)
        leads = self.leads()
        for site_id in list(self.floor.state.sites()):
            cache = await self._site(site_id, now)  # every node: `watching` reads the playbooks
            if not cache.playbooks or not leads:
                continue
            open_now = self._open(cache, now)
            vip = self.floor.rules.high_value_customer
            for index, state in enumerate(list(self.floor.state.visits(site_id))):
                if index and index % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # let ingest and the feed in between
                pending = [p for p in cache.playbooks if (p.id, state.visit_id) not in self._fired]
                if not pending:
                    continue
                shift = self._shifts.get((site_id, state.visit_id))
                signals = visit_signals(
                    state,
                    now,
                    vip_value=vip,
                    business_hours=open_now,
                    moment=(site_id, state.visit_id) in self._moments,
                    turned_negative=shift is not None,
                    channel=shift[1] if shift else "web",
                )
                for playbook in pending:
                    matched = conditions.evaluate(playbook.definition.trigger, signals)
                    if matched and await self.fire(playbook, state, signals, now):
                        fired += 1
        return fired

    def _expire(self, now: float) -> None:
        for key, at in list(self._moments.items()):
            if now - at > EDGE_SECONDS:
                del self._moments[key]
        for key, (at, _) in list(self._shifts.items()):
            if now - at > EDGE_SECONDS:
                del self._shifts[key]
        if len(self._fired) > 200_000:
            self._fired.clear()  # the caps in the database still hold

    # -- firing ------------------------------------------------------------------------------
    async def fire(
        self,
        playbook: LoadedPlaybook,
        state: VisitState | None,
        signals: dict[str, Any],
        now: float,
        customer_id: str | None = None,
    ) -> Firing | None:
        """Fire once (caps permitting); the firing, or None when a cap had already been used."""
        visit_id = state.visit_id if state else None
        if visit_id:
            self._fired.add((playbook.id, visit_id))
        customer_id = customer_id or (state.customer_id if state else None)
        cache = await self._site(playbook.site_id, now)
        try:
            async with self.db.writer() as session:
                outcome = await self._fire_in(
                    session, playbook, state, signals, now, customer_id, cache
                )
        except Exception:
            log.exception("playbook %s failed to fire", playbook.id)
            return None
        if outcome is None:
            return None
        await self._after(outcome, state)
        return outcome.firing

    async def _fire_in(
        self,
        session: AsyncSession,
        playbook: LoadedPlaybook,
        state: VisitState | None,
        signals: dict[str, Any],
        now_ts: float,
        customer_id: str | None,
        cache: _SiteCache,
    ) -> Outcome | None:
        now = datetime.fromtimestamp(now_ts, UTC)
        site_id, caps = playbook.site_id, playbook.definition.caps
        visit_id = state.visit_id if state else None
        visitor_id = state.visitor_id if state else None
        who = visitor_id or customer_id or new_id()
        if visit_id and not await claim(
            session, site_id, f"pb:{playbook.id}:v:{visit_id}", None, now
        ):
            return None
        if customer_id and not visit_id:
            window = timedelta(days=max(1, caps.per_visitor_days))
            if not await claim(session, site_id, f"pb:{playbook.id}:c:{customer_id}", window, now):
                return None
        if caps.per_visitor_days and visitor_id:
            window = timedelta(days=caps.per_visitor_days)
            if not await claim(session, site_id, f"pb:{playbook.id}:p:{visitor_id}", window, now):
                return None
        firing = Firing(
            id=new_id(),
            site_id=site_id,
            playbook_id=playbook.id,
            version=playbook.version,
            visit_id=visit_id,
            visitor_id=visitor_id,
            customer_id=customer_id,
            group=group_for(playbook, who),
            signals=logged(signals, playbook.reads),
            actions=[],
            fired_at=now,
        )
        session.add(firing)
        await session.flush()
        outcome = Outcome(firing)
        if firing.group == "treated":
            await self._treat(session, playbook, state, firing, outcome, now, cache)
        await enqueue_webhook(session, site_id, "playbook.fired", fired_view(firing, playbook.name))
        return outcome

    async def _treat(
        self,
        session: AsyncSession,
        playbook: LoadedPlaybook,
        state: VisitState | None,
        firing: Firing,
        outcome: Outcome,
        now: datetime,
        cache: _SiteCache,
    ) -> None:
        site_id, caps = playbook.site_id, playbook.definition.caps
        done: list[dict[str, Any]] = []
        card: InviteAction | MessageAction | None = None
        coupon_view: dict[str, Any] | None = None
        for action in playbook.definition.actions:
            if isinstance(action, InviteAction | MessageAction):
                card = action
            elif isinstance(action, CouponAction):
                coupon_view, note = await self._coupon(
                    session,
                    playbook,
                    state,
                    firing,
                    action,
                    caps.coupon_per_customer_days,
                    now,
                    cache,
                )
                done.append(
                    {
                        "type": "coupon",
                        **({"code": coupon_view["code"]} if coupon_view else {}),
                        "note": note,
                    }
                )
            elif isinstance(action, TagAction):
                outcome.tags.append(action.tag)
                if firing.customer_id:
                    customer = await session.get(Customer, firing.customer_id)
                    if customer is not None and action.tag not in (customer.tags or []):
                        customer.tags = [*(customer.tags or []), action.tag][-20:]
                done.append({"type": "tag", "tag": action.tag})
            elif isinstance(action, FollowUpAction):
                associate = await customer_associate(session, firing.customer_id)
                task = FollowUpTask(
                    id=new_id(),
                    site_id=site_id,
                    customer_id=firing.customer_id,
                    associate_id=associate,
                    firing_id=firing.id,
                    title=action.title,
                    note=summary_note(firing.signals),
                    due_at=now + timedelta(hours=action.due_hours),
                    created_at=now,
                )
                session.add(task)
                done.append({"type": "follow_up", "task_id": task.id, "associate_id": associate})
            elif isinstance(action, AlertAction):
                associate = (
                    await customer_associate(session, firing.customer_id)
                    if action.to == "customer_associate"
                    else None
                )
                outcome.alert = {
                    "message": action.message or playbook.name,
                    "playbook": playbook.name,
                    "at": now.timestamp(),
                    "associate_id": associate,
                }
                done.append({"type": "alert", "associate_id": associate})
        if (card is not None or coupon_view is not None) and firing.visit_id:
            kind = "invite" if isinstance(card, InviteAction) else "message"
            if kind == "invite" and not await claim(
                session, site_id, f"invite:v:{firing.visit_id}", None, now
            ):
                done.append({"type": "invite", "note": "skipped: this visit had an invitation"})
                kind = "message" if coupon_view else ""
            if kind:
                message = (
                    card.message
                    if card is not None and kind == card.type
                    else OFFER_DEFAULT_MESSAGE
                )
                outcome.offer = {
                    "id": firing.id,
                    "kind": kind,
                    "message": message,
                    "coupon": coupon_view,
                }
                firing.offer = outcome.offer
                firing.offer_status = "pending"
                done.append({"type": kind})
        elif card is not None:
            done.append({"type": card.type, "note": "skipped: the customer is not on the site"})
        firing.actions = done

    async def _coupon(
        self,
        session: AsyncSession,
        playbook: LoadedPlaybook,
        state: VisitState | None,
        firing: Firing,
        action: CouponAction,
        per_customer_days: int,
        now: datetime,
        cache: _SiteCache,
    ) -> tuple[dict[str, Any] | None, str]:
        site_id = playbook.site_id
        holder = firing.customer_id or firing.visitor_id
        if holder is None:
            return None, "skipped: nobody to give it to"
        offer = coupon_rules.personalise(action, state, cache.on_sale)
        if offer.max_discount <= 0:
            return None, "skipped: an empty cart"
        settings = cache.info.settings if cache.info else {}
        cap = await coupon_rules.daily_cap(settings)
        if not await coupon_rules.commit_budget(session, site_id, offer.max_discount, cap, now):
            return None, f"skipped: today's coupon budget (EUR {cap:,.0f}) is spent"
        if per_customer_days and not await claim(
            session, site_id, f"coupon:{holder}", timedelta(days=per_customer_days), now
        ):
            await coupon_rules.refund_budget(session, site_id, offer.max_discount, now)
            return None, f"skipped: a coupon in the last {per_customer_days} days"
        coupon = await coupon_rules.issue(
            session,
            site_id=site_id,
            action=action,
            offer=offer,
            playbook_id=playbook.id,
            firing_id=firing.id,
            visitor_id=firing.visitor_id,
            customer_id=firing.customer_id,
            now=now,
        )
        firing.coupon_code = coupon.code
        view = coupon_rules.offer_view(coupon)
        await enqueue_webhook(
            session,
            site_id,
            "coupon.issued",
            {
                **view,
                "customer_id": firing.customer_id,
                "visit_id": firing.visit_id,
                "playbook_id": playbook.id,
                "firing_id": firing.id,
                "max_discount": float(offer.max_discount),
                "why": offer.reasons,
            },
        )
        return view, ", ".join(offer.reasons)

    async def _after(self, outcome: Outcome, state: VisitState | None) -> None:
        firing = outcome.firing
        if outcome.offer and firing.visit_id:
            await self.outbox.send(firing.site_id, firing.visit_id, outcome.offer)
        await self.bus.publish(  # every node's floor shows the alert and tags (_on_fired)
            TOPIC_FIRED,
            {
                "site_id": firing.site_id,
                "playbook_id": firing.playbook_id,
                "firing_id": firing.id,
                "visit_id": firing.visit_id,
                "group": firing.group,
                "alert": outcome.alert,
                "tags": list(outcome.tags),
            },
        )

    async def _on_fired(self, payload: dict[str, Any]) -> None:
        """A firing's alert and tags on this node's floor (whichever node fired it)."""
        visit_id = payload.get("visit_id")
        state = self.floor.state.get(payload["site_id"], visit_id) if visit_id else None
        if state is None or not (payload.get("alert") or payload.get("tags")):
            return
        if payload.get("alert"):
            state.alert = payload["alert"]
        for tag in payload.get("tags") or ():
            if tag not in state.tags:
                state.tags.append(tag)
        self.floor.touch(state.site_id, state.visit_id)

    # -- what came of it ---------------------------------------------------------------------
    async def on_ingested(self, payload: dict[str, Any]) -> None:
        if not self.leads():  # the leader records outcomes (it reads every node's events)
            return
        purchases = [e for e in payload["events"] if e["type"] == "purchase"]
        answers = [e for e in payload["events"] if e["type"] == "engagement"]
        if not purchases and not answers:
            return
        site_id, visit_id = payload["site_id"], payload["visit_id"]
        try:
            async with self.db.writer() as session:
                for event in answers:
                    await session.execute(
                        update(Firing)
                        .where(
                            Firing.id == str(event["data"].get("offer_id")),
                            Firing.site_id == site_id,
                            Firing.visit_id == visit_id,
                        )
                        .values(offer_status=str(event["data"].get("action"))[:12])
                    )
                for event in purchases:
                    await self._purchase(session, payload, event)
        except Exception:
            log.exception("playbook outcome for visit %s failed", visit_id)

    async def _purchase(
        self, session: AsyncSession, payload: dict[str, Any], event: dict[str, Any]
    ) -> None:
        site_id, visit_id = payload["site_id"], payload["visit_id"]
        data = event["data"]
        order_id = str(data.get("order_id"))
        total = Decimal(str(data.get("total") or 0))
        now = utcnow()
        await session.execute(
            update(Firing)
            .where(
                Firing.site_id == site_id, Firing.visit_id == visit_id, Firing.converted.is_(False)
            )
            .values(converted=True, order_id=order_id, order_total=total, converted_at=now)
        )
        code = data.get("coupon")
        if not code:
            return
        reported = data.get("discount")
        coupon = await coupon_rules.redeem(
            session,
            site_id,
            str(code),
            order_id,
            total,
            Decimal(str(reported)) if reported is not None else None,
            now,
        )
        if coupon is None:
            log.info(
                "coupon %s not redeemed for order %s (unknown, used or expired)", code, order_id
            )
            return
        await enqueue_webhook(
            session,
            site_id,
            "coupon.redeemed",
            {
                "code": coupon.code,
                "order_id": order_id,
                "order_total": float(total),
                "discount": float(coupon.discount),
                "visit_id": visit_id,
                "customer_id": coupon.customer_id,
                "playbook_id": coupon.playbook_id,
                "firing_id": coupon.firing_id,
            },
        )


async def customer_associate(session: AsyncSession, customer_id: str | None) -> str | None:
    """The associate who last chatted with this customer: theirs to follow up."""
    if not customer_id:
        return None
    found: str | None = await session.scalar(
        select(Conversation.associate_id)
        .where(Conversation.customer_id == customer_id, Conversation.associate_id.is_not(None))
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )
    return found


SHARES = ("intent", "abandonment_risk")
MONEY = ("cart_value", "lifetime_value")


def summary_note(signals: dict[str, Any]) -> str:
    """The signals a firing read, in words an associate reads at a glance."""
    parts = []
    for key, value in signals.items():
        if value in (None, "", []) or (key in MONEY and not value):
            continue
        name = key.replace("_", " ")
        if isinstance(value, bool):
            shown = "yes" if value else "no"
        elif key in SHARES:
            shown = f"{float(value):.0%}"
        elif key in MONEY:
            shown = f"EUR {float(value):,.0f}"
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        else:
            shown = str(value)
        parts.append(f"{name}: {shown}")
    return "; ".join(parts)[:1000]


def fired_view(firing: Firing, name: str) -> dict[str, Any]:
    return {
        "firing_id": firing.id,
        "playbook_id": firing.playbook_id,
        "playbook": name,
        "version": firing.version,
        "group": firing.group,
        "visit_id": firing.visit_id,
        "customer_id": firing.customer_id,
        "signals": firing.signals,
        "actions": firing.actions,
        "fired_at": firing.fired_at.isoformat(),
    }
