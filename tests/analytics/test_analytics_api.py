"""Every chart over HTTP on both databases: empty ranges, a seeded history, filters, isolation,
and the live intent score recorded when a chat starts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import select

from salon.analytics.history import seed_history
from salon.analytics.routes import CHARTS
from salon.chat.models import Conversation
from salon.core.clock import utcnow
from salon.db.engine import Database
from salon.identity.service import SiteInfo
from salon.tracking.models import Visit
from tests.chat.support import ORIGIN
from tests.support import LiveServer, batch, hex_id, shopping_events, wait_for

EMPTY = {"from": "2020-01-01", "to": "2020-01-31"}


def supervisor(server: LiveServer, site: SiteInfo, role: str = "supervisor") -> httpx.Client:
    client, csrf = server.login(server.make_associate([site], role=role))
    client.headers["X-CSRF-Token"] = csrf
    return client


def url(site: SiteInfo, chart: str = "") -> str:
    return f"/api/sites/{site.id}/analytics" + (f"/{chart}" if chart else "")


def check_formats(client: httpx.Client, site: SiteInfo, chart: str, params: dict[str, str]) -> Any:
    answer = client.get(url(site, chart), params=params)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["chart"] == chart and isinstance(data["rows"], list)
    exported = client.get(url(site, chart), params={**params, "format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(exported.text)))
    assert len(table) == len(data["rows"]) + 1  # the header, then one line per row
    drawn = client.get(url(site, chart), params={**params, "format": "svg"})
    assert drawn.headers["content-type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(drawn.text)  # well-formed XML
    assert root.tag.endswith("svg") and "chart" in root.attrib["class"]
    return data


@pytest.fixture(scope="module")
def seeded(server: LiveServer) -> tuple[SiteInfo, httpx.Client, Any]:
    site = server.make_site(name="Analytics shop")
    boss = supervisor(server, site)
    server.make_associate([site])  # someone to credit chats to
    history = server.run(lambda db: seed_history(db, site.id, days=21, visits=400))
    return site, boss, history


def test_every_chart_answers_for_an_empty_range(server: LiveServer) -> None:
    site = server.make_site()
    boss = supervisor(server, site)
    for chart in CHARTS:
        data = check_formats(boss, site, chart, EMPTY)
        assert data["from"] == "2020-01-01" and data["to"] == "2020-01-31"
    conversion = boss.get(url(site, "conversion"), params=EMPTY).json()
    assert conversion["naive"]["difference"] is None
    assert conversion["sentence"].startswith("Not enough data")
    queue = boss.get(url(site, "queue"), params=EMPTY).json()
    assert queue["chats"] == 0 and queue["wait_p50_seconds"] is None
    empty_svg = boss.get(url(site, "heatmap"), params={**EMPTY, "format": "svg"}).text
    assert "No data in this range" in empty_svg


def test_every_chart_answers_for_a_seeded_history(
    seeded: tuple[SiteInfo, httpx.Client, Any],
) -> None:
    site, boss, history = seeded
    for chart in CHARTS:
        check_formats(boss, site, chart, {})
    conversion = boss.get(url(site, "conversion")).json()
    naive = conversion["naive"]
    assert naive["chat"]["visits"] == history.chats
    assert naive["chat"]["visits"] + naive["no_chat"]["visits"] == history.visits
    assert naive["chat"]["conversions"] + naive["no_chat"]["conversions"] == history.purchases
    assert naive["difference"] > 0  # chatters are the keen ones
    adjusted = conversion["adjusted"]
    assert conversion["scores"]["from_events"] == history.visits  # none recorded live here
    assert adjusted["excluded_no_score"] == 0
    assert adjusted["difference"] is not None and len(adjusted["interval"]) == 2
    queue = boss.get(url(site, "queue")).json()
    assert queue["chats"] == history.chats
    assert queue["answered"] + queue["abandoned"] == history.chats
    assert 0 < queue["wait_p50_seconds"] <= queue["wait_p90_seconds"]
    heat = boss.get(url(site, "heatmap")).json()
    assert sum(map(sum, heat["cells"])) == history.chats
    staffing = boss.get(url(site, "staffing"), params={"target_wait": "30"}).json()
    assert staffing["busiest_hour"]["associates"] >= 1
    assert staffing["target_wait_seconds"] == 30
    svg = boss.get(url(site, "heatmap"), params={"format": "svg"}).text
    assert svg.count('class="cell"') == 7 * 24


def test_filters_narrow_the_numbers(seeded: tuple[SiteInfo, httpx.Client, Any]) -> None:
    site, boss, _ = seeded
    everyone = boss.get(url(site, "handle-times")).json()["associates"]
    assert everyone
    one = everyone[0]
    mine = boss.get(url(site, "handle-times"), params={"associate_id": one["associate_id"]})
    assert [a["associate_id"] for a in mine.json()["associates"]] == [one["associate_id"]]
    sales = boss.get(url(site, "attribution"), params={"associate_id": one["associate_id"]})
    assert {a["associate_id"] for a in sales.json()["associates"]} <= {one["associate_id"]}
    today = utcnow().date()
    week = {"from": str(today - timedelta(days=6)), "to": str(today)}
    recent = boss.get(url(site, "queue"), params=week).json()["chats"]
    assert recent < boss.get(url(site, "queue")).json()["chats"]


def test_bad_filters_are_named(seeded: tuple[SiteInfo, httpx.Client, Any]) -> None:
    site, boss, _ = seeded
    bad_date = boss.get(url(site, "queue"), params={"from": "2026-13-45"})
    assert bad_date.status_code == 422 and bad_date.json()["error"]["field"] == "from"
    backwards = boss.get(url(site, "queue"), params={"from": "2026-02-01", "to": "2026-01-01"})
    assert backwards.status_code == 422 and "after" in backwards.json()["error"]["message"]
    too_long = boss.get(url(site, "queue"), params={"from": "2020-01-01", "to": "2026-01-01"})
    assert too_long.status_code == 422
    stranger = boss.get(url(site, "queue"), params={"associate_id": hex_id()})
    assert stranger.status_code == 422 and stranger.json()["error"]["field"] == "associate_id"
    assert boss.get(url(site, "queue"), params={"format": "xlsx"}).status_code == 422
    assert boss.get(url(site, "nonsense")).status_code == 404


def test_only_the_sites_managers_see_it(
    server: LiveServer, seeded: tuple[SiteInfo, httpx.Client, Any]
) -> None:
    site, _, _ = seeded
    other = server.make_site(name="Another shop")
    outsider = supervisor(server, other)
    assert outsider.get(url(site, "conversion")).status_code == 404
    assert outsider.get(url(site)).status_code == 404
    associate = supervisor(server, site, role="associate")
    assert associate.get(url(site, "csat")).status_code == 403
    anonymous = httpx.get(server.base_url + url(site, "csat"), timeout=10)
    assert anonymous.status_code == 401
    index = supervisor(server, site).get(url(site)).json()
    assert set(index["charts"]) == set(CHARTS) and index["associates"]


def test_the_live_intent_score_is_kept_when_a_chat_starts(server: LiveServer) -> None:
    site = server.make_site(origins=[ORIGIN])
    visitor, visit = hex_id(), hex_id()
    tracked = httpx.post(
        server.base_url + "/api/track",
        json=batch(site, shopping_events(), visitor=visitor, visit=visit),
        headers={"Origin": ORIGIN},
        timeout=10,
    )
    assert tracked.status_code in (200, 202), tracked.text
    boss = supervisor(server, site)

    async def visit_id(db: Database) -> str | None:
        async with db.reader() as session:
            found: str | None = await session.scalar(
                select(Visit.id).where(Visit.site_id == site.id, Visit.visit_key == visit)
            )
            return found

    salon_visit = server.run(visit_id)

    def scored() -> bool:
        story = boss.get(f"/api/sites/{site.id}/visits/{salon_visit}")
        return story.status_code == 200 and story.json()["visit"].get("intent") is not None

    wait_for(scored, timeout=10)
    started = httpx.post(
        server.base_url + "/api/chat/conversations",
        json={"site_key": site.key, "visitor_id": visitor, "visit_id": visit},
        headers={"Origin": ORIGIN},
        timeout=10,
    )
    assert started.status_code == 201, started.text

    async def stored(db: Database) -> float | None:
        async with db.reader() as session:
            return await session.scalar(
                select(Conversation.intent_at_start).where(Conversation.site_id == site.id)
            )

    intent = server.run(stored)
    assert intent is not None and 0.0 <= intent <= 1.0
    conversion = boss.get(url(site, "conversion")).json()
    assert conversion["scores"]["recorded_at_chat_start"] == 1
