"""Every page reachable from each person's menu (the menu's pages and one page of each kind
they link to), in English and Spanish, on a 360 px phone: axe-core (vendored, WCAG 2.1
A/AA) finds nothing, nothing scrolls sideways, no English string of our own catalogues (nor
a known English word) is left on a Spanish page, and every time is in the expected zone."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import zoneinfo
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.formats import date_format, time_format
from playwright.sync_api import Browser, Page

from notifications.models import Delivery, Preference
from tests.browser.conftest import DEMO_PASSWORD, Demo
from tests.browser.test_screenshots import seed_bookings
from visits.models import Booking, Session

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


REPO = Path(__file__).resolve().parents[2]


@cache
def catalogue_english() -> tuple[str, ...]:
    """The English strings of our own catalogues that Spanish pages must not show: each one
    with a Spanish translation that differs, of two words or more (a single word such as
    "Video" or "Total" is Spanish too), without placeholders or markup (those are filled in,
    so never shown as written)."""
    found = set()
    for mo in REPO.glob("**/locale/es/LC_MESSAGES/django.mo"):
        if ".venv" in mo.parts:
            continue
        with mo.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog
        for msgid, msgstr in catalogue.items():
            if not isinstance(msgid, str) or not msgid or msgid == msgstr:
                continue
            if any(mark in msgid for mark in ("%", "{", "<", "\x04")) or len(msgid.split()) < 2:
                continue
            found.add(" ".join(msgid.split()))
    return tuple(sorted(found))


def english_on(page: Page) -> list[str]:
    """The English strings on the page: our catalogue's (whole phrases) and the known words
    of Django's date formats and of the messages people met in English."""
    visible = " ".join(page.locator("body").inner_text().split())
    phrases = [words for words in catalogue_english()
               if re.search(rf"(?<!\w){re.escape(words)}(?!\w)", visible)]
    known = [words for words in KNOWN_ENGLISH
             if re.search(rf"(?<!\w){re.escape(words)}(?!\w)", visible)]
    return sorted(set(phrases + known))


def test_the_catalogue_check_knows_enough_english() -> None:
    """The check cannot pass by having nothing to look for."""
    strings = catalogue_english()
    assert len(strings) > 300
    assert {"Book a visit", "Check your answers before booking", "What happens next"} <= set(
        strings)


def test_the_check_finds_english_left_on_a_spanish_page(page: Page) -> None:
    page.set_content("<main><h1>Reservar</h1><p>Check your answers before booking</p>"
                     "<p>Sábado 5 de diciembre, 1 p.m.</p><p>Bookings</p></main>")
    found = english_on(page)
    assert "Check your answers before booking" in found and "p.m." in found
    assert "Book" not in found  # whole phrases only: "Bookings" is not "Book"


def page_problems(page: Page, language: str) -> list[str]:
    found = axe_violations(page)
    if page.evaluate("document.documentElement.scrollWidth") > PHONE_360["width"]:
        found.append("scrolls sideways")
    if language == "es":
        found += [f"English: {words}" for words in english_on(page)]
    return found


# Links that are no page to read: files, calendar feeds, the admin, signing out.
NOT_A_PAGE = re.compile(r"\.(ics|csv|pdf|zip|json)$|^/(calendar|admin|media|api|accounts/logout"
                        r"|logout|my-data/download)|/documents/")


def kind_of(path: str) -> str:
    """Pages of one kind share a shape: /visit/12/34/ and /visit/12/56/ are one kind."""
    return re.sub(r"\d+", "N", urlsplit(path).path)


def links_on(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href^='/'], nav[aria-label] a[href^='/']",
                                      "els => els.map(e => e.getAttribute('href'))")
    return [h.split("#")[0] for h in hrefs if h and not NOT_A_PAGE.search(urlsplit(h).path)]


def reachable(page: Page, demo: Demo, start: list[str], depth: int = 2) -> list[str]:
    """The menu's pages, then one page of each further kind they link to, and so on for
    `depth` taps from the menu."""
    seen_kinds = {kind_of(path) for path in start}
    pages, layer = list(start), list(start)
    for _tap in range(depth):
        found = []
        for path in layer:
            page.goto(demo.url + path)
            for link in links_on(page):
                if kind_of(link) not in seen_kinds:
                    seen_kinds.add(kind_of(link))
                    found.append(link)
        pages += found
        layer = found
    return pages


def family_steps(username: str) -> list[str]:
    """The booking steps reached through forms, not links: who is coming for another
    session, and the confirmation of one of her visits ("check your answers" is reached by
    sending the form: `check_step`)."""
    booking = Booking.objects.filter(household__caregiver__username=username).first()
    if booking is None:
        return []
    steps = [f"/bookings/{booking.pk}/booked/"]
    if session := _another_session(booking):
        steps.append(f"/visit/{booking.resident_id}/{session.pk}/")
    return steps


def _another_session(booking: Booking) -> Session | None:
    return Session.objects.filter(facility=booking.session.facility, status="open",
                                  kind="in_person").exclude(pk=booking.session_id).last()


def check_step(page: Page, demo: Demo, username: str) -> str | None:
    """Send "who is coming" as she would (her answers go by POST, never in the address) and
    land on "check your answers"; its address, or None if she has no visit to start from."""
    booking = Booking.objects.filter(household__caregiver__username=username).first()
    session = _another_session(booking) if booking else None
    if session is None:
        return None
    page.goto(f"{demo.url}/visit/{booking.resident_id}/{session.pk}/")
    wanted = {str(v.pk) for v in booking.visitors.all()}
    for box in page.locator("input[name=visitor_ids]").all():
        box.set_checked(box.get_attribute("value") in wanted)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    return page.url.removeprefix(demo.url)


def walk(browser: Browser, demo: Demo, username: str, language: str) -> dict[str, list[str]]:
    context = browser.new_context(viewport=PHONE_360, locale=f"{language}-US",
                                  timezone_id="America/Chicago")
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    seed_bookings()  # visits on the roster, in "My visits" and in the inbox
    try:
        context.add_cookies([{"name": "django_language", "value": language, "url": demo.url}])
        sign_in(page, demo, username)
        menu = menu_pages(page)
        assert len(menu) >= 3, menu  # the walk really went through a menu
        pages = reachable(page, demo, menu) + family_steps(username)
        if username in {"rosa", "liaison"}:  # their menus lead further
            assert len(pages) > len(menu) + 3, pages
        for path in pages:
            page.goto(demo.url + path)
            if found := page_problems(page, language):
                problems[path] = found
        if (checked := check_step(page, demo, username)) and (
                found := page_problems(page, language)):
            problems[checked] = found
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


READER_ZONE = "America/Los_Angeles"  # the zone Rosa chose; her facility is in Chicago
DEVICE_ZONE = "America/New_York"  # and her phone says yet another: her choice wins
ZONE_NAME = re.compile(r"\b(UTC|GMT|[ECMP][SD]T)\b")


def zone_names(zone: str, moments: list[dt.datetime]) -> set[str]:
    tz = zoneinfo.ZoneInfo(zone)
    return {m.astimezone(tz).strftime("%Z") for m in moments}


def card_text(page: Page, selector: str) -> str:
    return " ".join(page.locator(selector).first.inner_text().split())


def text_without_menus(page: Page) -> str:
    """The page's text without the options of its drop-down lists (the settings page lists
    every time zone to choose from: names, not times)."""
    return page.evaluate("""() => { const copy = document.body.cloneNode(true);
        copy.querySelectorAll('select').forEach(s => s.remove()); return copy.innerText; }""")


def check_facility_times(page: Page, demo: Demo, booking: Booking, language: str) -> None:
    """The visit's time in "My visits" and each time on the sessions page: the facility's
    clock, named with the facility's zone."""
    tz = booking.session.facility.tz
    page.goto(demo.url + "/bookings/")
    local = booking.session.starts_at.astimezone(tz)
    with translation.override(language):
        expected = [time_format(local, "TIME_FORMAT"), date_format(local, "T")]
    shown = card_text(page, f"#booking-{booking.pk}")
    assert all(part in shown for part in expected), (expected, shown)

    page.goto(f"{demo.url}/visit/{booking.resident_id}/")
    cards = page.locator("a.card.slot[href^='/visit/']")
    for i in range(min(cards.count(), 12)):
        href = cards.nth(i).get_attribute("href") or ""
        if "/request/" in href:
            continue
        session = Session.objects.get(pk=int(href.rstrip("/").split("/")[-1]))
        with translation.override(language):
            start = time_format(session.starts_at.astimezone(tz), "TIME_FORMAT")
        assert start in " ".join(cards.nth(i).inner_text().split()), (href, start)


def check_inbox_times(page: Page, demo: Demo, user_id: int, language: str) -> None:
    """Each message's time in the reader's own zone, named."""
    page.goto(demo.url + "/inbox/")
    created = [d.event.created_at for d in Delivery.objects.filter(user_id=user_id)
               .select_related("event")]
    assert created, "the walk needs a message in the inbox"
    text = " ".join(page.locator("main").inner_text().split())
    for moment in created:
        local = moment.astimezone(zoneinfo.ZoneInfo(READER_ZONE))
        with translation.override(language):
            expected = f"{date_format(local, 'DATETIME_FORMAT')} {date_format(local, 'T')}"
        assert expected in text, (expected, text)


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_time_is_in_the_facilitys_zone_or_the_readers(
    browser: Browser, demo: Demo, language: str
) -> None:
    seed_bookings()
    rosa = get_user_model().objects.get(username="rosa")
    Preference.objects.update_or_create(
        user=rosa, defaults={"time_zone": READER_ZONE, "time_zone_chosen": True,
                             "language": language})
    booking = Booking.objects.filter(household__caregiver=rosa).select_related(
        "session__facility").first()
    facility_zone = booking.session.facility.time_zone
    assert facility_zone != READER_ZONE
    context = browser.new_context(viewport=PHONE_360, locale=f"{language}-US",
                                  timezone_id=DEVICE_ZONE)
    context.add_cookies([{"name": "django_language", "value": language, "url": demo.url}])
    page = context.new_page()
    try:
        sign_in(page, demo, "rosa")
        check_facility_times(page, demo, booking, language)
        check_inbox_times(page, demo, rosa.pk, language)
        # Anywhere she goes, a zone named is the facility's or her own, never her phone's
        # or UTC.
        moments = list(Session.objects.filter(facility=booking.session.facility)
                       .values_list("starts_at", flat=True))
        allowed = zone_names(facility_zone, moments) | zone_names(READER_ZONE, moments)
        wrong = {}
        for path in reachable(page, demo, menu_pages(page)) + family_steps("rosa"):
            page.goto(demo.url + path)
            names = set(ZONE_NAME.findall(text_without_menus(page))) - allowed
            if names:
                wrong[path] = sorted(names)
        assert wrong == {}
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_refused_reason_and_a_closed_visits_reason_read_right(
    browser: Browser, demo: Demo, language: str
) -> None:
    """The liaison's reason forms on the roster, refused ("another reason" without her
    words) with the problem next to the field; then the session closed for a lockdown with
    her note, and Rosa's "My visits" giving the reason in her language and the note as
    typed. Every page axe-clean, 360 px wide, in the reader's language."""
    seeded = seed_bookings()
    note = "Water pipe burst in the visiting room"
    problems: dict[str, list[str]] = {}
    staff = browser.new_context(viewport=PHONE_360, locale=f"{language}-US",
                                timezone_id="America/Chicago")
    staff.add_cookies([{"name": "django_language", "value": language, "url": demo.url}])
    page = staff.new_page()
    try:
        sign_in(page, demo, "liaison")
        page.goto(f"{demo.url}/roster/?date={seeded['day']}")
        booking, session = seeded["booking"], seeded["session"]
        page.locator(f"#decline-{booking} summary").click()
        page.locator(f"#decline-{booking}-code").select_option("other")
        page.locator(f"#decline-{booking} button[type=submit]").click()
        page.locator(f"#decline-{booking}-note_error").wait_for()
        if found := page_problems(page, language):
            problems["roster, refused"] = found
        page.locator(f"#close-{session} summary").click()
        page.locator(f"#close-{session}-code").select_option("lockdown")
        page.locator(f"#close-{session}-note").fill(note)
        page.locator(f"#close-{session} button[type=submit]").click()
        page.wait_for_load_state()
        if found := page_problems(page, language):
            problems["roster, closed"] = found
    finally:
        staff.close()
    assert Booking.objects.get(pk=seeded["booking"]).reason_code == "lockdown"

    family = browser.new_context(viewport=PHONE_360, locale=f"{language}-US",
                                 timezone_id="America/Chicago")
    family.add_cookies([{"name": "django_language", "value": language, "url": demo.url}])
    page = family.new_page()
    try:
        sign_in(page, demo, "rosa")
        page.goto(demo.url + "/bookings/")
        card = " ".join(page.locator(f"#booking-{seeded['booking']}").inner_text().split())
        with translation.override(language):
            reason, noted = gettext_reason("lockdown"), translation.gettext(
                "Note from the facility:")
        assert f"{reason}" in card and f"{noted} {note}" in card, card
        if found := page_problems(page, language):
            problems["my visits"] = found
    finally:
        family.close()
    assert problems == {}


def gettext_reason(code: str) -> str:
    from visits.reasons import label_of

    return label_of(code)
