"""A driver removes a window of her availability: refused while a trip of hers still has a
stop to make in it (the trip would stay planned with her, and nobody would know), allowed
otherwise, as before. A plan being written while she removes one does not put her in it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from notifications.models import Event
from tests.conftest import World
from tests.transport.conftest import Rides, TripSetup
from transport import planner, staff
from transport.models import (
    Driver,
    DriverAvailability,
    RideRequest,
    RideStatus,
    Stop,
    StopStatus,
    Trip,
    TripStatus,
)

pytestmark = pytest.mark.django_db

REMOVED = "<li class=\"success\">Removed.</li>"


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def driving(day: dt.date) -> str:
    with translation.override("en"):
        shown = date_format(day, "MONTH_DAY_FORMAT")
    return (f"You are driving on {shown}: ask your coordinator to take you off the trip "
            "first, then remove this window.")


def remove(user: Any, window: DriverAvailability) -> str:
    page = client_for(user).post(f"/rides/availability/{window.pk}/remove/", follow=True)
    assert page.status_code == 200
    return page.content.decode()


def window_of(driver: Driver) -> DriverAvailability:
    return DriverAvailability.objects.get(driver=driver)


def test_a_window_she_drives_in_is_kept_with_a_message(two_trips: TripSetup, rides: Rides):
    joe = two_trips.trip.driver
    window = window_of(joe)
    events = Event.objects.count()
    html = remove(two_trips.driver_user, window)
    assert driving(rides.day) in html and REMOVED not in html
    assert DriverAvailability.objects.filter(pk=window.pk).exists()
    assert Trip.objects.get(pk=two_trips.trip.pk).driver == joe
    assert Event.objects.count() == events


def test_the_coordinators_still_see_her_day_after_a_refused_removal(world: World,
                                                                    two_trips: TripSetup):
    window = window_of(two_trips.trip.driver)
    remove(two_trips.driver_user, window)
    page = client_for(world.coordinator).get("/rides/drivers/")
    drivers = {d.pk: d for d in page.context["drivers"]}
    assert [w.pk for w in drivers[two_trips.trip.driver.pk].windows] == [window.pk]


def test_a_window_without_a_trip_of_hers_is_removed_as_before(two_trips: TripSetup,
                                                              rides: Rides):
    joe = two_trips.trip.driver
    next_day = DriverAvailability.objects.create(
        driver=joe, starts_at=rides.local(6) + dt.timedelta(days=1),
        ends_at=rides.local(21) + dt.timedelta(days=1))
    html = remove(two_trips.driver_user, next_day)
    assert REMOVED in html
    assert not DriverAvailability.objects.filter(pk=next_day.pk).exists()
    assert DriverAvailability.objects.filter(driver=joe).count() == 1


def test_another_drivers_trip_that_day_does_not_hold_her_window(rides: Rides,
                                                                two_trips: TripSetup):
    """Ann drives that day, Joe's trip is his own: with his trip gone, his window goes."""
    Trip.objects.filter(pk=two_trips.trip.pk).delete()
    window = window_of(two_trips.trip.driver)
    assert REMOVED in remove(two_trips.driver_user, window)
    assert not DriverAvailability.objects.filter(pk=window.pk).exists()


def test_of_two_windows_a_day_only_the_one_with_her_stops_is_held(rides: Rides,
                                                                  two_trips: TripSetup):
    """Joe gives 06:00-10:00 and 10:30-21:00; his stops (11:00, 12:20) are in the second."""
    joe = two_trips.trip.driver
    DriverAvailability.objects.filter(driver=joe).update(starts_at=rides.local(10, 30))
    morning = DriverAvailability.objects.create(driver=joe, starts_at=rides.local(6),
                                                ends_at=rides.local(10))
    afternoon = DriverAvailability.objects.exclude(pk=morning.pk).get(driver=joe)
    assert driving(rides.day) in remove(two_trips.driver_user, afternoon)
    assert REMOVED in remove(two_trips.driver_user, morning)
    assert list(DriverAvailability.objects.filter(driver=joe)) == [afternoon]


@pytest.mark.usefixtures("on_trip_day")
def test_a_trip_under_way_holds_the_window_until_its_last_stop(rides: Rides,
                                                               two_trips: TripSetup):
    window = window_of(two_trips.trip.driver)
    Stop.objects.filter(pk=two_trips.pickup.pk).update(status=StopStatus.PICKED_UP,
                                                       status_at=timezone.now())
    Trip.objects.filter(pk=two_trips.trip.pk).update(status=TripStatus.UNDER_WAY)
    assert driving(rides.day) in remove(two_trips.driver_user, window)
    assert DriverAvailability.objects.filter(pk=window.pk).exists()
    # The family dropped off, the trip done: the rest of her window is hers to take back.
    Stop.objects.filter(pk=two_trips.dropoff.pk).update(status=StopStatus.DROPPED_OFF,
                                                        status_at=timezone.now())
    Trip.objects.filter(pk=two_trips.trip.pk).update(status=TripStatus.DONE)
    assert REMOVED in remove(two_trips.driver_user, window)
    assert not DriverAvailability.objects.filter(pk=window.pk).exists()


def test_another_driver_still_cannot_remove_her_window(two_trips: TripSetup):
    window = window_of(two_trips.trip.driver)
    html = remove(two_trips.other_driver_user, window)
    assert "This window is not one of yours." in html
    assert DriverAvailability.objects.filter(pk=window.pk).exists()


def test_the_service_refuses_with_a_conflict(two_trips: TripSetup, rides: Rides):
    from scheduler.errors import Conflict

    window = window_of(two_trips.trip.driver)
    with pytest.raises(Conflict) as refused:
        staff.availability_remove(actor=two_trips.driver_user, window_id=window.pk)
    assert refused.value.code == "driving_in_window" and refused.value.status == 409
    assert refused.value.message == driving(rides.day)
    assert DriverAvailability.objects.filter(pk=window.pk).exists()


def test_a_window_removed_while_the_day_is_solved_gets_no_trip(rides: Rides,
                                                              monkeypatch: Any):
    """She removes her window after the planner read it and before it wrote its trips: the
    write sees it gone and plans again without her, instead of giving her a trip."""
    joe = rides.add_driver("joe", "Springfield", rides.add_vehicle("Sedan", seats=4))
    ride = rides.ride(rides.add_family("Bo"), "Springfield")
    real = planner.solve_built
    calls = []

    def solve_meanwhile(built: Any, **kwargs: Any) -> Any:
        if not calls:  # the first attempt: she taps "Remove" while it solves
            staff.availability_remove(actor=joe.user, window_id=window_of(joe).pk)
        calls.append(1)
        return real(built, **kwargs)

    monkeypatch.setattr(planner, "solve_built", solve_meanwhile)
    planner.plan_day(day=rides.day)
    assert len(calls) == 2
    assert not Trip.objects.filter(driver=joe).exists()
    ride.refresh_from_db()
    assert (ride.status, ride.unserved_reason) == (RideStatus.UNSERVED, "no_driver")
    assert not RideRequest.objects.filter(status=RideStatus.PLANNED).exists()
