"""The coordinators' rides export: the right columns, totals that match the database,
only coordinators."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.db.models import Sum
from django.test import Client

from tests import factories as f
from tests.conftest import PERSONAS, World
from tests.transport.conftest import Rides
from transport.exports import RIDES_HEADER
from transport.models import RideRequest

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def read_csv(response: Any) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))


@pytest.fixture
def asked(world: World, rides: Rides) -> Rides:
    """Three rides for the rides session, one home-only; and one far outside the range."""
    rides.ride(rides.add_family("Ana", children=2), "Springfield", adults=1, children=2,
               child_seats=1)
    rides.ride(rides.add_family("Bea"), "Champaign", return_trip=False)
    rides.ride(rides.add_family("Cy"), "Springfield", wheelchair_places=1, outbound=False)
    later = f.make_session(world.rule, starts_at=rides.session.starts_at + dt.timedelta(days=60))
    rides.ride(rides.add_family("Dot", session=later), "Champaign")
    return rides


def _url(rides: Rides) -> str:
    return f"/rides/export.csv?from={rides.day.isoformat()}&to={rides.day.isoformat()}"


def test_the_rides_export_totals_match_the_database(world: World, asked: Rides) -> None:
    rows = read_csv(client_for(world.coordinator).get(_url(asked)))
    assert tuple(rows[0]) == RIDES_HEADER
    body = rows[1:]
    in_range = RideRequest.objects.filter(booking__session=asked.session)
    assert len(body) == in_range.count() == 3
    col = {name: RIDES_HEADER.index(name) for name in RIDES_HEADER}
    sums = in_range.aggregate(adults=Sum("adults"), children=Sum("children"),
                              child_seats=Sum("child_seats"),
                              wheelchair_places=Sum("wheelchair_places"))
    for name, total in sums.items():
        assert sum(int(r[col[name]]) for r in body) == total
    assert sum(int(r[col["legs"]]) for r in body) == 4
    assert all(float(r[col["miles"]]) > 0 for r in body)
    assert {r[col["visit_date"]] for r in body} == {asked.day.isoformat()}


def test_a_bad_range_is_refused(world: World, asked: Rides) -> None:
    response = client_for(world.coordinator).get("/rides/export.csv?from=2026-12-31&to=2026-01-01")
    assert response.status_code == 400


STATUS = {"caregiver": 403, "other_caregiver": 403, "liaison": 403, "other_liaison": 403,
          "coordinator": 200, "driver": 403, "anonymous": 302}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_coordinators_download_rides(world: World, asked: Rides, persona: str) -> None:
    response = client_for(world.persona(persona)).get(_url(asked))
    assert response.status_code == STATUS[persona]
    if response.status_code != 200:
        assert "Springfield" not in response.content.decode()
