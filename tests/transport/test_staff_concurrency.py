"""Real threads against PostgreSQL: one invitation link used by many at once gives exactly one
role; a driver's two taps of one window at once store it once (no overlap slips through); a
driver removed while her day is planned ends with no trip, and neither waits on the other
for ever (they lock in the same order)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from tests import factories as f
from tests.visits.test_concurrency import (  # noqa: F401 (pool_for_threads: a fixture)
    error_codes,
    pool_for_threads,
    race,
)
from transport import staff
from transport.models import Coordinator, Driver, DriverAvailability, Program, StaffRole
from visits import services as visits_services
from visits.models import Liaison

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks need PostgreSQL; CI runs this file on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]
THREADS = 10


@pytest.mark.usefixtures("pool_for_threads")
def test_one_liaison_link_used_by_many_at_once_makes_one_liaison() -> None:
    facility = f.make_facility()
    admin = f.make_liaison(facility)
    Liaison.objects.filter(user=admin).update(is_admin=True)
    _invitation, token = visits_services.liaison_invite(actor=admin, email="n@example.org")
    users = [f.make_user(f"taker{i}") for i in range(THREADS)]
    results = race(THREADS, lambda i: visits_services.liaison_invitation_accept(
        user=users[i], token=token))
    assert sum(kind == "ok" for kind, _ in results) == 1
    assert error_codes(results) == {"invitation_used": THREADS - 1}
    assert Liaison.objects.filter(user__in=users).count() == 1


@pytest.mark.usefixtures("pool_for_threads")
def test_one_staff_link_used_by_many_at_once_makes_one_coordinator() -> None:
    program = Program.objects.create(name="Rides")
    admin = f.make_coordinator()
    Coordinator.objects.filter(user=admin).update(program=program, is_admin=True)
    _invitation, token = staff.staff_invite(actor=admin, email="k@example.org",
                                            role=StaffRole.COORDINATOR)
    users = [f.make_user(f"taker{i}") for i in range(THREADS)]
    results = race(THREADS, lambda i: staff.staff_invitation_accept(user=users[i],
                                                                    token=token))
    assert sum(kind == "ok" for kind, _ in results) == 1
    assert Coordinator.objects.filter(user__in=users).count() == 1


@pytest.mark.usefixtures("pool_for_threads")
def test_the_same_window_tapped_at_once_is_stored_once() -> None:
    user = f.make_driver()
    starts = timezone.now() + dt.timedelta(days=2)
    results = race(THREADS, lambda i: staff.availability_add(
        actor=user, starts_at=starts, ends_at=starts + dt.timedelta(hours=3)))
    assert sum(kind == "ok" for kind, _ in results) == 1
    assert error_codes(results) == {"window_overlap": THREADS - 1}
    assert DriverAvailability.objects.filter(driver=Driver.objects.get(user=user)).count() == 1


@pytest.mark.usefixtures("pool_for_threads")
def test_a_driver_removed_while_her_day_is_planned_ends_with_no_trip(two_trips, rides) -> None:
    from transport import planner
    from transport.models import RideRequest, Stop, Trip

    admin = rides.world.coordinator
    Coordinator.objects.filter(user=admin).update(is_admin=True)
    joe = two_trips.trip.driver
    results = race(2, lambda i: staff.driver_remove(actor=admin, driver_id=joe.pk) if i == 0
                   else planner.plan_day(day=rides.day, time_limit=0.5))
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert not Driver.objects.get(pk=joe.pk).active
    assert not Trip.objects.filter(driver=joe).exists()
    assert not Stop.objects.filter(trip__driver=joe).exists()
    assert RideRequest.objects.get(pk=two_trips.request.pk).status != "cancelled"


@pytest.mark.usefixtures("pool_for_threads")
def test_a_removal_waits_for_a_plan_being_written_then_takes_her_rides_off(
        two_trips, rides, monkeypatch) -> None:
    """The plan holds the day's rides and is about to lock Joe's row when the administrator
    removes him. Locking his row first, the removal would wait for the rides the plan holds
    while the plan waits for his row (a deadlock, one of them failing); taking the rides
    first, as the plan does, it waits for the plan, then takes his new trip off."""
    import threading

    from transport import planner
    from transport.models import RideRequest, Stop, Trip

    admin = rides.world.coordinator
    Coordinator.objects.filter(user=admin).update(is_admin=True)
    joe = two_trips.trip.driver
    writing, go = threading.Event(), threading.Event()
    real = planner._check_windows

    def pause_before_her_row(scope, result):
        writing.set()
        assert go.wait(timeout=30)
        return real(scope, result)

    def remove_meanwhile():
        assert writing.wait(timeout=60)
        threading.Timer(1.0, go.set).start()  # the removal is waiting on the rides by then
        return staff.driver_remove(actor=admin, driver_id=joe.pk)

    monkeypatch.setattr(planner, "_check_windows", pause_before_her_row)
    results = race(2, lambda i: planner.plan_day(day=rides.day, time_limit=0.5) if i == 0
                   else remove_meanwhile())
    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert not Driver.objects.get(pk=joe.pk).active
    assert not Trip.objects.filter(driver=joe).exists()
    assert not Stop.objects.filter(trip__driver=joe).exists()
    assert RideRequest.objects.get(pk=two_trips.request.pk).status == "open"
