"""The inbox and preferences API: one's own messages only, and clear 400s for bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils.translation import gettext_noop

from notifications.models import Delivery, Preference
from notifications.services import event_emit
from notifications.text import Text
from tests import factories as f

pytestmark = pytest.mark.django_db


def emit(user, title: str | Text, **extra: object) -> Delivery:
    with transaction.atomic():
        event = event_emit(type="test.note", title=title, recipients=[user], **extra)
    return Delivery.objects.get(event=event, user=user)


@pytest.fixture
def rosa():
    return f.make_user("rosa")


@pytest.fixture
def linda():
    return f.make_user("linda")


def test_inbox_lists_own_messages_newest_first_with_read_state(api, rosa, linda) -> None:
    first = emit(rosa, "first")
    emit(linda, "for linda")
    second = emit(rosa, "second", urgent=True)
    Delivery.objects.filter(pk=first.pk).update(read_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    body = api(rosa).get("/api/v1/inbox/").json()

    assert body["unread_count"] == 1
    assert [(m["id"], m["title"], m["read"]) for m in body["results"]] == [
        (second.pk, "second", False), (first.pk, "first", True)]
    assert body["results"][0]["urgent"] is True
    assert body["results"][0]["event_id"] == second.event_id


def test_inbox_pages_back_and_filters_unread(api, rosa) -> None:
    deliveries = [emit(rosa, f"note {i}") for i in range(5)]
    Delivery.objects.filter(pk=deliveries[4].pk).update(read_at=dt.datetime(2026, 1, 1,
                                                                            tzinfo=dt.UTC))
    client = api(rosa)
    page = client.get("/api/v1/inbox/", {"limit": 2}).json()["results"]
    assert [m["title"] for m in page] == ["note 4", "note 3"]
    older = client.get("/api/v1/inbox/", {"limit": 2, "before": page[-1]["event_id"]}).json()
    assert [m["title"] for m in older["results"]] == ["note 2", "note 1"]
    unread = client.get("/api/v1/inbox/", {"unread": "true"}).json()["results"]
    assert "note 4" not in [m["title"] for m in unread] and len(unread) == 4


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "many"}, {"limit": "1000"},
                                   {"before": "-3"}, {"unread": "perhaps"}])
def test_bad_inbox_queries_get_400(api, rosa, query: dict[str, str]) -> None:
    response = api(rosa).get("/api/v1/inbox/", query)
    assert response.status_code == 400
    assert set(response.json()) >= {"code", "message", "fields"}


def test_inbox_shows_translatable_titles_in_the_readers_language(api, rosa) -> None:
    emit(rosa, Text(gettext_noop("Your visit on %(when)s is cancelled"), {"when": "Sat 09:00"}))
    english = api(rosa).get("/api/v1/inbox/").json()["results"][0]["title"]
    spanish = api(rosa).get("/api/v1/inbox/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert english == "Your visit on Sat 09:00 is cancelled"
    assert spanish["results"][0]["title"].startswith("Su visita del Sat 09:00")


def test_mark_one_read(api, rosa) -> None:
    delivery = emit(rosa, "hello")
    response = api(rosa).post(f"/api/v1/inbox/{delivery.pk}/read/")
    assert response.status_code == 200
    assert response.json()["read"] is True
    delivery.refresh_from_db()
    first_read = delivery.read_at
    assert first_read is not None
    assert api(rosa).post(f"/api/v1/inbox/{delivery.pk}/read/").status_code == 200
    delivery.refresh_from_db()
    assert delivery.read_at == first_read  # marking again keeps when it was first read


def test_a_user_cannot_mark_anothers_delivery_read(api, rosa, linda) -> None:
    lindas = emit(linda, "for linda")
    response = api(rosa).post(f"/api/v1/inbox/{lindas.pk}/read/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    lindas.refresh_from_db()
    assert lindas.read_at is None
    assert api(rosa).post("/api/v1/inbox/999999/read/").status_code == 404


def test_read_all_marks_only_ones_own(api, rosa, linda) -> None:
    emit(rosa, "one")
    emit(rosa, "two")
    lindas = emit(linda, "for linda")
    response = api(rosa).post("/api/v1/inbox/read-all/")
    assert response.json() == {"marked_read": 2}
    assert not Delivery.objects.filter(user=rosa, read_at__isnull=True).exists()
    lindas.refresh_from_db()
    assert lindas.read_at is None


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/inbox/"), ("post", "/api/v1/inbox/1/read/"),
    ("post", "/api/v1/inbox/read-all/"), ("get", "/api/v1/preferences/"),
    ("put", "/api/v1/preferences/"),
])
def test_anonymous_gets_nothing(api, method: str, path: str) -> None:
    assert getattr(api(None), method)(path, format="json").status_code in (401, 403)


def test_preferences_have_defaults_before_anything_is_saved(api, rosa) -> None:
    body = api(rosa).get("/api/v1/preferences/").json()
    assert body == {"email_enabled": True, "sms_enabled": False, "phone": "", "language": "en",
                    "quiet_start": None, "quiet_end": None, "time_zone": "UTC"}


def test_put_preferences_saves_and_normalises(api, rosa) -> None:
    response = api(rosa).put("/api/v1/preferences/", {
        "sms_enabled": True, "phone": "+1 (555) 123-4567", "language": "es",
        "quiet_start": "22:00", "quiet_end": "07:00", "time_zone": "America/Chicago",
    }, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "+15551234567"
    assert response.json()["quiet_start"] == "22:00"
    pref = Preference.objects.get(user=rosa)
    assert (pref.sms_enabled, pref.language, pref.quiet_end) == (True, "es", dt.time(7))

    # Fields left out keep their value; quiet hours can be cleared together.
    again = api(rosa).put("/api/v1/preferences/", {"quiet_start": None, "quiet_end": None},
                          format="json")
    assert again.status_code == 200
    pref.refresh_from_db()
    assert pref.quiet_start is None and pref.phone == "+15551234567"


@pytest.mark.parametrize(("payload", "field"), [
    ({"phone": "555-1234"}, "phone"),
    ({"phone": "call me"}, "phone"),
    ({"sms_enabled": True}, "phone"),  # text messages need a number
    ({"language": "fr"}, "language"),
    ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
    ({"quiet_start": "late", "quiet_end": "07:00"}, "quiet_start"),
    ({"quiet_start": "22:00"}, "quiet_end"),  # half of the quiet hours
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"email_enabled": "maybe"}, "email_enabled"),
    ({"emails": False}, "emails"),  # a typo is not silently ignored
])
def test_bad_preferences_get_400_naming_the_field(api, rosa, payload: dict, field: str) -> None:
    response = api(rosa).put("/api/v1/preferences/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert field in body["fields"], body
    assert not Preference.objects.filter(user=rosa, language="fr").exists()


def test_a_bad_put_leaves_the_saved_preferences_alone(api, rosa) -> None:
    Preference.objects.create(user=rosa, phone="+15551234567", sms_enabled=True)
    response = api(rosa).put("/api/v1/preferences/", {"language": "es", "phone": "nope"},
                             format="json")
    assert response.status_code == 400
    pref = Preference.objects.get(user=rosa)
    assert (pref.language, pref.phone) == ("en", "+15551234567")


def test_a_body_that_is_not_an_object_gets_400(api, rosa) -> None:
    response = api(rosa).put("/api/v1/preferences/", [1, 2], format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_errors_speak_the_readers_language(api, rosa) -> None:
    response = api(rosa).put("/api/v1/preferences/", {"phone": "555"}, format="json",
                             HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400
    english = "Enter the mobile number with its country code, for example +1 555 123 4567."
    assert response.json()["fields"]["phone"] != [english]
