"""A driver's stop times are the facility's clock (what the family was told): when she lives by
another clock, each time names its zone, so "11:00" is not read as her own 11 a.m."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from notifications.preferences import preference_update
from tests.transport.conftest import Rides, TripSetup

pytestmark = pytest.mark.django_db


def stop_times(html: str) -> list[str]:
    return re.findall(r'<div class="when">(.*?) · ', html)


def driver_page(two_trips: TripSetup, rides: Rides) -> str:
    client = Client()
    client.force_login(two_trips.driver_user)
    return client.get(f"/rides/driver/?date={rides.day}").content.decode()


def test_stop_times_name_the_facility_zone_for_a_driver_in_another_zone(
    two_trips: TripSetup, rides: Rides
) -> None:
    preference_update(user=two_trips.driver_user, time_zone="America/Denver")
    zone = rides.local(11).strftime("%Z")  # CST or CDT, whatever the date
    times = stop_times(driver_page(two_trips, rides))
    assert len(times) == 2
    assert all(f'<span class="tz nowrap">({zone})</span>' in t for t in times)


def test_a_driver_in_the_facility_zone_reads_plain_times(
    two_trips: TripSetup, rides: Rides
) -> None:
    preference_update(user=two_trips.driver_user, time_zone=rides.world.facility.time_zone)
    times = stop_times(driver_page(two_trips, rides))
    assert len(times) == 2 and not any("tz" in t for t in times)
