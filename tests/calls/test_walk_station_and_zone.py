"""What a station and a family stumbled on when walking the video call pages (second walk):
a call staff ended was still offered to the station as the current one, and the call page
said "facility time" without naming the zone."""

from __future__ import annotations

import pytest
from django.test import Client

from calls.models import Call
from tests.calls.conftest import STARTS

pytestmark = pytest.mark.django_db


def client_for(user: object, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def test_a_call_staff_ended_is_not_offered_to_the_station(call_world) -> None:
    Call.objects.create(booking=call_world.booking, started_at=STARTS, ended_at=STARTS,
                        end_reason="Count in the unit")
    page = client_for(call_world.station).get("/station/").content.decode()
    assert "Open the call for Maria" not in page
    assert f'href="/calls/{call_world.booking.pk}/"' not in page
    assert "Ended by staff: Count in the unit" in page


def test_the_station_still_opens_a_call_under_way(call_world) -> None:
    Call.objects.create(booking=call_world.booking, started_at=STARTS)
    page = client_for(call_world.station).get("/station/").content.decode()
    assert "Open the call for Maria" in page and "Ended by staff" not in page


@pytest.mark.parametrize(("language", "text"), [("en", "(facility time, CST)"),
                                                ("es", "(hora del centro, CST)")])
def test_the_call_page_names_the_facilitys_zone(call_world, language: str, text: str) -> None:
    for user in (call_world.world.caregiver, call_world.station):
        page = client_for(user, language).get(f"/calls/{call_world.booking.pk}/")
        assert text in page.content.decode()


def test_staff_are_told_their_camera_stays_off(call_world) -> None:
    """A monitor sends no picture or sound (call.js asks for neither): the page said her
    camera and microphone would turn on, which kept a liaison from watching."""
    url = f"/calls/{call_world.booking.pk}/"
    staff = client_for(call_world.world.liaison).get(url).content.decode()
    assert "Your camera and microphone stay off" in staff
    assert "will turn on" not in staff
    family = client_for(call_world.world.caregiver).get(url).content.decode()
    assert "Your camera and microphone will turn on." in family
