"""The fund's API: every write endpoint's good path and its bad inputs (clear 4xx)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests import factories as f
from tests.conftest import World
from tests.fund.helpers import donate
from transport.fund.models import Donation, MonthlyGift, Subsidy

pytestmark = pytest.mark.django_db

DONATIONS = "/api/v1/fund/donations/"
SUBSIDIES = "/api/v1/fund/subsidies/"
BALANCE = "/api/v1/fund/balance/"


def test_anyone_can_start_a_gift(localstripe: Any, api: Callable) -> None:
    response = api().post(DONATIONS, {"amount": "25.50", "email": "a@example.org"},
                          format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["client_secret"].startswith(body["intent_id"] + "_secret_")
    assert body["amount_cents"] == 2550 and body["currency"] == "usd"
    assert Donation.objects.get().payment_intent_id == body["intent_id"]


def test_monthly_gift_starts_with_a_setup_intent(localstripe: Any, api: Callable) -> None:
    response = api().post(DONATIONS, {"amount": 10, "email": "a@example.org",
                                      "kind": "monthly"}, format="json")
    assert response.status_code == 201
    assert response.json()["intent_id"].startswith("seti_")
    assert MonthlyGift.objects.get().amount_cents == 1000


@pytest.mark.parametrize(("body", "field"), [
    ({"amount": "abc"}, "amount"),
    ({"amount": ""}, "amount"),
    ({"amount": None}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"amount": "10.001"}, "amount"),  # not whole cents
    ({"amount": "0.99"}, "amount"),  # below the minimum
    ({"amount": "10000.01"}, "amount"),  # above the maximum
    ({"amount": "-5"}, "amount"),
    ({"currency": "eur"}, "currency"),
    ({"email": "not-an-email"}, "email"),
    ({"email": ""}, "email"),
    ({"earmark": 999999}, "earmark"),
    ({"earmark": "lakeview"}, "earmark"),
    ({"name": "x" * 121}, "name"),
    ({"kind": "weekly"}, "kind"),
])
def test_bad_gift_is_refused_with_the_field_to_fix(
    localstripe: Any, api: Callable, body: dict, field: str
) -> None:
    good = {"amount": "25", "email": "a@example.org"}
    response = api().post(DONATIONS, {**good, **body}, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and field in data["fields"], data
    assert data["fields"][field][0]  # says what to fix
    assert not Donation.objects.exists() and not MonthlyGift.objects.exists()


def test_every_problem_with_a_gift_is_named_at_once(localstripe: Any, api: Callable) -> None:
    response = api().post(DONATIONS, {"amount": "0.5", "currency": "eur", "email": "x"},
                          format="json", HTTP_ACCEPT_LANGUAGE="es")
    fields = response.json()["fields"]
    assert set(fields) == {"amount", "currency", "email"}
    assert fields["currency"] == ["El fondo solo acepta donativos en USD."]


def test_gift_body_must_be_an_object(localstripe: Any, api: Callable) -> None:
    response = api().post(DONATIONS, [1, 2], format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_stripe_unreachable_is_a_clear_503_and_records_nothing(
    localstripe: Any, api: Callable, settings: Any
) -> None:
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    response = api().post(DONATIONS, {"amount": "25", "email": "a@example.org"},
                          format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "payment_service_unavailable"
    assert not Donation.objects.exists()


def test_a_stripe_that_never_answers_is_given_up_in_seconds(
    localstripe: Any, api: Callable, settings: Any
) -> None:
    """A real socket that takes the connection and never answers: the donor's request
    (holding one of its process's few request threads) ends after the timeout, not
    Stripe's own 80 s, with the same clear 503 and nothing recorded."""
    with socket.create_server(("127.0.0.1", 0)) as silent:
        silent.listen()
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings.STRIPE_TIMEOUT_SECONDS = 1
        started = time.monotonic()
        response = api().post(DONATIONS, {"amount": "25", "email": "a@example.org"},
                              format="json")
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["code"] == "payment_service_unavailable"
    assert waited < 10  # one try and one retry of 1 s each, with Stripe's short backoff
    assert not Donation.objects.exists()


@pytest.fixture
def booking(world: World) -> Any:
    return f.make_booking(world.session, world.resident, world.household)


def test_coordinator_grants_and_lists_subsidies(
    world: World, api: Callable, booking: Any
) -> None:
    donate(5000)
    client = api(world.coordinator)
    response = client.post(SUBSIDIES, {"booking": booking.pk, "kind": "mileage",
                                       "miles": 100}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["amount_cents"] == 100 * 14
    listed = client.get(SUBSIDIES).json()
    assert [s["booking"] for s in listed] == [booking.pk]
    balance = client.get(BALANCE).json()
    assert balance["balance_cents"] == 5000 - 1400 and balance["currency"] == "usd"


@pytest.mark.parametrize("persona", ["caregiver", "liaison", "driver", "anonymous"])
def test_only_coordinators_use_the_subsidy_api(
    world: World, api: Callable, booking: Any, persona: str
) -> None:
    donate(5000)
    client = api(world.persona(persona))
    posted = client.post(SUBSIDIES, {"booking": booking.pk, "kind": "bus_fare",
                                     "amount_cents": 100}, format="json")
    assert posted.status_code in (401, 403)
    assert set(posted.json()) >= {"code", "message", "fields"}
    assert client.get(SUBSIDIES).status_code in (401, 403)
    assert client.get(BALANCE).status_code in (401, 403)
    assert not Subsidy.objects.exists()


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"kind": "bus_fare", "amount_cents": "lots"}, 400, "invalid"),
    ({"kind": "teleport", "amount_cents": 100}, 400, "invalid"),
    ({"kind": "mileage"}, 400, "invalid"),
    ({"kind": "bus_fare", "amount_cents": 100, "booking": "x"}, 400, "invalid"),
    ({"kind": "bus_fare", "amount_cents": 100, "booking": 999999}, 404, "not_found"),
    ({"kind": "bus_fare", "amount_cents": 6000}, 409, "insufficient_funds"),
])
def test_bad_grant_is_refused_clearly(
    world: World, api: Callable, booking: Any, body: dict, status: int, code: str
) -> None:
    donate(5000)
    response = api(world.coordinator).post(SUBSIDIES, {"booking": booking.pk, **body},
                                           format="json")
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["message"]
    assert not Subsidy.objects.exists()
