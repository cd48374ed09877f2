"""The live floor: every visit's state, and a sequence-numbered feed of changes per site.

Consoles get a snapshot, then coalesced deltas (at most one per `flush_ms` window); a console
that reconnects with its last sequence gets the deltas it missed, or a fresh snapshot marked
`resync` when those are gone. Sequences start at the process start time in milliseconds, so a
restarted server never reuses a number an old console still holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from salon.chat.service import TOPIC_CONVERSATION, TOPIC_MESSAGE
from salon.core.bus import EventBus
from salon.floor.avatar import FloorRules, visit_summary
from salon.floor.state import VisitState
from salon.insight.scorer import Insight, InsightScorer
from salon.privacy.events import TOPIC_PRIVACY_ERASED
from salon.tracking.service import TOPIC_INGESTED

log = logging.getLogger(__name__)

CustomerLookup = Callable[[str], Awaitable[dict[str, Any] | None]]
HOUSEKEEPING_SECONDS = 2.0
SCORE_EVERY_SECONDS = 2.0  # a visit is rescored at most this often
SCORING_ROUND_SECONDS = 1.0
EXPLAIN_EVERY_SECONDS = 10.0  # reasons cost a prediction per feature: refreshed less often
MAX_SCORED_PER_ROUND = 300
TOPIC_ABANDONMENT_MOMENT = "insight.abandonment_moment"  # for the playbooks issue
TOPIC_MOOD_SHIFT = "insight.mood_shift"
# {"insights": [[site_id, visit_id, Insight fields], ...]}: the scoring node's round, for the rest
TOPIC_INSIGHTS = "insight.scored"
REPLAY_DEPTH = 2000
SUBSCRIBER_BACKLOG = 500


class LiveState(Protocol):
    """Where live visit states live: in process here; Redis (with TTLs) for several nodes later."""

    def get(self, site_id: str, visit_id: str) -> VisitState | None: ...

    def put(self, state: VisitState) -> None: ...

    def remove(self, site_id: str, visit_id: str) -> None: ...

    def visits(self, site_id: str) -> Iterable[VisitState]: ...

    def sites(self) -> Iterable[str]: ...


class InMemoryLiveState:
    def __init__(self) -> None:
        self._sites: dict[str, dict[str, VisitState]] = {}

    def get(self, site_id: str, visit_id: str) -> VisitState | None:
        return self._sites.get(site_id, {}).get(visit_id)

    def put(self, state: VisitState) -> None:
        self._sites.setdefault(state.site_id, {})[state.visit_id] = state

    def remove(self, site_id: str, visit_id: str) -> None:
        self._sites.get(site_id, {}).pop(visit_id, None)

    def visits(self, site_id: str) -> Iterable[VisitState]:
        return list(self._sites.get(site_id, {}).values())

    def sites(self) -> Iterable[str]:
        return list(self._sites)


@dataclass
class _SiteFeed:
    seq: int
    deltas: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_DEPTH))
    subscribers: set[asyncio.Queue[str | None]] = field(default_factory=set)
    dirty: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    fingerprints: dict[str, dict[str, Any]] = field(default_factory=dict)


class LiveFloor:
    def __init__(
        self,
        bus: EventBus,
        rules: FloorRules,
        active_seconds: float,
        flush_ms: int,
        customer_lookup: CustomerLookup,
        state: LiveState | None = None,
        scorer: InsightScorer | None = None,
    ) -> None:
        self.rules = rules
        self.bus = bus
        self.scorer = scorer
        self.active_seconds = active_seconds
        self.flush_seconds = flush_ms / 1000.0
        self.state: LiveState = state or InMemoryLiveState()
        self._customer_lookup = customer_lookup
        self._feeds: dict[str, _SiteFeed] = {}
        self._seq_origin = int(time.time() * 1000)
        self.epoch = secrets.token_hex(6)  # whose sequence numbers these are (see subscribe)
        self._task: asyncio.Task[None] | None = None
        self._scoring: asyncio.Task[None] | None = None
        self._to_score: set[tuple[str, str]] = set()
        # several nodes: only the leader runs the models, the others apply what it publishes
        self.scores: Callable[[], bool] = lambda: True
        bus.subscribe(TOPIC_INGESTED, self.on_ingested)
        bus.subscribe(TOPIC_INSIGHTS, self.on_insights)
        bus.subscribe(TOPIC_CONVERSATION, self.on_chat)
        bus.subscribe(TOPIC_MESSAGE, self.on_chat_message)
        bus.subscribe(TOPIC_MOOD_SHIFT, self.on_contact_mood_shift)
        bus.subscribe(TOPIC_PRIVACY_ERASED, self.on_erased)

    # -- input -------------------------------------------------------------------------------
    async def on_ingested(self, payload: dict[str, Any]) -> None:
        site_id, visit_id = payload["site_id"], payload["visit_id"]
        state = self.state.get(site_id, visit_id)
        if state is None:
            state = VisitState(
                site_id=site_id,
                visit_id=visit_id,
                visitor_id=payload["visitor_id"],
                started_at=float(payload["started_at"]),
                last_seen_at=float(payload["started_at"]),
                is_returning=bool(payload["is_returning"]),
            )
            self.state.put(state)
        customer_id = payload.get("customer_id")
        if customer_id and customer_id != state.customer_id:
            state.customer_id = customer_id
            state.customer = await self._customer_lookup(customer_id)
            if state.customer and state.customer.get("orders"):
                state.is_returning = True
        for event in payload["events"]:
            state.apply(event["type"], float(event["at"]), event["data"])
        self.state.put(state)
        self._feed(site_id).dirty.add(visit_id)
        self._to_score.add((site_id, visit_id))

    async def on_chat(self, payload: dict[str, Any]) -> None:
        """A conversation opened, moved or closed: the visitor's speech bubble follows it."""
        visit_id = payload.get("visit_id")
        if not visit_id or "status" not in payload:
            return
        state = self.state.get(payload["site_id"], visit_id)
        if state is None:
            return
        state.chat_status = payload["status"] if payload["status"] != "closed" else None
        self._feed(payload["site_id"]).dirty.add(visit_id)

    async def on_chat_message(self, payload: dict[str, Any]) -> None:
        """What the shopper writes in the chat feeds their mood, like their searches do."""
        message = payload["message"]
        visit_id = payload.get("visit_id")
        if message["sender"] != "visitor" or message["kind"] != "text" or not visit_id:
            return
        state = self.state.get(payload["site_id"], visit_id)
        if state is not None:
            state.texts = [*state.texts[-19:], (time.time(), str(message["body"])[:500])]
            self._feed(payload["site_id"]).dirty.add(visit_id)
            self._to_score.add((payload["site_id"], visit_id))

    async def on_contact_mood_shift(self, payload: dict[str, Any]) -> None:
        """A customer turned unhappy on another channel: their live avatar shows it, with why."""
        if "channel" not in payload:  # the floor's own per-visit shift
            return
        site_id, customer_id = payload["site_id"], payload["customer_id"]
        reason = (payload.get("reasons") or [payload.get("summary") or ""])[0]
        for state in list(self.state.visits(site_id)):
            if state.customer_id == customer_id:
                state.contact_reason = str(reason)[:200]
                self.state.put(state)
                self._feed(site_id).dirty.add(state.visit_id)

    async def on_erased(self, payload: dict[str, Any]) -> None:
        """A customer was erased (GDPR): their visits leave the floor at once, as departures."""
        site_id, customer_id = payload["site_id"], payload.get("customer_id")
        gone = set(payload.get("visit_ids") or ())
        feed = self._feed(site_id)
        for state in list(self.state.visits(site_id)):
            if state.visit_id in gone or (customer_id and state.customer_id == customer_id):
                self.state.remove(site_id, state.visit_id)
                if self.scorer is not None:
                    self.scorer.forget(state.visit_id)
                self._to_score.discard((site_id, state.visit_id))
                feed.removed.add(state.visit_id)
                feed.dirty.discard(state.visit_id)

    async def on_insights(self, payload: dict[str, Any]) -> None:
        """The scoring node's round: the same scores and reasons on this node's floor."""
        if self.scores():
            return  # this node scored them itself
        for site_id, visit_id, fields in payload["insights"]:
            state = self.state.get(site_id, visit_id)
            if state is not None:
                state.insight = Insight(**fields)
                self._feed(site_id).dirty.add(visit_id)

    def touch(self, site_id: str, visit_id: str) -> None:
        """Something outside the events changed a visit (a playbook's alert): resend it."""
        self._feed(site_id).dirty.add(visit_id)

    def restore(self, state: VisitState) -> None:
        """Put a state rebuilt from stored events (after a restart) on the floor."""
        self.state.put(state)
        self._feed(state.site_id).dirty.add(state.visit_id)
        self._to_score.add((state.site_id, state.visit_id))

    # -- output ------------------------------------------------------------------------------
    def summaries(self, site_id: str, now: float | None = None) -> list[dict[str, Any]]:
        now = time.time() if now is None else now
        return [visit_summary(s, now, self.rules) for s in self.state.visits(site_id)]

    def summary(self, site_id: str, visit_id: str) -> dict[str, Any] | None:
        state = self.state.get(site_id, visit_id)
        return visit_summary(state, time.time(), self.rules) if state else None

    def subscribe(
        self, site_id: str, last_seq: int | None, epoch: str | None = None
    ) -> tuple[list[str], asyncio.Queue[str | None]]:
        """Frames to send first (replayed deltas or a snapshot), and the queue of what follows.

        Synchronous on purpose: nothing can be published between the snapshot and the queue.
        Sequence numbers are this process's own: a console that resumes with another node's
        `epoch` (a load balancer moved it) gets a resync snapshot, never deltas it cannot follow.
        """
        feed = self._feed(site_id)
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        feed.subscribers.add(queue)
        oldest = feed.deltas[0][0] if feed.deltas else feed.seq + 1
        foreign = epoch is not None and epoch != self.epoch
        if last_seq is not None and not foreign and last_seq == feed.seq:
            return [], queue
        if last_seq is not None and not foreign and oldest - 1 <= last_seq < feed.seq:
            return [frame for seq, frame in feed.deltas if seq > last_seq], queue
        snapshot = {
            "type": "snapshot",
            "site_id": site_id,
            "seq": feed.seq,
            "epoch": self.epoch,
            "resync": last_seq is not None,
            "visits": self.summaries(site_id),
        }
        return [json.dumps(snapshot)], queue

    def unsubscribe(self, site_id: str, queue: asyncio.Queue[str | None]) -> None:
        self._feed(site_id).subscribers.discard(queue)

    def current_seq(self, site_id: str) -> int:
        return self._feed(site_id).seq

    # -- the loop ----------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="floor-flush")
        if self.scorer is not None:
            self._scoring = asyncio.create_task(self._score_forever(), name="floor-scoring")

    async def stop(self) -> None:
        if self._scoring:
            self._scoring.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scoring
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for feed in self._feeds.values():
            for queue in feed.subscribers:
                queue.put_nowait(None)

    async def _run(self) -> None:
        last_housekeeping = 0.0
        while True:
            await asyncio.sleep(self.flush_seconds)
            try:
                now = time.time()
                if now - last_housekeeping >= HOUSEKEEPING_SECONDS:
                    self.housekeeping(now)
                    last_housekeeping = now
                self.flush(now)
            except Exception:
                log.exception("floor flush failed")

    def housekeeping(self, now: float) -> None:
        """Time moves on without events: re-check every visit, and let the departed leave."""
        for site_id in self.state.sites():
            feed = self._feed(site_id)
            for state in self.state.visits(site_id):
                if now - state.last_seen_at > self.active_seconds:
                    self.state.remove(site_id, state.visit_id)
                    if self.scorer is not None:
                        self.scorer.forget(state.visit_id)
                    feed.removed.add(state.visit_id)
                    feed.dirty.discard(state.visit_id)
                elif self._time_sensitive(state, now):
                    feed.dirty.add(state.visit_id)
                    self._to_score.add((site_id, state.visit_id))

    async def _score_forever(self) -> None:
        """Scoring runs beside the feed, never in its way: a round a second."""
        while True:
            await asyncio.sleep(SCORING_ROUND_SECONDS)
            try:
                await self.score(time.time())
            except Exception:
                log.exception("floor scoring failed")

    async def score(self, now: float) -> None:
        """Rescore the visits that changed (at most once a second each), the model off-loop.

        Features are read on the event loop, where the states change; only the model's batched
        predict runs in a worker thread, so scoring never blocks ingest or the feed.
        """
        if self.scorer is None:
            return
        if not self.scores():  # another node scores; its rounds arrive in on_insights
            self._to_score.clear()  # (a node that becomes the leader rescores what changes)
            return
        due: list[VisitState] = []
        for site_id, visit_id in list(self._to_score):
            state = self.state.get(site_id, visit_id)
            if state is None:
                self._to_score.discard((site_id, visit_id))
            elif now - state.scored_at >= SCORE_EVERY_SECONDS:
                due.append(state)
                self._to_score.discard((site_id, visit_id))
                if len(due) >= MAX_SCORED_PER_ROUND:
                    break
        if not due:
            return
        rows = self.scorer.rows(due, now)
        explain = [now - s.explained_at >= EXPLAIN_EVERY_SECONDS for s in due]
        predicted = await asyncio.to_thread(self.scorer.predict, rows, explain)
        now = time.time()
        for state, explained in zip(due, explain, strict=True):
            state.scored_at = now
            if explained:
                state.explained_at = now
        by_id = {s.visit_id: s for s in due}
        assembled = self.scorer.assemble(due, rows, predicted, now)
        await self.bus.publish(
            TOPIC_INSIGHTS,
            {"insights": [[by_id[v].site_id, v, asdict(i)] for v, i in assembled.items()]},
        )
        for visit_id, insight in assembled.items():
            state = by_id[visit_id]
            state.insight = insight
            self._feed(state.site_id).dirty.add(visit_id)
            if insight.abandonment_moment:
                await self.bus.publish(
                    TOPIC_ABANDONMENT_MOMENT,
                    {
                        "site_id": state.site_id,
                        "visit_id": visit_id,
                        "risk": insight.abandonment_risk,
                        "reasons": insight.risk_reasons,
                    },
                    local=True,  # every node's floor sees the same moment itself
                )
            if insight.mood_turned_negative:
                await self.bus.publish(
                    TOPIC_MOOD_SHIFT,
                    {
                        "site_id": state.site_id,
                        "visit_id": visit_id,
                        "customer_id": state.customer_id,
                        "valence": insight.valence,
                        "reasons": insight.mood_reasons,
                    },
                    local=True,
                )

    def _time_sensitive(self, state: VisitState, now: float) -> bool:
        """Could the clock alone change what the associate sees (stalled, idle, mood fading)?"""
        margin = 2 * HOUSEKEEPING_SECONDS
        if state.checkout_step is not None and state.cart:
            return True
        if (
            state.rage_clicks
            and now - state.rage_clicks[-1] <= self.rules.rage_window_seconds + margin
        ):
            return True
        return now - state.last_activity_at <= self.rules.idle_seconds + margin

    def flush(self, now: float) -> None:
        for site_id, feed in self._feeds.items():
            if not feed.dirty and not feed.removed:
                continue
            upserts = []
            for visit_id in feed.dirty:
                state = self.state.get(site_id, visit_id)
                if state is None:
                    continue
                summary = visit_summary(state, now, self.rules)
                fingerprint = _fingerprint(summary)
                if feed.fingerprints.get(visit_id) != fingerprint:
                    feed.fingerprints[visit_id] = fingerprint
                    upserts.append(summary)
            removed = sorted(feed.removed)
            for visit_id in removed:
                feed.fingerprints.pop(visit_id, None)
            feed.dirty.clear()
            feed.removed.clear()
            if not upserts and not removed:
                continue
            feed.seq += 1
            frame = json.dumps(
                {"type": "delta", "seq": feed.seq, "upsert": upserts, "remove": removed}
            )
            feed.deltas.append((feed.seq, frame))
            for queue in list(feed.subscribers):
                if queue.qsize() >= SUBSCRIBER_BACKLOG:
                    # a console this far behind resumes from its last sequence instead
                    feed.subscribers.discard(queue)
                    queue.put_nowait(None)
                else:
                    queue.put_nowait(frame)

    def _feed(self, site_id: str) -> _SiteFeed:
        feed = self._feeds.get(site_id)
        if feed is None:
            feed = self._feeds[site_id] = _SiteFeed(seq=self._seq_origin)
        return feed


_VOLATILE = ("time_on_site", "time_on_page")


def _fingerprint(summary: dict[str, Any]) -> dict[str, Any]:
    """What counts as a change worth a delta; the clock ticking does not (consoles count it)."""
    return {k: v for k, v in summary.items() if k not in _VOLATILE}
