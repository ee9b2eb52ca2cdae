"""Fixtures for the fund: localstripe on loopback, a webhook recorder, signed deliveries.

localstripe runs in a subprocess for the whole session (see localstripe_server.py). Its
webhooks are real: signed with the secret registered through `/_config/webhooks/<name>`.
`recorder` registers a small HTTP server as a webhook endpoint and keeps every delivery
(raw body and `Stripe-Signature`) so a test can hand the same signed requests to the app
as often and in whatever order it likes.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from django.test import Client
from pytest_django.live_server_helper import LiveServer

from transport.fund import gateway

SECRET_KEY = "sk_test_fund_suite"
WEBHOOK_SECRET = "whsec_fund_suite_secret"
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@dataclass
class LocalStripe:
    url: str

    def post(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        response = httpx.post(self.url + path, data=data or {},
                              headers={"Authorization": f"Bearer {SECRET_KEY}"}, timeout=10)
        response.raise_for_status()
        return response

    def register_webhook(self, name: str, url: str, events: list[str] | None = None) -> None:
        data: dict[str, Any] = {"url": url, "secret": WEBHOOK_SECRET}
        if events is not None:
            data["events[]"] = events
        self.post(f"/_config/webhooks/{name}", data)

    def silence_webhook(self, name: str) -> None:
        # localstripe cannot delete a webhook; one that listens to no real event is silent.
        self.register_webhook(name, "http://127.0.0.1:9/", events=["none.none"])


@pytest.fixture(scope="session")
def localstripe_server() -> Iterator[LocalStripe]:
    script = Path(__file__).with_name("localstripe_server.py")
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline().strip())  # type: ignore[union-attr]
        yield LocalStripe(url=f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def localstripe(localstripe_server: LocalStripe, settings: Any) -> LocalStripe:
    """Point the app's Stripe client at localstripe; tasks run at once."""
    settings.STRIPE_API_BASE = localstripe_server.url
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.TASKS = IMMEDIATE_TASKS
    settings.FUND_CURRENCY = "usd"
    return localstripe_server


@dataclass
class Delivery:
    body: bytes
    signature: str

    @property
    def event(self) -> dict[str, Any]:
        import json

        return json.loads(self.body)


@dataclass
class Recorder:
    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def about(self, object_id: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if object_id.encode() in d.body]

    def wait_for(self, object_id: str, event_type: str, copies: int = 1,
                 timeout: float = 15) -> list[Delivery]:
        """Deliveries of `event_type` mentioning `object_id`, once `copies` have arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [d for d in self.about(object_id) if d.event["type"] == event_type]
            if len(found) >= copies:
                return found
            time.sleep(0.1)
        raise AssertionError(f"localstripe sent no {event_type} for {object_id}")


@pytest.fixture
def recorder(localstripe: LocalStripe) -> Iterator[Recorder]:
    """Three webhook endpoints on localstripe, all to one recorder: every event comes
    three times, as Stripe's retries can make it."""
    deliveries: list[Delivery] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                deliveries.append(Delivery(body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    for name in ("rec1", "rec2", "rec3"):
        localstripe.register_webhook(name, url)
    try:
        yield Recorder(url=url, deliveries=deliveries, lock=lock)
    finally:
        for name in ("rec1", "rec2", "rec3"):
            localstripe.silence_webhook(name)
        server.shutdown()


def deliver(client: Client, delivery: Delivery) -> int:
    """Hand one recorded, signed delivery to the app's webhook, as Stripe would."""
    response = client.post("/fund/stripe/webhook/", data=delivery.body,
                           content_type="application/json",
                           HTTP_STRIPE_SIGNATURE=delivery.signature)
    return response.status_code


@pytest.fixture
def webhook(client: Client, django_capture_on_commit_callbacks: Any) -> Callable[[Delivery], int]:
    """Deliver to the app and run what it does after commit (the apply task, receipts)."""

    def send(delivery: Delivery) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return deliver(client, delivery)

    return send


# --- the donor's browser, played with the Stripe API -------------------------------------

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"


def card(number: str) -> str:
    """A PaymentMethod as Stripe's Payment Element makes it in the donor's browser."""
    pm = gateway.stripe_client().v1.payment_methods.create(params={
        "type": "card",
        "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"},
    })
    return pm.id


def pay(intent_id: str, number: str = GOOD_CARD) -> bool:
    """Confirm the intent with a card; False if the card is declined."""
    client = gateway.stripe_client()
    client.v1.payment_intents.update(intent_id, params={"payment_method": card(number)})
    try:
        client.v1.payment_intents.confirm(intent_id)
    except stripe.CardError:
        return False
    return True


@pytest.fixture
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server, bound to loopback only (its default is 'localhost')."""
    server = LiveServer("127.0.0.1")
    yield server
    server.stop()


