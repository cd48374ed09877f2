"""Transcript e-mails: a conversation rendered for the shopper, and its delivery.

Everything a visitor controls (names, message bodies, product names, page titles, URLs) is inert
here (RELIABILITY.md, promise 8): HTML-escaped in the HTML part, links only for http(s) URLs,
control characters removed, and nothing visitor-controlled reaches a header except through
`email.headerregistry`, after CR/LF and other control characters are stripped.
"""

from __future__ import annotations

import asyncio
import html
import re
import secrets
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

SMTP_TIMEOUT = 10.0
REFERENCE_HEADER = "X-Salon-Reference"

# bidi overrides and isolates can make text read differently from what it is
_BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
_SYSTEM_EVENTS = {
    "joined": "{author} joined the conversation",
    "transferred": "The conversation was transferred to {author}",
    "closed": "The conversation was closed",
    "queued": "Waiting for the next available associate",
    "offline": "Message left outside opening hours",
}

# inline styles only: e-mail clients drop <style> blocks and never load external resources
_FONT = "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
_S_BODY = f"margin:0;padding:0;background:#f4f1ec;{_FONT};color:#1f1d1a"
_S_CARD = "max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #e6e1d8"
_S_MUTED = "color:#8a847a;font-size:13px"
_S_WHO = "font-weight:600;font-size:14px"
_S_TEXT = "font-size:15px;line-height:1.5;margin:2px 0 0 0"
_S_LINK = "color:#7a5c2e;text-decoration:underline"
_S_ITEM = (
    "display:block;margin:6px 0 0 0;padding:10px 12px;border:1px solid #e6e1d8;"
    "border-radius:6px;background:#faf8f4;font-size:14px;line-height:1.4"
)


class TranscriptDeliveryError(RuntimeError):
    """The SMTP server could not be reached or refused the message (the caller retries)."""


@dataclass(frozen=True)
class TranscriptMessage:
    sender: str  # "visitor" | "associate" | "system"
    author: str | None
    body: str
    kind: str
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Transcript:
    reference: str
    site_name: str
    associate_name: str | None
    visitor_name: str | None
    started_at: datetime
    closed_at: datetime | None
    messages: list[TranscriptMessage]


# ---- cleaning ----------------------------------------------------------------------------------


def clean_text(value: object, *, multiline: bool = True) -> str:
    """Text without control characters (bar newlines and tabs when `multiline`) or bidi tricks."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n").translate(_BIDI)
    keep = "\n\t" if multiline else ""
    return "".join(
        ch if ch in keep or unicodedata.category(ch) != "Cc" else " " for ch in text
    ).strip()


def header_text(value: object, limit: int = 200) -> str:
    """One line for a header: no CR/LF or other control characters, whitespace collapsed."""
    return " ".join(clean_text(value, multiline=False).split())[:limit]


def mailbox(value: str, display_name: str | None = None) -> Address:
    """One address (`a@b.c` or `Name <a@b.c>`); ValueError for anything else, lists included."""
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValueError("an e-mail address cannot contain control characters")
    found = getaddresses([value.strip()])
    if len(found) != 1 or not found[0][1] or any(ch in found[0][1] for ch in ", <>"):
        raise ValueError(f"not a single e-mail address: {value[:80]!r}")
    name, addr = found[0]
    try:
        parsed = Address(display_name=header_text(display_name or name), addr_spec=addr)
    except Exception as exc:  # the parser raises several types for malformed input
        raise ValueError(f"not a valid e-mail address: {value[:80]!r}") from exc
    if not parsed.username or ("." not in parsed.domain and parsed.domain != "localhost"):
        raise ValueError(f"not a valid e-mail address: {value[:80]!r}")
    return parsed


def web_url(value: object) -> str | None:
    """The URL when it is an absolute http(s) URL without control characters; else None."""
    url = str(value or "").strip()
    if not url or any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        return None
    try:
        split = urlsplit(url)
    except ValueError:
        return None
    return url if split.scheme.lower() in ("http", "https") and split.netloc else None


def _price(data: dict[str, Any]) -> str:
    currency = header_text(data.get("currency"), 8).upper()
    try:
        amount = Decimal(str(data.get("price")))
    except InvalidOperation:
        return header_text(data.get("price"), 40)
    if not amount.is_finite():
        return ""
    number = f"{amount:,.2f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency}".strip()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


# ---- one message, as lines of text or HTML -----------------------------------------------------


@dataclass(frozen=True)
class _Line:
    """A message reduced to safe pieces: who, when, its text and an optional link."""

    day: str
    time: str
    who: str
    system: bool
    text: str
    link: str  # "product" | "page" | "" (none)
    link_label: str
    link_detail: str  # the product's price
    link_url: str | None


def _who(message: TranscriptMessage, transcript: Transcript) -> str:
    if message.sender == "visitor":
        return "You"
    if message.sender == "associate":
        return header_text(message.author or transcript.associate_name or "Associate", 80)
    return ""


def _line(message: TranscriptMessage, transcript: Transcript) -> _Line:
    when = _utc(message.created_at)
    data = message.data if isinstance(message.data, dict) else {}
    body = clean_text(message.body)
    link = label = detail = ""
    url: str | None = None
    if message.kind == "product_card":
        link, label, detail = "product", header_text(data.get("name") or "A product"), _price(data)
        url = web_url(data.get("url"))
    elif message.kind == "page_push":
        url = web_url(data.get("url"))
        link, label = "page", header_text(data.get("title") or url or "A page")
    system = message.sender == "system" or message.kind == "system"
    if system and not body:
        template = _SYSTEM_EVENTS.get(str(data.get("event")), "")
        body = template.format(author=header_text(message.author or "An associate", 80))
    return _Line(
        _day(when),
        f"{when:%H:%M}",
        _who(message, transcript),
        system,
        body,
        link,
        label,
        detail,
        url,
    )


def _lines(transcript: Transcript) -> list[_Line]:
    return [_line(m, transcript) for m in transcript.messages if m.kind != "note"]


# ---- the two parts -----------------------------------------------------------------------------


def _plain(transcript: Transcript, lines: list[_Line]) -> str:
    site = header_text(transcript.site_name, 120)
    reference = header_text(transcript.reference, 40)
    associate = header_text(transcript.associate_name, 80)
    visitor = header_text(transcript.visitor_name, 80)
    out = [
        f"Hello {visitor}," if visitor else "Hello,",
        "",
        f"Here is a copy of your conversation with {site}.",
        "",
        f"Reference: {reference}",
    ]
    if associate:
        out.append(f"Associate: {associate}")
    out.append(
        f"Started:   {_day(_utc(transcript.started_at))}, {_utc(transcript.started_at):%H:%M} UTC"
    )
    day = ""
    for line in lines:
        if line.day != day:
            day = line.day
            out += ["", f"-- {day} --"]
        out.append("")
        if line.system:
            out.append(f"[{line.time}] * {line.text}")
            continue
        out.append(f"[{line.time}] {line.who}:")
        out += [f"  {text}" for text in line.text.split("\n") if line.text]
        if line.link == "page":
            out.append(f"  > Shared a page: {line.link_label}")
        elif line.link:
            price = f" - {line.link_detail}" if line.link_detail else ""
            out.append(f"  > {line.link_label}{price}")
        if line.link and line.link_url:
            out.append(f"    {line.link_url}")
    out += [
        "",
        "--",
        f"Quote {reference} if you get in touch with {site} about this conversation.",
        "",
    ]
    return "\n".join(out)


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _html_text(value: str) -> str:
    return "<br>".join(_e(part) for part in value.split("\n"))


def _html_link(line: _Line) -> str:
    name = _e(line.link_label)
    if line.link_url:
        name = (
            f'<a href="{_e(line.link_url)}" style="{_S_LINK};font-weight:600" '
            f'target="_blank" rel="noopener noreferrer">{name}</a>'
        )
    else:
        name = f'<span style="font-weight:600">{name}</span>'
    if line.link == "page":
        return (
            f'<span style="{_S_ITEM}"><span style="{_S_MUTED}">Shared a page</span>'
            f"<br>{name}</span>"
        )
    price = line.link_detail and f'<br><span style="{_S_MUTED}">{_e(line.link_detail)}</span>'
    return f'<span style="{_S_ITEM}">{name}{price}</span>'


def _html_row(line: _Line) -> str:
    if line.system:
        return (
            f'<tr><td style="padding:8px 28px;text-align:center;{_S_MUTED};'
            f'font-style:italic">{_e(line.time)} &middot; {_html_text(line.text)}</td></tr>'
        )
    accent = "#c9b68f" if line.who == "You" else "#7a5c2e"
    text = f'<p style="{_S_TEXT}">{_html_text(line.text)}</p>' if line.text else ""
    link = _html_link(line) if line.link else ""
    return (
        f'<tr><td style="padding:8px 28px"><div style="border-left:3px solid {accent};'
        f'padding:2px 0 2px 12px"><span style="{_S_WHO}">{_e(line.who)}</span> '
        f'<span style="{_S_MUTED}">{_e(line.time)}</span>{text}{link}</div></td></tr>'
    )


def _html(transcript: Transcript, lines: list[_Line]) -> str:
    site = _e(header_text(transcript.site_name, 120))
    reference = _e(header_text(transcript.reference, 40))
    associate = _e(header_text(transcript.associate_name, 80))
    visitor = _e(header_text(transcript.visitor_name, 80))
    started = _utc(transcript.started_at)
    facts = [("Reference", f'<span style="font-weight:600">{reference}</span>')]
    if associate:
        facts.append(("Associate", associate))
    facts.append(("Started", f"{_e(_day(started))}, {started:%H:%M} UTC"))
    fact_rows = "".join(
        f'<tr><td style="{_S_MUTED};padding:2px 16px 2px 0">{k}</td>'
        f'<td style="font-size:14px;padding:2px 0">{v}</td></tr>'
        for k, v in facts
    )
    rows, day = [], ""
    for line in lines:
        if line.day != day:
            day = line.day
            rows.append(
                f'<tr><td style="padding:16px 28px 4px;{_S_MUTED};'
                f'text-transform:uppercase;letter-spacing:.06em;font-size:11px">'
                f"{_e(day)}</td></tr>"
            )
        rows.append(_html_row(line))
    greeting = f"Hello {visitor}," if visitor else "Hello,"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light"><title>Your conversation with {site}</title></head>
<body style="{_S_BODY}"><div style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="{_S_CARD}">
<tr><td style="padding:28px 28px 8px"><div style="font-size:12px;letter-spacing:.14em;
text-transform:uppercase;color:#7a5c2e">{site}</div>
<h1 style="font-size:22px;font-weight:600;margin:10px 0 12px">Your conversation</h1>
<p style="font-size:15px;line-height:1.5;margin:0 0 14px">{greeting} here is a copy of your
conversation with {site}.</p>
<table role="presentation" cellpadding="0" cellspacing="0">{fact_rows}</table></td></tr>
<tr><td style="padding:8px 28px"><div style="border-top:1px solid #e6e1d8"></div></td></tr>
{"".join(rows)}
<tr><td style="padding:20px 28px 28px;{_S_MUTED};line-height:1.5">
<div style="border-top:1px solid #e6e1d8;padding-top:14px">Quote <strong>{reference}</strong>
if you get in touch with {site} about this conversation.</div></td></tr>
</table></div></body></html>
"""


def build_transcript_email(transcript: Transcript, to: str, sender: str) -> EmailMessage:
    """The transcript as a multipart/alternative e-mail (plain text, then HTML) to `to`."""
    recipient = mailbox(to, transcript.visitor_name)
    site = header_text(transcript.site_name, 120) or "us"
    reference = header_text(transcript.reference, 40)
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = f"Your conversation with {site} (ref. {reference})"
    message["From"] = mailbox(sender)
    message["To"] = recipient
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("transcript", domain=mailbox(sender).domain)
    message["Auto-Submitted"] = "auto-generated"
    message[REFERENCE_HEADER] = reference
    lines = _lines(transcript)
    message.set_content(_plain(transcript, lines))
    message.add_alternative(_html(transcript, lines), subtype="html")
    return message


# ---- delivery ----------------------------------------------------------------------------------


async def deliver(message: EmailMessage, smtp_url: str | None, outbox: Path) -> str:
    """Send through `smtp_url` (smtp://, smtps://, ?starttls=1), or write an .eml to `outbox`.

    Returns where it went: the server (never its credentials) or the file's path. Raises
    TranscriptDeliveryError when the SMTP server fails; the caller logs and retries later.
    """
    if smtp_url:
        return await asyncio.to_thread(_send_smtp, message, smtp_url)
    return str(await asyncio.to_thread(_write_outbox, message, outbox))


def _send_smtp(message: EmailMessage, smtp_url: str) -> str:
    url = urlsplit(smtp_url)
    scheme = url.scheme.lower()
    if scheme not in ("smtp", "smtps") or not url.hostname:
        raise TranscriptDeliveryError("SALON_SMTP_URL must look like smtp://host:port or smtps://…")
    starttls = _flag(url)
    port = url.port or (465 if scheme == "smtps" else 587 if starttls else 25)
    where = f"{scheme}://{url.hostname}:{port}"
    sender = message["From"].addresses[0].addr_spec
    recipients = [a.addr_spec for a in message["To"].addresses]
    context = ssl.create_default_context()
    try:
        smtp = (
            smtplib.SMTP_SSL(url.hostname, port, timeout=SMTP_TIMEOUT, context=context)
            if scheme == "smtps"
            else smtplib.SMTP(url.hostname, port, timeout=SMTP_TIMEOUT)
        )
        with smtp:
            if starttls:
                smtp.starttls(context=context)
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            refused = smtp.send_message(message, from_addr=sender, to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts and TLS
        raise TranscriptDeliveryError(
            f"sending the transcript through {where} failed: {type(exc).__name__}: {exc}"
        ) from exc
    if refused:
        raise TranscriptDeliveryError(f"{where} refused {', '.join(sorted(refused))}")
    return f"{where} for {', '.join(recipients)}"


def _flag(url: SplitResult) -> bool:
    values = parse_qs(url.query).get("starttls", [])
    return any(v.lower() in ("1", "true", "yes", "on") for v in values)


def _write_outbox(message: EmailMessage, outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    reference = re.sub(r"[^A-Za-z0-9-]+", "", str(message.get(REFERENCE_HEADER, "")))[:40]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox / f"{stamp}-{reference or 'transcript'}-{secrets.token_hex(2)}.eml"
    partial = path.with_suffix(".eml.part")  # readers of the outbox never see half a file
    partial.write_bytes(message.as_bytes(policy=message.policy.clone(linesep="\n")))
    partial.replace(path)
    return path
