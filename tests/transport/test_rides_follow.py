"""A ride follows its booking: cancelled, declined or closed, the booking takes its ride
requests and the driver's stops with it, at once, and tells the family, driver and
coordinators."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from notifications.models import Delivery
from tests.transport.conftest import TripSetup
from tests.transport.test_pages import client_for
from transport.models import DriverFeed, RideRequest, RideStatus, Stop
from visits.models import BookingStatus
from visits.services import booking_cancel, session_close

pytestmark = pytest.mark.django_db


def told(user, event_type: str) -> bool:
    return Delivery.objects.filter(user=user, event__type=event_type).exists()


def feed_of(driver_user) -> str:
    client_for(driver_user).get("/rides/driver/")
    token = DriverFeed.objects.get(driver__user=driver_user).token
    return Client().get(f"/rides/calendar/{token}.ics").content.decode()


def test_a_cancelled_visit_takes_its_ride_and_stops_and_tells_everyone(
        world, two_trips: TripSetup) -> None:
    assert "Springfield bus station" in feed_of(two_trips.driver_user)
    booking_cancel(actor=world.caregiver, booking_id=two_trips.request.booking_id,
                   reason="Sick")

    request = RideRequest.objects.get(pk=two_trips.request.pk)
    assert request.status == RideStatus.CANCELLED
    assert not Stop.objects.filter(trip=two_trips.trip).exists()
    assert Stop.objects.filter(trip=two_trips.other_trip).count() == 2  # the other family's
    assert "Springfield bus station" not in feed_of(two_trips.driver_user)
    assert "Springfield" not in client_for(two_trips.driver_user).get(
        "/rides/driver/").content.decode().split("<main", 1)[-1]
    assert told(world.caregiver, "transport.ride.cancelled")
    assert told(two_trips.driver_user, "transport.trip.changed")
    assert told(world.coordinator, "transport.ride.cancelled")
    assert not told(two_trips.other_driver_user, "transport.trip.changed")


def test_a_closed_session_takes_every_ride_of_it(world, two_trips: TripSetup) -> None:
    session_id = two_trips.request.booking.session_id
    session_close(actor=world.liaison, session_id=session_id, reason="Lockdown")
    assert not RideRequest.objects.exclude(status=RideStatus.CANCELLED).exists()
    assert not Stop.objects.exists()
    assert told(two_trips.driver_user, "transport.trip.changed")
    assert told(two_trips.other_driver_user, "transport.trip.changed")


def test_a_rolled_back_cancellation_keeps_the_ride(world, two_trips: TripSetup) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        booking_cancel(actor=world.caregiver, booking_id=two_trips.request.booking_id,
                       reason="Sick")
        raise RuntimeError("the request failed after all")
    assert RideRequest.objects.get(pk=two_trips.request.pk).status == RideStatus.PLANNED
    assert Stop.objects.filter(trip=two_trips.trip).count() == 2
    assert two_trips.request.booking.status == BookingStatus.CONFIRMED
