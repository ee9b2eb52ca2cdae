"""The hot endpoints send a fixed, small number of queries, on SQLite and PostgreSQL alike:
a family booking under a rush waits on each one (bench/booking_rush.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tests import factories as f
from tests.conftest import World
from tests.queries import assert_queries
from visits import services
from visits.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db

# Token sign-in: the token with its user.
SIGN_IN = 1


def body(world: World, **extra: object) -> dict[str, object]:
    return {"session_id": world.session.pk, "resident_id": world.resident.pk,
            "visitor_ids": [v.pk for v in world.family], **extra}


def booked(world: World) -> Booking:
    return services.booking_create(
        actor=world.caregiver, session_id=world.session.pk, resident_id=world.resident.pk,
        visitor_ids=[v.pk for v in world.family]).booking


def test_booking_through_the_api(world: World, api: Callable) -> None:
    client = api(world.caregiver)
    # Session (before the transaction begins); the chosen visitors with their approvals
    # and their household (locked, in the same query); resident (locked), liaisons, the
    # resident's and visitors' other bookings (quota counts and overlaps in one query);
    # booking, its visitors, its first history line, the claim of the place (guarded by
    # the count read: nobody took a place since, so the count it leaves is known without
    # reading it back); the staff notice and its deliveries. The key costs nothing on a first
    # attempt: it is looked up only if the attempt fails.
    data = body(world)
    with assert_queries(SIGN_IN + 11):
        response = client.post("/api/v1/bookings/", data, format="json",
                               HTTP_IDEMPOTENCY_KEY="rush-1")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "requested"
    assert response.json()["session"]["remaining"] == world.session.capacity - 1


def test_a_retried_booking_answers_from_its_first_attempt(world: World, api: Callable) -> None:
    client = api(world.caregiver)
    data = body(world)
    first = client.post("/api/v1/bookings/", data, format="json",
                        HTTP_IDEMPOTENCY_KEY="rush-2")
    # The checks up to the overlap they find (this visit is booked: session, visitors with
    # their household, resident, liaisons, counts and overlaps), then, after the rollback,
    # the key's booking, the same with all it refers to, and its visitors.
    with assert_queries(SIGN_IN + 5 + 3):
        again = client.post("/api/v1/bookings/", data, format="json",
                            HTTP_IDEMPOTENCY_KEY="rush-2")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_joining_a_waiting_list(world: World, api: Callable) -> None:
    f.fill(world.session, world.facility, world.session.capacity)
    client = api(world.caregiver)
    # The reads of a booking (no key), which find the session full; the same again with the
    # session locked first (a place freed meanwhile must not be missed); then the waiting
    # booking, its visitors and first history line.
    data = body(world)
    with assert_queries(SIGN_IN + 5 + 5 + 3):
        response = client.post("/api/v1/waitlist/", data, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "waitlisted"


def test_a_full_session_is_refused_without_writing(world: World, api: Callable) -> None:
    f.fill(world.session, world.facility, world.session.capacity)
    client = api(world.caregiver)
    data = body(world)
    # The session, with whether she keeps a household: no lock is waited for.
    with assert_queries(SIGN_IN + 1):
        response = client.post("/api/v1/bookings/", data, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "session_full"


def test_a_refusal_with_a_key_looks_for_the_keys_first_booking(
    world: World, api: Callable,
) -> None:
    f.fill(world.session, world.facility, world.session.capacity)
    client = api(world.caregiver)
    data = body(world)
    with assert_queries(SIGN_IN + 1 + 1):  # the session, then the key: not used yet
        response = client.post("/api/v1/bookings/", data, format="json",
                               HTTP_IDEMPOTENCY_KEY="late")
    assert response.status_code == 409
    assert response.json()["code"] == "session_full"


def test_cancelling(world: World, api: Callable) -> None:
    booking = booked(world)
    client = api(world.caregiver)
    # The booking with everything it refers to, the session (locked), the booking again
    # under the lock; its new status, history line, the freed place, the first family
    # waiting; the liaisons, their notice and its deliveries; the answer and its visitors;
    # and the booking's ride requests and travel-fund grants (transport's and the fund's
    # reactions to a released booking).
    with assert_queries(SIGN_IN + 14):
        response = client.post(f"/api/v1/bookings/{booking.pk}/cancel/", {"reason": "Flu"},
                               format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


@pytest.mark.parametrize(("name", "data", "queries", "status"), [
    # The booking with all it refers to, its status and history line, the family's
    # language, their notice and its delivery, the answer and its visitors.
    ("confirm", {}, 8, "confirmed"),
    # The same, and the session locked, the freed place, the first family waiting, the
    # booking's ride requests and travel-fund grants (transport's and the fund's reactions
    # to a released booking).
    ("decline", {"reason": "Dress code"}, 13, "declined"),
])
def test_a_liaison_decides(
    world: World, api: Callable, name: str, data: dict, queries: int, status: str,
) -> None:
    booking = booked(world)
    client = api(world.liaison)
    with assert_queries(SIGN_IN + queries):
        response = client.post(f"/api/v1/bookings/{booking.pk}/{name}/", data, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    assert Booking.objects.get(pk=booking.pk).status == status


@pytest.mark.parametrize("sessions", [1, 6])
def test_the_session_list_costs_the_same_for_one_session_or_many(
    world: World, api: Callable, sessions: int,
) -> None:
    for day in range(1, sessions):
        f.make_session(world.rule, starts_at=world.session.starts_at + dt.timedelta(days=day))
    booked(world)
    client = api(world.caregiver)
    with assert_queries(SIGN_IN + 1):  # sessions with their places left, in one query
        response = client.get(f"/api/v1/sessions/?facility={world.facility.pk}")
    assert response.status_code == 200
    listed = response.json()
    assert len(listed) == sessions
    assert listed[0]["remaining"] == world.session.capacity - 1
    assert {s["status"] for s in listed} == {"open"}
    assert Booking.objects.get().status == BookingStatus.REQUESTED


def test_checking_a_booking_before_it_is_made(world: World) -> None:
    visitor_ids = [v.pk for v in world.family]
    # The chosen visitors with their approvals and their household, resident, session, the
    # resident's and visitors' other bookings: nothing locked, nothing written.
    with assert_queries(4):
        services.booking_check(actor=world.caregiver, session_id=world.session.pk,
                               resident_id=world.resident.pk, visitor_ids=visitor_ids)
    assert not Booking.objects.exists()

