"""Expert appointments: free one-hour slots per store and skill, and booking one of them.

An expert is an active associate of the site whose chat skills include the skill and whose home
store (AssociateSite.home_location_id) is the store. Slots are whole hours inside the store's
opening hours, read in the store's own time zone (a 10:00 opening in Paris is 09:00 UTC in
winter and 08:00 in summer), for the next 14 days, minus that expert's booked appointments.

Booking re-checks the slot and inserts the row; the partial unique index on (expert, start) for
booked rows is what really prevents a double booking when two chats race for the same hour, and
the loser gets a 409 "that slot was just taken" rather than a second appointment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.models import ChatAgent
from salon.core.clock import as_utc
from salon.core.errors import ApiError, not_found
from salon.core.ids import new_id
from salon.identity.models import Associate, AssociateSite
from salon.stores.models import Appointment, Location

SLOT = timedelta(hours=1)
HORIZON_DAYS = 14
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Expert:
    associate_id: str
    name: str
    title: str
    location_id: str


@dataclass(frozen=True)
class Slot:
    location_id: str
    location_name: str
    starts_at: datetime  # UTC
    local_start: datetime  # in the store's time zone, for display
    experts: tuple[Expert, ...]  # free at that hour, in a stable order

    @property
    def key(self) -> str:
        """The slot as the console sends it back to book: its UTC start."""
        return self.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def store_zone(location: Location) -> ZoneInfo:
    try:
        return ZoneInfo(location.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def opening_window(location: Location, day: date) -> tuple[time, time] | None:
    """The store's hours on a local calendar day, or None when closed or unreadable."""
    spec = str((location.hours or {}).get(WEEKDAYS[day.weekday()]) or "").strip()
    if "-" not in spec:
        return None
    start, _, end = spec.partition("-")
    try:
        opens, closes = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        return None
    return (opens, closes) if opens < closes else None


def day_slots(location: Location, day: date) -> list[datetime]:
    """The UTC starts of the whole-hour slots that fit inside the store's hours that day."""
    window = opening_window(location, day)
    if window is None:
        return []
    zone = store_zone(location)
    opens = datetime.combine(day, window[0], tzinfo=zone)
    closes = datetime.combine(day, window[1], tzinfo=zone)
    starts: list[datetime] = []
    # step in UTC: a daylight-saving change inside opening hours stays a real hour
    current, end = opens.astimezone(UTC), closes.astimezone(UTC)
    while current + SLOT <= end:
        starts.append(current)
        current += SLOT
    return starts


async def experts(
    session: AsyncSession, site_id: str, skill: str, location_id: str | None = None
) -> list[Expert]:
    """Associates who can give this skill's appointment, with the store they work from."""
    query = (
        select(Associate, AssociateSite, ChatAgent)
        .join(AssociateSite, AssociateSite.associate_id == Associate.id)
        .join(ChatAgent, ChatAgent.associate_id == Associate.id)
        .where(
            AssociateSite.site_id == site_id,
            AssociateSite.home_location_id.is_not(None),
            Associate.active.is_(True),
        )
        .order_by(Associate.name, Associate.id)
    )
    if location_id is not None:
        query = query.where(AssociateSite.home_location_id == location_id)
    wanted = skill.casefold()
    found: list[Expert] = []
    for associate, link, agent in (await session.execute(query)).all():
        if wanted in {str(s).casefold() for s in agent.skills or []}:
            assert link.home_location_id is not None
            found.append(Expert(associate.id, associate.name, link.title, link.home_location_id))
    return found


async def free_slots(
    session: AsyncSession,
    site_id: str,
    skill: str,
    now: datetime,
    location_id: str | None = None,
    day: date | None = None,
    associate_id: str | None = None,
) -> list[Slot]:
    """Free slots from now to the horizon (or on one local day), earliest first."""
    pool = await experts(session, site_id, skill, location_id)
    if associate_id is not None:
        pool = [e for e in pool if e.associate_id == associate_id]
    if not pool:
        return []
    locations = {
        loc.id: loc
        for loc in (
            await session.scalars(
                select(Location).where(
                    Location.site_id == site_id,
                    Location.id.in_({e.location_id for e in pool}),
                )
            )
        ).all()
    }
    horizon = now + timedelta(days=HORIZON_DAYS)
    booked = {
        (row.associate_id, as_utc(row.starts_at))
        for row in (
            await session.scalars(
                select(Appointment).where(
                    Appointment.site_id == site_id,
                    Appointment.status == "booked",
                    Appointment.associate_id.in_({e.associate_id for e in pool}),
                    Appointment.starts_at >= now - SLOT,
                    Appointment.starts_at < horizon + timedelta(days=1),
                )
            )
        ).all()
    }
    slots: list[Slot] = []
    for loc_id, location in locations.items():
        zone = store_zone(location)
        staff = [e for e in pool if e.location_id == loc_id]
        today = now.astimezone(zone).date()
        days = [day] if day is not None else [today + timedelta(days=i) for i in range(15)]
        for local_day in days:
            for start in day_slots(location, local_day):
                if start <= now or start >= horizon:
                    continue
                free = tuple(e for e in staff if (e.associate_id, start) not in booked)
                if free:
                    slots.append(Slot(loc_id, location.name, start, start.astimezone(zone), free))
    slots.sort(key=lambda s: (s.starts_at, s.location_name))
    return slots


def parse_slot(value: str) -> datetime:
    """A slot key ("2026-12-07T09:00:00Z"): an aware instant on the hour, or a clear 422."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(422, "invalid", "slot: not an ISO 8601 time", field="slot") from exc
    if parsed.tzinfo is None:
        raise ApiError(422, "invalid", "slot: needs a time zone (…Z)", field="slot")
    return parsed.astimezone(UTC)


async def book(
    session: AsyncSession,
    site_id: str,
    *,
    location_id: str,
    skill: str,
    starts_at: datetime,
    now: datetime,
    associate_id: str | None = None,
    customer_id: str | None = None,
    visitor_id: str | None = None,
    note: str = "",
) -> tuple[Appointment, Expert, Location]:
    """Book the slot with a free expert; 409 when it is gone, 404 for an unknown store."""
    location = await session.get(Location, location_id)
    if location is None or location.site_id != site_id:
        raise not_found("store")
    local_day = starts_at.astimezone(store_zone(location)).date()
    if starts_at not in day_slots(location, local_day) or not (
        now < starts_at < now + timedelta(days=HORIZON_DAYS)
    ):
        raise ApiError(
            422, "invalid", "slot: not an opening hour of that store in the next 14 days", "slot"
        )
    candidates = await free_slots(
        session, site_id, skill, now, location_id, local_day, associate_id
    )
    slot = next((s for s in candidates if s.starts_at == starts_at), None)
    if slot is None:
        raise _taken()
    for expert in slot.experts:
        appointment = Appointment(
            id=new_id(),
            site_id=site_id,
            external_id=f"salon-{new_id()}",
            location_id=location_id,
            associate_id=expert.associate_id,
            customer_id=customer_id,
            visitor_id=visitor_id,
            skill=skill,
            starts_at=starts_at,
            ends_at=starts_at + SLOT,
            status="booked",
            note=note,
        )
        try:
            async with session.begin_nested():  # a lost race rolls back this row only
                session.add(appointment)
        except IntegrityError:
            continue  # that expert was just booked by another chat: try the next one
        return appointment, expert, location
    raise _taken()


def _taken() -> ApiError:
    return ApiError(409, "slot_taken", "that slot was just taken; pick another one")
