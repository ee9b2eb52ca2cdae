"""Back, then "Book" again: she is told she already booked this visit and led to it, with
no second booking and no wall of rule errors."""

from __future__ import annotations

import re

import pytest

from tests import factories as f
from tests.notifications.test_pages import browser_for, messages_on, text
from visits.models import Booking

pytestmark = pytest.mark.django_db


def confirm_url(world) -> str:
    return f"/visit/{world.resident.pk}/{world.session.pk}/"


@pytest.mark.parametrize(("language", "words"), [
    ("en", "You already booked this visit."), ("es", "Ya reservó esta visita.")])
def test_the_booked_visits_page_says_so_and_links_to_it(world, language, words) -> None:
    booking = f.make_booking(world.session, world.resident, world.household)

    page = browser_for(world.caregiver, language).get(confirm_url(world))

    assert words in text(page)
    assert f'href="/bookings/#booking-{booking.pk}"' in page.content.decode()
    html = page.content.decode()
    assert not re.search(r'<button[^>]*type="submit"[^>]*>\s*(Book|Reservar)', html)


def test_booking_again_goes_to_the_visit_she_has(world) -> None:
    booking = f.make_booking(world.session, world.resident, world.household)
    client = browser_for(world.caregiver)

    response = client.post(confirm_url(world), {"visitor_ids": [world.rosa.pk],
                                                "idempotency_key": "a-new-key"})

    assert response["Location"] == f"/bookings/#booking-{booking.pk}"
    assert Booking.objects.filter(session=world.session).count() == 1
    assert messages_on(client.get("/bookings/")) == ["You already booked this visit."]


def test_a_cancelled_booking_does_not_stop_her_booking_again(world) -> None:
    f.make_booking(world.session, world.resident, world.household, status="cancelled")
    client = browser_for(world.caregiver)

    page = client.get(confirm_url(world))

    assert "You already booked this visit." not in text(page)


def test_another_familys_booking_is_not_hers(world) -> None:
    f.make_booking(world.session, world.other_resident, world.other_household)

    page = browser_for(world.caregiver).get(confirm_url(world))

    assert "You already booked this visit." not in text(page)


def test_the_familys_own_cancellation_reads_in_spanish(world) -> None:
    booking = f.make_booking(world.session, world.resident, world.household)
    client = browser_for(world.caregiver, "en")
    client.post(f"/bookings/{booking.pk}/cancel/")  # cancelled in English, no reason given

    booking.refresh_from_db()
    page = text(browser_for(world.caregiver, "es").get("/bookings/"))

    assert booking.status == "cancelled"
    assert "Motivo: Cancelada por la familia" in page and "Cancelled by" not in page
