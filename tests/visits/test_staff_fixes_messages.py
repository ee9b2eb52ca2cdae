"""A liaison's message to a day's families goes out once, however often Send is posted; the
page without a day or a session says what to do and links back to the roster."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection

from notifications.models import Delivery, Event
from tests.conftest import World
from tests.visits.test_concurrency import race
from tests.visits.test_facility_messages import EN, ES, booked, client_for, day_of, token_of
from visits import services

__all__ = ["booked"]  # the fixture, imported for pytest

MESSAGE = "visits.facility.message"


def preview(client, form: dict) -> str:
    return client.post("/roster/message/", {**form, "step": "preview"}).content.decode()


@pytest.mark.django_db
def test_send_posted_twice_sends_once_and_says_it_was_already_sent(booked: World) -> None:
    client = client_for(booked.liaison)
    form = {"date": day_of(booked), "text_en": EN, "text_es": ES}
    token = token_of(preview(client, form))
    first = client.post("/roster/message/", {**form, "step": "send", "send_token": token})
    assert "Sent to 2 families." in client.get(first["Location"]).content.decode()
    again = client.post("/roster/message/", {**form, "step": "send", "send_token": token})
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]  # the same page as after the first send
    page = client.get(again["Location"]).content.decode()
    assert "This message was already sent." in page and "Sent to" not in page
    assert Event.objects.filter(type=MESSAGE).count() == 2  # one per text, sent once
    for caregiver in (booked.caregiver, booked.other_caregiver):
        assert Delivery.objects.filter(user=caregiver, event__type=MESSAGE).count() == 1


@pytest.mark.django_db
def test_each_preview_gives_a_new_token_so_a_second_message_goes_out(booked: World) -> None:
    client = client_for(booked.liaison)
    form = {"date": day_of(booked), "text_en": EN}
    tokens = [token_of(preview(client, form)) for _ in range(2)]
    assert tokens[0] != tokens[1]
    for token in tokens:
        client.post("/roster/message/", {**form, "step": "send", "send_token": token})
    assert Delivery.objects.filter(user=booked.caregiver, event__type=MESSAGE).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "not-a-token"])
def test_send_without_the_previews_token_shows_the_preview_and_sends_nothing(
    booked: World, token: str,
) -> None:
    response = client_for(booked.liaison).post("/roster/message/", {
        "date": day_of(booked), "text_en": EN, "step": "send", "send_token": token})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Send to 2 families" in page and token_of(page) != token
    assert not Event.objects.filter(type=MESSAGE).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("params", [{}, {"session": "abc"}, {"date": "not-a-day"}])
def test_no_day_or_session_says_to_choose_one_and_links_to_the_roster(
    booked: World, method: str, params: dict,
) -> None:
    client = client_for(booked.liaison)
    response = getattr(client, method)("/roster/message/", params)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a day or a session from the roster." in page
    assert 'href="/roster/"' in page and "Back to the roster" in page
    assert "Some of the information is missing" not in page
    assert "Check the message" not in page  # no form that cannot be sent


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "status"), [
    ("caregiver", 403), ("driver", 403), ("coordinator", 403), ("anonymous", 302)])
def test_the_page_without_a_day_is_still_for_liaisons_only(
    booked: World, persona: str, status: int,
) -> None:
    response = client_for(booked.persona(persona)).post("/roster/message/", {})
    assert response.status_code == status
    assert "Choose a day or a session" not in response.content.decode()


@pytest.mark.django_db
def test_the_service_sends_at_most_once_per_token(booked: World) -> None:
    token = str(uuid.uuid4())
    sent = [services.facility_message_send(actor=booked.liaison, session_id=booked.session.pk,
                                           text_en=EN, send_token=token) for _ in range(3)]
    assert [(s.told, s.already_sent) for s in sent] == [(2, False), (0, True), (0, True)]
    assert Event.objects.filter(type=MESSAGE).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="row locks need PostgreSQL; CI runs this file on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_of_one_send_form_send_once(booked: World) -> None:
    token = str(uuid.uuid4())
    results = race(5, lambda i: services.facility_message_send(
        actor=booked.liaison, day=booked.session.starts_at.astimezone(
            booked.facility.tz).date(), text_en=EN, send_token=token))
    assert all(kind == "ok" for kind, _ in results), results
    assert sorted(value.already_sent for _, value in results) == [False] + [True] * 4
    assert Delivery.objects.filter(user=booked.caregiver, event__type=MESSAGE).count() == 1
