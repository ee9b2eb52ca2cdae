"""A volunteer driver's trips page says first when she must leave home: the very time the
coordinators' board shows ("Leaves …"), in the facility's zone, named when it is not hers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from notifications.preferences import preference_update
from tests.transport.conftest import Rides, TripSetup
from transport.models import Trip

pytestmark = pytest.mark.django_db


def page_of(user, rides: Rides) -> str:
    client = Client()
    client.force_login(user)
    return client.get(f"/rides/driver/?date={rides.day}").content.decode()


def leave_line(html: str, trip: Trip) -> str:
    section = html[html.index(f'<section class="trip" id="trip-{trip.pk}">'):]
    found = re.search(r'<p class="leave">(.*?)</p>', section.split("</section>")[0], re.S)
    return found.group(1) if found else ""


def board_leaves(world, rides: Rides, trip: Trip) -> str:
    client = Client()
    client.force_login(world.coordinator)
    html = client.get(f"/rides/board/?date={rides.day}").content.decode()
    section = html[html.index(f'id="trip-{trip.pk}"'):]
    return re.search(r"Leaves ([^<]+), back ([^<]+) <span", section).group(1)


def test_each_trip_opens_with_the_boards_leaving_time(world, two_trips: TripSetup,
                                                      rides: Rides):
    preference_update(user=two_trips.driver_user, time_zone=rides.world.facility.time_zone)
    html = page_of(two_trips.driver_user, rides)
    line = leave_line(html, two_trips.trip)
    start = board_leaves(world, rides, two_trips.trip)
    assert line.startswith(f"<strong>Leave home at {start}</strong>")
    assert "back about" in line and "tz" not in line  # her own zone: not named
    # First on the trip, before its vehicle and its stops.
    trip = html[html.index(f'id="trip-{two_trips.trip.pk}"'):]
    assert trip.index('class="leave"') < trip.index("Vehicle:") < trip.index("driver-stops")


def test_a_driver_in_another_zone_reads_the_facility_zone_named(world, two_trips, rides):
    preference_update(user=two_trips.driver_user, time_zone="America/Denver")
    zone = rides.local(10).strftime("%Z")  # CST or CDT, whatever the date
    line = leave_line(page_of(two_trips.driver_user, rides), two_trips.trip)
    start = board_leaves(world, rides, two_trips.trip)
    assert f"Leave home at {start}</strong> <span class=\"tz nowrap\">({zone})</span>" in line


def test_the_time_follows_the_trip_not_a_second_reckoning(world, two_trips, rides):
    """Re-planned to leave at 08:35, both pages move together."""
    Trip.objects.filter(pk=two_trips.trip.pk).update(starts_at=rides.local(8, 35))
    preference_update(user=two_trips.driver_user, time_zone=rides.world.facility.time_zone)
    line = leave_line(page_of(two_trips.driver_user, rides), two_trips.trip)
    start = board_leaves(world, rides, two_trips.trip)
    assert "8:35" in start and f"Leave home at {start}<" in line


def test_a_trip_without_a_planned_time_says_no_leaving_time(two_trips, rides):
    """An empty trip kept for a pin the plan could not keep has no time yet."""
    Trip.objects.filter(pk=two_trips.trip.pk).update(starts_at=None, ends_at=None)
    html = page_of(two_trips.driver_user, rides)
    assert leave_line(html, two_trips.trip) == "" and "Leave home" not in html
