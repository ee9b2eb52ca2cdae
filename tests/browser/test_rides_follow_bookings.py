"""A ride follows its booking, as the driver sees it: when a visit is declined, cancelled or its
session closed, that family's stops leave the driver's open page at once (no reload) and her
calendar feed.

A real daphne and a real worker process with Redis between them (the `live_site` of
test_transport_pages, a fresh one for this module), the driver's phone in Chromium.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_transport_pages import (
    PHONE_WIDTH,
    LiveSite,
    live_site,  # noqa: F401 (a fixture: own instance)
    shot,
)

pytestmark = [pytest.mark.browser]

PICKUPS = {"rosa": "Springfield Amtrak station", "linda": "Champaign, 501 N Neil St"}
DRIVER_LOGINS = {"Joe Miller": "driver", "Ann Lee": "driver2"}


class Site:
    """The live site seen through its API, as each person would call it."""

    def __init__(self, site: LiveSite) -> None:
        self.site = site

    def call(self, who: str, method: str, path: str, **kwargs: object) -> httpx.Response:
        response = httpx.request(method, f"{self.site.url}/api/v1/{path}", timeout=30,
                                 headers={"Authorization": f"Token {self.site.tokens[who]}"},
                                 **kwargs)
        assert response.status_code < 400, (path, response.status_code, response.text)
        return response

    def plan(self) -> dict:
        self.call("coordinator", "POST", "rides/plan/", json={"date": self.site.day})
        self.site.manage("db_worker", "--batch", "--no-startup-delay", "--no-reload")
        return self.call("coordinator", "GET", f"rides/board/?date={self.site.day}").json()

    def ride_of(self, family: str) -> dict:
        rides = self.call(family, "GET", "rides/").json()
        live = [r for r in rides if r["status"] != "cancelled"]
        assert len(live) == 1, live
        return live[0]


def driver_of(board: dict, request_id: int) -> tuple[str, list[int]]:
    """The login of the driver who carries `request_id`, and that ride's stop ids."""
    for trip in board["trips"]:
        stops = [s["id"] for s in trip["stops"] if s["request_id"] == request_id]
        if stops:
            return DRIVER_LOGINS[trip["driver"]], stops
    raise AssertionError(f"ride {request_id} is on no trip: {board['unplanned']}")


@pytest.fixture
def driver_phone(browser, live_site: LiveSite) -> Iterator[callable]:  # noqa: F811
    contexts = []

    def open_page(username: str) -> Page:
        context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 844},
                                      locale="en-US")
        context.set_default_timeout(20_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(live_site.url + "/login/")
        page.fill("#id_login", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.goto(f"{live_site.url}/rides/driver/?date={live_site.day}")
        expect(page.locator("[data-live]")).to_have_attribute("data-live-state", "open")
        page.evaluate("window.__sameDocument = 'yes'")
        return page

    yield open_page
    for context in contexts:
        context.close()


def feed_of(page: Page) -> str:
    url = page.locator("#feed-url").input_value()
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200
    # Unfold the long lines and unescape the commas of iCalendar text.
    return response.text.replace("\r\n ", "").replace("\\,", ",")


def stops_leave_the_page(page: Page, stops: list[int], pickup: str) -> None:
    for stop in stops:
        expect(page.locator(f"#stop-{stop}")).to_have_count(0, timeout=5_000)  # pushed, not polled
    assert page.evaluate("window.__sameDocument") == "yes"  # gone in place, never reloaded
    expect(page.locator("[data-live]")).not_to_contain_text(pickup)
    assert pickup not in feed_of(page)


def test_declined_cancelled_and_closed_visits_take_their_stops_off_the_driver_page(
        live_site: LiveSite, driver_phone) -> None:  # noqa: F811
    api = Site(live_site)
    board = api.plan()

    # 1. The liaison declines Linda's visit.
    linda = api.ride_of("linda")
    login, stops = driver_of(board, linda["id"])
    page = driver_phone(login)
    for stop in stops:
        expect(page.locator(f"#stop-{stop}")).to_be_visible()
    assert PICKUPS["linda"] in feed_of(page)
    api.call("liaison", "POST", f"bookings/{linda['booking_id']}/decline/",
             json={"reason": "The visiting list is not yet approved."})
    stops_leave_the_page(page, stops, PICKUPS["linda"])

    # 2. Rosa cancels her visit herself.
    rosa = api.ride_of("rosa")
    login, stops = driver_of(board, rosa["id"])
    page = driver_phone(login)
    for stop in stops:
        expect(page.locator(f"#stop-{stop}")).to_be_visible()
    api.call("rosa", "POST", f"bookings/{rosa['booking_id']}/cancel/", json={})
    stops_leave_the_page(page, stops, PICKUPS["rosa"])
    shot(page, "driver-after-cancel")

    # 3. She books the same visit again with a ride; once planned, the liaison closes the
    #    session (a lockdown): her stops leave the driver's page again.
    old = next(b for b in api.call("rosa", "GET", "bookings/").json()
               if b["id"] == rosa["booking_id"])
    again = api.call("rosa", "POST", "bookings/", json={
        "session_id": old["session"]["id"], "resident_id": old["resident"]["id"],
        "visitor_ids": [v["id"] for v in old["visitors"]]}).json()
    api.call("rosa", "POST", "rides/", json={
        "booking_id": again["id"], "pickup_label": PICKUPS["rosa"],
        "pickup_latitude": 39.8028, "pickup_longitude": -89.6515})
    board = api.plan()
    login, stops = driver_of(board, api.ride_of("rosa")["id"])
    page = driver_phone(login)
    for stop in stops:
        expect(page.locator(f"#stop-{stop}")).to_be_visible()
    api.call("liaison", "POST", f"sessions/{old['session']['id']}/close/",
             json={"reason": "Lockdown"})
    stops_leave_the_page(page, stops, PICKUPS["rosa"])
