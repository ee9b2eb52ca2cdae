"""The facility administrator's staff page and the invitation link: invite a liaison by
email, she creates her account from the link and lands on her facility's roster; links work
once and expire; only the facility's administrator manages its liaisons."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests import factories as f
from tests.conftest import World
from visits.models import Liaison, LiaisonInvitation

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough password 42"


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def admin(world: World) -> Any:
    Liaison.objects.filter(user=world.liaison).update(is_admin=True)
    return world.liaison


def invite(client: Client, email: str = "new.liaison@example.org", **extra: Any) -> Any:
    return client.post("/roster/staff/", {"email": email, **extra})


def link_in_mail() -> str:
    found = re.search(r"http://testserver(/invitations/[A-Za-z0-9_-]+/)", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


def sign_up(link: str, **changes: str) -> Any:
    data = {"first_name": "Nora", "last_name": "Diaz", "password1": PASSWORD,
            "password2": PASSWORD, **changes}
    return Client().post(link, data)


def test_an_invited_liaison_signs_up_from_the_link_and_sees_her_roster(world, admin):
    response = invite(client_for(admin))
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["new.liaison@example.org"]
    link = link_in_mail()
    page = Client().get(link)
    assert page.status_code == 200 and "Lakeview" in page.content.decode()
    client = Client()
    response = client.post(link, {"first_name": "Nora", "last_name": "Diaz",
                                  "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/roster/"
    user = get_user_model().objects.get(email="new.liaison@example.org")
    assert Liaison.objects.get(user=user).facility == world.facility
    assert not Liaison.objects.get(user=user).is_admin
    assert client.get("/roster/").status_code == 200
    # She signs in later by her address and password (allauth).
    again = Client()
    assert again.post("/login/", {"login": "new.liaison@example.org",
                                  "password": PASSWORD}).status_code == 302
    assert again.get("/roster/").status_code == 200


def test_the_link_works_once(world, admin):
    invite(client_for(admin))
    link = link_in_mail()
    assert sign_up(link).status_code == 302
    second = sign_up(link, first_name="Eve")
    assert second.status_code == 409
    assert "already been used" in second.content.decode()
    assert get_user_model().objects.filter(first_name="Eve").count() == 0


def test_an_expired_link_says_so_and_makes_no_account(world, admin, time_machine):
    invite(client_for(admin))
    link = link_in_mail()
    time_machine.move_to(timezone.now() + dt.timedelta(days=8))
    response = sign_up(link)
    assert response.status_code == 409
    assert "expired" in response.content.decode()
    assert not get_user_model().objects.filter(email="new.liaison@example.org").exists()


def test_a_withdrawn_or_unknown_link_is_refused(world, admin):
    invite(client_for(admin))
    link = link_in_mail()
    invitation = LiaisonInvitation.objects.get()
    client_for(admin).post(f"/roster/staff/invitations/{invitation.pk}/cancel/")
    assert "withdrawn" in sign_up(link).content.decode()
    assert Client().get("/invitations/" + "x" * 43 + "/").status_code == 404


def test_bad_sign_up_input_is_shown_at_its_field_and_keeps_the_link_open(world, admin):
    invite(client_for(admin))
    link = link_in_mail()
    differ = sign_up(link, password2="something else entirely")
    assert differ.status_code == 400 and "two passwords differ" in differ.content.decode()
    short = sign_up(link, password1="short", password2="short")
    assert short.status_code == 400
    blank = sign_up(link, first_name="")
    assert blank.status_code == 400
    assert not get_user_model().objects.filter(email="new.liaison@example.org").exists()
    assert sign_up(link).status_code == 302  # still works


def test_the_invitation_as_administrator_gives_the_flag(world, admin):
    invite(client_for(admin), as_admin="on")
    sign_up(link_in_mail())
    assert Liaison.objects.get(user__email="new.liaison@example.org").is_admin


def test_a_signed_in_person_accepts_with_her_account(world, admin):
    invite(client_for(admin), email="someone@example.org")
    person = f.make_user("someone")
    response = client_for(person).post(link_in_mail())
    assert response.status_code == 302
    assert Liaison.objects.get(user=person).facility == world.facility


def test_a_liaison_of_another_facility_cannot_take_a_second_one(world, admin):
    invite(client_for(admin), email="other@example.org")
    response = client_for(world.other_liaison).post(link_in_mail())
    assert response.status_code == 409
    assert Liaison.objects.get(user=world.other_liaison).facility == world.other_facility
    assert LiaisonInvitation.objects.get().accepted_at is None


def test_bad_invite_input(world, admin):
    client = client_for(admin)
    response = invite(client, email="not an address")
    assert response.status_code == 400
    assert not LiaisonInvitation.objects.exists() and not mail.outbox
    world.other_liaison.email = "taken@example.org"
    world.other_liaison.save()
    Liaison.objects.filter(user=world.other_liaison).update(facility=world.facility)
    response = invite(client, email="Taken@example.org")
    assert response.status_code == 400 and "already a liaison here" in response.content.decode()


def test_a_new_invitation_replaces_the_open_one(world, admin):
    client = client_for(admin)
    invite(client)
    first = link_in_mail()
    invite(client)
    assert "withdrawn" in sign_up(first).content.decode()
    assert sign_up(link_in_mail()).status_code == 302


def test_the_administrator_removes_a_liaison_but_not_herself(world, admin):
    helper = f.make_liaison(world.facility)
    client = client_for(admin)
    client.post(f"/roster/staff/liaisons/{helper.liaison.pk}/remove/")
    assert not Liaison.objects.filter(user=helper).exists()
    assert client_for(helper).get("/roster/").status_code == 403
    client.post(f"/roster/staff/liaisons/{admin.liaison.pk}/remove/")
    assert Liaison.objects.filter(user=admin).exists()


@pytest.mark.parametrize("persona", ["liaison", "other_liaison", "caregiver", "coordinator",
                                     "driver"])
def test_only_the_facility_administrator_manages_its_staff(world, persona):
    Liaison.objects.filter(user=world.other_liaison).update(is_admin=True)  # other facility
    helper = f.make_liaison(world.facility)
    user = getattr(world, persona)
    client = client_for(user)
    assert client.get("/roster/staff/").status_code == 403 or persona == "other_liaison"
    invite(client)
    assert not LiaisonInvitation.objects.filter(facility=world.facility).exists()
    client.post(f"/roster/staff/liaisons/{helper.liaison.pk}/remove/")
    assert Liaison.objects.filter(user=helper).exists()


def test_the_other_facilitys_administrator_sees_only_her_own(world):
    Liaison.objects.filter(user=world.other_liaison).update(is_admin=True)
    f.make_liaison(world.facility, "zelda_lakeview")
    page = client_for(world.other_liaison).get("/roster/staff/").content.decode()
    assert world.other_liaison.username in page
    assert "zelda_lakeview" not in page
    invite(client_for(world.other_liaison))
    assert LiaisonInvitation.objects.get().facility == world.other_facility


def test_anonymous_is_sent_to_sign_in(world):
    assert Client().get("/roster/staff/").status_code == 302
    assert Client().post("/roster/staff/", {"email": "x@example.org"}).status_code == 302
    assert not LiaisonInvitation.objects.exists()


# --- people held here and units ------------------------------------------------------------


def resident_form(world: World, **changes: Any) -> dict[str, Any]:
    return {"first_name": "Alma", "last_name": "Reyes", "prison_id": "L-7781",
            "unit": str(world.unit_b.pk), **changes}


def test_a_liaison_adds_a_resident_whom_families_can_then_apply_to_visit(world):
    from visits.models import Resident

    response = client_for(world.liaison).post("/roster/residents/", resident_form(world))
    assert response.status_code == 302
    alma = Resident.objects.get(prison_id="L-7781")
    assert (alma.facility, alma.unit) == (world.facility, world.unit_b)
    client_for(world.liaison).post(f"/roster/residents/{alma.pk}/unit/",
                                   {"unit": str(world.unit_a.pk)})
    alma.refresh_from_db()
    assert alma.unit == world.unit_a


@pytest.mark.parametrize("changes, text", [
    ({"prison_id": ""}, "This field is required"),
    ({"first_name": "  "}, "This field is required"),
    ({"unit": "999999"}, "Select a valid choice"),
])
def test_bad_resident_input_is_refused(world, changes, text):
    from visits.models import Resident

    before = Resident.objects.count()
    response = client_for(world.liaison).post("/roster/residents/",
                                              resident_form(world, **changes))
    assert response.status_code == 400 and text in response.content.decode()
    assert Resident.objects.count() == before


def test_a_taken_id_number_is_refused(world):
    response = client_for(world.liaison).post("/roster/residents/", resident_form(
        world, prison_id=world.resident.prison_id))
    assert response.status_code == 400 and "already has this ID number" in \
        response.content.decode()


def test_residents_and_units_stay_in_their_facility(world):
    from visits.models import HousingUnit, Resident

    other = client_for(world.other_liaison)
    page = other.get("/roster/residents/").content.decode()
    assert world.resident.prison_id not in page
    other.post(f"/roster/residents/{world.resident.pk}/unit/", {"unit": ""})
    world.resident.refresh_from_db()
    assert world.resident.unit == world.unit_a
    other.post("/roster/residents/", resident_form(world))  # a unit of Lakeview
    assert not Resident.objects.filter(prison_id="L-7781").exists()
    for persona in ("caregiver", "coordinator", "driver"):
        assert client_for(getattr(world, persona)).get("/roster/residents/").status_code == 403
    # Units: the facility administrator only.
    client_for(world.liaison).post("/roster/residents/", {"unit_form": "1", "name": "Unit C"})
    assert not HousingUnit.objects.filter(name="Unit C").exists()


def test_the_administrator_adds_a_unit_once(world, admin):
    from visits.models import HousingUnit

    client = client_for(admin)
    assert client.post("/roster/residents/", {"unit_form": "1",
                                              "name": "Unit C"}).status_code == 302
    again = client.post("/roster/residents/", {"unit_form": "1", "name": "unit c"})
    assert again.status_code == 400 and "already a unit" in again.content.decode()
    assert HousingUnit.objects.filter(facility=world.facility, name="Unit C").count() == 1


def test_a_mail_server_that_is_down_gives_a_clear_message_not_an_error(world, admin, settings):
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2}}}
    client = client_for(admin)
    response = client.post("/roster/staff/", {"email": "new.liaison@example.org"}, follow=True)
    assert response.status_code == 200
    assert "could not be emailed" in response.content.decode()
