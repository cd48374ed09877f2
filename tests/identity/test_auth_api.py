"""Console login, sessions, CSRF and the login rate limit, through real HTTP."""

from __future__ import annotations

import httpx
import pytest

from tests.support import PASSWORD, LiveServer


@pytest.fixture(scope="module")
def limited_server(sqlite_url: str) -> LiveServer:
    live = LiveServer.start(sqlite_url, login_attempts_per_5min=3)
    yield live  # type: ignore[misc]
    live.stop()


def test_login_me_logout(server: LiveServer) -> None:
    site = server.make_site()
    email = server.make_associate([site], role="supervisor")
    client, csrf = server.login(email)
    cookie = client.cookies.jar
    set_cookie = next(c for c in cookie if c.name == "salon_session")
    assert set_cookie.has_nonstandard_attr("HttpOnly")
    me = client.get("/api/auth/me").json()
    assert me["associate"]["email"] == email and me["associate"]["role"] == "supervisor"
    assert me["sites"] == [{"id": site.id, "name": site.name, "key": site.key}]
    assert "password" not in str(me)
    refused = client.post("/api/auth/logout")  # no CSRF header
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    assert client.get("/api/auth/me").status_code == 200
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    token = set_cookie.value
    again = httpx.get(server.base_url + "/api/auth/me", cookies={"salon_session": token})
    assert again.status_code == 401  # the old cookie is dead on the server too


def test_wrong_password_is_401_without_saying_which_part(server: LiveServer) -> None:
    site = server.make_site()
    email = server.make_associate([site])
    for body in (
        {"email": email, "password": "nope-nope"},
        {"email": "nobody@example.com", "password": PASSWORD},
    ):
        answer = httpx.post(server.base_url + "/api/auth/login", json=body)
        assert answer.status_code == 401
        assert answer.json()["error"]["message"] == "e-mail or password is not correct"
    assert httpx.get(server.base_url + "/api/auth/me").status_code == 401


def test_failed_logins_are_rate_limited_per_ip(limited_server: LiveServer) -> None:
    site = limited_server.make_site()
    email = limited_server.make_associate([site])
    url = limited_server.base_url + "/api/auth/login"
    for _ in range(3):
        assert httpx.post(url, json={"email": email, "password": "wrong-one"}).status_code == 401
    blocked = httpx.post(url, json={"email": email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0
    assert "too many failed logins" in blocked.json()["error"]["message"]


def test_console_api_calls_are_rate_limited_per_associate(sqlite_url: str) -> None:
    limited_server = LiveServer.start(sqlite_url, api_calls_per_minute=20)
    site = limited_server.make_site()
    busy, _ = limited_server.login(limited_server.make_associate([site]))
    calm, _ = limited_server.login(limited_server.make_associate([site]))
    answers = [busy.get("/api/auth/me").status_code for _ in range(25)]
    assert answers[:20] == [200] * 20  # 20 a minute here (200 by default)
    assert set(answers[20:]) == {429}
    refused = busy.get("/api/auth/me")
    assert int(refused.headers["retry-after"]) > 0
    assert "too many API calls" in refused.json()["error"]["message"]
    assert calm.get("/api/auth/me").status_code == 200  # per associate, not per server
    limited_server.stop()
