"""A caregiver books from the sign-in page in at most six taps, counted as she makes them,
the check-your-answers step included."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import DEMO_PASSWORD, Demo
from visits.models import Booking

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOST_TAPS = 6


class Taps:
    """Every tap goes through here, so the count is what a person would do."""

    def __init__(self) -> None:
        self.count = 0

    def tap(self, target: Locator) -> None:
        self.count += 1
        target.click()


def test_a_caregiver_books_in_at_most_six_taps_from_sign_in(page: Page, demo: Demo) -> None:
    taps = Taps()
    page.goto(demo.url + "/login/")
    page.get_by_label("User name").fill("rosa")  # typing, not tapping
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    taps.tap(page.get_by_role("button", name="Sign in"))

    expect(page.get_by_role("heading", name="When would you like to see Maria?")).to_be_visible()
    taps.tap(page.locator("a.card").first)  # the first visit in person
    expect(page.get_by_role("heading", name="Who is coming?")).to_be_visible()
    taps.tap(page.get_by_role("button", name="Continue"))  # everyone is ticked already
    expect(page.get_by_role("heading", name="Check your answers before booking")).to_be_visible()
    taps.tap(page.get_by_role("button", name="Book this visit"))

    expect(page.get_by_role("heading", name="Visit booked")).to_be_visible()
    booking = Booking.objects.get(household__caregiver__username="rosa")
    expect(page.get_by_text(booking.reference)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/bookings/{booking.pk}/booked/$"))
    # Sign in, when, who, book: the check-your-answers step is one of the counted taps.
    assert taps.count == 4
    assert taps.count <= MOST_TAPS, f"{taps.count} taps"
