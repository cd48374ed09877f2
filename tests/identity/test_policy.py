"""The one policy table, checked against the real app: every route has an entry, every entry a
route, and each entry holds for each role through real HTTP and WebSockets."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import update

from salon.config import Settings
from salon.db.engine import Database
from salon.identity import policy
from salon.identity.models import Associate as AssociateRow
from salon.identity.service import ROLES, SiteInfo
from salon.web.app import create_app
from tests.chat.support import ORIGIN, Associate, Shopper, frames_until
from tests.support import LiveServer, fresh_database

DOC = Path(__file__).parents[2] / "docs" / "security.md"
MISSING_ID = "0000000000000000nonexistent"


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route, WebSockets as "WS", HEAD folded into GET."""
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        kind = type(context.original_route).__name__
        methods = context.methods or ({policy.WEBSOCKET} if "WebSocket" in kind else {"GET"})
        for method in methods:
            if method == "HEAD" and "GET" in methods:
                continue
            assert context.path is not None
            found.add((method, context.path))
    return found


def test_every_route_has_a_policy_and_every_policy_a_route() -> None:
    routes = app_routes(create_app(Settings(demo=False))) | app_routes(
        create_app(Settings(demo=True))
    )
    missing = sorted(r for r in routes if policy.access_for(*r) is None)
    assert not missing, f"routes without an entry in salon/identity/policy.py: {missing}"
    stale = sorted(r for r in policy.ROUTES if r not in routes)
    assert not stale, f"policy entries for routes that do not exist: {stale}"
    for access in policy.ROUTES.values():
        assert access in (policy.PUBLIC, policy.SESSION) or access in policy.PERMISSIONS, access
    for (_, kind), access in policy.SOCKET_COMMANDS.items():
        assert access in (policy.PUBLIC, policy.SESSION) or access in policy.PERMISSIONS, kind


def test_the_policy_is_enforced_app_wide_and_an_unlisted_route_is_refused() -> None:
    app = create_app(Settings())
    installed = [d.dependency for d in app.router.dependencies]
    assert policy.enforce_policy in installed, "FastAPI(dependencies=[Depends(enforce_policy)])"

    @app.get("/api/sites/{site_id}/forgotten")
    async def forgotten(site_id: str) -> dict[str, str]:
        return {"leaked": site_id}

    @app.websocket("/ws/forgotten")
    async def forgotten_socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("leaked")

    client = TestClient(app)  # no lifespan: nothing but the routing and the policy runs
    answer = client.get("/api/sites/s1/forgotten")
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "no_policy"
    assert "leaked" not in answer.text
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/ws/forgotten"):
        pass
    assert refused.value.code == 1008


def test_the_security_page_lists_the_table_of_the_code() -> None:
    text = DOC.read_text()
    assert policy.permissions_markdown() in text, "regenerate: python -m salon.identity.policy"
    assert policy.routes_markdown() in text, "regenerate: python -m salon.identity.policy"


@dataclass
class World:
    server: LiveServer
    home: SiteInfo
    by_role: dict[str, Associate]
    outsider: Associate  # an admin of another site


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with fresh_database("postgresql", str(tmp_path_factory.mktemp("db"))) as url:
        server = LiveServer.start(url, chat_starts_per_minute=10_000)
        try:
            home, elsewhere = server.make_site([ORIGIN]), server.make_site([ORIGIN], "Elsewhere")
            by_role = {role: Associate.create(server, home, role) for role in ROLES}
            yield World(server, home, by_role, Associate.create(server, elsewhere, "admin"))
        finally:
            server.stop()


def concrete(path: str, site_id: str) -> str:
    """The template with this site and ids that do not exist (allowed roles get 404 or 422)."""
    path = path.replace("{site_id}", site_id).replace("{kind}", "customers")
    return re.sub(r"\{[^}]+\}", MISSING_ID, path)


def call(client: httpx.Client, method: str, url: str, csrf: str | None) -> httpx.Response:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return client.request(method, url, headers=headers)


PROTECTED = sorted(
    (method, path, access)
    for (method, path), access in policy.ROUTES.items()
    if access != policy.PUBLIC and method != policy.WEBSOCKET
)


def test_each_role_gets_exactly_what_the_table_gives_it(world: World) -> None:
    wrong: list[str] = []
    for method, path, access in PROTECTED:
        if path == "/api/auth/logout":
            continue  # would end the session the other checks use; covered below
        url = concrete(path, world.home.id)
        for role, who in world.by_role.items():
            answer = call(who.client, method, url, who.csrf)
            allowed = access == policy.SESSION or role in policy.roles_with(access)
            refused = answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
            if allowed and answer.status_code in (401, 403):
                wrong.append(f"{role} {method} {path}: {answer.status_code} {answer.text[:120]}")
            if not allowed and not (refused and access in answer.json()["error"]["message"]):
                wrong.append(f"{role} {method} {path}: not refused ({answer.status_code})")
    assert not wrong, "\n".join(wrong)


def test_another_sites_admin_finds_nothing_and_strangers_must_log_in(world: World) -> None:
    wrong: list[str] = []
    anonymous = httpx.Client(base_url=world.server.base_url, timeout=10)
    world.server.clients.append(anonymous)
    for method, path, _ in PROTECTED:
        url = concrete(path, world.home.id)
        if "{site_id}" in path:
            answer = call(world.outsider.client, method, url, world.outsider.csrf)
            if answer.status_code != 404 or answer.json()["error"]["message"] != "site not found":
                wrong.append(f"outsider {method} {path}: {answer.status_code}")
        answer = call(anonymous, method, url, None)
        if answer.status_code != 401:
            wrong.append(f"anonymous {method} {path}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)


def test_public_routes_are_not_refused_by_the_policy(world: World) -> None:
    anonymous = httpx.Client(base_url=world.server.base_url, timeout=10)
    world.server.clients.append(anonymous)
    for (method, path), access in policy.ROUTES.items():
        if access != policy.PUBLIC or method == policy.WEBSOCKET or path.startswith("/shop"):
            continue
        answer = anonymous.request(method, concrete(path, world.home.id))
        code = answer.json().get("error", {}).get("code") if answer.status_code >= 400 else None
        assert code not in ("no_policy", "forbidden"), f"{method} {path}: {answer.text[:200]}"
    assert anonymous.get("/healthz").status_code == 200


def test_a_role_missing_the_permission_changes_nothing(world: World) -> None:
    associate, supervisor = world.by_role["associate"], world.by_role["supervisor"]
    body = {"name": "Leather care", "description": "", "member_ids": []}
    url = f"/api/sites/{world.home.id}/helpdesk/groups"
    refused = associate.post(url, body)
    assert refused.status_code == 403, refused.text
    assert "helpdesk.groups.manage" in refused.json()["error"]["message"]
    assert supervisor.client.get(url).json()["groups"] == []


def test_logout_needs_a_session_and_ends_it(world: World) -> None:
    who = Associate.create(world.server, world.home, "associate")
    assert who.post("/api/auth/logout").status_code == 204
    assert who.client.get("/api/auth/me").status_code == 401
    assert who.post("/api/auth/logout").status_code == 401


def test_socket_commands_follow_the_table(world: World) -> None:
    """Typing into a chat one does not hold is the supervisors'; unknown commands are refused."""
    shopper = Shopper(world.server.base_url, world.home)
    assert shopper.start().status_code == 201
    queued = shopper.conversation_id
    typing = json.dumps({"type": "typing", "conversation_id": queued, "on": True})

    def is_error(frame: dict[str, object]) -> bool:
        return frame["type"] == "error"

    with world.by_role["associate"].socket() as ws:
        ws.send(typing)
        assert frames_until(ws, is_error)[-1]["code"] == "not_yours"
        ws.send(json.dumps({"type": "erase_everything"}))
        assert frames_until(ws, is_error)[-1]["code"] == "unknown_command"
        ws.send(json.dumps({"type": "ping"}))
        assert frames_until(ws, lambda f: f["type"] in ("pong", "error"))[-1]["type"] == "pong"

    with shopper.socket() as shop, world.by_role["supervisor"].socket() as ws:
        frames_until(shop, lambda f: True)  # subscribed: its first frame came
        ws.send(typing)
        ws.send(json.dumps({"type": "ping"}))
        seen = frames_until(ws, lambda f: f["type"] == "pong")
        assert not [f for f in seen if f["type"] == "error"], seen
        assert frames_until(shop, lambda f: f["type"] == "typing")[-1]["on"] is True


def test_a_new_role_closes_the_open_console_socket(world: World) -> None:
    """What a socket sees was decided with the old role: supervisor frames must stop (< 5 s)."""
    demoted = Associate.create(world.server, world.home, "supervisor")

    async def demote(db: Database) -> None:
        async with db.writer() as session:
            await session.execute(
                update(AssociateRow).where(AssociateRow.id == demoted.id).values(role="associate")
            )

    with demoted.socket() as ws:
        ws.send(json.dumps({"type": "ping"}))
        frames_until(ws, lambda f: f["type"] == "pong")
        world.server.run(demote)
        ended = frames_until(ws, lambda f: f["type"] == "error", timeout=8)[-1]
        assert ended["code"] == "role_changed"
    me = demoted.client.get("/api/auth/me").json()["associate"]
    assert me["role"] == "associate"
