"""A write refused by a database constraint is a clear 409, never a 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError
from django.test import Client

from tests.conftest import World
from visits import services
from visits.models import Booking

pytestmark = pytest.mark.django_db


def _refused_by_a_constraint(**_kwargs: object) -> Booking:
    raise IntegrityError("duplicate key value violates unique constraint")


def test_the_api_answers_a_refused_constraint_with_409_and_what_to_do(
    world: World, api: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    booking = services.booking_create(
        actor=world.caregiver, session_id=world.session.pk, resident_id=world.resident.pk,
        visitor_ids=[v.pk for v in world.family]).booking
    monkeypatch.setattr(services, "booking_confirm", _refused_by_a_constraint)

    response = api(world.liaison).post(f"/api/v1/bookings/{booking.pk}/confirm/")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "saved_meanwhile"
    assert "try" in body["message"]
    assert Booking.objects.get(pk=booking.pk).status == "requested"


def test_a_page_shows_a_refused_constraint_as_a_409_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from visits import views

    def refuse(request: object) -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(views, "home", refuse)
    client = Client(raise_request_exception=False)
    client.force_login(world.caregiver)

    response = client.get("/")

    assert response.status_code == 409
    assert b"same moment" in response.content
