"""The live socket: only committed events, only one's own, and nothing lost on reconnect."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from notifications.services import event_emit
from scheduler.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def make_user(name: str):
    user = get_user_model().objects.create_user(username=name, password="pw-12345678")
    return user, Token.objects.create(user=user).key


def emit(user, title: str) -> int:
    with transaction.atomic():
        return event_emit(type="test.note", title=title, recipients=[user]).pk


async def connect(token: str, query: str = "") -> WebsocketCommunicator:
    path = f"/ws/live/?token={token}" + (f"&{query}" if query else "")
    headers = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def received_titles(communicator: WebsocketCommunicator, count: int) -> list[tuple]:
    out = []
    for _ in range(count):
        message = await communicator.receive_json_from(timeout=3)
        out.append((message["id"], message["data"]["title"]))
    return out


def test_anonymous_socket_is_refused() -> None:
    async def scenario() -> None:
        communicator = WebsocketCommunicator(
            application, "/ws/live/", headers=[(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]
        )
        connected, code = await communicator.connect()
        assert not connected
        assert code == 4401

    asyncio.run(scenario())


def test_live_event_reaches_only_its_recipient() -> None:
    rosa, rosa_token = make_user("rosa")
    linda, linda_token = make_user("linda")

    async def scenario() -> None:
        rosa_ws = await connect(rosa_token)
        linda_ws = await connect(linda_token)
        event_id = await database_sync_to_async(emit)(rosa, "for rosa")
        assert await received_titles(rosa_ws, 1) == [(event_id, "for rosa")]
        assert await linda_ws.receive_nothing(timeout=0.3)
        await rosa_ws.disconnect()
        await linda_ws.disconnect()

    asyncio.run(scenario())


def test_rolled_back_event_is_never_delivered() -> None:
    rosa, token = make_user("rosa")

    def emit_then_roll_back() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            event_emit(type="test.note", title="never happened", recipients=[rosa])
            raise RuntimeError("the change failed")

    async def scenario() -> None:
        ws = await connect(token)
        await database_sync_to_async(emit_then_roll_back)()
        assert await ws.receive_nothing(timeout=0.5)
        later = await database_sync_to_async(emit)(rosa, "real")
        assert await received_titles(ws, 1) == [(later, "real")]
        await ws.disconnect()
        replay = await connect(token, "after=0")
        assert await received_titles(replay, 1) == [(later, "real")]
        await replay.disconnect()

    asyncio.run(scenario())


def test_reconnect_after_id_gets_exactly_the_missed_events_in_order() -> None:
    rosa, token = make_user("rosa")

    async def scenario() -> None:
        ws = await connect(token)
        first = await database_sync_to_async(emit)(rosa, "seen")
        assert await received_titles(ws, 1) == [(first, "seen")]
        await ws.disconnect()
        missed = [await database_sync_to_async(emit)(rosa, f"missed {i}") for i in range(3)]
        again = await connect(token, f"after={first}")
        expected = [(event_id, f"missed {i}") for i, event_id in enumerate(missed)]
        assert await received_titles(again, 3) == expected
        live = await database_sync_to_async(emit)(rosa, "live")
        assert await received_titles(again, 1) == [(live, "live")]
        assert await again.receive_nothing(timeout=0.3)  # no duplicates
        await again.disconnect()

    asyncio.run(scenario())


def test_an_event_committed_after_a_newer_one_still_arrives_once() -> None:
    """Transactions commit out of id order: event 11 can be pushed before event 10. A socket
    must pass on the late lower id (and still drop a replayed duplicate)."""
    from channels.layers import get_channel_layer

    from notifications.live import OUTBOX_GROUP, ring_message

    rosa, token = make_user("rosa")

    async def scenario() -> None:
        first = await database_sync_to_async(emit)(rosa, "replayed")
        ws = await connect(token, f"after={first - 1}")
        assert await received_titles(ws, 1) == [(first, "replayed")]
        layer = get_channel_layer()
        for event_id, title in ((first + 2, "newer"), (first + 1, "older, late"),
                                (first, "replayed")):
            ring = ring_message([{"id": event_id, "event_type": "test.note",
                                  "data": {"title": title}, "users": [rosa.pk]}])
            await layer.group_send(OUTBOX_GROUP, ring)
        assert await received_titles(ws, 2) == [(first + 2, "newer"), (first + 1, "older, late")]
        assert await ws.receive_nothing(timeout=0.3)  # the replayed one is not sent twice
        await ws.disconnect()

    asyncio.run(scenario())


def test_a_rolled_back_savepoint_drops_its_push_and_the_rest_arrive_once() -> None:
    """Pushes of one transaction go out as one batch after commit; a savepoint that rolls
    back inside it must take its own push with it."""
    rosa, token = make_user("rosa")

    def work() -> tuple[int, int]:
        with transaction.atomic():
            kept = event_emit(type="test.note", title="kept", recipients=[rosa]).pk
            try:
                with transaction.atomic():
                    event_emit(type="test.note", title="rolled back", recipients=[rosa])
                    raise RuntimeError("undo this part")
            except RuntimeError:
                pass
            also = event_emit(type="test.note", title="also kept", recipients=[rosa]).pk
        return kept, also

    async def scenario() -> None:
        ws = await connect(token)
        kept, also = await database_sync_to_async(work)()
        assert await received_titles(ws, 2) == [(kept, "kept"), (also, "also kept")]
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    asyncio.run(scenario())


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises writers: its commits never land out of id order")
def test_commits_out_of_id_order_reach_the_socket_and_the_cursor_once_each() -> None:
    """Event A takes its id first and commits last; B is delivered in between. A must
    still arrive, and a reconnect with the last cursor must repeat neither."""
    import threading

    rosa, token = make_user("rosa")
    a_inserted, b_committed = threading.Event(), threading.Event()
    ids: dict[str, int] = {}

    def slow_a() -> None:
        with transaction.atomic():
            ids["a"] = event_emit(type="test.note", title="A", recipients=[rosa]).pk
            a_inserted.set()
            assert b_committed.wait(30)
        connection.close()

    async def scenario() -> None:
        ws = await connect(token, "after=0")
        worker = threading.Thread(target=slow_a)
        worker.start()
        await asyncio.to_thread(a_inserted.wait, 30)
        ids["b"] = await database_sync_to_async(emit)(rosa, "B")
        first = await ws.receive_json_from(timeout=10)
        b_committed.set()
        second = await ws.receive_json_from(timeout=10)
        await asyncio.to_thread(worker.join, 30)
        assert [first["id"], second["id"]] == [ids["b"], ids["a"]]
        assert ids["a"] < ids["b"]
        await ws.disconnect()
        again = await connect(token, f"after={second['cursor']}")
        assert await again.receive_nothing(timeout=0.5)
        await again.disconnect()

    asyncio.run(scenario())
