"""Real threads against PostgreSQL: one invitation link used by many at once gives exactly one
role; a driver's two taps of one window at once store it once (no overlap slips through)."""

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
