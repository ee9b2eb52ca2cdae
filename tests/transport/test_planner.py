"""The day planner end to end with the real solver: every planned trip is checked from the
stored rows by an independent checker (tests/transport/checker.py), not by the solver's word.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from tests.transport.checker import check_day
from tests.transport.conftest import Rides
from transport.models import RideRequest, RideStatus, Stop, Trip, UnservedReason
from transport.planner import plan_day

pytestmark = pytest.mark.django_db


def _busy_day(rides: Rides) -> list[RideRequest]:
    """Eight families from seven towns; a van and three cars, not all with child seats."""
    van = rides.add_vehicle("Van", seats=7, child_seats=3)
    car = rides.add_vehicle("Sedan", seats=4)
    car2 = rides.add_vehicle("Hatchback", seats=3, child_seats=1)
    car3 = rides.add_vehicle("Wagon", seats=4, child_seats=1)
    rides.add_driver("joe", "Springfield", van)
    rides.add_driver("ann", "Champaign", car)
    rides.add_driver("bea", "Taylorville", car2)
    rides.add_driver("dan", "Bloomington", car3)
    plan = [("Ana", "Springfield", 1, 2, 2), ("Bo", "Springfield", 2, 0, 0),
            ("Cy", "Champaign", 1, 1, 1), ("Di", "Champaign", 2, 1, 0),
            ("Ed", "Bloomington", 1, 0, 0), ("Flo", "Clinton", 1, 2, 1),
            ("Gus", "Mattoon", 2, 0, 0), ("Hal", "Taylorville", 1, 1, 1)]
    out = []
    for name, town, adults, children, seats in plan:
        booking = rides.add_family(name, children=children)
        out.append(rides.ride(booking, town, adults=adults, children=children,
                              child_seats=seats, earliest=rides.local(8)))
    return out


def test_every_planned_trip_holds_capacity_child_seats_windows_and_ride_times(rides):
    requests = _busy_day(rides)
    outcome = plan_day(day=rides.day)
    assert Trip.objects.filter(day=rides.day).exists()
    assert check_day(rides.day) == []
    planned = RideRequest.objects.filter(status=RideStatus.PLANNED).count()
    assert planned == outcome.planned >= len(requests) - 2
    # Rides are shared: some trip carries more than one family at once.
    assert any(len({s.request_id for s in t.stops.all()}) > 1 for t in Trip.objects.all())
    for request in RideRequest.objects.filter(status=RideStatus.PLANNED):
        kinds = sorted(Stop.objects.filter(request=request).values_list("leg", "kind"))
        assert kinds == [("outbound", "dropoff"), ("outbound", "pickup"),
                         ("return", "dropoff"), ("return", "pickup")]


def test_child_seats_only_ride_in_a_vehicle_that_has_them(rides):
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    car = rides.add_vehicle("Sedan", seats=4)
    rides.add_driver("joe", "Springfield", car)
    rides.add_driver("ann", "Springfield", van)
    booking = rides.add_family("Ana", children=2)
    request = rides.ride(booking, "Springfield", children=2, child_seats=2)
    plan_day(day=rides.day)
    stops = Stop.objects.filter(request=request).select_related("trip__vehicle")
    assert stops.count() == 4
    assert {s.trip.vehicle.name for s in stops} == {"Van"}
    assert check_day(rides.day) == []


def test_a_family_arrives_before_check_in_and_leaves_after_the_visit(rides, family_booking):
    car = rides.add_vehicle("Sedan", seats=4, child_seats=1)
    rides.add_driver("joe", "Springfield", car)
    request = rides.ride(family_booking, "Peoria", children=1, child_seats=1)
    plan_day(day=rides.day)
    request.refresh_from_db()
    assert request.status == RideStatus.PLANNED
    arrive = Stop.objects.get(request=request, leg="outbound", kind="dropoff")
    check_in = rides.session.starts_at - dt.timedelta(minutes=settings.TRANSPORT_CHECK_IN_MINUTES)
    assert arrive.planned_at <= check_in
    assert arrive.label == rides.world.facility.name
    leave = Stop.objects.get(request=request, leg="return", kind="pickup")
    assert leave.planned_at >= rides.session.ends_at
    assert check_day(rides.day) == []


def test_unservable_requests_are_reported_with_their_reason(rides):
    car = rides.add_vehicle("Sedan", seats=4, child_seats=1)
    rides.add_driver("joe", "Springfield", car)
    wheelchair = rides.ride(rides.add_family("Wu"), "Springfield", wheelchair_places=1)
    far = rides.ride(rides.add_family("Lou"), "Los Angeles")
    late = rides.ride(rides.add_family("Lee"), "Peoria", earliest=rides.local(12, 0),
                      return_trip=False)
    fine = rides.ride(rides.add_family("Fay"), "Springfield")
    outcome = plan_day(day=rides.day)
    reasons = dict(RideRequest.objects.values_list("pk", "unserved_reason"))
    assert reasons[wheelchair.pk] == UnservedReason.NO_VEHICLE_FITS
    assert reasons[far.pk] == UnservedReason.TOO_FAR
    assert reasons[late.pk] == UnservedReason.TOO_LATE
    assert reasons[fine.pk] == ""
    assert RideRequest.objects.get(pk=wheelchair.pk).status == RideStatus.UNSERVED
    assert not Stop.objects.filter(request__in=[wheelchair, far, late]).exists()
    assert outcome.unserved == 5  # two legs each for the wheelchair and far rides, one late


def test_no_driver_on_the_day_is_the_reason(rides, family_booking):
    request = rides.ride(family_booking, "Springfield")
    plan_day(day=rides.day)
    request.refresh_from_db()
    assert (request.status, request.unserved_reason) == (RideStatus.UNSERVED,
                                                         UnservedReason.NO_DRIVER)


def test_more_riders_than_fit_in_time_are_left_out_with_a_reason(rides):
    car = rides.add_vehicle("Sedan", seats=3)
    rides.add_driver("joe", "Springfield", car)
    requests = [rides.ride(rides.add_family(n), town, adults=3, return_trip=False)
                for n, town in (("A", "Peoria"), ("B", "Effingham"), ("C", "Bloomington"))]
    plan_day(day=rides.day)
    statuses = [RideRequest.objects.get(pk=r.pk) for r in requests]
    assert any(r.status == RideStatus.UNSERVED for r in statuses)
    left_out = [r for r in statuses if r.status == RideStatus.UNSERVED]
    assert all(r.unserved_reason == UnservedReason.NO_ROOM for r in left_out)
    assert check_day(rides.day) == []


def test_a_pinned_request_stays_on_its_trip_through_re_plans(rides):
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    car = rides.add_vehicle("Sedan", seats=4, child_seats=2)
    rides.add_driver("joe", "Springfield", van)
    rides.add_driver("ann", "Champaign", car)
    # Springfield families: Joe (who lives there) is the natural driver.
    springfield = rides.ride(rides.add_family("Sam"), "Springfield")
    rides.ride(rides.add_family("Cam"), "Champaign")
    plan_day(day=rides.day)
    ann_trip = Trip.objects.filter(driver=rides.drivers["ann"], day=rides.day).first()
    if ann_trip is None:  # Ann got nothing: give her the Champaign family by pinning
        pytest.fail("the Champaign family should ride with Ann, who lives there")
    springfield.pinned_trip = ann_trip
    springfield.save()
    for _ in range(2):
        plan_day(day=rides.day)
        trips = set(Stop.objects.filter(request=springfield).values_list("trip_id", flat=True))
        assert trips == {ann_trip.pk}
        assert Trip.objects.filter(pk=ann_trip.pk).exists()
        springfield.refresh_from_db()
        assert springfield.pinned_trip_id == ann_trip.pk
        assert springfield.status == RideStatus.PLANNED
    assert check_day(rides.day) == []


def test_a_pin_to_a_driver_who_is_not_available_is_reported(rides, family_booking):
    car = rides.add_vehicle("Sedan", seats=4, child_seats=1)
    joe = rides.add_driver("joe", "Springfield", car)
    request = rides.ride(family_booking, "Springfield")
    plan_day(day=rides.day)
    trip = Trip.objects.get(driver=joe)
    request.refresh_from_db()
    request.pinned_trip = trip
    request.save()
    joe.availability.all().delete()
    plan_day(day=rides.day)
    request.refresh_from_db()
    assert request.unserved_reason == UnservedReason.PIN_UNAVAILABLE
    assert not Stop.objects.filter(request=request).exists()


def test_a_trip_under_way_is_left_alone_by_a_re_plan(rides, family_booking):
    car = rides.add_vehicle("Sedan", seats=4, child_seats=1)
    rides.add_driver("joe", "Springfield", car)
    request = rides.ride(family_booking, "Springfield")
    plan_day(day=rides.day)
    trip = Trip.objects.get(day=rides.day)
    Trip.objects.filter(pk=trip.pk).update(status="under_way")
    before = list(Stop.objects.filter(trip=trip).values_list("pk", "planned_at"))
    rides.ride(rides.add_family("New"), "Champaign")
    plan_day(day=rides.day)
    assert list(Stop.objects.filter(trip=trip).values_list("pk", "planned_at")) == before
    assert RideRequest.objects.get(pk=request.pk).status == RideStatus.PLANNED


def test_a_ride_for_a_cancelled_visit_is_cancelled_by_the_next_plan(rides, family_booking):
    car = rides.add_vehicle("Sedan", seats=4, child_seats=1)
    rides.add_driver("joe", "Springfield", car)
    request = rides.ride(family_booking, "Springfield")
    family_booking.status = "cancelled"
    family_booking.save()
    plan_day(day=rides.day)
    request.refresh_from_db()
    assert request.status == RideStatus.CANCELLED
    assert not Trip.objects.filter(day=rides.day).exists()


def test_a_ride_asked_for_while_solving_is_planned_by_reading_the_day_again(rides):
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    rides.add_driver("joe", "Springfield", van)
    rides.ride(rides.add_family("Ana"), "Springfield")
    late_comer: list[RideRequest] = []

    def meanwhile(legs: int, drivers: int) -> None:
        if not late_comer:  # only during the first solve
            late_comer.append(rides.ride(rides.add_family("Bo"), "Taylorville"))

    outcome = plan_day(day=rides.day, on_solving=meanwhile)
    assert outcome.legs == 4
    assert RideRequest.objects.get(pk=late_comer[0].pk).status == RideStatus.PLANNED
    assert check_day(rides.day) == []


def test_a_stale_plan_is_never_written(rides):
    from transport.planner import (
        PlanStale,
        _ride_input,
        driver_inputs,
        read_scope,
        rules_from_settings,
        solve_built,
        write_plan,
    )
    from transport.planning import build_problem
    from transport.travel import StraightLine

    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    rides.add_driver("joe", "Springfield", van)
    ana = rides.ride(rides.add_family("Ana"), "Springfield")
    scope = read_scope(rides.day, None)
    built = build_problem([_ride_input(r, scope) for r in scope.requests], driver_inputs(scope),
                          rules=rules_from_settings(), travel=StraightLine.from_settings())
    result = solve_built(built, time_limit=1)
    RideRequest.objects.filter(pk=ana.pk).update(status="cancelled")
    with pytest.raises(PlanStale):
        write_plan(scope, result)
    assert not Trip.objects.exists() and not Stop.objects.exists()


def test_planning_one_facility_leaves_the_other_facilitys_trips_alone(rides):
    from tests import factories as f
    from visits.models import BookingStatus

    dwight = f.make_facility("Dwight")
    dwight.latitude, dwight.longitude = 41.09, -88.43
    dwight.save()
    rule = f.make_rule(dwight, capacity=10)
    session = f.make_session(rule, starts_at=rides.session.starts_at, minutes=120)
    van, car = rides.add_vehicle("Van", 6, 2), rides.add_vehicle("Sedan", 4, 1)
    rides.add_driver("joe", "Springfield", van)
    rides.add_driver("ann", "Champaign", car)
    household = f.make_household(name="Dee family")
    resident = f.make_resident(dwight)
    f.approve(household.visitors.all(), resident)
    booking = f.make_booking(session, resident, household, list(household.visitors.all()),
                             status=BookingStatus.CONFIRMED)
    at_dwight = rides.ride(booking, "Bloomington")
    rides.ride(rides.add_family("Ana"), "Springfield")
    plan_day(day=rides.day)
    dwight_stops = list(Stop.objects.filter(request=at_dwight).order_by("leg", "kind")
                        .values_list("trip_id", "leg", "kind", "planned_at"))
    assert len(dwight_stops) == 4

    rides.ride(rides.add_family("Cy"), "Taylorville")
    plan_day(day=rides.day, facility_id=rides.world.facility.pk)
    # Dwight's family keeps its driver's trip and the times it was told (the stop rows
    # are written again when Lakeview's rides join a shared driver's trip).
    assert list(Stop.objects.filter(request=at_dwight).order_by("leg", "kind").values_list(
        "trip_id", "leg", "kind", "planned_at")) == dwight_stops
    assert RideRequest.objects.filter(status=RideStatus.PLANNED).count() == 3
    assert check_day(rides.day) == []
