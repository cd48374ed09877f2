"""Queue rules: who gets the chat, how long the wait is said to be, business hours, alerts."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from salon.chat.hours import ChatSettings
from salon.chat.models import Conversation
from salon.chat.routing import Agent, QueueState, pick
from salon.identity.service import SiteInfo, create_site
from tests.chat.support import ORIGIN, Associate, Shopper, frames_until
from tests.support import LiveServer


def agent(
    name: str,
    active: int = 0,
    max_chats: int = 3,
    available: bool = True,
    languages: tuple[str, ...] = (),
) -> Agent:
    return Agent(
        associate_id=name,
        name=name,
        role="associate",
        availability="available" if available else "away",
        max_chats=max_chats,
        active=active,
        skills=(),
        languages=languages,
        present=True,
    )


def conversation(language: str | None = None) -> Conversation:
    return Conversation(id="c", language=language, topic=None)


def test_least_loaded_fitting_associate_gets_the_chat() -> None:
    team = [agent("ana", active=2), agent("bo", active=1), agent("cy", active=0, available=False)]
    assert pick(conversation(), team, previous=None).associate_id == "bo"  # type: ignore[union-attr]
    full = [agent("ana", active=3), agent("bo", active=3)]
    assert pick(conversation(), full, previous=None) is None


def test_a_returning_customer_gets_their_previous_associate_first() -> None:
    team = [agent("ana", active=2), agent("bo", active=0)]
    assert pick(conversation(), team, previous="ana").associate_id == "ana"  # type: ignore[union-attr]
    busy = [agent("ana", active=3), agent("bo", active=0)]
    assert pick(conversation(), busy, previous="ana").associate_id == "bo"  # type: ignore[union-attr]


def test_language_is_respected() -> None:
    team = [agent("ana", languages=("fr",)), agent("bo", active=2, languages=("en",))]
    assert pick(conversation("en-GB"), team, None).associate_id == "bo"  # type: ignore[union-attr]


def test_estimated_wait_formula() -> None:
    state = QueueState(
        queued_ids=("a", "b", "c", "d"), available=2, capacity=6, free=1, handle_seconds=180.0
    )
    assert state.eta_seconds(1) == 0  # a slot is free: routing is immediate
    assert state.eta_seconds(3) == 60  # (3 - 1) * 180 / 6
    nobody = QueueState(queued_ids=("a",), available=0, capacity=0, free=0, handle_seconds=180)
    assert nobody.eta_seconds(1) is None


def test_business_hours() -> None:
    site = SiteInfo(
        "s",
        "S",
        "pk",
        "sk",
        (),
        {"chat": {"business_hours": {"timezone": "Europe/Paris", "mon": ["09:00", "18:00"]}}},
    )
    hours = ChatSettings.of(site)
    assert hours.is_open(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))  # Monday 10:30 in Paris
    assert not hours.is_open(datetime(2026, 11, 23, 17, 30, tzinfo=UTC))  # 18:30 in Paris
    assert not hours.is_open(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))  # Tuesday: closed
    assert ChatSettings.of(SiteInfo("s", "S", "pk", "sk", ())).is_open(datetime.now(UTC))


def test_outside_hours_a_message_waits_in_the_queue_and_supervisors_are_alerted(
    server: LiveServer,
) -> None:
    closed = {"chat": {"business_hours": {"timezone": "UTC"}, "wait_alert_seconds": 60}}
    site: SiteInfo = server.run(lambda db: create_site(db, "Night shop", [ORIGIN], settings=closed))
    status = httpx.get(
        server.base_url + "/api/chat/status",
        params={"site_key": site.key},
        headers={"Origin": ORIGIN},
    ).json()
    assert status["open"] is False
    boss = Associate.create(server, site, role="supervisor")
    with boss.socket() as console:
        frames_until(console, lambda f: f["type"] == "queue")
        night = Shopper(server.base_url, site)
        started = night.start(email="night@example.com", message="Please call me back")
        assert started.status_code == 201
        assert started.json()["conversation"]["offline"] is True
        assert started.json()["conversation"]["status"] == "queued"
        queued = frames_until(console, lambda f: f["type"] == "queue" and f["conversations"])
        assert queued[-1]["conversations"][0]["offline"] is True
        alert = frames_until(console, lambda f: f["type"] == "alert", timeout=5)[-1]
        assert alert["kind"] == "wait" and "nobody is available" in alert["message"]
    assert boss.claim(str(night.conversation_id)).status_code == 200
