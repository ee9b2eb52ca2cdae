"""A booked video call at a fixed moment, the clock set inside (or outside) its window, and
the people around it: the household, its station, another unit's station, staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from calls.models import Station
from tests import factories as f
from visits.models import Booking, BookingStatus, VisitKind

CHICAGO = ZoneInfo("America/Chicago")
# A Wednesday evening call at the world's facility (Chicago), 18:00-18:30 local time.
STARTS = dt.datetime(2026, 12, 9, 18, 0, tzinfo=CHICAGO)
DURING = STARTS + dt.timedelta(minutes=5)


@dataclass
class CallWorld:
    world: Any
    booking: Booking
    station: Any  # the user of Unit A's station (the resident's unit)
    other_station: Any  # Unit B's station
    second_station: Any  # another station of Unit A


def make_station(unit, username: str, name: str):
    user = f.make_user(username, first_name=name)
    Station.objects.create(user=user, unit=unit, name=name)
    return user


@pytest.fixture
def call_world(world, time_machine) -> CallWorld:
    time_machine.move_to(DURING, tick=True)
    rule = f.make_rule(world.facility, kind=VisitKind.VIDEO, duration_minutes=30,
                       rrule="FREQ=DAILY;BYHOUR=18;BYMINUTE=0")
    session = f.make_session(rule, starts_at=STARTS.astimezone(dt.UTC))
    booking = f.make_booking(session, world.resident, world.household, world.family,
                             status=BookingStatus.CONFIRMED)
    return CallWorld(
        world=world, booking=booking, station=make_station(world.unit_a, "kiosk-a", "Kiosk A"),
        other_station=make_station(world.unit_b, "kiosk-b", "Kiosk B"),
        second_station=make_station(world.unit_a, "kiosk-a2", "Kiosk A2"),
    )
