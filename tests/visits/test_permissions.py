"""Nobody sees what is not theirs: every persona against every guarded read and write."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import Event
from tests import factories as f
from tests.conftest import PERSONAS, World
from visits import services
from visits.models import Booking, BookingStatus, SessionStatus

pytestmark = pytest.mark.django_db

PRISON_IDS = ("W48213", "W51877")


@pytest.fixture
def bookings(world: World) -> dict[str, Booking]:
    """Rosa's booking for Maria and Linda's for Tanya, both in Lakeview's session."""
    mine = services.booking_create(
        actor=world.caregiver, session_id=world.session.pk, resident_id=world.resident.pk,
        visitor_ids=[v.pk for v in world.family]).booking
    theirs = services.booking_create(
        actor=world.other_caregiver, session_id=world.session.pk,
        resident_id=world.other_resident.pk,
        visitor_ids=[v.pk for v in world.other_household.visitors.all()]).booking
    return {"mine": mine, "theirs": theirs}


def local_day(world: World) -> dt.date:
    return world.session.starts_at.astimezone(world.facility.tz).date()


# --- a caregiver sees only her household ------------------------------------------------

LIST_STATUS = {"caregiver": 200, "other_caregiver": 200, "liaison": 403, "other_liaison": 403,
               "coordinator": 403, "driver": 403, "anonymous": 401}


@pytest.mark.parametrize("persona", PERSONAS)
def test_booking_list_shows_only_the_households_own(
    world: World, bookings: dict[str, Booking], api: Callable, persona: str
) -> None:
    response = api(world.persona(persona)).get("/api/v1/bookings/")
    assert response.status_code == LIST_STATUS[persona]
    if response.status_code != 200:
        assert set(response.json()) >= {"code", "message", "fields"}
        return
    expected = {"caregiver": bookings["mine"], "other_caregiver": bookings["theirs"]}[persona]
    assert [b["id"] for b in response.json()] == [expected.pk]


FAMILY_ACTION_STATUS = {"caregiver": 200, "other_caregiver": 404, "liaison": 403,
                        "other_liaison": 403, "coordinator": 403, "driver": 403,
                        "anonymous": 401}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_household_can_cancel_its_booking(
    world: World, bookings: dict[str, Booking], api: Callable, persona: str
) -> None:
    booking = bookings["mine"]
    response = api(world.persona(persona)).post(f"/api/v1/bookings/{booking.pk}/cancel/")
    assert response.status_code == FAMILY_ACTION_STATUS[persona], response.content
    booking.refresh_from_db()
    expected = BookingStatus.CANCELLED if persona == "caregiver" else BookingStatus.REQUESTED
    assert booking.status == expected


def test_another_households_booking_looks_like_it_does_not_exist(
    world: World, bookings: dict[str, Booking], api: Callable
) -> None:
    client = api(world.caregiver)
    theirs = client.post(f"/api/v1/bookings/{bookings['theirs'].pk}/cancel/").json()
    nobody = client.post("/api/v1/bookings/999999/cancel/").json()
    assert theirs == nobody  # same 404 body: the other booking's existence does not leak


def test_household_and_resident_lists_are_the_callers_own(world: World, api: Callable) -> None:
    rosa = api(world.caregiver).get("/api/v1/household/").json()
    assert {v["first_name"] for v in rosa["visitors"]} == {"Rosa", "Sofia"}
    assert [r["first_name"] for r in rosa["residents"]] == ["Maria"]
    linda = api(world.other_caregiver).get("/api/v1/household/").json()
    assert [r["first_name"] for r in linda["residents"]] == ["Tanya"]
    assert api(world.caregiver).get(
        f"/api/v1/sessions/?resident={world.other_resident.pk}").json() == []


def test_a_caregiver_cannot_book_someone_elses_relative(world: World, api: Callable) -> None:
    response = api(world.caregiver).post("/api/v1/bookings/", {
        "session_id": world.session.pk, "resident_id": world.other_resident.pk,
        "visitor_ids": [world.rosa.pk]}, format="json")
    assert response.status_code == 422
    assert [v["code"] for v in response.json()["violations"]] == ["visitor_not_approved"]
    assert not Booking.objects.exists()


# --- a liaison sees only her facility ---------------------------------------------------

LIAISON_ACTION_STATUS = {"caregiver": 403, "other_caregiver": 403, "liaison": 200,
                         "other_liaison": 404, "coordinator": 403, "driver": 403,
                         "anonymous": 401}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_facilitys_liaison_confirms(
    world: World, bookings: dict[str, Booking], api: Callable, persona: str
) -> None:
    booking = bookings["mine"]
    response = api(world.persona(persona)).post(f"/api/v1/bookings/{booking.pk}/confirm/")
    assert response.status_code == LIAISON_ACTION_STATUS[persona], response.content
    booking.refresh_from_db()
    expected = BookingStatus.CONFIRMED if persona == "liaison" else BookingStatus.REQUESTED
    assert booking.status == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_facilitys_liaison_closes_its_sessions(
    world: World, bookings: dict[str, Booking], api: Callable, persona: str
) -> None:
    response = api(world.persona(persona)).post(
        f"/api/v1/sessions/{world.session.pk}/close/", {"reason": "Lockdown"}, format="json")
    assert response.status_code == LIAISON_ACTION_STATUS[persona], response.content
    world.session.refresh_from_db()
    closed = persona == "liaison"
    assert (world.session.status == SessionStatus.CLOSED) is closed
    assert Booking.objects.filter(status=BookingStatus.CANCELLED).count() == (2 if closed else 0)


@pytest.mark.parametrize("persona", PERSONAS)
def test_roster_is_the_facilitys_own(
    world: World, bookings: dict[str, Booking], api: Callable, persona: str
) -> None:
    response = api(world.persona(persona)).get(f"/api/v1/roster/?date={local_day(world)}")
    expected = {"liaison": 200, "other_liaison": 200, "anonymous": 401}.get(persona, 403)
    assert response.status_code == expected
    if persona == "liaison":
        [session] = response.json()
        assert {b["prison_id"] for b in session["bookings"]} == set(PRISON_IDS)
    elif persona == "other_liaison":
        assert response.json() == []  # High Desert has no sessions that day
        assert not any(pid in response.content.decode() for pid in PRISON_IDS)


def test_a_liaison_sees_approvals_of_her_facility_only(world: World, api: Callable) -> None:
    far_resident = f.make_resident(world.other_facility, first_name="Daniel")
    far_family = f.make_household(adult_first_name="Carmen")
    f.approve(far_family.visitors.all(), far_resident)
    mine = api(world.liaison).get("/api/v1/approvals/").json()
    theirs = api(world.other_liaison).get("/api/v1/approvals/").json()
    assert {a["resident_first_name"] for a in mine} == {"Maria", "Tanya"}
    assert {a["resident_first_name"] for a in theirs} == {"Daniel"}


def test_coordinator_and_driver_get_no_family_or_roster_data(
    world: World, bookings: dict[str, Booking], api: Callable
) -> None:
    for persona in ("coordinator", "driver"):
        client = api(world.persona(persona))
        for url in ("/api/v1/bookings/", "/api/v1/household/", "/api/v1/roster/",
                    "/api/v1/approvals/"):
            response = client.get(url)
            assert response.status_code == 403, (persona, url)
            assert response.json()["code"] == "not_permitted"


# --- no prison ID anywhere a family (or an event) can see -------------------------------


def walk_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in walk_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in walk_keys(v)}
    return set()


def assert_no_prison_id(payload: Any, where: str) -> None:
    assert "prison_id" not in walk_keys(payload), where
    text = json.dumps(payload, default=str)
    assert not any(pid in text for pid in PRISON_IDS), where


def test_no_prison_id_in_any_caregiver_facing_response(
    world: World, bookings: dict[str, Booking], api: Callable
) -> None:
    client = api(world.caregiver)
    reads = ["/api/v1/me/", "/api/v1/facilities/", "/api/v1/household/", "/api/v1/bookings/",
             "/api/v1/sessions/", f"/api/v1/sessions/?resident={world.resident.pk}"]
    seen = {url: client.get(url) for url in reads}
    later = f.make_session(world.rule, starts_at=world.session.starts_at + dt.timedelta(days=1))
    body = {"session_id": later.pk, "resident_id": world.resident.pk,
            "visitor_ids": [world.rosa.pk]}
    seen["POST bookings"] = client.post("/api/v1/bookings/", body, format="json",
                                        HTTP_IDEMPOTENCY_KEY="one")
    seen["POST bookings replay"] = client.post("/api/v1/bookings/", body, format="json",
                                               HTTP_IDEMPOTENCY_KEY="one")
    seen["POST waitlist"] = client.post("/api/v1/waitlist/", {
        **body, "session_id": f.make_session(world.rule, starts_at=later.starts_at
                                             + dt.timedelta(days=1)).pk}, format="json")
    booking_id = seen["POST bookings"].json()["id"]
    seen["POST cancel"] = client.post(f"/api/v1/bookings/{booking_id}/cancel/")
    seen["POST refused"] = client.post("/api/v1/bookings/", {
        **body, "resident_id": world.other_resident.pk}, format="json")
    for where, response in seen.items():
        assert response.status_code < 500, where
        assert_no_prison_id(response.json(), where)


def test_no_prison_id_on_the_caregivers_pages(world: World, bookings: dict[str, Booking]) -> None:
    browser = Client()
    browser.force_login(world.caregiver)
    for url in ["/visit/", f"/visit/{world.resident.pk}/",
                f"/visit/{world.resident.pk}/{world.session.pk}/", "/bookings/"]:
        response = browser.get(url, follow=True)
        assert response.status_code == 200, url
        assert not any(pid in response.content.decode() for pid in PRISON_IDS), url


def test_events_never_carry_a_prison_id_or_childrens_names(
    world: World, bookings: dict[str, Booking]
) -> None:
    """Drive every kind of booking event, then read the whole outbox."""
    mine, theirs = bookings["mine"], bookings["theirs"]
    services.booking_confirm(actor=world.liaison, booking_id=mine.pk)
    services.booking_decline(actor=world.liaison, booking_id=theirs.pk, reason="Dress code")
    full = f.make_session(f.make_rule(world.facility, capacity=1), hours_from_now=100)
    holder = services.booking_create(
        actor=world.caregiver, session_id=full.pk, resident_id=world.resident.pk,
        visitor_ids=[world.rosa.pk, world.sofia.pk]).booking
    waiting = services.booking_create(
        actor=world.other_caregiver, session_id=full.pk, resident_id=world.other_resident.pk,
        visitor_ids=[v.pk for v in world.other_household.visitors.all()],
        waitlist_if_full=True).booking
    services.booking_cancel(actor=world.caregiver, booking_id=holder.pk)  # offers the place
    Booking.objects.filter(pk=waiting.pk).update(
        offer_expires_at=timezone.now() - dt.timedelta(minutes=1))
    services.offers_expire()
    services.session_close(actor=world.liaison, session_id=world.session.pk, reason="Lockdown")
    day = local_day(world) + dt.timedelta(days=1)
    services.closure_create(actor=world.liaison, starts_on=day, ends_on=day, reason="Count")

    events = list(Event.objects.all())
    assert {e.type for e in events} >= {
        "visits.booking.requested", "visits.booking.confirmed", "visits.booking.declined",
        "visits.booking.cancelled", "visits.booking.offered", "visits.booking.offer_expired",
        "visits.session.closed"}
    children = [v.first_name for v in (world.sofia, *f.children(world.other_household))]
    for event in events:
        assert_no_prison_id(event.data, event.type)
        text = json.dumps(event.data) + event.title + event.body
        assert not any(pid in text for pid in PRISON_IDS), event.type
        assert not any(name in text for name in children), event.type
        assert "visitor_ids" not in event.data and "visitors" not in event.data
