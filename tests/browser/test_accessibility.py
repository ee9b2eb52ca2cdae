"""Every page of every person's menu, in English and Spanish, on a 360 px phone: axe-core
(vendored, WCAG 2.1 A/AA) finds nothing, nothing scrolls sideways, and no known English
words are left on a Spanish page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import DEMO_PASSWORD, Demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
PHONE_360 = {"width": 360, "height": 740}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PERSONAS = ["rosa", "liaison", "coordinator", "driver"]
# Words of the English pages that must never show on a Spanish one: the menu, the buttons
# and the messages people met in English (issue 15). Whole words, matched in visible text.
KNOWN_ENGLISH = [
    "Sign out", "My visits", "Messages", "Settings", "Book a visit", "My requests",
    "Roster", "Previous day", "Next day", "Back to today", "Cancel this visit", "Confirmed",
    "Requested", "Cancelled by the family", "rides planned", "drivers", "trips",
    "No rides on this day", "Mark as read", "Skip to the page's content", "Your ride",
    "Your visit", "facility time", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "January", "February", "March", "April", "June", "July", "August",
    "September", "October", "November", "December", "a.m.", "p.m.",
]


def sign_in(page: Page, demo: Demo, username: str) -> None:
    page.goto(demo.url + "/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def menu_pages(page: Page) -> list[str]:
    links = page.locator("nav[aria-label] a[href^='/']")
    return sorted({links.nth(i).get_attribute("href") or "" for i in range(links.count())})


def axe_violations(page: Page) -> list[str]:
    page.evaluate(AXE)
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))",
        WCAG_21_AA)
    return list(found)


def english_on(page: Page) -> list[str]:
    visible = page.locator("body").inner_text()
    return [words for words in KNOWN_ENGLISH if words in visible]


def page_problems(page: Page, language: str) -> list[str]:
    found = axe_violations(page)
    if page.evaluate("document.documentElement.scrollWidth") > PHONE_360["width"]:
        found.append("scrolls sideways")
    if language == "es":
        found += [f"English: {words}" for words in english_on(page)]
    return found


def walk(browser: Browser, demo: Demo, username: str, language: str) -> dict[str, list[str]]:
    context = browser.new_context(viewport=PHONE_360, locale=f"{language}-US",
                                  timezone_id="America/Chicago")
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    try:
        context.add_cookies([{"name": "django_language", "value": language, "url": demo.url}])
        sign_in(page, demo, username)
        pages = menu_pages(page)
        assert len(pages) >= 3, pages  # the walk really went through a menu
        for path in pages:
            page.goto(demo.url + path)
            if found := page_problems(page, language):
                problems[path] = found
    finally:
        context.close()
    return problems


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("username", PERSONAS)
def test_every_menu_page_is_accessible_fits_and_speaks_the_language(
    browser: Browser, demo: Demo, username: str, language: str
) -> None:
    assert walk(browser, demo, username, language) == {}


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_pages_before_signing_in_the_footer_pages_and_the_error_pages(
    browser: Browser, demo: Demo, language: str
) -> None:
    context = browser.new_context(viewport=PHONE_360, locale=f"{language}-US")
    context.add_cookies([{"name": "django_language", "value": language, "url": demo.url}])
    page = context.new_page()
    problems = {}
    try:
        for path in ["/login/", "/no-such-page/", "/accessibility/", "/privacy/", "/contact/"]:
            page.goto(demo.url + path)
            if found := page_problems(page, language):
                problems[path] = found
    finally:
        context.close()
    assert problems == {}


# Staff pages reached from the roster and the board rather than the main menu (issue 14).
STAFF_PAGES = {
    "facilityadmin": ["/roster/staff/", "/roster/residents/"],
    "programadmin": ["/rides/staff/", "/rides/vehicles/", "/rides/drivers/", "/rides/points/"],
    "driver": ["/rides/availability/"],
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("username", sorted(STAFF_PAGES))
def test_the_staff_pages_are_accessible_fit_and_speak_the_language(
    browser: Browser, demo: Demo, username: str, language: str
) -> None:
    context = browser.new_context(viewport=PHONE_360, locale=f"{language}-US",
                                  timezone_id="America/Chicago")
    context.add_cookies([{"name": "django_language", "value": language, "url": demo.url}])
    page = context.new_page()
    problems = {}
    try:
        sign_in(page, demo, username)
        for path in STAFF_PAGES[username]:
            page.goto(demo.url + path)
            assert page.locator("h1").count() == 1, path  # the page itself, not an error
            if found := page_problems(page, language):
                problems[path] = found
    finally:
        context.close()
    assert problems == {}
