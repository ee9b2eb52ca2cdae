"""Issue 13: a caregiver signs up on her own, proves her email with a code, signs in."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests import factories as f
from visits.models import Household, Visitor

pytestmark = pytest.mark.django_db

# A fixed local moment, so nothing here depends on today's date.
NOW = dt.datetime(2026, 3, 7, 18, 30, tzinfo=dt.UTC)


def sign_up(client: Client, **changes: Any) -> Any:
    form = {"email": "abuela@example.org", "password1": "grandkids-2026!",
            "password2": "grandkids-2026!", "first_name": "Carmen", "last_name": "Ruiz",
            "date_of_birth": "1958-05-17"}
    form.update(changes)
    return client.post(reverse("account_signup"), form)


def code_from(mail: Any) -> str:
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.body, re.MULTILINE)
    assert match, mail.body
    return match.group(1)


@time_machine.travel(NOW, tick=False)
def test_sign_up_opens_a_household_and_the_code_signs_her_in(
    client: Client, mailoutbox: list
) -> None:
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    household = Household.objects.get(caregiver__email="abuela@example.org")
    me = Visitor.objects.get(household=household)
    assert (me.first_name, me.last_name, me.is_caregiver) == ("Carmen", "Ruiz", True)
    assert "_auth_user_id" not in client.session  # not before the code
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["abuela@example.org"]
    wrong = client.post(reverse("account_email_verification_sent"), {"code": "AAAAAA"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    right = client.post(reverse("account_email_verification_sent"),
                        {"code": code_from(mailoutbox[0])})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(household.caregiver_id)
    assert client.get("/", follow=True).request["PATH_INFO"] == reverse("visit-residents")


def test_an_expired_code_is_refused(client: Client, mailoutbox: list) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        sign_up(client)
        code = code_from(mailoutbox[0])
        clock.shift(dt.timedelta(hours=1))
        response = client.post(reverse("account_email_verification_sent"), {"code": code},
                               follow=True)
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"date_of_birth": "2031-01-01"}, "date_of_birth", "cannot be in the future"),
    ({"date_of_birth": "1026-01-01"}, "date_of_birth", "check the year"),
    ({"date_of_birth": "31/31/1960"}, "date_of_birth", "Enter a valid date"),
    ({"first_name": "   "}, "first_name", "This field is required"),
    ({"email": "not-an-address"}, "email", "valid email"),
    ({"password2": "something-else"}, "password2", "same password"),
])
@time_machine.travel(NOW, tick=False)
def test_bad_sign_up_says_what_to_fix_and_makes_no_account(
    client: Client, changes: dict, field: str, message: str
) -> None:
    response = sign_up(client, **changes)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not get_user_model().objects.exists()
    assert not Household.objects.exists()


def test_an_address_already_in_use_makes_no_second_account(
    client: Client, mailoutbox: list
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        sign_up(client)
        clock.shift(dt.timedelta(minutes=1))
        again = sign_up(Client(), first_name="Otra")
    # allauth does not say on the page that an address is taken (anyone could probe who
    # uses the service); the owner of the address is told by email instead.
    assert again.status_code == 302
    assert get_user_model().objects.count() == 1
    assert Household.objects.count() == 1
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["abuela@example.org"]


@time_machine.travel(NOW, tick=False)
def test_the_sign_up_page_speaks_spanish(client: Client) -> None:
    page = client.get(reverse("account_signup"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Su fecha de nacimiento" in page
    bad = client.post(reverse("account_signup"), {
        "email": "x@example.org", "password1": "grandkids-2026!", "password2": "grandkids-2026!",
        "first_name": "Carmen", "last_name": "Ruiz", "date_of_birth": "2031-01-01"},
        HTTP_ACCEPT_LANGUAGE="es")
    assert "no puede ser en el futuro" in bad.content.decode()


def test_accounts_made_by_staff_sign_in_by_user_name_without_a_code(client: Client) -> None:
    user = f.make_household("rosa").caregiver
    user.set_password("visit-demo-2026")
    user.save()
    response = client.post("/login/", {"login": "rosa", "password": "visit-demo-2026"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@time_machine.travel(NOW, tick=False)
def test_a_verified_caregiver_signs_in_by_email_and_out(client: Client, mailoutbox: list) -> None:
    sign_up(client)
    client.post(reverse("account_email_verification_sent"), {"code": code_from(mailoutbox[0])})
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session
    response = client.post("/login/", {"login": "Abuela@example.org",
                                       "password": "grandkids-2026!"})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@time_machine.travel(NOW, tick=False)
def test_password_reset_mails_a_link_that_sets_a_new_password(
    client: Client, mailoutbox: list
) -> None:
    sign_up(client)
    client.post(reverse("account_email_verification_sent"), {"code": code_from(mailoutbox[0])})
    client.post(reverse("logout"))
    client.post(reverse("account_reset_password"), {"email": "abuela@example.org"})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)",
                     mailoutbox[-1].body).group(1)
    form_page = client.get(link, follow=True)
    client.post(form_page.request["PATH_INFO"], {"password1": "new-one-2026!",
                                                 "password2": "new-one-2026!"})
    response = client.post("/login/", {"login": "abuela@example.org",
                                       "password": "new-one-2026!"})
    assert response.status_code == 302


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password",
                                  "account_email", "account_change_password", "my-data"])
def test_account_pages_open_in_the_projects_look(client: Client, lang: str, name: str) -> None:
    household = f.make_household("rosa")
    household.caregiver.set_password("visit-demo-2026")
    household.caregiver.save()
    if name in {"account_email", "account_change_password", "my-data"}:
        client.force_login(household.caregiver)
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<link rel="stylesheet" href="/static/app.css">' in page
    assert f'<html lang="{lang}">' in page


@time_machine.travel(NOW, tick=False)
def test_she_changes_her_email_by_proving_the_new_address(
    client: Client, mailoutbox: list
) -> None:
    sign_up(client)
    client.post(reverse("account_email_verification_sent"), {"code": code_from(mailoutbox[0])})
    bad = client.post(reverse("account_email"), {"email": "not an address", "action_add": ""})
    assert bad.status_code == 200 and "valid email" in bad.content.decode()
    client.post(reverse("account_email"), {"email": "carmen.new@example.org",
                                            "action_add": ""})
    assert mailoutbox[-1].to == ["carmen.new@example.org"]
    user = get_user_model().objects.get()
    assert user.email == "abuela@example.org"  # the old address until the new one is proved
    client.post(reverse("account_email_verification_sent"), {"code": "WRONG-CODE"})
    assert get_user_model().objects.get().email == "abuela@example.org"
    client.post(reverse("account_email_verification_sent"),
                {"code": code_from(mailoutbox[-1])})
    assert get_user_model().objects.get().email == "carmen.new@example.org"
    client.post(reverse("logout"))
    response = client.post("/login/", {"login": "carmen.new@example.org",
                                       "password": "grandkids-2026!"})
    assert response.status_code == 302 and "_auth_user_id" in client.session
