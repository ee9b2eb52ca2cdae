"""Issue 13: visitor applications with each child's consent, and the liaison's decisions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from notifications.models import Delivery, Preference
from tests import factories as f
from tests.conftest import World
from visits import selectors
from visits.models import (
    ApplicationAudit,
    ApplicationStatus,
    ApplicationVisitor,
    ApprovalStatus,
    ApprovedVisitor,
    VisitApplication,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC)  # New Year's Eve in Chicago
PDF = b"%PDF-1.4\n% a signed consent form\n"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64


@pytest.fixture(autouse=True)
def _private_files(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private")}}}


@pytest.fixture
def family(world: World) -> dict:
    """A new household: Carmen, and Lucia (6) and Mateo (12), not yet approved anywhere."""
    household = f.make_household("carmen", children=[("Lucia", 6), ("Mateo", 12)])
    return {"household": household, "user": household.caregiver,
            "adult": f.adults(household)[0], "kids": f.children(household)}


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def apply_form(world: World, family: dict, **changes: Any) -> dict:
    lucia, mateo = family["kids"]
    form = {
        "facility": world.facility.pk, "resident_name": "Maria Lopez", "prison_id": "w48213",
        "visitor_ids": [family["adult"].pk, lucia.pk, mateo.pk],
        f"consent_by_{lucia.pk}": "Maria Lopez (mother)", f"consent_on_{lucia.pk}": "2026-12-01",
        f"consent_doc_{lucia.pk}": SimpleUploadedFile("form.pdf", PDF),
        f"consent_by_{mateo.pk}": "Maria Lopez (mother)", f"consent_on_{mateo.pk}": "2026-12-01",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@time_machine.travel(NOW, tick=False)
def test_she_applies_the_liaison_approves_and_she_can_book(world: World, family: dict) -> None:
    client = signed_in(family["user"])
    response = client.post(reverse("application-new"), apply_form(world, family))
    assert response.status_code == 302
    application = VisitApplication.objects.get(household=family["household"])
    assert application.resident == world.resident  # matched quietly from the ID number
    assert application.people.count() == 3
    lucia = application.people.get(visitor=family["kids"][0])
    assert lucia.document and lucia.document_type == "application/pdf"
    assert "W48213" not in client.get(reverse("applications")).content.decode()

    liaison = signed_in(world.liaison)
    assert "Maria Lopez" in liaison.get(reverse("approvals-queue")).content.decode()
    decided = liaison.post(reverse("approval-decide", args=[application.pk]), {
        "decision": "approve", "resident_id": world.resident.pk, "expires_on": "2027-12-31"})
    assert decided.status_code == 302
    approvals = ApprovedVisitor.objects.filter(resident=world.resident,
                                               visitor__household=family["household"])
    assert approvals.count() == 3
    assert set(approvals.values_list("status", flat=True)) == {ApprovalStatus.APPROVED}
    assert all(a.guardian_consent_on_file for a in approvals
               if a.visitor in family["kids"])
    assert list(selectors.residents_for_household(user=family["user"])) == [world.resident]
    actions = list(application.audit.values_list("action", flat=True))
    assert actions == ["applied", "consent", "consent", "approved"]
    assert application.audit.last().actor == world.liaison
    told = Delivery.objects.get(user=family["user"], event__type="visits.application.approve")
    assert "until Dec. 31, 2027" in told.event.body  # worded, with its year


@time_machine.travel(NOW, tick=False)
def test_the_family_is_told_in_her_own_language(world: World, family: dict) -> None:
    Preference.objects.create(user=family["user"], language="es")
    signed_in(family["user"]).post(reverse("application-new"), apply_form(world, family))
    application = VisitApplication.objects.get()
    signed_in(world.liaison).post(reverse("approval-decide", args=[application.pk]), {
        "decision": "deny", "reason": "Missing ID"})
    delivery = Delivery.objects.get(user=family["user"])
    assert delivery.event.title == "Su solicitud de visitante no fue aprobada"
    page = signed_in(family["user"]).get(reverse("applications")).content.decode()
    assert "Missing ID" in page


@pytest.mark.parametrize(("change", "field"), [
    ("no_consent", "consent_by"),
    ("future_consent", "consent_on"),
    ("big_document", "consent_doc"),
    ("not_a_document", "consent_doc"),
    ("only_children", "visitor_ids"),
    ("someone_elses_child", "visitor_ids"),
    ("no_facility", "facility"),
    ("no_name", "resident_name"),
])
@time_machine.travel(NOW, tick=False)
def test_bad_applications_are_refused_by_field_and_leave_nothing(
    world: World, family: dict, settings: Any, tmp_path: Path, change: str, field: str
) -> None:
    lucia, mateo = family["kids"]
    settings.APPLICATION_DOCUMENT_MAX_BYTES = 1024
    changes = {
        "no_consent": {f"consent_by_{mateo.pk}": ""},
        "future_consent": {f"consent_on_{mateo.pk}": "2027-01-02"},
        "big_document": {f"consent_doc_{lucia.pk}": SimpleUploadedFile("f.pdf", PDF * 100)},
        "not_a_document": {f"consent_doc_{lucia.pk}": SimpleUploadedFile(
            "form.pdf", b"<script>alert(1)</script>")},
        "only_children": {"visitor_ids": [lucia.pk, mateo.pk]},
        "someone_elses_child": {"visitor_ids": [family["adult"].pk, world.sofia.pk]},
        "no_facility": {"facility": 999999},
        "no_name": {"resident_name": "  "},
    }[change]
    response = signed_in(family["user"]).post(reverse("application-new"),
                                              apply_form(world, family, **changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(name.startswith(field) for name in errors), errors
    assert not VisitApplication.objects.exists()
    assert not ApplicationAudit.objects.exists()
    private = tmp_path / "private"
    assert not private.exists() or not any(p.is_file() for p in private.rglob("*"))


@pytest.fixture
def applied(world: World, family: dict) -> VisitApplication:
    with time_machine.travel(NOW, tick=False):
        signed_in(family["user"]).post(reverse("application-new"), apply_form(world, family))
    return VisitApplication.objects.get()


@pytest.mark.parametrize(("form", "field"), [
    ({"decision": "approve", "resident_id": "", "expires_on": "2027-06-01"}, "resident_id"),
    ({"decision": "approve", "resident_id": "RESIDENT", "expires_on": "2026-12-31"},
     "expires_on"),
    ({"decision": "approve", "resident_id": "RESIDENT", "expires_on": "June"}, "expires_on"),
    ({"decision": "approve", "resident_id": "OTHER", "expires_on": "2027-06-01"},
     "resident_id"),
    ({"decision": "deny", "reason": " "}, "reason_code"),
    ({"decision": "deny", "reason_code": "lockdown"}, "reason_code"),
    ({"decision": "deny", "reason_code": "other", "reason": " "}, "reason"),
    ({"decision": "deny", "reason": "x" * 501}, "reason"),
    ({"decision": "explode"}, "decision"),
])
@time_machine.travel(NOW, tick=False)
def test_bad_decisions_say_what_to_fix_and_change_nothing(
    world: World, applied: VisitApplication, form: dict, field: str
) -> None:
    other = f.make_resident(world.other_facility, first_name="Tanya", prison_id="HD1")
    ids = {"RESIDENT": str(world.resident.pk), "OTHER": str(other.pk)}
    form = {k: ids.get(v, v) for k, v in form.items()}
    response = signed_in(world.liaison).post(reverse("approval-decide", args=[applied.pk]), form)
    assert response.status_code in (400, 409, 422)
    assert field in response.context["errors"]
    applied.refresh_from_db()
    assert applied.status == ApplicationStatus.PENDING
    assert not ApprovedVisitor.objects.filter(visitor__household=applied.household).exists()


@time_machine.travel(NOW, tick=False)
def test_more_information_then_answer_then_revoke(world: World, applied: VisitApplication,
                                                  family: dict) -> None:
    liaison, caregiver = signed_in(world.liaison), signed_in(family["user"])
    url = reverse("approval-decide", args=[applied.pk])
    liaison.post(url, {"decision": "more_info", "reason": "Which unit is she in?"})
    assert "Which unit" in caregiver.get(reverse("applications")).content.decode()
    caregiver.post(reverse("application-answer", args=[applied.pk]), {"answer": "Unit A"})
    applied.refresh_from_db()
    assert (applied.status, applied.answer) == (ApplicationStatus.PENDING, "Unit A")
    liaison.post(url, {"decision": "approve", "resident_id": world.resident.pk,
                       "expires_on": "2027-03-01"})
    liaison.post(url, {"decision": "revoke", "reason": "Court order"})
    applied.refresh_from_db()
    assert applied.status == ApplicationStatus.REVOKED
    assert not selectors.residents_for_household(user=family["user"]).exists()
    page = liaison.get(reverse("approval-review", args=[applied.pk])).content.decode()
    for word in ("More information asked for", "Family answered", "Approved",
                 "Approval withdrawn", "Court order"):
        assert word in page


def test_an_answer_too_long_is_refused_in_words_about_her_answer(
    world: World, applied: VisitApplication, family: dict,
) -> None:
    signed_in(world.liaison).post(reverse("approval-decide", args=[applied.pk]),
                                  {"decision": "more_info", "reason": "Which unit?"})
    caregiver = signed_in(family["user"])
    page = caregiver.post(reverse("application-answer", args=[applied.pk]),
                          {"answer": "x" * 501}, follow=True).content.decode()
    assert "Keep your answer to 500 characters or fewer." in page
    applied.refresh_from_db()
    assert applied.status == ApplicationStatus.MORE_INFO


@time_machine.travel(NOW, tick=False)
def test_the_audit_trail_is_append_only(applied: VisitApplication) -> None:
    entry = applied.audit.first()
    entry.detail = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()


@pytest.mark.parametrize("persona", ["caregiver", "other_liaison", "coordinator", "driver"])
def test_nobody_else_sees_the_application_or_its_documents(
    world: World, applied: VisitApplication, persona: str
) -> None:
    client = signed_in(world.persona(persona))
    document = applied.people.exclude(document="").get()
    assert client.get(reverse("application-document", args=[document.pk])).status_code == 404
    assert "Maria Lopez" not in client.get(reverse("applications")).content.decode()
    assert client.get(reverse("approval-review", args=[applied.pk])).status_code in (403, 404)
    decided = client.post(reverse("approval-decide", args=[applied.pk]), {"decision": "deny",
                                                                           "reason": "no"})
    assert decided.status_code in (403, 404)
    answer = client.post(reverse("application-answer", args=[applied.pk]), {"answer": "x"})
    assert answer.status_code in (403, 404)
    applied.refresh_from_db()
    assert applied.status == ApplicationStatus.PENDING
    if persona == "other_liaison":
        assert "Maria Lopez" not in client.get(reverse("approvals-queue")).content.decode()


def test_her_household_and_the_facilitys_liaison_get_the_document(
    world: World, applied: VisitApplication, family: dict
) -> None:
    document = applied.people.exclude(document="").get()
    for user in (family["user"], world.liaison):
        response = signed_in(user).get(reverse("application-document", args=[document.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert "attachment" in response["Content-Disposition"]
    assert Client().get(reverse("application-document", args=[document.pk])).status_code == 302


def test_a_photo_is_accepted_as_a_consent_form(world: World, family: dict) -> None:
    lucia = family["kids"][0]
    with time_machine.travel(NOW, tick=False):
        response = signed_in(family["user"]).post(reverse("application-new"), apply_form(
            world, family, **{f"consent_doc_{lucia.pk}": SimpleUploadedFile("a.jpg", JPEG)}))
    assert response.status_code == 302
    assert ApplicationVisitor.objects.get(visitor=lucia).document_type == "image/jpeg"


def test_a_withdrawn_approval_flags_her_coming_visit_on_the_roster(world: World) -> None:
    booking = f.make_booking(world.session, world.resident, world.household,
                             visitors=world.family)
    client = signed_in(world.liaison)
    day = world.session.starts_at.astimezone(world.facility.tz).date().isoformat()
    flag = "Approval withdrawn or expired"
    assert flag not in client.get(reverse("roster"), {"date": day}).content.decode()
    ApprovedVisitor.objects.filter(visitor=world.sofia).update(status=ApprovalStatus.REVOKED)
    page = client.get(reverse("roster"), {"date": day}).content.decode()
    assert flag in page and f'id="booking-{booking.pk}"' in page
    ApprovedVisitor.objects.filter(visitor=world.sofia).update(
        status=ApprovalStatus.APPROVED, expires_on=world.session.starts_at.date()
        - dt.timedelta(days=1))
    assert flag in client.get(reverse("roster"), {"date": day}).content.decode()


@time_machine.travel(NOW, tick=False)
def test_an_id_of_another_facilitys_resident_matches_nobody_and_is_never_shown(
    world: World, family: dict
) -> None:
    """She applies to Lakeview with the ID of someone held at High Desert: no match is
    made (the liaison matches by hand), and no page of hers shows a resident's ID."""
    elsewhere = f.make_resident(world.other_facility, first_name="Maria", last_name="Lopez",
                                prison_id="HD-7781")
    client = signed_in(family["user"])
    response = client.post(reverse("application-new"),
                           apply_form(world, family, prison_id="hd-7781"))
    assert response.status_code == 302
    application = VisitApplication.objects.get()
    assert application.resident is None and application.facility == world.facility
    assert elsewhere.applications.count() == 0
    page = client.get(reverse("applications")).content.decode()
    assert "W48213" not in page and "HD-7781" not in page
