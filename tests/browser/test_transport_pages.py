"""Rides on a phone (390 px): the coordinator's board, a driver's stops, a family's ride form.

Screenshots go to /tmp/rides-*.png (the system's temporary folder) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, Demo
from transport.models import RideRequest, Stop, Trip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_WIDTH = 390
SHOTS = Path(tempfile.gettempdir())  # /tmp/rides-*.png


def in_a_thread(func: Callable[[], None]) -> None:
    """Run work that announces events off the test's thread: Playwright keeps an event loop
    running here, and the live push after commit refuses to run inside one."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            func()
        except BaseException as exc:  # re-raised below, in the test
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


@pytest.fixture
def rides_demo(demo: Demo) -> Demo:
    in_a_thread(lambda: call_command("seed_transport", "--time-limit", "1.5",
                                     stdout=io.StringIO()))
    return demo


def ride_day() -> str:
    ride = RideRequest.objects.select_related("booking__session__facility").first()
    session = ride.booking.session
    return session.starts_at.astimezone(session.facility.tz).date().isoformat()


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(SHOTS / f"rides-{name}.png"), full_page=full_page)


def shot_and_fit(page: Page, name: str) -> None:
    """Keep a screenshot to look at, then check nothing sticks out sideways on the phone."""
    shot(page, name)
    # The page's own part; the shared header's menu is laid out by base.html.
    assert page.evaluate("document.querySelector('main').scrollWidth") <= PHONE_WIDTH


def test_the_coordinator_board_on_a_phone(page: Page, rides_demo: Demo) -> None:
    day = ride_day()
    rides_demo.login(page, "coordinator")
    page.goto(f"{rides_demo.url}/rides/board/?date={day}")
    expect(page.get_by_role("heading", name="Rides", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Rides", exact=True)).to_have_attribute(
        "aria-current", "page")
    # Carmen's ride to California has no driver near enough: it shows why.
    unplanned = page.locator(".card.ride").first
    expect(unplanned).to_contain_text("Reno bus station")
    expect(unplanned).to_contain_text("No driver could fit this ride in")
    expect(page.locator("section.trip")).to_have_count(Trip.objects.count())
    expect(page.locator("section.trip").first).to_contain_text("Pick up")
    shot_and_fit(page, "board")

    page.get_by_role("button", name="Plan again").click()
    expect(page.get_by_text("Planning has started.")).to_be_visible()
    expect(page.get_by_role("button", name="Planning…")).to_be_disabled()
    shot(page, "board-planning", full_page=False)


def test_the_driver_marks_a_pickup_on_her_phone(page: Page, rides_demo: Demo) -> None:
    trip = Trip.objects.select_related("driver__user").order_by("pk").first()
    username = trip.driver.user.username
    first = Stop.objects.filter(trip=trip).order_by("position").first()
    rides_demo.login(page, username)
    page.goto(f"{rides_demo.url}/rides/driver/?date={trip.day.isoformat()}")
    expect(page.get_by_role("heading", name="My trips")).to_be_visible()
    card = page.locator(f"#stop-{first.pk}")
    expect(card).to_contain_text("Pick up")
    riders = first.request.booking.visitors.all()
    for visitor in riders:
        expect(card).to_contain_text(visitor.first_name)
        expect(card).not_to_contain_text(visitor.last_name)
    shot_and_fit(page, "driver")
    tz = first.request.booking.session.facility.tz
    if timezone.now().astimezone(tz).date() != trip.day:  # not the trip's day: no buttons
        expect(page.locator(f"#trip-{trip.pk}")).to_contain_text(
            "You can mark the stops picked up or dropped off on the day of the trip")
        expect(card.get_by_role("button", name="Picked up")).to_have_count(0)

    # On the trip's day, in the facility's zone (the server runs in this process, so its
    # clock moves too), the button is there and works.
    with time_machine.travel(dt.datetime.combine(trip.day, dt.time(7), tzinfo=tz), tick=True):
        page.reload()
        card.get_by_role("button", name="Picked up").click()
        expect(page.get_by_text("Marked picked up.")).to_be_visible()
        expect(page.locator(f"#stop-{first.pk} .badge.picked_up")).to_be_visible()
    first.refresh_from_db()
    assert first.status == "picked_up"


def test_a_caregiver_asks_for_a_ride_from_her_visits(page: Page, rides_demo: Demo) -> None:
    RideRequest.objects.filter(booking__household__caregiver__username="rosa").update(
        status="cancelled")
    rides_demo.login(page, "rosa")
    page.goto(f"{rides_demo.url}/bookings/")
    page.get_by_role("link", name="Need a ride? Ask for one").first.click()
    expect(page.get_by_role("heading", name="A ride to your visit")).to_be_visible()
    page.get_by_label("Where do we pick you up?").fill("Springfield Amtrak station")
    page.get_by_label("Latitude").fill("39.8028")
    page.get_by_label("Longitude").fill("-89.6515")
    page.get_by_label("Children riding").fill("2")
    page.get_by_label("Child seats needed").fill("2")
    shot_and_fit(page, "family-form")
    page.get_by_role("button", name="Ask for a ride").click()
    expect(page.get_by_text(re.compile("^Thank you. We will tell you"))).to_be_visible()
    expect(page.locator(".badge.ride-open")).to_have_text("Waiting to be planned")
    ride = RideRequest.objects.get(booking__household__caregiver__username="rosa",
                                   status="open")
    assert (ride.children, ride.child_seats, ride.pickup_label) == (
        2, 2, "Springfield Amtrak station")
    shot(page, "family-asked")


# --- live: a real daphne, a real worker process, Redis between them -----------------------

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/2"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveSite:
    url: str
    env: dict[str, str]
    tokens: dict[str, str]
    day: str

    def manage(self, *args: str) -> str:
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                              check=True, capture_output=True, text=True, timeout=300).stdout


@pytest.fixture(scope="module")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveSite]:
    """daphne on its own SQLite file with the rides demo (not yet planned), and Redis as the
    channel layer, so a worker in another process reaches the page's socket."""
    if not redis_reachable() and os.environ.get("CI") != "true":
        pytest.skip("needs Redis on 127.0.0.1:6379 (CI always runs this test)")
    folder = tmp_path_factory.mktemp("rides-live")
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(SQLITE_PATH=str(folder / "rides.sqlite3"), REDIS_URL=REDIS_URL,
               DJANGO_SETTINGS_MODULE="scheduler.settings", TRANSPORT_SOLVER_SECONDS="1.5")
    site = LiveSite(url="", env=env, tokens={}, day="")
    site.manage("migrate", "--noinput", "-v0")
    demo = json.loads(site.manage("seed_demo", "--json"))
    site.tokens = {x["username"]: x["token"] for x in demo["logins"]}
    seeded = site.manage("seed_transport", "--no-plan")
    site.day = re.search(r"date=(\d{4}-\d{2}-\d{2})", seeded).group(1)
    port = free_port()
    daphne = str(Path(sys.executable).parent / "daphne")
    proc = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port),
                             "scheduler.asgi:application"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    site.url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(site.url + "/login/", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "daphne did not start"
                time.sleep(0.2)
        yield site
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_board_shows_the_plan_without_reloading(browser, live_site: LiveSite) -> None:
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844},
                                  locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        page.goto(live_site.url + "/login/")
        page.fill("#id_login", "coordinator")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_site.url}/rides/board/?date={live_site.day}")
        expect(page.get_by_text("This day has not been planned yet.")).to_be_visible()
        expect(page.locator("section.trip")).to_have_count(0)
        page.evaluate("window.__sameDocument = 'yes'")

        # The coordinator's phone asks for the plan; a worker process runs it.
        response = httpx.post(f"{live_site.url}/api/v1/rides/plan/", json={"date": live_site.day},
                              headers={"Authorization": f"Token {live_site.tokens['coordinator']}"})
        assert response.status_code == 202, response.text
        live_site.manage("db_worker", "--batch", "--no-startup-delay", "--no-reload")

        expect(page.locator(".plan-status .badge")).to_have_text("Done")
        expect(page.locator("section.trip")).to_have_count(2)
        assert page.evaluate("window.__sameDocument") == "yes"  # updated in place
        shot(page, "board-live")
    finally:
        context.close()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_coordinators_week_board(browser, rides_demo: Demo, width: int) -> None:
    """The week above the day: seven days, each with its state; a list on a phone, one row
    of seven on a desk; tapping a day opens that day's board."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        day = ride_day()
        rides_demo.login(page, "coordinator")
        page.goto(f"{rides_demo.url}/rides/board/?date={day}")
        days = page.locator("ol.week a.wday")
        expect(days).to_have_count(7)
        current = page.locator('ol.week a[aria-current="date"]')
        expect(current).to_have_attribute("id", f"day-{day}")
        # Carmen's ride to California could not be planned: the day says so.
        expect(current).to_contain_text("1 not planned")
        expect(current).to_have_class(re.compile(r"state-attention"))
        rows = {round(days.nth(i).bounding_box()["y"]) for i in range(7)}
        assert len(rows) == (1 if width >= 760 else 7)
        page.screenshot(path=str(SHOTS / f"rides-week-{width}.png"), full_page=width < 760)
        assert page.evaluate("document.querySelector('main').scrollWidth") <= width

        other = page.locator(f'ol.week a.wday:not([id="day-{day}"])').first
        other_id = other.get_attribute("id")
        other.click()
        expect(page.locator('ol.week a[aria-current="date"]')).to_have_attribute("id", other_id)
        assert f"date={other_id.removeprefix('day-')}" in page.url
    finally:
        context.close()
