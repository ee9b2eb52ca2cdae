"""Two ride programs side by side: each serves its own facilities, and its coordinators see,
plan, pin, cancel and export only the rides to those facilities, with its own drivers.

Prairie Rides serves Lakeview (Decatur); Danville Rides serves Danville. Joe drives for
Prairie from Champaign, Ann for Danville from Champaign too, so either could drive either
family: only the program decides who does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from notifications.models import Delivery
from tests import factories as f
from tests.conftest import World
from tests.transport.conftest import DANVILLE, Rides
from transport import selectors, services
from transport.models import (
    Coordinator,
    Driver,
    PlanRun,
    Program,
    ProgramFacility,
    RideRequest,
    RideStatus,
    Stop,
    Trip,
    Vehicle,
)
from transport.planner import plan_day

pytestmark = pytest.mark.django_db


@dataclass
class TwoPrograms:
    prairie: Program
    danville: Program
    prairie_coord: Any  # the world's coordinator, Prairie's administrator
    danville_coord: Any
    joe: Driver
    ann: Driver
    lakeview_ride: RideRequest
    danville_ride: RideRequest
    danville_facility: Any


@pytest.fixture
def two(world: World, rides: Rides, family_booking) -> TwoPrograms:
    prairie = Program.objects.create(name="Prairie Rides")
    danville = Program.objects.create(name="Danville Rides")
    session = rides.add_facility("Danville", DANVILLE, hour=13)
    ProgramFacility.objects.create(program=prairie, facility=world.facility)
    ProgramFacility.objects.create(program=danville, facility=session.facility)
    Coordinator.objects.filter(user=world.coordinator).update(program=prairie, is_admin=True)
    danville_coord = f.make_coordinator("danville_coord")
    Coordinator.objects.filter(user=danville_coord).update(program=danville, is_admin=True)
    van = Vehicle.objects.create(name="Prairie van", seats=6, child_seats=2, program=prairie)
    car = Vehicle.objects.create(name="Danville car", seats=6, child_seats=2, program=danville)
    joe = rides.add_driver("joe", "Champaign", van)
    ann = rides.add_driver("ann", "Champaign", car)
    Driver.objects.filter(pk=joe.pk).update(program=prairie)
    Driver.objects.filter(pk=ann.pk).update(program=danville)
    lakeview_ride = rides.ride(family_booking, "Champaign", children=1, child_seats=1)
    danville_ride = rides.ride(rides.add_family_at("Dora", session), "Champaign")
    return TwoPrograms(prairie, danville, world.coordinator, danville_coord,
                       Driver.objects.get(pk=joe.pk), Driver.objects.get(pk=ann.pk),
                       lakeview_ride, danville_ride, session.facility)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _board_ids(api, user, day: dt.date, **extra: Any) -> tuple[int, set[int]]:
    response = api(user).get("/api/v1/rides/board/", {"date": day.isoformat(), **extra})
    ids = {r["id"] for r in response.json()["requests"]} if response.status_code == 200 else set()
    return response.status_code, ids


# --- seeing ------------------------------------------------------------------------------


def test_each_coordinator_sees_only_her_programs_rides_on_the_board(two, rides, api):
    assert _board_ids(api, two.prairie_coord, rides.day) == (200, {two.lakeview_ride.pk})
    assert _board_ids(api, two.danville_coord, rides.day) == (200, {two.danville_ride.pk})
    page = client_for(two.danville_coord).get(f"/rides/board/?date={rides.day.isoformat()}")
    assert page.status_code == 200
    assert "Dora" in page.content.decode()
    assert "Lopez" not in page.content.decode()


def test_another_programs_facility_on_the_board_is_not_found(two, rides, api):
    status, ids = _board_ids(api, two.prairie_coord, rides.day,
                             facility=two.danville_facility.pk)
    assert status == 404 and not ids
    page = client_for(two.prairie_coord).get(
        f"/rides/board/?date={rides.day.isoformat()}&facility={two.danville_facility.pk}")
    assert page.status_code == 404


def test_the_week_counts_only_her_programs_rides(two, rides):
    week = {d.day: d for d in selectors.week_for(user=two.prairie_coord, day=rides.day)}
    assert week[rides.day].asked == 1
    RideRequest.objects.filter(pk=two.danville_ride.pk).update(status=RideStatus.UNSERVED)
    week = {d.day: d for d in selectors.week_for(user=two.prairie_coord, day=rides.day)}
    assert week[rides.day].unserved == 0  # Danville's trouble is not on Prairie's week
    week = {d.day: d for d in selectors.week_for(user=two.danville_coord, day=rides.day)}
    assert (week[rides.day].asked, week[rides.day].unserved) == (1, 1)


def test_the_rides_export_holds_only_her_programs_rides(two, rides):
    day = rides.day.isoformat()
    for user, mine in ((two.prairie_coord, two.lakeview_ride),
                       (two.danville_coord, two.danville_ride)):
        response = client_for(user).get(f"/rides/export.csv?from={day}&to={day}")
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [int(r["ride"]) for r in rows] == [mine.pk]


# --- acting --------------------------------------------------------------------------------


def test_a_coordinator_cannot_pin_or_cancel_another_programs_ride(two, rides, api):
    client = api(two.prairie_coord)
    pinned = client.post(f"/api/v1/rides/{two.danville_ride.pk}/pin/",
                         {"driver_id": two.joe.pk}, format="json")
    cancelled = client.post(f"/api/v1/rides/{two.danville_ride.pk}/cancel/")
    assert (pinned.status_code, cancelled.status_code) == (404, 404)
    ride = RideRequest.objects.get(pk=two.danville_ride.pk)
    assert (ride.status, ride.pinned_driver_id) == (RideStatus.OPEN, None)
    page = client_for(two.prairie_coord).post(
        f"/rides/requests/{two.danville_ride.pk}/cancel/", {"next": "/rides/board/"},
        follow=True)
    assert "could not find that ride" in page.content.decode()
    assert RideRequest.objects.get(pk=two.danville_ride.pk).status == RideStatus.OPEN


def test_a_coordinator_cannot_pin_her_ride_to_another_programs_driver(two, rides, api):
    response = api(two.prairie_coord).post(f"/api/v1/rides/{two.lakeview_ride.pk}/pin/",
                                           {"driver_id": two.ann.pk}, format="json")
    assert response.status_code == 404
    assert RideRequest.objects.get(pk=two.lakeview_ride.pk).pinned_driver_id is None


def test_a_coordinator_cannot_plan_or_watch_another_programs_plan(two, rides, api):
    theirs = api(two.danville_coord).post("/api/v1/rides/plan/", {
        "date": rides.day.isoformat(), "facility_id": None}, format="json")
    assert theirs.status_code == 202
    run_id = theirs.json()["id"]
    assert PlanRun.objects.get(pk=run_id).program == two.danville
    assert api(two.prairie_coord).get(f"/api/v1/rides/plan/{run_id}/").status_code == 404
    assert api(two.danville_coord).get(f"/api/v1/rides/plan/{run_id}/").status_code == 200
    other = api(two.prairie_coord).post("/api/v1/rides/plan/", {
        "date": rides.day.isoformat(), "facility_id": two.danville_facility.pk}, format="json")
    assert other.status_code == 404


# --- planning ------------------------------------------------------------------------------


def _drivers_of(ride: RideRequest) -> set[int]:
    return set(Stop.objects.filter(request=ride).values_list("trip__driver_id", flat=True))


def test_each_program_plans_its_rides_with_its_own_drivers(two, rides):
    plan_day(day=rides.day, program_id=two.prairie.pk, time_limit=1.0)
    assert _drivers_of(two.lakeview_ride) == {two.joe.pk}
    # Danville's ride waits for Danville's plan, and Ann has no trip from Prairie's.
    assert RideRequest.objects.get(pk=two.danville_ride.pk).status == RideStatus.OPEN
    assert not Trip.objects.filter(driver=two.ann).exists()
    plan_day(day=rides.day, program_id=two.danville.pk, time_limit=1.0)
    assert _drivers_of(two.danville_ride) == {two.ann.pk}
    # ...and Danville's plan left Prairie's trip as it was.
    assert _drivers_of(two.lakeview_ride) == {two.joe.pk}
    assert RideRequest.objects.get(pk=two.lakeview_ride.pk).status == RideStatus.PLANNED


def test_a_program_without_a_free_driver_does_not_borrow_another_programs(two, rides):
    Driver.objects.filter(pk=two.joe.pk).update(active=False)
    plan_day(day=rides.day, program_id=two.prairie.pk, time_limit=1.0)
    ride = RideRequest.objects.get(pk=two.lakeview_ride.pk)
    assert ride.status == RideStatus.UNSERVED
    assert ride.unserved_reason == "no_driver"
    assert not Trip.objects.exists()


def test_planning_messages_go_to_the_programs_coordinators_only(two, rides):
    Driver.objects.filter(pk=two.joe.pk).update(active=False)  # Prairie's ride is left out
    run = PlanRun.objects.create(day=rides.day, program=two.prairie,
                                 requested_by=two.prairie_coord)
    services.plan_run_execute(run_id=run.pk, time_limit=1.0)
    told = set(Delivery.objects.filter(event__type="transport.plan.unserved").values_list(
        "user_id", flat=True))
    assert told == {two.prairie_coord.pk}


def test_ride_news_goes_to_the_rides_program_only(two, rides, world):
    services.ride_request_cancel(actor=world.caregiver, request_id=two.lakeview_ride.pk)
    told = set(Delivery.objects.filter(event__type="transport.ride.cancelled").values_list(
        "user_id", flat=True))
    assert told == {two.prairie_coord.pk}


# --- the facilities a program serves --------------------------------------------------------


def test_the_administrator_sets_the_facilities_her_program_serves(two, world, rides):
    third = f.make_facility("Vandalia")
    client = client_for(two.prairie_coord)
    page = client.get("/rides/staff/")
    assert "Vandalia" in page.content.decode()
    assert "served by Danville Rides" in page.content.decode()
    response = client.post("/rides/staff/facilities/", {
        "facilities": [world.facility.pk, third.pk]}, follow=True)
    assert "Rides to these facilities are your program" in response.content.decode()
    assert set(two.prairie.facilities.values_list("pk", flat=True)) == {
        world.facility.pk, third.pk}
    client.post("/rides/staff/facilities/", {"facilities": [third.pk]})
    # Lakeview let go: its rides are no program's any more, so not on Prairie's board.
    assert set(two.prairie.facilities.values_list("pk", flat=True)) == {third.pk}
    board = selectors.board_for_day(user=two.prairie_coord, day=rides.day)
    assert board.requests == []


def test_a_facility_another_program_serves_cannot_be_taken(two, world):
    response = client_for(two.prairie_coord).post("/rides/staff/facilities/", {
        "facilities": [world.facility.pk, two.danville_facility.pk]}, follow=True)
    assert "Danville is served by Danville Rides" in response.content.decode()
    assert set(two.prairie.facilities.values_list("pk", flat=True)) == {world.facility.pk}
    assert ProgramFacility.objects.get(facility=two.danville_facility).program == two.danville


@pytest.mark.parametrize("value", ["abc", "999999"])
def test_bad_facility_choices_are_refused_with_a_reason(two, world, value):
    response = client_for(two.prairie_coord).post("/rides/staff/facilities/", {
        "facilities": [value]}, follow=True)
    assert response.status_code == 200
    assert "Choose facilities from the list." in response.content.decode()
    assert set(two.prairie.facilities.values_list("pk", flat=True)) == {world.facility.pk}


def test_only_the_program_administrator_sets_its_facilities(two, world):
    Coordinator.objects.filter(user=two.prairie_coord).update(is_admin=False)
    for user in (two.prairie_coord, world.driver, world.caregiver, world.liaison):
        response = client_for(user).post("/rides/staff/facilities/", {"facilities": []})
        assert response.status_code in (302, 403)
    assert set(two.prairie.facilities.values_list("pk", flat=True)) == {world.facility.pk}
    assert Client().post("/rides/staff/facilities/", {"facilities": []}).status_code == 302


# --- the travel fund's grants ----------------------------------------------------------------

SUBSIDIES = "/api/v1/fund/subsidies/"


def _grant(api, user, booking_id: int) -> Any:
    return api(user).post(SUBSIDIES, {"booking": booking_id, "kind": "bus_fare",
                                      "amount_cents": 1500}, format="json")


def test_grants_belong_to_the_program_of_the_visits_facility(two, rides, api):
    from tests.fund.helpers import donate
    from transport.fund.models import Subsidy

    donate(10_000, program_id=two.prairie.pk)
    donate(10_000, program_id=two.danville.pk)
    lakeview, danville = two.lakeview_ride.booking_id, two.danville_ride.booking_id
    assert _grant(api, two.prairie_coord, danville).status_code == 404
    assert not Subsidy.objects.exists()  # nothing drawn from the fund
    assert _grant(api, two.prairie_coord, lakeview).status_code == 201
    assert _grant(api, two.danville_coord, danville).status_code == 201
    seen = {user: [s["booking"] for s in api(user).get(SUBSIDIES).json()]
            for user in (two.prairie_coord, two.danville_coord)}
    assert seen == {two.prairie_coord: [lakeview], two.danville_coord: [danville]}
    day = rides.day.isoformat()
    export = client_for(two.danville_coord).get(f"/fund/subsidies/export.csv?from={day}&to={day}")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [r["facility"] for r in rows] == ["Danville"]


def test_a_coordinator_cannot_reverse_another_programs_grant(two, rides):
    from scheduler.errors import Conflict
    from tests.fund.helpers import donate
    from transport.fund.models import Subsidy, SubsidyStatus
    from transport.fund.subsidies import subsidy_grant, subsidy_reverse

    donate(10_000, program_id=two.danville.pk)
    grant = subsidy_grant(actor=two.danville_coord, booking_id=two.danville_ride.booking_id,
                          kind="bus_fare", amount_cents=1500)
    with pytest.raises(Conflict):
        subsidy_reverse(actor=two.prairie_coord, subsidy_id=grant.pk, reason="oops")
    assert Subsidy.objects.get(pk=grant.pk).status == SubsidyStatus.GRANTED


# --- a facility moves to another program ----------------------------------------------------


def _move_lakeview_to_danville(two, world) -> None:
    """Prairie lets Lakeview go on its staff page; Danville takes it on its own."""
    client_for(two.prairie_coord).post("/rides/staff/facilities/", {"facilities": []})
    client_for(two.danville_coord).post("/rides/staff/facilities/", {
        "facilities": [two.danville_facility.pk, world.facility.pk]})


def test_a_moved_facilitys_rides_are_unplanned_and_both_programs_told(two, rides, world):
    plan_day(day=rides.day, program_id=two.prairie.pk, time_limit=1.0)
    assert _drivers_of(two.lakeview_ride) == {two.joe.pk}
    RideRequest.objects.filter(pk=two.lakeview_ride.pk).update(pinned_driver=two.joe)

    _move_lakeview_to_danville(two, world)

    ride = RideRequest.objects.get(pk=two.lakeview_ride.pk)
    assert (ride.status, ride.pinned_driver_id, ride.pinned_trip_id) == (
        RideStatus.OPEN, None, None)
    assert not Stop.objects.filter(request=ride).exists()  # Joe keeps no stop of it
    told = Delivery.objects.filter(event__type="transport.facility.moved")
    assert {d.user_id for d in told} == {two.prairie_coord.pk, two.danville_coord.pk}
    titles = {d.event.title for d in told}
    assert "Rides to Lakeview now belong to Danville Rides" in titles
    assert Delivery.objects.filter(user=two.joe.user, event__type="transport.trip.changed",
                                   event__data__trip_id__isnull=False).exists()
    # Danville plans it now, with its own driver; Prairie's board no longer shows it.
    assert not selectors.board_for_day(user=two.prairie_coord, day=rides.day).requests
    bea = rides.add_driver("bea", "Champaign", Vehicle.objects.create(
        name="Danville van", seats=6, child_seats=2, program=two.danville))
    Driver.objects.filter(pk=bea.pk).update(program=two.danville)
    plan_day(day=rides.day, program_id=two.danville.pk, time_limit=1.0)
    ride = RideRequest.objects.get(pk=two.lakeview_ride.pk)
    assert ride.status == RideStatus.PLANNED
    assert _drivers_of(ride) <= {two.ann.pk, bea.pk} and _drivers_of(ride)


def _family_news(world, kind: str) -> list:
    return [d.event for d in Delivery.objects.filter(
        user=world.caregiver, event__type=kind).select_related("event").order_by("pk")]


def test_a_family_hears_her_ride_is_planned_again_and_then_its_new_time(two, rides, world):
    """Rosa was told Joe picks her up at 6; a move takes her ride off Joe's trip. She must not
    stand at the bus station at 6: she hears the time no longer holds, and the new time once
    the new program plans it, even if it is the same."""
    plan_day(day=rides.day, program_id=two.prairie.pk, time_limit=1.0)
    assert len(_family_news(world, "transport.ride.planned")) == 1  # "Pickup at ... "

    client_for(two.prairie_coord).post("/rides/staff/facilities/", {"facilities": []})
    [let_go] = _family_news(world, "transport.ride.replanning")
    assert let_go.urgent  # she had a pickup time: email and text even at night
    assert let_go.title.startswith("Your ride on ") and "planned again" in let_go.title
    assert "No ride program drives families to Lakeview for now" in let_go.body
    assert "prison" not in str(let_go.data) and set(let_go.data) == {
        "ride_request_id", "booking_id"}
    ride = RideRequest.objects.get(pk=two.lakeview_ride.pk)
    assert (ride.told_outbound_at, ride.told_return_at) == (None, None)

    client_for(two.danville_coord).post("/rides/staff/facilities/", {
        "facilities": [two.danville_facility.pk, world.facility.pk]})
    taken_on = _family_news(world, "transport.ride.replanning")[-1]
    assert "Danville Rides now drives families to Lakeview" in taken_on.body
    assert not taken_on.urgent  # no time of hers changed this time

    bea = rides.add_driver("bea", "Champaign", Vehicle.objects.create(
        name="Danville van", seats=6, child_seats=2, program=two.danville))
    Driver.objects.filter(pk=bea.pk).update(program=two.danville)
    plan_day(day=rides.day, program_id=two.danville.pk, time_limit=1.0)
    planned = _family_news(world, "transport.ride.planned")
    assert len(planned) == 2 and "Pickup at" in planned[-1].body


def test_a_family_in_spanish_reads_that_her_ride_is_planned_again_in_spanish(two, rides, world):
    from notifications.models import Preference

    Preference.objects.update_or_create(user=world.caregiver, defaults={"language": "es"})
    _move_lakeview_to_danville(two, world)
    news = _family_news(world, "transport.ride.replanning")
    assert news and all("Su viaje" in e.title for e in news), [e.title for e in news]


def test_a_move_leaves_a_ride_under_way_and_the_other_programs_rides_alone(two, rides, world):
    plan_day(day=rides.day, program_id=two.prairie.pk, time_limit=1.0)
    plan_day(day=rides.day, program_id=two.danville.pk, time_limit=1.0)
    Stop.objects.filter(request=two.lakeview_ride, leg="outbound", kind="pickup").update(
        status="picked_up")  # the family is in Joe's car

    _move_lakeview_to_danville(two, world)

    assert RideRequest.objects.get(pk=two.lakeview_ride.pk).status == RideStatus.PLANNED
    assert _drivers_of(two.lakeview_ride) == {two.joe.pk}
    assert RideRequest.objects.get(pk=two.danville_ride.pk).status == RideStatus.PLANNED
    assert _drivers_of(two.danville_ride) == {two.ann.pk}


def test_the_superuser_moves_a_facility_in_the_admin_through_the_service(two, rides, world):
    plan_day(day=rides.day, program_id=two.prairie.pk, time_limit=1.0)
    root = f.make_user("root", is_superuser=True, is_staff=True)
    row = ProgramFacility.objects.get(facility=world.facility)
    response = client_for(root).post(
        f"/admin/transport/programfacility/{row.pk}/change/", {"program": two.danville.pk})
    assert response.status_code == 302
    assert ProgramFacility.objects.get(facility=world.facility).program == two.danville
    assert RideRequest.objects.get(pk=two.lakeview_ride.pk).status == RideStatus.OPEN
    assert not Stop.objects.filter(request=two.lakeview_ride).exists()
    told = set(Delivery.objects.filter(event__type="transport.facility.moved").values_list(
        "user_id", flat=True))
    assert told == {two.prairie_coord.pk, two.danville_coord.pk}


def test_only_a_superuser_moves_a_facility_by_the_service(two, world):
    from scheduler.errors import NotFound, NotPermitted
    from transport.staff import facility_program_set

    for user in (two.prairie_coord, two.danville_coord, world.caregiver, world.liaison,
                 world.driver):
        with pytest.raises(NotPermitted):
            facility_program_set(actor=user, facility_id=world.facility.pk,
                                 program_id=two.danville.pk)
    root = f.make_user("root", is_superuser=True)
    with pytest.raises(NotFound):
        facility_program_set(actor=root, facility_id=world.facility.pk, program_id=999999)
    assert ProgramFacility.objects.get(facility=world.facility).program == two.prairie


def test_the_administrator_finds_her_programs_donation_link(two):
    page = client_for(two.danville_coord).get("/rides/staff/").content.decode()
    link = f"http://testserver/fund/donate/?program={two.danville.pk}"
    assert f'value="{link}"' in page
    donate = Client().get(link).content.decode()
    assert f'<option value="{two.danville.pk}" selected>' in donate
