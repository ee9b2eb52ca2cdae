"""A family's message about one of her visits leads to that visit ("Open" in the inbox);
staff messages name the roster's day instead, and carry no family link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

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
