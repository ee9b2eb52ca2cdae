"""The call page says one clear thing when no call can take place (what must happen first,
and a way back), waits only for a call that will open by itself, and offers staff an end
button only while a call can be under way. Times are relative to now."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import formats, timezone

from calls.models import Call, CallPresence
from notifications.models import Delivery
from tests import factories as f
from tests.calls.conftest import make_station
from visits.models import Booking, BookingStatus, VisitKind

pytestmark = pytest.mark.django_db

KEEP_OPEN = "Keep this page open"
END_FORM = "End this call for everyone"


@dataclass
class Video:
    world: Any
    booking: Booking
    station: Any

    @property
    def url(self) -> str:
        return f"/calls/{self.booking.pk}/"

    def user(self, who: str) -> Any:
        return self.station if who == "station" else self.world.persona(who)


def video(world, *, hours_from_now: float, status: str) -> Video:
    rule = f.make_rule(world.facility, kind=VisitKind.VIDEO, duration_minutes=30)
    session = f.make_session(rule, starts_at=f.in_hours(hours_from_now))
    booking = f.make_booking(session, world.resident, world.household, world.family,
                             status=status)
    return Video(world=world, booking=booking,
                 station=make_station(world.unit_a, "kiosk-a", "Kiosk A"))


def page_for(call: Video, who: str) -> str:
    client = Client()
    client.force_login(call.user(who))
    response = client.get(call.url)
    assert response.status_code == 200
    return response.content.decode()


def opens_at(call: Video) -> str:
    opens = call.booking.session.starts_at - dt.timedelta(minutes=10)
    return formats.time_format(timezone.localtime(opens, call.world.facility.tz), "TIME_FORMAT")


def roster_of_the_day(call: Video) -> str:
    day = timezone.localtime(call.booking.session.starts_at, call.world.facility.tz).date()
    return f'href="/roster/?date={day.isoformat()}" data-back>'


def end(call: Video, reason: str = "Count time") -> Any:
    client = Client()
    client.force_login(call.world.liaison)
    return client.post(call.url + "end/", {"reason": reason}, follow=True)


# Before the room opens, and inside its window: a requested booking has no call either way.
@pytest.mark.parametrize("hours_from_now", [2, -0.05])
def test_staff_on_a_requested_booking_are_told_to_confirm_it_first(
    world, hours_from_now: float,
) -> None:
    call = video(world, hours_from_now=hours_from_now, status=BookingStatus.REQUESTED)
    page = page_for(call, "liaison")
    assert (f"Confirm the booking on the roster first: the call opens at {opens_at(call)}."
            in page)
    assert roster_of_the_day(call) in page and "Back to the roster" in page
    assert "This visit is not confirmed" not in page
    assert KEEP_OPEN not in page and END_FORM not in page and "data-join" not in page


@pytest.mark.parametrize(("who", "back"), [
    ("caregiver", 'href="/bookings/" data-back>'), ("station", 'href="/station/" data-back>')])
def test_the_family_and_the_station_hear_it_is_not_confirmed_yet(
    world, who: str, back: str,
) -> None:
    call = video(world, hours_from_now=2, status=BookingStatus.REQUESTED)
    page = page_for(call, who)
    assert ("The facility has not confirmed this visit yet. Once it does, the call opens at "
            f"{opens_at(call)}.") in page
    assert back in page
    assert KEEP_OPEN not in page and END_FORM not in page and "data-join" not in page


def test_ending_a_requested_bookings_call_comes_back_to_its_page(world) -> None:
    call = video(world, hours_from_now=-0.05, status=BookingStatus.REQUESTED)
    response = end(call)
    assert response.redirect_chain == [(call.url, 302)]
    page = response.content.decode()
    assert "This call is not under way." in page and "Confirm the booking" in page
    assert "Sorry" not in page and "Back to the start" not in page
    assert not Call.objects.exists()
    assert not Delivery.objects.filter(event__type="call.ended").exists()


@pytest.mark.parametrize("who", ["caregiver", "station", "liaison"])
def test_a_confirmed_call_not_open_yet_keeps_the_page_waiting(world, who: str) -> None:
    call = video(world, hours_from_now=2, status=BookingStatus.CONFIRMED)
    page = page_for(call, who)
    assert f"The call opens at {opens_at(call)} (facility time)." in page
    assert KEEP_OPEN in page and "data-opens-in=" in page
    assert END_FORM not in page and "data-join" not in page


def test_staff_can_end_a_call_whose_room_is_open(world) -> None:
    call = video(world, hours_from_now=-0.05, status=BookingStatus.CONFIRMED)
    page = page_for(call, "liaison")
    assert END_FORM in page and "data-join" in page and KEEP_OPEN not in page
    # Nobody joined yet: nothing to end, and she is back on the call page, told so.
    response = end(call)
    assert response.redirect_chain == [(call.url, 302)]
    assert "This call is not under way." in response.content.decode()
    # Once someone is on it, the same button ends it.
    Call.objects.create(booking=call.booking, started_at=timezone.now())
    assert "The call was ended." in end(call).content.decode()
    assert Delivery.objects.filter(event__type="call.ended").count() == 1


@pytest.mark.parametrize(("status", "hours_from_now", "says"), [
    (BookingStatus.CANCELLED, 2, "This visit is not confirmed, so there is no call."),
    (BookingStatus.DECLINED, -0.05, "This visit is not confirmed, so there is no call."),
    (BookingStatus.CONFIRMED, -1, "This call's time is over."),
    (BookingStatus.REQUESTED, -1, "This call's time is over."),
])
@pytest.mark.parametrize("who", ["caregiver", "liaison"])
def test_no_call_says_one_thing_and_offers_nothing_that_cannot_work(
    world, status: str, hours_from_now: float, says: str, who: str,
) -> None:
    call = video(world, hours_from_now=hours_from_now, status=status)
    page = page_for(call, who)
    assert says.replace("'", "&#x27;") in page
    assert "data-back>" in page
    assert KEEP_OPEN not in page and END_FORM not in page and "data-join" not in page


def test_staff_can_still_end_a_call_under_way_whose_booking_was_cancelled(world) -> None:
    call = video(world, hours_from_now=-0.05, status=BookingStatus.CONFIRMED)
    on_call = Call.objects.create(booking=call.booking, started_at=timezone.now())
    CallPresence.objects.create(call=on_call, user=world.caregiver, role="family", name="Rosa",
                                peer="p1", joined_at=timezone.now())
    Booking.objects.filter(pk=call.booking.pk).update(status=BookingStatus.CANCELLED)
    assert END_FORM in page_for(call, "liaison")
    assert "The call was ended." in end(call).content.decode()
