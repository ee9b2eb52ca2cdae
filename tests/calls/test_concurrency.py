"""Real threads against PostgreSQL: stations of one unit opening the same call at once.
Exactly one takes it; the others are told another station has it."""

from __future__ import annotations

import pytest
from django.db import connection

from calls.models import Call, CallPresence
from calls.services import call_join
from tests.calls.conftest import make_station
from tests.visits.test_concurrency import error_codes, pool_for_threads, race  # noqa: F401

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks need PostgreSQL; CI runs this file on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

STATIONS = 8


def test_one_of_many_stations_takes_the_call(call_world, pool_for_threads: None) -> None:  # noqa: F811
    stations = [make_station(call_world.world.unit_a, f"kiosk-race-{i}", f"Kiosk {i}")
                for i in range(STATIONS)]

    def join(i: int) -> str:
        return call_join(user=stations[i], booking_id=call_world.booking.pk,
                         peer=f"race{i}").presence.role

    results = race(STATIONS, join)
    assert [value for kind, value in results if kind == "ok"] == ["station"]
    assert error_codes(results) == {"wrong_station": STATIONS - 1}
    winner = CallPresence.objects.get()
    assert Call.objects.get().station.user_id == winner.user_id
