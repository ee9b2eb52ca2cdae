"""Real threads against PostgreSQL: a booking gets one ride request however many taps race,
and a driver who sets off while the planner writes is never planned over.

SQLite takes a database-wide write lock instead of row locks, so these run on PostgreSQL only
(CI runs them there).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.db import connection

from scheduler.errors import Conflict
from tests.transport.conftest import TOWNS, Rides
from transport.models import RideRequest, Stop, Trip
from transport.planner import plan_day
from transport.services import RideAsk, ride_request_create, stop_mark

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks need PostgreSQL; CI runs this file on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8


def race(count: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    barrier = threading.Barrier(count)
    results: list[tuple[str, Any]] = [("none", None)] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = ("ok", work(i))
        except Exception as exc:  # each thread's outcome is what the test looks at
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_racing_taps_make_one_ride_request(world, rides: Rides, family_booking):
    lat, lon = TOWNS["Springfield"]
    ask = RideAsk(pickup_label="12 Oak St", pickup_latitude=lat, pickup_longitude=lon,
                  children=1, child_seats=1)
    results = race(THREADS, lambda i: ride_request_create(
        actor=world.caregiver, booking_id=family_booking.pk, ask=ask).pk)
    outcomes = [kind for kind, _ in results]
    assert outcomes.count("ok") == 1
    errors = [value for kind, value in results if kind == "error"]
    assert all(isinstance(e, Conflict) for e in errors), errors
    assert RideRequest.objects.filter(booking=family_booking).count() == 1


def test_a_pickup_marked_while_planning_keeps_its_trip(world, rides: Rides, family_booking):
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    joe = rides.add_driver("joe", "Springfield", van)
    rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    plan_day(day=rides.day)
    trip = Trip.objects.get(driver=joe)
    first = trip.stops.order_by("position").first()
    rides.ride(rides.add_family("Bo"), "Taylorville")
    marked: list[Any] = []

    def meanwhile(legs: int, drivers: int) -> None:
        if not marked:  # the driver taps "picked up" while the solver runs
            def tap() -> None:
                with time_machine.travel(rides.local(9), tick=True):  # on the trip's day
                    marked.append(stop_mark(actor=joe.user, stop_id=first.pk,
                                            status="picked_up"))
                connection.close()

            thread = threading.Thread(target=tap)
            thread.start()
            thread.join()

    plan_day(day=rides.day, on_solving=meanwhile)
    assert Stop.objects.get(pk=first.pk).status == "picked_up"
    assert Stop.objects.get(pk=first.pk).trip_id == trip.pk
    assert Trip.objects.get(pk=trip.pk).status == "under_way"


def test_two_facilities_share_a_driver_on_one_day_and_both_are_planned(world, rides: Rides):
    """Two coordinators plan their own prison at once; Joe drives for both. The run that
    writes second sees Joe's trip (or the constraint does) and plans around it: both
    facilities' rides are planned, on one trip, and nobody sees a constraint error."""
    from tests.transport.test_coordinator_week import assert_both_on_one_trip, shared_driver_day

    joe, east, west, danville = shared_driver_day(rides)
    facilities = [danville, world.facility.pk]
    results = race(2, lambda i: plan_day(day=rides.day, facility_id=facilities[i]))
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert_both_on_one_trip(rides, joe, east, west)
