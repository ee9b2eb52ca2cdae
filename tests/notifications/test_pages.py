"""The inbox and preferences pages: one's own messages only, every persona can use them, in
English and Spanish, and bad input is named field by field (never a 500, nothing saved)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils.translation import gettext_noop

from notifications.cursor import Cursor
from notifications.models import Delivery, Preference
from notifications.services import event_emit
from notifications.text import Text
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

SIGNED_IN = [p for p in PERSONAS if p != "anonymous"]


def emit(user, title: str | Text, **extra: object) -> Delivery:
    with transaction.atomic():
        event = event_emit(type="test.note", title=title, recipients=[user], **extra)
    return Delivery.objects.get(event=event, user=user)


def browser_for(user, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def text(response) -> str:
    """The page as a person reads it: tags and extra spaces gone."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def messages_on(response) -> list[str]:
    return [" ".join(m.split()) for m in re.findall(
        r'<li class="(?:error|success|info|warning)">(.*?)</li>', response.content.decode(), re.S)]


# --------------------------------------------------------------------------- inbox


@pytest.mark.parametrize("persona", SIGNED_IN)
def test_every_signed_in_person_has_an_inbox_and_settings_in_the_menu(world, persona) -> None:
    user = world.persona(persona)
    emit(user, f"hello {persona}")
    client = browser_for(user)

    inbox = client.get("/inbox/")
    prefs = client.get("/preferences/")

    assert inbox.status_code == 200 and prefs.status_code == 200
    assert f"hello {persona}" in text(inbox)
    nav = re.search(r'<nav aria-label="Main menu">(.*?)</nav>', inbox.content.decode(), re.S)
    assert 'href="/inbox/"' in nav.group(1) and 'href="/preferences/"' in nav.group(1)
    assert "Messages 1 unread" in text(inbox)  # the unread count in the menu


def test_anonymous_is_sent_to_sign_in() -> None:
    client = Client()
    for path in ("/inbox/", "/preferences/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.post("/inbox/read-all/").status_code == 302


def test_inbox_shows_own_messages_newest_first_with_read_state(world) -> None:
    old = emit(world.caregiver, "Your visit is confirmed")
    emit(world.other_caregiver, "Linda's news")
    emit(world.caregiver, "Your visit on Saturday is cancelled", urgent=True)
    Delivery.objects.filter(pk=old.pk).update(read_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    page = text(browser_for(world.caregiver).get("/inbox/"))

    assert "Linda's news" not in page
    assert "1 unread message" in page
    assert page.index("cancelled") < page.index("confirmed")  # newest first
    assert re.search(r"New .*Your visit on Saturday is cancelled", page)
    assert re.search(r"Read .*Your visit is confirmed", page)


def test_mark_one_read_then_it_shows_as_read(world) -> None:
    delivery = emit(world.caregiver, "Your visit is confirmed")
    client = browser_for(world.caregiver)

    response = client.post(f"/inbox/{delivery.pk}/read/", {"next": "/inbox/?unread=1"})

    assert response.status_code == 302 and response["Location"] == "/inbox/?unread=1"
    delivery.refresh_from_db()
    assert delivery.read_at is not None
    page = client.get("/inbox/?unread=1")
    assert "No unread messages." in text(page)
    assert "Mark as read" not in text(client.get("/inbox/"))


def test_mark_read_refuses_another_households_message_with_a_clear_message(world) -> None:
    lindas = emit(world.other_caregiver, "Linda's news")
    client = browser_for(world.caregiver)

    response = client.post(f"/inbox/{lindas.pk}/read/", follow=True)

    assert response.status_code == 200
    assert "We could not find that message." in messages_on(response)
    lindas.refresh_from_db()
    assert lindas.read_at is None


def test_mark_read_never_follows_a_next_off_the_inbox(world) -> None:
    delivery = emit(world.caregiver, "note")
    client = browser_for(world.caregiver)
    for target in ("https://evil.example/inbox/", "//evil.example/", "/admin/"):
        response = client.post(f"/inbox/{delivery.pk}/read/", {"next": target})
        assert response["Location"] == "/inbox/"


def test_mark_all_read_marks_only_ones_own(world) -> None:
    mine = [emit(world.caregiver, f"note {i}") for i in range(3)]
    lindas = emit(world.other_caregiver, "Linda's news")
    client = browser_for(world.caregiver)

    response = client.post("/inbox/read-all/", follow=True)

    assert "3 messages marked as read." in messages_on(response)
    assert Delivery.objects.filter(pk__in=[d.pk for d in mine], read_at__isnull=True).count() == 0
    lindas.refresh_from_db()
    assert lindas.read_at is None
    again = client.post("/inbox/read-all/", follow=True)
    assert "There were no unread messages." in messages_on(again)


def test_mark_read_needs_post(world) -> None:
    delivery = emit(world.caregiver, "note")
    assert browser_for(world.caregiver).get(f"/inbox/{delivery.pk}/read/").status_code == 405


def test_inbox_pages_back_and_filters_unread(world) -> None:
    deliveries = [emit(world.caregiver, f"note {i:02d}") for i in range(25)]
    Delivery.objects.filter(pk=deliveries[24].pk).update(read_at=dt.datetime(2026, 1, 1,
                                                                            tzinfo=dt.UTC))
    client = browser_for(world.caregiver)

    first = client.get("/inbox/")
    assert "note 24" in text(first) and "note 05" in text(first) and "note 04" not in text(first)
    older = re.search(r'href="/inbox/\?before=(\d+)"', first.content.decode())
    second = client.get(f"/inbox/?before={older.group(1)}")
    assert "note 04" in text(second) and "note 00" in text(second)
    assert "note 05" not in text(second) and "Older messages" not in text(second)
    unread = text(client.get("/inbox/?unread=1"))
    assert "note 24" not in unread and "note 23" in unread
    assert client.get("/inbox/?before=abc&unread=yes").status_code == 200  # junk is ignored


def test_inbox_is_live_from_the_readers_last_event(world) -> None:
    first = emit(world.caregiver, "one")
    last = emit(world.caregiver, "two")
    html = browser_for(world.caregiver).get("/inbox/").content.decode()
    after = re.search(r'data-live data-after="([\d:,]+)"', html).group(1)
    cursor = Cursor.parse(after)  # both count as seen, whatever order they committed in
    assert cursor.has(first.event_id) and cursor.has(last.event_id)


def test_inbox_in_spanish_words_each_message_for_its_reader(world) -> None:
    emit(world.caregiver, Text(gettext_noop("Your visit was declined")))
    page = text(browser_for(world.caregiver, "es").get("/inbox/"))
    assert "Mensajes" in page
    assert "Su visita fue rechazada" in page
    assert "1 mensaje sin leer" in page
    assert "Marcar como leído" in page


def test_message_times_show_in_the_readers_time_zone(world) -> None:
    delivery = emit(world.caregiver, "note")
    moment = dt.datetime(2026, 7, 4, 18, 30, tzinfo=dt.UTC)
    delivery.event.__class__.objects.filter(pk=delivery.event_id).update(created_at=moment)
    Preference.objects.create(user=world.caregiver, time_zone="America/Chicago")
    html = browser_for(world.caregiver).get("/inbox/").content.decode()
    assert 'datetime="2026-07-04T13:30:00-05:00"' in html


# --------------------------------------------------------------------------- preferences


GOOD = {
    "email_enabled": "on", "sms_enabled": "on",
    "phone": "+1 (555) 123-4567", "language": "es", "quiet_start": "21:30",
    "quiet_end": "07:00", "time_zone": "America/Chicago",
}


def test_preferences_page_saves_every_setting(world) -> None:
    client = browser_for(world.caregiver)

    response = client.post("/preferences/", GOOD)

    assert response.status_code == 302 and response["Location"] == "/preferences/"
    pref = Preference.objects.get(user=world.caregiver)
    assert (pref.email_enabled, pref.sms_enabled, pref.phone, pref.language) == (
        True, True, "+15551234567", "es")
    assert (pref.quiet_start, pref.quiet_end, pref.time_zone) == (
        dt.time(21, 30), dt.time(7, 0), "America/Chicago")
    # From now on the pages speak the language chosen for messages.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/preferences/")
    assert "Sus ajustes están guardados." in messages_on(page)
    html = page.content.decode()
    assert 'value="21:30"' in html and 'value="07:00"' in html
    assert 'value="+15551234567"' in html
    assert '<option value="America/Chicago" selected>' in html


def test_the_settings_page_never_changes_the_email_address_unproved(world) -> None:
    """The address changes only on allauth's email page, once a code sent to the new
    address is typed: a settings form posting another one leaves it as it was."""
    get_user_model().objects.filter(pk=world.caregiver.pk).update(email="old@example.org")
    client = browser_for(world.caregiver)

    page = client.get("/preferences/").content.decode()
    response = client.post("/preferences/", {**GOOD, "email": "thief@example.org"})

    assert "old@example.org" in page and 'href="/accounts/email/"' in page
    assert 'name="email"' not in page
    assert response.status_code == 302
    assert get_user_model().objects.get(pk=world.caregiver.pk).email == "old@example.org"


def test_preferences_turn_channels_off_and_clear_quiet_hours(world) -> None:
    client = browser_for(world.caregiver)
    client.post("/preferences/", GOOD)
    response = client.post("/preferences/", {"language": "en", "time_zone": "UTC",
                                             "phone": "", "email": "", "quiet_start": "",
                                             "quiet_end": ""})
    assert response.status_code == 302
    pref = Preference.objects.get(user=world.caregiver)
    assert (pref.email_enabled, pref.sms_enabled, pref.phone) == (False, False, "")
    assert pref.quiet_start is None and pref.quiet_end is None


BAD = [
    ({"sms_enabled": "on", "phone": ""}, "phone", "Add a mobile number to get text messages."),
    ({"phone": "555-1234"}, "phone", "Enter the mobile number with its country code"),
    ({"phone": "+1" + "5" * 40}, "phone", "That number is too long."),
    ({"quiet_start": "22:00", "quiet_end": ""}, "quiet_end",
     "Give both the start and the end of your quiet hours, or neither."),
    ({"quiet_start": "25:00"}, "quiet_start", "Enter a time such as 21:30."),
    ({"quiet_end": "soon"}, "quiet_end", "Enter a time such as 07:00."),
    ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Choose a time zone from the list."),
    ({"language": "fr"}, "language", "Choose English or Spanish."),
    ({"language": ""}, "language", "This field is required."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD)
def test_bad_preferences_are_named_and_nothing_is_saved(world, change, field, message) -> None:
    Preference.objects.create(user=world.caregiver, time_zone="America/Chicago")
    get_user_model().objects.filter(pk=world.caregiver.pk).update(email="old@example.org")
    client = browser_for(world.caregiver)

    response = client.post("/preferences/", {**GOOD, "quiet_start": "", "quiet_end": "",
                                             **change})

    assert response.status_code == 200
    assert "Your settings are not saved yet. Please fix what is marked below." in \
        messages_on(response)
    html = response.content.decode()
    error = re.search(rf'<span class="field-error" id="id_{field}_error">(.*?)</span>', html)
    assert error, f"no message next to {field}"
    assert message in error.group(1)
    pref = Preference.objects.get(user=world.caregiver)
    assert (pref.sms_enabled, pref.phone, pref.language, pref.time_zone) == (
        False, "", "en", "America/Chicago")
    assert get_user_model().objects.get(pk=world.caregiver.pk).email == "old@example.org"


def test_every_problem_is_named_at_once(world) -> None:
    response = browser_for(world.caregiver).post("/preferences/", {
        **GOOD, "quiet_start": "99:99", "quiet_end": "", "phone": "12", "time_zone": "Mars"})
    html = response.content.decode()
    for field in ("quiet_start", "phone", "time_zone"):
        assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html


def test_bad_preferences_speak_spanish(world) -> None:
    response = browser_for(world.caregiver, "es").post(
        "/preferences/", {**GOOD, "language": "en", "sms_enabled": "on", "phone": ""})
    assert response.status_code == 200
    page = text(response)
    assert "Sus ajustes aún no están guardados. Corrija lo que está marcado abajo." in page
    assert "Agregue un número de celular para recibir mensajes de texto." in page


def test_preferences_page_in_spanish(world) -> None:
    page = text(browser_for(world.caregiver, "es").get("/preferences/"))
    for words in ("Cómo le avisamos", "Horas de silencio", "Guardar", "English", "Español"):
        assert words in page, words


def test_a_zone_set_through_the_api_stays_choosable(world, api) -> None:
    api(world.caregiver).put("/api/v1/preferences/", {"time_zone": "Europe/Madrid"},
                             format="json")
    client = browser_for(world.caregiver)
    assert '<option value="Europe/Madrid" selected>' in client.get("/preferences/").content.decode()
    response = client.post("/preferences/", {**GOOD, "time_zone": "Europe/Madrid"})
    assert response.status_code == 302
