"""Issue 13: her data in her hands: the download, deleting her account, the retention purge."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from notifications.models import Delivery
from notifications.preferences import sign_in_phone_set
from scheduler.privacy import households_purge_due
from tests import factories as f
from tests.conftest import PERSONAS, World
from tests.fund.helpers import donate
from tests.remains import rows_naming
from transport.fund.models import LedgerEntry, Subsidy
from transport.fund.subsidies import subsidy_grant
from visits.models import (
    ApplicationVisitor,
    Booking,
    BookingStatus,
    Household,
    Session,
    VisitApplication,
    Visitor,
)
from visits.services import Consent, application_submit

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 3, 13, 23, 40, tzinfo=dt.UTC)  # eve of the spring clock change
PDF = b"%PDF-1.4\n% signed\n"


@pytest.fixture(autouse=True)
def _private_files(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private")}}}


@pytest.fixture
def lived_in(world: World) -> dict:
    """Rosa's household with a past visit (help from the fund), a future one, an
    application with a consent form, and a message."""
    with time_machine.travel(NOW, tick=False):
        rosa = world.caregiver
        rosa.set_password("rosas-own-2026")
        rosa.email = "rosa@example.org"
        rosa.save()
        sign_in_phone_set(user=rosa, phone="+15557654321", verified=True)
        past = f.make_session(world.rule, starts_at=NOW - dt.timedelta(days=10))
        old = f.make_booking(past, world.resident, world.household, visitors=world.family,
                             status=BookingStatus.CHECKED_IN)
        coming = f.make_session(world.rule, starts_at=NOW + dt.timedelta(days=5))
        future = f.make_booking(coming, world.resident, world.household,
                                visitors=world.family)
        donate(10_000)
        subsidy_grant(actor=world.coordinator, booking_id=old.pk, kind="bus_fare",
                      amount_cents=1500, note="Rosa Lopez from Springfield")
        application_submit(
            actor=rosa, facility_id=world.facility.pk, resident_name="Maria Lopez",
            visitor_ids=[world.rosa.pk, world.sofia.pk],
            consents={world.sofia.pk: Consent(given_by="Maria", given_on=dt.date(2027, 3, 1),
                                              document=SimpleUploadedFile("f.pdf", PDF))})
    return {"old": old, "future": future}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_her_download_holds_her_household_and_nothing_of_anyone_else(
    world: World, lived_in: dict
) -> None:
    response = signed_in(world.caregiver).get(reverse("my-data-download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert {p["first_name"] for p in data["people"]} == {"Rosa", "Sofia"}
    assert len(data["bookings"]) == 2 and len(data["applications"]) == 1
    document = data["applications"][0]["people"][1]["document"]
    assert archive.read(document) == PDF
    assert any("help" in m["title"].lower() or m["title"] for m in data["messages"])
    text = archive.read("data.json").decode()
    assert "Jaylen" not in text and "W48213" not in text  # another household; the ID


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p not in {"caregiver"}])
def test_only_a_caregiver_has_a_my_data_page(world: World, persona: str) -> None:
    user = world.persona(persona)
    client = signed_in(user) if user else Client()
    for name in ("my-data", "my-data-download"):
        response = client.get(reverse(name))
        if persona == "other_caregiver":
            assert response.status_code == 200
            assert "Rosa" not in response.content.decode(errors="ignore")
        else:
            assert response.status_code == (302 if user is None else 403)
    if persona != "other_caregiver":
        assert client.post(reverse("my-account-delete"),
                           {"password": "x"}).status_code in (302, 403)


def test_a_wrong_password_deletes_nothing(world: World, lived_in: dict) -> None:
    response = signed_in(world.caregiver).post(reverse("my-account-delete"),
                                               {"password": "not-it"})
    assert response.status_code == 400
    assert "password is not right" in response.content.decode()
    assert Visitor.objects.filter(first_name="Sofia").exists()
    assert get_user_model().objects.get(pk=world.caregiver.pk).is_active


def test_deleting_her_account_leaves_only_nameless_counts_and_the_ledger(
    world: World, lived_in: dict, tmp_path: Path
) -> None:
    ledger = list(LedgerEntry.objects.values_list("pk", "amount_cents"))
    coming = lived_in["future"].session_id
    held = Session.objects.get(pk=coming).held
    with time_machine.travel(NOW, tick=False):
        for typed in ("rosa@example.org", "(555) 765-4321"):  # a slip of the finger, once
            Client().post("/login/", {"login": typed, "password": "not-quite"})
        client = signed_in(world.caregiver)
        response = client.post(reverse("my-account-delete"), {"password": "rosas-own-2026"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert response["Location"] == reverse("login"), response["Location"]
    assert "_auth_user_id" not in client.session
    future = Booking.objects.get(pk=lived_in["future"].pk)
    assert future.status == BookingStatus.CANCELLED
    assert Session.objects.get(pk=coming).held == held - 1
    assert Booking.objects.get(pk=lived_in["old"].pk).status == BookingStatus.CHECKED_IN
    household = Household.objects.get(pk=world.household.pk)
    assert household.closed_at and "Rosa" not in household.name
    assert not Visitor.objects.filter(household=household).exclude(first_name="—").exists()
    assert not VisitApplication.objects.filter(household=household).exists()
    assert not ApplicationVisitor.objects.exists()
    assert not any(p.is_file() for p in (tmp_path / "private").rglob("*"))
    user = get_user_model().objects.get(pk=world.caregiver.pk)
    assert (user.username, user.email, user.is_active) == (f"deleted-{user.pk}", "", False)
    assert not Delivery.objects.filter(user=user).exists()
    assert list(LedgerEntry.objects.values_list("pk", "amount_cents")) == ledger
    assert Subsidy.objects.get().note == ""
    # No row anywhere still holds her address, her number, her child's name, her town.
    left = rows_naming("rosa@example.org", "+15557654321", "Sofia",
                       "from Springfield")
    assert left == [], left
    again = Client()
    for login in ("rosa@example.org", world.caregiver.username):
        again.post("/login/", {"login": login, "password": "rosas-own-2026"})
        assert "_auth_user_id" not in again.session
    again.post("/login/", {"login": "+15557654321", "password": "rosas-own-2026"})
    assert "_auth_user_id" not in again.session
    # Another household is untouched.
    assert Visitor.objects.filter(household=world.other_household, first_name="Jaylen").exists()


def test_the_retention_sweep_erases_only_long_unused_households(
    world: World, settings: Any
) -> None:
    settings.HOUSEHOLD_RETENTION_MONTHS = 24
    User = get_user_model()
    User.objects.filter(pk=world.caregiver.pk).update(
        last_login=NOW - dt.timedelta(days=800), date_joined=NOW - dt.timedelta(days=900))
    User.objects.filter(pk=world.other_caregiver.pk).update(last_login=NOW - dt.timedelta(days=3))
    assert households_purge_due(now=NOW) == 1
    assert Household.objects.get(pk=world.household.pk).closed_at is not None
    assert Household.objects.get(pk=world.other_household.pk).closed_at is None
    assert households_purge_due(now=NOW) == 0  # once


def test_her_download_words_her_messages_in_her_language(world: World, lived_in: dict) -> None:
    """Her messages were written while staff worked in English; her copy reads as her inbox
    does, in the language she reads the service in."""
    client = signed_in(world.caregiver)
    client.cookies["django_language"] = "es"
    response = client.get(reverse("my-data-download"), HTTP_ACCEPT_LANGUAGE="es")
    data = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))
    titles = [m["title"] for m in data["messages"]]
    with translation.override("es"):
        paid = translation.gettext("Your trip is paid for")
    assert paid != "Your trip is paid for" and titles == [paid]
