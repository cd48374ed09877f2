"""The help desk through real HTTP and the console socket, on SQLite and PostgreSQL: an associate
asks from a live chat, the expert sees it in the queue with the shopper's context, the answer
comes back over the asker's console socket, the thread and its snippet are found by search and
the snippet is a canned reply."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from salon.db.engine import Database
from salon.helpdesk.models import ExpertGroup, HelpThread, KnowledgeSnippet
from salon.helpdesk.service import TOPIC_HELP_QUESTION
from salon.identity.service import SiteInfo
from tests.chat.support import ORIGIN, Associate, Shopper, frames_until
from tests.support import LiveServer, batch, shopping_events, wait_for


@pytest.fixture(scope="module")
def site(server: LiveServer) -> SiteInfo:
    return server.make_site([ORIGIN])


def api(who: Associate, method: str, path: str, body: Any = None) -> httpx.Response:
    return who.client.request(
        method,
        f"/api/sites/{who.site.id}/helpdesk{path}",
        json=body,
        headers={"X-CSRF-Token": who.csrf},
    )


def make_group(boss: Associate, name: str, members: list[Associate]) -> dict[str, Any]:
    answer = api(
        boss,
        "POST",
        "/groups",
        {
            "name": name,
            "description": "Delivery and customs",
            "member_ids": [m.id for m in members],
        },
    )
    assert answer.status_code == 201, answer.text
    group: dict[str, Any] = answer.json()["group"]
    return group


def count(server: LiveServer, model: Any) -> int:
    async def query(db: Database) -> int:
        async with db.reader() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    result: int = server.run(query)
    return result


def published(server: LiveServer, topic: str) -> list[dict[str, Any]]:
    """Record what the server's bus publishes on `topic` from now on."""
    seen: list[dict[str, Any]] = []

    async def record(payload: dict[str, Any]) -> None:
        seen.append(payload)

    bus = server.server.config.app.state.services.bus
    bus.subscribe(topic, record)
    return seen


def shopper_in_chat(server: LiveServer, site: SiteInfo, nick: Associate) -> Shopper:
    """Camille has a tote in her cart and asks in the chat; Nick has claimed it."""
    camille = Shopper(server.base_url, site)
    track = batch(
        site, shopping_events("P7", 1450.0), visitor=camille.visitor_id, visit=camille.visit_id
    )
    sent = httpx.post(server.base_url + "/api/track", json=track, headers={"Origin": ORIGIN})
    assert sent.status_code == 200, sent.text
    started = camille.start(name="Camille", message="Does the tote come in tan leather?")
    assert started.status_code == 201, started.text
    assert nick.claim(str(camille.conversation_id)).status_code == 200
    return camille


def test_ask_answer_search_snippet(server: LiveServer, site: SiteInfo) -> None:
    sofia = Associate.create(server, site, role="supervisor")
    nick = Associate.create(server, site)
    amara = Associate.create(server, site)
    group = make_group(sofia, "Product design", [amara])
    assert [m["id"] for m in group["members"]] == [amara.id]
    camille = shopper_in_chat(server, site, nick)
    questions = published(server, TOPIC_HELP_QUESTION)

    with amara.socket() as expert_ws, nick.socket() as asker_ws:
        frames_until(expert_ws, lambda f: f["type"] == "queue")
        frames_until(asker_ws, lambda f: f["type"] == "queue")
        asked = api(
            nick,
            "POST",
            "/threads",
            {
                "group_id": group["id"],
                "question": "Is the Aurel tote made in tan leather?",
                "conversation_id": camille.conversation_id,
            },
        )
        assert asked.status_code == 201, asked.text
        thread = asked.json()["thread"]
        assert thread["status"] == "open" and thread["group"]["name"] == "Product design"

        # the expert's console hears of it, and the queue shows the shopper's context
        seen = frames_until(expert_ws, lambda f: f["type"] == "helpdesk")
        assert seen[-1]["event"] == "question" and seen[-1]["thread"]["id"] == thread["id"]
        queue = api(amara, "GET", "/threads?scope=queue").json()["threads"]
        assert [t["id"] for t in queue] == [thread["id"]]
        context = queue[0]["context"]
        assert context["shopper"] == "Camille"
        assert context["conversation_id"] == camille.conversation_id
        assert context["cart"]["value"] == pytest.approx(1450.0)
        assert context["page"]["title"] == "Aurel tote"
        assert context["last_message"] == "Does the tote come in tan leather?"
        assert queue[0]["can_answer"] is True

        # after the commit, the bus carried the question (the recurring-questions contract)
        wait_for(lambda: questions)
        assert questions[0]["thread_id"] == thread["id"]
        assert questions[0]["text"] == "Is the Aurel tote made in tan leather?"
        assert questions[0]["associate_id"] == nick.id and questions[0]["site_id"] == site.id
        assert isinstance(questions[0]["at"], float)

        # Nick may not answer his own question to a group he is not in; Amara answers
        answer_text = "Yes: tan calfskin, made to order in three weeks."
        answered = api(amara, "POST", f"/threads/{thread['id']}/messages", {"body": answer_text})
        assert answered.status_code == 201, answered.text
        got = frames_until(asker_ws, lambda f: f["type"] == "helpdesk" and f["event"] == "answer")[
            -1
        ]
        assert got["thread"]["status"] == "answered"
        assert got["thread"]["messages"][-1]["body"] == answer_text
        assert got["thread"]["messages"][-1]["author"]["id"] == amara.id
    assert api(amara, "GET", "/threads?scope=queue").json()["threads"] == []
    mine = api(nick, "GET", f"/threads?scope=mine&conversation_id={camille.conversation_id}")
    assert [t["id"] for t in mine.json()["threads"]] == [thread["id"]]

    # search: every word, any case, in the question or an answer
    found = api(nick, "GET", "/search?q=TAN%20calfskin").json()["results"]
    assert [(r["kind"], r["id"]) for r in found] == [("thread", thread["id"])]
    assert found[0]["body"] == answer_text
    assert api(nick, "GET", "/search?q=tan%20denim").json()["results"] == []
    assert api(nick, "GET", "/search?q=100%25").json()["results"] == []  # % is not a wildcard

    # kept as a snippet: found by search (title hits first) and listed as a canned reply
    saved = api(
        nick,
        "POST",
        "/snippets",
        {"thread_id": thread["id"], "title": "Tan tote", "body": answer_text},
    )
    assert saved.status_code == 201, saved.text
    snippet = saved.json()["snippet"]
    found = api(amara, "GET", "/search?q=tan").json()["results"]
    assert [(r["kind"], r["id"]) for r in found] == [
        ("snippet", snippet["id"]),
        ("thread", thread["id"]),
    ]
    canned = nick.client.get(f"/api/sites/{site.id}/chat/canned").json()["replies"]
    assert {"id": snippet["canned_reply_id"], "title": "Tan tote", "body": answer_text} in canned

    # an edit reaches the canned reply; deleting the snippet removes it
    edited = api(
        nick, "PUT", f"/snippets/{snippet['id']}", {"title": "Tan tote", "body": "Tan: 3 weeks."}
    )
    assert edited.status_code == 200, edited.text
    canned = nick.client.get(f"/api/sites/{site.id}/chat/canned").json()["replies"]
    assert any(r["body"] == "Tan: 3 weeks." for r in canned)
    assert api(amara, "DELETE", f"/snippets/{snippet['id']}").status_code == 403
    assert api(nick, "DELETE", f"/snippets/{snippet['id']}").status_code == 204
    canned = nick.client.get(f"/api/sites/{site.id}/chat/canned").json()["replies"]
    assert all(r["id"] != snippet["canned_reply_id"] for r in canned)


def test_follow_up_reopens_and_closing_stops_replies(server: LiveServer, site: SiteInfo) -> None:
    sofia = Associate.create(server, site, role="supervisor")
    nick = Associate.create(server, site)
    theo = Associate.create(server, site)
    group = make_group(sofia, "Shipping", [theo])
    thread = api(
        nick, "POST", "/threads", {"group_id": group["id"], "question": "Customs to Norway?"}
    ).json()["thread"]
    assert thread["context"] == {}  # not from a chat: no shopper
    assert api(theo, "POST", f"/threads/{thread['id']}/messages", {"body": "DDP, no fees"})
    again = api(nick, "POST", f"/threads/{thread['id']}/messages", {"body": "And Switzerland?"})
    assert again.json()["thread"]["status"] == "open"
    kinds = [m["kind"] for m in again.json()["thread"]["messages"]]
    assert kinds == ["question", "answer", "follow_up"]
    closed = api(sofia, "POST", f"/threads/{thread['id']}/status", {"status": "closed"})
    assert closed.json()["thread"]["status"] == "closed"
    late = api(theo, "POST", f"/threads/{thread['id']}/messages", {"body": "Also DDP"})
    assert late.status_code == 409 and late.json()["error"]["field"] == "status"
    reopened = api(nick, "POST", f"/threads/{thread['id']}/status", {"status": "open"})
    assert reopened.json()["thread"]["status"] == "answered"  # it has an answer already


def test_roles_isolation_and_bad_input(server: LiveServer, site: SiteInfo) -> None:
    sofia = Associate.create(server, site, role="supervisor")
    nick = Associate.create(server, site)
    amara = Associate.create(server, site)
    bystander = Associate.create(server, site)
    group = make_group(sofia, "Inventory", [amara])
    thread = api(
        nick, "POST", "/threads", {"group_id": group["id"], "question": "Stock of P7 in Lyon?"}
    ).json()["thread"]

    # only supervisors manage groups; only the group's experts (and supervisors) answer
    refused = api(nick, "POST", "/groups", {"name": "Mine"})
    assert refused.status_code == 403
    not_expert = api(bystander, "POST", f"/threads/{thread['id']}/messages", {"body": "2 left"})
    assert not_expert.status_code == 403 and not_expert.json()["error"]["code"] == "not_expert"
    by_supervisor = api(sofia, "POST", f"/threads/{thread['id']}/messages", {"body": "2 left"})
    assert by_supervisor.status_code == 201
    keep = {"thread_id": thread["id"], "title": "Lyon stock", "body": "2 left"}
    assert api(bystander, "POST", "/snippets", keep).status_code == 403
    assert api(bystander, "GET", f"/threads/{thread['id']}").status_code == 200  # shared reading

    # another site: its associates see nothing of this one, and this site's ids are 404 there
    other_site = server.make_site([ORIGIN], name="Other shop")
    outsider = Associate.create(server, other_site, role="supervisor")
    assert outsider.client.get(f"/api/sites/{site.id}/helpdesk/threads").status_code == 404
    assert outsider.client.get(f"/api/sites/{site.id}/helpdesk/search?q=stock").status_code == 404
    theirs = f"/api/sites/{other_site.id}/helpdesk/threads/{thread['id']}"
    assert outsider.client.get(theirs).status_code == 404
    other_group = make_group(outsider, "Inventory", [])
    cross = api(nick, "POST", "/threads", {"group_id": other_group["id"], "question": "Hi?"})
    assert cross.status_code == 404 and cross.json()["error"]["field"] == "group_id"
    stranger = Shopper(server.base_url, other_site)
    assert stranger.start(message="hello").status_code == 201
    cross = api(
        nick,
        "POST",
        "/threads",
        {"group_id": group["id"], "question": "Hi?", "conversation_id": stranger.conversation_id},
    )
    assert cross.status_code == 404 and cross.json()["error"]["field"] == "conversation_id"
    foreign_member = api(sofia, "POST", "/groups", {"name": "X", "member_ids": [outsider.id]})
    assert foreign_member.status_code == 422
    assert foreign_member.json()["error"]["field"] == "member_ids[0]"

    # bad input: 422 naming the field, nothing stored
    before = count(server, HelpThread), count(server, ExpertGroup), count(server, KnowledgeSnippet)
    cases: list[tuple[Associate, str, str, Any, str]] = [
        (nick, "POST", "/threads", {"group_id": group["id"], "question": "   "}, "question"),
        (nick, "POST", "/threads", {"group_id": group["id"], "question": "x" * 4001}, "question"),
        (nick, "POST", "/threads", {"group_id": "nope", "question": "Hi"}, "group_id"),
        (nick, "POST", "/threads", {"question": "Hi"}, "group_id"),
        (
            nick,
            "POST",
            "/threads",
            {"group_id": group["id"], "question": "Hi", "site_id": "x"},
            "site_id",
        ),
        (amara, "POST", f"/threads/{thread['id']}/messages", {"body": ""}, "body"),
        (nick, "POST", f"/threads/{thread['id']}/status", {"status": "done"}, "status"),
        (sofia, "POST", "/groups", {"name": ""}, "name"),
        (sofia, "POST", "/groups", {"name": "Inventory"}, "name"),  # 409: exists
        (sofia, "POST", "/groups", {"name": "Y", "member_ids": ["zz"]}, "member_ids[0]"),
        (nick, "POST", "/snippets", {"thread_id": thread["id"], "title": "", "body": "b"}, "title"),
        (
            nick,
            "POST",
            "/snippets",
            {"thread_id": thread["id"], "title": "t" * 101, "body": "b"},
            "title",
        ),
        (nick, "GET", "/threads?scope=everything", None, "scope"),
        (nick, "GET", "/search?q=" + "a" * 201, None, "q"),
    ]
    for who, method, path, body, field in cases:
        answer = api(who, method, path, body)
        assert answer.status_code in (409, 422), (path, body, answer.text)
        assert answer.json()["error"]["field"] == field, (path, answer.text)
    after = count(server, HelpThread), count(server, ExpertGroup), count(server, KnowledgeSnippet)
    assert after == before
    unanswered = api(
        nick, "POST", "/threads", {"group_id": group["id"], "question": "Lyon again?"}
    ).json()["thread"]
    early = api(
        nick, "POST", "/snippets", {"thread_id": unanswered["id"], "title": "t", "body": "b"}
    )
    assert early.status_code == 409 and early.json()["error"]["field"] == "thread_id"
