"""Every page at phone width, in English and Spanish: nothing overflows at 360 px, and a
full-page PNG of each (390 px wide) lands in screenshots/ (git-ignored) for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from playwright.sync_api import Browser, Page

from tests.browser.conftest import DEMO_PASSWORD, PHONE, Demo, local_day
from visits import services
from visits.models import Resident, Session, Visitor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(settings.BASE_DIR) / "screenshots"
NARROW = 360  # the narrowest phones still in use


def seed_bookings() -> dict[str, int]:
    """Rosa's visit is confirmed (an inbox message), Linda's waits, another session is full."""
    user = get_user_model().objects.get
    rosa, linda, liaison = user(username="rosa"), user(username="linda"), user(username="liaison")
    maria = Resident.objects.get(prison_id="W48213")
    tanya = Resident.objects.get(prison_id="W51877")
    sessions = list(Session.objects.filter(facility=maria.facility, kind="in_person",
                                           status="open", unit__isnull=True)
                    .order_by("starts_at")[:2])
    with translation.override("en"):
        mine = services.booking_create(
            actor=rosa, session_id=sessions[0].pk, resident_id=maria.pk,
            visitor_ids=list(Visitor.objects.filter(household__caregiver=rosa)
                             .values_list("pk", flat=True)),
        ).booking
        services.booking_confirm(actor=liaison, booking_id=mine.pk)
        services.booking_create(
            actor=linda, session_id=sessions[0].pk, resident_id=tanya.pk,
            visitor_ids=list(Visitor.objects.filter(household__caregiver=linda)
                             .values_list("pk", flat=True)),
        )
    full = sessions[1]
    Session.objects.filter(pk=full.pk).update(held=full.capacity)
    video = Session.objects.filter(facility=maria.facility, kind="video", status="open",
                                   unit__isnull=True).order_by("starts_at")[3]
    return {"resident": maria.pk, "session": sessions[0].pk, "full": full.pk, "booking": mine.pk,
            "open": video.pk, "day": local_day(sessions[0]).isoformat()}


def sign_in(page: Page, demo: Demo, username: str) -> None:
    page.goto(demo.url + "/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def look(page: Page, name: str, problems: list[str]) -> None:
    """Save a 390 px full-page PNG, then check the same page at 360 px for sideways scroll."""
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    if page.evaluate("document.documentElement.scrollHeight") > PHONE["height"]:
        # What she sees first, at full size (a long full-page PNG is hard to read).
        page.screenshot(path=str(SHOTS / f"{name}-top.png"))
    page.set_viewport_size({"width": NARROW, "height": PHONE["height"]})
    page.screenshot(path=str(SHOTS / f"{name}-360.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > NARROW:
        problems.append(f"{name}: {width}px wide at {NARROW}px")
    page.set_viewport_size(PHONE)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_page_fits_a_small_phone(browser: Browser, demo: Demo, lang: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    ids = seed_bookings()
    problems: list[str] = []
    context = browser.new_context(viewport=PHONE)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang,
                          "url": demo.url}])
    page = context.new_page()
    try:
        page.goto(demo.url + "/login/")
        look(page, f"{lang}-01-login", problems)
        page.fill("#id_login", "rosa")
        page.fill("#id_password", "wrong password")
        page.click("button[type=submit].primary")
        look(page, f"{lang}-02-login-error", problems)

        sign_in(page, demo, "rosa")
        look(page, f"{lang}-03-residents", problems)
        page.goto(f"{demo.url}/visit/{ids['resident']}/")
        look(page, f"{lang}-04-sessions", problems)
        page.goto(f"{demo.url}/visit/{ids['resident']}/{ids['open']}/")
        look(page, f"{lang}-05-confirm", problems)
        for box in page.locator("input[name=visitor_ids]").all():
            box.uncheck()
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        look(page, f"{lang}-06-confirm-error", problems)
        page.goto(f"{demo.url}/visit/{ids['resident']}/{ids['full']}/")
        look(page, f"{lang}-07-confirm-full", problems)
        page.click("button[type=submit].primary")  # continue to check the answers
        page.wait_for_url("**check=1**")
        look(page, f"{lang}-07a-check-answers", problems)
        page.click("button[type=submit].primary")  # join the waiting list
        page.wait_for_url("**/booked/")
        look(page, f"{lang}-07b-booked", problems)
        page.goto(demo.url + "/bookings/")
        look(page, f"{lang}-08-my-visits", problems)
        page.goto(demo.url + "/visit/999999/")
        look(page, f"{lang}-09-not-found", problems)
        page.goto(f"{demo.url}/facilities/{Resident.objects.get(pk=ids['resident']).facility_id}/")
        look(page, f"{lang}-09a-facility", problems)
        page.goto(f"{demo.url}/bookings/{ids['booking']}/move/")
        look(page, f"{lang}-09b-move", problems)
        context.clear_cookies()
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang,
                              "url": demo.url}])

        sign_in(page, demo, "liaison")
        page.goto(f"{demo.url}/roster/?date={ids['day']}")
        look(page, f"{lang}-10-roster", problems)
        for name, path in (("11-rules", "/roster/rules/"), ("12-rule-new", "/roster/rules/new/"),
                           ("13-closures", "/roster/closures/"),
                           ("14-facility-info", "/roster/facility/"),
                           ("15-day-list", f"/roster/day-list/?date={ids['day']}"),
                           ("16-reports", "/roster/reports/"),
                           ("17-message", f"/roster/message/?date={ids['day']}")):
            page.goto(demo.url + path)
            look(page, f"{lang}-{name}", problems)
    finally:
        context.close()
    assert not problems, problems
