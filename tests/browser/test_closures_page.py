"""A liaison closes two days from her phone; the family whose visit it cancels is told."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo, local_day
from tests.browser.test_booking_page import book_first_session
from visits.models import BookingStatus, Closure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_liaison_closes_two_days_and_the_families_are_told(browser, page: Page,
                                                           demo: Demo) -> None:
    booking = book_first_session(page, demo)  # rosa's visit
    first = local_day(booking.session)

    staff = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    liaison = staff.new_page()
    try:
        demo.login(liaison, "liaison")
        liaison.get_by_role("link", name="Rules", exact=True).click()
        liaison.get_by_role("link", name="Close days (holiday, lockdown)").click()
        expect(liaison.get_by_role("heading", name="Close days")).to_be_visible()
        liaison.get_by_label("First day closed").fill(first.isoformat())
        liaison.get_by_label("Last day closed").fill((first + dt.timedelta(days=1)).isoformat())
        liaison.get_by_label("Reason families will read").select_option("maintenance")
        liaison.get_by_label("Your own words", exact=False).fill("Water main repair")
        liaison.get_by_role("button", name="See what it would cancel").click()

        preview = liaison.locator("#preview")
        expect(preview).to_contain_text("1 booked visit will be cancelled.")
        expect(preview).to_contain_text("1 family will be told.")
        assert liaison.evaluate("document.documentElement.scrollWidth") <= 390
        preview.get_by_role("button", name="Close and tell 1 family").click()

        expect(liaison.get_by_text("Closed. 1 visit was cancelled and its family told.")
               ).to_be_visible()
        expect(liaison.locator("section.card", has_text="Water main repair")).to_be_visible()
    finally:
        staff.close()

    closure = Closure.objects.get()
    assert (closure.ends_on - closure.starts_on).days == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    # Rosa hears it: her visit shows cancelled and the message is in her inbox.
    page.goto(demo.url + "/inbox/")
    expect(page.get_by_text(re.compile(r"Your visit on .+ is cancelled")).first).to_be_visible()
    expect(page.get_by_text("Water main repair").first).to_be_visible()
