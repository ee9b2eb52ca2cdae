"""Issue 18: sign-in, API tokens and donation starts are throttled with a clear 429."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from tests.conftest import World
from transport.fund.models import Donation

pytestmark = pytest.mark.django_db


def test_twenty_wrong_passwords_in_a_row_are_throttled_and_say_so(client: Client) -> None:
    get_user_model().objects.create_user(username="rosa", password="the-right-one-2026")
    codes = [client.post("/login/", {"login": "rosa", "password": f"wrong-{n}"}).status_code
             for n in range(20)]
    assert codes[0] == 200  # the form again, with its error
    assert codes[-1] == 429
    assert codes.index(429) <= 10
    # Even the right password waits now: that is what stops guessing.
    locked = client.post("/login/", {"login": "rosa", "password": "the-right-one-2026"})
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "Too many wrong passwords" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_sign_in_lock_speaks_spanish(client: Client) -> None:
    get_user_model().objects.create_user(username="rosa", password="the-right-one-2026")
    for n in range(12):
        response = client.post("/login/", {"login": "rosa", "password": f"wrong-{n}"},
                               HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 429
    assert "Demasiadas contraseñas incorrectas" in response.content.decode()


def test_another_person_on_the_same_network_can_still_sign_in(client: Client) -> None:
    get_user_model().objects.create_user(username="rosa", password="the-right-one-2026")
    get_user_model().objects.create_user(username="linda", password="lindas-own-2026")
    for n in range(12):
        client.post("/login/", {"login": "rosa", "password": f"wrong-{n}"})
    response = Client().post("/login/", {"login": "linda", "password": "lindas-own-2026"})
    assert response.status_code == 302


def test_random_api_tokens_are_throttled_after_a_few(world: World) -> None:
    client = APIClient()
    codes = []
    for n in range(25):
        client.credentials(HTTP_AUTHORIZATION=f"Token {n:040x}")
        codes.append(client.get("/api/v1/me/").status_code)
    assert codes[:10] == [401] * 10
    assert set(codes[10:]) == {429}
    response = client.get("/api/v1/me/")
    body = response.json()
    assert body["code"] == "throttled" and "Too many requests" in body["message"]
    assert int(response["Retry-After"]) > 0


def test_two_hundred_anonymous_donation_starts_in_a_minute_are_throttled(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transport.fund import api as fund_api

    started: list[Any] = []

    def fake_start(**kwargs: Any) -> Any:  # no Stripe call: the throttle is what is tested
        started.append(kwargs)
        return type("Started", (), {"kind": "one_time", "client_secret": "pi_x_secret",
                                    "intent_id": "pi_x", "amount_cents": 2500,
                                    "currency": "usd"})()

    monkeypatch.setattr(fund_api, "donation_start", fake_start)
    body = {"amount": "25", "email": "donor@example.org"}
    codes = [client.post("/api/v1/fund/donations/", body,
                         content_type="application/json").status_code for _ in range(200)]
    assert codes[0] == 201
    assert codes.count(429) >= 150
    assert len(started) == codes.count(201)
    refused = client.post("/api/v1/fund/donations/", body, content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="es")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Demasiadas solicitudes" in refused.json()["message"]


def test_the_donation_page_counts_with_the_same_throttle(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transport.fund import views as fund_views

    def no_stripe(**kwargs: Any) -> Any:
        raise AssertionError("throttled before Stripe")

    for _ in range(10):
        assert client.post("/api/v1/fund/donations/", {"amount": "0"},
                           content_type="application/json").status_code == 400
    monkeypatch.setattr(fund_views, "donation_start", no_stripe)
    response = client.post("/fund/donate/", {"amount": "25", "email": "donor@example.org"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Donation.objects.count() == 0


def test_signed_in_api_use_is_throttled_per_token(world: World, api: Callable,
                                                  settings: Any) -> None:
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], user="5/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates  # DRF reads the rates once, at import
    try:
        rosa, linda = api(world.caregiver), api(world.other_caregiver)
        codes = [rosa.get("/api/v1/me/").status_code for _ in range(7)]
        assert codes == [200] * 5 + [429] * 2
        assert linda.get("/api/v1/me/").status_code == 200  # her own count
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def test_throttled_message_is_translated() -> None:
    from scheduler.throttles import throttled_message

    with translation.override("es"):
        assert "Demasiadas solicitudes" in throttled_message(30)
