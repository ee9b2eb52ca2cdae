"""A coordinator's week: retried asks make one ride, planning speaks only when a person is
needed, and a pin to a driver holds across re-plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from notifications.delivery import rendered
from notifications.models import Delivery, Event
from notifications.preferences import preference_update
from scheduler.errors import NotPermitted
from tests import factories as f
from tests.transport.checker import check_day
from tests.transport.conftest import DANVILLE, Rides
from tests.transport.test_api import assert_error, ride_payload, state
from transport.models import (
    DriverAvailability,
    PlanRun,
    PlanStatus,
    RideRequest,
    RideStatus,
    Stop,
    Trip,
)
from transport.planner import plan_day
from transport.services import plan_run_execute, plan_runs_resume, ride_request_cancel

pytestmark = pytest.mark.django_db


# --- Idempotency-Key on ride requests ------------------------------------------------------


def _ask(api: Any, user: Any, booking_id: int, key: str | None, **changes: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api(user).post("/api/v1/rides/", ride_payload(booking_id, **changes), format="json",
                          **headers)


def test_a_retried_ride_request_with_the_same_key_makes_one_request(api, world, rides,
                                                                   family_booking):
    first = _ask(api, world.caregiver, family_booking.pk, "tap-7f3a")
    assert first.status_code == 201, first.content
    again = _ask(api, world.caregiver, family_booking.pk, "tap-7f3a")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert RideRequest.objects.filter(booking=family_booking).count() == 1
    told = Delivery.objects.filter(user=world.coordinator, event__type="transport.ride.created")
    assert told.count() == 1  # the retry told nobody anything new
    # Without a key, a second ask still says the visit has its ride, naming it.
    body = assert_error(_ask(api, world.caregiver, family_booking.pk, None), 409, "ride_exists")
    assert body["ride_request_id"] == first.json()["id"]


def test_a_key_used_for_another_visit_or_a_bad_key_is_refused(api, world, rides, family_booking):
    _ask(api, world.caregiver, family_booking.pk, "tap-1")
    other_session = f.make_session(world.rule, starts_at=rides.local(13) + dt.timedelta(days=1),
                                   minutes=120, capacity=10)
    second = f.make_booking(other_session, world.resident, world.household, world.family,
                            status="confirmed")
    before = state()
    assert_error(_ask(api, world.caregiver, second.pk, "tap-1"), 409, "idempotency_key_reused")
    for bad in ("", "   ", "k" * 81):
        assert_error(_ask(api, world.caregiver, second.pk, bad), 400,
                     fields=("Idempotency-Key",))
    # Another household's key is its own: the same words do not return Rosa's ride.
    assert_error(_ask(api, world.other_caregiver, family_booking.pk, "tap-1"), 404)
    assert state() == before


# --- one message per planning outcome that needs a person ----------------------------------


def _plan_messages(user: Any) -> list[Delivery]:
    return list(Delivery.objects.filter(user=user, event__type__startswith="transport.plan.")
                .select_related("event").order_by("pk"))


def test_a_day_with_an_unservable_ride_sends_exactly_one_coordinator_message_naming_it(
        world, rides: Rides, family_booking):
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    rides.add_driver("joe", "Springfield", van)
    rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    far = rides.ride(rides.add_family("Lou"), "Los Angeles")
    run = PlanRun.objects.create(day=rides.day, requested_by=world.coordinator)

    plan_run_execute(run_id=run.pk)

    messages = _plan_messages(world.coordinator)
    assert len(messages) == 1, [m.event.type for m in messages]
    event = messages[0].event
    assert event.type == "transport.plan.unserved" and not event.urgent
    assert "1 ride could not be planned" in event.title
    assert "Lou family" in event.body and "Los Angeles bus station" in event.body
    assert "too far away" in event.body
    assert "Lopez" not in event.body  # the planned ride is not news
    assert event.data["ride_request_ids"] == [far.pk]
    assert not _plan_messages(world.caregiver)  # families hear of their own ride only


def test_the_message_reads_in_each_coordinators_language(world, rides: Rides, family_booking):
    preference_update(user=world.coordinator, language="es")
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    rides.add_driver("joe", "Springfield", van)
    rides.ride(rides.add_family("Lou"), "Los Angeles")
    run = PlanRun.objects.create(day=rides.day, requested_by=world.coordinator)
    plan_run_execute(run_id=run.pk)
    (message,) = _plan_messages(world.coordinator)
    with translation.override("es"):
        reason = translation.gettext(
            "The pickup point is too far away for the longest ride we allow.")
        title, body = rendered(message.event)
    assert reason in body and "too far away" not in body
    assert "Lou family, visita a las" in body
    assert "1 viaje no se pudo planificar" in title  # the verb agrees with one ride
    # Worded when read, not when written: she reads it in English after switching.
    with translation.override("en"):
        title, body = rendered(message.event)
    assert "too far away" in body and "1 ride could not be planned" in title


def test_routine_planning_fills_no_inbox(world, rides: Rides, family_booking):
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    rides.add_driver("joe", "Springfield", van)
    rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    for _ in range(3):
        run = PlanRun.objects.create(day=rides.day, requested_by=world.coordinator)
        plan_run_execute(run_id=run.pk)
        assert PlanRun.objects.get(pk=run.pk).status == PlanStatus.DONE
    assert _plan_messages(world.coordinator) == []


def test_a_failed_run_sends_one_urgent_message(world, rides: Rides):
    dead = PlanRun.objects.create(day=rides.day, status=PlanStatus.RUNNING, attempts=3,
                                  lease_until=rides.local(0) - dt.timedelta(days=30))
    plan_runs_resume()
    assert PlanRun.objects.get(pk=dead.pk).status == PlanStatus.FAILED
    (message,) = _plan_messages(world.coordinator)
    assert message.event.type == "transport.plan.failed" and message.event.urgent
    assert "please plan again" in message.event.body


# --- pins to a driver ----------------------------------------------------------------------


def test_a_pin_to_a_driver_with_no_trip_survives_a_re_plan(api, world, rides: Rides,
                                                          family_booking):
    van, car = rides.add_vehicle("Van", 6, 2), rides.add_vehicle("Wagon", 4, 1)
    rides.add_driver("joe", "Springfield", van)  # next door to the family
    ann = rides.add_driver("ann", "Champaign", car)  # across the county, no trip yet
    lopez = rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    assert not Trip.objects.filter(driver=ann).exists()

    response = api(world.coordinator).post(f"/api/v1/rides/{lopez.pk}/pin/",
                                           {"driver_id": ann.pk}, format="json")
    assert response.status_code == 200, response.content
    for _ in range(2):  # planned, then planned again: the pin holds both times
        plan_day(day=rides.day)
        lopez.refresh_from_db()
        assert lopez.status == RideStatus.PLANNED and lopez.pinned_driver_id == ann.pk
        carriers = set(Stop.objects.filter(request=lopez).values_list("trip__driver", flat=True))
        assert carriers == {ann.pk}
        assert check_day(rides.day) == []
    board = api(world.coordinator).get(f"/api/v1/rides/board/?date={rides.day}").json()
    (row,) = [r for r in board["requests"] if r["id"] == lopez.pk]
    assert row["pinned_driver_id"] == ann.pk


def test_a_pin_to_a_trip_names_its_driver_and_unpinning_clears_both(api, world, two_trips):
    client = api(world.coordinator)
    ride = two_trips.request.pk
    client.post(f"/api/v1/rides/{ride}/pin/", {"trip_id": two_trips.other_trip.pk},
                format="json")
    pinned = RideRequest.objects.get(pk=ride)
    assert pinned.pinned_driver_id == two_trips.other_trip.driver_id
    client.post(f"/api/v1/rides/{ride}/pin/", {"trip_id": None}, format="json")
    pinned.refresh_from_db()
    assert (pinned.pinned_trip_id, pinned.pinned_driver_id) == (None, None)
    ride_request_cancel(actor=world.coordinator, request_id=ride)


def test_driver_pin_errors(api, world, rides: Rides, two_trips):
    ride = two_trips.request.pk
    joe = two_trips.trip.driver
    idle = rides.add_driver("ida", "Clinton", rides.add_vehicle("Mini", 3))
    DriverAvailability.objects.filter(driver=idle).update(
        starts_at=rides.local(8) + dt.timedelta(days=2), ends_at=rides.local(18)
        + dt.timedelta(days=2))
    before = state()
    client = api(world.coordinator)
    cases = [
        (client, {"driver_id": "x"}, ride, 400, ("driver_id",)),
        (client, {"driver_id": joe.pk, "trip_id": two_trips.trip.pk}, ride, 400,
         ("driver_id",)),
        (client, {"driver_id": 99999}, ride, 404, ()),
        (client, {"driver_id": idle.pk}, ride, 409, ()),  # not free that day
        (client, {"driver_id": joe.pk}, 99999, 404, ()),
        (api(world.caregiver), {"driver_id": joe.pk}, ride, 403, ()),
        (api(world.driver), {"driver_id": joe.pk}, ride, 403, ()),
        (api(world.liaison), {"driver_id": joe.pk}, ride, 403, ()),
        (api(world.other_liaison), {"driver_id": joe.pk}, ride, 403, ()),
    ]
    for who, payload, ride_id, status, fields in cases:
        response = who.post(f"/api/v1/rides/{ride_id}/pin/", payload, format="json")
        assert_error(response, status, fields=fields)
    Trip.objects.filter(pk=two_trips.trip.pk).update(status="under_way")
    assert_error(client.post(f"/api/v1/rides/{ride}/pin/", {"driver_id": joe.pk},
                             format="json"), 409)
    assert RideRequest.objects.get(pk=ride).pinned_driver_id is None
    assert Event.objects.count() == before["events"]


# --- several facilities, shared drivers ----------------------------------------------------


def shared_driver_day(rides: Rides) -> tuple[Any, RideRequest, RideRequest, int]:
    """Joe, from Champaign, is the only driver: a Danville family's 9:00 visit, then a
    Lakeview family's 13:00 one, both from Champaign, one way each."""
    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    joe = rides.add_driver("joe", "Champaign", van)
    danville = rides.add_facility("Danville Correctional Center", DANVILLE, hour=9)
    east = rides.ride(rides.add_family_at("Ines", danville), "Champaign", return_trip=False)
    west = rides.ride(rides.add_family("Lou"), "Champaign", return_trip=False)
    return joe, east, west, danville.facility_id


def assert_both_on_one_trip(rides: Rides, joe: Any, *requests: RideRequest) -> None:
    for request in requests:
        request.refresh_from_db()
        assert request.status == RideStatus.PLANNED, (request.pk, request.unserved_reason)
    (trip,) = Trip.objects.filter(day=rides.day)
    assert trip.driver == joe
    facilities = {s.label for s in trip.stops.filter(kind="dropoff")}
    assert facilities == {"Danville Correctional Center", rides.world.facility.name}
    assert check_day(rides.day) == []


def test_one_run_plans_every_facility_with_shared_drivers(world, rides: Rides):
    joe, east, west, _danville = shared_driver_day(rides)
    plan_day(day=rides.day)
    assert_both_on_one_trip(rides, joe, east, west)


def test_re_planning_one_facility_keeps_the_other_facilitys_rides_on_the_shared_driver(
        world, rides: Rides):
    joe, east, west, danville = shared_driver_day(rides)
    plan_day(day=rides.day, facility_id=danville)
    east.refresh_from_db()
    assert east.status == RideStatus.PLANNED
    west.refresh_from_db()
    assert west.status == RideStatus.OPEN  # Lakeview's part is not this run's
    told = sorted(Stop.objects.filter(request=east).values_list("kind", "planned_at"))
    plan_day(day=rides.day, facility_id=world.facility.pk)  # Joe is shared, not taken
    assert_both_on_one_trip(rides, joe, east, west)
    # The Danville family keeps the pickup time it was told.
    assert sorted(Stop.objects.filter(request=east).values_list("kind", "planned_at")) == told
    plan_day(day=rides.day, facility_id=danville)  # and again: the rest stays
    assert_both_on_one_trip(rides, joe, east, west)


# --- the week on the board -----------------------------------------------------------------


def test_the_week_shows_each_days_state(world, rides: Rides, family_booking):
    from django.test import Client

    from transport.selectors import week_for

    van = rides.add_vehicle("Van", seats=6, child_seats=2)
    rides.add_driver("joe", "Springfield", van)
    rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    rides.ride(rides.add_family("Lou"), "Los Angeles")  # too far: needs the coordinator
    plan_day(day=rides.day)
    next_day = f.make_session(world.rule, starts_at=rides.local(13) + dt.timedelta(days=1),
                              minutes=120, capacity=10)
    rides.ride(rides.add_family("Bo", session=next_day), "Clinton")  # asked, not planned yet

    week = {d.day: d for d in week_for(user=world.coordinator, day=rides.day)}
    assert len(week) == 7 and min(week).weekday() == 0  # Monday to Sunday
    today = week[rides.day]
    assert (today.state, today.asked, today.planned, today.unserved, today.trips) == (
        "attention", 2, 1, 1, 1)
    tomorrow = rides.day + dt.timedelta(days=1)
    if tomorrow in week:  # the fixture's day may be a Sunday
        assert (week[tomorrow].state, week[tomorrow].waiting) == ("to_plan", 1)
    quiet = [d for d in week.values() if d.day not in (rides.day, tomorrow)]
    assert all(d.state == "quiet" and d.asked == 0 for d in quiet)

    page = Client()
    page.force_login(world.coordinator)
    html = page.get(f"/rides/board/?date={rides.day}").content.decode()
    assert html.count('class="wday') == 7
    assert f'id="day-{rides.day}"' in html and "1 not planned" in html
    for persona in ("caregiver", "driver", "liaison", "other_liaison"):
        with pytest.raises(NotPermitted):
            week_for(user=world.persona(persona), day=rides.day)


# --- a ride seat paid by the travel fund ---------------------------------------------------


def test_a_ride_seat_links_the_ride_and_trip_and_both_pages_show_each_other(api, world, rides,
                                                                           two_trips):
    from django.test import Client

    from tests.fund.helpers import donate

    donate(5000)
    response = api(world.coordinator).post("/api/v1/fund/subsidies/", {
        "booking": two_trips.request.booking_id, "kind": "ride_seat", "amount_cents": 1200,
        "leg": "outbound"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ride_request"] == two_trips.request.pk and body["leg"] == "outbound"
    assert body["trips"] == [{"leg": "outbound", "trip_id": two_trips.trip.pk,
                              "day": rides.day.isoformat()}]
    page = Client()
    page.force_login(world.coordinator)
    report = page.get("/fund/subsidies/").content.decode()
    assert f"#trip-{two_trips.trip.pk}" in report and "To the visit: Joe's trip" in report
    board = page.get(f"/rides/board/?date={rides.day}").content.decode()
    subsidy_id = body["id"]
    assert f"/fund/subsidies/#subsidy-{subsidy_id}" in board
    assert "The travel fund pays this ride's seat: 12.00 USD" in board


def test_a_ride_seat_needs_a_planned_ride_of_that_visit(api, world, rides, two_trips):
    from tests.fund.helpers import donate
    from transport.fund.models import Subsidy

    donate(5000)
    client = api(world.coordinator)
    no_ride = rides.add_family("Cy")
    waiting = rides.ride(rides.add_family("Di"), "Clinton")
    home_only = two_trips.request.booking_id  # Joe's trip carries the Lopez family there only
    before = state()
    cases = [
        ({"booking": no_ride.pk}, 409, ()),
        ({"booking": waiting.booking_id}, 409, ()),
        ({"booking": home_only, "leg": "return"}, 409, ()),
        ({"booking": home_only, "leg": "sideways"}, 400, ("leg",)),
    ]
    for payload, status, fields in cases:
        response = client.post("/api/v1/fund/subsidies/", {
            "kind": "ride_seat", "amount_cents": 1200, **payload}, format="json")
        assert_error(response, status, fields=fields)
    for persona in ("caregiver", "driver", "liaison", "other_liaison"):
        assert_error(api(world.persona(persona)).post("/api/v1/fund/subsidies/", {
            "booking": home_only, "kind": "ride_seat", "amount_cents": 1200}, format="json"), 403)
    assert not Subsidy.objects.exists() and state() == before


def test_the_board_pins_a_ride_to_a_driver_without_a_trip(world, rides: Rides, family_booking):
    from django.test import Client

    van, car = rides.add_vehicle("Van", 6, 2), rides.add_vehicle("Wagon", 4, 1)
    rides.add_driver("joe", "Springfield", van)
    ann = rides.add_driver("ann", "Champaign", car)
    lopez = rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    page = Client()
    page.force_login(world.coordinator)
    html = page.get(f"/rides/board/?date={rides.day}").content.decode()
    assert f'value="driver-{ann.pk}"' in html and "Ann (no trip yet)" in html
    response = page.post(f"/rides/requests/{lopez.pk}/pin/", {
        "date": rides.day.isoformat(), "trip_id": f"driver-{ann.pk}"})
    assert response.status_code == 302
    lopez.refresh_from_db()
    assert (lopez.pinned_driver_id, lopez.pinned_trip_id) == (ann.pk, None)
    html = page.get(f"/rides/board/?date={rides.day}").content.decode()
    assert f'<option value="driver-{ann.pk}" selected>' in html
    for nonsense in ("driver-x", "driver-", "trip-3"):
        page.post(f"/rides/requests/{lopez.pk}/pin/", {"date": rides.day.isoformat(),
                                                       "trip_id": nonsense})
        lopez.refresh_from_db()
        assert lopez.pinned_driver_id == ann.pk  # refused with a message, nothing changed
