"""The call's signalling socket, through Channels' communicator and the real ASGI stack:
only the right people, only in the window; bad frames get clear errors and touch nothing."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from calls.models import Call, CallPresence
from notifications.models import Delivery
from scheduler.asgi import application
from tests import factories as f
from tests.calls.conftest import STARTS
from visits.models import ApprovalStatus, ApprovedVisitor, Booking, BookingStatus

pytestmark = pytest.mark.django_db(transaction=True)

HEADERS = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]
SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


async def open_socket(user, booking_id: int, lang: str = "en") -> WebsocketCommunicator:
    token = await database_sync_to_async(f.token_for)(user)
    path = f"/ws/call/{booking_id}/?token={token}&lang={lang}"
    communicator = WebsocketCommunicator(application, path, headers=HEADERS)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def join(user, booking_id: int) -> tuple[WebsocketCommunicator, dict]:
    socket = await open_socket(user, booking_id)
    welcome = await socket.receive_json_from(timeout=3)
    assert welcome["type"] == "welcome", welcome
    return socket, welcome


async def refused(user, booking_id: int, lang: str = "en") -> dict:
    """The first frame is the error, then the server closes with 4403."""
    socket = await open_socket(user, booking_id, lang)
    error = await socket.receive_json_from(timeout=3)
    closed = await socket.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": 4403}
    await socket.disconnect()
    return error


def nothing_written(booking_id: int) -> bool:
    return not Call.objects.filter(booking_id=booking_id).exists() and \
        not CallPresence.objects.exists()


# --- who may join ---------------------------------------------------------------------------


def test_caregiver_and_station_join_and_exchange_offer_answer_and_candidates(call_world) -> None:
    booking = call_world.booking

    async def scenario() -> None:
        family, hello = await join(call_world.world.caregiver, booking.pk)
        assert hello["role"] == "family" and hello["peers"] == []
        assert hello["seconds_left"] == pytest.approx(25 * 60, abs=5)
        station, welcome = await join(call_world.station, booking.pk)
        assert welcome["role"] == "station"
        assert welcome["peers"] == [{"peer": hello["peer"], "role": "family", "name": "Rosa"}]
        joined = await family.receive_json_from(timeout=3)
        assert joined == {"type": "joined", "peer": welcome["peer"], "role": "station",
                          "name": "Kiosk A"}

        await station.send_json_to({"type": "offer", "to": hello["peer"], "seq": 1, "sdp": SDP})
        offer = await family.receive_json_from(timeout=3)
        assert offer == {"type": "offer", "from": welcome["peer"], "sdp": SDP}
        await family.send_json_to({"type": "answer", "to": welcome["peer"], "seq": 1,
                                   "sdp": SDP})
        assert (await station.receive_json_from(timeout=3))["type"] == "answer"
        candidate = {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host",
                     "sdpMid": "0", "sdpMLineIndex": 0}
        await family.send_json_to({"type": "ice", "to": welcome["peer"],
                                   "candidate": candidate})
        ice = await station.receive_json_from(timeout=3)
        assert ice == {"type": "ice", "from": hello["peer"], "candidate": candidate}

        await station.disconnect()
        assert await family.receive_json_from(timeout=3) == {"type": "left",
                                                              "peer": welcome["peer"]}
        await family.disconnect()

    run(scenario)
    presences = list(CallPresence.objects.filter(call__booking=booking).order_by("id"))
    assert [(p.user_id, p.role) for p in presences] == [
        (call_world.world.caregiver.pk, "family"), (call_world.station.pk, "station")]
    assert all(p.left_at is not None and p.left_at >= p.joined_at for p in presences)
    assert Call.objects.get(booking=booking).station.user_id == call_world.station.pk


@pytest.mark.parametrize("persona", ["other_caregiver", "other_liaison", "coordinator",
                                     "driver"])
def test_strangers_learn_nothing_and_write_nothing(call_world, persona: str) -> None:
    user = call_world.world.persona(persona)
    error = asyncio.run(refused(user, call_world.booking.pk))
    assert error["code"] == "call_not_found"
    assert error["message"] == "We could not find that call."
    assert nothing_written(call_world.booking.pk)


def test_anonymous_socket_is_refused(call_world) -> None:
    async def scenario() -> None:
        socket = WebsocketCommunicator(application, f"/ws/call/{call_world.booking.pk}/",
                                       headers=HEADERS)
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=3))["code"] == "sign_in"
        await socket.disconnect()

    run(scenario)
    assert nothing_written(call_world.booking.pk)


def test_a_booking_that_is_not_a_video_call_is_not_found(call_world) -> None:
    world = call_world.world
    in_person = f.make_booking(world.session, world.resident, world.household,
                               status=BookingStatus.CONFIRMED)
    error = asyncio.run(refused(world.caregiver, in_person.pk))
    assert error["code"] == "call_not_found"


def test_a_visitor_whose_approval_was_denied_is_refused(call_world) -> None:
    world = call_world.world
    ApprovedVisitor.objects.filter(visitor__household=world.household).update(
        status=ApprovalStatus.DENIED)
    error = asyncio.run(refused(world.caregiver, call_world.booking.pk))
    assert error["code"] == "not_approved"
    assert "not an approved visitor" in error["message"]
    assert nothing_written(call_world.booking.pk)


def test_an_expired_approval_is_refused(call_world) -> None:
    world = call_world.world
    ApprovedVisitor.objects.filter(visitor__household=world.household).update(
        expires_on=STARTS.date() - dt.timedelta(days=1))
    assert asyncio.run(refused(world.caregiver, call_world.booking.pk))["code"] == "not_approved"


def test_another_units_station_is_refused(call_world) -> None:
    error = asyncio.run(refused(call_world.other_station, call_world.booking.pk))
    assert error["code"] == "wrong_station"
    assert nothing_written(call_world.booking.pk)


def test_a_second_station_cannot_take_a_call_another_station_has(call_world) -> None:
    async def scenario() -> None:
        station, _ = await join(call_world.station, call_world.booking.pk)
        error = await refused(call_world.second_station, call_world.booking.pk)
        assert error["code"] == "wrong_station"
        assert error["message"] == "Another station has this call."
        await station.disconnect()

    run(scenario)
    assert CallPresence.objects.count() == 1


def test_an_unconfirmed_booking_has_no_call(call_world) -> None:
    Booking.objects.filter(pk=call_world.booking.pk).update(status=BookingStatus.REQUESTED)
    error = asyncio.run(refused(call_world.world.caregiver, call_world.booking.pk))
    assert error["code"] == "not_confirmed"
    assert nothing_written(call_world.booking.pk)


# --- only in the window ---------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "code"), [(-11, "too_early"), (30, "over"), (95, "over")])
def test_joining_outside_the_window_is_refused(call_world, time_machine, minutes: int,
                                               code: str) -> None:
    time_machine.move_to(STARTS + dt.timedelta(minutes=minutes), tick=False)
    error = asyncio.run(refused(call_world.world.caregiver, call_world.booking.pk))
    assert error["code"] == code
    if code == "too_early":
        assert error["message"] == "The call opens at 5:50 p.m. (facility time)."
    assert nothing_written(call_world.booking.pk)


def test_the_room_opens_ten_minutes_before(call_world, time_machine) -> None:
    time_machine.move_to(STARTS - dt.timedelta(minutes=10), tick=True)

    async def scenario() -> None:
        socket, welcome = await join(call_world.world.caregiver, call_world.booking.pk)
        assert welcome["seconds_left"] == pytest.approx(40 * 60, abs=5)
        await socket.disconnect()

    run(scenario)


def test_refusals_are_in_the_readers_language(call_world, time_machine) -> None:
    time_machine.move_to(STARTS - dt.timedelta(minutes=30), tick=False)
    error = asyncio.run(refused(call_world.world.caregiver, call_world.booking.pk, lang="es"))
    assert error["message"].startswith("La llamada se abre a las")


# --- bad frames -----------------------------------------------------------------------------

BAD_FRAMES = [
    "not json",
    json.dumps([1, 2]),
    json.dumps({"type": "shout"}),
    json.dumps({"type": "offer", "to": "PEER", "seq": 1}),
    json.dumps({"type": "offer", "to": "PEER", "seq": 1, "sdp": "hello"}),
    json.dumps({"type": "offer", "to": "PEER", "seq": "1", "sdp": SDP}),
    json.dumps({"type": "offer", "to": "PEER", "seq": True, "sdp": SDP}),
    json.dumps({"type": "offer", "to": "../x", "seq": 1, "sdp": SDP}),
    json.dumps({"type": "offer", "to": "PEER", "seq": 1, "sdp": "v=0" + "a" * 70_000}),
    json.dumps({"type": "ice", "to": "PEER", "candidate": "x"}),
    json.dumps({"type": "ice", "to": "PEER", "candidate": {"candidate": 5}}),
    json.dumps({"type": "ice", "to": "PEER", "candidate": {"candidate": "", "sdpMLineIndex": -1}}),
    json.dumps({"type": "answer", "to": "PEER", "seq": 1, "sdp": "v=0\u0000"}),
    json.dumps({"type": "offer", "to": "PEER", "seq": 1, "sdp": SDP, "x": [[[[[1]]]]]}),
]


@pytest.mark.parametrize("frame", BAD_FRAMES)
def test_bad_frames_get_a_clear_error_and_relay_nothing(call_world, frame: str) -> None:
    async def scenario() -> None:
        family, hello = await join(call_world.world.caregiver, call_world.booking.pk)
        station, welcome = await join(call_world.station, call_world.booking.pk)
        await family.receive_json_from(timeout=3)  # the station joined
        await family.send_to(text_data=frame.replace("PEER", welcome["peer"]))
        error = await family.receive_json_from(timeout=3)
        assert error["type"] == "error" and error["code"] == "bad_message"
        assert error["message"]
        assert await station.receive_nothing(timeout=0.3)
        await family.send_json_to({"type": "ping"})  # the socket stays open
        assert await family.receive_json_from(timeout=3) == {"type": "pong"}
        await family.disconnect()
        await station.disconnect()

    run(scenario)


def test_binary_frames_are_refused(call_world) -> None:
    async def scenario() -> None:
        family, _ = await join(call_world.world.caregiver, call_world.booking.pk)
        await family.send_to(bytes_data=b"\x00\x01")
        error = await family.receive_json_from(timeout=3)
        assert error["code"] == "bad_message"
        await family.disconnect()

    run(scenario)


def test_a_replayed_offer_is_refused_and_not_relayed(call_world) -> None:
    async def scenario() -> None:
        family, hello = await join(call_world.world.caregiver, call_world.booking.pk)
        station, welcome = await join(call_world.station, call_world.booking.pk)
        await family.receive_json_from(timeout=3)
        offer = {"type": "offer", "to": hello["peer"], "seq": 4, "sdp": SDP}
        await station.send_json_to(offer)
        assert (await family.receive_json_from(timeout=3))["type"] == "offer"
        for replay in (offer, {**offer, "seq": 3}):
            await station.send_json_to(replay)
            error = await station.receive_json_from(timeout=3)
            assert error["code"] == "replayed"
            assert error["message"] == "This offer was already sent; it is ignored."
        assert await family.receive_nothing(timeout=0.3)
        await family.disconnect()
        await station.disconnect()

    run(scenario)


def test_a_message_for_someone_not_on_the_call_is_refused(call_world) -> None:
    """A peer of another call (or one that left) cannot be reached through this one."""
    async def scenario() -> None:
        family, _ = await join(call_world.world.caregiver, call_world.booking.pk)
        await family.send_json_to({"type": "offer", "to": "abcdef0123456789", "seq": 1,
                                   "sdp": SDP})
        error = await family.receive_json_from(timeout=3)
        assert error == {"type": "error", "code": "no_such_peer",
                         "message": "That person is not on this call."}
        await family.disconnect()

    run(scenario)


def test_the_server_ends_the_call_at_the_sessions_end(call_world, time_machine) -> None:
    time_machine.move_to(STARTS + dt.timedelta(minutes=29, seconds=59), tick=True)

    async def scenario() -> None:
        family, welcome = await join(call_world.world.caregiver, call_world.booking.pk)
        assert welcome["seconds_left"] <= 1
        error = await family.receive_json_from(timeout=5)
        assert error["code"] == "over"
        assert await family.receive_output(timeout=3) == {"type": "websocket.close",
                                                          "code": 4000}
        await family.disconnect()

    run(scenario)
    assert CallPresence.objects.get().left_at is not None


# --- staff in charge ------------------------------------------------------------------------


def test_liaison_monitors_and_ends_the_call_with_a_reason(call_world) -> None:
    world = call_world.world

    async def scenario() -> None:
        family, _ = await join(world.caregiver, call_world.booking.pk)
        station, _ = await join(call_world.station, call_world.booking.pk)
        await family.receive_json_from(timeout=3)
        monitor, welcome = await join(world.liaison, call_world.booking.pk)
        assert welcome["role"] == "monitor"
        assert {p["role"] for p in welcome["peers"]} == {"family", "station"}
        seen = await family.receive_json_from(timeout=3)  # the family sees staff arrive
        assert seen["role"] == "monitor"
        await station.receive_json_from(timeout=3)

        await monitor.send_json_to({"type": "end", "reason": "  "})
        error = await monitor.receive_json_from(timeout=3)
        assert error == {"type": "error", "code": "invalid",
                         "message": "Say why the call is ended."}
        await monitor.send_json_to({"type": "end", "reason": "Count time on the unit"})
        for socket in (family, station, monitor):
            ended = await socket.receive_json_from(timeout=3)
            assert ended == {"type": "error", "code": "ended",
                             "message": "Staff ended this call: Count time on the unit"}
            assert (await socket.receive_output(timeout=3))["code"] == 4000
            await socket.disconnect()
        error = await refused(world.caregiver, call_world.booking.pk)
        assert error["code"] == "ended"

    run(scenario)
    call = Call.objects.get(booking=call_world.booking)
    assert call.ended_by_id == world.liaison.pk and call.end_reason == "Count time on the unit"
    told = Delivery.objects.filter(user=world.caregiver, event__type="call.ended").get()
    assert "Count time on the unit" in told.event.body
    assert set(CallPresence.objects.values_list("role", flat=True)) == {
        "family", "station", "monitor"}
    assert not CallPresence.objects.filter(left_at__isnull=True).exists()


@pytest.mark.parametrize("who", ["caregiver", "station"])
def test_only_staff_can_end_a_call(call_world, who: str) -> None:
    user = call_world.station if who == "station" else call_world.world.caregiver

    async def scenario() -> None:
        socket, _ = await join(user, call_world.booking.pk)
        await socket.send_json_to({"type": "end", "reason": "bored"})
        error = await socket.receive_json_from(timeout=3)
        assert error["code"] == "not_staff"
        await socket.disconnect()

    run(scenario)
    assert Call.objects.get().ended_at is None


def test_a_booking_that_does_not_exist_is_not_found(call_world) -> None:
    error = asyncio.run(refused(call_world.world.caregiver, 987654))
    assert error["code"] == "call_not_found"
    assert nothing_written(987654)
