"""A refused grant on the report page keeps what the coordinator typed and the visit she chose.

Redirecting to an empty form put the first visit of the list back in the box: fixing the
amount and pressing "Grant" again paid the wrong family.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests import factories as f
from tests.conftest import World
from tests.fund.helpers import donate
from transport.fund.models import Subsidy

pytestmark = pytest.mark.django_db


def selected_visit(html: str) -> str:
    select = re.search(r'<select id="id_booking".*?</select>', html, re.S).group(0)
    return re.search(r'<option value="(\d+)" selected>', select).group(1)


def two_visits(world: World) -> tuple:
    first = f.make_booking(world.session, world.resident, world.household)
    second = f.make_booking(world.session, world.other_resident, world.other_household)
    return first, second


def test_a_grant_the_fund_cannot_pay_keeps_the_chosen_visit_and_says_what_it_can(
    client: Client, world: World
) -> None:
    donate(2550)
    _, second = two_visits(world)
    client.force_login(world.coordinator)

    response = client.post("/fund/subsidies/grant/", {
        "booking": second.pk, "kind": "bus_fare", "amount": "40", "note": "two buses"})

    assert response.status_code == 409
    html = response.content.decode()
    assert selected_visit(html) == str(second.pk)  # not the first family of the list
    assert '<option value="bus_fare" selected>' in html
    assert 'value="40"' in html and 'value="two buses"' in html
    assert "The travel fund does not have enough money for this." in html
    assert "The fund can pay up to 25.50 USD for this visit." in html
    assert not Subsidy.objects.exists()


def test_a_badly_written_amount_is_shown_next_to_its_box_in_spanish(
    client: Client, world: World
) -> None:
    donate(5000)
    _, second = two_visits(world)
    client.force_login(world.coordinator)
    client.cookies["django_language"] = "es"

    response = client.post("/fund/subsidies/grant/", {
        "booking": second.pk, "kind": "bus_fare", "amount": "12.34.56"})

    assert response.status_code == 400
    html = response.content.decode()
    assert selected_visit(html) == str(second.pk)
    assert 'aria-describedby="amount-error"' in html and 'value="12.34.56"' in html
    assert "Cantidad en USD" in html  # the currency as the rest of the page writes it
    assert not Subsidy.objects.exists()


def test_the_visit_names_the_family_before_the_facility(client: Client, world: World) -> None:
    # A phone's closed select shows its first 30 characters: the family must be among them.
    first, _ = two_visits(world)
    client.force_login(world.coordinator)
    html = client.get("/fund/subsidies/").content.decode()
    assert f"· {world.household.name} · {world.facility.name}</option>" in html
