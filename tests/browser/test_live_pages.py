"""Pages that change by themselves, in a real Chromium over a real websocket.

pytest-django's live server is a WSGI thread server: it has no /ws/live/. So this module
starts daphne (the ASGI server the app runs on) on a free loopback port, on its own SQLite
file, migrated and seeded with `manage.py seed_demo`, with the channel layer the machine is
configured for (in-memory, or Redis when REDIS_URL is set). The other person's action goes
through the same daphne's REST API, as it would from their phone, so the event travels the
whole way: service -> outbox -> channel layer -> socket -> live.js -> the page's live part.

Each test checks that the page did not reload: a marker set on `window` before the change
is still there after it. Also saves 390 px screenshots of the inbox, preferences and roster
(screenshots/live-*.png, git-ignored) for people to look at.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import socket
import subprocess
import sys
import time
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import DEMO_PASSWORD, PHONE

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
LIVE_TIMEOUT_MS = 10_000
BOOKABLE_DAYS = 20  # the demo rules open booking 21 days ahead
LAKEVIEW_TZ = ZoneInfo("America/Chicago")  # the demo's Lakeview facility


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    url: str
    demo: dict
    picked: list[dict] = field(default_factory=list)

    def token(self, username: str) -> str:
        return next(x["token"] for x in self.demo["logins"] if x["username"] == username)

    def api(self, username: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=15,
                            headers={"Authorization": f"Token {self.token(username)}"})


def manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=300).stdout


def wait_until_serving(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "daphne died")
        try:
            httpx.get(url + "/login/", timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("daphne did not start")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("live")
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(SQLITE_PATH=str(folder / "live.sqlite3"),
               DJANGO_SETTINGS_MODULE="scheduler.settings")
    manage(env, "migrate", "--noinput", "-v0")
    demo = json.loads(manage(env, "seed_demo", "--json"))
    port = free_port()
    daphne = str(Path(sys.executable).parent / "daphne")
    proc = subprocess.Popen([daphne, "-b", "127.0.0.1", "-p", str(port),
                             "scheduler.asgi:application"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, proc)
        yield Site(url=url, demo=demo)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, locale="en-US")
    context.set_default_timeout(LIVE_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Page, site: Site, username: str, language: str = "en") -> None:
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
    page.goto(site.url + "/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()


def listening(page: Page) -> None:
    """Wait until live.js has its socket open, then mark the page to catch a reload."""
    expect(page.locator("[data-live]")).to_have_attribute("data-live-state", "open")
    page.evaluate("window.__sameDocument = 'yes'")


def not_reloaded(page: Page) -> bool:
    return page.evaluate("window.__sameDocument") == "yes"


def household_and_session(site: Site, username: str) -> tuple[int, list[int], list[dict]]:
    with site.api(username) as api:
        household = api.get("/api/v1/household/").json()
        resident = household["residents"][0]["id"]
        visitors = [v["id"] for v in household["visitors"]]
        sessions = api.get("/api/v1/sessions/", params={"resident": resident,
                                                        "kind": "in_person"}).json()
    return resident, visitors, sessions


def book(site: Site, username: str, session_id: int) -> int:
    resident, visitors, _ = household_and_session(site, username)
    with site.api(username) as api:
        response = api.post("/api/v1/bookings/", json={
            "session_id": session_id, "resident_id": resident, "visitor_ids": visitors})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def fresh_session(site: Site) -> dict:
    """A session nobody booked yet that both Rosa (Maria, Unit A) and Linda (Tanya, Unit B)
    may book, in the week used least so far (each resident may visit 3 times a week)."""
    rosas = household_and_session(site, "rosa")[2]
    lindas = {s["id"] for s in household_and_session(site, "linda")[2]}
    taken = {s["id"] for s in site.picked}
    weeks = Counter(week(s) for s in site.picked)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=BOOKABLE_DAYS)
    free = [s for s in rosas if s["id"] in lindas and s["id"] not in taken and s["remaining"]
            and dt.datetime.fromisoformat(s["starts_at"]) < soon]
    chosen = min(free, key=lambda s: (weeks[week(s)], s["starts_at"]))
    site.picked.append(chosen)
    return chosen


def week(session: dict) -> tuple[int, int]:
    """The quota's week runs Monday to Sunday on Lakeview's clock, not in UTC (a Sunday 7 p.m.
    visit in Chicago is already Monday in UTC)."""
    local = dt.datetime.fromisoformat(session["starts_at"]).astimezone(LAKEVIEW_TZ)
    return tuple(local.isocalendar()[:2])


def local_day(session: dict) -> str:
    """The session's day at Lakeview (the demo liaison's facility), for the roster URL."""
    starts = dt.datetime.fromisoformat(session["starts_at"])
    return starts.astimezone(zoneinfo.ZoneInfo("America/Chicago")).date().isoformat()


def test_my_visits_shows_the_confirmation_and_the_closure_without_reload(
    phone: Page, site: Site,
) -> None:
    session = fresh_session(site)
    booking_id = book(site, "rosa", session["id"])
    sign_in(phone, site, "rosa")
    phone.goto(site.url + "/bookings/")
    card = phone.locator(f"#booking-{booking_id}")
    expect(card.locator(".badge.requested")).to_have_text("Requested")
    badge = phone.locator("[data-live-unread] .badge")
    unread = int(re.sub(r"\D", "", badge.inner_text())) if badge.count() else 0
    listening(phone)

    with site.api("liaison") as api:  # the liaison confirms, from her own phone
        assert api.post(f"/api/v1/bookings/{booking_id}/confirm/").status_code == 200

    expect(card.locator(".badge.confirmed")).to_have_text("Confirmed", timeout=LIVE_TIMEOUT_MS)
    expect(phone.locator(".inbox")).to_contain_text("Your visit is confirmed")
    # The menu's unread count, outside the live part, went up with it.
    expect(badge).to_have_text(re.compile(rf"^{unread + 1}\b"))
    assert not_reloaded(phone)

    with site.api("liaison") as api:  # a lockdown: the session is closed for everyone
        response = api.post(f"/api/v1/sessions/{session['id']}/close/",
                            json={"reason_code": "lockdown"})
        assert response.status_code == 200, response.text

    expect(card.locator(".badge.cancelled")).to_have_text("Cancelled", timeout=LIVE_TIMEOUT_MS)
    expect(card).to_contain_text("Reason: Lockdown")
    assert not_reloaded(phone)


def test_roster_shows_a_new_booking_without_reload(phone: Page, site: Site) -> None:
    session = fresh_session(site)
    sign_in(phone, site, "liaison")
    phone.goto(f"{site.url}/roster/?date={local_day(session)}")
    listening(phone)
    before = phone.locator("[id^=booking-]").count()

    booking_id = book(site, "linda", session["id"])  # Linda books on her phone

    expect(phone.locator(f"#booking-{booking_id}")).to_contain_text(
        "Tanya", timeout=LIVE_TIMEOUT_MS)
    expect(phone.locator(f"#booking-{booking_id} .badge.requested")).to_have_text("Requested")
    assert phone.locator("[id^=booking-]").count() == before + 1
    assert not_reloaded(phone)


def test_roster_shows_a_confirmation_made_on_another_phone_without_reload(
    phone: Page, site: Site,
) -> None:
    session = fresh_session(site)
    booking_id = book(site, "linda", session["id"])
    sign_in(phone, site, "liaison")
    phone.goto(f"{site.url}/roster/?date={local_day(session)}")
    card = phone.locator(f"#booking-{booking_id}")
    expect(card.locator(".badge.requested")).to_have_text("Requested")
    listening(phone)

    with site.api("liaison") as api:  # confirmed from another phone, not this page
        assert api.post(f"/api/v1/bookings/{booking_id}/confirm/").status_code == 200

    expect(card.locator(".badge.confirmed")).to_have_text("Confirmed", timeout=LIVE_TIMEOUT_MS)
    assert not_reloaded(phone)


def test_a_decline_reason_being_typed_survives_a_live_update(phone: Page, site: Site) -> None:
    session = fresh_session(site)
    first = book(site, "rosa", session["id"])
    sign_in(phone, site, "liaison")
    phone.goto(f"{site.url}/roster/?date={local_day(session)}")
    listening(phone)
    phone.locator(f"#decline-{first} summary").click()
    phone.locator(f"#decline-{first} select[name=reason_code]").select_option("other")
    phone.locator(f"#decline-{first} input[name=reason]").fill("Visitor list changed")

    later = book(site, "linda", session["id"])
    phone.locator(f"#decline-{first} input[name=reason]").blur()  # she looks away

    expect(phone.locator(f"#booking-{later}")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(phone.locator(f"#decline-{first}")).to_have_attribute("open", "")
    # What she picked and typed is still there, ready to send.
    expect(phone.locator(f"#decline-{first} select[name=reason_code]")).to_have_value("other")
    expect(phone.locator(f"#decline-{first} input[name=reason]")).to_have_value(
        "Visitor list changed")
    assert not_reloaded(phone)


def test_session_list_shows_remaining_places_live(phone: Page, site: Site) -> None:
    session = fresh_session(site)
    resident = household_and_session(site, "rosa")[0]
    sign_in(phone, site, "rosa")
    phone.goto(f"{site.url}/visit/{resident}/?kind=in_person")
    slot = phone.locator(f"a.card[href$='/{session['id']}/']")
    places = slot.locator(".places")
    listening(phone)
    left = int(re.search(r"\d+", places.inner_text()).group())

    book(site, "linda", session["id"])  # someone else takes a place

    expect(places).to_contain_text(f"{left - 1} place", timeout=LIVE_TIMEOUT_MS)
    assert not_reloaded(phone)


def shoot(page: Page, name: str) -> Path:
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width}px wide"
    return path


@pytest.mark.parametrize("language", ["en", "es"])
def test_screenshots_of_inbox_preferences_and_roster(
    browser: Browser, site: Site, language: str,
) -> None:
    session = fresh_session(site)
    booking_id = book(site, "rosa", session["id"])
    with site.api("liaison") as api:
        api.post(f"/api/v1/bookings/{booking_id}/confirm/")
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    try:
        sign_in(page, site, "rosa", language)
        page.goto(site.url + "/inbox/")
        expect(page.locator(".card.message").first).to_be_visible()
        shoot(page, f"live-{language}-inbox")
        page.goto(site.url + "/preferences/")
        shoot(page, f"live-{language}-preferences")
        page.check("#id_sms_enabled")
        page.fill("#id_phone", "")
        page.fill("#id_quiet_start", "22:00")
        page.click("button[type=submit].primary")
        expect(page.locator(".field-error").first).to_be_visible()
        shoot(page, f"live-{language}-preferences-error")
        context.clear_cookies()
        sign_in(page, site, "liaison", language)
        page.goto(f"{site.url}/roster/?date={local_day(session)}")
        expect(page.locator(f"#booking-{booking_id}")).to_be_visible()
        shoot(page, f"live-{language}-roster")
    finally:
        context.close()
