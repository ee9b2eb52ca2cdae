"""The fund speaks to people as "usted" in Spanish, as the rest of the service does: the
donation page, a refused gift and a family's message never say "tú"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from notifications.models import Delivery
from notifications.text import render_stored
from tests import factories as f
from tests.conftest import World
from tests.fund.helpers import donate
from transport.fund.subsidies import subsidy_grant

pytestmark = pytest.mark.django_db

# Words only "tú" says (her possessive, her pronouns, her commands on these pages).
TU = re.compile(r"\b(tu|tus|te|ti|contigo|puedes|recibirás|elige|escribe|revisa|inténtalo|"
                r"actívalo|vuelve a cargar|mira|dona|da entre|ayuda a una)\b", re.IGNORECASE)


def in_spanish() -> Client:
    client = Client()
    client.cookies["django_language"] = "es"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    return client


def main_of(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_donation_page_says_usted(world: World) -> None:
    main = main_of(in_spanish().get("/fund/donate/").content.decode())
    assert "Ayude a una familia a hacer el viaje" in main
    assert "Su donativo paga viajes" in main
    assert "Los datos de su tarjeta van directamente a Stripe" in main
    assert TU.findall(main) == []


def test_a_refused_gift_says_usted(localstripe: Any) -> None:
    response = in_spanish().post("/fund/donate/", {"amount": "0.50", "email": "nope"})
    main = main_of(response.content.decode())
    assert response.status_code == 400
    assert "Puede donar entre 1,00 USD y 10\u00a0000,00 USD." in main
    assert TU.findall(main) == []


def test_the_family_hears_of_her_paid_trip_in_usted(world: World) -> None:
    donate(5000)
    booking = f.make_booking(world.session, world.resident, world.household)
    subsidy_grant(actor=world.coordinator, booking_id=booking.pk, kind="bus_fare",
                  amount_cents=1850)
    event = Delivery.objects.get(user=world.caregiver, event__type="fund.subsidy.granted").event
    with translation.override("es"):
        title = render_stored(event.i18n, "title", event.title)
        body = render_stored(event.i18n, "body", event.body)
    assert title == "Su viaje está pagado"
    # The kind and the day in her language too, not the coordinator's.
    assert body.startswith("El fondo de viajes paga 18.50 USD (billete de autobús) para su "
                           "visita del ")
    assert "bus fare" not in body and not re.search(r"\d{4}-\d\d-\d\d", body)
    assert TU.findall(title + " " + body) == []
