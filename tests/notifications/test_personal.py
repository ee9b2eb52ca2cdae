"""Each person's own clock and language without asking her: the zone her device reports is
saved for one who never chose a zone (inbox times, a driver's "today"), a zone she chose is
kept, and her saved language follows her to any device she signs in on."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.conf import settings
from django.test import Client

from notifications.models import Preference
from notifications.preferences import preference_update
from tests.notifications.test_pages import browser_for, emit, text

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
# A Sunday evening in Illinois, already Monday in UTC: where the driver's "today" went wrong.
SUNDAY_EVENING = dt.datetime(2026, 12, 6, 19, 35, tzinfo=CHICAGO)


def with_device_zone(client: Client, zone: str) -> Client:
    client.cookies["device_tz"] = zone
    return client


def test_a_person_who_never_chose_a_zone_reads_her_inbox_in_her_devices_zone(
    world, time_machine
) -> None:
    time_machine.move_to(SUNDAY_EVENING)
    emit(world.caregiver, "Your ride is planned")
    client = with_device_zone(browser_for(world.caregiver), "America/Chicago")

    page = text(client.get("/inbox/"))

    assert "7:35 p.m." in page and "CST" in page
    assert "1:35 a.m." not in page
    pref = Preference.objects.get(user=world.caregiver)
    assert (pref.time_zone, pref.time_zone_chosen) == ("America/Chicago", False)


def test_a_driver_on_sunday_evening_sees_sunday_not_monday(world, time_machine) -> None:
    time_machine.move_to(SUNDAY_EVENING)
    client = with_device_zone(browser_for(world.driver), "America/Chicago")

    page = client.get("/rides/driver/")

    assert page.context["day"] == dt.date(2026, 12, 6)
    assert "Sunday" in text(page)


def test_a_zone_she_chose_herself_is_never_moved_by_her_device(world) -> None:
    preference_update(user=world.caregiver, time_zone="America/Denver")
    client = with_device_zone(browser_for(world.caregiver), "Europe/Madrid")

    client.get("/inbox/")

    pref = Preference.objects.get(user=world.caregiver)
    assert (pref.time_zone, pref.time_zone_chosen) == ("America/Denver", True)


@pytest.mark.parametrize("bad", ["Mars/Olympus", "../../etc", "x" * 300, "%00"])
def test_a_nonsense_device_zone_is_ignored(world, bad) -> None:
    client = with_device_zone(browser_for(world.caregiver), bad)

    assert client.get("/inbox/").status_code == 200
    assert not Preference.objects.filter(user=world.caregiver).exclude(
        time_zone=settings.TIME_ZONE).exists()


def test_the_device_zone_is_looked_at_once_per_session(world) -> None:
    client = with_device_zone(browser_for(world.caregiver), "America/Chicago")
    client.get("/inbox/")
    Preference.objects.filter(user=world.caregiver).update(time_zone="America/Denver")

    client.get("/inbox/")  # same zone as the session saw: no second write

    assert Preference.objects.get(user=world.caregiver).time_zone == "America/Denver"


def test_a_row_made_for_the_device_zone_keeps_her_page_language(world) -> None:
    client = with_device_zone(browser_for(world.caregiver, "es"), "America/Chicago")

    client.get("/inbox/")

    assert Preference.objects.get(user=world.caregiver).language == "es"


def test_her_saved_spanish_is_applied_when_she_signs_in_on_another_phone(world) -> None:
    world.caregiver.set_password("a-long-password-1")
    world.caregiver.save()
    preference_update(user=world.caregiver, language="es")
    phone = Client()  # a new device: no language cookie, an English browser

    signed_in = phone.post("/login/", {"login": world.caregiver.username,
                                       "password": "a-long-password-1"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en-US")

    assert phone.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert '<html lang="es">' in signed_in.content.decode()


def test_choosing_a_language_in_the_menu_saves_it_for_her_messages(world) -> None:
    client = browser_for(world.caregiver)

    client.post("/i18n/setlang/", {"language": "es", "next": "/inbox/"})

    assert Preference.objects.get(user=world.caregiver).language == "es"


def test_an_unknown_language_in_the_menu_changes_nothing(world) -> None:
    client = browser_for(world.caregiver)

    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/inbox/"})

    assert response.status_code == 302
    assert not Preference.objects.filter(user=world.caregiver).exists()


def test_anonymous_visitors_can_still_change_the_language(db) -> None:
    client = Client()

    client.post("/i18n/setlang/", {"language": "es", "next": "/login/"})

    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert not Preference.objects.exists()
