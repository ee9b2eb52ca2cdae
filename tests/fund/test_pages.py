"""The fund's pages: give, thank-you, public totals (no family named), the coordinators' report."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests import factories as f
from tests.conftest import World
from tests.fund.helpers import donate, refund
from transport.fund.models import Donation, Subsidy
from transport.fund.subsidies import subsidy_grant

pytestmark = pytest.mark.django_db


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_donation_page_shows_the_form_without_any_script(client: Client, world: World) -> None:
    html = client.get("/fund/donate/").content.decode()
    assert 'name="amount"' in html and 'name="email"' in html
    assert world.facility.name in html  # a donor may earmark for a facility's families
    assert "js.stripe.com" not in html  # Stripe.js only on the card step


def test_a_chosen_amount_button_or_a_typed_amount(client: Client, localstripe: Any) -> None:
    client.post("/fund/donate/", {"preset": "50", "amount": "", "email": "a@example.org"})
    client.post("/fund/donate/", {"preset": "50", "amount": "7.25", "email": "a@example.org"})
    assert sorted(Donation.objects.values_list("amount_cents", flat=True)) == [725, 5000]


def test_bad_amount_is_explained_on_the_page(client: Client, localstripe: Any) -> None:
    # Both separators: the last one is the decimal one, and it has three digits.
    response = client.post("/fund/donate/", {"amount": "1,003.555", "email": "a@example.org"})
    assert response.status_code == 400
    assert "at most two decimals" in response.content.decode()
    assert not Donation.objects.exists()


def test_bad_amount_is_explained_in_spanish(client: Client, localstripe: Any) -> None:
    client.cookies["django_language"] = "es"
    response = client.post("/fund/donate/", {"amount": "0.50", "email": "nope"},
                           HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert response.status_code == 400
    assert "Puede donar entre 1,00 USD y 10\u00a0000,00 USD." in html  # numbers as she writes them
    assert "correo" in html


def test_card_step_loads_stripe_js_from_the_setting(
    client: Client, localstripe: Any, settings: Any
) -> None:
    settings.STRIPE_JS_URL = "https://js.example.test/v3/"
    response = client.post("/fund/donate/", {"amount": "25", "email": "a@example.org",
                                             "kind": "one_time"})
    html = response.content.decode()
    assert response.status_code == 200
    donation = Donation.objects.get()
    assert f'data-secret="{donation.payment_intent_id}_secret_' in html
    assert 'data-stripe-js="https://js.example.test/v3/"' in html
    assert "The card form could not load." in html  # ready for when Stripe cannot be reached
    assert "Try again" in html


def test_thank_you_page_says_where_the_gift_is(client: Client) -> None:
    donation = donate(2500)
    html = client.get(f"/fund/donate/thanks/?payment_intent={donation.payment_intent_id}"
                      "&redirect_status=succeeded").content.decode()
    assert "25.00 USD has arrived" in html
    html = client.get("/fund/donate/thanks/?payment_intent=pi_unknown&redirect_status=failed")
    assert "did not go through" in html.content.decode()


def test_public_totals_count_trips_and_never_name_a_family(
    client: Client, world: World
) -> None:
    gift = donate(10000)
    refund(gift, 1000)
    booking = f.make_booking(world.session, world.resident, world.household)
    subsidy_grant(actor=world.coordinator, booking_id=booking.pk, kind="bus_fare",
                  amount_cents=2500, note="Rosa needs the early bus")
    subsidy_grant(actor=world.coordinator, booking_id=booking.pk, kind="fuel_card",
                  amount_cents=500)

    html = client.get("/fund/").content.decode()

    assert "90.00 USD" in html  # raised, less the refund
    assert "30.00 USD" in html  # spent on trips
    assert "<svg" in html and html.count('class="raised"') >= 12  # twelve months
    for private in ("Lopez", "Rosa", "Sofia", "Maria", "early bus", world.household.name):
        assert private not in html


def test_subsidy_report_is_for_coordinators_only(client: Client, world: World) -> None:
    donate(5000)
    booking = f.make_booking(world.session, world.resident, world.household)
    subsidy_grant(actor=world.coordinator, booking_id=booking.pk, kind="bus_fare",
                  amount_cents=1250)

    html = login(client, world.coordinator).get("/fund/subsidies/").content.decode()
    assert world.household.name in html and "12.50 USD" in html
    assert 'href="/fund/subsidies/" aria-current="page">Travel fund</a>' in html  # menu

    for persona in ("caregiver", "liaison", "driver"):
        other = Client()
        assert login(other, world.persona(persona)).get("/fund/subsidies/").status_code == 403
    assert Client().get("/fund/subsidies/").status_code == 302  # to the login page


def test_coordinator_grants_from_the_report_page(client: Client, world: World) -> None:
    donate(5000)
    booking = f.make_booking(world.session, world.resident, world.household)
    login(client, world.coordinator)

    bad = client.post("/fund/subsidies/grant/", {"booking": booking.pk, "kind": "bus_fare",
                                                 "amount": "lots"}, follow=True)
    assert "Write the amount in USD, like 25 or 25.50." in bad.content.decode()
    assert not Subsidy.objects.exists()

    good = client.post("/fund/subsidies/grant/", {"booking": booking.pk, "kind": "bus_fare",
                                                  "amount": "12.50"}, follow=True)
    assert "Granted 12.50 USD" in good.content.decode()
    assert Subsidy.objects.get().amount_cents == 1250


def test_only_coordinators_post_grants(client: Client, world: World) -> None:
    donate(5000)
    booking = f.make_booking(world.session, world.resident, world.household)
    login(client, world.caregiver)
    response = client.post("/fund/subsidies/grant/", {"booking": booking.pk,
                                                      "kind": "bus_fare", "amount": "5"})
    assert response.status_code == 403
    assert not Subsidy.objects.exists()


def test_monthly_gift_starts_when_the_donor_comes_back(client: Client, localstripe: Any) -> None:
    from transport.fund import gateway
    from transport.fund.donations import donation_start
    from transport.fund.models import MonthlyGift

    started = donation_start(amount="12", email="m@example.org", kind="monthly")
    stripe = gateway.stripe_client()
    card = stripe.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    stripe.v1.setup_intents.confirm(started.intent_id, params={"payment_method": card.id})

    url = f"/fund/donate/thanks/?setup_intent={started.intent_id}&redirect_status=succeeded"
    assert "Your monthly gift has started" in client.get(url).content.decode()
    assert "Your monthly gift has started" in client.get(url).content.decode()  # reload
    assert MonthlyGift.objects.get().subscription_id.startswith("sub_")


def test_coming_back_with_an_unsaved_card_says_so(client: Client, localstripe: Any) -> None:
    from transport.fund.donations import donation_start

    started = donation_start(amount="12", email="m@example.org", kind="monthly")
    html = client.get(f"/fund/donate/thanks/?setup_intent={started.intent_id}").content.decode()
    assert "Your card was not saved" in html and "did not go through" in html
