"""Issue 18: websocket frames and signed webhooks go through the same bounded reader."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token

from scheduler.asgi import application
from transport.fund.models import StripeEvent

HEADERS = [(b"host", b"127.0.0.1"), (b"origin", b"http://127.0.0.1")]


def _token() -> str:
    user = get_user_model().objects.create_user(username="rosa", password="pw-12345678")
    return Token.objects.create(user=user).key


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("frame", [
    {"text_data": "not json"},
    {"text_data": "[" * 50_000 + "]" * 50_000},
    {"text_data": '{"type": "' + "x" * 10_000 + '"}'},
    {"text_data": "NaN"},
    {"bytes_data": b"\x00\x01binary"},
])
def test_a_bad_frame_gets_an_error_frame_and_the_socket_stays_open(frame: dict) -> None:
    token = _token()

    async def scenario() -> None:
        socket = WebsocketCommunicator(application, f"/ws/live/?token={token}&after=0",
                                       headers=HEADERS)
        connected, _ = await socket.connect()
        assert connected
        await socket.send_to(**frame)
        answer = await socket.receive_json_from(timeout=3)
        assert answer["type"] == "error" and answer["data"]["message"]
        await socket.send_json_to({"type": "ping"})  # still open, still answering
        assert (await socket.receive_json_from(timeout=3))["type"] == "pong"
        await socket.disconnect()

    asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("after", ["²", "٣", "1" * 10_000, "-5", "%00"])
def test_a_strange_after_parameter_connects_without_replay(after: str) -> None:
    token = _token()

    async def scenario() -> None:
        socket = WebsocketCommunicator(application, f"/ws/live/?token={token}&after={after}",
                                       headers=HEADERS)
        connected, _ = await socket.connect()
        assert connected
        await socket.send_json_to({"type": "ping"})
        assert (await socket.receive_json_from(timeout=3))["type"] == "pong"
        await socket.disconnect()

    asyncio.run(scenario())


# --- Stripe webhooks signed with the right secret but not storable --------------------------


def _signed(client: Client, body: bytes, secret: str) -> int:
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), b"%d.%s" % (stamp, body), hashlib.sha256).hexdigest()
    response = client.post("/fund/stripe/webhook/", data=body, content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=f"t={stamp},v1={mac}")
    assert response["Content-Type"].startswith("application/json")
    return response.status_code


def _event(event_id: str, **extra: object) -> bytes:
    return json.dumps({"id": event_id, "type": "payment_intent.succeeded",
                       "data": {"object": {}}, **extra}).encode()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [
    _event("evt_" + "x" * 100),  # longer than the stored id
    _event("evt_nul\u0000"),
    _event("evt_ok", note="\ud800"),  # a lone surrogate, escaped by json.dumps
    _event("evt_ok", type="payment\u0000intent"),
    b"[1, 2, 3]",  # a top-level array
    b'{"id": "evt_deep", "data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    b'{"id": "evt_nan", "amount": NaN}',
    b"\xff\xfe not utf-8",
], ids=["long-id", "nul-id", "surrogate", "nul-type", "array", "deep", "nan", "bytes"])
def test_signed_webhooks_that_are_not_storable_events_are_refused(
    client: Client, settings: object, body: bytes
) -> None:
    assert _signed(client, body, settings.STRIPE_WEBHOOK_SECRET) == 400
    assert StripeEvent.objects.count() == 0


@pytest.mark.django_db
def test_a_signed_ordinary_event_is_still_stored(client: Client, settings: object) -> None:
    assert _signed(client, _event("evt_fine"), settings.STRIPE_WEBHOOK_SECRET) == 200
    assert StripeEvent.objects.get().event_id == "evt_fine"
