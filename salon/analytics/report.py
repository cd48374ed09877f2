"""The weekly summary e-mail to a site's supervisors: last ISO week's headline numbers.

Sent through the transcript mailer's delivery (`salon.chat.transcript.deliver`: SMTP, or an .eml
in the demo outbox). Once per site and week whatever happens: the run is claimed first with an
insert-or-nothing on the unique (site, week), so a restart or a second node finds the week taken.
A failed delivery gives the claim back, and the next check tries again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from html import escape
from typing import Any

from sqlalchemy import delete, select, update

from salon.analytics import conversion, service
from salon.analytics.models import ReportRun
from salon.analytics.service import Filters
from salon.chat.transcript import deliver, header_text, mailbox
from salon.config import Settings
from salon.core.clock import utcnow
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.db.upsert import insert_ignore
from salon.floor.service import customer_lookup
from salon.identity.models import Associate, AssociateSite
from salon.identity.policy import roles_with
from salon.identity.service import SiteDirectory
from salon.insight.scorer import InsightScorer

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 600.0
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """ "2026-W48" → Monday 00:00 UTC and the next Monday; ValueError for anything else."""
    found = WEEK.match(week)
    if not found:
        raise ValueError(f"{week!r} is not an ISO week like 2026-W48")
    monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    start = datetime(monday.year, monday.month, monday.day, tzinfo=UTC)
    return start, start + timedelta(days=7)


def previous_week(now: datetime) -> str:
    return service.iso_week(now - timedelta(days=7))


def due(now: datetime, weekday: int, hour: int) -> bool:
    """This week's send time has passed (then last week's report is due, once)."""
    monday = now.date() - timedelta(days=now.weekday())
    send_at = datetime(monday.year, monday.month, monday.day, tzinfo=UTC) + timedelta(
        days=weekday, hours=hour
    )
    return now >= send_at


@dataclass(frozen=True)
class ReportResult:
    site_id: str
    week: str
    status: str  # sent | already_sent | no_recipients | nothing_to_report | failed
    recipients: int = 0
    where: str = ""


async def summary(
    db: Database, scorer: InsightScorer | None, site_id: str, start: datetime, end: datetime
) -> dict[str, Any]:
    """The headline numbers, from the same service functions as the console's charts."""
    f = Filters(site_id, start, end)
    async with db.reader() as session:
        converted = await conversion.conversion(session, f, scorer, customer_lookup(db))
        queue = await service.queue(session, f)
        csat = await service.csat(session, f)
        sales = await service.attribution(session, f)
    ratings = [a for a in csat["associates"]]
    rated = sum(a["ratings"] for a in ratings)
    return {
        "conversion": converted,
        "queue": queue,
        "csat": (sum(a["csat"] * a["ratings"] for a in ratings) / rated if rated else None),
        "ratings": rated,
        "associates": sales["associates"],
        "orders": sales["orders"],
        "revenue": sales["revenue"],
    }


def _pct(value: float | None) -> str:
    return f"{value * 100:.1f}%" if value is not None else "n/a"


def _secs(value: float | None) -> str:
    return f"{value:,.0f} s" if value is not None else "n/a"


def lines_of(site_name: str, week: str, s: dict[str, Any]) -> list[tuple[str, str]]:
    q = s["queue"]
    return [
        ("Chats", f"{q['chats']:,} ({q['answered']:,} answered, {q['abandoned']:,} abandoned)"),
        (
            "Queue wait",
            f"median {_secs(q['wait_p50_seconds'])}, 90% within {_secs(q['wait_p90_seconds'])}",
        ),
        ("Abandonment", _pct(q["abandonment_rate"])),
        ("CSAT", f"{_pct(s['csat'])} of {s['ratings']:,} ratings"),
        ("Attributed orders", f"{s['orders']:,} for EUR {s['revenue']:,.2f}"),
        ("Chat and conversion", s["conversion"]["sentence"]),
    ]


def build_report_email(
    site_name: str, week: str, s: dict[str, Any], to: list[str], sender: str
) -> EmailMessage:
    """Plain text and HTML; every name escaped in the HTML, stripped of controls in headers."""
    site = header_text(site_name, 120) or "your site"
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = f"{site}: the week in chat ({header_text(week, 10)})"
    message["From"] = mailbox(sender)
    message["To"] = [mailbox(a) for a in to]
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid("weekly", domain=mailbox(sender).domain)
    message["Auto-Submitted"] = "auto-generated"
    rows = lines_of(site_name, week, s)
    people = [
        f"{a['name']}: {a['orders']} orders, EUR {a['revenue']:,.2f}" for a in s["associates"]
    ]
    text = [f"{site} - week {week}", ""]
    text += [f"{k}: {v}" for k, v in rows]
    if people:
        text += ["", "Attributed sales per associate:", *(f"  {p}" for p in people)]
    message.set_content("\n".join(text) + "\n")
    html = [
        f"<h1>{escape(site)}: week {escape(week)}</h1><table>",
        *(f"<tr><th align=left>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows),
        "</table>",
    ]
    if people:
        html += ["<h2>Attributed sales per associate</h2><ul>"]
        html += [f"<li>{escape(p)}</li>" for p in people] + ["</ul>"]
    message.add_alternative("<html><body>" + "".join(html) + "</body></html>", subtype="html")
    return message


async def recipients(db: Database, site_id: str) -> list[str]:
    async with db.reader() as session:
        found = await session.scalars(
            select(Associate.email)
            .join(AssociateSite, AssociateSite.associate_id == Associate.id)
            .where(
                AssociateSite.site_id == site_id,
                Associate.role.in_(roles_with("analytics.read")),
                Associate.active.is_(True),
            )
            .order_by(Associate.email)
        )
        return list(found.all())


async def send_weekly(
    db: Database,
    sites: SiteDirectory,
    settings: Settings,
    scorer: InsightScorer | None,
    site_id: str,
    week: str,
) -> ReportResult:
    """Send one site's report for one week, unless it went (or is going) already."""
    start, end = week_bounds(week)
    async with db.reader() as session:
        taken = await session.scalar(
            select(ReportRun.id).where(ReportRun.site_id == site_id, ReportRun.week == week)
        )
    if taken is not None:
        return ReportResult(site_id, week, "already_sent")
    to = await recipients(db, site_id)
    if not to:
        return ReportResult(site_id, week, "no_recipients")
    numbers = await summary(db, scorer, site_id, start, end)
    naive = numbers["conversion"]["naive"]
    if not numbers["queue"]["chats"] and not naive["chat"]["visits"] + naive["no_chat"]["visits"]:
        return ReportResult(site_id, week, "nothing_to_report", len(to))
    run_id = new_id()
    async with db.writer() as session:
        claimed = await session.execute(
            insert_ignore(session, ReportRun, ["site_id", "week"]).values(
                id=run_id,
                site_id=site_id,
                week=week,
                status="sending",
                recipients=len(to),
                detail="",
                created_at=utcnow(),
            )
        )
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return ReportResult(site_id, week, "already_sent")
    try:
        site = await sites.by_id(site_id)
        message = build_report_email(
            site.name if site else "", week, numbers, to, settings.mail_from
        )
        where = await deliver(message, settings.smtp_url, settings.demo_outbox)
    except Exception as exc:
        async with db.writer() as session:  # give the week back: the next check retries
            await session.execute(delete(ReportRun).where(ReportRun.id == run_id))
        log.exception("weekly report for site %s, %s not sent", site_id, week)
        return ReportResult(site_id, week, "failed", len(to), f"{type(exc).__name__}")
    async with db.writer() as session:
        await session.execute(
            update(ReportRun)
            .where(ReportRun.id == run_id)
            .values(status="sent", sent_at=utcnow(), detail=where[:500])
        )
    log.info("weekly report for site %s, %s sent: %s", site_id, week, where)
    return ReportResult(site_id, week, "sent", len(to), where)


async def run_weekly_reports(
    db: Database,
    sites: SiteDirectory,
    settings: Settings,
    scorer: InsightScorer | None,
    duty: Callable[[], bool] = lambda: True,
) -> None:
    """The lifespan task: check now and then; once the send time has passed, send each site's
    report for the week before (at most once: see send_weekly). Without an SMTP server the
    reports have nowhere to go, except the demo's outbox."""
    if not settings.smtp_url and not settings.demo:
        log.info("weekly reports are off: SALON_SMTP_URL is not set")
        return
    while True:
        now = utcnow()
        if duty() and due(now, settings.weekly_report_weekday, settings.weekly_report_hour):
            week = previous_week(now)
            try:
                every = await sites.all()
            except Exception:
                log.exception("weekly reports: the sites could not be listed")
                every = []
            for site in every:
                try:
                    await send_weekly(db, sites, settings, scorer, site.id, week)
                except Exception:
                    log.exception("weekly report for site %s failed", site.id)
        await asyncio.sleep(CHECK_EVERY_SECONDS)


async def send_for_site_key(settings: Settings, site_key: str, week: str | None) -> ReportResult:
    """`salon report weekly`: one site's report now (last week by default), still once a week."""
    from salon.insight.features import compute_page_stats
    from salon.insight.intent import load_shipped

    week = week or previous_week(utcnow())
    week_bounds(week)  # a bad week is refused before anything else
    db = Database(settings.database_url)
    try:
        sites = SiteDirectory(db)
        site = await sites.by_key(site_key)
        if site is None:
            raise ValueError(f"no site has the key {site_key!r}")
        scorer = InsightScorer(model=load_shipped() if settings.insight else None)
        scorer.page_stats = await compute_page_stats(db)
        return await send_weekly(db, sites, settings, scorer, site.id, week)
    finally:
        await db.dispose()
