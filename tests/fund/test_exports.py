"""The coordinators' travel-fund grants export: amounts that add up to the database's."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client

from tests import factories as f
from tests.conftest import PERSONAS, World
from tests.fund.helpers import donate
from transport.fund.exports import GRANTS_HEADER
from transport.fund.models import Subsidy, SubsidyStatus
from transport.fund.subsidies import subsidy_grant, subsidy_reverse

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def granted(world: World) -> World:
    donate(20000)
    booking = f.make_booking(world.session, world.resident, world.household)
    subsidy_grant(actor=world.coordinator, booking_id=booking.pk, kind="bus_fare",
                  amount_cents=2550, note="=cmd|' /C calc'!A0")
    fuel = subsidy_grant(actor=world.coordinator, booking_id=booking.pk, kind="fuel_card",
                         amount_cents=1000)
    subsidy_reverse(actor=world.coordinator, subsidy_id=fuel.pk, reason="Given twice")
    return world


def _url(world: World) -> str:
    day = world.session.starts_at.astimezone(world.facility.tz).date().isoformat()
    return f"/fund/subsidies/export.csv?from={day}&to={day}"


def test_the_grants_export_adds_up_to_the_database(granted: World) -> None:
    response = client_for(granted.coordinator).get(_url(granted))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert tuple(rows[0]) == GRANTS_HEADER
    body = rows[1:]
    assert len(body) == Subsidy.objects.count() == 2
    status, amount = GRANTS_HEADER.index("status"), GRANTS_HEADER.index("amount")
    paid = sum(round(float(r[amount]) * 100) for r in body if r[status] == "granted")
    total = Subsidy.objects.filter(status=SubsidyStatus.GRANTED).aggregate(
        n=Sum("amount_cents"))["n"]
    assert paid == total == 2550
    assert "'=cmd|' /C calc'!A0" in {r[GRANTS_HEADER.index("note")] for r in body}


STATUS = {"caregiver": 403, "other_caregiver": 403, "liaison": 403, "other_liaison": 403,
          "coordinator": 200, "driver": 403, "anonymous": 302}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_coordinators_download_grants(granted: World, persona: str) -> None:
    response = client_for(granted.persona(persona)).get(_url(granted))
    assert response.status_code == STATUS[persona]


@pytest.mark.parametrize("query", ["from=2026-12-31&to=2026-01-01", "to=nope"])
def test_a_bad_range_is_refused(granted: World, query: str) -> None:
    response = client_for(granted.coordinator).get(f"/fund/subsidies/export.csv?{query}")
    assert response.status_code == 400
