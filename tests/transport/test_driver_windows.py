"""A driver with several windows a day: the planner uses each of them (one trip, her stops in
time order, none in the hours she is away)."""

from __future__ import annotations

import pytest

from tests import factories as f
from tests.transport.checker import check_day
from tests.transport.conftest import Rides
from transport.models import DriverAvailability, RideRequest, RideStatus, Stop, Trip
from transport.planner import plan_day

pytestmark = pytest.mark.django_db


def _driver_with_two_windows(rides: Rides) -> None:
    car = rides.add_vehicle("Sedan", seats=4)
    joe = rides.add_driver("joe", "Springfield", car, start=6, end=10)
    DriverAvailability.objects.create(driver=joe, starts_at=rides.local(15),
                                      ends_at=rides.local(19))


def test_the_planner_uses_both_windows_of_one_day(rides: Rides):
    _driver_with_two_windows(rides)
    morning = f.make_session(rides.world.rule, starts_at=rides.local(9), minutes=60,
                             capacity=10)
    early = rides.ride(rides.add_family("Ana", session=morning), "Springfield",
                       return_trip=False)
    late = rides.ride(rides.add_family("Bo"), "Springfield", outbound=False)
    plan_day(day=rides.day)
    assert set(RideRequest.objects.values_list("status", flat=True)) == {RideStatus.PLANNED}
    trip = Trip.objects.get(day=rides.day)
    stops = list(trip.stops.order_by("position"))
    assert [s.request_id for s in stops] == [early.pk, early.pk, late.pk, late.pk]
    # Nothing between the windows: the morning ends by 10:00, the evening starts at 15:00.
    assert all(s.planned_at <= rides.local(10) or s.planned_at >= rides.local(15)
               for s in stops)
    assert check_day(rides.day) == []


def test_with_only_one_window_the_other_ride_is_left_out(rides: Rides):
    rides.add_driver("joe", "Springfield", rides.add_vehicle("Sedan", seats=4), start=6, end=10)
    morning = f.make_session(rides.world.rule, starts_at=rides.local(9), minutes=60,
                             capacity=10)
    rides.ride(rides.add_family("Ana", session=morning), "Springfield", return_trip=False)
    late = rides.ride(rides.add_family("Bo"), "Springfield", outbound=False)
    plan_day(day=rides.day)
    late.refresh_from_db()
    assert late.status == RideStatus.UNSERVED
    assert not Stop.objects.filter(request=late).exists()


def test_overlapping_windows_in_the_records_are_joined_not_doubled(rides: Rides):
    car = rides.add_vehicle("Sedan", seats=4)
    joe = rides.add_driver("joe", "Springfield", car, start=6, end=12)
    DriverAvailability.objects.create(driver=joe, starts_at=rides.local(11),
                                      ends_at=rides.local(19))
    rides.ride(rides.add_family("Bo"), "Springfield")
    outcome = plan_day(day=rides.day)
    assert outcome.drivers == 1
    assert Trip.objects.filter(day=rides.day).count() == 1
    assert RideRequest.objects.get().status == RideStatus.PLANNED
    assert check_day(rides.day) == []


def test_a_removed_driver_is_not_planned(rides: Rides):
    joe = rides.add_driver("joe", "Springfield", rides.add_vehicle("Sedan", seats=4))
    joe.active = False
    joe.save()
    ride = rides.ride(rides.add_family("Bo"), "Springfield")
    plan_day(day=rides.day)
    ride.refresh_from_db()
    assert (ride.status, ride.unserved_reason) == (RideStatus.UNSERVED, "no_driver")

