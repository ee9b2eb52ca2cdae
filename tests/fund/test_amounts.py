"""What a donor types as her gift's amount, the English or the Spanish way, and what she is
asked to pay: never a hundred times more ("25,50" was once 2,550.00 USD), never a 500.

A lone separator before one or two digits is the decimal one ("25,5", "25.50"); before
exactly three a comma groups thousands ("1,500"), while a lone "1.500" is refused (decimals
in English, thousands in much of Latin America: either guess could charge a thousand times
too much); with both kinds the last is the decimal ("1.500,00", "1,500.00"). Anything else
is refused and she is told how to write it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import strategies as st

from tests import factories as f
from tests.conftest import World
from tests.fund.helpers import donate
from transport.fund.donations import amount_read, money_text_local
from transport.fund.models import Donation, Subsidy

LANGUAGES = ["en", "es"]
NBSP = "\u00a0"

ACCEPTED = [
    ("25.50", 2550), ("25,50", 2550), ("25", 2500), ("$25", 2500), (" 25 ", 2500),
    ("25,5", 2550), ("25.5", 2550), ("1,5", 150),
    ("1,500", 150000), ("2,500", 250000), ("1.500,00", 150000), ("1,500.00", 150000),
    (f"10{NBSP}000,00", 1000000),  # the maximum, as the Spanish hint writes it
]
MALFORMED = ["1,2,3", "12.34.56", "abc", "-5", "1e3", "1.500", "3.555"]

# What she pays, as the card step's heading says it.
GIVE = {"en": "Give {}", "es": "Donar {}"}
BETWEEN = {"en": "Please give between 1.00 USD and 10,000.00 USD.",
           "es": f"Puede donar entre 1,00 USD y 10{NBSP}000,00 USD."}


def page_in(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def how_to_write(language: str) -> str:
    """The refusal she reads. Spanish follows the catalogue (the Spanish text is added to it
    separately); the page must show this message, not another one."""
    with translation.override(language):
        return gettext("Write the amount in %(currency)s, like 25 or 25.50.") % {
            "currency": "USD"}


def give(client: Client, typed: str) -> Any:
    return client.post("/fund/donate/", {"preset": "50", "amount": typed,
                                         "email": "a@example.org", "kind": "one_time"})


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("typed", "cents"), ACCEPTED)
def test_a_typed_amount_is_what_she_is_asked_to_pay(
    localstripe: Any, language: str, typed: str, cents: int
) -> None:
    response = give(page_in(language), typed)
    assert response.status_code == 200, response.content.decode()
    assert Donation.objects.get().amount_cents == cents
    amount = f"{cents // 100:,}.{cents % 100:02d} USD"
    assert GIVE[language].format(amount) in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("typed", MALFORMED)
def test_an_unclear_amount_is_refused_saying_how_to_write_it(
    localstripe: Any, language: str, typed: str
) -> None:
    response = give(page_in(language), typed)
    html = response.content.decode()
    assert response.status_code == 400
    assert f'<p class="field-error" id="amount-error">{how_to_write(language)}</p>' in html
    assert f'value="{typed}"' in html  # kept for her to correct
    assert not Donation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_three_decimals_beyond_the_maximum_are_not_taken_for_thousands(
    localstripe: Any, language: str
) -> None:
    # "25,505" reads as 25,505 dollars, over the maximum: she likely meant 25.50.
    html = give(page_in(language), "25,505").content.decode()
    assert f"{how_to_write(language)} {BETWEEN[language]}" in html
    assert not Donation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_minimum_and_maximum_still_hold(localstripe: Any, language: str) -> None:
    for typed in ("0,99", "0.99", "10000.01", "10.000,01", "20000"):
        html = give(page_in(language), typed).content.decode()
        assert BETWEEN[language] in html, typed
        assert how_to_write(language) not in html
    assert not Donation.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "hint"), [
    ("en", "From 1.00 USD to 10,000.00 USD."), ("es", f"De 1,00 USD a 10{NBSP}000,00 USD.")])
def test_the_hint_writes_the_bounds_the_way_she_writes_numbers(
    language: str, hint: str
) -> None:
    html = page_in(language).get("/fund/donate/").content.decode()
    assert hint in html


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "cents"), [("25,50", 2550), ("1.500,00", 150000)])
def test_the_api_reads_amounts_the_same_way(
    localstripe: Any, api: Callable, typed: str, cents: int
) -> None:
    response = api().post("/api/v1/fund/donations/", {"amount": typed, "email": "a@b.org"},
                          format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["amount_cents"] == cents == Donation.objects.get().amount_cents


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_an_unclear_amount_by_its_field(
    localstripe: Any, api: Callable, language: str
) -> None:
    response = api().post("/api/v1/fund/donations/", {"amount": "1,2,3", "email": "a@b.org"},
                          format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json()["fields"]["amount"] == [how_to_write(language)]
    assert not Donation.objects.exists()


@pytest.mark.django_db
def test_a_coordinator_grants_an_amount_written_the_spanish_way(
    client: Client, world: World
) -> None:
    donate(5000)
    booking = f.make_booking(world.session, world.resident, world.household)
    client.force_login(world.coordinator)
    client.cookies["django_language"] = "es"
    refused = client.post("/fund/subsidies/grant/", {"booking": booking.pk, "kind": "bus_fare",
                                                     "amount": "12.34.56"}, follow=True)
    assert how_to_write("es") in refused.content.decode()
    assert not Subsidy.objects.exists()
    client.post("/fund/subsidies/grant/", {"booking": booking.pk, "kind": "bus_fare",
                                           "amount": "12,50"})
    assert Subsidy.objects.get().amount_cents == 1250


@given(cents=st.integers(min_value=0, max_value=10**12), language=st.sampled_from(LANGUAGES))
def test_an_amount_written_as_the_site_writes_it_reads_back_the_same(
    cents: int, language: str
) -> None:
    with translation.override(language):
        written = money_text_local(cents, "usd").removesuffix(" USD")
    assert amount_read(written).cents == cents
