"""Support a family asks for when booking (wheelchair, interpreter, a note): kept on the
booking, shown on the facility's roster only, refused clearly when too long."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import World
from visits.models import Booking

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def book_from_page(world: World, **support: str) -> Any:
    return client_for(world.caregiver).post(
        f"/visit/{world.resident.pk}/{world.session.pk}/",
        {"visitor_ids": [str(v.pk) for v in world.family], "idempotency_key": "k1", "book": "1",
         **support},
        follow=True)


def roster_page(world: World, user: Any) -> str:
    day = world.session.starts_at.astimezone(world.facility.tz).date()
    return client_for(user).get(f"/roster/?date={day.isoformat()}").content.decode()


def test_needs_from_the_booking_page_reach_the_roster(world: World) -> None:
    book_from_page(world, needs_wheelchair="1", interpreter_language=" Spanish ",
                   support_note="Grandmother walks with a cane")
    booking = Booking.objects.get()
    assert (booking.needs_wheelchair, booking.interpreter_language, booking.support_note) == (
        True, "Spanish", "Grandmother walks with a cane")
    page = roster_page(world, world.liaison)
    assert "Wheelchair access" in page
    assert "Interpreter: Spanish" in page
    assert "Grandmother walks with a cane" in page


def test_a_booking_without_needs_shows_none(world: World) -> None:
    book_from_page(world)
    booking = Booking.objects.get()
    assert not booking.needs_wheelchair and not booking.interpreter_language
    assert 'class="support-needs"' not in roster_page(world, world.liaison)


def test_another_facilitys_liaison_never_sees_them(world: World) -> None:
    book_from_page(world, support_note="Grandmother walks with a cane")
    assert "Grandmother" not in roster_page(world, world.other_liaison)


@pytest.mark.parametrize(("field", "limit"), [("interpreter_language", 60),
                                               ("support_note", 300)])
def test_too_long_is_refused_on_the_page_and_nothing_is_booked(
    world: World, field: str, limit: int
) -> None:
    page = book_from_page(world, **{field: "x" * (limit + 1)}).content.decode()
    assert f"Keep this to {limit} characters or fewer." in page
    assert not Booking.objects.exists()


def test_the_api_takes_and_shows_them(world: World, api: Any) -> None:
    response = api(world.caregiver).post("/api/v1/bookings/", {
        "session_id": world.session.pk, "resident_id": world.resident.pk,
        "visitor_ids": [v.pk for v in world.family], "needs_wheelchair": True,
        "interpreter_language": "ASL"}, format="json")
    assert response.status_code == 201
    day = world.session.starts_at.astimezone(world.facility.tz).date()
    roster = api(world.liaison).get(f"/api/v1/roster/?date={day.isoformat()}").json()
    shown = roster[0]["bookings"][0]
    assert (shown["needs_wheelchair"], shown["interpreter_language"], shown["support_note"]) == (
        True, "ASL", "")


@pytest.mark.parametrize("body", [{"needs_wheelchair": 1}, {"needs_wheelchair": "maybe"},
                                  {"interpreter_language": "x" * 61},
                                  {"support_note": "x" * 301}])
def test_the_api_refuses_bad_needs(world: World, api: Any, body: dict) -> None:
    response = api(world.caregiver).post("/api/v1/bookings/", {
        "session_id": world.session.pk, "resident_id": world.resident.pk,
        "visitor_ids": [v.pk for v in world.family], **body}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == set(body)
    assert not Booking.objects.exists()
