"""The call page, the staff's end button and the station page, for every persona."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from calls.models import Call, CallPresence
from notifications.models import Delivery
from tests import factories as f
from tests.calls.conftest import STARTS
from visits.models import ApprovalStatus, ApprovedVisitor, Facility

pytestmark = pytest.mark.django_db


def client_for(user, language: str = "en") -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = language
    return client


def call_url(call_world) -> str:
    return f"/calls/{call_world.booking.pk}/"


def started(call_world) -> Call:
    return Call.objects.create(booking=call_world.booking, started_at=STARTS)


@pytest.mark.parametrize(("who", "status", "text"), [
    ("caregiver", 200, "Video call with Maria"),
    ("station", 200, "Video call for Maria"),
    ("liaison", 200, "End this call for everyone"),
    ("other_caregiver", 404, "We could not find that call."),
    ("other_liaison", 404, "We could not find that call."),
    ("driver", 404, "We could not find that call."),
    ("coordinator", 404, "We could not find that call."),
    ("other_station", 403, "another unit"),
])
def test_call_page_per_persona(call_world, who: str, status: int, text: str) -> None:
    user = getattr(call_world, who, None) or call_world.world.persona(who)
    response = client_for(user).get(call_url(call_world))
    assert response.status_code == status
    assert text in response.content.decode()


def test_call_page_allows_camera_and_microphone_and_shows_no_prison_id(call_world) -> None:
    response = client_for(call_world.station).get(call_url(call_world))
    policy = response["Permissions-Policy"]
    assert "camera=(self)" in policy and "microphone=(self)" in policy
    assert "W48213" not in response.content.decode()
    # Other pages keep both off.
    assert "camera=()" in client_for(call_world.station).get("/station/")["Permissions-Policy"]


def test_anonymous_is_sent_to_sign_in(call_world) -> None:
    response = client_for(None).get(call_url(call_world))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_denied_visitor_sees_why(call_world) -> None:
    ApprovedVisitor.objects.filter(visitor__household=call_world.world.household).update(
        status=ApprovalStatus.DENIED)
    response = client_for(call_world.world.caregiver).get(call_url(call_world))
    assert response.status_code == 403
    assert "not an approved visitor" in response.content.decode()


def test_before_the_window_the_page_says_when_it_opens_and_offers_no_join(
    call_world, time_machine
) -> None:
    time_machine.move_to(STARTS - dt.timedelta(hours=2), tick=False)
    page = client_for(call_world.world.caregiver).get(call_url(call_world)).content.decode()
    assert "The call opens at 5:50 p.m. (facility time)." in page
    assert "data-join" not in page


def test_the_page_speaks_spanish(call_world) -> None:
    page = client_for(call_world.world.caregiver, "es").get(call_url(call_world))
    assert "Videollamada con Maria" in page.content.decode()


def test_my_visits_offers_join_for_the_confirmed_call(call_world) -> None:
    call_world.booking.session.facility.__class__.objects.update(video_link_template="")
    page = client_for(call_world.world.caregiver).get("/bookings/").content.decode()
    assert f'href="/calls/{call_world.booking.pk}/"' in page


# --- ending a call (POST) -------------------------------------------------------------------


def end(user, call_world, reason: str = "Count time"):
    return client_for(user).post(call_url(call_world) + "end/", {"reason": reason})


def test_liaison_ends_the_call_and_the_family_is_told(call_world) -> None:
    started(call_world)
    response = end(call_world.world.liaison, call_world, "Count time on the unit")
    assert response.status_code == 302
    call = Call.objects.get()
    assert call.ended_at is not None and call.end_reason == "Count time on the unit"
    assert Delivery.objects.filter(user=call_world.world.caregiver,
                                   event__type="call.ended").exists()
    page = client_for(call_world.world.caregiver).get(call_url(call_world)).content.decode()
    assert "Staff ended this call: Count time on the unit" in page
    assert "data-join" not in page


@pytest.mark.parametrize(("reason", "problem"), [
    ("", "Say why the call is ended."),
    ("   ", "Say why the call is ended."),
    ("x" * 201, "Keep the reason to 200 characters or fewer."),
])
def test_a_bad_reason_is_shown_next_to_the_field(call_world, reason: str, problem: str) -> None:
    started(call_world)
    response = end(call_world.world.liaison, call_world, reason)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="reason-error"' in page and problem in page
    assert Call.objects.get().ended_at is None
    assert not Delivery.objects.filter(event__type="call.ended").exists()


@pytest.mark.parametrize(("who", "status"), [
    ("caregiver", 403), ("station", 403), ("other_liaison", 404), ("other_caregiver", 404),
    ("driver", 404),
])
def test_only_the_facilitys_staff_can_end_it(call_world, who: str, status: int) -> None:
    started(call_world)
    user = getattr(call_world, who, None) or call_world.world.persona(who)
    assert end(user, call_world).status_code == status
    assert Call.objects.get().ended_at is None


def test_ending_a_call_that_never_started_or_twice_comes_back_to_the_call_page(
        call_world) -> None:
    client = client_for(call_world.world.liaison)
    response = client.post(call_url(call_world) + "end/", {"reason": "Count time"},
                           follow=True)
    assert response.redirect_chain == [(call_url(call_world), 302)]
    assert "This call is not under way." in response.content.decode()
    started(call_world)
    assert end(call_world.world.liaison, call_world).status_code == 302
    again = client.post(call_url(call_world) + "end/", {"reason": "Count time"}, follow=True)
    page = again.content.decode()
    assert "This call is not under way." in page and "Staff ended this call: Count time" in page
    assert "End this call for everyone" not in page
    assert Delivery.objects.filter(event__type="call.ended").count() == 1


def test_end_is_post_only(call_world) -> None:
    assert client_for(call_world.world.liaison).get(call_url(call_world) + "end/").status_code \
        == 405


# --- the station page -----------------------------------------------------------------------


def test_station_page_lists_its_units_calls_and_opens_the_current_one(call_world) -> None:
    world = call_world.world
    other = f.make_resident(world.facility, unit=world.unit_b, first_name="Tanya",
                            prison_id="W51877X")
    f.approve(f.adults(world.other_household), other)
    f.make_booking(call_world.booking.session, other, world.other_household,
                   status="confirmed")
    page = client_for(call_world.station).get("/station/").content.decode()
    assert "Open the call for Maria" in page
    assert f'href="/calls/{call_world.booking.pk}/"' in page
    assert "Tanya" not in page  # another unit's call
    assert "W48213" not in page and "prison" not in page.lower()


def test_station_page_before_the_window_says_when_it_opens(call_world, time_machine) -> None:
    time_machine.move_to(STARTS - dt.timedelta(hours=3), tick=False)
    page = client_for(call_world.station).get("/station/").content.decode()
    assert "Opens at 5:50 p.m." in page and "Open the call" not in page


@pytest.mark.parametrize("who", ["caregiver", "liaison", "driver"])
def test_station_page_is_for_stations_only(call_world, who: str) -> None:
    response = client_for(call_world.world.persona(who)).get("/station/")
    assert response.status_code == 403


def test_home_sends_a_station_to_its_page(call_world) -> None:
    response = client_for(call_world.station).get("/")
    assert response.status_code == 302 and response["Location"] == "/station/"


def test_roster_links_the_liaison_to_the_call(call_world) -> None:
    Facility.objects.update(video_link_template="")
    page = client_for(call_world.world.liaison).get(
        "/roster/", {"date": STARTS.date().isoformat()}).content.decode()
    assert f'href="/calls/{call_world.booking.pk}/"' in page
    assert CallPresence.objects.count() == 0


# --- STUN/TURN from settings ----------------------------------------------------------------


def ice_of(page: str) -> list:
    import json
    import re

    return json.loads(re.search(r'id="call-ice"[^>]*>(.*?)</script>', page, re.S).group(1))


def test_one_machine_needs_no_ice_servers(call_world) -> None:
    page = client_for(call_world.world.caregiver).get(call_url(call_world)).content.decode()
    assert ice_of(page) == []


def test_turn_credentials_are_made_per_page_and_expire_with_the_slot(call_world,
                                                                    settings) -> None:
    import base64
    import hashlib
    import hmac

    settings.CALL_STUN_URLS = ["stun:turn.example.org:3478"]
    settings.CALL_TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.CALL_TURN_SECRET = "s3cret"
    page = client_for(call_world.world.caregiver).get(call_url(call_world)).content.decode()
    stun, turn = ice_of(page)
    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    ends = int(call_world.booking.session.ends_at.timestamp())
    assert turn["username"] == f"{ends}:{call_world.world.caregiver.pk}"
    expected = base64.b64encode(hmac.new(b"s3cret", turn["username"].encode(),
                                         hashlib.sha1).digest()).decode()
    assert turn["credential"] == expected
    assert "s3cret" not in page


# --- the liaison's calls under way ----------------------------------------------------------


def put_on_call(booking, user, role: str, name: str, **extra) -> Call:
    call = Call.objects.get_or_create(booking=booking, defaults={"started_at": STARTS})[0]
    CallPresence.objects.create(call=call, user=user, role=role, name=name,
                                peer=f"p{CallPresence.objects.count()}", joined_at=STARTS,
                                **extra)
    return call


def queries_for(client: Client, url: str) -> tuple[int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        page = client.get(url).content.decode()
    return len(captured), page


def test_calls_now_shows_who_is_on_each_open_call(call_world) -> None:
    world = call_world.world
    put_on_call(call_world.booking, world.caregiver, "family", "Rosa")
    put_on_call(call_world.booking, call_world.station, "station", "Kiosk A",
                left_at=STARTS + dt.timedelta(minutes=1))
    client = client_for(world.liaison)
    one, page = queries_for(client, "/calls/now/")
    assert "On the call: Rosa (Family)" in page and "Kiosk A" not in page
    assert f'href="/calls/{call_world.booking.pk}/"' in page
    # More calls cost no more queries.
    for n in range(3):
        household = f.make_household(f"family{n}")
        resident = f.make_resident(world.facility, unit=world.unit_a, first_name=f"R{n}")
        f.approve(household.visitors.all(), resident)
        booking = f.make_booking(call_world.booking.session, resident, household,
                                 status="confirmed")
        put_on_call(booking, household.caregiver, "family", f"Adult{n}")
    four, page = queries_for(client, "/calls/now/")
    assert four == one and "Adult2 (Family)" in page


def test_calls_now_leaves_out_closed_rooms_and_other_facilities(call_world,
                                                                time_machine) -> None:
    time_machine.move_to(STARTS - dt.timedelta(minutes=30), tick=False)
    page = client_for(call_world.world.liaison).get("/calls/now/").content.decode()
    assert "No video call is open right now." in page
    time_machine.move_to(STARTS + dt.timedelta(minutes=5), tick=False)
    other = client_for(call_world.world.other_liaison).get("/calls/now/").content.decode()
    assert "Maria" not in other and "No video call is open right now." in other


def test_calls_now_says_how_a_call_ended(call_world) -> None:
    call = started(call_world)
    Call.objects.filter(pk=call.pk).update(ended_at=STARTS, end_reason="Count")
    page = client_for(call_world.world.liaison).get("/calls/now/").content.decode()
    assert "Ended by staff: Count" in page


@pytest.mark.parametrize("who", ["caregiver", "driver", "coordinator"])
def test_calls_now_is_for_liaisons_only(call_world, who: str) -> None:
    assert client_for(call_world.world.persona(who)).get("/calls/now/").status_code == 403
    assert client_for(call_world.station).get("/calls/now/").status_code == 403


def test_roster_of_today_links_to_the_calls_under_way(call_world) -> None:
    page = client_for(call_world.world.liaison).get("/roster/").content.decode()
    assert 'href="/calls/now/"' in page


@pytest.mark.parametrize("path", ["/calls/99999999999999999999999/", "/calls/0/",
                                  "/calls/99999999999999999999/end/"])
def test_impossible_ids_are_not_found(call_world, path: str) -> None:
    client = client_for(call_world.world.liaison)
    response = client.post(path) if path.endswith("end/") else client.get(path)
    assert response.status_code == 404


def test_a_call_that_does_not_exist_is_not_found(call_world) -> None:
    response = client_for(call_world.world.caregiver).get("/calls/987654/")
    assert response.status_code == 404
