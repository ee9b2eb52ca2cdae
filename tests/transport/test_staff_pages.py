"""Running a ride program from pages: the administrator invites coordinators and drivers,
coordinators keep vehicles, drivers' vehicles and pickup points, a driver keeps her own
windows and home base. Each program sees only its own; bad input is told at its field."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests import factories as f
from tests.conftest import World
from transport.models import (
    Coordinator,
    Driver,
    DriverAvailability,
    PickupPoint,
    Program,
    ProgramFacility,
    RideRequest,
    StaffInvitation,
    Vehicle,
)
from visits.models import BookingStatus

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough password 42"
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@dataclass
class Programs:
    mine: Program
    other: Program
    admin: Any  # the world's coordinator, administrator of `mine`
    other_coordinator: Any
    driver: Driver  # the world's driver, of `mine`
    van: Vehicle
    other_van: Vehicle


@pytest.fixture
def p(world: World) -> Programs:
    mine, other = Program.objects.create(name="Prairie Rides"), Program.objects.create(
        name="Desert Rides")
    # Prairie drives families to the world's facility: its rides are Prairie's.
    ProgramFacility.objects.create(program=mine, facility=world.facility)
    Coordinator.objects.filter(user=world.coordinator).update(program=mine, is_admin=True)
    other_coordinator = f.make_coordinator("desert_coord")
    Coordinator.objects.filter(user=other_coordinator).update(program=other, is_admin=True)
    Driver.objects.filter(user=world.driver).update(program=mine)
    world.driver.first_name, world.driver.last_name = "Joelle", "Prairie"
    world.driver.save()
    van = Vehicle.objects.create(name="Prairie van", seats=6, program=mine)
    other_van = Vehicle.objects.create(name="Desert van", seats=6, program=other)
    return Programs(mine, other, world.coordinator, other_coordinator,
                    Driver.objects.get(user=world.driver), van, other_van)


def personas(world: World, p: Programs) -> dict[str, Any]:
    return {"other program": p.other_coordinator, "driver": world.driver,
            "family": world.caregiver, "liaison": world.liaison}


# --- staff --------------------------------------------------------------------------------


def test_the_program_administrator_invites_a_driver_who_signs_up_from_the_link(world, p):
    response = client_for(p.admin).post("/rides/staff/", {"email": "Sam@Example.org",
                                                          "role": "driver"})
    assert response.status_code == 302
    link = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    client = Client()
    response = client.post(link, {"first_name": "Sam", "last_name": "Ortiz",
                                  "password1": PASSWORD, "password2": PASSWORD})
    assert response["Location"] == "/rides/availability/"
    driver = Driver.objects.get(user__email="sam@example.org")
    assert driver.program == p.mine
    assert client.get("/rides/availability/").status_code == 200
    assert client.get("/rides/board/").status_code == 403  # a driver, not a coordinator


def test_an_invited_coordinator_lands_on_the_board_of_her_program(world, p):
    client_for(p.admin).post("/rides/staff/", {"email": "kim@example.org",
                                               "role": "coordinator"})
    link = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    client = Client()
    response = client.post(link, {"first_name": "Kim", "last_name": "Lo",
                                  "password1": PASSWORD, "password2": PASSWORD})
    assert response["Location"] == "/rides/board/"
    coordinator = Coordinator.objects.get(user__email="kim@example.org")
    assert (coordinator.program, coordinator.is_admin) == (p.mine, False)
    vehicles = client.get("/rides/vehicles/").content.decode()
    assert "Prairie van" in vehicles and "Desert van" not in vehicles
    assert client.get("/rides/staff/").status_code == 403  # not the administrator


def test_bad_invitations_are_refused_at_their_field(world, p):
    client = client_for(p.admin)
    assert client.post("/rides/staff/", {"email": "nope", "role": "driver"}).status_code == 400
    assert client.post("/rides/staff/", {"email": "a@example.org",
                                         "role": "boss"}).status_code == 400
    world.driver.email = "joe@example.org"
    world.driver.save()
    response = client.post("/rides/staff/", {"email": "joe@example.org", "role": "driver"})
    assert response.status_code == 400 and "already has this role" in response.content.decode()
    assert not StaffInvitation.objects.exists() and not mail.outbox


def test_an_expired_staff_link_is_refused(world, p, time_machine):
    client_for(p.admin).post("/rides/staff/", {"email": "sam@example.org", "role": "driver"})
    link = re.search(r"http://testserver(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    time_machine.move_to(timezone.now() + dt.timedelta(days=30))
    response = Client().post(link, {"first_name": "Sam", "last_name": "Ortiz",
                                    "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 409
    assert not Driver.objects.filter(user__email="sam@example.org").exists()


def test_removing_a_driver_stops_planning_her_and_hides_her_page(world, p):
    DriverAvailability.objects.create(driver=p.driver, starts_at=timezone.now() + dt.timedelta(
        days=1), ends_at=timezone.now() + dt.timedelta(days=1, hours=5))
    client_for(p.admin).post(f"/rides/staff/drivers/{p.driver.pk}/remove/")
    p.driver.refresh_from_db()
    assert not p.driver.active
    assert not DriverAvailability.objects.filter(driver=p.driver).exists()
    assert client_for(world.driver).get("/rides/driver/").status_code == 403
    assert client_for(world.driver).get("/rides/availability/").status_code == 403


def test_the_administrator_removes_a_coordinator_but_not_herself(world, p):
    helper = f.make_coordinator("helper")
    Coordinator.objects.filter(user=helper).update(program=p.mine)
    client = client_for(p.admin)
    client.post(f"/rides/staff/coordinators/{helper.coordinator.pk}/remove/")
    assert not Coordinator.objects.filter(user=helper).exists()
    client.post(f"/rides/staff/coordinators/{p.admin.coordinator.pk}/remove/")
    assert Coordinator.objects.filter(user=p.admin).exists()


@pytest.mark.parametrize("who", ["other program", "driver", "family", "liaison"])
def test_only_the_programs_administrator_manages_its_staff(world, p, who):
    user = personas(world, p)[who]
    client = client_for(user)
    if who != "other program":
        assert client.get("/rides/staff/").status_code == 403
    client.post("/rides/staff/", {"email": "x@example.org", "role": "driver"})
    assert not StaffInvitation.objects.filter(program=p.mine).exists()
    client.post(f"/rides/staff/drivers/{p.driver.pk}/remove/")
    assert Driver.objects.get(pk=p.driver.pk).active
    plain = f.make_coordinator("plain")
    Coordinator.objects.filter(user=plain).update(program=p.mine)
    assert client_for(plain).get("/rides/staff/").status_code == 403


def test_the_other_programs_administrator_sees_only_her_staff(world, p):
    page = client_for(p.other_coordinator).get("/rides/staff/").content.decode()
    assert "Joelle" not in page and "desert_coord" in page


# --- vehicles and drivers ---------------------------------------------------------------


def vehicle_form(**changes: Any) -> dict[str, Any]:
    return {"name": "Red minivan", "seats": "6", "child_seats": "2", "wheelchair_places": "1",
            "active": "on", **changes}


def test_a_coordinator_adds_and_changes_a_vehicle(world, p):
    client = client_for(p.admin)
    assert client.post("/rides/vehicles/", vehicle_form()).status_code == 302
    added = Vehicle.objects.get(name="Red minivan")
    assert (added.program, added.seats, added.child_seats, added.wheelchair_places) == (
        p.mine, 6, 2, 1)
    client.post("/rides/vehicles/", vehicle_form(vehicle=str(added.pk), seats="7", active=""))
    added.refresh_from_db()
    assert (added.seats, added.active) == (7, False)


@pytest.mark.parametrize("changes, field", [
    ({"seats": "0"}, "passenger seat"), ({"child_seats": "7"}, "Child seats sit on"),
    ({"name": ""}, "This field is required"), ({"seats": "lots"}, "whole number"),
    ({"wheelchair_places": "-1"}, "0 or more"),
])
def test_bad_vehicle_input_is_refused(world, p, changes, field):
    response = client_for(p.admin).post("/rides/vehicles/", vehicle_form(**changes))
    assert response.status_code == 400 and field in response.content.decode()
    assert not Vehicle.objects.filter(name__in=["Red minivan", ""]).exists()


def test_an_edit_naming_no_vehicle_adds_none(world, p):
    before = Vehicle.objects.count()
    response = client_for(p.admin).post("/rides/vehicles/", vehicle_form(vehicle="abc"))
    assert response.status_code == 404
    assert "This vehicle is not in your program." in response.content.decode()
    assert Vehicle.objects.count() == before


def test_two_vehicles_of_a_program_cannot_share_a_name(world, p):
    client = client_for(p.admin)
    assert client.post("/rides/vehicles/", vehicle_form()).status_code == 302
    again = client.post("/rides/vehicles/", vehicle_form(name=" red MINIVAN "))
    assert again.status_code == 400
    assert "already has a vehicle called" in again.content.decode()
    assert Vehicle.objects.filter(name__iexact="red minivan").count() == 1
    # Another program may use the name; changing the van itself keeps its own name.
    van = Vehicle.objects.get(name="Red minivan")
    assert client.post("/rides/vehicles/", vehicle_form(
        vehicle=str(van.pk), seats="5")).status_code == 302


def test_another_programs_vehicle_cannot_be_changed(world, p):
    response = client_for(p.admin).post("/rides/vehicles/", vehicle_form(
        vehicle=str(p.other_van.pk)))
    assert response.status_code == 400
    p.other_van.refresh_from_db()
    assert p.other_van.name == "Desert van"


def test_a_coordinator_chooses_which_vehicles_a_driver_takes(world, p):
    client = client_for(p.admin)
    client.post(f"/rides/drivers/{p.driver.pk}/vehicles/", {"vehicles": [str(p.van.pk)]})
    assert list(p.driver.vehicles.all()) == [p.van]
    client.post(f"/rides/drivers/{p.driver.pk}/vehicles/", {"vehicles": [str(p.other_van.pk)]})
    assert list(p.driver.vehicles.all()) == [p.van]  # not another program's van
    page = client.get("/rides/drivers/").content.decode()
    assert "Joelle Prairie" in page


@pytest.mark.parametrize("who", ["other program", "driver", "family", "liaison"])
def test_vehicles_and_drivers_are_the_programs_own(world, p, who):
    client = client_for(personas(world, p)[who])
    client.post("/rides/vehicles/", vehicle_form())
    client.post(f"/rides/drivers/{p.driver.pk}/vehicles/", {"vehicles": [str(p.van.pk)]})
    assert not p.driver.vehicles.exists()
    if who == "other program":
        assert Vehicle.objects.get(name="Red minivan").program == p.other
        assert "Joelle" not in client.get("/rides/drivers/").content.decode()
    else:
        assert not Vehicle.objects.filter(name="Red minivan").exists()
        for url in ("/rides/vehicles/", "/rides/drivers/", "/rides/points/"):
            assert client.get(url).status_code == 403


# --- pickup points ------------------------------------------------------------------------


def test_a_family_chooses_a_pickup_point_and_the_ride_uses_its_place(world, p):
    client_for(p.admin).post("/rides/points/", {"name": "St. Paul's church",
                                                "address": "815 S 6th St", "zip": "62703"})
    point = PickupPoint.objects.get()
    assert point.program == p.mine and 39 < point.latitude < 40.5
    booking = f.make_booking(world.session, world.resident, world.household, world.family,
                             status=BookingStatus.CONFIRMED)
    client = client_for(world.caregiver)
    form = client.get(f"/rides/bookings/{booking.pk}/").content.decode()
    assert "St. Paul&#x27;s church" in form
    response = client.post(f"/rides/bookings/{booking.pk}/", {
        "pickup_point": str(point.pk), "adults": "1", "children": "1", "child_seats": "0",
        "outbound": "1", "return_trip": "1"})
    assert response.status_code == 302
    ride = RideRequest.objects.get()
    assert (ride.pickup_latitude, ride.pickup_longitude) == (point.latitude, point.longitude)
    assert ride.pickup_label.startswith("St. Paul's church")


def test_a_point_no_longer_offered_cannot_be_chosen(world, p):
    point = PickupPoint.objects.create(program=p.mine, name="Old depot", address="1 Main St",
                                       latitude=39.8, longitude=-89.6)
    client_for(p.admin).post(f"/rides/points/{point.pk}/active/", {"active": "0"})
    booking = f.make_booking(world.session, world.resident, world.household, world.family,
                             status=BookingStatus.CONFIRMED)
    client = client_for(world.caregiver)
    assert "Old depot" not in client.get(f"/rides/bookings/{booking.pk}/").content.decode()
    response = client.post(f"/rides/bookings/{booking.pk}/", {
        "pickup_point": str(point.pk), "adults": "1", "outbound": "1"})
    assert not RideRequest.objects.exists()
    assert response.status_code in (200, 400)


@pytest.mark.parametrize("data, text", [
    ({"name": "Church", "address": "1 Main St", "zip": "00000"}, "do not know this ZIP"),
    ({"name": "", "address": "1 Main St", "zip": "62703"}, "This field is required"),
    ({"name": "Church", "address": "", "zip": "62703"}, "This field is required"),
])
def test_bad_pickup_points_are_refused(world, p, data, text):
    response = client_for(p.admin).post("/rides/points/", data)
    assert response.status_code == 400 and text in response.content.decode()
    assert not PickupPoint.objects.exists()


@pytest.mark.parametrize("who", ["other program", "driver", "family", "liaison"])
def test_pickup_points_are_the_programs_own(world, p, who):
    point = PickupPoint.objects.create(program=p.mine, name="Church", address="1 Main St",
                                       latitude=39.8, longitude=-89.6)
    client_for(personas(world, p)[who]).post(f"/rides/points/{point.pk}/active/",
                                             {"active": "0"})
    assert PickupPoint.objects.get(pk=point.pk).active


# --- a driver's own windows ---------------------------------------------------------------


@pytest.fixture
def driver_client(world: World, p: Programs, time_machine: Any) -> Client:
    time_machine.move_to(dt.datetime(2026, 12, 2, 12, 0, tzinfo=CHICAGO), tick=False)
    from notifications.preferences import preference_update

    preference_update(user=world.driver, time_zone="America/Chicago")
    return client_for(world.driver)


def window(day: str = "2026-12-05", starts: str = "07:00", ends: str = "11:00") -> dict:
    return {"day": day, "starts": starts, "ends": ends}


def test_a_driver_adds_two_windows_for_one_day_in_her_zone(world, p, driver_client):
    assert driver_client.post("/rides/availability/", window()).status_code == 302
    assert driver_client.post("/rides/availability/", window(
        starts="14:00", ends="18:00")).status_code == 302
    rows = list(DriverAvailability.objects.filter(driver=p.driver).order_by("starts_at"))
    assert [(r.starts_at.astimezone(CHICAGO).hour, r.ends_at.astimezone(CHICAGO).hour)
            for r in rows] == [(7, 11), (14, 18)]
    page = driver_client.get("/rides/availability/").content.decode()
    assert "Chicago time (C" in page and "America/Chicago" not in page  # as people say it


@pytest.mark.parametrize("data, status, text", [
    (window(starts="10:00", ends="09:00"), 400, "end after it starts"),
    (window(starts="10:00", ends="10:00"), 400, "end after it starts"),
    (window(starts="09:00", ends="12:00"), 400, "overlaps"),
    (window(day="2026-11-20"), 400, "already over"),
    (window(day="someday"), 400, "Enter a valid date"),
    (window(starts="7am"), 400, "Enter a valid time"),
    (window(day="9999-12-31"), 400, "within the next year"),
    (window(day="9999-12-31", starts="22:00", ends="23:59"), 400, "within the next year"),
])
def test_bad_windows_are_refused(world, p, driver_client, data, status, text):
    driver_client.post("/rides/availability/", window())  # 07:00-11:00 already given
    response = driver_client.post("/rides/availability/", data)
    assert response.status_code == status and text in response.content.decode()
    assert DriverAvailability.objects.filter(driver=p.driver).count() == 1


def test_a_driver_sets_her_home_base_by_zip(world, p, driver_client):
    response = driver_client.post("/rides/availability/", {"home": "1", "home_base":
                                                           "Decatur, IL", "zip": "62521"})
    assert response.status_code == 302
    p.driver.refresh_from_db()
    assert p.driver.home_base == "Decatur, IL" and p.driver.has_location
    bad = driver_client.post("/rides/availability/", {"home": "1", "home_base": "Nowhere",
                                                      "zip": "00000"})
    assert bad.status_code == 400
    p.driver.refresh_from_db()
    assert p.driver.home_base == "Decatur, IL"


def test_a_driver_removes_only_her_own_windows(world, p, driver_client):
    other = f.make_driver("ann")
    theirs = DriverAvailability.objects.create(
        driver=other.driver, starts_at=timezone.now() + dt.timedelta(days=1),
        ends_at=timezone.now() + dt.timedelta(days=1, hours=3))
    driver_client.post(f"/rides/availability/{theirs.pk}/remove/")
    assert DriverAvailability.objects.filter(pk=theirs.pk).exists()
    driver_client.post("/rides/availability/", window())
    mine = DriverAvailability.objects.get(driver=p.driver)
    driver_client.post(f"/rides/availability/{mine.pk}/remove/")
    assert not DriverAvailability.objects.filter(pk=mine.pk).exists()


@pytest.mark.parametrize("who", ["other program", "family", "liaison"])
def test_only_drivers_keep_availability(world, p, who):
    client = client_for(personas(world, p)[who])
    assert client.get("/rides/availability/").status_code == 403
    client.post("/rides/availability/", window(day="2027-01-05"))
    assert not DriverAvailability.objects.exists()


def test_a_coordinator_pins_rides_only_to_her_programs_drivers(world, p, api):
    booking = f.make_booking(world.session, world.resident, world.household, world.family,
                             status=BookingStatus.CONFIRMED)
    ride = RideRequest.objects.create(
        booking=booking, pickup_label="Springfield", pickup_latitude=39.78,
        pickup_longitude=-89.65, adults=1, children=1, earliest_pickup=world.session.starts_at
        - dt.timedelta(hours=4))
    DriverAvailability.objects.create(
        driver=p.driver, starts_at=world.session.starts_at - dt.timedelta(hours=6),
        ends_at=world.session.starts_at + dt.timedelta(hours=6))
    refused = api(p.other_coordinator).post(f"/api/v1/rides/{ride.pk}/pin/",
                                            {"driver_id": p.driver.pk}, format="json")
    assert refused.status_code == 404
    ride.refresh_from_db()
    assert ride.pinned_driver is None
    board = client_for(p.other_coordinator).get(
        f"/rides/board/?date={world.session.starts_at.date().isoformat()}").content.decode()
    assert "Joelle" not in board
    pinned = api(p.admin).post(f"/api/v1/rides/{ride.pk}/pin/", {"driver_id": p.driver.pk},
                               format="json")
    assert pinned.status_code == 200
