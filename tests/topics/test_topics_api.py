"""Questions arriving in chats (and from the help desk) become topics with weekly counts, a trend,
examples and links; other sites see nothing; bad ranges are a 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from salon.core.clock import utcnow
from salon.db.engine import Database
from salon.topics.embedding import default_embedder
from salon.topics.service import Question, record_questions, topic_weeks
from tests.chat.support import Associate, Shopper
from tests.support import LiveServer, hex_id, wait_for

DELIVERY = [
    "How long does delivery take to Lyon?",
    "how many days for shipping to Paris?",
    "When will my order be delivered?",
]
RETURNS = ["Can I return the bag if it does not fit?", "what is your return policy?"]


def _topics(boss: Associate, site_id: str, query: str = "") -> dict[str, Any]:
    answer = boss.client.get(f"/api/sites/{site_id}/topics{query}")
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_chat_questions_become_topics_with_weekly_counts_and_links(server: LiveServer) -> None:
    site = server.make_site()
    boss = Associate.create(server, site, role="supervisor")
    conversations = []
    for text in [*DELIVERY, *RETURNS]:
        shopper = Shopper(server.base_url, site)
        assert shopper.start().status_code == 201
        assert shopper.send(text).status_code in (200, 201)
        assert shopper.send("ok").status_code in (200, 201)  # not a question: never grouped
        conversations.append(shopper.conversation_id)

    def grouped() -> dict[str, Any] | None:
        found = _topics(boss, site.id)
        return found if sum(t["total"] for t in found["topics"]) == 5 else None

    found = wait_for(grouped, timeout=60)
    by_example = {ex: t for t in found["topics"] for ex in t["examples"]}
    delivery = by_example[DELIVERY[0]]
    assert by_example[DELIVERY[1]]["id"] == delivery["id"]  # same topic, different words
    assert by_example[RETURNS[0]]["id"] != delivery["id"]
    assert delivery["label"] in DELIVERY
    this_week = delivery["weeks"][-1]
    assert this_week["count"] >= 2 and len(delivery["weeks"]) >= 8
    linked = {link["id"] for link in delivery["links"] if link["kind"] == "conversation"}
    assert linked <= set(conversations) and conversations[0] in linked

    detail = boss.client.get(f"/api/sites/{site.id}/topics/{delivery['id']}")
    assert detail.status_code == 200
    texts = {q["text"] for q in detail.json()["questions"]}
    assert DELIVERY[0] in texts and "ok" not in texts
    assert all(q["source"] == "chat" for q in detail.json()["questions"])

    # isolation: another site's supervisor sees neither the list nor the topic
    other = server.make_site()
    outsider = Associate.create(server, other, role="supervisor")
    assert outsider.client.get(f"/api/sites/{site.id}/topics").status_code == 404
    assert outsider.client.get(f"/api/sites/{other.id}/topics/{delivery['id']}").status_code == 404
    assert _topics(outsider, other.id)["topics"] == []

    # an empty range, and bad ranges
    assert _topics(boss, site.id, "?from=2020-01-01&to=2020-01-31")["topics"] == []
    bad = boss.client.get(f"/api/sites/{site.id}/topics?from=2026-02-01&to=2026-01-01")
    assert bad.status_code == 422 and "from" in bad.text
    assert boss.client.get(f"/api/sites/{site.id}/topics?from=yesterday").status_code == 422


def test_help_desk_questions_join_topics_and_weeks_count_them(server: LiveServer) -> None:
    site = server.make_site()
    boss = Associate.create(server, site, role="supervisor")
    now = utcnow()
    asked = [now - timedelta(days=14), now - timedelta(days=7), now - timedelta(days=7), now]
    questions = [
        Question(
            site_id=site.id,
            source="helpdesk",
            source_id=hex_id(),
            text=text,
            asked_at=at,
            thread_id=hex_id(),
        )
        for text, at in zip(
            [
                "Is the Aurel tote in stock in Lyon?",
                "do we have the tote in stock at the Lyon store?",
                "Is the tote available in the Lyon shop?",
                "Is the Aurel tote in stock in the Lyon store?",
            ],
            asked,
            strict=True,
        )
    ]
    embedder = default_embedder()
    vectors = embedder.encode([q.text for q in questions])

    async def record(db: Database) -> None:
        async with db.writer() as session:
            await record_questions(session, embedder.name, questions, vectors)
            # the same thread again changes nothing
            await record_questions(session, embedder.name, questions[:1], vectors[:1])

    server.run(record)
    found = _topics(boss, site.id)["topics"]
    assert [t["total"] for t in found] == [4]
    assert [w["count"] for w in found[0]["weeks"][-3:]] == [1, 2, 1]
    assert {link["kind"] for link in found[0]["links"]} == {"thread"}

    async def weeks(db: Database) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with db.reader() as session:
            empty = await topic_weeks(
                session, site.id, datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 2, 1, tzinfo=UTC)
            )
            full = await topic_weeks(
                session, site.id, now - timedelta(days=21), now + timedelta(days=1)
            )
            return empty, full

    empty, full = server.run(weeks)
    assert empty == []
    assert full[0]["total"] == 4 and isinstance(full[0]["trend"], float)
    assert np.isfinite(full[0]["trend"])
