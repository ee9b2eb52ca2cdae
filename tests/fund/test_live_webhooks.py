"""End to end: localstripe delivers its signed webhooks straight to the running app.

The app runs in pytest-django's live server on 127.0.0.1; three endpoints on localstripe
point at it, so every event arrives three times, concurrently, as real HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from tests.fund.conftest import pay
from transport.fund.donations import donation_start
from transport.fund.ledger import fund_balance, fund_default
from transport.fund.models import LedgerEntry, StripeEvent, StripeEventStatus

pytestmark = pytest.mark.django_db(transaction=True)

HOOKS = ("live1", "live2", "live3")


def eventually(check: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_gift_delivered_three_times_to_the_live_app_lands_once(
    localstripe: Any, live_server: LiveServer, mailoutbox: list
) -> None:
    for name in HOOKS:
        localstripe.register_webhook(name, live_server.url + "/fund/stripe/webhook/",
                                     events=["payment_intent.succeeded"])
    try:
        intent = donation_start(amount="42", email="live@example.org").intent_id
        assert pay(intent)
        eventually(lambda: StripeEvent.objects.filter(
            status=StripeEventStatus.APPLIED).exists())
        time.sleep(2)  # let the other two copies arrive too
    finally:
        for name in HOOKS:
            localstripe.silence_webhook(name)

    assert fund_balance(fund_default()) == 4200
    assert LedgerEntry.objects.count() == 1
    assert StripeEvent.objects.count() == 1
    assert len(mailoutbox) == 1
