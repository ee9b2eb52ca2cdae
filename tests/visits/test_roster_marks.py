"""The roster: a date picker besides the day arrows; check-in and no-show each behind a
confirmation, and each undone by one tap (back to the state the booking had before)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests import factories as f
from tests.notifications.test_pages import browser_for, messages_on, text
from visits.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 5)


@pytest.fixture
def visit(world):
    """A confirmed visit at 10:00 facility time on DAY, the clock at 10:20 that morning."""
    tz = world.facility.tz
    session = f.make_session(world.rule, starts_at=dt.datetime.combine(DAY, dt.time(10), tz))
    booking = f.make_booking(session, world.resident, world.household, world.family,
                             status=BookingStatus.CONFIRMED)
    with time_machine.travel(dt.datetime.combine(DAY, dt.time(10, 20), tz), tick=False):
        yield booking


def _roster(client, language: str = "en"):
    return client.get(f"/roster/?date={DAY.isoformat()}")


def _post(client, booking: Booking, action: str):
    return client.post(f"/roster/{booking.pk}/{action}/", {"date": DAY.isoformat()}, follow=True)


def test_the_roster_has_a_date_picker_that_goes_to_the_chosen_day(world, visit) -> None:
    liaison = browser_for(world.liaison)
    html = _roster(liaison).content.decode()
    assert f'type="date" id="roster-date" name="date" value="{DAY.isoformat()}"' in html
    later = liaison.get("/roster/", {"date": "2027-01-20"})
    assert "Wednesday" in text(later) and "January 20" in text(later)
    bad = liaison.get("/roster/", {"date": "20-01-2027"})  # a garbled day: today, not a 500
    assert bad.status_code == 200


def test_check_in_asks_first_then_can_be_undone(world, visit) -> None:
    liaison = browser_for(world.liaison)
    html = _roster(liaison).content.decode()
    assert f'<details id="check-in-{visit.pk}">' in html and "Yes, check them in" in html

    checked = _post(liaison, visit, "check-in")
    assert Booking.objects.get(pk=visit.pk).status == BookingStatus.CHECKED_IN
    assert "Undo check-in" in text(checked)
    assert checked.redirect_chain[-1][0].endswith(f"#booking-{visit.pk}")

    undone = _post(liaison, visit, "undo")
    assert "Undone: the booking is back as it was." in messages_on(undone)
    assert Booking.objects.get(pk=visit.pk).status == BookingStatus.CONFIRMED


def test_a_no_show_on_a_request_undoes_back_to_the_request(world, visit) -> None:
    Booking.objects.filter(pk=visit.pk).update(status=BookingStatus.REQUESTED)
    liaison = browser_for(world.liaison, "es")
    assert "Sí, nadie vino" in text(_roster(liaison))
    _post(liaison, visit, "no-show")
    assert Booking.objects.get(pk=visit.pk).status == BookingStatus.NO_SHOW
    assert "Deshacer la ausencia" in text(_roster(liaison))
    _post(liaison, visit, "undo")
    assert Booking.objects.get(pk=visit.pk).status == BookingStatus.REQUESTED


def test_nothing_to_undo_says_so_and_changes_nothing(world, visit) -> None:
    page = _post(browser_for(world.liaison), visit, "undo")
    assert "There is no check-in or no-show to undo on this booking." in messages_on(page)
    assert Booking.objects.get(pk=visit.pk).status == BookingStatus.CONFIRMED


def test_only_the_facilitys_liaison_can_undo(world, visit, api) -> None:
    Booking.objects.filter(pk=visit.pk).update(status=BookingStatus.CHECKED_IN)
    for persona in ["other_liaison", "caregiver", "driver"]:
        response = api(world.persona(persona)).post(f"/api/v1/bookings/{visit.pk}/undo/")
        assert response.status_code in {403, 404}, persona
        assert Booking.objects.get(pk=visit.pk).status == BookingStatus.CHECKED_IN
    done = api(world.liaison).post(f"/api/v1/bookings/{visit.pk}/undo/")
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
