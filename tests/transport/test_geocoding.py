"""A ride asked for without the phone's location: a ZIP code (typed alone or in the
address) becomes a point through the configured geocoder, offline by default."""

from __future__ import annotations

import pytest

from tests.transport.test_pages import client_for
from transport.geocoding import Point, ZipCentroidGeocoder, geocoder, zip_in
from transport.models import RideRequest

SPRINGFIELD_ZIP = "62701"


@pytest.mark.parametrize(("text", "expected"), [
    ("62701", "62701"), ("12 Oak St, Springfield IL 62701-1234", "62701"),
    ("Apt 12345, Joliet 60435", "60435"), ("Main street", None), ("", None),
    ("1234", None), ("627011", None)])
def test_the_zip_code_is_found_in_what_she_typed(text, expected) -> None:
    assert zip_in(text) == expected


def test_zip_centroids_are_offline_and_near_the_town() -> None:
    point = ZipCentroidGeocoder().locate(SPRINGFIELD_ZIP)
    assert point is not None
    assert 39.6 < point.latitude < 40.0 and -89.9 < point.longitude < -89.4


@pytest.mark.parametrize("text", ["00000", "99999", "no zip here", ""])
def test_an_unknown_zip_code_has_no_point(text) -> None:
    assert ZipCentroidGeocoder().locate(text) is None


def ride_form(**fields: str) -> dict[str, str]:
    return {"pickup_label": "12 Oak St", "adults": "1", "outbound": "1", **fields}


def url_of(booking) -> str:
    return f"/rides/bookings/{booking.pk}/"


@pytest.mark.django_db
def test_a_family_without_location_asks_for_a_ride_by_zip_code(world, rides,
                                                               family_booking) -> None:
    client = client_for(world.caregiver)

    response = client.post(url_of(family_booking), ride_form(pickup_zip=SPRINGFIELD_ZIP))

    assert response.status_code == 302
    ride = RideRequest.objects.get()
    assert 39.6 < ride.pickup_latitude < 40.0
    assert ride.pickup_label == "12 Oak St"  # the driver still reads her address


@pytest.mark.django_db
def test_a_zip_code_in_the_address_is_enough(world, rides, family_booking) -> None:
    client = client_for(world.caregiver)

    client.post(url_of(family_booking), ride_form(pickup_label="12 Oak St, Springfield 62701"))

    assert RideRequest.objects.get().pickup_longitude < -89


@pytest.mark.django_db
@pytest.mark.parametrize(("fields", "box", "message"), [
    ({"pickup_zip": "00000"}, "pickup_zip", "We do not know this ZIP code. Check its five digits."),
    ({}, "pickup_zip", "Give your ZIP code (five digits), or tap “Use my location”."),
    ({"pickup_latitude": "north", "pickup_longitude": "-89.6"}, "pickup_latitude",
     "Tap “Use my location” again, or clear this box and give your ZIP code."),
    ({"adults": "two"}, "adults", "Enter a whole number."),
])
def test_no_place_found_is_said_next_to_the_form_and_nothing_is_saved(
    world, rides, family_booking, fields, box, message
) -> None:
    page = client_for(world.caregiver).post(url_of(family_booking), ride_form(**fields))

    assert page.status_code == 200
    # In the error summary at the top, linking to the box to fix.
    assert f'<a href="#{box}">{message}</a>' in page.content.decode().replace("&#x27;", "'")
    assert f'id="{box}"' in page.content.decode()
    assert not RideRequest.objects.exists()


@pytest.mark.django_db
def test_the_phones_location_wins_over_the_zip_code(world, rides, family_booking) -> None:
    client_for(world.caregiver).post(url_of(family_booking), ride_form(
        pickup_zip=SPRINGFIELD_ZIP, pickup_latitude="41.5", pickup_longitude="-88.1"))

    ride = RideRequest.objects.get()
    assert (ride.pickup_latitude, ride.pickup_longitude) == (41.5, -88.1)


class TownHallGeocoder:
    """A stand-in for a real geocoding service: every address is the town hall."""

    def locate(self, text: str) -> Point | None:
        return Point(latitude=39.8017, longitude=-89.6437) if text else None


@pytest.mark.django_db
def test_a_real_geocoding_service_plugs_in_by_setting(world, rides, family_booking,
                                                      settings) -> None:
    settings.GEOCODER = "tests.transport.test_geocoding.TownHallGeocoder"
    geocoder.cache_clear()
    try:
        client_for(world.caregiver).post(url_of(family_booking),
                                         ride_form(pickup_label="Town hall, Springfield"))
    finally:
        geocoder.cache_clear()

    assert RideRequest.objects.get().pickup_latitude == 39.8017


@pytest.mark.django_db
def test_the_form_offers_the_zip_code_box_in_spanish(world, rides, family_booking) -> None:
    client = client_for(world.caregiver)
    client.cookies["django_language"] = "es"
    html = client.get(url_of(family_booking)).content.decode()
    assert 'id="pickup_zip"' in html and "Código postal" in html
