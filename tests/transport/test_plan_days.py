"""Which day "Plan this day" plans: the one the coordinator picked, and only a day still to
come within the session horizon. A lost, malformed, past or far-off date is refused with a
message on the board (a 400 naming `date` on the API) and no planning run is queued.

Every test sets its own clock (frozen at "now", or at a moment of the calendar that has
tripped date code before: New Year's Eve, both daylight-saving changes, a leap day), so the
suite passes whatever day it runs on.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from notifications.models import Event
from notifications.preferences import preference_update
from tests.conftest import World
from tests.transport.conftest import Rides, TripSetup
from transport.models import Coordinator, PlanRun, Program, ProgramFacility, RideRequest

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
STARTED = "Planning has started. The board updates when it is done."
MISSING = "The day to plan was missing or not a valid date. Choose the day on the board again."


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def shown(day: dt.date) -> str:
    with translation.override("en"):
        return date_format(day, "DATE_FORMAT")


def over(day: dt.date) -> str:
    return f"{shown(day)} is over. Choose today or a day to come."


def too_far(day: dt.date, last: dt.date) -> str:
    return f"{shown(day)} is too far ahead: rides can be planned until {shown(last)}."


def chicago_today() -> dt.date:
    return timezone.now().astimezone(CHICAGO).date()


@pytest.fixture
def frozen() -> Iterator[None]:
    """The clock stopped at the moment the test starts: "today" cannot turn into tomorrow
    between the test reading it and the server reading it."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


@pytest.fixture
def coordinator(world: World) -> Any:
    """The world's coordinator, in Chicago, for a program that drives families to Lakeview
    (Chicago) only: her days and her facility's are the same."""
    program = Program.objects.create(name="Prairie Rides")
    ProgramFacility.objects.create(program=program, facility=world.facility)
    Coordinator.objects.filter(user=world.coordinator).update(program=program)
    preference_update(user=world.coordinator, time_zone="America/Chicago")
    return world.coordinator


def horizon() -> dt.timedelta:
    return dt.timedelta(days=settings.SESSION_HORIZON_DAYS)


# --- the board's button -------------------------------------------------------------------


def post_plan(user: Any, data: dict[str, str]) -> Any:
    return client_for(user).post("/rides/board/plan/", data, follow=True)


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("ahead", [0, 1, 4, None], ids=["today", "tomorrow", "in 4 days",
                                                        "last day of the horizon"])
def test_the_board_plans_the_day_she_picked(coordinator, ahead):
    day = chicago_today() + (horizon() if ahead is None else dt.timedelta(days=ahead))
    page = post_plan(coordinator, {"date": day.isoformat()})
    assert STARTED in page.content.decode()
    assert list(PlanRun.objects.values_list("day", flat=True)) == [day]
    assert page.redirect_chain[-1][0].endswith(f"?date={day.isoformat()}")


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("data", [
    {}, {"date": ""}, {"date": "abc"}, {"date": "2026-13-01"}, {"date": "9999-12-31"},
    {"date": "１２"}, {"date": "2020-02-30"},
], ids=["no date", "empty", "abc", "month 13", "year 9999", "wide digits", "no such day"])
def test_a_lost_or_malformed_date_is_refused_not_replaced_by_today(coordinator, data):
    page = post_plan(coordinator, data)
    html = page.content.decode()
    assert MISSING in html and STARTED not in html
    assert not PlanRun.objects.exists()
    assert page.redirect_chain[-1][0] == "/rides/board/"


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("back", [1, 2, 400])
def test_a_day_already_over_is_refused(coordinator, back):
    today = chicago_today()
    day = today - dt.timedelta(days=back)
    page = post_plan(coordinator, {"date": day.isoformat()})
    html = page.content.decode()
    assert over(day) in html and STARTED not in html
    assert not PlanRun.objects.exists()
    # She stays on the day she picked, and sees which one was refused.
    assert page.redirect_chain[-1][0].endswith(f"?date={day.isoformat()}")


@pytest.mark.usefixtures("frozen")
def test_a_long_gone_date_is_refused(coordinator):
    page = post_plan(coordinator, {"date": "2020-01-01"})
    assert over(dt.date(2020, 1, 1)) in page.content.decode()
    assert not PlanRun.objects.exists()


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("beyond", [1, 30, 3650])
def test_a_day_past_the_session_horizon_is_refused(coordinator, beyond):
    last = chicago_today() + horizon()
    day = last + dt.timedelta(days=beyond)
    page = post_plan(coordinator, {"date": day.isoformat()})
    html = page.content.decode()
    assert too_far(day, last) in html and STARTED not in html
    assert not PlanRun.objects.exists()


@pytest.mark.usefixtures("frozen")
def test_one_facilitys_board_is_refused_alike(coordinator, world):
    day = chicago_today() - dt.timedelta(days=1)
    page = post_plan(coordinator, {"date": day.isoformat(), "facility": str(world.facility.pk)})
    assert over(day) in page.content.decode()
    assert not PlanRun.objects.exists()
    assert page.redirect_chain[-1][0].endswith(
        f"?date={day.isoformat()}&facility={world.facility.pk}")


@pytest.mark.usefixtures("frozen")
def test_a_family_still_cannot_plan_any_day(world, coordinator):
    page = post_plan(world.caregiver, {"date": chicago_today().isoformat()})
    assert "Only a transport coordinator can do this." in page.content.decode()
    assert not PlanRun.objects.exists()


# --- "today" is where she is, and where the facility is -----------------------------------


def _second_sunday_of_march(year: int) -> dt.date:
    first = dt.date(year, 3, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7)


def _first_sunday_of_november(year: int) -> dt.date:
    first = dt.date(year, 11, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7)


def _next_leap_day(year: int) -> dt.date:
    while not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        year += 1
    return dt.date(year, 2, 29)


def _moments() -> dict[str, dt.datetime]:
    """Chicago wall-clock moments of next year's calendar that date code gets wrong."""
    year = timezone.now().year + 1
    at = dt.datetime.combine
    return {
        "new year's eve, 20:00 (already January 1 in UTC)":
            at(dt.date(year, 12, 31), dt.time(20, 0), tzinfo=CHICAGO),
        "new year's eve, 23:59":
            at(dt.date(year, 12, 31), dt.time(23, 59), tzinfo=CHICAGO),
        "new year's day, 00:01": at(dt.date(year + 1, 1, 1), dt.time(0, 1), tzinfo=CHICAGO),
        "spring forward, 03:30":
            at(_second_sunday_of_march(year), dt.time(3, 30), tzinfo=CHICAGO),
        "fall back, the first 01:30":
            at(_first_sunday_of_november(year), dt.time(1, 30), tzinfo=CHICAGO),
        "fall back, the second 01:30":
            at(_first_sunday_of_november(year), dt.time(1, 30, fold=1), tzinfo=CHICAGO),
        "fall back, 23:30": at(_first_sunday_of_november(year), dt.time(23, 30),
                               tzinfo=CHICAGO),
        "leap day, 12:00": at(_next_leap_day(year), dt.time(12, 0), tzinfo=CHICAGO),
        "the day after a leap day, 00:30":
            at(_next_leap_day(year) + dt.timedelta(days=1), dt.time(0, 30), tzinfo=CHICAGO),
    }


MOMENTS = _moments()


@pytest.mark.parametrize("name", list(MOMENTS))
def test_today_is_her_local_day_on_the_calendars_awkward_days(coordinator, name):
    moment = MOMENTS[name]
    today = moment.date()
    last = today + horizon()
    with time_machine.travel(moment, tick=False):
        assert post_plan(coordinator, {"date": today.isoformat()}).status_code == 200
        assert post_plan(coordinator, {"date": last.isoformat()}).status_code == 200
        assert set(PlanRun.objects.values_list("day", flat=True)) == {today, last}
        yesterday, beyond = today - dt.timedelta(days=1), last + dt.timedelta(days=1)
        assert over(yesterday) in post_plan(
            coordinator, {"date": yesterday.isoformat()}).content.decode()
        assert too_far(beyond, last) in post_plan(
            coordinator, {"date": beyond.isoformat()}).content.decode()
    assert PlanRun.objects.count() == 2


def test_a_facility_behind_her_can_still_plan_its_own_today(coordinator):
    """She reads her board in UTC; at 01:00 UTC it is still 19:00 the day before in Chicago,
    where the rides of that evening still have to be planned."""
    preference_update(user=coordinator, time_zone="UTC")
    moment = dt.datetime.combine(timezone.now().date() + dt.timedelta(days=10), dt.time(1, 0),
                                 tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        chicago = moment.astimezone(CHICAGO).date()
        assert chicago == moment.date() - dt.timedelta(days=1)
        page = post_plan(coordinator, {"date": chicago.isoformat()})
        assert STARTED in page.content.decode()
        day_before = chicago - dt.timedelta(days=1)
        assert over(day_before) in post_plan(
            coordinator, {"date": day_before.isoformat()}).content.decode()
    assert list(PlanRun.objects.values_list("day", flat=True)) == [chicago]


# --- the API agrees -----------------------------------------------------------------------


def api_plan(api: Any, user: Any, body: dict[str, Any]) -> Any:
    return api(user).post("/api/v1/rides/plan/", body, format="json")


@pytest.mark.usefixtures("frozen")
def test_the_api_plans_the_day_asked_for(api, coordinator):
    for day in (chicago_today(), chicago_today() + horizon()):
        response = api_plan(api, coordinator, {"date": day.isoformat()})
        assert response.status_code == 202, response.content
        assert response.json()["day"] == day.isoformat()
    assert PlanRun.objects.count() == 2


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("when, code", [
    (lambda today: today - dt.timedelta(days=1), "day_over"),
    (lambda today: dt.date(2020, 1, 1), "day_over"),
    (lambda today: today + dt.timedelta(days=settings.SESSION_HORIZON_DAYS + 1), "day_too_far"),
    (lambda today: today + dt.timedelta(days=3650), "day_too_far"),
], ids=["yesterday", "2020-01-01", "just past the horizon", "in ten years"])
def test_the_api_refuses_days_over_or_too_far_naming_the_field(api, coordinator, when, code):
    day = when(chicago_today())
    response = api_plan(api, coordinator, {"date": day.isoformat()})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert body["fields"]["date"] == [body["message"]]
    assert shown(day) in body["message"]
    assert not PlanRun.objects.exists()


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize("body", [{}, {"date": "abc"}, {"date": "9999-12-31"}, {"date": None}])
def test_the_api_refuses_a_missing_or_malformed_date(api, coordinator, body):
    response = api_plan(api, coordinator, body)
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["date"]
    assert not PlanRun.objects.exists()


# --- "Pin and re-plan" plans the ride's day, and only a day that may be planned ------------


def test_pin_and_replan_on_a_day_already_over_changes_nothing(world, two_trips: TripSetup,
                                                              rides: Rides):
    preference_update(user=world.coordinator, time_zone="America/Chicago")
    later = rides.local(12) + dt.timedelta(days=2)
    with time_machine.travel(later, tick=False):
        events = Event.objects.count()
        page = client_for(world.coordinator).post(
            f"/rides/requests/{two_trips.request.pk}/pin/",
            {"trip_id": two_trips.other_trip.pk, "replan": "1", "date": rides.day.isoformat()},
            follow=True)
    html = page.content.decode()
    assert over(rides.day) in html and "Pinned." not in html
    # The pin is undone with the refused plan: nothing on the board moved.
    assert RideRequest.objects.get(pk=two_trips.request.pk).pinned_trip_id is None
    assert not PlanRun.objects.exists()
    assert Event.objects.count() == events


def test_pin_and_replan_plans_the_rides_day_whatever_date_was_posted(world, two_trips, rides):
    page = client_for(world.coordinator).post(
        f"/rides/requests/{two_trips.request.pk}/pin/",
        {"trip_id": two_trips.other_trip.pk, "replan": "1", "date": "abc"}, follow=True)
    assert "Pinned. Planning again around it." in page.content.decode()
    assert RideRequest.objects.get(pk=two_trips.request.pk).pinned_trip == two_trips.other_trip
    assert list(PlanRun.objects.values_list("day", flat=True)) == [rides.day]
