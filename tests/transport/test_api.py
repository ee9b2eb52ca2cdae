"""The rides API: who may do what, and a clear 4xx (leaving nothing behind) for bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from notifications.models import Delivery, Event
from tests import factories as f
from tests.transport.conftest import TOWNS, Rides, TripSetup
from transport.models import PlanRun, RideRequest, RideStatus, Stop, Trip

pytestmark = pytest.mark.django_db


def assert_error(response: Any, status: int, code: str | None = None,
                 fields: tuple[str, ...] = ()) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert {"code", "message", "fields"} <= set(body)
    assert isinstance(body["message"], str) and body["message"].strip()
    if code:
        assert body["code"] == code, body
    for name in fields:
        assert body["fields"].get(name), body
    return body


def state() -> dict[str, Any]:
    """Everything a transport write could leave behind."""
    return {
        "rides": list(RideRequest.objects.order_by("pk").values_list(
            "pk", "status", "pinned_trip_id", "adults")),
        "stops": list(Stop.objects.order_by("pk").values_list("pk", "status", "trip_id")),
        "trips": list(Trip.objects.order_by("pk").values_list("pk", "status")),
        "runs": PlanRun.objects.count(),
        "events": Event.objects.count(),
        "deliveries": Delivery.objects.count(),
    }


def ride_payload(booking: Any, **changes: Any) -> dict[str, Any]:
    lat, lon = TOWNS["Springfield"]
    body = {"booking_id": booking, "pickup_label": "12 Oak St, Springfield",
            "pickup_latitude": lat, "pickup_longitude": lon, "adults": 1, "children": 1,
            "child_seats": 1, "outbound": True, "return_trip": True}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


# --- asking for a ride ---------------------------------------------------------------------


def test_a_caregiver_asks_for_a_ride_and_coordinators_hear_of_it(api, world, rides,
                                                                family_booking):
    response = api(world.caregiver).post("/api/v1/rides/", ride_payload(family_booking.pk),
                                         format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open" and body["booking_id"] == family_booking.pk
    assert body["outbound_pickup_at"] is None
    mine = api(world.caregiver).get("/api/v1/rides/").json()
    assert [r["id"] for r in mine] == [body["id"]]
    assert api(world.other_caregiver).get("/api/v1/rides/").json() == []
    told = Delivery.objects.filter(user=world.coordinator, event__type="transport.ride.created")
    assert told.count() == 1
    assert "W48213" not in str(told.get().event.data)


def test_a_second_request_for_the_same_visit_is_refused_with_the_first_ones_id(
        api, world, rides, family_booking):
    client = api(world.caregiver)
    first = client.post("/api/v1/rides/", ride_payload(family_booking.pk), format="json").json()
    before = state()
    body = assert_error(client.post("/api/v1/rides/", ride_payload(family_booking.pk),
                                    format="json"), 409, "ride_exists")
    assert body["ride_request_id"] == first["id"]
    assert state() == before


BAD_RIDES = [
    ({"pickup_label": ""}, 400, ("pickup_label",)),
    ({"pickup_label": ...}, 400, ("pickup_label",)),
    ({"pickup_latitude": 123.0}, 400, ("pickup_latitude",)),
    ({"pickup_longitude": "east"}, 400, ("pickup_longitude",)),
    ({"adults": 0}, 400, ("adults",)),
    ({"adults": 2}, 400, ("adults",)),  # only Rosa is an adult on this visit
    ({"children": 3}, 400, ("children",)),  # only Sofia is a child
    ({"child_seats": 2}, 400, ("child_seats",)),
    ({"wheelchair_places": 3}, 400, ("wheelchair_places",)),
    ({"outbound": False, "return_trip": False}, 400, ("outbound",)),
    ({"earliest_pickup": "2020-01-01T08:00:00Z"}, 400, ("earliest_pickup",)),
    ({"earliest_pickup": "soon"}, 400, ("earliest_pickup",)),
    ({"booking_id": "x"}, 400, ("booking_id",)),
]


@pytest.mark.parametrize(("changes", "status", "fields"), BAD_RIDES)
def test_bad_ride_requests_get_a_clear_error_and_leave_nothing(api, world, rides, family_booking,
                                                               changes, status, fields):
    before = state()
    response = api(world.caregiver).post("/api/v1/rides/",
                                         ride_payload(family_booking.pk, **changes),
                                         format="json")
    assert_error(response, status, fields=fields)
    assert state() == before


def test_the_riders_are_refused_in_words_that_fit_the_visit(api, world, rides, family_booking):
    """One adult and one child come: no "between 1 and 1 adults", and a negative count is
    told once, not again as a wheelchair problem."""
    too_many = api(world.caregiver).post("/api/v1/rides/", ride_payload(
        family_booking.pk, adults=2, children=2), format="json").json()["fields"]
    assert too_many["adults"] == ["One adult comes on this visit, so one adult can ride."]
    assert too_many["children"] == [
        "One child comes on this visit, so at most one child can ride."]
    negative = api(world.caregiver).post("/api/v1/rides/", ride_payload(
        family_booking.pk, adults=-1), format="json").json()["fields"]
    assert set(negative) == {"adults"}


def test_an_earliest_pickup_after_check_in_is_refused(api, world, rides, family_booking):
    late = rides.local(12, 45).isoformat()
    response = api(world.caregiver).post(
        "/api/v1/rides/", ride_payload(family_booking.pk, earliest_pickup=late), format="json")
    assert_error(response, 400, "invalid", fields=("earliest_pickup",))


def test_rides_only_for_her_own_in_person_visits(api, world, rides, family_booking):
    before = state()
    other = api(world.other_caregiver).post("/api/v1/rides/", ride_payload(family_booking.pk),
                                            format="json")
    assert_error(other, 404, "not_found")
    assert_error(api(world.liaison).post("/api/v1/rides/", ride_payload(family_booking.pk),
                                         format="json"), 403, "not_permitted")
    assert api(None).post("/api/v1/rides/", ride_payload(family_booking.pk),
                          format="json").status_code in (401, 403)
    video_rule = f.make_rule(world.facility, kind="video")
    video = f.make_booking(f.make_session(video_rule), world.resident, world.household,
                           world.family)
    assert_error(api(world.caregiver).post("/api/v1/rides/", ride_payload(video.pk),
                                           format="json"), 409, "conflict")
    assert state() == before


# --- cancelling --------------------------------------------------------------------------


def test_cancel_a_ride_takes_it_off_the_trip(api, world, two_trips: TripSetup):
    client = api(world.caregiver)
    response = client.post(f"/api/v1/rides/{two_trips.request.pk}/cancel/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    assert not Stop.objects.filter(request=two_trips.request).exists()
    before = state()
    assert_error(client.post(f"/api/v1/rides/{two_trips.request.pk}/cancel/"), 409)
    assert state() == before


def test_cancel_errors(api, world, two_trips: TripSetup):
    before = state()
    ride = two_trips.request.pk
    assert_error(api(world.other_caregiver).post(f"/api/v1/rides/{ride}/cancel/"), 404)
    assert_error(api(world.caregiver).post("/api/v1/rides/99999/cancel/"), 404)
    assert_error(api(world.liaison).post(f"/api/v1/rides/{ride}/cancel/"), 403)
    Stop.objects.filter(pk=two_trips.pickup.pk).update(status="picked_up")
    before = state()
    assert_error(api(world.caregiver).post(f"/api/v1/rides/{ride}/cancel/"), 409)
    assert state() == before


# --- the board, pins and planning --------------------------------------------------------


def test_the_board_shows_requests_trips_and_reasons_to_coordinators_only(api, world,
                                                                         two_trips, rides):
    RideRequest.objects.filter(pk=two_trips.request.pk).update(
        status="unserved", unserved_reason="no_room")
    response = api(world.coordinator).get(f"/api/v1/rides/board/?date={rides.day}")
    assert response.status_code == 200, response.content
    body = response.json()
    by_id = {r["id"]: r for r in body["requests"]}
    assert by_id[two_trips.request.pk]["reason"] == \
        "No driver could fit this ride in with the others."
    assert {t["id"] for t in body["trips"]} == {two_trips.trip.pk, two_trips.other_trip.pk}
    for persona in ("caregiver", "driver", "liaison"):
        assert_error(api(world.persona(persona)).get("/api/v1/rides/board/"), 403)
    assert_error(api(world.coordinator).get("/api/v1/rides/board/?date=tuesday"), 400,
                 fields=("date",))


def test_pin_and_unpin(api, world, two_trips: TripSetup):
    client = api(world.coordinator)
    ride = two_trips.request.pk
    response = client.post(f"/api/v1/rides/{ride}/pin/", {"trip_id": two_trips.other_trip.pk},
                           format="json")
    assert response.status_code == 200, response.content
    assert RideRequest.objects.get(pk=ride).pinned_trip_id == two_trips.other_trip.pk
    client.post(f"/api/v1/rides/{ride}/pin/", {"trip_id": None}, format="json")
    assert RideRequest.objects.get(pk=ride).pinned_trip_id is None


def test_pin_errors(api, world, rides, two_trips: TripSetup):
    ride = two_trips.request.pk
    other_day = Trip.objects.create(day=rides.day + dt.timedelta(days=1),
                                    driver=two_trips.trip.driver, vehicle=two_trips.trip.vehicle)
    before = state()
    client = api(world.coordinator)
    cases = [
        (client, {"trip_id": "x"}, ride, 400, ("trip_id",)),
        (client, {}, ride, 400, ("trip_id",)),
        (client, {"trip_id": 99999}, ride, 404, ()),
        (client, {"trip_id": two_trips.trip.pk}, 99999, 404, ()),
        (client, {"trip_id": other_day.pk}, ride, 409, ()),
        (api(world.caregiver), {"trip_id": two_trips.trip.pk}, ride, 403, ()),
        (api(world.driver), {"trip_id": two_trips.trip.pk}, ride, 403, ()),
    ]
    for who, payload, ride_id, status, fields in cases:
        response = who.post(f"/api/v1/rides/{ride_id}/pin/", payload, format="json")
        assert_error(response, status, fields=fields)
    assert state() == before


def test_plan_start_errors(api, world, rides):
    before = state()
    client = api(world.coordinator)
    assert_error(client.post("/api/v1/rides/plan/", {"date": "someday"}, format="json"), 400,
                 fields=("date",))
    assert_error(client.post("/api/v1/rides/plan/", {}, format="json"), 400, fields=("date",))
    assert_error(client.post("/api/v1/rides/plan/", {"date": str(rides.day),
                                                     "facility_id": 99999}, format="json"), 404)
    for persona in ("caregiver", "driver", "liaison"):
        assert_error(api(world.persona(persona)).post(
            "/api/v1/rides/plan/", {"date": str(rides.day)}, format="json"), 403)
    assert state() == before


# --- drivers -----------------------------------------------------------------------------


def test_a_driver_sees_only_her_own_trips_and_first_names(api, two_trips: TripSetup, rides):
    mine = api(two_trips.driver_user).get(f"/api/v1/trips/?date={rides.day}")
    assert mine.status_code == 200, mine.content
    trips = mine.json()
    assert [t["id"] for t in trips] == [two_trips.trip.pk]
    stop = trips[0]["stops"][0]
    assert stop["riders"] == ["Rosa", "Sofia"]
    text = mine.content.decode()
    assert "Lopez" not in text and "W48213" not in text and "Brooks" not in text
    theirs = api(two_trips.other_driver_user).get(f"/api/v1/trips/?date={rides.day}").json()
    assert [t["id"] for t in theirs] == [two_trips.other_trip.pk]
    assert "Rosa" not in str(theirs)


def test_only_drivers_have_trips(api, world, two_trips):
    for persona in ("caregiver", "coordinator", "liaison"):
        assert_error(api(world.persona(persona)).get("/api/v1/trips/"), 403)


@pytest.mark.usefixtures("on_trip_day")
def test_a_driver_marks_her_stops_in_order(api, two_trips: TripSetup):
    client = api(two_trips.driver_user)
    early = client.post(f"/api/v1/stops/{two_trips.dropoff.pk}/status/",
                        {"status": "dropped_off"}, format="json")
    assert_error(early, 409)
    picked = client.post(f"/api/v1/stops/{two_trips.pickup.pk}/status/",
                         {"status": "picked_up"}, format="json")
    assert picked.status_code == 200, picked.content
    assert picked.json()["status"] == "picked_up"
    assert Trip.objects.get(pk=two_trips.trip.pk).status == "under_way"
    dropped = client.post(f"/api/v1/stops/{two_trips.dropoff.pk}/status/",
                          {"status": "dropped_off"}, format="json")
    assert dropped.status_code == 200
    assert Trip.objects.get(pk=two_trips.trip.pk).status == "done"


@pytest.mark.usefixtures("on_trip_day")
def test_stop_status_errors(api, world, two_trips: TripSetup):
    before = state()
    mine, theirs = api(two_trips.driver_user), api(two_trips.other_driver_user)
    url = f"/api/v1/stops/{two_trips.pickup.pk}/status/"
    assert_error(mine.post(url, {"status": "lost"}, format="json"), 400, fields=("status",))
    assert_error(mine.post(url, {}, format="json"), 400, fields=("status",))
    assert_error(mine.post(url, {"status": "dropped_off"}, format="json"), 400,
                 fields=("status",))
    assert_error(theirs.post(url, {"status": "picked_up"}, format="json"), 404)
    assert_error(api(world.caregiver).post(url, {"status": "picked_up"}, format="json"), 403)
    assert_error(mine.post("/api/v1/stops/99999/status/", {"status": "picked_up"},
                           format="json"), 404)
    assert state() == before
    mine.post(url, {"status": "picked_up"}, format="json")
    again = state()
    assert_error(mine.post(url, {"status": "picked_up"}, format="json"), 409)
    assert state() == again


def test_the_family_sees_her_pickup_time_once_planned(api, world, two_trips: TripSetup,
                                                      rides: Rides):
    body = api(world.caregiver).get("/api/v1/rides/").json()
    assert body[0]["status"] == RideStatus.PLANNED
    assert body[0]["outbound_pickup_at"] == two_trips.pickup.planned_at.isoformat()


@pytest.mark.parametrize("days", [-1, 1])
def test_a_driver_marks_stops_only_on_the_trip_day(api, two_trips: TripSetup, rides: Rides,
                                                   days: int):
    """The day before (or after) the trip, at a time that is the trip's day in UTC: refused,
    with the trip's day named, and nothing marked."""
    moment = rides.local(23 if days < 0 else 0, 30) + dt.timedelta(days=days)
    with time_machine.travel(moment, tick=False):
        early = api(two_trips.driver_user).post(
            f"/api/v1/stops/{two_trips.pickup.pk}/status/", {"status": "picked_up"},
            format="json")
    assert_error(early, 409)
    assert early.json()["code"] == "not_trip_day"
    assert Stop.objects.get(pk=two_trips.pickup.pk).status == "planned"
