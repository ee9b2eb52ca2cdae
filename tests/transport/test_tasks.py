"""Planning as a background task, end to end: the coordinator's button queues a run,
django-tasks-db's worker runs it, trips are written, and people hear about it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from notifications.models import Delivery
from notifications.text import render_stored
from tests.transport.checker import check_day
from tests.transport.conftest import Rides
from transport.models import PlanRun, RideRequest, RideStatus, Stop, Trip

pytestmark = pytest.mark.django_db(transaction=True)


def _worker() -> str:
    out = io.StringIO()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=out,
                 stderr=out)
    return out.getvalue()


def test_the_board_button_plans_the_day_in_the_background(world, rides: Rides, family_booking):
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    joe = rides.add_driver("joe", "Springfield", van)
    lopez = rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    far = rides.ride(rides.add_family("Lou"), "Los Angeles")
    page = Client()
    page.force_login(world.coordinator)

    response = page.post("/rides/board/plan/", {"date": rides.day.isoformat()})
    assert response.status_code == 302
    run = PlanRun.objects.get()
    assert run.status == "queued"
    assert not Trip.objects.exists()  # nothing happens until the worker runs it

    _worker()
    run.refresh_from_db()
    assert run.status == "done", run.error
    assert (run.planned_count, run.trips_count) == (1, 1)
    assert RideRequest.objects.get(pk=lopez.pk).status == RideStatus.PLANNED
    assert RideRequest.objects.get(pk=far.pk).unserved_reason == "too_far"
    assert Trip.objects.get().driver == joe
    assert check_day(rides.day) == []

    told = list(Delivery.objects.filter(user=world.coordinator).values_list(
        "event__type", flat=True).order_by("event_id"))
    # Lou's ride is too far: one message says so; the routine start and finish fill no inbox.
    assert [t for t in told if t.startswith("transport.plan.")] == ["transport.plan.unserved"]
    family = Delivery.objects.get(user=world.caregiver, event__type="transport.ride.planned")
    pickup = Stop.objects.get(request=lopez, leg="outbound", kind="pickup")
    local = pickup.planned_at.astimezone(rides.tz)
    assert local.strftime("%-I:%M") in family.event.body
    assert "Pickup at" in family.event.body and ".." not in family.event.body
    with translation.override("es"):  # her inbox, read in Spanish, says it in Spanish
        assert render_stored(family.event.i18n, "title", "").startswith("Su viaje del")
        assert "Recogida a las" in render_stored(family.event.i18n, "body", "")
    assert Delivery.objects.filter(user=joe.user, event__type="transport.trip.changed").exists()

    board = page.get(f"/rides/board/?date={rides.day}").content.decode()
    assert "Los Angeles bus station" in board
    assert "too far away" in board


def test_a_re_plan_with_nothing_new_tells_the_family_nothing_new(world, rides: Rides,
                                                                  family_booking):
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    rides.add_driver("joe", "Springfield", van)
    rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    coordinator = Client()
    coordinator.force_login(world.coordinator)
    for _ in range(2):
        coordinator.post("/rides/board/plan/", {"date": rides.day.isoformat()})
        _worker()
    assert PlanRun.objects.filter(status="done").count() == 2
    planned = Delivery.objects.filter(user=world.caregiver, event__type="transport.ride.planned")
    assert planned.count() == 1
