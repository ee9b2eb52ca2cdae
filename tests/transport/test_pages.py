"""The rides pages: a driver sees only her own stops (first names, places), a coordinator the
whole board, a family asks for a ride from her visits; the drivers' calendar feed."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.transport.conftest import TOWNS, Rides, TripSetup
from transport.models import DriverFeed, RideRequest, Stop

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.usefixtures("on_trip_day")
def test_a_driver_page_shows_only_her_own_stops_with_first_names(two_trips: TripSetup,
                                                                  rides: Rides):
    page = client_for(two_trips.driver_user).get(f"/rides/driver/?date={rides.day}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Rosa, Sofia" in html and "Springfield bus station" in html
    assert "Lopez" not in html and "W48213" not in html
    assert "Linda" not in html and "Champaign bus station" not in html
    assert f'/rides/stops/{two_trips.pickup.pk}/picked_up/' in html
    other = client_for(two_trips.other_driver_user).get(f"/rides/driver/?date={rides.day}")
    assert "Rosa" not in other.content.decode() and "Linda" in other.content.decode()


@pytest.mark.usefixtures("on_trip_day")
def test_a_driver_cannot_mark_another_drivers_stop_from_the_page(two_trips: TripSetup):
    page = client_for(two_trips.other_driver_user).post(
        f"/rides/stops/{two_trips.pickup.pk}/picked_up/", follow=True)
    assert "We could not find that stop." in page.content.decode()
    assert Stop.objects.get(pk=two_trips.pickup.pk).status == "planned"
    mine = client_for(two_trips.driver_user).post(
        f"/rides/stops/{two_trips.pickup.pk}/picked_up/", follow=True)
    assert "Marked picked up." in mine.content.decode()
    assert Stop.objects.get(pk=two_trips.pickup.pk).status == "picked_up"


@pytest.mark.parametrize("persona", ["caregiver", "liaison", "driver"])
def test_the_board_is_for_coordinators(world, persona):
    page = client_for(world.persona(persona)).get("/rides/board/")
    assert page.status_code == 403


def test_the_driver_page_is_for_drivers(world):
    assert client_for(world.coordinator).get("/rides/driver/").status_code == 403
    assert Client().get("/rides/driver/").status_code == 302  # to the login page


def test_the_board_names_each_times_zone(world, two_trips, rides):
    """A board may hold facilities in two zones: each trip's and visit's times say theirs."""
    import re

    html = client_for(world.coordinator).get(f"/rides/board/?date={rides.day}").content.decode()
    trip = html[html.index('id="trip-'):]
    assert re.search(r"Leaves [^<]+, back [^<]+ <span class=\"nowrap\">\(C[SD]T\)</span>", trip)


def test_the_board_shows_unplanned_rides_with_their_reason(world, two_trips, rides):
    RideRequest.objects.filter(pk=two_trips.request.pk).update(
        status="unserved", unserved_reason="no_vehicle_fits")
    html = client_for(world.coordinator).get(f"/rides/board/?date={rides.day}").content.decode()
    assert "No available vehicle has enough seats" in html
    assert "Pin and re-plan" in html
    assert 'id="trip-' in html


def test_a_coordinator_pins_from_the_board_and_a_re_plan_is_queued(world, two_trips, rides):
    page = client_for(world.coordinator).post(
        f"/rides/requests/{two_trips.request.pk}/pin/",
        {"trip_id": two_trips.other_trip.pk, "replan": "1", "date": rides.day.isoformat()})
    assert page.status_code == 302
    assert RideRequest.objects.get(pk=two_trips.request.pk).pinned_trip == two_trips.other_trip
    from transport.models import PlanRun
    assert PlanRun.objects.filter(day=rides.day, status="queued").exists()


def test_my_visits_links_to_asking_for_a_ride(world, family_booking):
    html = client_for(world.caregiver).get("/bookings/").content.decode()
    assert f"/rides/bookings/{family_booking.pk}/" in html


def test_a_caregiver_asks_for_a_ride_with_the_form(world, rides, family_booking):
    lat, lon = TOWNS["Springfield"]
    client = client_for(world.caregiver)
    url = f"/rides/bookings/{family_booking.pk}/"
    bad = client.post(url, {"pickup_label": "", "pickup_latitude": "north",
                            "pickup_longitude": str(lon), "adults": "1", "outbound": "1"})
    assert bad.status_code == 200
    assert "Use my location" in bad.content.decode()
    assert not RideRequest.objects.exists()
    good = client.post(url, {"pickup_label": "12 Oak St", "pickup_latitude": str(lat),
                             "pickup_longitude": str(lon), "adults": "1", "children": "1",
                             "child_seats": "1", "outbound": "1", "return_trip": "1",
                             "earliest_pickup": "08:00"}, follow=True)
    html = good.content.decode()
    assert "We will tell you your pickup time" in html
    ride = RideRequest.objects.get()
    assert ride.earliest_pickup == rides.local(8)
    assert client_for(world.other_caregiver).get(url).status_code == 404


def test_a_video_call_shows_no_ride_form_only_why(world, family_booking):
    """Reached by its address, a video call's ride page says rides are for visits in
    person, instead of a form she could fill in only to be refused."""
    from tests import factories as f
    from visits.models import VisitKind

    video = f.make_booking(f.make_session(f.make_rule(world.facility, kind=VisitKind.VIDEO)),
                           world.resident, world.household, world.family)
    page = client_for(world.caregiver).get(f"/rides/bookings/{video.pk}/").content.decode()
    assert "Rides are for in-person visits that are booked or confirmed." in page
    assert 'class="ride-form"' not in page
    in_person = client_for(world.caregiver).get(f"/rides/bookings/{family_booking.pk}/")
    assert 'class="ride-form"' in in_person.content.decode()


@pytest.mark.parametrize(("field", "value"), [
    ("pickup_latitude", "nan"), ("pickup_longitude", "inf"), ("adults", "²"),
    ("children", "1" * 10_000), ("earliest_pickup", "25:99"),
])
def test_the_ride_form_refuses_strange_numbers_with_a_message(world, rides, family_booking,
                                                               field, value):
    lat, lon = TOWNS["Springfield"]
    form = {"pickup_label": "12 Oak St", "pickup_latitude": str(lat),
            "pickup_longitude": str(lon), "adults": "1", "outbound": "1", field: value}
    page = client_for(world.caregiver).post(f"/rides/bookings/{family_booking.pk}/", form)
    assert page.status_code == 200
    assert not RideRequest.objects.exists()


def test_a_double_tap_on_the_ride_form_makes_one_ride_and_no_error(world, rides, family_booking):
    lat, lon = TOWNS["Springfield"]
    client = client_for(world.caregiver)
    url = f"/rides/bookings/{family_booking.pk}/"
    form = {"pickup_label": "12 Oak St", "pickup_latitude": str(lat),
            "pickup_longitude": str(lon), "adults": "1", "outbound": "1"}

    first = client.post(url, form)
    second = client.post(url, form, follow=True)

    assert first.status_code == 302
    html = second.content.decode()
    assert "You have already asked for a ride for this visit" in html
    assert 'class="error' not in html and "12 Oak St" in html
    assert RideRequest.objects.count() == 1


def test_the_driver_calendar_feed_names_nobody_and_can_be_reset(two_trips, rides):
    client = client_for(two_trips.driver_user)
    client.get("/rides/driver/")
    feed = DriverFeed.objects.get(driver__user=two_trips.driver_user)
    response = Client().get(f"/rides/calendar/{feed.token}.ics")
    assert response.status_code == 200
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body and "Springfield bus station" in body
    assert "1 adult" in body
    assert "Rosa" not in body and "Sofia" not in body and "Lopez" not in body
    client.post("/rides/calendar/reset/")
    assert Client().get(f"/rides/calendar/{feed.token}.ics").status_code == 404
    feed.refresh_from_db()
    assert Client().get(f"/rides/calendar/{feed.token}.ics").status_code == 200


@pytest.mark.usefixtures("on_trip_day")
def test_the_board_and_driver_page_speak_spanish(world, two_trips, rides):
    RideRequest.objects.filter(pk=two_trips.request.pk).update(
        status="unserved", unserved_reason="too_far")
    board = client_for(world.coordinator)
    board.cookies["django_language"] = "es"
    html = board.get(f"/rides/board/?date={rides.day}").content.decode()
    assert "Viajes" in html and "Sin planificar" in html
    assert "El punto de recogida está demasiado lejos" in html
    driver = client_for(two_trips.driver_user)
    driver.cookies["django_language"] = "es"
    html = driver.get(f"/rides/driver/?date={rides.day}").content.decode()
    assert "Mis trayectos" in html and "Recogido" in html


@pytest.mark.usefixtures("on_trip_day")
def test_bad_form_posts_say_what_is_wrong_and_change_nothing(world, two_trips, rides):
    coordinator = client_for(world.coordinator)
    page = coordinator.post(f"/rides/requests/{two_trips.request.pk}/pin/",
                            {"trip_id": "x", "date": rides.day.isoformat()}, follow=True)
    assert "Choose a trip." in page.content.decode()
    assert RideRequest.objects.get(pk=two_trips.request.pk).pinned_trip_id is None
    family = client_for(world.caregiver)
    page = family.post("/rides/board/plan/", {"date": rides.day.isoformat()}, follow=True)
    assert "Only a transport coordinator can do this." in page.content.decode()
    from transport.models import PlanRun
    assert not PlanRun.objects.exists()
    page = client_for(two_trips.driver_user).post(
        f"/rides/stops/{two_trips.dropoff.pk}/dropped_off/", follow=True)
    assert "Mark the pickup first" in page.content.decode()
    assert Stop.objects.get(pk=two_trips.dropoff.pk).status == "planned"


def test_a_stuck_run_does_not_block_the_plan_button_forever(world, rides):
    import datetime as dt

    from django.utils import timezone

    from transport.models import PlanRun

    run = PlanRun.objects.create(day=rides.day, status="running",
                                 started_at=timezone.now())
    html = client_for(world.coordinator).get(f"/rides/board/?date={rides.day}").content.decode()
    assert "disabled" in html.split("Planning…")[0].rsplit("<button", 1)[1]
    PlanRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
    html = client_for(world.coordinator).get(f"/rides/board/?date={rides.day}").content.decode()
    assert "Plan again" in html and "Planning…</button>" not in html


def test_the_board_opens_on_the_next_day_with_rides(world, two_trips, rides):
    """Without a chosen day the coordinator sees the work ahead, not an empty today."""
    page = client_for(world.coordinator).get("/rides/board/")
    assert page.status_code == 200
    assert page.context["day"] == rides.day
    chosen = client_for(world.coordinator).get(f"/rides/board/?date={rides.day.isoformat()}")
    assert chosen.context["day"] == rides.day


def test_before_the_trip_day_the_page_offers_no_buttons_and_says_when(two_trips: TripSetup,
                                                                     rides: Rides):
    for language, says in [
        ("en", "You can mark the stops picked up or dropped off on the day of the trip"),
        ("es", "Podrá marcar las paradas como recogidas o dejadas el día del viaje"),
    ]:
        client = client_for(two_trips.driver_user)
        client.cookies["django_language"] = language
        html = client.get(f"/rides/driver/?date={rides.day}").content.decode()
        assert f"/rides/stops/{two_trips.pickup.pk}/picked_up/" not in html
        assert says in html
    tapped = client_for(two_trips.driver_user).post(
        f"/rides/stops/{two_trips.pickup.pk}/picked_up/", follow=True)
    assert "Stops can only be marked on the day of the trip" in tapped.content.decode()
    assert Stop.objects.get(pk=two_trips.pickup.pk).status == "planned"
