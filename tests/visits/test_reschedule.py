"""Moving a visit in one step: the old place is kept until the new one is secured, every
rule is checked again, and a refusal leaves the old visit exactly as it was."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from scheduler.errors import Conflict, NotFound, NotPermitted, RuleViolation
from tests import factories as f
from tests.conftest import World
from visits import services
from visits.models import Booking, BookingStatus, Session

pytestmark = pytest.mark.django_db


def book(world: World, session: Session, caregiver: Any = None, resident: Any = None,
         visitors: list | None = None) -> Booking:
    return services.booking_create(
        actor=caregiver or world.caregiver, session_id=session.pk,
        resident_id=(resident or world.resident).pk,
        visitor_ids=[v.pk for v in (visitors or world.family)]).booking


def later(world: World, hours: float, **kw: Any) -> Session:
    return f.make_session(world.rule, starts_at=world.session.starts_at
                          + dt.timedelta(hours=hours), **kw)


def held(session: Session) -> int:
    return Session.objects.get(pk=session.pk).held


def test_a_move_takes_the_new_place_and_frees_the_old(world: World) -> None:
    old = book(world, world.session)
    target = later(world, 24)
    result = services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                         session_id=target.pk, visitor_ids=[world.rosa.pk])
    old.refresh_from_db()
    assert old.status == BookingStatus.CANCELLED and old.reason == "Moved to another time"
    assert result.booking.status == BookingStatus.REQUESTED
    assert list(result.booking.visitors.all()) == [world.rosa]  # who comes changed too
    assert (held(world.session), held(target)) == (0, 1)


def test_a_full_new_time_leaves_the_old_visit_untouched(world: World) -> None:
    old = book(world, world.session)
    target = later(world, 24, capacity=1)
    f.fill(target, world.facility, 1)
    with pytest.raises(services.SessionFull):
        services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                    session_id=target.pk, visitor_ids=[world.rosa.pk])
    old.refresh_from_db()
    assert old.status == BookingStatus.REQUESTED and held(world.session) == 1
    assert Booking.objects.filter(household=world.household).count() == 1


def test_a_broken_rule_leaves_the_old_visit_untouched(world: World) -> None:
    old = book(world, world.session)
    target = later(world, 24)
    with pytest.raises(RuleViolation):  # Sofia (9) may not come without an adult
        services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                    session_id=target.pk, visitor_ids=[world.sofia.pk])
    old.refresh_from_db()
    assert old.status == BookingStatus.REQUESTED and held(world.session) == 1


def test_the_moved_visit_is_out_of_the_quota_count(world: World) -> None:
    world.rule.weekly_quota = 1
    world.rule.save()
    old = book(world, world.session)
    target = later(world, 5)  # the same day, so the same week
    result = services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                         session_id=target.pk,
                                         visitor_ids=[v.pk for v in world.family])
    assert result.booking.session_id == target.pk


def test_too_late_to_cancel_the_old_visit_means_no_move(world: World) -> None:
    soon = f.make_session(world.rule, hours_from_now=2)
    old = f.make_booking(soon, world.resident, world.household, world.family)
    with pytest.raises(Conflict):
        services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                    session_id=world.session.pk,
                                    visitor_ids=[v.pk for v in world.family])
    old.refresh_from_db()
    assert old.status == BookingStatus.REQUESTED and held(world.session) == 0


def test_the_freed_place_goes_to_the_waiting_list(world: World) -> None:
    full = later(world, 24, capacity=1)
    old = book(world, full)
    waiting = services.booking_create(
        actor=world.other_caregiver, session_id=full.pk, resident_id=world.other_resident.pk,
        visitor_ids=[v.pk for v in world.other_household.visitors.all()],
        waitlist_if_full=True).booking
    assert waiting.status == BookingStatus.WAITLISTED
    services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                session_id=world.session.pk,
                                visitor_ids=[v.pk for v in world.family])
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.OFFERED


def test_a_retried_move_books_once(world: World) -> None:
    old = book(world, world.session)
    target = later(world, 24)
    first = services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                        session_id=target.pk, visitor_ids=[world.rosa.pk],
                                        idempotency_key="move-1")
    again = services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                        session_id=target.pk, visitor_ids=[world.rosa.pk],
                                        idempotency_key="move-1")
    assert again.booking.pk == first.booking.pk and not again.created
    assert held(target) == 1


@pytest.mark.parametrize(("persona", "error"), [("other_caregiver", NotFound),
                                                ("liaison", NotPermitted),
                                                ("other_liaison", NotPermitted),
                                                ("coordinator", NotPermitted),
                                                ("driver", NotPermitted)])
def test_only_the_household_moves_its_visit(world: World, persona: str, error: type) -> None:
    old = book(world, world.session)
    target = later(world, 24)
    with pytest.raises(error):
        services.booking_reschedule(actor=world.persona(persona), booking_id=old.pk,
                                    session_id=target.pk, visitor_ids=[world.rosa.pk])
    old.refresh_from_db()
    assert old.status == BookingStatus.REQUESTED


def test_the_same_time_or_a_dead_visit_cannot_be_moved(world: World) -> None:
    old = book(world, world.session)
    with pytest.raises(Conflict):
        services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                    session_id=world.session.pk, visitor_ids=[world.rosa.pk])
    services.booking_cancel(actor=world.caregiver, booking_id=old.pk)
    with pytest.raises(Conflict):
        services.booking_reschedule(actor=world.caregiver, booking_id=old.pk,
                                    session_id=later(world, 24).pk, visitor_ids=[world.rosa.pk])


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_family_moves_her_visit_from_the_page(world: World) -> None:
    old = book(world, world.session)
    target = later(world, 24)
    client = client_for(world.caregiver)
    assert f'/bookings/{old.pk}/move/' in client.get("/bookings/").content.decode()
    listing = client.get(f"/bookings/{old.pk}/move/").content.decode()
    assert f"/bookings/{old.pk}/move/{target.pk}/" in listing
    assert f"/bookings/{old.pk}/move/{world.session.pk}/" not in listing
    response = client.post(f"/bookings/{old.pk}/move/{target.pk}/", {
        "visitor_ids": [str(world.rosa.pk)], "idempotency_key": "k"}, follow=True)
    assert "Your visit is moved." in response.content.decode()
    assert Booking.objects.get(session=target).status == BookingStatus.REQUESTED


def test_a_refused_move_on_the_page_says_why_and_keeps_the_visit(world: World) -> None:
    old = book(world, world.session)
    target = later(world, 24)
    response = client_for(world.caregiver).post(f"/bookings/{old.pk}/move/{target.pk}/",
                                                {"visitor_ids": [str(world.sofia.pk)]})
    assert response.status_code == 400
    assert Booking.objects.get(pk=old.pk).status == BookingStatus.REQUESTED


@pytest.mark.parametrize(("persona", "status"), [("other_caregiver", 404), ("liaison", 403),
                                                 ("coordinator", 403), ("driver", 403),
                                                 ("anonymous", 302)])
def test_the_move_pages_are_the_households_own(world: World, persona: str, status: int) -> None:
    old = book(world, world.session)
    target = later(world, 24)
    client = client_for(world.persona(persona))
    assert client.get(f"/bookings/{old.pk}/move/").status_code == status
    response = client.post(f"/bookings/{old.pk}/move/{target.pk}/",
                           {"visitor_ids": [str(world.rosa.pk)]})
    assert response.status_code == status
    assert Booking.objects.get(pk=old.pk).status == BookingStatus.REQUESTED
