"""Facility information kept by liaisons in English and Spanish and read by families: on its
own page, on the booking steps, in reminders, in the calendar file, and the phone number
when it is too late to cancel online."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from notifications.models import Delivery, Preference
from tests import factories as f
from tests.conftest import PERSONAS, World
from visits import services
from visits.info_models import FacilityInfo
from visits.models import Booking, BookingStatus, Facility
from visits.reminders import reminders_send_due

pytestmark = pytest.mark.django_db

PHONE = "+1 312 555 0199"


def client_for(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies["django_language"] = language
    if user is not None:
        client.force_login(user)
    return client


def info_form(**changes: str) -> dict[str, str]:
    data = {"phone": PHONE, "address": "1 Lake Road\nLakeview, IL 60000",
            "dress_code": "No open-toed shoes, no hats.",
            "id_adults": "A photo ID issued by a state: driver's licence or passport.",
            "id_children": "A birth certificate for every child.", "bring": "Coins for lockers."}
    data.update(changes)
    return data


@pytest.fixture
def kept(world: World) -> World:
    """Lakeview's liaison has written the information in both languages (Spanish without
    the parking part, which English has)."""
    client = client_for(world.liaison)
    assert client.post("/roster/facility/?lang=en",
                       info_form(parking="Park in lot B.")).status_code == 302
    assert client.post("/roster/facility/?lang=es", info_form(
        dress_code="Nada de sandalias ni gorras.", id_adults="Una identificación con foto.",
        id_children="El acta de nacimiento de cada niño.", bring="Monedas para casilleros.",
    )).status_code == 302
    return world


def test_the_liaison_keeps_both_languages_and_one_phone(kept: World) -> None:
    facility = Facility.objects.get(pk=kept.facility.pk)
    assert facility.phone == PHONE
    assert facility.address == "1 Lake Road\nLakeview, IL 60000"
    english = FacilityInfo.objects.get(facility=facility, language="en")
    spanish = FacilityInfo.objects.get(facility=facility, language="es")
    assert english.dress_code == "No open-toed shoes, no hats."
    assert spanish.dress_code == "Nada de sandalias ni gorras."
    page = client_for(kept.liaison).get("/roster/facility/?lang=es").content.decode()
    assert "Nada de sandalias ni gorras." in page


def test_families_read_it_in_their_language_with_english_where_spanish_is_missing(
    kept: World,
) -> None:
    url = f"/facilities/{kept.facility.pk}/"
    english = client_for(kept.caregiver).get(url).content.decode()
    assert "No open-toed shoes, no hats." in english and PHONE in english
    spanish = client_for(kept.caregiver, "es").get(url).content.decode()
    assert "Nada de sandalias ni gorras." in spanish
    assert "No open-toed shoes" not in spanish
    assert '<p class="pre" lang="en">Park in lot B.</p>' in spanish  # no Spanish parking yet
    assert f'href="tel:{PHONE.replace(" ", "")}"' in spanish


def test_the_booking_steps_link_to_it(kept: World) -> None:
    client = client_for(kept.caregiver)
    link = f'href="/facilities/{kept.facility.pk}/"'
    assert link in client.get(f"/visit/{kept.resident.pk}/").content.decode()
    confirm = client.get(f"/visit/{kept.resident.pk}/{kept.session.pk}/").content.decode()
    assert link in confirm
    f.make_booking(kept.session, kept.resident, kept.household)
    assert link in client.get("/bookings/").content.decode()


def test_too_late_to_cancel_online_gives_the_phone_number(kept: World) -> None:
    late = f.make_session(kept.rule, hours_from_now=2)
    booking = f.make_booking(late, kept.resident, kept.household)
    response = client_for(kept.caregiver).post(f"/bookings/{booking.pk}/cancel/", follow=True)
    assert ("It is too late to cancel online; please call the facility at "
            f"{PHONE}.") in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.REQUESTED
    api = client_for(kept.caregiver).post(f"/api/v1/bookings/{booking.pk}/cancel/")
    assert api.status_code == 409 and api.json()["phone"] == PHONE


def test_the_calendar_file_carries_phone_id_and_dress_code(kept: World) -> None:
    booking = f.make_booking(kept.session, kept.resident, kept.household)
    body = client_for(kept.caregiver).get(reverse("booking-ics", args=[booking.pk]))
    text = body.content.decode().replace("\r\n ", "")
    assert f"Facility phone: {PHONE}" in text
    assert "ID adults must bring: A photo ID" in text
    assert "Dress code: No open-toed shoes\\, no hats." in text


def test_the_reminder_gives_address_phone_and_id_in_the_familys_language(kept: World) -> None:
    Preference.objects.update_or_create(user=kept.caregiver, defaults={"language": "es"})
    f.make_booking(kept.session, kept.resident, kept.household)
    with transaction.atomic():
        assert reminders_send_due(at=kept.session.starts_at - dt.timedelta(hours=24)) == 1
    body = Delivery.objects.get(user=kept.caregiver).event.body
    assert "1 Lake Road Lakeview, IL 60000" in body
    assert PHONE in body
    assert "Una identificación con foto." in body


BAD = [
    ({"phone": "1" * 41}, "Ensure this value has at most 40 characters"),
    ({"dress_code": "x" * 2001}, "Ensure this value has at most 2000 characters"),
    ({"address": "x" * 501}, "Ensure this value has at most 500 characters"),
]


@pytest.mark.parametrize(("changes", "message"), BAD)
def test_bad_input_is_refused_next_to_its_field(world: World, changes: dict, message: str
                                                ) -> None:
    response = client_for(world.liaison).post("/roster/facility/?lang=en", info_form(**changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FacilityInfo.objects.exists()
    assert Facility.objects.get(pk=world.facility.pk).phone == ""


def test_an_unknown_language_edits_english(world: World) -> None:
    client_for(world.liaison).post("/roster/facility/?lang=xx", info_form())
    assert list(FacilityInfo.objects.values_list("language", flat=True)) == ["en"]


def test_the_service_refuses_what_the_form_would(world: World) -> None:
    from scheduler.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        services.facility_info_save(actor=world.liaison, language="fr", phone="1" * 41,
                                    address="", texts={"bring": "x" * 2001})
    assert set(refused.value.fields) == {"language", "phone", "bring"}
    assert not FacilityInfo.objects.exists()


EDIT_STATUS = {"caregiver": 403, "other_caregiver": 403, "liaison": 302, "other_liaison": 302,
               "coordinator": 403, "driver": 403, "anonymous": 302}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_a_facilitys_liaison_edits_its_information(world: World, persona: str) -> None:
    response = client_for(world.persona(persona)).post("/roster/facility/?lang=en", info_form())
    assert response.status_code == EDIT_STATUS[persona]
    lakeview = Facility.objects.get(pk=world.facility.pk)
    assert (lakeview.phone == PHONE) == (persona == "liaison")
    high_desert = Facility.objects.get(pk=world.other_facility.pk)
    assert (high_desert.phone == PHONE) == (persona == "other_liaison")


@pytest.mark.parametrize("persona", PERSONAS)
def test_anyone_signed_in_reads_a_facility_page(kept: World, persona: str) -> None:
    response = client_for(kept.persona(persona)).get(f"/facilities/{kept.facility.pk}/")
    assert response.status_code == (302 if persona == "anonymous" else 200)
    if persona == "anonymous":
        assert response["Location"].startswith("/login/")


def test_an_unknown_facility_is_not_found(world: World) -> None:
    assert client_for(world.caregiver).get("/facilities/999999/").status_code == 404
