"""Reasons staff give families are picked from a list and read in each reader's language;
the staff's own words are shown as typed, labelled as the facility's note."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core import mail
from django.test import override_settings
from django.utils import translation

from notifications.models import Preference
from tests import factories as f
from tests.conftest import World
from tests.notifications.test_pages import browser_for, text
from visits import services
from visits.models import (
    Booking,
    BookingStatus,
    Closure,
    Session,
    SessionStatus,
    VisitApplication,
)

pytestmark = pytest.mark.django_db

IMMEDIATE = {
    "TASKS": {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    "MAILERS": {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
}
NOTE = "Water pipe burst in the visiting room"


def _booked(world: World) -> Booking:
    return f.make_booking(world.session, world.resident, world.household, world.family,
                          status=BookingStatus.CONFIRMED)


def _spanish_caregiver(world: World) -> None:
    world.caregiver.email = "rosa@example.org"
    world.caregiver.save()
    Preference.objects.update_or_create(user=world.caregiver, defaults={"language": "es"})


def _close_days(world: World, django_capture_on_commit_callbacks, **why: str) -> int:
    day = world.session.starts_at.astimezone(world.facility.tz).date()
    with translation.override("en"), override_settings(**IMMEDIATE), \
            django_capture_on_commit_callbacks(execute=True):
        _closure, cancelled = services.closure_create(
            actor=world.liaison, starts_on=day, ends_on=day, **why)
    return cancelled


def test_a_spanish_family_reads_an_english_liaisons_closure_in_spanish(
    world: World, django_capture_on_commit_callbacks
) -> None:
    _spanish_caregiver(world)
    booking = _booked(world)
    mail.outbox = []
    assert _close_days(world, django_capture_on_commit_callbacks,
                       reason_code="lockdown", reason=NOTE) == 1

    email = next(m for m in mail.outbox if m.to == ["rosa@example.org"])
    assert "Motivo: Cierre de seguridad." in email.body
    assert f"Nota del centro: {NOTE}" in email.body  # her words, as typed
    assert "Lockdown" not in email.body

    rosa = browser_for(world.caregiver, "es")
    inbox = text(rosa.get("/inbox/"))
    assert f"Motivo: Cierre de seguridad. Nota del centro: {NOTE}" in inbox
    visits = text(rosa.get("/bookings/"))
    assert "Motivo: Cierre de seguridad" in visits and f"Nota del centro: {NOTE}" in visits
    assert "Lockdown" not in inbox + visits

    # The liaison reads the same closure in English, on her pages.
    booking.refresh_from_db()
    assert (booking.status, booking.reason_code, booking.reason) == (
        BookingStatus.CANCELLED, "lockdown", NOTE)
    desk = browser_for(world.liaison, "en")
    assert f"Lockdown · Note from the facility: {NOTE}" in text(desk.get("/roster/closures/"))


def test_another_reason_shows_only_the_note_and_a_reason_alone_needs_none(
    world: World, django_capture_on_commit_callbacks
) -> None:
    _spanish_caregiver(world)
    _booked(world)
    _close_days(world, django_capture_on_commit_callbacks, reason_code="holiday")
    session = Session.objects.get(pk=world.session.pk)
    assert (session.status, session.close_reason_code, session.close_reason) == (
        SessionStatus.CLOSED, "holiday", "")
    inbox = text(browser_for(world.caregiver, "es").get("/inbox/"))
    assert "Motivo: Día festivo." in inbox and "Nota del centro" not in inbox


def test_a_decline_reaches_the_family_in_her_language_by_sms_too(
    world: World, django_capture_on_commit_callbacks, sms_outbox
) -> None:
    Preference.objects.update_or_create(user=world.caregiver, defaults={
        "language": "es", "phone": "+13125550100", "sms_enabled": True})
    booking = f.make_booking(world.session, world.resident, world.household, world.family,
                             status=BookingStatus.REQUESTED)
    with translation.override("en"), override_settings(**IMMEDIATE), \
            django_capture_on_commit_callbacks(execute=True):
        services.booking_decline(actor=world.liaison, booking_id=booking.pk,
                                 reason_code="resident_unavailable")
    assert sms_outbox
    assert "Motivo: La persona que usted visita no está disponible." in sms_outbox[-1][1]


def test_the_roster_refuses_a_bad_reason_next_to_its_field_and_saves_nothing(
    world: World
) -> None:
    booking = f.make_booking(world.session, world.resident, world.household, world.family,
                             status=BookingStatus.REQUESTED)
    desk = browser_for(world.liaison, "en")
    day = world.session.starts_at.astimezone(world.facility.tz).date().isoformat()
    bare_other = desk.post(f"/roster/{booking.pk}/decline/",
                           {"date": day, "reason_code": "other", "reason": "  "})
    assert bare_other.status_code == 400
    html = bare_other.content.decode()
    assert f'<details id="decline-{booking.pk}" open>' in html
    assert (f'<span class="field-error" id="decline-{booking.pk}-note_error">You chose '
            "“another reason”: say in a few words what it is.</span>") in html
    assert '<option value="other" selected>' in html
    # On a phone the form sits far down the roster: the problem is also at the top, focused
    # on load, linking to the box to fix.
    summary = html.index('id="error-summary"')
    assert summary < html.index(f'<details id="decline-{booking.pk}"')
    assert (f'<a href="#decline-{booking.pk}-note">You chose “another reason”: say in a few '
            "words what it is.</a>") in html

    unknown = desk.post(f"/roster/sessions/{world.session.pk}/close/",
                        {"date": day, "reason_code": "flood"})
    assert unknown.status_code == 400
    assert f'id="close-{world.session.pk}-code_error">“flood” is not on the list.' in (
        unknown.content.decode())
    booking.refresh_from_db()
    world.session.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED
    assert world.session.status == SessionStatus.OPEN

    done = desk.post(f"/roster/sessions/{world.session.pk}/close/",
                     {"date": day, "reason_code": "weather", "reason": "Ice on Route 9"},
                     follow=True)
    assert "Session closed." in text(done)
    assert "Bad weather · Note from the facility: Ice on Route 9" in text(done)


def test_the_api_takes_a_code_keeps_old_free_text_and_says_the_label(
    world: World, api
) -> None:
    booking = f.make_booking(world.session, world.resident, world.household, world.family,
                             status=BookingStatus.REQUESTED)
    staff = api(world.liaison)
    declined = staff.post(f"/api/v1/bookings/{booking.pk}/decline/",
                          {"reason_code": "capacity"}, format="json")
    assert declined.status_code == 200, declined.content
    mine = api(world.caregiver).get("/api/v1/bookings/", HTTP_ACCEPT_LANGUAGE="es").json()
    body = next(b for b in mine if b["id"] == booking.pk)
    assert (body["reason_code"], body["reason"]) == ("capacity", "")
    assert body["reason_label"] == "No queda lugar en este horario"

    bad = staff.post(f"/api/v1/sessions/{world.session.pk}/close/",
                     {"reason_code": "flood", "reason": "x"}, format="json",
                     HTTP_ACCEPT_LANGUAGE="es")
    assert bad.status_code == 400
    assert bad.json()["fields"]["reason_code"] == ["«flood» no es un motivo de la lista."]
    bare = staff.post(f"/api/v1/sessions/{world.session.pk}/close/", {"reason_code": "other"},
                      format="json")
    assert bare.status_code == 400
    assert "say in a few words" in bare.json()["fields"]["reason"][0]
    assert Session.objects.get(pk=world.session.pk).status == SessionStatus.OPEN

    old_style = staff.post(f"/api/v1/sessions/{world.session.pk}/close/",
                           {"reason": "Count at noon"}, format="json")
    assert old_style.status_code == 200
    session = Session.objects.get(pk=world.session.pk)
    assert (session.close_reason_code, session.close_reason) == ("other", "Count at noon")


def test_the_roster_names_the_zone_when_her_own_differs(world: World) -> None:
    day = world.session.starts_at.astimezone(world.facility.tz).date().isoformat()
    desk = browser_for(world.liaison, "en")
    assert "(facility time," not in text(desk.get(f"/roster/?date={day}"))
    Preference.objects.update_or_create(user=world.liaison,
                                        defaults={"time_zone": "America/New_York"})
    page = text(desk.get(f"/roster/?date={day}"))
    zone = world.session.starts_at.astimezone(world.facility.tz).strftime("%Z")
    assert f"(facility time, {zone})" in page
    Preference.objects.filter(user=world.liaison).update(time_zone=world.facility.time_zone)
    assert "(facility time," not in text(desk.get(f"/roster/?date={day}"))


def test_reasons_typed_before_the_lists_become_notes_of_another_reason(world: World) -> None:
    """The data migration: nothing typed is lost; the system's own reasons keep no code."""
    migration = importlib.import_module("visits.migrations.0013_reasons_picked_from_a_list")
    declined = f.make_booking(world.session, world.resident, world.household, world.family,
                              status=BookingStatus.DECLINED)
    Booking.objects.filter(pk=declined.pk).update(reason="Visitor list under review")
    later = f.make_session(world.rule, starts_at=world.session.starts_at + dt.timedelta(days=7))
    Session.objects.filter(pk=later.pk).update(status=SessionStatus.CLOSED, close_reason="Count")
    closed_with = f.make_booking(later, world.resident, world.household, world.family,
                                 status=BookingStatus.CANCELLED)
    family = f.make_booking(later, world.other_resident, world.other_household,
                            world.other_household.visitors.all(), status=BookingStatus.CANCELLED)
    Booking.objects.filter(pk=closed_with.pk).update(reason="Count")
    Booking.objects.filter(pk=family.pk).update(reason="Cancelled by the family")
    closure = Closure.objects.create(facility=world.facility, starts_on=dt.date(2027, 1, 1),
                                     ends_on=dt.date(2027, 1, 1), reason="New Year",
                                     reason_code="")
    application = VisitApplication.objects.create(
        household=world.household, facility=world.facility, resident_name="Maria",
        status="denied", reason="No ID")

    migration.keep_typed_reasons_as_notes(django_apps, None)

    def code_and_note(model, pk, code="reason_code", note="reason"):
        return tuple(model.objects.filter(pk=pk).values_list(code, note).get())

    assert code_and_note(Booking, declined.pk) == ("other", "Visitor list under review")
    assert code_and_note(Booking, closed_with.pk) == ("other", "Count")
    assert code_and_note(Booking, family.pk) == ("", "Cancelled by the family")
    assert code_and_note(Session, later.pk, "close_reason_code", "close_reason") == (
        "other", "Count")
    assert code_and_note(Closure, closure.pk) == ("other", "New Year")
    assert code_and_note(VisitApplication, application.pk) == ("other", "No ID")


def test_calendar_feeds_word_the_reason_in_the_feeds_language(world: World) -> None:
    from django.test import Client
    from django.urls import reverse
    from icalendar import Calendar

    from visits.models import CalendarTokenKind
    from visits.services import calendar_token_ensure

    booking = _booked(world)
    with translation.override("en"):
        services.session_close(actor=world.liaison, session_id=world.session.pk,
                               reason_code="lockdown", reason=NOTE)

    def description(user, kind: str, language: str, uid: str) -> str:
        token = calendar_token_ensure(owner=user, kind=kind, language=language)
        body = Client().get(reverse("calendar-feed", args=[token.token])).content
        event = next(e for e in Calendar.from_ical(body).walk("VEVENT")
                     if str(e["UID"]) == uid)
        return str(event["DESCRIPTION"])

    mine = description(world.caregiver, CalendarTokenKind.CAREGIVER, "es",
                       f"booking-{booking.pk}@visits")
    assert "Motivo: Cierre de seguridad" in mine and f"Nota del centro: {NOTE}" in mine
    desk = description(world.liaison, CalendarTokenKind.FACILITY, "en",
                       f"session-{world.session.pk}@visits")
    assert "Reason: Lockdown" in desk and f"Note from the facility: {NOTE}" in desk


def test_my_visits_messages_word_the_reason_when_read_not_when_written(
    world: World, django_capture_on_commit_callbacks
) -> None:
    """No saved language: the event was written in English, her page reads Spanish."""
    _booked(world)
    _close_days(world, django_capture_on_commit_callbacks, reason_code="lockdown", reason=NOTE)
    visits = text(browser_for(world.caregiver, "es").get("/bookings/"))
    assert f"Motivo: Cierre de seguridad. Nota del centro: {NOTE}" in visits  # the message
    assert "Note from the facility" not in visits and "Lockdown" not in visits
