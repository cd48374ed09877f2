"""The `salon` command as an operator uses it: migrate, create a site and an associate, log in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support import LiveServer


def salon(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "salon.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_operator_sets_up_a_store_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/ops.db"
    env = {"SALON_DATABASE_URL": url}
    assert salon("db", "upgrade", env=env).returncode == 0
    created = salon("site", "create", "Atelier", "--origin", "https://atelier.example", env=env)
    assert created.returncode == 0, created.stderr
    lines = dict(
        line.split(None, 2)[1:] for line in created.stdout.splitlines() if line.startswith("site ")
    )
    key, secret = lines["key"], lines["secret"]
    assert key.startswith("pk_") and secret.startswith("sk_") and len(secret) > 40
    assert f'data-site="{key}"' in created.stdout.replace("\n", "")
    made = salon(
        "associate",
        "create",
        "ops@atelier.example",
        "--name",
        "Ops",
        "--site",
        key,
        "--role",
        "supervisor",
        env={**env, "SALON_NEW_PASSWORD": "a long password"},
    )
    assert made.returncode == 0, made.stderr
    unknown = salon(
        "associate",
        "create",
        "x@atelier.example",
        "--name",
        "X",
        "--site",
        "pk_missing",
        env={**env, "SALON_NEW_PASSWORD": "a long password"},
    )
    assert unknown.returncode != 0 and "no site with key pk_missing" in unknown.stderr

    server = LiveServer.start(url)
    try:
        with httpx.Client(base_url=server.base_url) as client:
            login = client.post(
                "/api/auth/login",
                json={"email": "ops@atelier.example", "password": "a long password"},
            )
            assert login.status_code == 200
            me = client.get("/api/auth/me").json()
            assert me["associate"]["role"] == "supervisor"
            assert [s["key"] for s in me["sites"]] == [key]
    finally:
        server.stop()
