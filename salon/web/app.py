"""App assembly: services, routes, static assets and the floor's background loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from salon.analytics import routes as analytics_routes
from salon.analytics.report import run_weekly_reports
from salon.analytics.service import live_intent_of
from salon.catalog import routes as catalog_routes
from salon.chat import console_routes as chat_console_routes
from salon.chat import routes as chat_routes
from salon.chat.attribution import AttributionLedger
from salon.chat.hub import ChatHub
from salon.chat.mailer import TranscriptMailer
from salon.chat.service import ChatService
from salon.config import Settings, get_settings
from salon.core.bus import EventBus, InMemoryBus, RedisBus, node_name
from salon.core.errors import install_error_handlers
from salon.core.lease import LEADER, AlwaysHeld, LeaseKeeper
from salon.customers import routes as customer_routes
from salon.db.engine import Database
from salon.floor import routes as floor_routes
from salon.floor.avatar import FloorRules
from salon.floor.live import LiveFloor
from salon.floor.service import customer_lookup, rebuild
from salon.helpdesk import routes as helpdesk_routes
from salon.helpdesk.live import HelpdeskRelay
from salon.identity import routes as identity_routes
from salon.identity.policy import enforce_policy
from salon.identity.service import RateLimiter, SiteDirectory
from salon.insight.abandonment import AbandonmentModel
from salon.insight.features import compute_page_stats
from salon.insight.intent import IntentModel, load_shipped
from salon.insight.scorer import InsightScorer
from salon.playbooks import routes as playbook_routes
from salon.playbooks.engine import PlaybookEngine
from salon.playbooks.outbox import WidgetOutbox
from salon.privacy import routes as privacy_routes
from salon.privacy.retention import retention_pass
from salon.stores.service import release_expired
from salon.topics import routes as topic_routes
from salon.topics.engine import TopicEngine
from salon.touchpoints import routes as touchpoint_routes
from salon.tracking import routes as tracking_routes
from salon.tracking.ingest import Ingestor
from salon.web.security import SecurityHeaders, WidgetCors
from salon.web.services import ChatLimits, Services
from salon.webhooks import routes as webhook_routes
from salon.webhooks.worker import WebhookWorker

STATIC = Path(__file__).parent / "static"
DEMO_SITE_KEY = "pk_demo_maison_aurel"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoContext:
    site_key: str
    site_secret: str


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        db.start_checkpointer()
        node = settings.node_name or node_name()
        bus: EventBus
        redis = None
        if settings.redis_url:  # several nodes: fan-out, shared limits and one leader
            from redis.asyncio import Redis

            bus = RedisBus(settings.redis_url, node)
            redis = Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
            leader: LeaseKeeper | AlwaysHeld = LeaseKeeper(db, LEADER, node)
        else:
            bus = InMemoryBus()
            leader = AlwaysHeld()
        sites = SiteDirectory(db)
        rules = FloorRules(
            stalled_checkout_seconds=settings.stalled_checkout_seconds,
            high_value_cart=settings.high_value_cart,
            high_value_customer=settings.high_value_customer,
        )
        scorer = InsightScorer(
            model=_load_intent_model(settings.intent_model),
            abandonment=(
                AbandonmentModel.load(settings.abandonment_model)
                if settings.abandonment_model
                else None
            ),
        )
        floor = LiveFloor(
            bus,
            rules,
            settings.floor_active_seconds,
            settings.floor_flush_ms,
            customer_lookup(db),
            scorer=scorer if settings.insight else None,
        )
        ingestor = Ingestor(db, bus, sites)
        chat = ChatService(db, bus, sites)
        chat.live_intent = live_intent_of(floor)  # intent at chat start, for analytics
        outbox = WidgetOutbox()
        outbox.connect(bus)
        playbooks = PlaybookEngine(db, bus, sites, floor, outbox)
        playbooks.leads = lambda: leader.held
        floor.scores = lambda: leader.held  # the models run once per installation
        limiters = {
            "login": RateLimiter(settings.login_attempts_per_5min, 300, "login"),
            "starts": RateLimiter(settings.chat_starts_per_minute, 60, "starts"),
            "messages": RateLimiter(settings.chat_messages_per_minute, 60, "messages"),
            "api": RateLimiter(settings.api_calls_per_minute, 60, "api"),
        }
        for limiter in [*limiters.values(), playbook_routes.COUPON_CHECKS]:
            limiter.redis = redis  # shared by every node (None: this process's own)
        transcripts = TranscriptMailer(db, sites, settings)
        topics = TopicEngine(db, bus)  # recurring questions, grouped as they arrive
        app.state.topics = topics
        app.state.services = Services(
            settings=settings,
            db=db,
            bus=bus,
            sites=sites,
            ingestor=ingestor,
            floor=floor,
            login_limiter=limiters["login"],
            chat=chat,
            chat_hub=ChatHub(bus, chat, sites),
            chat_limits=ChatLimits(starts=limiters["starts"], messages=limiters["messages"]),
            transcripts=transcripts,
            attribution=AttributionLedger(db, bus, sites),
            outbox=outbox,
            playbooks=playbooks,
            api_limiter=limiters["api"],
        )
        HelpdeskRelay(bus, db, app.state.services.chat_hub)  # help-desk frames to consoles
        app.state.node = node
        app.state.leader = leader
        app.state.redis = redis
        await bus.start()
        await leader.start()
        restored = await rebuild(db, floor)
        log.info("floor rebuilt with %d live visits", restored)
        demo_site = await sites.by_key(DEMO_SITE_KEY)
        app.state.demo = DemoContext(demo_site.key, demo_site.secret) if demo_site else None
        floor.start()
        await playbooks.start()
        topics.start()
        duty = lambda: leader.held  # noqa: E731  once per installation: the lease holder's
        router = asyncio.create_task(_route_periodically(chat, sites, duty), name="chat-router")
        stats = asyncio.create_task(_refresh_page_stats(db, scorer), name="page-stats")
        holds = asyncio.create_task(_release_reservations(db, duty), name="reservations")
        hooks = asyncio.create_task(WebhookWorker(db, settings).run(), name="webhooks")
        retain = asyncio.create_task(_apply_retention(db, duty), name="retention")
        reports = (
            asyncio.create_task(
                run_weekly_reports(db, sites, settings, floor.scorer, duty), name="weekly-reports"
            )
            if settings.weekly_report
            else None
        )
        try:
            yield
        finally:
            router.cancel()
            stats.cancel()
            holds.cancel()
            hooks.cancel()
            retain.cancel()
            if reports is not None:
                reports.cancel()
            await playbooks.stop()
            await topics.stop()
            await transcripts.drain()
            await ingestor.close()
            await floor.stop()
            await leader.stop()
            await bus.stop()
            if redis is not None:
                await redis.aclose()
            await db.dispose()

    app = FastAPI(
        title="Salon",
        version="0.1.0",
        lifespan=lifespan,
        description="The live shop floor: tracking, floor feed and console API.",
        dependencies=[Depends(enforce_policy)],  # one policy table for every route (security.md)
    )
    app.state.demo = None
    install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(WidgetCors)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.include_router(tracking_routes.router)
    app.include_router(identity_routes.router)
    app.include_router(floor_routes.router)
    app.include_router(chat_routes.router)
    app.include_router(chat_routes.socket_router)
    app.include_router(chat_console_routes.router)
    app.include_router(chat_console_routes.socket_router)
    app.include_router(touchpoint_routes.router)
    app.include_router(catalog_routes.router)
    app.include_router(customer_routes.router)
    app.include_router(webhook_routes.router)
    app.include_router(playbook_routes.router)
    app.include_router(playbook_routes.public_router)
    app.include_router(topic_routes.router)
    app.include_router(helpdesk_routes.router)
    app.include_router(analytics_routes.router)
    app.include_router(privacy_routes.router)
    if settings.demo:
        from salon.demo import storefront

        app.include_router(storefront.router)

    @app.get("/widget.js", include_in_schema=False)
    async def widget() -> FileResponse:
        return FileResponse(
            STATIC / "widget.js",
            media_type="text/javascript",
            headers={
                "Cache-Control": "public, max-age=300",
                "Cross-Origin-Resource-Policy": "cross-origin",
            },
        )

    @app.get("/console", include_in_schema=False)
    async def console() -> FileResponse:
        return FileResponse(
            STATIC / "console" / "index.html", headers={"Cache-Control": "no-store"}
        )

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/shop" if settings.demo else "/console")

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        """For the load balancer: this node's name and whether it leads the duties."""
        leader = getattr(app.state, "leader", None)
        return {
            "status": "ok",
            "node": getattr(app.state, "node", ""),
            "leader": bool(leader and leader.held),
        }

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


ROUTE_EVERY_SECONDS = 5.0


async def _route_periodically(
    chat: ChatService, sites: SiteDirectory, duty: Callable[[], bool]
) -> None:
    """Catch-up routing: presence expires and associates come back without an event."""
    while True:
        await asyncio.sleep(ROUTE_EVERY_SECONDS)
        if not duty():
            continue
        try:
            every = await sites.all()
        except Exception:
            log.exception("chat routing: the sites could not be listed")
            continue
        for site in every:  # one site's trouble never stalls another's queue
            try:
                await chat.route(site.id)
            except Exception:
                log.exception("chat routing failed for site %s", site.id)


RELEASE_EVERY_SECONDS = 60.0


async def _release_reservations(db: Database, duty: Callable[[], bool]) -> None:
    """Units held in a store go back on sale when the shopper's hold runs out."""
    while True:
        if not duty():
            await asyncio.sleep(RELEASE_EVERY_SECONDS)
            continue
        try:
            released = await release_expired(db)
            if released:
                log.info("released %d expired reservations", released)
        except Exception:
            log.exception("releasing expired reservations failed")
        await asyncio.sleep(RELEASE_EVERY_SECONDS)


RETENTION_EVERY_SECONDS = 6 * 3600.0


async def _apply_retention(db: Database, duty: Callable[[], bool]) -> None:
    """Each site's retention (docs/privacy.md): old visits and closed chats go, 4 times a day."""
    await asyncio.sleep(60.0)  # not in the middle of start-up
    while True:
        if duty():
            try:
                removed = await retention_pass(db)
                if any(removed.values()):
                    log.info("retention removed %s", removed)
            except Exception:
                log.exception("the retention pass failed")
        await asyncio.sleep(RETENTION_EVERY_SECONDS)


PAGE_STATS_EVERY_SECONDS = 300.0


def _load_intent_model(path: Path | None) -> IntentModel | None:
    try:
        return IntentModel.load(path) if path else load_shipped()
    except Exception:
        log.exception("the intent model could not be loaded; scores are off")
        return None


async def _refresh_page_stats(db: Database, scorer: InsightScorer) -> None:
    """Bounce and exit rates and page values from the store's own recent history."""
    while True:
        try:
            scorer.page_stats = await compute_page_stats(db)
        except Exception:
            log.exception("page statistics failed")
        await asyncio.sleep(PAGE_STATS_EVERY_SECONDS)
