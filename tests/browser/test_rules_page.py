"""A liaison makes a weekend rule from her phone, checks the preview, saves; a family books it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Demo
from visits.models import Booking, Session, VisitingRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def create_weekend_rule(page: Page, demo: Demo) -> None:
    demo.login(page, "liaison")
    page.get_by_role("link", name="Rules", exact=True).click()
    expect(page.get_by_role("heading", name="Visiting rules")).to_be_visible()
    page.get_by_role("link", name="New rule").click()

    page.get_by_label("Name families will see").fill("Weekend brunch visits")
    page.get_by_label("In-person visit").check()
    page.get_by_label("Saturday").check()
    page.get_by_label("Sunday").check()
    page.get_by_label("Start time 1").fill("10:30")
    page.get_by_label("Length of each visit (minutes)").fill("90")
    page.get_by_label("Places (tables or video stations)").fill("3")
    page.get_by_role("button", name="Show the next sessions").click()

    preview = page.locator("#preview")
    expect(preview).to_contain_text("Every Saturday and Sunday, 10:30 a.m., 1 hour 30 minutes.")
    expect(preview.locator("ul.upcoming li").first).to_contain_text(
        re.compile(r"^(Saturday|Sunday), .+10:30 a\.m\. – noon$"))
    expect(preview).to_contain_text("No booked visit is affected.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    preview.get_by_role("button", name="Save this rule").click()

    expect(page.get_by_text("The rule “Weekend brunch visits” is saved.")).to_be_visible()
    expect(page.locator("section.rule", has_text="Weekend brunch visits")).to_contain_text(
        "Every Saturday and Sunday, 10:30 a.m., 1 hour 30 minutes")


def test_liaison_creates_a_weekend_rule_and_a_family_books_it(browser, page: Page,
                                                              demo: Demo) -> None:
    create_weekend_rule(page, demo)
    rule = VisitingRule.objects.get(name="Weekend brunch visits")
    assert rule.rrule == "FREQ=WEEKLY;BYDAY=SA,SU;BYHOUR=10;BYMINUTE=30"
    assert Session.objects.filter(rule=rule).exists()

    family = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    rosa = family.new_page()
    try:
        demo.login(rosa, "rosa")  # Maria is the only one she visits: "whom" is skipped
        expect(rosa.get_by_role("heading", name=re.compile("see Maria"))).to_be_visible()
        rosa.get_by_role("link", name="In person").click()
        slot = rosa.locator("a.card.slot", has_text="10:30 a.m.").first
        slot.click()
        expect(rosa.get_by_role("heading", name="Who is coming?")).to_be_visible()
        rosa.get_by_role("button", name="Continue").click()
        rosa.get_by_role("button", name="Book this visit").click()
        expect(rosa.get_by_role("heading", name="Visit booked")).to_be_visible()
    finally:
        family.close()

    booking = Booking.objects.get(household__caregiver__username="rosa")
    assert booking.session.rule == rule
