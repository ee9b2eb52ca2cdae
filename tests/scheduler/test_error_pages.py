"""Our own pages where Django would show its bare English ones: unknown addresses, a page
left open too long (CSRF), a button pressed after being signed out, a button's address
opened as a page, a server error. Each is translated, phone-sized and leads somewhere."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from scheduler.unavailable import server_error
from tests import factories as f
from tests.notifications.test_pages import browser_for, messages_on, text
from visits.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db

PAGE = "http://testserver"


def is_phone_page(response) -> bool:
    return 'name="viewport" content="width=device-width' in response.content.decode()


@pytest.mark.parametrize(("language", "words"), [
    ("en", "We cannot find that page"), ("es", "No encontramos esa página")])
def test_an_unknown_address_is_our_own_page_in_her_language(world, language, words) -> None:
    client = browser_for(world.caregiver, language)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert words in text(response) and is_phone_page(response)
    assert 'href="/"' in response.content.decode()


def test_an_unknown_address_signed_out_is_our_page_too(db) -> None:
    response = Client().get("/visit/abc/")
    assert response.status_code == 404 and "We cannot find that page" in text(response)


def test_an_unknown_api_address_still_answers_json(db) -> None:
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def booked(world) -> Booking:
    return f.make_booking(world.session, world.resident, world.household)


def strict_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_page_open_too_long_comes_back_with_nothing_done(world) -> None:
    booking = booked(world)
    client = strict_client(world.caregiver)

    response = client.post(f"/bookings/{booking.pk}/cancel/", {"csrfmiddlewaretoken": "stale"},
                           HTTP_REFERER=f"{PAGE}/bookings/")

    assert (response.status_code, response["Location"]) == (302, "/bookings/")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED
    again = client.get("/bookings/")
    assert any("open too long" in m for m in messages_on(again))


def test_a_page_open_too_long_in_spanish(world) -> None:
    booking = booked(world)
    client = strict_client(world.caregiver)
    client.cookies["django_language"] = "es"

    client.post(f"/bookings/{booking.pk}/cancel/", HTTP_REFERER=f"{PAGE}/bookings/")

    assert any("demasiado tiempo" in m for m in messages_on(client.get("/bookings/")))


def test_a_refused_csrf_check_from_elsewhere_is_a_403_page_not_a_redirect(world) -> None:
    booking = booked(world)
    client = strict_client(world.caregiver)

    response = client.post(f"/bookings/{booking.pk}/cancel/",
                           HTTP_REFERER="https://evil.example/bookings/")

    assert response.status_code == 403
    assert "Your page was open too long" in text(response) and is_phone_page(response)


def test_signing_in_from_a_second_tab_lands_signed_in_not_forbidden(world) -> None:
    client = strict_client(world.caregiver)  # signed in from the other tab meanwhile

    response = client.post("/login/", {"login": "rosa", "password": "x"}, follow=True,
                           HTTP_REFERER=f"{PAGE}/login/?next=/")

    assert response.status_code == 200
    assert "You are already signed in." in messages_on(response)


def test_a_button_pressed_after_signing_out_asks_to_sign_in_then_returns_to_the_page(
    world
) -> None:
    booking = booked(world)
    world.caregiver.set_password("a-long-password-1")
    world.caregiver.save()
    client = Client()  # signed out meanwhile: the page's button is stale

    response = client.post(f"/bookings/{booking.pk}/cancel/", HTTP_REFERER=f"{PAGE}/bookings/")

    assert response["Location"] == "/login/?next=/bookings/"
    signed_in = client.post(response["Location"], {"login": "rosa",
                                                   "password": "a-long-password-1"})
    assert signed_in["Location"] == "/bookings/"
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED  # nothing done behind her back


def test_a_buttons_address_opened_as_a_page_is_our_own_405(world) -> None:
    booking = booked(world)

    response = browser_for(world.caregiver, "es").get(f"/bookings/{booking.pk}/cancel/")

    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "botón" in text(response) and is_phone_page(response)


def test_a_server_error_is_a_translated_phone_page() -> None:
    request = RequestFactory().get("/bookings/")
    with translation.override("es"):
        response = server_error(request)

    assert response.status_code == 500
    assert "Algo salió mal" in response.content.decode()
    assert is_phone_page(response)
