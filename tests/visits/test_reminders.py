"""Visit reminders: the day before and two hours before, once each, never for a dead visit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from notifications.models import Delivery, Preference
from tests import factories as f
from visits.models import BookingStatus, Reminder, ReminderKind, Session
from visits.reminders import reminder_send, reminders_due, reminders_send_due
from visits.services import booking_cancel, booking_confirm, session_close

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(hours=24)
TWO_HOURS = dt.timedelta(hours=2)


def reminders_for(user) -> list[Delivery]:
    return list(
        Delivery.objects.filter(user=user, event__type="visits.booking.reminder")
        .select_related("event").order_by("event_id")
    )


def sweep(at: dt.datetime) -> int:
    with transaction.atomic():
        return reminders_send_due(at=at)


@pytest.fixture
def booking(world):
    return f.make_booking(world.session, world.resident, world.household, world.family)


def test_day_before_and_two_hour_reminders_are_each_sent_once(world, booking) -> None:
    start = world.session.starts_at
    assert sweep(start - DAY - dt.timedelta(minutes=1)) == 0  # not yet
    assert sweep(start - DAY) == 1
    assert sweep(start - DAY + dt.timedelta(minutes=1)) == 0  # the next minute's sweep
    assert sweep(start - DAY + dt.timedelta(hours=3)) == 0
    assert sweep(start - TWO_HOURS) == 1
    assert sweep(start - TWO_HOURS + dt.timedelta(minutes=5)) == 0

    sent = reminders_for(world.caregiver)
    assert [d.event.data["reminder"] for d in sent] == ["day_before", "two_hours"]
    assert {d.event.data["booking_id"] for d in sent} == {booking.pk}
    assert sent[0].event.title.startswith("Reminder: your visit is tomorrow at ")
    assert "Lakeview" in sent[0].event.body
    # Nobody else hears about this family's visit.
    assert not Delivery.objects.filter(event__type="visits.booking.reminder").exclude(
        user=world.caregiver).exists()
    assert Reminder.objects.filter(booking=booking).count() == 2


def test_confirmed_bookings_are_reminded_too(world, booking) -> None:
    booking_confirm(actor=world.liaison, booking_id=booking.pk)
    assert sweep(world.session.starts_at - DAY) == 1


def test_reminder_data_names_no_prison_id_and_no_children(world, booking) -> None:
    sweep(world.session.starts_at - DAY)
    event = reminders_for(world.caregiver)[0].event
    text = f"{event.title} {event.body} {event.data}"
    assert "W48213" not in text and "Sofia" not in text


def test_a_late_sweep_still_reminds_within_the_tolerance_but_not_after(world, booking) -> None:
    start = world.session.starts_at
    assert sweep(start - DAY + dt.timedelta(hours=7)) == 0  # far too late for "tomorrow"
    assert sweep(start - TWO_HOURS + dt.timedelta(minutes=30)) == 1
    assert sweep(start - dt.timedelta(minutes=30)) == 0


def test_a_cancelled_visit_gets_no_reminder(world, booking) -> None:
    booking_cancel(actor=world.caregiver, booking_id=booking.pk)
    assert sweep(world.session.starts_at - DAY) == 0
    assert sweep(world.session.starts_at - TWO_HOURS) == 0
    assert reminders_for(world.caregiver) == []


def test_a_closed_session_gets_no_reminder(world, booking) -> None:
    session_close(actor=world.liaison, session_id=world.session.pk, reason="Lockdown")
    assert sweep(world.session.starts_at - DAY) == 0
    assert reminders_for(world.caregiver) == []


def test_waitlisted_and_declined_families_get_no_reminder(world) -> None:
    f.make_booking(world.session, world.resident, world.household,
                   status=BookingStatus.WAITLISTED)
    f.make_booking(world.session, world.other_resident, world.other_household,
                   status=BookingStatus.DECLINED)
    assert sweep(world.session.starts_at - DAY) == 0


def test_a_cancellation_after_the_sweep_looked_still_stops_the_reminder(world, booking) -> None:
    due = reminders_due(at=world.session.starts_at - DAY)
    assert len(due) == 1
    booking_cancel(actor=world.caregiver, booking_id=booking.pk)
    assert reminder_send(due[0]) is False
    assert reminders_for(world.caregiver) == []


def move(session: Session, by: dt.timedelta) -> None:
    Session.objects.filter(pk=session.pk).update(starts_at=session.starts_at + by,
                                                 ends_at=session.ends_at + by)


def test_a_moved_session_is_reminded_for_the_new_time_only(world, booking) -> None:
    old_start = world.session.starts_at
    move(world.session, dt.timedelta(days=2))
    new_start = old_start + dt.timedelta(days=2)

    assert sweep(old_start - DAY) == 0
    assert sweep(old_start - TWO_HOURS) == 0
    assert sweep(new_start - DAY) == 1

    (sent,) = reminders_for(world.caregiver)
    assert sent.event.data["starts_at"] == new_start.isoformat()
    assert Reminder.objects.get(booking=booking).starts_at == new_start


def test_a_move_after_the_sweep_looked_sends_nothing_for_the_old_time(world, booking) -> None:
    (due,) = reminders_due(at=world.session.starts_at - DAY)
    move(world.session, dt.timedelta(hours=5))
    assert reminder_send(due) is False
    assert reminders_for(world.caregiver) == []


def test_a_day_before_reminder_already_sent_is_sent_again_after_a_move(world, booking) -> None:
    start = world.session.starts_at
    assert sweep(start - DAY) == 1
    move(world.session, dt.timedelta(days=1))
    assert sweep(start) == 1  # 24 h before the new time
    assert [r.kind for r in Reminder.objects.filter(booking=booking)] == [
        ReminderKind.DAY_BEFORE, ReminderKind.DAY_BEFORE]


@override_settings(
    TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
)
def test_a_reminder_reaches_the_caregivers_email_in_her_language(
    world, booking, django_capture_on_commit_callbacks
) -> None:
    world.caregiver.email = "rosa@example.org"
    world.caregiver.save()
    Preference.objects.create(user=world.caregiver, language="es")
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        sweep(world.session.starts_at - DAY)

    (message,) = mail.outbox
    assert message.to == ["rosa@example.org"]
    local = world.session.starts_at.astimezone(world.facility.tz)
    assert message.subject.startswith("Recordatorio")
    assert message.subject.endswith(f"{local:%H:%M}")
    assert "Lakeview" in message.body
