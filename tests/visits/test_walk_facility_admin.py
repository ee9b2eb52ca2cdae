"""What a facility administrator stumbled on when walking her pages (second walk)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import World
from visits.models import Resident

pytestmark = pytest.mark.django_db


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_id_number_taken_in_another_case_is_refused(world: World) -> None:
    """Families' applications match an ID number whatever its case: a second "w48213"
    beside "W48213" would send an application to either person."""
    taken = world.resident.prison_id
    before = Resident.objects.count()
    response = client_for(world.liaison).post("/roster/residents/", {
        "first_name": "Ana", "last_name": "Ruiz", "prison_id": f" {taken.lower()} ",
        "unit": str(world.unit_b.pk)})
    page = response.content.decode()
    assert response.status_code == 400 and "already has this ID number" in page
    assert 'value="Ana"' in page  # what she typed stays
    assert Resident.objects.count() == before
