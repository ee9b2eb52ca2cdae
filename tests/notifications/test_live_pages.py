"""What makes the pages live, short of a browser: each page says where its socket starts
listening, the right people's sockets get the visits events, public topics carry no
personal data, and the page fetched again (what live.js swaps in) shows the change.

The browser half (tests/browser/test_live_pages.py) shows the swap itself in Chromium.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.utils import timezone

from notifications import consumers
from notifications.live import event_message, topic_group
from notifications.services import event_emit
from scheduler.asgi import application
from tests import factories as f
from visits import services

pytestmark = pytest.mark.django_db(transaction=True)


def page(user, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def live_part(html: str) -> dict[str, str]:
    tag = re.search(r"<div data-live([^>]*)>", html)
    assert tag, "the page has no live part"
    return dict(re.findall(r'(data-[a-z]+)="([^"]*)"', tag.group(1)))


async def connect(user, query: str = "") -> WebsocketCommunicator:
    token = await database_sync_to_async(f.token_for)(user)
    headers = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]
    ws = WebsocketCommunicator(application, f"/ws/live/?token={token}&{query}", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    return ws


async def types_received(ws: WebsocketCommunicator, count: int) -> list[dict]:
    return [await ws.receive_json_from(timeout=3) for _ in range(count)]


def roster_path(session) -> str:
    day = session.starts_at.astimezone(session.facility.tz).date()
    return f"/roster/?date={day.isoformat()}"


def book(world, session) -> int:
    return services.booking_create(
        actor=world.caregiver, session_id=session.pk, resident_id=world.resident.pk,
        visitor_ids=[v.pk for v in world.family]).booking.pk


def test_roster_shows_new_bookings_and_check_ins_live(world) -> None:
    # A session under way now, so the liaison may check the family in today.
    session = f.make_session(world.rule, starts_at=timezone.now())
    booking = f.make_booking(session, world.resident, world.household, world.family)
    today, later = roster_path(session), roster_path(world.session)
    html = page(world.liaison, today)
    live = live_part(html)
    fid = world.facility.pk
    assert live["data-topics"] == f"facility.{fid}.places,facility.{fid}.roster"
    query = f"after={live['data-after']}&topics={live['data-topics']}"

    async def scenario() -> None:
        liaison_ws = await connect(world.liaison, query)
        outsider_ws = await connect(world.other_liaison)
        booking_id = await database_sync_to_async(book)(world, world.session)
        got = {m["type"]: m for m in await types_received(liaison_ws, 2)}
        assert got["visits.booking.requested"]["data"]["booking_id"] == booking_id
        assert got["visits.session.places"]["data"] == {
            "session_id": world.session.pk, "remaining": world.session.capacity - 1}
        roster = await database_sync_to_async(page)(world.liaison, later)
        assert f'id="booking-{booking_id}"' in roster

        await database_sync_to_async(services.booking_check_in)(
            actor=world.liaison, booking_id=booking.pk)
        got = {m["type"]: m for m in await types_received(liaison_ws, 2)}
        assert got["visits.booking.checked_in"]["data"]["booking_id"] == booking.pk
        assert got["visits.roster.changed"]["data"] == {"session_id": session.pk}
        roster = await database_sync_to_async(page)(world.liaison, today)
        card = roster.split(f'id="booking-{booking.pk}"')[1].split('id="booking-')[0]
        assert '<span class="badge checked_in">Checked in</span>' in card
        # Another facility's liaison hears nothing of it.
        assert await outsider_ws.receive_nothing(timeout=0.3)
        await liaison_ws.disconnect()
        await outsider_ws.disconnect()

    asyncio.run(scenario())


def test_every_change_on_the_roster_reaches_the_facilitys_other_liaisons(world) -> None:
    """A confirmation or a no-show by one liaison, or a family joining the waiting list,
    shows on the roster another liaison has open; nobody outside the facility hears it."""
    colleague = f.make_liaison(world.facility, "colleague")
    session = f.make_session(world.rule, starts_at=timezone.now() - dt.timedelta(minutes=5))
    confirmed = f.make_booking(session, world.resident, world.household, world.family)
    missed = f.make_booking(session, world.other_resident, world.other_household)
    full = f.make_session(world.rule, hours_from_now=100, capacity=0)
    topics = live_part(page(colleague, roster_path(session)))["data-topics"]
    family = [v.pk for v in world.family]

    async def scenario() -> None:
        colleague_ws = await connect(colleague, f"topics={topics}")
        caregiver_ws = await connect(world.caregiver, f"topics={topics}")  # asks, not let in
        outsider_ws = await connect(world.other_liaison, f"topics={topics}")
        await database_sync_to_async(services.booking_confirm)(
            actor=world.liaison, booking_id=confirmed.pk)
        await database_sync_to_async(services.booking_mark_no_show)(
            actor=world.liaison, booking_id=missed.pk)
        await database_sync_to_async(services.booking_create)(
            actor=world.caregiver, session_id=full.pk, resident_id=world.resident.pk,
            visitor_ids=family, waitlist_if_full=True)
        heard = [m for m in await types_received(colleague_ws, 3)]
        assert [(m["type"], m["data"]) for m in heard] == [
            ("visits.roster.changed", {"session_id": session.pk}),
            ("visits.roster.changed", {"session_id": session.pk}),
            ("visits.roster.changed", {"session_id": full.pk}),
        ]
        roster = await database_sync_to_async(page)(colleague, roster_path(session))
        card = roster.split(f'id="booking-{confirmed.pk}"')[1].split('id="booking-')[0]
        assert '<span class="badge confirmed">Confirmed</span>' in card
        # The caregiver hears only her own confirmation; the other facility nothing.
        mine = await caregiver_ws.receive_json_from(timeout=3)
        assert mine["type"] == "visits.booking.confirmed"
        assert await caregiver_ws.receive_nothing(timeout=0.3)
        assert await outsider_ws.receive_nothing(timeout=0.3)
        for ws in (colleague_ws, caregiver_ws, outsider_ws):
            await ws.disconnect()

    asyncio.run(scenario())


def test_a_closure_tells_an_open_roster_once(world) -> None:
    f.fill(world.session, world.facility, 3)
    topics = f"facility.{world.facility.pk}.roster"

    async def scenario() -> None:
        ws = await connect(world.liaison, f"topics={topics}")
        await database_sync_to_async(services.session_close)(
            actor=world.liaison, session_id=world.session.pk, reason="Lockdown")
        roster_pushes = []
        while not await ws.receive_nothing(timeout=0.5):
            message = await ws.receive_json_from(timeout=1)
            if message["type"] == "visits.roster.changed":
                roster_pushes.append(message)
        assert roster_pushes == [{"id": None, "type": "visits.roster.changed",
                                  "data": {"session_id": world.session.pk}}]
        await ws.disconnect()

    asyncio.run(scenario())


def test_bookings_page_hears_a_confirmation_and_a_closure(world) -> None:
    booking_id = book(world, world.session)
    live = live_part(page(world.caregiver, "/bookings/"))

    async def scenario() -> None:
        ws = await connect(world.caregiver, f"after={live['data-after']}")
        other = await connect(world.other_caregiver)
        await database_sync_to_async(services.booking_confirm)(
            actor=world.liaison, booking_id=booking_id)
        confirmed = await ws.receive_json_from(timeout=3)
        assert (confirmed["type"], confirmed["data"]["status"]) == (
            "visits.booking.confirmed", "confirmed")
        html = await database_sync_to_async(page)(world.caregiver, "/bookings/")
        assert re.search(rf'id="booking-{booking_id}".*?badge confirmed">Confirmed<', html, re.S)

        await database_sync_to_async(services.session_close)(
            actor=world.liaison, session_id=world.session.pk, reason="Lockdown")
        closed = await ws.receive_json_from(timeout=3)
        assert closed["type"] == "visits.session.closed"
        html = await database_sync_to_async(page)(world.caregiver, "/bookings/")
        assert "Lockdown" in html
        assert await other.receive_nothing(timeout=0.3)  # another household hears nothing
        await ws.disconnect()
        await other.disconnect()

    asyncio.run(scenario())


def test_session_list_hears_remaining_places_without_personal_data(world) -> None:
    html = page(world.other_caregiver, f"/visit/{world.other_resident.pk}/")
    live = live_part(html)
    assert live["data-topics"] == f"facility.{world.facility.pk}.places"

    async def scenario() -> None:
        ws = await connect(world.other_caregiver, f"topics={live['data-topics']}")
        await database_sync_to_async(book)(world, world.session)
        message = await ws.receive_json_from(timeout=3)
        assert message == {"id": None, "type": "visits.session.places",
                           "data": {"session_id": world.session.pk,
                                    "remaining": world.session.capacity - 1}}
        assert await ws.receive_nothing(timeout=0.3)  # Rosa's booking itself is not Linda's
        await ws.disconnect()

    asyncio.run(scenario())


@pytest.mark.parametrize("asked", ["user.1", "facility.1.roster", "facility.x.places",
                                   "topic.facility.1.places", "facility.1.places.extra"])
def test_only_public_place_topics_can_be_joined(world, asked: str) -> None:
    async def scenario() -> None:
        ws = await connect(world.caregiver, f"topics=facility.7.places,{asked}")
        layer = get_channel_layer()
        await layer.group_send(topic_group(asked), event_message(0, "secret", {}))
        await layer.group_send(topic_group("facility.7.places"), event_message(0, "ok", {}))
        assert (await ws.receive_json_from(timeout=3))["type"] == "ok"
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    asyncio.run(scenario())


def test_events_committed_around_the_replay_arrive_once_each_in_order(world, monkeypatch) -> None:
    """The socket joins its group, replays from the outbox, then goes live. An event that
    commits just before the replay reads the outbox comes in the replay (and its live push
    is dropped); one that commits just after comes live. No gap, no duplicate."""
    rosa = world.caregiver

    def emit(title: str) -> int:
        with transaction.atomic():
            return event_emit(type="test.note", title=title, recipients=[rosa]).pk

    first = emit("seen before")
    real_missing = consumers.deliveries_missing

    def missing_with_racing_commits(**kwargs: object) -> list:
        emit("committed during connect")
        found = real_missing(**kwargs)
        emit("committed after the replay read")
        return found

    monkeypatch.setattr(consumers, "deliveries_missing", missing_with_racing_commits)

    async def scenario() -> None:
        ws = await connect(rosa, f"after={first}")
        got = [(m["id"], m["data"]["title"]) for m in await types_received(ws, 2)]
        assert [title for _, title in got] == ["committed during connect",
                                               "committed after the replay read"]
        assert got[0][0] < got[1][0]
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()

    asyncio.run(scenario())


def test_live_messages_carry_no_prison_id_or_visitor_names(world) -> None:
    async def scenario() -> None:
        ws = await connect(world.liaison)
        await database_sync_to_async(book)(world, world.session)
        message = json.dumps(await ws.receive_json_from(timeout=3))
        assert world.resident.prison_id not in message
        assert world.resident.last_name not in message
        assert "Sofia" not in message
        await ws.disconnect()

    asyncio.run(scenario())


def test_heartbeats_keep_an_idle_socket_alive_and_ping_gets_pong(world, monkeypatch) -> None:
    monkeypatch.setattr(consumers, "HEARTBEAT_SECONDS", 0.05)

    async def scenario() -> None:
        ws = await connect(world.caregiver)
        beat = await ws.receive_json_from(timeout=3)
        assert {k: beat[k] for k in ("id", "type", "data")} == {
            "id": None, "type": "heartbeat", "data": {}}
        assert beat["cursor"]
        await ws.send_json_to({"type": "ping"})
        while (message := await ws.receive_json_from(timeout=3))["type"] == "heartbeat":
            pass
        assert message == {"id": None, "type": "pong", "data": {}}
        await ws.disconnect()

    asyncio.run(scenario())
