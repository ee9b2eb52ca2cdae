"""A pinned ride on the coordinator's board says what it is pinned to; one the plan could not
keep there says why in words and offers "Unpin and re-plan" on its own "Not planned" card,
so a coordinator does not read the pin as the planner failing.

Joe's trip carries the Lopez family, Ann's the Brooks family (`two_trips`); the rides day is
four days ahead, whatever today is.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from tests.transport.conftest import DANVILLE, Rides, TripSetup
from transport import services
from transport.models import (
    DriverAvailability,
    PlanRun,
    Program,
    ProgramFacility,
    RideRequest,
    RideStatus,
)
from transport.planner import plan_day

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def board(world: Any, rides: Rides) -> str:
    return client_for(world.coordinator).get(f"/rides/board/?date={rides.day}").content.decode()


def card(html: str, ride: RideRequest) -> str:
    """The ride's card under "Not planned" (empty if it is not there)."""
    found = re.search(rf'<div class="card ride" id="ride-{ride.pk}">(.*?)\n</div>', html, re.S)
    return found.group(1) if found else ""


def summary(html: str, ride: RideRequest) -> str:
    """The ride's line under "All requests of the day"."""
    found = re.search(rf'id="request-{ride.pk}">\s*<summary>(.*?)</summary>', html, re.S)
    assert found, "the ride is not among the day's requests"
    return found.group(1)


def left_out(ride: RideRequest, reason: str, **pin: Any) -> None:
    """The ride as a plan leaves it: not planned for `reason`, with the pin it had."""
    RideRequest.objects.filter(pk=ride.pk).update(status=RideStatus.UNSERVED,
                                                  unserved_reason=reason, **pin)


def unpin(user: Any, ride: RideRequest | int, day: Any, **extra: Any):
    ride_id = ride if isinstance(ride, int) else ride.pk
    return client_for(user).post(f"/rides/requests/{ride_id}/unpin/",
                                 {"date": str(day), **extra}, follow=True)


def messages_of(page: Any) -> list[str]:
    return [str(m) for m in page.context["messages"]]


# --- what the board shows --------------------------------------------------------------


def test_a_ride_the_pinned_trip_has_no_room_for_says_so_and_offers_to_unpin(
    world, two_trips: TripSetup, rides: Rides
):
    left_out(two_trips.request, "no_room", pinned_trip=two_trips.other_trip,
             pinned_driver=two_trips.other_trip.driver)
    html = card(board(world, rides), two_trips.request)
    assert '<span class="badge pinned">Pinned to Ann&#x27;s trip</span>' in html
    assert "The pinned driver&#x27;s vehicle is full or busy at the times this ride needs." in html
    assert "No driver could fit this ride in with the others." not in html
    assert "While it is pinned, no other driver can take it." in html
    form = html[html.index('class="unpin"') - 80:]
    assert f'action="/rides/requests/{two_trips.request.pk}/unpin/"' in form
    assert "csrfmiddlewaretoken" in form and f'name="date" value="{rides.day}"' in form
    assert "Unpin and re-plan</button>" in form


def test_a_ride_pinned_to_a_driver_who_is_off_gives_the_pins_own_reason(
    world, two_trips: TripSetup, rides: Rides
):
    left_out(two_trips.request, "pin_unavailable", pinned_driver=two_trips.other_trip.driver)
    html = card(board(world, rides), two_trips.request)
    assert '<span class="badge pinned">Pinned to Ann</span>' in html
    assert "The pinned driver is not available on this day." in html
    assert "Unpin and re-plan" in html


def test_a_reason_that_is_not_the_pins_is_the_planners(world, two_trips, rides):
    left_out(two_trips.request, "too_far", pinned_trip=two_trips.other_trip,
             pinned_driver=two_trips.other_trip.driver)
    html = card(board(world, rides), two_trips.request)
    assert "The pickup point is too far away" in html and "Unpin and re-plan" in html


def test_an_unpinned_ride_left_out_shows_the_planners_reason_and_no_unpin(
    world, two_trips, rides
):
    left_out(two_trips.request, "no_room")
    html = card(board(world, rides), two_trips.request)
    assert "No driver could fit this ride in with the others." in html
    assert "Pinned" not in html and "unpin" not in html.lower()
    assert "Pin and re-plan" in html


def test_a_planned_pinned_ride_says_whose_trip_it_is_pinned_to(world, two_trips, rides):
    RideRequest.objects.filter(pk=two_trips.request.pk).update(
        pinned_trip=two_trips.trip, pinned_driver=two_trips.trip.driver)
    RideRequest.objects.filter(pk=two_trips.other_trip.stops.first().request_id).update(
        pinned_driver=two_trips.other_trip.driver)  # pinned to Ann, not to her trip
    html = board(world, rides)
    assert not card(html, two_trips.request)  # planned: not under "Not planned"
    assert "Pinned to Joe&#x27;s trip" in summary(html, two_trips.request)
    brooks = two_trips.other_trip.stops.first().request
    assert "Pinned to Ann</span>" in summary(html, brooks)
    for trip in (two_trips.trip, two_trips.other_trip):
        stops = html[html.index(f'id="trip-{trip.pk}"'):].split("</section>")[0]
        assert stops.count('<span class="badge pinned">Pinned</span>') == 2


# --- unpinning from the card ------------------------------------------------------------


def test_unpin_and_re_plan_takes_the_pin_off_and_queues_the_days_plan(
    world, two_trips: TripSetup, rides: Rides
):
    left_out(two_trips.request, "no_room", pinned_trip=two_trips.other_trip,
             pinned_driver=two_trips.other_trip.driver)
    page = unpin(world.coordinator, two_trips.request, rides.day)
    assert page.redirect_chain == [(f"/rides/board/?date={rides.day}", 302)]
    assert messages_of(page) == ["Unpinned. Planning the day again with every driver."]
    ride = RideRequest.objects.get(pk=two_trips.request.pk)
    assert ride.pinned_trip_id is None and ride.pinned_driver_id is None
    assert list(PlanRun.objects.values_list("day", "status")) == [(rides.day, "queued")]
    assert "Unpin and re-plan" not in page.content.decode()


def test_unpin_keeps_the_facility_the_board_showed(world, two_trips, rides):
    left_out(two_trips.request, "no_room", pinned_driver=two_trips.other_trip.driver)
    facility = rides.world.facility.pk
    page = unpin(world.coordinator, two_trips.request, rides.day, facility=facility)
    assert page.redirect_chain[0][0] == f"/rides/board/?date={rides.day}&facility={facility}"
    assert PlanRun.objects.get().facility_id == facility


def test_a_ride_the_pin_kept_off_the_plan_is_planned_once_unpinned(world, rides: Rides,
                                                                   family_booking):
    """The whole walk with the real planner: pinned to Ann, who then cannot drive that day,
    the ride is left out for the pin; unpinned from its card, the re-plan gives it to Joe."""
    joe = rides.add_driver("joe", "Springfield", rides.add_vehicle("Van", 6, 2))
    ann = rides.add_driver("ann", "Champaign", rides.add_vehicle("Sedan", 4, 1))
    lopez = rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    services.ride_request_pin(actor=world.coordinator, request_id=lopez.pk, driver_id=ann.pk)
    DriverAvailability.objects.filter(driver=ann).delete()
    plan_day(day=rides.day)
    lopez.refresh_from_db()
    assert (lopez.status, lopez.unserved_reason) == ("unserved", "pin_unavailable")
    html = card(board(world, rides), lopez)
    assert "Pinned to Ann" in html and "The pinned driver is not available" in html

    page = unpin(world.coordinator, lopez, rides.day)
    assert "Unpinned." in messages_of(page)[0]
    services.plan_run_execute(run_id=PlanRun.objects.get().pk)
    lopez.refresh_from_db()
    assert lopez.status == "planned" and lopez.pinned_driver_id is None
    assert {s.trip.driver_id for s in lopez.stops.all()} == {joe.pk}
    assert not card(board(world, rides), lopez)


# --- bad input: a clear message, nothing changed -----------------------------------------


def test_a_ride_already_unpinned_is_refused_with_a_message(world, two_trips, rides):
    left_out(two_trips.request, "no_room")
    page = unpin(world.coordinator, two_trips.request, rides.day)
    assert page.status_code == 200
    assert messages_of(page) == ["This ride is not pinned any more: the planner may already "
                                 "give it to any driver."]
    assert not PlanRun.objects.exists()


@pytest.mark.parametrize("posted", [1, -1])
def test_a_ride_of_another_day_than_the_board_is_refused(world, two_trips, rides, posted):
    left_out(two_trips.request, "no_room", pinned_driver=two_trips.other_trip.driver)
    other_day = rides.day + dt.timedelta(days=posted)
    page = unpin(world.coordinator, two_trips.request, other_day)
    assert page.redirect_chain == [(f"/rides/board/?date={other_day}", 302)]
    assert "This ride is on another day than the board you acted on." in messages_of(page)[0]
    assert RideRequest.objects.get(pk=two_trips.request.pk).pinned_driver_id is not None
    assert not PlanRun.objects.exists()


@pytest.mark.parametrize("posted", ["", "tomorrow", "2026-02-30"])
def test_a_missing_or_malformed_day_is_refused(world, two_trips, rides, posted):
    left_out(two_trips.request, "no_room", pinned_driver=two_trips.other_trip.driver)
    page = unpin(world.coordinator, two_trips.request, posted)
    assert page.redirect_chain == [("/rides/board/", 302)]
    assert "The day to plan was missing or not a valid date." in messages_of(page)[0]
    assert RideRequest.objects.get(pk=two_trips.request.pk).pinned_driver_id is not None


def test_another_programs_ride_is_not_found(world, rides: Rides):
    danville = Program.objects.create(name="Danville Rides")
    session = rides.add_facility("Danville", DANVILLE, hour=13)
    ProgramFacility.objects.create(program=danville, facility=session.facility)
    dora = rides.ride(rides.add_family_at("Dora", session), "Champaign")
    ann = rides.add_driver("ann", "Champaign", rides.add_vehicle("Sedan", 4, 1))
    left_out(dora, "pin_unavailable", pinned_driver=ann)
    page = unpin(world.coordinator, dora, rides.day)
    assert messages_of(page) == ["We could not find that ride request."]
    assert RideRequest.objects.get(pk=dora.pk).pinned_driver_id == ann.pk
    assert not PlanRun.objects.exists()


def test_a_cancelled_ride_is_refused(world, two_trips, rides):
    RideRequest.objects.filter(pk=two_trips.request.pk).update(status=RideStatus.CANCELLED)
    page = unpin(world.coordinator, two_trips.request, rides.day)
    assert messages_of(page) == ["This ride request is cancelled."]


@pytest.mark.parametrize("persona", ["caregiver", "driver"])
def test_only_a_coordinator_unpins(world, two_trips, rides, persona):
    left_out(two_trips.request, "no_room", pinned_driver=two_trips.other_trip.driver)
    user = world.caregiver if persona == "caregiver" else two_trips.driver_user
    page = unpin(user, two_trips.request, rides.day)
    assert messages_of(page) == ["Only a transport coordinator can do this."]
    assert RideRequest.objects.get(pk=two_trips.request.pk).pinned_driver_id is not None


def test_unpin_answers_only_a_post_with_its_csrf_token(world, two_trips, rides):
    left_out(two_trips.request, "no_room", pinned_driver=two_trips.other_trip.driver)
    url = f"/rides/requests/{two_trips.request.pk}/unpin/"
    assert client_for(world.coordinator).get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.coordinator)
    assert strict.post(url, {"date": str(rides.day)}).status_code == 403
    assert RideRequest.objects.get(pk=two_trips.request.pk).pinned_driver_id is not None


def test_unknown_ride_is_not_found_never_a_500(world, rides):
    page = unpin(world.coordinator, 999999, rides.day)
    assert page.status_code == 200
    assert messages_of(page) == ["We could not find that ride request."]
