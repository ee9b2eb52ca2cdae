"""Every pooled connection busy (a midnight rush): the family hears "many people are booking,
try again in a moment" (503 busy, a short Retry-After), not "we cannot reach our records"
as when the database is down. Needs PostgreSQL's connection pool (SQLite has none)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from django.db import connection, transaction

from tests import factories as f
from visits.models import Household

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the connection pool is PostgreSQL's; CI runs this there"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def pool_of_one() -> Iterator[None]:
    """The web process's pool shrunk to one connection that waits 0.3 s for a free one."""
    options = connection.settings_dict["OPTIONS"]
    previous = options.get("pool")
    connection.close()
    connection.close_pool()
    options["pool"] = {"min_size": 1, "max_size": 1, "timeout": 0.3}
    try:
        yield
    finally:
        connection.close()
        connection.close_pool()
        options["pool"] = previous


def test_a_request_that_finds_every_connection_busy_hears_try_again_in_a_moment(
    pool_of_one: None, api: Callable
) -> None:
    household = f.make_household("patient")
    client = api(household.caregiver)
    connection.close()  # give the one pooled connection back, for the other family to take
    taken, release = threading.Event(), threading.Event()

    def another_family_holds_the_only_connection() -> None:
        try:
            with transaction.atomic():
                Household.objects.select_for_update().get(pk=household.pk)
                taken.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    other = threading.Thread(target=another_family_holds_the_only_connection)
    other.start()
    try:
        assert taken.wait(timeout=30)
        response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="es")
    finally:
        release.set()
        other.join(timeout=30)
    assert response.status_code == 503
    assert response.json()["code"] == "busy"
    assert "inténtelo de nuevo" in response.json()["message"].lower()
    assert int(response["Retry-After"]) <= 5
    # Once the other family is done, the same request goes through.
    connection.close()
    assert client.get("/api/v1/me/").status_code == 200
