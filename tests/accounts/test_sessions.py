"""Issue 13: sign out everywhere (allauth's recorded sessions), and the sessions page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests import factories as f
from visits.models import Household

pytestmark = pytest.mark.django_db

PASSWORD = "visit-demo-2026"


def signed_in_client(username: str, agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/login/", {"login": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def household(name: str) -> Household:
    made = f.make_household(name)
    made.caregiver.set_password(PASSWORD)
    made.caregiver.save()
    return made


def test_sign_out_everywhere_ends_every_device_and_her_tokens_only() -> None:
    rosa = household("rosa").caregiver
    household("ana")
    phone, laptop = signed_in_client("rosa", "phone"), signed_in_client("rosa", "laptop")
    other = signed_in_client("ana", "anas-tablet")
    Token.objects.create(user=rosa)
    sessions = phone.get(reverse("usersessions_list"))
    assert sessions.status_code == 200 and "laptop" in sessions.content.decode()
    assert "anas-tablet" not in sessions.content.decode()  # only her own devices
    response = laptop.post(reverse("sign-out-everywhere"), follow=True)
    assert "signed out on every device" in response.content.decode()
    for client in (phone, laptop):
        assert "_auth_user_id" not in client.session
        assert client.get(reverse("household")).status_code == 302  # to the sign-in page
    assert not Token.objects.filter(user=rosa).exists()
    assert other.get(reverse("household")).status_code == 200  # another family stays in


def test_sign_out_everywhere_wants_a_signed_in_post() -> None:
    household("rosa")
    client = signed_in_client("rosa", "phone")
    assert client.get(reverse("sign-out-everywhere")).status_code == 405
    assert "_auth_user_id" in client.session
    anonymous = Client().post(reverse("sign-out-everywhere"))
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_sessions_page_speaks_her_language(lang: str) -> None:
    household("rosa")
    client = signed_in_client("rosa", "phone")
    page = client.get(reverse("usersessions_list"), HTTP_ACCEPT_LANGUAGE=lang)
    assert page.status_code == 200
    assert ("Este teléfono o computadora" if lang == "es" else "This phone or computer"
            ) in page.content.decode()
    data = client.get(reverse("my-data"), HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert ("Cerrar sesión en todas partes" if lang == "es" else "Sign out everywhere") in data
