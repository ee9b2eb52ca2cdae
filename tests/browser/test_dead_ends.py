"""The dead ends a family met, walked in a phone-sized Chromium: each now leads on.

Second-tab sign-in, a stale "cancel" after signing in again elsewhere, an unknown address,
going Back and pressing "Book" again; and the device's own time zone, taken for a person
who never chose one."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from notifications.models import Preference
from tests import factories as f
from tests.browser.conftest import DEMO_PASSWORD, Demo
from tests.browser.test_booking_page import book_first_session
from transport.models import RideRequest
from visits.models import (
    Booking,
    BookingStatus,
    Household,
    Resident,
    Session,
    SessionStatus,
    VisitKind,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_360 = {"width": 360, "height": 740}
SHOTS = str(Path(tempfile.gettempdir()) / "dead-end-{}.png")  # looked at, not kept


def no_sideways_scroll(page: Page) -> bool:
    width = page.viewport_size["width"] if page.viewport_size else PHONE_360["width"]
    return page.evaluate("document.documentElement.scrollWidth") <= width


def fill_sign_in(page: Page, username: str) -> None:
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_signing_in_on_a_second_tab_then_the_first_lands_signed_in(
    browser: Browser, demo: Demo
) -> None:
    context = browser.new_context(viewport=PHONE_360, locale="en-US")
    first, second = context.new_page(), context.new_page()
    first.goto(demo.url + "/login/")
    second.goto(demo.url + "/login/")
    fill_sign_in(second, "rosa")
    expect(second.get_by_role("heading", name="When would you like to see Maria?")).to_be_visible()

    fill_sign_in(first, "rosa")  # its form's token turned over when the other tab signed in

    expect(first.get_by_text("You are already signed in.")).to_be_visible()
    expect(first.get_by_text("Forbidden")).to_have_count(0)
    assert no_sideways_scroll(first)
    context.close()


def test_a_stale_cancel_after_signing_in_again_comes_back_and_then_cancels(
    browser: Browser, page: Page, demo: Demo
) -> None:
    booking = book_first_session(page, demo)
    other_tab = page.context.new_page()  # she signs out and in again on another tab
    other_tab.goto(demo.url + "/bookings/")
    other_tab.get_by_role("button", name="Sign out").click()
    fill_sign_in(other_tab, "rosa")

    card = page.locator(f"#booking-{booking.pk}")
    card.get_by_text("Cancel this visit", exact=True).click()
    card.get_by_role("button", name="Yes, cancel this visit").click()

    expect(page).to_have_url(re.compile(r"/bookings/$"))
    expect(page.get_by_text(re.compile("Your page was open too long"))).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED  # nothing done on a stale page

    card.get_by_text("Cancel this visit", exact=True).click()
    card.get_by_role("button", name="Yes, cancel this visit").click()
    expect(page.get_by_text("Your visit is cancelled.")).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_a_cancel_pressed_after_being_signed_out_asks_to_sign_in_and_returns(
    page: Page, demo: Demo
) -> None:
    booking = book_first_session(page, demo)
    page.context.clear_cookies()  # her session ran out while the page stayed open

    card = page.locator(f"#booking-{booking.pk}")
    card.get_by_text("Cancel this visit", exact=True).click()
    card.get_by_role("button", name="Yes, cancel this visit").click()
    fill_sign_in(page, "rosa")

    expect(page).to_have_url(re.compile(r"/bookings/$"))  # her page, not "HTTP ERROR 405"
    expect(page.locator(f"#booking-{booking.pk}")).to_contain_text("Cancel this visit")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED


@pytest.mark.parametrize(("locale", "words"), [
    ("en-US", "We cannot find that page"), ("es-US", "No encontramos esa página")])
def test_an_unknown_address_is_a_translated_phone_page(
    browser: Browser, demo: Demo, locale: str, words: str
) -> None:
    context = browser.new_context(viewport=PHONE_360, locale=locale)
    page = context.new_page()

    response = page.goto(demo.url + "/visits/nowhere/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name=words)).to_be_visible()
    assert no_sideways_scroll(page)
    context.close()


def test_back_and_book_again_says_already_booked_and_links_to_it(
    page: Page, demo: Demo
) -> None:
    booking = book_first_session(page, demo, then_my_visits=False)

    page.go_back()  # from the confirmation to the check-your-answers step
    book = page.get_by_role("button", name="Book this visit")
    if book.count():  # the browser showed its kept copy of the form
        book.click()

    expect(page.get_by_text("You already booked this visit.")).to_be_visible()
    assert Booking.objects.filter(session_id=booking.session_id).count() == 1
    if "/bookings/" not in page.url:
        page.get_by_role("link", name=re.compile("See this visit")).click()
    expect(page).to_have_url(re.compile(rf"/bookings/#booking-{booking.pk}$"))


def test_a_person_who_never_chose_a_zone_gets_her_phones(browser: Browser, demo: Demo) -> None:
    context = browser.new_context(viewport=PHONE_360, locale="en-US",
                                  timezone_id="America/Denver")
    page = context.new_page()
    demo.login(page, "linda")
    page.goto(demo.url + "/inbox/")

    pref = Preference.objects.get(user__username="linda")
    assert (pref.time_zone, pref.time_zone_chosen) == ("America/Denver", False)
    context.close()


def in_person_booking_of_rosa() -> Booking:
    session = Session.objects.filter(kind=VisitKind.IN_PERSON, status=SessionStatus.OPEN,
                                     starts_at__gt=timezone.now()).order_by("starts_at").first()
    household = Household.objects.get(caregiver__username="rosa")
    return f.make_booking(session, Resident.objects.get(prison_id="W48213"), household,
                          status=BookingStatus.CONFIRMED)


def test_a_ride_asked_for_by_zip_code_with_location_refused(page: Page, demo: Demo) -> None:
    booking = in_person_booking_of_rosa()
    demo.login(page, "rosa")
    # She says no when the phone asks to share her location (headless Chromium never asks).
    page.add_init_script("navigator.geolocation.getCurrentPosition = function (ok, fail) {"
                         " fail({code: 1, message: 'User denied Geolocation'}); };")
    page.goto(f"{demo.url}/rides/bookings/{booking.pk}/")

    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_text(re.compile("We could not get your location"))).to_be_visible()
    page.get_by_label("Where do we pick you up?").fill("Springfield Amtrak station")
    page.get_by_label("ZIP code of the pickup place").fill("62701")
    page.screenshot(path=SHOTS.format("ride-zip"), full_page=True)
    page.get_by_role("button", name="Ask for a ride").click()

    expect(page.get_by_text(re.compile("^Thank you. We will tell you"))).to_be_visible()
    ride = RideRequest.objects.get(booking=booking)
    assert 39.6 < ride.pickup_latitude < 40.0
    assert no_sideways_scroll(page)
