"""A real video call in Chromium with a fake camera and microphone, over a real daphne.

pytest-django's live server has no websockets, so (as in test_live_pages) this module starts
daphne on a free loopback port with its own SQLite file, seeded with the demo. The calls are
put around the clock of the moment the test runs (a session that started a minute ago, one
three hours ahead, one that ended), so the test holds on any date, the moved clocks of CI
included: daphne reads the same clock.

Prints the time from pressing "Join" to the first remote video frame.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DEMO_PASSWORD, PHONE
from tests.browser.test_live_pages import free_port, manage, wait_until_serving

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
FRAMES_TIMEOUT_S = 20

# Run inside the server's database with `manage.py shell`: the calls around now.
SETUP = """
import datetime as dt, json
from django.utils import timezone
from tests import factories as f
from visits.models import ApprovalStatus, Facility, Household, Resident

lakeview = Facility.objects.get(name__startswith="Lakeview")
maria = Resident.objects.get(prison_id="W48213")
aisha = Resident.objects.get(prison_id="W60342")
rosa = Household.objects.get(caregiver__username="rosa")
rule = f.make_rule(lakeview, kind="video", duration_minutes=20, name="Calls under test",
                   rrule="FREQ=DAILY;BYHOUR=12;BYMINUTE=0")
now = timezone.now().replace(second=0, microsecond=0)
live = f.make_session(rule, starts_at=now - dt.timedelta(minutes=1), minutes=20)
spare = f.make_session(rule, starts_at=now - dt.timedelta(minutes=2), minutes=20)
later = f.make_session(rule, starts_at=now + dt.timedelta(hours=3), minutes=20)
over = f.make_session(rule, starts_at=now - dt.timedelta(hours=3), minutes=20)
dora = f.make_household("dora", name="Diaz family", adult_first_name="Dora")
dora.caregiver.set_password(PASSWORD); dora.caregiver.save()
f.approve(dora.visitors.all(), aisha, status=ApprovalStatus.DENIED)
print(json.dumps({
    "call": f.make_booking(live, maria, rosa, status="confirmed").pk,
    "spare": f.make_booking(spare, maria, rosa, status="confirmed").pk,
    "later": f.make_booking(later, maria, rosa, status="confirmed").pk,
    "over": f.make_booking(over, maria, rosa, status="confirmed").pk,
    "denied": f.make_booking(live, aisha, dora, status="confirmed").pk,
}))
"""


@dataclass
class Site:
    url: str
    bookings: dict[str, int]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("call")
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(SQLITE_PATH=str(folder / "call.sqlite3"),
               DJANGO_SETTINGS_MODULE="scheduler.settings")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--json")
    setup = f"PASSWORD = {DEMO_PASSWORD!r}\n{SETUP}"
    bookings = json.loads(manage(env, "shell", "-c", setup).strip().splitlines()[-1])
    port = free_port()
    daphne = str(Path(sys.executable).parent / "daphne")
    proc = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port),
                             "scheduler.asgi:application"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, proc)
        yield Site(url=url, bookings=bookings)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def phone(browser: Browser, site: Site, username: str, language: str = "en") -> Page:
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(site.url + "/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    # The language chosen on this phone after signing in (signing in applies the saved one).
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
    return page


def frames_from(page: Page, role: str) -> int:
    """Video frames this page decoded from the peer of `role` (getStats, inbound-rtp)."""
    stats = page.evaluate("window.callStats()")
    return sum(s["framesDecoded"] for s in stats.values() if s["role"] == role and
               s["framesReceived"] > 0)


def wait_for_frames(page: Page, role: str) -> int:
    """Poll getStats until frames from `role` arrive (wait_for_function cannot await)."""
    deadline = time.monotonic() + FRAMES_TIMEOUT_S
    while time.monotonic() < deadline:
        frames = frames_from(page, role)
        if frames > 0:
            return frames
        page.wait_for_timeout(200)
    return 0


def join_to_first_frame_ms(page: Page) -> float:
    page.wait_for_function("window.callTimes.firstFrame > 0", timeout=FRAMES_TIMEOUT_S * 1000)
    return page.evaluate("window.callTimes.firstFrame - window.callTimes.joinPressed")


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 360, "height": PHONE["height"]})
    assert page.evaluate("document.documentElement.scrollWidth <= 360"), name
    page.screenshot(path=str(SHOTS / f"call-{name}-360.png"), full_page=True)
    page.set_viewport_size(PHONE)


def test_caregiver_and_station_see_each_other_then_staff_monitor_and_end_the_call(
    browser: Browser, site: Site,
) -> None:
    booking = site.bookings["call"]
    family = phone(browser, site, "rosa")
    family.goto(site.url + "/bookings/")
    family.locator(f"#booking-{booking}").get_by_role("link", name="Join the video call").click()
    expect(family.locator("h1")).to_have_text("Video call with Maria")
    family.get_by_role("button", name="Join the call").click()
    expect(family.locator("[data-call-status]")).to_have_text(
        "You are in. Waiting for the others to join.")

    station = phone(browser, site, "station-a")  # the home page sends a station to its page
    expect(station.locator("h1")).to_have_text("Unit A video station")
    assert "W48213" not in station.content()
    expect(station.locator("#open-current")).to_have_text("Open the call for Maria")
    station.locator(f"#call-{booking}").get_by_role("link", name="Open").click()
    shoot(station, "station-before-join")
    station.get_by_role("button", name="Join the call").click()

    assert wait_for_frames(station, "family") > 0
    assert wait_for_frames(family, "station") > 0
    station_ms = join_to_first_frame_ms(station)
    family_ms = join_to_first_frame_ms(family)
    print(f"\njoin to first remote frame: station {station_ms:.0f} ms (the family was in), "
          f"family {family_ms:.0f} ms (includes waiting for the station)")
    expect(family.locator("[data-call-left]")).to_contain_text("Time left:")
    shoot(family, "family-in-call")

    # A network change: the family's socket drops; the page joins again within the slot and
    # the pictures come back over fresh connections.
    family.evaluate("window.callDrop()")
    expect(family.locator("[data-call-status]")).to_have_text(
        "The connection dropped. Trying again…")
    expect(family.locator("[data-call-status]")).to_have_text("You are connected.",
                                                               timeout=FRAMES_TIMEOUT_S * 1000)
    assert wait_for_frames(family, "station") > 0
    assert wait_for_frames(station, "family") > 0

    monitor = phone(browser, site, "liaison")
    monitor.goto(f"{site.url}/roster/")
    expect(monitor.locator(f"#call-{booking}")).to_be_visible()
    monitor.locator("#calls-now").click()
    card = monitor.locator(f"#now-{booking}")
    expect(card).to_contain_text("Rosa (Family)")  # once: her dropped socket has left
    expect(card).to_contain_text("Unit A video station (Station)")
    assert card.inner_text().count("Rosa (Family)") == 1
    shoot(monitor, "calls-now")
    card.get_by_role("link", name="Watch or end the call").click()
    monitor.get_by_role("button", name="Join the call").click()
    assert wait_for_frames(monitor, "family") > 0
    assert wait_for_frames(monitor, "station") > 0
    expect(family.locator("[data-staff-present]")).to_be_visible()
    expect(family.locator("[data-staff-present]")).to_have_text("Facility staff are on this call.")
    shoot(monitor, "monitor")

    monitor.get_by_role("button", name="End the call").click()  # no reason yet
    expect(monitor.locator("#reason-error")).to_have_text("Say why the call is ended.")
    assert family.locator("#call").get_attribute("data-state") == "joined"
    monitor.get_by_label("Reason (the family is told)").fill("Count time on the unit")
    monitor.get_by_role("button", name="End the call").click()
    expect(monitor.locator(".messages")).to_contain_text("The call was ended.")

    for page in (family, station):
        expect(page.locator("[data-call-status]")).to_have_text(
            "Staff ended this call: Count time on the unit")
        expect(page.locator("#call")).to_have_attribute("data-state", "over")
    shoot(family, "family-ended")
    for page in (family, station, monitor):
        page.context.close()


@pytest.mark.parametrize(("who", "booking", "message"), [
    ("linda", "call", "We could not find that call."),
    ("dora", "denied", "You are not an approved visitor for this person"),
    ("rosa", "later", "The call opens at"),
    ("rosa", "over", "This call's time is over."),
])
def test_the_wrong_people_and_the_wrong_times_are_refused(
    browser: Browser, site: Site, who: str, booking: str, message: str,
) -> None:
    page = phone(browser, site, who)
    page.goto(f"{site.url}/calls/{site.bookings[booking]}/")
    expect(page.locator("main")).to_contain_text(message)
    expect(page.get_by_role("button", name="Join the call")).to_have_count(0)
    # The page is not the only guard: the socket refuses the same person at the same time.
    refusal = page.evaluate("""(id) => new Promise(done => {
        const ws = new WebSocket(`ws://${location.host}/ws/call/${id}/`);
        let first = null;
        ws.onmessage = e => { first = first || JSON.parse(e.data); };
        ws.onclose = e => done({code: e.code, first});
    })""", site.bookings[booking])
    assert refusal["code"] == 4403 and refusal["first"]["type"] == "error", refusal
    if booking == "later":
        shoot(page, "too-early")
    page.context.close()


def test_the_call_and_station_pages_in_spanish_fit_a_small_phone(
    browser: Browser, site: Site,
) -> None:
    family = phone(browser, site, "rosa", language="es")
    family.goto(f"{site.url}/calls/{site.bookings['spare']}/")  # the other one was ended
    expect(family.get_by_role("button", name="Unirse a la llamada")).to_be_visible()
    expect(family.locator("[data-call-status]")).to_contain_text("Pulse Unirse")
    shoot(family, "family-es")
    station = phone(browser, site, "station-a", language="es")
    station.reload()  # in the language now chosen on this tablet
    expect(station.locator("#open-current")).to_have_text("Abrir la llamada para Maria")
    expect(station.locator(f"#call-{site.bookings['later']}")).to_contain_text("Se abre a las")
    shoot(station, "station-es")
    for page in (family, station):
        page.context.close()
