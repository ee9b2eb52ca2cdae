"""A round that is open in the database but whose requests start later says when they
start, on the liaison's pages and the family's; one taking requests says until when."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.dateformat import format as date_format

from tests.visits.test_rounds_world import RoundWorld, close_round, rw
from visits.round_models import RequestRound

__all__ = ["rw"]  # the fixture, imported for pytest

pytestmark = pytest.mark.django_db

SHOWN = "D j M, H:i"  # how the round pages show a moment


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def local(rw: RoundWorld, moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment, rw.world.facility.tz), SHOWN)


def opening_later(rw: RoundWorld) -> RequestRound:
    """The round's requests start in two days (it was created ahead, as the job does)."""
    RequestRound.objects.filter(pk=rw.round.pk).update(
        opens_at=timezone.now() + dt.timedelta(days=2),
        deadline=timezone.now() + dt.timedelta(days=5))
    rw.round.refresh_from_db()
    return rw.round


def liaison_pages(rw: RoundWorld) -> list[str]:
    client = client_for(rw.world.liaison)
    return [client.get(url).content.decode()
            for url in ("/roster/rounds/", f"/roster/rounds/{rw.round.pk}/")]


def test_a_round_opening_later_says_when_it_opens_not_taking_requests(rw: RoundWorld) -> None:
    rnd = opening_later(rw)
    for page in liaison_pages(rw):
        assert f"Opens {local(rw, rnd.opens_at)}" in page
        assert "Taking requests" not in page


def test_a_round_taking_requests_says_until_when(rw: RoundWorld) -> None:
    for page in liaison_pages(rw):
        assert f"Taking requests until {local(rw, rw.round.last_request_moment)}" in page
        assert "Opens " not in page


def test_the_wording_changes_by_itself_when_the_requests_start(rw: RoundWorld,
                                                               time_machine) -> None:
    rnd = opening_later(rw)
    time_machine.move_to(rnd.opens_at + dt.timedelta(minutes=1), tick=False)
    for page in liaison_pages(rw):
        assert f"Taking requests until {local(rw, rnd.last_request_moment)}" in page


def test_a_round_past_its_deadline_waits_for_the_draw(rw: RoundWorld) -> None:
    close_round(rw.round)
    for page in liaison_pages(rw):
        assert "Waiting for the draw" in page and "Taking requests" not in page


def test_the_opening_time_is_the_facilitys_own(rw: RoundWorld) -> None:
    """Opening at local midnight shows 00:00 whatever the server's zone is."""
    zone = rw.world.facility.tz
    day = (timezone.localtime(timezone.now(), zone) + dt.timedelta(days=3)).date()
    midnight = dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone)
    RequestRound.objects.filter(pk=rw.round.pk).update(
        opens_at=midnight, deadline=midnight + dt.timedelta(days=3))
    page = liaison_pages(rw)[0]
    assert f"Opens {date_format(midnight, 'D j M')}, 00:00" in page


def test_the_family_is_not_asked_for_a_request_before_the_round_opens(rw: RoundWorld) -> None:
    rnd = opening_later(rw)
    client = client_for(rw.world.caregiver)
    resident = rw.world.resident
    times = client.get(f"/visit/{resident.pk}/").content.decode()
    assert "Ask for a visit in the fair draw" not in times
    form = client.get(f"/visit/{resident.pk}/request/").content.decode()
    opens = timezone.localtime(rnd.opens_at, rw.world.facility.tz)
    assert (f"Requests for these visits open on {date_format(opens, 'l')}, "
            f"{date_format(opens, 'F j')}.") in form
    assert "Send your request" not in form
