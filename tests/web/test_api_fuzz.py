"""Fuzz the HTTP API from its own OpenAPI schema: no 5xx, and every answer is the one documented.

schemathesis generates requests for each operation of /openapi.json, valid and invalid ones, and
sends them to a real server on loopback, logged in as a site admin. Every answer is checked against
the schema: no server error, a documented status code and content type, a body matching its model.
Every request is aimed at the seeded site; half of them also at objects that exist (a visit, an
identified customer, their chat, a webhook endpoint, a help-desk group, thread and snippet), so
the fuzz reaches past the 404 for an unknown id; the other half keep their generated ids.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import settings
from pydantic import BaseModel
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from salon.config import Settings
from salon.identity.service import SiteInfo
from salon.identity.signing import sign_customer_id
from salon.playbooks.routes import CouponCheckIn
from salon.playbooks.schemas import PlaybookIn
from salon.tracking.schemas import TrackBatch
from salon.web.app import create_app
from tests.support import (
    LiveServer,
    batch,
    free_port,
    fresh_database,
    hex_id,
    shopping_events,
)

# The server runs in a thread of this process and draws from the global `random` (message ids of
# e-mailed transcripts, back-off jitter) while Hypothesis generates in this one; Hypothesis takes
# that for a strategy using `random`. The strategies here never do.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
ORIGIN = "https://shop.example"
CUSTOMER = "C100"  # the store's id of the identified shopper behind the seeded chat
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Deterministic: a fixed seed, derandomized Hypothesis, no example database between runs.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20261204,
        "generation": {"deterministic": True, "max-examples": 30, "database": "none"},
    }
)
# These read their body themselves (sendBeacon's text/plain, size limits while streaming, error
# paths without the union tag), so FastAPI documents none; the fuzz sends the model each checks.
RAW_BODIES: dict[tuple[str, str], type[BaseModel]] = {
    ("/api/track", "post"): TrackBatch,
    ("/api/coupons/check", "post"): CouponCheckIn,
    ("/api/sites/{site_id}/playbooks", "post"): PlaybookIn,
    ("/api/sites/{site_id}/playbooks/{playbook_id}", "put"): PlaybookIn,
}


def _with_raw_bodies(openapi: dict[str, Any]) -> dict[str, Any]:
    components = openapi["components"]["schemas"]
    for (path, method), model in RAW_BODIES.items():
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in {**body.pop("$defs", {}), model.__name__: body}.items():
            assert components.setdefault(name, definition) == definition, f"two {name} schemas"
        operation = openapi["paths"][path][method]
        assert "requestBody" not in operation, f"{method} {path} documents its body: drop it here"
        operation["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}
            },
        }
    return openapi


# The schema the app serves at /openapi.json, built at collection: each operation is a test.
schema = schemathesis.openapi.from_dict(
    _with_raw_bodies(create_app(Settings(database_url="sqlite+aiosqlite://")).openapi()),
    config=CONFIG,
).exclude(
    # Logging out ends the session every other operation runs in: test_logout covers it.
    path="/api/auth/logout"
)


@dataclass
class Target:
    server: LiveServer
    site: SiteInfo
    session: requests.Session  # the admin's session cookie and CSRF header
    visitor_token: str  # the shopper's bearer token for the seeded conversation
    ids: dict[str, str]  # path or body field name -> the id of an object that exists
    sink: str  # a loopback URL nothing listens on: webhooks never leave this machine


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp("fuzz")
    with fresh_database("sqlite", str(tmp)) as url:
        server = LiveServer.start(
            url,
            demo_outbox=tmp / "outbox",  # transcripts e-mailed by the fuzz land here
            # the limits have their own tests; here they would only hide the operations behind 429
            login_attempts_per_5min=100_000,
            chat_starts_per_minute=100_000,
            chat_messages_per_minute=100_000,
        )
        try:
            yield _seed(server)
        finally:
            server.stop()


def _seed(server: LiveServer) -> Target:
    site = server.make_site([ORIGIN])
    client, csrf = server.login(server.make_associate([site], role="admin"))
    sink = f"http://127.0.0.1:{free_port()}/hook"

    def create(path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = client.post(
            f"/api/sites/{site.id}{path}", json=body, headers={"X-CSRF-Token": csrf}
        )
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    visitor, visit = hex_id(), hex_id()
    identity = {"customer_id": CUSTOMER, "signature": sign_customer_id(site.secret, CUSTOMER)}
    tracked = httpx.post(
        server.base_url + "/api/track",
        json=batch(site, shopping_events(), visitor, visit, identity=identity),
        headers={"Origin": ORIGIN},
    )
    assert tracked.status_code == 200, tracked.text
    chat = httpx.post(
        server.base_url + "/api/chat/conversations",
        json={"site_key": site.key, "visitor_id": visitor, "visit_id": visit, "message": "Hi"},
        headers={"Origin": ORIGIN},
    )
    assert chat.status_code == 201, chat.text
    conversation_id = chat.json()["conversation"]["id"]
    expert, expert_csrf = server.login(server.make_associate([site]))
    expert_id = expert.get("/api/auth/me").json()["associate"]["id"]
    group = create("/helpdesk/groups", {"name": "Stock questions", "member_ids": [expert_id]})
    group_id = _id_of(group)
    thread = create("/helpdesk/threads", {"group_id": group_id, "question": "Is P100 in Paris?"})
    thread_id = _id_of(thread)
    answered = expert.post(
        f"/api/sites/{site.id}/helpdesk/threads/{thread_id}/messages",
        json={"body": "Two in Paris."},
        headers={"X-CSRF-Token": expert_csrf},
    )
    assert answered.status_code == 201, answered.text
    snippet = create(
        "/helpdesk/snippets",
        {"thread_id": thread_id, "title": "Paris stock", "body": "Ask the Paris store."},
    )
    endpoint = create("/webhooks", {"url": sink, "events": ["coupon.issued"]})
    session = requests.Session()
    session.cookies.update(dict(client.cookies))
    session.headers["X-CSRF-Token"] = csrf
    ids = {
        "visit_id": tracked.json()["visit"],
        "customer_external_id": CUSTOMER,
        "customer_id": CUSTOMER,
        "conversation_id": conversation_id,
        "group_id": group_id,
        "thread_id": thread_id,
        "snippet_id": _id_of(snippet),
        "endpoint_id": _id_of(endpoint),
        "chart": "conversion",
    }
    return Target(server, site, session, chat.json()["token"], ids, sink)


def _id_of(created: dict[str, Any]) -> str:
    """The id of a created object, whether answered bare or wrapped ({"group": {...}})."""
    if "id" in created:
        return str(created["id"])
    (inner,) = created.values()
    return str(inner["id"])


def _aim(case: schemathesis.Case[Any], target: Target) -> dict[str, str]:
    """Point the request at the seeded site, half the time at its seeded objects too, and keep
    webhook URLs on loopback. Returns the extra headers the request needs.
    """
    headers = {"Origin": ORIGIN}
    body = case.body if isinstance(case.body, dict) else {}
    if isinstance(body.get("url"), str) and "/webhooks" in case.path:
        body["url"] = target.sink
    if "site_key" in body:
        body["site_key"] = target.site.key
    if "site_key" in (case.query or {}):
        case.query["site_key"] = target.site.key
    if "site_id" in (case.path_parameters or {}):
        case.path_parameters["site_id"] = target.site.id
    if zlib.crc32(repr((case.path_parameters, case.body, case.query)).encode()) % 2:
        return headers  # keeps the generated ids: unknown ones must answer 404, not 500
    for fields in (case.path_parameters or {}, body):
        for name in fields.keys() & target.ids.keys():
            fields[name] = target.ids[name]
    if case.path.startswith("/api/chat/conversations/"):
        headers["Authorization"] = f"Bearer {target.visitor_token}"
    return headers


def _call(case: schemathesis.Case[Any], target: Target) -> None:
    headers = _aim(case, target)
    case.call_and_validate(
        target.server.base_url, session=target.session, headers=headers, checks=CHECKS, timeout=10
    )


@schema.exclude(method="DELETE").exclude(path="/api/auth/login").parametrize()
def test_every_operation_answers_as_documented(
    case: schemathesis.Case[Any], target: Target
) -> None:
    _call(case, target)


# Every login attempt hashes a password (argon2, slow by design): fewer examples suffice.
@schema.include(path="/api/auth/login").parametrize()
@settings(max_examples=5)
def test_login_answers_as_documented(case: schemathesis.Case[Any], target: Target) -> None:
    _call(case, target)


# Deletions run after everything else: they remove the seeded objects the other operations use.
@schema.include(method="DELETE").parametrize()
def test_every_deletion_answers_as_documented(case: schemathesis.Case[Any], target: Target) -> None:
    _call(case, target)


def test_logout_answers_as_documented(target: Target) -> None:
    """Run on a session of its own: the fuzzed operations keep theirs."""
    client, csrf = target.server.login(target.server.make_associate([target.site]))
    case = schema["/api/auth/logout"]["POST"].Case()
    session = requests.Session()
    session.cookies.update(dict(client.cookies))
    refused = case.call_and_validate(target.server.base_url, session=session, checks=CHECKS)
    assert refused.status_code == 403  # no CSRF header: the session stays
    session.headers["X-CSRF-Token"] = csrf
    done = case.call_and_validate(target.server.base_url, session=session, checks=CHECKS)
    assert done.status_code == 204
    again = case.call_and_validate(target.server.base_url, session=session, checks=CHECKS)
    assert again.status_code == 401  # the session is gone


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/chat/conversations/{conversation_id}/messages?after=2147483648", "after"),
        ("/api/sites/{site_id}/audit?before=9223372036854775808", "before"),
        ("/api/sites/{site_id}/customers/C100/timeline?before=1e308", "before"),
        (
            "/api/sites/{site_id}/chat/conversations/{conversation_id}/timeline?before=1e20",
            "before",
        ),
    ],
)
def test_out_of_range_cursors_are_refused(target: Target, path: str, field: str) -> None:
    """Found by the fuzz: beyond its column (or a datetime) a cursor was a 500, now a 422."""
    url = target.server.base_url + path.format(site_id=target.site.id, **target.ids)
    answer = target.session.get(
        url, headers={"Authorization": f"Bearer {target.visitor_token}"}, timeout=10
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field


@pytest.mark.postgres
def test_nul_character_is_refused_on_postgresql(tmp_path: Path) -> None:
    """Found by the fuzz on PostgreSQL, which cannot store U+0000 in text: a 422, nothing saved."""
    with fresh_database("postgresql", str(tmp_path)) as url:
        server = LiveServer.start(url)
        try:
            site = server.make_site([ORIGIN])
            client, csrf = server.login(server.make_associate([site], role="admin"))
            groups = f"/api/sites/{site.id}/helpdesk/groups"
            answer = client.post(
                groups, json={"name": "Stock\u0000questions"}, headers={"X-CSRF-Token": csrf}
            )
            assert answer.status_code == 422, answer.text
            assert "NUL" in answer.json()["error"]["message"]
            assert client.get(groups).json()["groups"] == []
        finally:
            server.stop()
