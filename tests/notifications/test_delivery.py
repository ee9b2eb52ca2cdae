"""Email and SMS after commit: once per delivery, per preferences, never late for a closure."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from notifications.delivery import deliveries_send_due
from notifications.models import Delivery, Event, Preference
from notifications.quiet import quiet_until
from notifications.services import Notice, event_emit, notices_emit
from notifications.sms import BaseSmsBackend, LogSmsBackend
from notifications.tasks import send_delivery_external
from notifications.text import Text
from tests import factories as f
from visits.reminders import reminders_send_due
from visits.services import session_close

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


class RecordingSms(BaseSmsBackend):
    """A real implementation of the SMS interface that keeps what it was given."""

    sent: list[tuple[str, str]] = []

    def send(self, to: str, text: str) -> None:
        RecordingSms.sent.append((to, text))


class FailingOnceSms(BaseSmsBackend):
    calls = 0

    def send(self, to: str, text: str) -> None:
        FailingOnceSms.calls += 1
        if FailingOnceSms.calls == 1:
            raise ConnectionError("provider down")
        RecordingSms.sent.append((to, text))


CHANNELS = override_settings(
    TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}},
    MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}},
    SMS_BACKEND="tests.notifications.test_delivery.RecordingSms",
)


@pytest.fixture(autouse=True)
def channels():
    RecordingSms.sent = []
    FailingOnceSms.calls = 0
    with CHANNELS:
        mail.outbox = []
        yield


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a block in a transaction and then its on-commit work (push, email/SMS tasks)."""

    def run(block):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            return block()

    return run


def person(name: str, *, phone: str = "", sms: bool = False, **prefs: object):
    user = f.make_user(name, email=f"{name}@example.org")
    Preference.objects.create(user=user, phone=phone, sms_enabled=sms, **prefs)
    return user


def quiet_now() -> dict[str, object]:
    """Quiet hours in Chicago that surely include the present moment."""
    local = timezone.now().astimezone(CHICAGO)
    return {
        "quiet_start": (local - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        "quiet_end": (local + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0),
        "time_zone": "America/Chicago",
    }


@pytest.mark.django_db
def test_email_is_sent_once_even_if_the_task_runs_twice(commit) -> None:
    rosa = person("rosa")
    event = commit(lambda: event_emit(type="test.note", title="Visit confirmed", body="Sat 9:00",
                                      recipients=[rosa]))
    delivery = Delivery.objects.get(event=event)
    assert [m.subject for m in mail.outbox] == ["Visit confirmed"]
    assert mail.outbox[0].to == ["rosa@example.org"]
    assert "Sat 9:00" in mail.outbox[0].body

    send_delivery_external.call(delivery_id=delivery.pk)  # a retried task
    send_delivery_external.enqueue(delivery_id=delivery.pk)  # and a duplicate one
    deliveries_send_due(now=timezone.now() + dt.timedelta(hours=1))  # and the sweep

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.emailed_at is not None
    assert delivery.external_due_at is None


@pytest.mark.django_db
def test_a_rolled_back_change_sends_no_email(commit) -> None:
    rosa = person("rosa")

    def fail() -> None:
        event_emit(type="test.note", title="never happened", recipients=[rosa])
        raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        commit(fail)
    assert mail.outbox == []
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_sms_goes_through_the_configured_backend_once(commit) -> None:
    rosa = person("rosa", phone="+15551234567", sms=True, email_enabled=False)
    event = commit(lambda: event_emit(type="test.note", title="Visit confirmed",
                                      body="Sat 9:00", recipients=[rosa]))
    send_delivery_external.call(delivery_id=Delivery.objects.get(event=event).pk)

    assert RecordingSms.sent == [("+15551234567", "Visit confirmed\nSat 9:00")]
    assert mail.outbox == []  # email turned off


@pytest.mark.django_db
def test_people_without_channels_get_only_the_inbox(commit) -> None:
    nobody = f.make_user("no-email")  # no address, no preferences saved
    commit(lambda: event_emit(type="test.note", title="hello", recipients=[nobody]))
    delivery = Delivery.objects.get(user=nobody)
    assert mail.outbox == [] and RecordingSms.sent == []
    assert delivery.emailed_at is None and delivery.external_due_at is None


@pytest.mark.django_db
def test_a_failed_sms_is_retried_by_the_sweep_and_sent_once(commit) -> None:
    rosa = person("rosa", phone="+15551234567", sms=True)
    with override_settings(SMS_BACKEND="tests.notifications.test_delivery.FailingOnceSms"):
        commit(lambda: event_emit(type="test.note", title="Lockdown", recipients=[rosa],
                                  urgent=True))
        delivery = Delivery.objects.get(user=rosa)
        assert delivery.sms_at is None and delivery.emailed_at is not None
        assert delivery.external_due_at is not None  # owed, so the sweep comes back

        assert deliveries_send_due(now=timezone.now()) == 0  # not yet time to retry
        deliveries_send_due(now=delivery.external_due_at)
        deliveries_send_due(now=delivery.external_due_at + dt.timedelta(hours=1))

    assert RecordingSms.sent == [("+15551234567", "Lockdown")]
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.sms_at is not None and delivery.external_due_at is None


@pytest.mark.django_db
def test_the_log_backend_never_writes_the_text_or_the_number(caplog) -> None:
    caplog.set_level(logging.INFO, logger="notifications.sms")
    LogSmsBackend().send("+15551234567", "Maria W48213 visit Sat 09:00")
    logged = caplog.text
    assert "SMS to …67" in logged
    assert "Maria" not in logged and "W48213" not in logged and "5551234567" not in logged


@pytest.mark.django_db
def test_quiet_hours_hold_an_ordinary_message_until_they_end(commit) -> None:
    rosa = person("rosa", phone="+15551234567", sms=True, **quiet_now())
    commit(lambda: event_emit(type="test.note", title="Your visit is confirmed",
                              recipients=[rosa]))
    delivery = Delivery.objects.get(user=rosa)
    assert mail.outbox == [] and RecordingSms.sent == []
    assert delivery.external_due_at > timezone.now()

    deliveries_send_due(now=delivery.external_due_at - dt.timedelta(minutes=1))
    assert mail.outbox == []
    deliveries_send_due(now=delivery.external_due_at)
    assert [m.subject for m in mail.outbox] == ["Your visit is confirmed"]
    assert len(RecordingSms.sent) == 1


@pytest.mark.django_db
def test_quiet_hours_delay_a_reminder_but_not_a_closure(world, commit) -> None:
    caregiver = world.caregiver
    caregiver.email = "rosa@example.org"
    caregiver.save()
    Preference.objects.create(user=caregiver, phone="+15551234567", sms_enabled=True,
                              **quiet_now())
    booking = f.make_booking(world.session, world.resident, world.household)
    due_at = world.session.starts_at - dt.timedelta(hours=24)

    assert commit(lambda: reminders_send_due(at=due_at)) == 1
    assert mail.outbox == [] and RecordingSms.sent == []  # the reminder waits

    commit(lambda: session_close(actor=world.liaison, session_id=world.session.pk,
                                 reason="Facility lockdown"))
    assert len(mail.outbox) == 1 and len(RecordingSms.sent) == 1  # the closure does not
    assert "cancelled" in mail.outbox[0].subject
    assert "Facility lockdown" in mail.outbox[0].body
    assert "Facility lockdown" in RecordingSms.sent[0][1]

    reminder = Delivery.objects.get(user=caregiver, event__type="visits.booking.reminder")
    deliveries_send_due(now=reminder.external_due_at)
    assert [m.subject for m in mail.outbox][1].startswith("Reminder")
    assert booking.pk  # the booking the two messages were about


@pytest.mark.django_db
def test_spanish_speakers_get_the_closure_in_spanish(world, commit) -> None:
    caregiver = world.caregiver
    caregiver.email = "rosa@example.org"
    caregiver.save()
    Preference.objects.create(user=caregiver, language="es")
    f.make_booking(world.session, world.resident, world.household)

    commit(lambda: session_close(actor=world.liaison, session_id=world.session.pk,
                                 reason="Cierre"))  # the liaison's request runs in English

    (message,) = mail.outbox
    event = Event.objects.get(type="visits.session.closed")
    assert message.subject.startswith("Su visita del ")
    assert event.title == message.subject  # her inbox and socket say it in Spanish too
    with translation.override("es"):
        footer = gettext("You get this because of your notification settings. "
                         "You can change them in the app.")
    assert footer in message.body and footer.startswith("Recibe")


@pytest.mark.django_db
def test_notices_to_many_readers_reach_each_in_her_language_once(commit) -> None:
    rosa, ana = person("rosa", language="es"), person("ana")
    notices = [Notice(user_id=user.pk, type="test.notice", title=Text("No place this time"),
                      data={"n": n}) for n, user in enumerate([rosa, ana])]

    events = commit(lambda: notices_emit(notices, languages={rosa.pk: "es", ana.pk: None}))

    with translation.override("es"):
        spanish = gettext("No place this time")
    assert spanish != "No place this time"
    assert [(e.title, e.data) for e in events] == [
        (spanish, {"n": 0}), ("No place this time", {"n": 1})]
    mine = {d.user_id: d.event_id for d in Delivery.objects.filter(event__type="test.notice")}
    assert mine == {rosa.pk: events[0].pk, ana.pk: events[1].pk}  # nobody sees another's
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("ana@example.org", "No place this time"), ("rosa@example.org", spanish)]


@pytest.mark.parametrize(
    ("local_now", "expected_end"),
    [
        (dt.datetime(2026, 3, 2, 23, 30), dt.datetime(2026, 3, 3, 7, 0)),  # after start
        (dt.datetime(2026, 3, 3, 6, 59), dt.datetime(2026, 3, 3, 7, 0)),  # before end
        (dt.datetime(2026, 3, 3, 7, 0), None),  # the end itself is not quiet
        (dt.datetime(2026, 3, 3, 12, 0), None),
        # The night clocks spring forward (8 March 2026 in Chicago): still ends at 07:00 local.
        (dt.datetime(2026, 3, 7, 23, 0), dt.datetime(2026, 3, 8, 7, 0)),
    ],
)
def test_quiet_hours_across_midnight(local_now: dt.datetime, expected_end: dt.datetime) -> None:
    now = local_now.replace(tzinfo=CHICAGO).astimezone(dt.UTC)
    end = quiet_until(now, start=dt.time(22), end=dt.time(7), tz_name="America/Chicago")
    if expected_end is None:
        assert end is None
    else:
        assert end == expected_end.replace(tzinfo=CHICAGO)


def test_no_quiet_hours_when_start_equals_end() -> None:
    now = timezone.now()
    assert quiet_until(now, start=dt.time(7), end=dt.time(7), tz_name="UTC") is None
    assert quiet_until(now, start=None, end=None, tz_name="UTC") is None


@pytest.mark.django_db
def test_an_email_links_back_to_the_app_when_the_site_has_an_address(
    world, commit, settings,
) -> None:
    """The worker that sends it has no request: the address comes from SITE_URL."""
    caregiver = world.caregiver
    caregiver.email = "rosa@example.org"
    caregiver.save()
    Preference.objects.create(user=caregiver, language="es")
    f.make_booking(world.session, world.resident, world.household)
    settings.SITE_URL = "https://visits.example.org"

    commit(lambda: session_close(actor=world.liaison, session_id=world.session.pk,
                                 reason="Cierre"))

    (message,) = mail.outbox
    assert "https://visits.example.org/" in message.body
    assert message.body.index("https://visits.example.org/") < message.body.index("\n--\n")
    with translation.override("es"):
        assert gettext("Open the app: %(url)s") % {"url": "https://visits.example.org/"} in (
            message.body)


@pytest.mark.django_db
def test_without_a_site_address_an_email_has_no_link(world, commit, settings) -> None:
    caregiver = world.caregiver
    caregiver.email = "rosa@example.org"
    caregiver.save()
    f.make_booking(world.session, world.resident, world.household)
    settings.SITE_URL = ""
    commit(lambda: session_close(actor=world.liaison, session_id=world.session.pk,
                                 reason="Cierre"))
    (message,) = mail.outbox
    assert "http" not in message.body
