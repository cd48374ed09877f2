"""Transcript e-mails: delivered through a real SMTP server (aiosmtpd), hostile content inert."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from salon.chat.transcript import (
    Transcript,
    TranscriptDeliveryError,
    TranscriptMessage,
    build_transcript_email,
    deliver,
)

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
INJECTED_NAME = "Eve\r\nBcc: evil@example.com"
SHOPPER = "shopper@example.com"
FROM = "Maison Aurel <no-reply@maison.example>"


@dataclass
class Inbox:
    """The SMTP server's side: every envelope it accepted."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _authenticate(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == b"salon"
        and auth_data.password == b"p@ss word"
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticate,
        auth_require_tls=False,
        auth_required=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _at(minute: int) -> datetime:
    return datetime(2025, 3, 12, 14, 0, tzinfo=UTC) + timedelta(minutes=minute)


def _message(
    sender: str, body: str, minute: int, kind: str = "text", author: str | None = None, **data: Any
) -> TranscriptMessage:
    return TranscriptMessage(
        sender=sender, author=author, body=body, kind=kind, data=data, created_at=_at(minute)
    )


def hostile_transcript() -> Transcript:
    return Transcript(
        reference="SAL-7K3Q9",
        site_name="Maison Aurel",
        associate_name="Nick",
        visitor_name=INJECTED_NAME,
        started_at=_at(0),
        closed_at=_at(9),
        messages=[
            _message("system", "Nick joined the conversation", 0, "system", "Nick", event="joined"),
            _message("visitor", f"Hi! {SCRIPT} is this tote in black?", 1),
            _message("associate", "Good afternoon, it is: here it is.", 2, author="Nick"),
            _message(
                "associate",
                "",
                3,
                "product_card",
                "Nick",
                product_id="P100",
                name="Sac Aurel noir",
                price=1250,
                currency="EUR",
                image="https://cdn.example/tote.jpg",
                url="https://shop.example/p/100",
            ),
            _message(
                "associate",
                "",
                4,
                "product_card",
                "Nick",
                product_id="P666",
                name=ATTRIBUTE,
                price="12",
                currency="EUR",
                url="javascript:alert(document.cookie)",
            ),
            _message(
                "associate",
                "",
                5,
                "page_push",
                "Nick",
                url="https://shop.example/sizes",
                title=f"Size guide {SCRIPT}",
                mode="card",
            ),
            _message("associate", "Check with the workshop", 6, "note", "Nick"),
            _message("visitor", f"Thanks {ATTRIBUTE}\nsee you", 7),
            _message("system", "", 9, "system", None, event="closed"),
        ],
    )


def _parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(("plain",))
    rich = message.get_body(("html",))
    assert isinstance(plain, EmailMessage) and isinstance(rich, EmailMessage)
    return str(plain.get_content()), str(rich.get_content())


async def test_delivered_over_smtp_with_hostile_content_inert(
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    message = build_transcript_email(hostile_transcript(), SHOPPER, FROM)

    where = await deliver(message, f"smtp://127.0.0.1:{port}", Path("/nonexistent"))

    assert where == f"smtp://127.0.0.1:{port} for {SHOPPER}"
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == [SHOPPER]
    assert envelope.mail_from == "no-reply@maison.example"
    assert isinstance(envelope.original_content, bytes)
    received = email.message_from_bytes(
        envelope.original_content, _class=EmailMessage, policy=email.policy.default
    )
    assert received.get_content_type() == "multipart/alternative"
    assert received["Subject"] == "Your conversation with Maison Aurel (ref. SAL-7K3Q9)"
    assert received["From"].addresses[0].addr_spec == "no-reply@maison.example"
    assert [a.addr_spec for a in received["To"].addresses] == [SHOPPER]
    assert received["Bcc"] is None and received.get_all("Bcc") is None
    assert b"\nBcc" not in envelope.original_content
    assert "evil@example.com" not in received["To"].addresses[0].addr_spec

    text, rich = _parts(received)
    for part in (text, rich):
        assert "SAL-7K3Q9" in part and "Nick" in part
        assert "14:01" in part and "14:07" in part
        assert "Good afternoon, it is: here it is." in part
        assert "Check with the workshop" not in part  # notes never leave the console
    assert f"Hi! {SCRIPT} is this tote in black?" in text
    assert "Sac Aurel noir - €1,250.00" in text
    assert "https://shop.example/p/100" in text and "javascript:" not in text
    assert "Shared a page: Size guide" in text

    assert "Hi! &lt;script&gt;alert(1)&lt;/script&gt; is this tote" in rich
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in rich
    assert "<script" not in rich.lower() and "<img" not in rich.lower()
    assert 'href="javascript:' not in rich and "javascript:" not in rich
    assert 'href="https://shop.example/p/100"' in rich
    assert ">Sac Aurel noir</a>" in rich
    assert 'href="https://shop.example/sizes"' in rich
    assert "Eve Bcc: evil@example.com" in rich  # the name, flattened to one line and inert
    assert "https://cdn.example" not in rich  # no external resources


async def test_smtp_login(smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    message = build_transcript_email(hostile_transcript(), SHOPPER, FROM)
    await deliver(message, f"smtp://salon:p%40ss%20word@127.0.0.1:{port}", Path("/nonexistent"))
    assert len(inbox.envelopes) == 1
    with pytest.raises(TranscriptDeliveryError, match="SMTPAuthenticationError") as failed:
        await deliver(message, f"smtp://salon:wrong@127.0.0.1:{port}", Path("/nonexistent"))
    assert "wrong" not in str(failed.value)


async def test_smtp_failure_is_a_clear_error() -> None:
    message = build_transcript_email(hostile_transcript(), SHOPPER, FROM)
    with pytest.raises(TranscriptDeliveryError, match=r"smtp://127\.0\.0\.1:\d+ failed"):
        await deliver(message, f"smtp://127.0.0.1:{_free_port()}", Path("/nonexistent"))
    with pytest.raises(TranscriptDeliveryError, match="must look like"):
        await deliver(message, "http://127.0.0.1:25", Path("/nonexistent"))


async def test_outbox_fallback_writes_a_parseable_eml(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox" / "nested"
    message = build_transcript_email(hostile_transcript(), SHOPPER, FROM)

    where = await deliver(message, None, outbox)

    path = Path(where)
    assert path.parent == outbox and path.suffix == ".eml" and "SAL-7K3Q9" in path.name
    assert [p.name for p in outbox.iterdir()] == [path.name]
    parsed = email.message_from_bytes(
        path.read_bytes(), _class=EmailMessage, policy=email.policy.default
    )
    assert parsed["Subject"] == "Your conversation with Maison Aurel (ref. SAL-7K3Q9)"
    assert [a.addr_spec for a in parsed["To"].addresses] == [SHOPPER]
    text, rich = _parts(parsed)
    assert "Good afternoon" in text and "&lt;script&gt;" in rich


@pytest.mark.parametrize(
    "to",
    [
        "shopper@example.com\r\nBcc: evil@example.com",
        "shopper@example.com, evil@example.com",
        "shopper@example.com\nevil@example.com",
        "not an address",
        "",
    ],
)
def test_recipient_must_be_one_clean_address(to: str) -> None:
    with pytest.raises(ValueError):
        build_transcript_email(hostile_transcript(), to, FROM)


def test_hostile_subject_and_sender_stay_one_line() -> None:
    transcript = hostile_transcript()
    hostile = Transcript(
        **{
            **transcript.__dict__,
            "site_name": "Shop\r\nBcc: evil@example.com",
            "reference": "SAL-1\nX-Evil: 1",
        }
    )
    message = build_transcript_email(hostile, SHOPPER, FROM)
    raw = message.as_bytes()
    assert b"\r\nBcc:" not in raw and b"\r\nX-Evil:" not in raw
    assert message["Subject"] == (
        "Your conversation with Shop Bcc: evil@example.com (ref. SAL-1 X-Evil: 1)"
    )
    with pytest.raises(ValueError):  # a misconfigured SALON_MAIL_FROM is refused, not folded
        build_transcript_email(hostile, SHOPPER, "Salon\r\nBcc: evil@example.com")
