"""A family's message about one of her visits leads to that visit ("Open" in the inbox);
staff messages name the roster's day instead, and carry no family link."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils.translation import gettext_noop

from notifications.services import event_emit
from notifications.text import Text, day
from tests.conftest import World
from visits import services

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_confirmation_leads_the_family_to_her_visit(world: World) -> None:
    booking = services.booking_create(
        actor=world.caregiver, session_id=world.session.pk, resident_id=world.resident.pk,
        visitor_ids=[v.pk for v in world.family]).booking
    services.booking_confirm(actor=world.liaison, booking_id=booking.pk)

    family = signed_in(world.caregiver).get("/inbox/").content.decode()
    assert f'<a href="/bookings/#booking-{booking.pk}">Open' in family
    assert f'id="booking-{booking.pk}"' in signed_in(world.caregiver).get(
        "/bookings/").content.decode()  # the anchor it leads to is there
    staff = signed_in(world.liaison).get("/inbox/").content.decode()
    assert "New booking request" in staff
    assert "/bookings/#booking-" not in staff


def test_a_withdrawn_approval_leads_to_her_family(world: World) -> None:
    approval = world.sofia.approvals.get(resident=world.resident)
    services.approval_decide(actor=world.liaison, approval_id=approval.pk, status="revoked",
                             reason_code="not_on_list")
    assert '<a href="/family/">Open' in signed_in(world.caregiver).get(
        "/inbox/").content.decode()


def test_the_messages_on_her_visits_page_read_in_her_language(world: World) -> None:
    """An event written while English was active (a coordinator planning rides) reads in
    Spanish on the family's visits page, title and body alike, days included."""
    params = {"day": day(dt.date(2026, 12, 5)), "place": "Springfield"}
    event_emit(type="transport.ride.replanning", recipients=[world.caregiver],
               title=Text(gettext_noop("Your ride moved with your visit to %(day)s"), params),
               body=Text(gettext_noop(
                   "It will be planned again for the new time of your visit, from %(place)s. "
                   "You will hear the pickup time when your ride is planned."), params))
    client = signed_in(world.caregiver)
    client.cookies["django_language"] = "es"
    page = client.get("/bookings/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "sábado, 5 de diciembre" in page
    assert "Your ride" not in page and "It will be planned again" not in page
