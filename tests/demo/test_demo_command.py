"""`salon demo` end to end: migrate, seed, serve, and a floor alive with simulated shoppers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from salon.demo.seed import DEMO_ACCOUNTS
from tests.floor.test_floor_feed import floor_socket, receive
from tests.support import free_port, wait_for


def _up(base_url: str, proc: subprocess.Popen[bytes]) -> bool:
    assert proc.poll() is None, "salon demo exited early"
    try:
        return httpx.get(base_url + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_salon_demo_serves_a_live_floor(tmp_path: Path) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALON_")}
    log = (tmp_path / "demo.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "salon.cli", "demo", "--port", str(port), "--shoppers", "40"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(lambda: _up(base_url, proc), timeout=60, interval=0.2)
        assert (tmp_path / "salon.db").exists()  # the default SQLite database, migrated
        assert "Aurel" in httpx.get(base_url + "/shop").text
        account = DEMO_ACCOUNTS[0]
        with httpx.Client(base_url=base_url) as client:
            login = client.post(
                "/api/auth/login", json={"email": account.email, "password": account.password}
            )
            assert login.status_code == 200
            csrf = login.json()["csrf_token"]
            site_id = client.get("/api/auth/me").json()["sites"][0]["id"]
            deadline = time.monotonic() + 30
            visitors = 0
            while visitors < 20:
                assert time.monotonic() < deadline, f"only {visitors} simulated shoppers arrived"
                with floor_socket(base_url, client) as socket:
                    socket.send(
                        json.dumps(
                            {"type": "hello", "csrf": csrf, "site_id": site_id, "last_seq": None}
                        )
                    )
                    visitors = len(receive(socket)["visits"])
                if visitors < 20:
                    time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()
    printed = (tmp_path / "demo.log").read_text()
    assert account.email in printed and account.password in printed  # demo accounts are shown
