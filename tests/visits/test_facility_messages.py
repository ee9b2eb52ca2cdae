"""A liaison writes to one session's or one day's families: each reads it in her own
language; a preview sends nothing; bad input and other facilities are refused."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.test import Client

from notifications.models import Delivery, Event, Preference
from tests import factories as f
from tests.conftest import PERSONAS, World
from visits import services

pytestmark = pytest.mark.django_db

EN = "The car park is closed; use the north entrance."
ES = "El estacionamiento está cerrado; use la entrada norte."


@pytest.fixture
def booked(world: World) -> World:
    """Rosa (reads Spanish) and Linda (English) in Lakeview's session; a family on another
    day; a family at High Desert."""
    Preference.objects.update_or_create(user=world.caregiver, defaults={"language": "es"})
    for caregiver, resident, household in (
        (world.caregiver, world.resident, world.household),
        (world.other_caregiver, world.other_resident, world.other_household),
    ):
        services.booking_create(actor=caregiver, session_id=world.session.pk,
                                resident_id=resident.pk,
                                visitor_ids=[v.pk for v in household.visitors.all()])
    next_week = f.make_session(world.rule,
                               starts_at=world.session.starts_at + dt.timedelta(days=7))
    world.other_day_household = f.make_household("weekly")
    f.make_booking(next_week, f.make_resident(world.facility), world.other_day_household)
    far = f.make_session(f.make_rule(world.other_facility),
                         starts_at=world.session.starts_at)
    world.far_household = f.make_household("far")
    f.make_booking(far, f.make_resident(world.other_facility), world.far_household)
    return world


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def token_of(page: str) -> str:
    found = re.search(r'name="send_token" value="([0-9a-f-]{36})"', page)
    assert found, "the preview gives the Send button a one-time token"
    return found.group(1)


def send(client: Client, form: dict, **kwargs: Any) -> Any:
    """What the liaison does: check the message (the preview), then press Send."""
    preview = client.post("/roster/message/", {**form, "step": "preview"}).content.decode()
    token = token_of(preview) if "send_token" in preview else ""
    return client.post("/roster/message/", {**form, "step": "send", "send_token": token},
                       **kwargs)


def day_of(world: World) -> str:
    return world.session.starts_at.astimezone(world.facility.tz).date().isoformat()


def bodies(user: Any) -> list[str]:
    return list(Delivery.objects.filter(user=user, event__type="visits.facility.message")
                .values_list("event__body", flat=True))


def test_a_session_message_reaches_its_families_each_in_her_language(booked: World) -> None:
    response = send(client_for(booked.liaison), {
        "session": booked.session.pk, "text_en": EN, "text_es": ES}, follow=True)
    assert "Sent to 2 families." in response.content.decode()
    assert bodies(booked.caregiver) == [ES]
    assert bodies(booked.other_caregiver) == [EN]
    assert not bodies(booked.other_day_household.caregiver)
    assert not bodies(booked.far_household.caregiver)
    assert not Event.objects.get(type="visits.facility.message", body=EN).urgent


def test_a_day_message_without_spanish_sends_english_to_all_and_can_be_urgent(
    booked: World,
) -> None:
    send(client_for(booked.liaison), {"date": day_of(booked), "text_en": EN, "urgent": "1"})
    assert bodies(booked.caregiver) == [EN] and bodies(booked.other_caregiver) == [EN]
    assert Event.objects.get(type="visits.facility.message").urgent


def test_the_preview_counts_families_and_sends_nothing(booked: World) -> None:
    page = client_for(booked.liaison).post("/roster/message/", {
        "date": day_of(booked), "text_en": EN, "step": "preview"}).content.decode()
    assert "Send to 2 families" in page
    assert not Event.objects.filter(type="visits.facility.message").exists()


@pytest.mark.parametrize(("data", "status"), [
    ({"text_en": "", "text_es": ""}, 400),
    ({"text_en": "x" * 1001}, 400),
    ({"text_es": "x" * 1001}, 400),
    ({"session": "abc"}, 400),
    ({"date": "2026-02-30"}, 400),
    ({"session": None, "date": None}, 400),
    ({"session": "999999"}, 404),
])
def test_bad_input_is_refused_and_nothing_sent(booked: World, data: dict, status: int) -> None:
    form = {"session": str(booked.session.pk), "text_en": EN, "step": "send", **data}
    response = client_for(booked.liaison).post(
        "/roster/message/", {k: v for k, v in form.items() if v is not None})
    assert response.status_code == status
    assert not Event.objects.filter(type="visits.facility.message").exists()


PAGE_STATUS = {"caregiver": 403, "other_caregiver": 403, "liaison": 200, "other_liaison": 200,
               "coordinator": 403, "driver": 403, "anonymous": 302}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_is_for_liaisons_and_their_own_day(booked: World, persona: str) -> None:
    response = client_for(booked.persona(persona)).get(f"/roster/message/?date={day_of(booked)}")
    assert response.status_code == PAGE_STATUS[persona]
    if response.status_code == 200:
        expected = "2 families" if persona == "liaison" else "1 family"
        assert expected in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_facilitys_liaison_writes_to_its_session(booked: World, persona: str) -> None:
    response = send(client_for(booked.persona(persona)), {
        "session": booked.session.pk, "text_en": EN})
    expected = {**PAGE_STATUS, "liaison": 302, "other_liaison": 404}[persona]
    assert response.status_code == expected
    sent = Event.objects.filter(type="visits.facility.message").exists()
    assert sent == (persona == "liaison")


def test_a_day_nobody_booked_has_nobody_to_write_to(booked: World) -> None:
    empty_day = (booked.session.starts_at + dt.timedelta(days=2)).astimezone(
        booked.facility.tz).date().isoformat()
    client = client_for(booked.liaison)
    preview = client.post("/roster/message/", {"date": empty_day, "text_en": EN,
                                               "step": "preview"}).content.decode()
    assert "nobody to write to" in preview and "Send to 0" not in preview
    response = client.post("/roster/message/", {"date": empty_day, "text_en": EN,
                                                "step": "send", "send_token": str(uuid.uuid4())})
    assert response.status_code == 409
    assert not Event.objects.filter(type="visits.facility.message").exists()
