"""Expert appointment slots and booking, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from salon.core.errors import ApiError
from salon.db.engine import Database
from salon.stores import appointments as appointments_module
from salon.stores.models import Appointment
from salon.touchpoints.registry import ToolResult
from salon.touchpoints.store_tools import AppointmentParams, appointment, book_appointment
from tests.touchpoints.customer_factory import Shop, at, context, make_shop

NOW = at("2026-12-07 08:00")  # Monday, 09:00 in Paris, 03:00 in New York


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def shop(db: Database) -> Shop:
    return await make_shop(db)


async def preview(db: Database, shop: Shop, now: datetime = NOW, **params: Any) -> ToolResult:
    async with db.reader() as session:
        return await appointment(context(session, shop, now), AppointmentParams(**params))


def slot_keys(result: ToolResult) -> list[str]:
    return [s["slot"] for s in result.context.get("slots", [])]


async def test_slots_are_whole_hours_inside_opening_hours_in_the_stores_zone(
    db: Database, shop: Shop
) -> None:
    paris = await shop.store("PAR", "Paris Rive Gauche")
    await shop.store("NYC", "New York SoHo", timezone="America/New_York", city="New York")
    await shop.expert("Claire", paris, ["leather", "fr"])
    nyc_id = await shop.expert("Dana", None, ["leather"])  # no home store: not bookable
    assert nyc_id
    monday = await preview(db, shop, skill="leather", location_id="PAR", day=date(2026, 12, 7))
    assert slot_keys(monday) == [f"2026-12-07T{h:02d}:00:00Z" for h in range(9, 18)]
    assert monday.card is not None and monday.card.kind == "appointment"
    first = monday.card.items[0]
    assert (first.id, first.name) == ("2026-12-07T09:00:00Z@PAR", "Mon 07 Dec, 10:00")
    assert first.note == "Paris Rive Gauche · with Claire"
    sunday = await preview(db, shop, skill="Leather", location_id="PAR", day=date(2026, 12, 13))
    assert sunday.card is None and "no free Leather expert" in sunday.context["message"]
    nobody = await preview(db, shop, skill="watches")
    assert nobody.card is None


async def test_slots_follow_the_stores_clock_across_time_zones_and_summer_time(
    db: Database, shop: Shop
) -> None:
    nyc = await shop.store("NYC", "New York SoHo", timezone="America/New_York")
    paris = await shop.store("PAR", "Paris Rive Gauche")
    await shop.expert("Dana", nyc, ["leather"])
    await shop.expert("Claire", paris, ["leather"])
    new_york = await preview(db, shop, skill="leather", location_id="NYC", day=date(2026, 12, 7))
    assert slot_keys(new_york)[0] == "2026-12-07T15:00:00Z"  # 10:00 EST
    # Europe moves to summer time on Sunday 28 March 2027: 10:00 in Paris is 09:00 then 08:00 UTC
    spring = at("2027-03-26 06:00")
    friday = await preview(db, shop, spring, skill="leather", location_id="PAR", day="2027-03-26")
    monday = await preview(db, shop, spring, skill="leather", location_id="PAR", day="2027-03-29")
    assert slot_keys(friday)[0] == "2027-03-26T09:00:00Z"
    assert slot_keys(monday)[0] == "2027-03-29T08:00:00Z"
    assert len(slot_keys(monday)) == 9


async def test_past_hours_and_the_horizon_are_left_out(db: Database, shop: Shop) -> None:
    paris = await shop.store("PAR", "Paris Rive Gauche")
    await shop.expert("Claire", paris, ["leather"])
    midday = at("2026-12-07 11:30")  # 12:30 in Paris
    everything = slot_keys(await preview(db, shop, midday, skill="leather"))
    assert everything[0] == "2026-12-07T12:00:00Z"  # 13:00 local, the next whole hour
    assert everything[-1] == "2026-12-21T11:00:00Z"  # 12:00 local, 14 days on, not 13:00
    # 12 open days of 9 hours, minus this morning's 10:00-12:00, plus those hours on the 21st
    assert len(everything) == 12 * 9 - 3 + 3


async def test_booked_hours_disappear_for_that_expert_only(db: Database, shop: Shop) -> None:
    paris = await shop.store("PAR", "Paris Rive Gauche")
    claire = await shop.expert("Claire", paris, ["leather"])
    await shop.expert("Zoe", paris, ["leather"])
    customer = await shop.customer()
    ten = at("2026-12-07 09:00")
    await shop.add(
        Appointment(
            id="a" * 32,
            site_id=shop.site_id,
            external_id="store-1",
            location_id=paris.id,
            associate_id=claire,
            customer_id=customer,
            skill="leather",
            starts_at=ten,
            ends_at=at("2026-12-07 10:00"),
        )
    )
    day = date(2026, 12, 7)
    both = await preview(db, shop, skill="leather", location_id="PAR", day=day)
    assert both.card is not None and both.card.table is not None
    assert both.card.table.rows[0] == ["Paris Rive Gauche", "Mon 07 Dec", "10:00", "Zoe"]
    assert both.card.table.rows[1][3] == "Claire, Zoe"
    only_claire = await preview(
        db, shop, skill="leather", location_id="PAR", day=day, associate_id=claire
    )
    assert "2026-12-07T09:00:00Z" not in slot_keys(only_claire)
    assert len(slot_keys(only_claire)) == 8


async def book(db: Database, shop: Shop, customer: str | None, **params: Any) -> ToolResult:
    async with db.writer() as session:
        ctx = context(session, shop, NOW, customer)
        return await book_appointment(ctx, AppointmentParams(**params))


async def count_booked(db: Database, shop: Shop) -> int:
    async with db.reader() as session:
        found = await session.scalar(
            select(func.count(Appointment.id)).where(
                Appointment.site_id == shop.site_id, Appointment.status == "booked"
            )
        )
        return int(found or 0)


async def test_booking_confirms_and_takes_the_slot(db: Database, shop: Shop) -> None:
    paris = await shop.store("PAR", "Paris Rive Gauche")
    await shop.expert("Claire", paris, ["leather"])
    ana = await shop.customer()
    slot = "2026-12-08T13:00:00Z"
    result = await book(db, shop, ana, skill="leather", location_id="PAR", slot=slot)
    assert result.card is not None and result.card.title == "Your appointment is booked"
    assert result.card.text == (
        "Tuesday 08 December at 14:00 at Paris Rive Gauche with Claire (Leather expert)."
    )
    async with db.reader() as session:
        row = await session.get(Appointment, result.context["appointment_id"])
        assert row is not None and (row.customer_id, row.skill) == (ana, "leather")
    assert slot not in slot_keys(await preview(db, shop, skill="leather"))
    with pytest.raises(ApiError) as again:
        await book(db, shop, ana, skill="leather", location_id="PAR", slot=slot)
    assert (again.value.status, again.value.code) == (409, "slot_taken")
    assert await count_booked(db, shop) == 1


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"slot": "2026-12-08T13:30:00Z"}, 422, "slot"),  # not on the hour
        ({"slot": "2026-12-08T06:00:00Z"}, 422, "slot"),  # before opening
        ({"slot": "2026-12-13T10:00:00Z"}, 422, "slot"),  # Sunday: closed
        ({"slot": "2027-01-05T10:00:00Z"}, 422, "slot"),  # beyond 14 days
        ({"slot": "2026-12-08 13:00"}, 422, "slot"),  # no time zone
        ({"slot": "tomorrow"}, 422, "slot"),
        ({"slot": "2026-12-08T13:00:00Z", "location_id": "NOPE"}, 404, "location_id"),
        ({}, 422, "slot"),
    ],
)
async def test_a_bad_booking_is_refused_and_books_nothing(
    db: Database, shop: Shop, params: dict[str, Any], status: int, field: str
) -> None:
    paris = await shop.store("PAR", "Paris Rive Gauche")
    await shop.expert("Claire", paris, ["leather"])
    with pytest.raises(ApiError) as refused:
        await book(db, shop, None, **{"skill": "leather", "location_id": "PAR", **params})
    assert (refused.value.status, refused.value.field) == (status, field)
    assert await count_booked(db, shop) == 0


async def test_two_chats_racing_for_one_slot_get_one_booking_and_one_409(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    paris = await shop.store("PAR", "Paris Rive Gauche")
    await shop.expert("Claire", paris, ["leather"])
    first, second = await shop.customer(), await shop.customer()
    if not db.is_sqlite:
        # both chats see the slot free before either writes: the unique index must decide
        checked = 0
        both_checked = asyncio.Event()
        real_free_slots = appointments_module.free_slots

        async def free_slots_then_wait(*args: Any, **kwargs: Any) -> Any:
            nonlocal checked
            found = await real_free_slots(*args, **kwargs)
            checked += 1
            if checked == 2:
                both_checked.set()
            await asyncio.wait_for(both_checked.wait(), timeout=5)
            return found

        monkeypatch.setattr(appointments_module, "free_slots", free_slots_then_wait)
    params = {"skill": "leather", "location_id": "PAR", "slot": "2026-12-09T10:00:00Z"}
    outcomes = await asyncio.gather(
        book(db, shop, first, **params), book(db, shop, second, **params), return_exceptions=True
    )
    booked = [o for o in outcomes if isinstance(o, ToolResult)]
    refused = [o for o in outcomes if isinstance(o, ApiError)]
    assert len(booked) == 1 and len(refused) == 1, outcomes
    assert (refused[0].status, refused[0].message) == (
        409,
        "that slot was just taken; pick another one",
    )
    assert await count_booked(db, shop) == 1
