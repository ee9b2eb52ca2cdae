"""The program administrator removes a driver. With no trip of hers to come she simply goes
(her windows to come with her; her past trips stay). Planned on a trip to come, her rides
leave her trips and wait to be planned again, and the families, the coordinators and she
are told; a family whose ride has begun with her keeps her until she brings them home.
Another program's driver is not found. All or nothing, in either language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.translation import gettext

from notifications.models import Delivery, Event
from notifications.text import render_stored
from scheduler.errors import Busy, Conflict, NotFound
from tests import factories as f
from tests.conftest import World
from tests.transport.conftest import Rides, TripSetup
from transport import planner, staff
from transport.models import (
    Coordinator,
    Driver,
    DriverAvailability,
    Program,
    RideRequest,
    RideStatus,
    Stop,
    StopStatus,
    Trip,
    TripStatus,
    Vehicle,
)

pytestmark = pytest.mark.django_db

NOT_PLANNED = "Removed. This driver is not planned any more; past trips stay."
WAITING = ("Removed. Rides taken off her trips, waiting to be planned again: %(count)d. Plan "
           "their days again on the board. The families, the program's coordinators and the "
           "driver are told; past trips stay.")
ON_THE_WAY = ("%(driver)s is driving a family whose ride has already begun, on %(day)s. "
              "Remove her once she has brought them home.")
FAMILY_TOLD = ("The driver planned for your ride can no longer drive it. The pickup time you "
               "were given no longer holds: you will hear the new one when your ride is "
               "planned.")
FAMILY_NOT_TOLD = ("The driver planned for your ride can no longer drive it. You will hear the "
                   "pickup time when your ride is planned.")


def client_for(user: Any, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def admin(world: World) -> Any:
    """The world's coordinator runs the (unnamed) program the Lakeview drivers drive for."""
    Coordinator.objects.filter(user=world.coordinator).update(is_admin=True)
    return world.coordinator


def remove(admin: Any, driver: Driver, language: str = "en") -> str:
    page = client_for(admin, language).post(f"/rides/staff/drivers/{driver.pk}/remove/",
                                            follow=True)
    assert page.status_code == 200
    return page.content.decode()


def events_for(user: Any, event_type: str) -> list[Event]:
    return [d.event for d in Delivery.objects.filter(user=user, event__type=event_type)
            .select_related("event").order_by("pk")]


def joe_of(two_trips: TripSetup) -> Driver:
    return Driver.objects.get(pk=two_trips.trip.driver_id)


def tell_lopez_her_time(two_trips: TripSetup) -> None:
    """The Lopez family was told Joe picks her up at 11:00 (as a plan tells a family)."""
    RideRequest.objects.filter(pk=two_trips.request.pk).update(
        told_outbound_at=two_trips.pickup.planned_at)


# --- no trip to come ------------------------------------------------------------------------


def test_a_driver_with_no_trip_to_come_goes_and_her_past_trip_stays(
        admin: Any, two_trips: TripSetup, rides: Rides, time_machine: Any) -> None:
    """Two days after Joe drove the Lopez family: his trip is history; his window for next
    week goes with him."""
    joe = joe_of(two_trips)
    time_machine.move_to(rides.local(20) + dt.timedelta(days=2))
    later = DriverAvailability.objects.create(
        driver=joe, starts_at=timezone.now() + dt.timedelta(days=5),
        ends_at=timezone.now() + dt.timedelta(days=5, hours=6))
    events = Event.objects.count()

    html = remove(admin, joe)

    assert escape(NOT_PLANNED) in html
    joe.refresh_from_db()
    assert not joe.active
    assert not DriverAvailability.objects.filter(pk=later.pk).exists()
    assert DriverAvailability.objects.filter(driver=joe).count() == 1  # the past window stays
    assert Trip.objects.get(pk=two_trips.trip.pk).stops.count() == 2
    ride = RideRequest.objects.get(pk=two_trips.request.pk)
    assert ride.status == RideStatus.PLANNED
    assert Event.objects.count() == events  # nothing to come: nobody to tell
    assert client_for(joe.user).get("/rides/driver/").status_code == 403


# --- planned on a trip to come --------------------------------------------------------------


def test_her_rides_to_come_wait_to_be_planned_again_and_everyone_is_told(
        admin: Any, world: World, two_trips: TripSetup, rides: Rides) -> None:
    joe = joe_of(two_trips)
    tell_lopez_her_time(two_trips)
    RideRequest.objects.filter(pk=two_trips.request.pk).update(pinned_trip=two_trips.trip,
                                                               pinned_driver=joe)

    html = remove(admin, joe)

    assert escape(WAITING % {"count": 1}) in html and escape(NOT_PLANNED) not in html
    joe.refresh_from_db()
    assert not joe.active and not DriverAvailability.objects.filter(driver=joe).exists()
    assert not Trip.objects.filter(driver=joe).exists()  # nobody left to drive it
    ride = RideRequest.objects.get(pk=two_trips.request.pk)
    assert (ride.status, ride.pinned_trip_id, ride.pinned_driver_id) == (
        RideStatus.OPEN, None, None)
    assert (ride.told_outbound_at, ride.told_return_at) == (None, None)
    assert not Stop.objects.filter(request=ride).exists()
    # Ann's trip and the Brooks family's ride are as they were.
    assert Stop.objects.filter(trip=two_trips.other_trip).count() == 2
    assert RideRequest.objects.get(booking__household=world.other_household).status == \
        RideStatus.PLANNED

    [family] = events_for(world.caregiver, "transport.ride.replanning")
    assert family.urgent  # she had a pickup time: she must not stand at the station for it
    assert family.title.startswith("Your ride on ") and family.title.endswith(
        " will be planned again")
    assert family.body == FAMILY_TOLD and "Joe" not in family.body
    assert family.data == {"ride_request_id": ride.pk, "booking_id": ride.booking_id}
    [off] = events_for(joe.user, "transport.trip.changed")
    assert off.urgent and off.title.endswith(" is off")
    assert off.body.startswith("You no longer drive for the ride program")
    [board] = events_for(world.coordinator, "transport.driver.removed")
    assert board.title == "Joe no longer drives for the program"
    assert board.body == "Rides taken off her trips, waiting to be planned again: 1 ride."
    assert board.data["ride_request_ids"] == [ride.pk]
    assert board.data["days"] == [rides.day.isoformat()]
    assert not events_for(two_trips.other_driver_user, "transport.trip.changed")
    assert not events_for(world.other_caregiver, "transport.ride.replanning")


def test_the_day_planned_again_has_no_place_for_her(admin: Any, two_trips: TripSetup,
                                                    rides: Rides) -> None:
    joe = joe_of(two_trips)
    remove(admin, joe)
    planner.plan_day(day=rides.day, time_limit=1.0)
    assert not Trip.objects.filter(driver=joe).exists()
    ride = RideRequest.objects.get(pk=two_trips.request.pk)
    assert ride.status in (RideStatus.PLANNED, RideStatus.UNSERVED)
    assert not Stop.objects.filter(request=ride, trip__driver=joe).exists()


def test_a_family_not_yet_told_a_time_hears_without_being_woken(
        admin: Any, world: World, two_trips: TripSetup) -> None:
    remove(admin, joe_of(two_trips))
    [family] = events_for(world.caregiver, "transport.ride.replanning")
    assert not family.urgent and family.body == FAMILY_NOT_TOLD


def test_a_family_shared_with_another_driver_comes_off_both_trips(
        admin: Any, two_trips: TripSetup, rides: Rides) -> None:
    """Joe takes the Lopez family there, Ann brings them home: the ride is planned again
    whole, so Ann's return stops go too, and she hears her trip changed."""
    ann_trip = two_trips.other_trip
    facility = rides.world.facility
    for position, (kind, label, at) in enumerate(
            (("pickup", facility.name, rides.local(15, 10)),
             ("dropoff", two_trips.request.pickup_label, rides.local(16, 20))), start=3):
        Stop.objects.create(trip=ann_trip, position=position, request=two_trips.request,
                            leg="return", kind=kind, label=label, latitude=0, longitude=0,
                            planned_at=at)

    remove(admin, joe_of(two_trips))

    assert not Stop.objects.filter(request=two_trips.request).exists()
    assert Stop.objects.filter(trip=ann_trip).count() == 2  # the Brooks family stays
    [changed] = events_for(two_trips.other_driver_user, "transport.trip.changed")
    assert changed.urgent and "A driver left the program" in changed.body


def test_a_ride_only_pinned_to_her_loses_the_pin(admin: Any, world: World,
                                                 two_trips: TripSetup) -> None:
    joe = joe_of(two_trips)
    brooks = RideRequest.objects.get(booking__household=world.other_household)
    RideRequest.objects.filter(pk=brooks.pk).update(pinned_driver=joe)
    remove(admin, joe)
    brooks.refresh_from_db()
    assert (brooks.status, brooks.pinned_driver_id) == (RideStatus.PLANNED, None)
    assert Stop.objects.filter(request=brooks, trip=two_trips.other_trip).count() == 2
    [board] = events_for(world.coordinator, "transport.driver.removed")
    assert board.data["unpinned_ride_request_ids"] == [brooks.pk]


# --- a family already on the way ------------------------------------------------------------


@pytest.mark.usefixtures("on_trip_day")
def test_a_family_in_her_car_keeps_her_until_she_brings_them_home(
        admin: Any, world: World, two_trips: TripSetup, rides: Rides) -> None:
    joe = joe_of(two_trips)
    Stop.objects.filter(pk=two_trips.pickup.pk).update(status=StopStatus.PICKED_UP,
                                                       status_at=timezone.now())
    Trip.objects.filter(pk=two_trips.trip.pk).update(status=TripStatus.UNDER_WAY)
    events = Event.objects.count()
    with translation.override("en"):
        expected = ON_THE_WAY % {"driver": "Joe",
                                 "day": date_format(rides.day, "MONTH_DAY_FORMAT")}

    html = remove(admin, joe)

    assert escape(expected) in html and escape(NOT_PLANNED) not in html
    joe.refresh_from_db()
    assert joe.active and DriverAvailability.objects.filter(driver=joe).exists()
    assert Stop.objects.filter(trip=two_trips.trip).count() == 2
    assert RideRequest.objects.get(pk=two_trips.request.pk).status == RideStatus.PLANNED
    assert Event.objects.count() == events

    with pytest.raises(Conflict) as refused:
        staff.driver_remove(actor=admin, driver_id=joe.pk)
    assert (refused.value.code, refused.value.status) == ("driver_on_the_way", 409)


# --- whose driver ---------------------------------------------------------------------------


def test_another_programs_driver_is_not_found_and_stays(admin: Any, rides: Rides) -> None:
    desert = Program.objects.create(name="Desert Rides")
    van = Vehicle.objects.create(name="Desert van", seats=6, program=desert)
    bea = rides.add_driver("bea", "Champaign", van)
    Driver.objects.filter(pk=bea.pk).update(program=desert)

    html = remove(admin, bea)

    assert "This driver does not drive for your program." in html
    assert Driver.objects.get(pk=bea.pk).active
    assert DriverAvailability.objects.filter(driver=bea).exists()
    with pytest.raises(NotFound):
        staff.driver_remove(actor=admin, driver_id=bea.pk)


def test_a_driver_already_removed_is_not_found(admin: Any, two_trips: TripSetup) -> None:
    joe = joe_of(two_trips)
    staff.driver_remove(actor=admin, driver_id=joe.pk)
    with pytest.raises(NotFound):
        staff.driver_remove(actor=admin, driver_id=joe.pk)


# --- a plan written meanwhile ---------------------------------------------------------------


def test_a_ride_given_to_her_meanwhile_is_read_again(admin: Any, world: World,
                                                     two_trips: TripSetup,
                                                     monkeypatch: Any) -> None:
    """Her rides are read, then a plan commits one more for her before her row is locked:
    the removal reads them again and takes that ride off too."""
    real = staff.rides_of_driver_locked
    calls = []

    def read_before_the_plan(driver_id: int) -> list[RideRequest]:
        calls.append(driver_id)
        return [] if len(calls) == 1 else real(driver_id)

    monkeypatch.setattr(staff, "rides_of_driver_locked", read_before_the_plan)
    removed = staff.driver_remove(actor=admin, driver_id=joe_of(two_trips).pk)
    assert len(calls) == 2 and (removed.rides, removed.trips) == (1, 1)
    assert RideRequest.objects.get(pk=two_trips.request.pk).status == RideStatus.OPEN
    assert len(events_for(world.caregiver, "transport.ride.replanning")) == 1  # once


def test_a_day_that_keeps_changing_is_busy_and_nothing_is_written(
        admin: Any, world: World, two_trips: TripSetup, monkeypatch: Any) -> None:
    joe = joe_of(two_trips)
    monkeypatch.setattr(staff, "rides_of_driver_locked", lambda driver_id: [])
    events = Event.objects.count()
    with pytest.raises(Busy) as busy:
        staff.driver_remove(actor=admin, driver_id=joe.pk)
    assert busy.value.status == 503
    joe.refresh_from_db()
    assert joe.active and DriverAvailability.objects.filter(driver=joe).exists()
    assert RideRequest.objects.get(pk=two_trips.request.pk).status == RideStatus.PLANNED
    assert Event.objects.count() == events


def test_a_driver_removed_while_her_day_is_solved_gets_no_trip(
        admin: Any, world: World, rides: Rides, monkeypatch: Any) -> None:
    """The planner read Joe's window; he is removed while it solves: the write sees the day
    changed and plans again without him, instead of giving a removed driver a trip."""
    joe = rides.add_driver("joe", "Springfield", rides.add_vehicle("Sedan", seats=4))
    ride = rides.ride(rides.add_family("Bo"), "Springfield")
    real = planner.solve_built
    calls = []

    def solve_meanwhile(built: Any, **kwargs: Any) -> Any:
        if not calls:
            staff.driver_remove(actor=admin, driver_id=joe.pk)
        calls.append(1)
        return real(built, **kwargs)

    monkeypatch.setattr(planner, "solve_built", solve_meanwhile)
    planner.plan_day(day=rides.day)
    assert len(calls) == 2
    assert not Trip.objects.filter(driver=joe).exists()
    ride.refresh_from_db()
    assert (ride.status, ride.unserved_reason) == (RideStatus.UNSERVED, "no_driver")


# --- in Spanish -----------------------------------------------------------------------------


def test_the_page_says_it_in_spanish(admin: Any, two_trips: TripSetup) -> None:
    with translation.override("es"):
        expected = gettext(WAITING) % {"count": 1}
        heading = gettext("Drivers")
    html = remove(admin, joe_of(two_trips), language="es")
    assert heading == "Conductoras" and heading in html  # the page is in Spanish
    assert escape(expected) in html


def test_the_page_says_a_refusal_in_spanish(admin: Any, two_trips: TripSetup,
                                            rides: Rides, time_machine: Any) -> None:
    time_machine.move_to(rides.local(9))
    Stop.objects.filter(pk=two_trips.pickup.pk).update(status=StopStatus.PICKED_UP)
    with translation.override("es"):
        expected = gettext(ON_THE_WAY) % {"driver": "Joe",
                                          "day": date_format(rides.day, "MONTH_DAY_FORMAT")}
    html = remove(admin, joe_of(two_trips), language="es")
    assert escape(expected) in html
    assert Driver.objects.get(pk=two_trips.trip.driver_id).active


def test_a_family_reading_spanish_gets_the_title_in_spanish(
        admin: Any, world: World, two_trips: TripSetup) -> None:
    remove(admin, joe_of(two_trips))
    [family] = events_for(world.caregiver, "transport.ride.replanning")
    with translation.override("es"):
        title = render_stored(family.i18n, "title", family.title)
        body = render_stored(family.i18n, "body", family.body)
    assert title.startswith("Su viaje del ") and "planificar" in title
    assert body == gettext_in("es", FAMILY_NOT_TOLD)


def gettext_in(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


# --- the admin ------------------------------------------------------------------------------


def test_the_admin_shows_whether_she_drives_but_does_not_change_it(two_trips: TripSetup) -> None:
    root = f.make_user("root", is_staff=True, is_superuser=True)
    joe = joe_of(two_trips)
    html = client_for(root).get(f"/admin/transport/driver/{joe.pk}/change/").content.decode()
    assert 'name="active"' not in html
    assert 'name="home_base"' in html
