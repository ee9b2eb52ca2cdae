"""Staff run their program from their phones: a facility administrator invites a liaison who
signs up from the emailed link and sees her facility's roster; a driver gives two windows on
one day and the planner uses both."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from notifications.preferences import preference_update
from tests import factories as f
from tests.browser.conftest import PHONE, Demo
from transport.models import Driver, DriverAvailability, RideRequest, RideStatus, Trip, Vehicle
from transport.planner import plan_day
from visits.models import BookingStatus, Facility, Household, Liaison, VisitingRule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a long enough password 42"


def test_a_facility_administrator_invites_a_liaison_who_signs_up_from_the_link(
        browser: Browser, page: Page, demo: Demo, mailoutbox: list) -> None:
    demo.login(page, "facilityadmin")
    page.get_by_role("link", name="Roster", exact=True).click()
    page.get_by_role("link", name="Staff", exact=True).click()
    expect(page.get_by_role("heading", name="Facility staff")).to_be_visible()
    page.get_by_label("Email address of the new liaison").fill("nora.diaz@example.org")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to nora.diaz@example.org")).to_be_visible()
    expect(page.locator("li.card", has_text="nora.diaz@example.org")).to_be_visible()

    link = re.search(r"(http://\S+/invitations/\S+/)", mailoutbox[-1].body).group(1)
    newcomer = browser.new_context(viewport=PHONE, locale="en-US")
    nora = newcomer.new_page()
    try:
        nora.goto(link)
        expect(nora.get_by_text("You are invited to join Lakeview")).to_be_visible()
        nora.get_by_label("Your first name").fill("Nora")
        nora.get_by_label("Your last name").fill("Diaz")
        nora.get_by_label("Choose a password").fill(PASSWORD)
        nora.get_by_label("The same password again").fill(PASSWORD)
        nora.get_by_role("button", name="Create my account").click()
        expect(nora).to_have_url(re.compile(r"/roster/$"))
        expect(nora.get_by_role("link", name="Roster", exact=True)).to_be_visible()
        expect(nora.get_by_text("Lakeview Women's Correctional Center").first).to_be_visible()
        assert nora.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        newcomer.close()
    nora_user = get_user_model().objects.get(email="nora.diaz@example.org")
    assert Liaison.objects.get(user=nora_user).facility.name.startswith("Lakeview")


def _rides_on(day: dt.date) -> tuple[RideRequest, RideRequest]:
    """Rosa rides to a 9 a.m. visit; Linda rides home from a 1 p.m. one (Lakeview, Decatur)."""
    lakeview = Facility.objects.get(name__startswith="Lakeview")
    rule = VisitingRule.objects.filter(facility=lakeview).first()
    tz = lakeview.tz
    rides = []
    for username, hour, minutes, there, back in (("rosa", 9, 60, True, False),
                                                 ("linda", 13, 120, False, True)):
        session = f.make_session(rule, starts_at=dt.datetime.combine(
            day, dt.time(hour), tzinfo=tz), minutes=minutes, capacity=10)
        household = Household.objects.get(caregiver__username=username)
        visitors = list(household.visitors.all())
        resident = visitors[0].approvals.first().resident
        booking = f.make_booking(session, resident, household, visitors,
                                 status=BookingStatus.CONFIRMED)
        rides.append(RideRequest.objects.create(
            booking=booking, pickup_label="Springfield bus station", pickup_latitude=39.78,
            pickup_longitude=-89.65, adults=1, children=len(visitors) - 1, outbound=there,
            return_trip=back, earliest_pickup=dt.datetime.combine(day, dt.time(6), tzinfo=tz)))
    return rides[0], rides[1]


def _add_window(page: Page, day: dt.date, starts: str, ends: str) -> None:
    page.get_by_label("Day").fill(day.isoformat())
    page.get_by_label("Start time").fill(starts)
    page.get_by_label("End time").fill(ends)
    page.get_by_role("button", name="Add this time").click()
    expect(page.get_by_text("Added. Coordinators can plan rides for you then.")).to_be_visible()


def test_a_driver_gives_two_windows_for_one_day_and_the_planner_uses_both(
        page: Page, demo: Demo) -> None:
    joe = Driver.objects.get(user__username="driver")
    joe.vehicles.add(Vehicle.objects.create(name="Blue minivan", seats=6, child_seats=2,
                                            program=joe.program))
    preference_update(user=joe.user, time_zone="America/Chicago")
    lakeview_tz = Facility.objects.get(name__startswith="Lakeview").tz
    day = (timezone.now().astimezone(lakeview_tz) + dt.timedelta(days=4)).date()

    demo.login(page, "driver")
    page.get_by_role("link", name="My trips").click()
    page.get_by_role("link", name="When I can drive and where I start").click()
    page.get_by_label("Town or street you start from").fill("Springfield, IL")
    page.get_by_label("ZIP code").fill("62703")
    page.get_by_role("button", name="Save where I start").click()
    expect(page.get_by_text("Saved. Your trips start and end there.")).to_be_visible()
    _add_window(page, day, "06:00", "10:00")
    _add_window(page, day, "15:00", "19:00")
    expect(page.locator("#windows li.card")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert DriverAvailability.objects.filter(driver=joe).count() == 2

    morning, afternoon = _rides_on(day)
    plan_day(day=day, program_id=joe.program_id, time_limit=2)
    assert set(RideRequest.objects.filter(pk__in=[morning.pk, afternoon.pk])
               .values_list("status", flat=True)) == {RideStatus.PLANNED}
    trip = Trip.objects.get(day=day, driver=joe)
    times = [s.planned_at.astimezone(lakeview_tz).time() for s in trip.stops.all()]
    assert any(t <= dt.time(10) for t in times) and any(t >= dt.time(15) for t in times)
    assert not any(dt.time(10) < t < dt.time(15) for t in times)

    page.goto(f"{demo.url}/rides/driver/?date={day.isoformat()}")
    expect(page.locator("li.stop")).to_have_count(4)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_staff_pages_fit_a_small_phone(browser: Browser, demo: Demo, lang: str) -> None:
    """Full-page PNGs in screenshots/ for people to look at; nothing scrolls sideways."""
    import io

    from django.conf import settings
    from django.core.management import call_command

    from tests.browser.test_screenshots import SHOTS, look, sign_in
    from visits import services

    call_command("seed_transport", "--no-plan", stdout=io.StringIO())
    admin = get_user_model().objects.get(username="facilityadmin")
    _invitation, token = services.liaison_invite(actor=admin, email="nora@example.org")
    booking = RideRequest.objects.filter(booking__household__caregiver__username="rosa") \
        .first().booking
    RideRequest.objects.filter(booking=booking).delete()
    SHOTS.mkdir(exist_ok=True)
    problems: list[str] = []
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()

    def as_person(username: str | None, shots: list[tuple[str, str]]) -> None:
        context.clear_cookies()
        context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang,
                              "url": demo.url}])
        if username:
            sign_in(page, demo, username)
        for name, path in shots:
            page.goto(demo.url + path)
            look(page, f"{lang}-staff-{name}", problems)

    try:
        as_person(None, [("01-invitation", f"/invitations/{token}/")])
        as_person("facilityadmin", [("02-facility-staff", "/roster/staff/"),
                                    ("03-residents", "/roster/residents/")])
        as_person("programadmin", [("04-program-staff", "/rides/staff/"),
                                   ("05-vehicles", "/rides/vehicles/"),
                                   ("06-drivers", "/rides/drivers/"),
                                   ("07-points", "/rides/points/")])
        as_person("driver", [("08-availability", "/rides/availability/")])
        as_person("rosa", [("09-ride-form", f"/rides/bookings/{booking.pk}/")])
    finally:
        context.close()
    assert not problems, problems
