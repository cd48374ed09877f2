"""The weekly summary e-mail: sent by the server itself over real SMTP (aiosmtpd), once a week
whatever restarts or second nodes do, with names inert; and from the command line."""

from __future__ import annotations

import asyncio
import email
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from sqlalchemy import func, select
from typer.testing import CliRunner

from salon.analytics.history import seed_history
from salon.analytics.models import ReportRun
from salon.analytics.report import previous_week, send_weekly
from salon.cli import app as cli
from salon.config import Settings
from salon.core.clock import utcnow
from salon.db.engine import Database
from salon.identity.service import SiteDirectory
from tests.support import LiveServer, free_port, wait_for

HOSTILE = '<img src=x onerror="alert(1)">'


@dataclass
class Inbox:
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(bytes(e.content or b""), policy=default)  # type: ignore[misc]
            for e in self.envelopes
        ]


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    box, port = Inbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def test_the_server_sends_last_weeks_report_once(
    database_url: str, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    box.envelopes.clear()
    smtp = f"smtp://127.0.0.1:{port}"
    # the report is due from Monday 00:00: always, so the server sends at start-up
    setup = LiveServer.start(database_url, weekly_report=False)
    site = setup.make_site(name=f"Maison {HOSTILE}")
    boss = setup.make_associate([site], role="supervisor")
    setup.make_associate([site])  # an associate: not a recipient
    setup.run(lambda db: seed_history(db, site.id, days=14, visits=200))
    setup.stop()

    first = LiveServer.start(
        database_url, smtp_url=smtp, weekly_report_weekday=0, weekly_report_hour=0
    )
    try:
        wait_for(lambda: box.envelopes, timeout=20)
    finally:
        first.stop()
    (mail,) = box.messages()
    week = previous_week(utcnow())
    assert [box.envelopes[0].rcpt_tos] == [[boss]]
    assert week in mail["Subject"] and "the week in chat" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    for part in (text, html):
        assert "Queue wait" in part and "CSAT" in part and "Attributed orders" in part
    assert HOSTILE not in html and "&lt;img src=x" in html

    # a restart, and two nodes at once, find the week taken
    second = LiveServer.start(
        database_url, smtp_url=smtp, weekly_report_weekday=0, weekly_report_hour=0
    )
    settings = Settings(database_url=database_url, smtp_url=smtp)

    async def race(db: Database) -> list[str]:
        sites = SiteDirectory(db)
        results = await asyncio.gather(
            *(send_weekly(db, sites, settings, None, site.id, week) for _ in range(3))
        )
        async with db.reader() as session:
            runs = await session.scalar(
                select(func.count()).select_from(ReportRun).where(ReportRun.site_id == site.id)
            )
        assert runs == 1
        return [r.status for r in results]

    try:
        assert second.run(race) == ["already_sent"] * 3
    finally:
        second.stop()
    assert len(box.envelopes) == 1


def test_another_week_is_sent_exactly_once_under_a_race(
    database_url: str, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    box.envelopes.clear()
    settings = Settings(database_url=database_url, smtp_url=f"smtp://127.0.0.1:{port}")
    server = LiveServer.start(database_url, weekly_report=False)
    try:
        site = server.make_site(name="Race shop")
        server.make_associate([site], role="supervisor")
        server.run(lambda db: seed_history(db, site.id, days=21, visits=150, seed=3))
        week = previous_week(utcnow() - timedelta(days=7))

        async def race(db: Database) -> list[str]:
            sites = SiteDirectory(db)
            results = await asyncio.gather(
                *(send_weekly(db, sites, settings, None, site.id, week) for _ in range(4))
            )
            return sorted(r.status for r in results)

        assert server.run(race) == ["already_sent"] * 3 + ["sent"]
        empty = server.make_site(name="Quiet shop")
        server.make_associate([empty], role="supervisor")

        async def quiet(db: Database) -> str:
            result = await send_weekly(db, SiteDirectory(db), settings, None, empty.id, week)
            return result.status

        assert server.run(quiet) == "nothing_to_report"
    finally:
        server.stop()
    assert len(box.envelopes) == 1


def test_the_command_line_sends_a_week_to_the_outbox(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = LiveServer.start(sqlite_url, weekly_report=False)
    try:
        site = server.make_site(name="CLI shop")
        server.make_associate([site], role="supervisor")
        server.run(lambda db: seed_history(db, site.id, days=14, visits=120, seed=5))
    finally:
        server.stop()
    monkeypatch.setenv("SALON_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SALON_DEMO_OUTBOX", str(tmp_path))
    monkeypatch.delenv("SALON_SMTP_URL", raising=False)
    from salon.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    week = previous_week(utcnow())
    sent = runner.invoke(cli, ["report", "weekly", "--site", site.key, "--week", week])
    assert sent.exit_code == 0, sent.output
    assert f"{week}: sent (1 recipients)" in sent.output
    assert len(list(tmp_path.glob("*.eml"))) == 1
    again = runner.invoke(cli, ["report", "weekly", "--site", site.key, "--week", week])
    assert "already_sent" in again.output and len(list(tmp_path.glob("*.eml"))) == 1
    bad = runner.invoke(cli, ["report", "weekly", "--site", site.key, "--week", "2026-48"])
    assert bad.exit_code == 2 and "not an ISO week" in bad.output
    get_settings.cache_clear()
