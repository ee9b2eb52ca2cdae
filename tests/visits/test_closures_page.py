"""The liaisons' closures page: preview what closing days cancels, confirm, every family told;
bad input next to its field; every persona kept to her own facility."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.test import Client

from notifications.models import Delivery
from scheduler.errors import InvalidInput
from tests import factories as f
from tests.conftest import PERSONAS, World
from visits import services
from visits.models import Booking, BookingStatus, Closure, Session, SessionStatus
from visits.selectors import sessions_available as sessions_for

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
# A Wednesday noon at the facility; the world's session is Saturday 10 a.m., three days on.
NOON = dt.datetime(2026, 12, 2, 12, 0, tzinfo=CHICAGO)


@pytest.fixture
def w(request: pytest.FixtureRequest, time_machine: Any) -> World:
    time_machine.move_to(NOON, tick=False)
    world = request.getfixturevalue("world")
    for caregiver, resident, household in (
        (world.caregiver, world.resident, world.household),
        (world.other_caregiver, world.other_resident, world.other_household),
    ):
        services.booking_create(actor=caregiver, session_id=world.session.pk,
                                resident_id=resident.pk,
                                visitor_ids=[v.pk for v in household.visitors.all()])
    return world


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def closure_form(**changes: Any) -> dict[str, Any]:
    data = {"starts_on": "2026-12-05", "ends_on": "2026-12-06", "reason_code": "maintenance",
            "reason": "Water main repair", "step": "confirm"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_session_is_on_the_closed_days(w: World) -> None:
    assert w.session.starts_at.astimezone(CHICAGO).date() == dt.date(2026, 12, 5)


def test_preview_counts_sessions_visits_and_families_and_changes_nothing(w: World) -> None:
    response = client_for(w.liaison).post("/roster/closures/", closure_form(step="preview"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 session will close." in page
    assert "2 booked visits will be cancelled." in page
    assert "2 families will be told." in page
    assert "Saturday, December 5, 10 a.m. · 2 bookings" in page
    assert "Close and tell 2 families" in page
    assert not Closure.objects.exists()
    assert Session.objects.get(pk=w.session.pk).status == SessionStatus.OPEN


def test_confirming_closes_cancels_and_tells_every_family(w: World) -> None:
    response = client_for(w.liaison).post("/roster/closures/", closure_form(), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Closed. 2 visits were cancelled and every family told." in page
    assert "Water main repair" in page  # listed under the closed days to come
    closure = Closure.objects.get()
    assert (closure.facility, closure.starts_on, closure.ends_on) == (
        w.facility, dt.date(2026, 12, 5), dt.date(2026, 12, 6))
    assert set(Booking.objects.values_list("status", flat=True)) == {BookingStatus.CANCELLED}
    told = set(Delivery.objects.filter(event__type="visits.session.closed")
               .values_list("user_id", flat=True))
    assert told == {w.caregiver.pk, w.other_caregiver.pk}


def test_closing_one_unit_leaves_the_facilitys_other_sessions(w: World) -> None:
    unit_rule = f.make_rule(w.facility, unit=w.unit_b)
    unit_session = f.make_session(unit_rule)
    response = client_for(w.liaison).post(
        "/roster/closures/", closure_form(units=[str(w.unit_b.pk)]))
    assert response.status_code == 302
    assert Session.objects.get(pk=unit_session.pk).status == SessionStatus.CLOSED
    assert Session.objects.get(pk=w.session.pk).status == SessionStatus.OPEN
    assert list(Closure.objects.get().units.all()) == [w.unit_b]


def test_closing_a_unit_cancels_its_residents_visits_in_the_facilitys_sessions(w: World) -> None:
    """A lockdown of Unit A: Maria (Unit A) is not visited that day, in the facility-wide
    session too; Tanya (Unit B) still is, and the session stays open for her unit."""
    liaison = client_for(w.liaison)
    preview = liaison.post("/roster/closures/", closure_form(
        step="preview", units=[str(w.unit_a.pk)])).content.decode()
    assert "sessions will close" not in preview  # none closes whole
    assert "1 session for the whole facility stays open for the other units" in preview
    assert "1 booked visit will be cancelled." in preview
    assert "1 family will be told." in preview
    assert ("Saturday, December 5, 10 a.m. · whole facility, these units' visits "
            "· 1 booking") in preview
    assert not Closure.objects.exists()

    done = liaison.post("/roster/closures/", closure_form(units=[str(w.unit_a.pk)]),
                        follow=True).content.decode()
    assert "Closed. 1 visit was cancelled and its family told." in done
    session = Session.objects.get(pk=w.session.pk)
    assert session.status == SessionStatus.OPEN
    assert dict(Booking.objects.values_list("resident_id", "status")) == {
        w.resident.pk: BookingStatus.CANCELLED, w.other_resident.pk: BookingStatus.REQUESTED}
    assert session.held == 1  # Maria's place given back
    told = Delivery.objects.get(event__type="visits.session.closed")
    assert told.user == w.caregiver
    assert "Water main repair" in told.event.body

    # Her family cannot book that day again, and is not offered the session.
    with pytest.raises(InvalidInput) as refused:
        services.booking_create(actor=w.caregiver, session_id=w.session.pk,
                                resident_id=w.resident.pk,
                                visitor_ids=[v.pk for v in w.household.visitors.all()])
    assert "closed this person's unit to visits on that day" in str(refused.value)
    assert w.session not in sessions_for(user=w.caregiver, resident_id=w.resident.pk)
    assert w.session in sessions_for(user=w.other_caregiver, resident_id=w.other_resident.pk)


def test_a_place_a_closed_unit_gives_back_goes_to_the_family_waiting(w: World) -> None:
    Session.objects.filter(pk=w.session.pk).update(capacity=2)  # full: two booked
    waiting_household = f.make_household("waiting")
    waiting = f.make_booking(w.session, f.make_resident(w.facility, unit=w.unit_b),
                             waiting_household,
                             status=BookingStatus.WAITLISTED)
    client_for(w.liaison).post("/roster/closures/", closure_form(units=[str(w.unit_a.pk)]))
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.OFFERED
    assert Session.objects.get(pk=w.session.pk).held == 2


def test_sessions_made_later_on_a_closed_units_day_keep_her_out(w: World) -> None:
    services.closure_create(actor=w.liaison, starts_on=dt.date(2026, 12, 9),
                            ends_on=dt.date(2026, 12, 9), reason_code="lockdown",
                            unit_ids=[w.unit_a.pk])
    wednesday = f.make_rule(w.facility, rrule="FREQ=WEEKLY;BYDAY=WE;BYHOUR=10;BYMINUTE=0")
    services.rule_sync_sessions(rule=wednesday, horizon_days=14)
    made = Session.objects.get(rule=wednesday, starts_at__date=dt.date(2026, 12, 9))
    assert made.status == SessionStatus.OPEN
    assert made.closed_for(w.unit_a.pk) and not made.closed_for(w.unit_b.pk)
    assert made not in sessions_for(user=w.caregiver, resident_id=w.resident.pk)


BAD_INPUTS = [
    ({"starts_on": "2026-12-01"}, "The first day cannot be in the past."),
    ({"ends_on": "2026-12-04"}, "The last day must be on or after the first day."),
    ({"ends_on": "2027-12-06"}, "A closure can last at most 366 days"),
    ({"starts_on": "12/05/2026"}, "Enter a date such as 2026-12-24."),
    ({"starts_on": None}, "This field is required."),
    ({"reason_code": ""}, "Choose a reason from the list."),
    ({"reason_code": None}, "Choose a reason from the list."),
    ({"reason_code": "flood"}, "Choose a reason from the list."),
    ({"reason_code": "other", "reason": ""}, "You chose “another reason”: say in a few words"),
    ({"reason_code": "other", "reason": "   "}, "You chose “another reason”: say in a few"),
    ({"reason": "x" * 201}, "at most 200 characters"),
    ({"units": ["999999"]}, "Choose units of your own facility."),
    ({"units": ["abc"]}, "Choose units of your own facility."),
]


@pytest.mark.parametrize("step", ["preview", "confirm"])
@pytest.mark.parametrize(("changes", "message"), BAD_INPUTS)
def test_bad_input_is_refused_next_to_its_field(
    w: World, changes: dict[str, Any], message: str, step: str
) -> None:
    response = client_for(w.liaison).post("/roster/closures/", closure_form(step=step, **changes))
    assert response.status_code == 400
    page = response.content.decode().replace("&#x27;", "'")
    assert message in page
    assert not Closure.objects.exists()
    assert Booking.objects.filter(status=BookingStatus.CANCELLED).count() == 0


def test_a_unit_of_another_facility_is_refused(w: World) -> None:
    yard = f.unit_of(w.other_facility, "Yard C")
    response = client_for(w.liaison).post("/roster/closures/", closure_form(units=[str(yard.pk)]))
    assert response.status_code == 400
    assert "Choose units of your own facility." in response.content.decode()
    assert not Closure.objects.exists()


def test_the_page_speaks_spanish(w: World) -> None:
    client = client_for(w.liaison)
    client.cookies["django_language"] = "es"
    page = client.post("/roster/closures/", closure_form(step="preview")).content.decode()
    assert "Se avisará a 2 familias." in page


PAGE_STATUS = {"caregiver": 403, "other_caregiver": 403, "liaison": 200, "other_liaison": 200,
               "coordinator": 403, "driver": 403, "anonymous": 302}


@pytest.mark.parametrize("persona", PERSONAS)
def test_closures_page_shows_only_the_own_facility(w: World, persona: str) -> None:
    Closure.objects.create(facility=w.facility, starts_on=dt.date(2026, 12, 24),
                           ends_on=dt.date(2026, 12, 25), reason="Holiday at Lakeview")
    response = client_for(w.persona(persona)).get("/roster/closures/")
    assert response.status_code == PAGE_STATUS[persona]
    if response.status_code == 200:
        assert ("Holiday at Lakeview" in response.content.decode()) == (persona == "liaison")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("step", ["preview", "confirm"])
def test_only_the_facilitys_liaison_closes_its_days(w: World, persona: str, step: str) -> None:
    response = client_for(w.persona(persona)).post("/roster/closures/", closure_form(step=step))
    expected = {**PAGE_STATUS, "liaison": 302 if step == "confirm" else 200,
                "other_liaison": 302 if step == "confirm" else 200}[persona]
    assert response.status_code == expected
    if step == "preview" and persona == "other_liaison":
        assert "No visit is booked on those days" in response.content.decode()
    lakeview_closed = Closure.objects.filter(facility=w.facility).exists()
    assert lakeview_closed == (persona == "liaison" and step == "confirm")
    cancelled = Booking.objects.filter(status=BookingStatus.CANCELLED).count()
    assert cancelled == (2 if lakeview_closed else 0)


def test_closing_days_nobody_booked_says_so(w: World) -> None:
    form = closure_form(starts_on="2026-12-08", ends_on="2026-12-09")
    page = client_for(w.liaison).post("/roster/closures/", {**form, "step": "preview"}
                                      ).content.decode()
    assert "No visit is booked on those days, so no family needs to be told." in page
    assert "Close these days" in page
    done = client_for(w.liaison).post("/roster/closures/", form, follow=True).content.decode()
    assert "Closed. No visit was booked on those days." in done
    assert Closure.objects.get().starts_on == dt.date(2026, 12, 8)
