"""Issue 13: a caregiver without email signs up and signs in with her mobile number; the
code comes by text through the project's SMS backend; she can change her number or email."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from notifications.models import Preference
from visits.models import Household

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 7, 18, 30, tzinfo=dt.UTC)
NUMBER = "+15551234567"


def sign_up(client: Client, **changes: Any) -> Any:
    form = {"email": "", "phone": "(555) 123-4567", "password1": "grandkids-2026!",
            "password2": "grandkids-2026!", "first_name": "Carmen", "last_name": "Ruiz",
            "date_of_birth": "1958-05-17"}
    form.update(changes)
    return client.post(reverse("account_signup"), form, HTTP_ACCEPT_LANGUAGE="en")


def code_in(text: str) -> str:
    match = re.search(r"code is (\S+)\.", text) or re.search(r"código es (\S+)\.", text)
    assert match, text
    return match.group(1)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@time_machine.travel(NOW, tick=False)
def test_she_signs_up_with_a_number_and_the_texted_code_signs_her_in(
    client: Client, sms_outbox: list, mailoutbox: list
) -> None:
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_verify_phone")
    household = Household.objects.get(caregiver__first_name="Carmen")
    assert not signed_in(client)
    assert mailoutbox == [] and [to for to, _ in sms_outbox] == [NUMBER]
    wrong = client.post(reverse("account_verify_phone"), {"code": "AAAAAA"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    assert not signed_in(client)
    right = client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[0][1])})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(household.caregiver_id)
    pref = Preference.objects.get(user=household.caregiver)
    assert (pref.phone, pref.phone_verified, pref.sms_enabled) == (NUMBER, True, True)
    # ...and from then on her number and password sign her in, however she writes it.
    client.post(reverse("logout"))
    again = client.post("/login/", {"login": "+1 555 123 4567", "password": "grandkids-2026!"})
    assert again.status_code == 302 and signed_in(client)


def test_an_expired_texted_code_is_refused(client: Client, sms_outbox: list) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        sign_up(client)
        clock.shift(dt.timedelta(hours=1))
        response = client.post(reverse("account_verify_phone"),
                               {"code": code_in(sms_outbox[0][1])}, follow=True)
    assert not signed_in(client)
    assert response.status_code == 200
    assert not Preference.objects.filter(phone_verified=True).exists()


@time_machine.travel(NOW, tick=False)
def test_three_wrong_codes_end_the_attempt(client: Client, sms_outbox: list) -> None:
    sign_up(client)
    for _ in range(3):
        client.post(reverse("account_verify_phone"), {"code": "AAAAAA"})
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[0][1])})
    assert not signed_in(client)
    assert not Preference.objects.filter(phone_verified=True).exists()


def test_after_three_wrong_codes_her_number_and_password_bring_a_new_code(
    client: Client, sms_outbox: list
) -> None:
    """The attempt ends, but her account is not lost: the page says what to do, her number
    and password then text her a new code, and signing up again makes no second account."""
    with time_machine.travel(NOW, tick=False) as clock:
        sign_up(client)
        for _ in range(3):
            ended = client.post(reverse("account_verify_phone"), {"code": "AAAAAA"},
                                follow=True)
        assert "sign in again with your email address or mobile number and your password" \
            in ended.content.decode()
        clock.shift(dt.timedelta(minutes=2))
        again = client.post("/login/", {"login": "(555) 123-4567",
                                        "password": "grandkids-2026!"})
        assert again.status_code == 302
        assert again["Location"] == reverse("account_verify_phone")
        assert len(sms_outbox) == 2 and sms_outbox[-1][0] == NUMBER
        client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[-1][1])})
        assert signed_in(client)
        clock.shift(dt.timedelta(minutes=2))
        twice = sign_up(Client(), first_name="Carmen")
    assert twice.status_code == 302
    assert get_user_model().objects.count() == 1
    assert Household.objects.count() == 1
    assert "already have one" in sms_outbox[-1][1]


@time_machine.travel(NOW, tick=False)
def test_the_too_many_tries_message_speaks_spanish(client: Client, sms_outbox: list) -> None:
    client.post(reverse("account_signup"), {
        "email": "", "phone": "(555) 123-4567", "password1": "grandkids-2026!",
        "password2": "grandkids-2026!", "first_name": "Carmen", "last_name": "Ruiz",
        "date_of_birth": "1958-05-17"}, HTTP_ACCEPT_LANGUAGE="es")
    for _ in range(3):
        ended = client.post(reverse("account_verify_phone"), {"code": "AAAAAA"}, follow=True,
                            HTTP_ACCEPT_LANGUAGE="es")
    assert "Fueron demasiados intentos" in ended.content.decode()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"phone": ""}, "email", "Give an email address or a mobile number"),
    ({"phone": "12345"}, "phone", "country code"),
    ({"phone": "call me maybe"}, "phone", "country code"),
])
@time_machine.travel(NOW, tick=False)
def test_bad_numbers_say_what_to_fix_and_make_no_account(
    client: Client, sms_outbox: list, changes: dict, field: str, message: str
) -> None:
    response = sign_up(client, **changes)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert not get_user_model().objects.exists() and sms_outbox == []


def test_a_number_already_proved_makes_no_second_account(
    client: Client, sms_outbox: list
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        sign_up(client)
        client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[0][1])})
        other = Client()
        clock.shift(dt.timedelta(minutes=1))
        response = sign_up(other, first_name="Otra")
    # The page does not tell who has an account; the number's owner is told by text.
    assert response.status_code == 302
    assert get_user_model().objects.count() == 1
    assert "already have one" in sms_outbox[-1][1] and sms_outbox[-1][0] == NUMBER
    assert not signed_in(other)


@time_machine.travel(NOW, tick=False)
def test_asking_for_codes_too_fast_says_to_wait(client: Client, sms_outbox: list) -> None:
    sign_up(client)
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[0][1])})
    again = sign_up(Client(), first_name="Otra")  # the same number, seconds later
    assert again.status_code == 429
    assert "wait a minute" in again.content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_code_text_speaks_spanish(client: Client, sms_outbox: list) -> None:
    client.post(reverse("account_signup"), {
        "phone": "5551234567", "password1": "grandkids-2026!", "password2": "grandkids-2026!",
        "first_name": "Carmen", "last_name": "Ruiz", "date_of_birth": "1958-05-17"},
        HTTP_ACCEPT_LANGUAGE="es")
    assert "su código es" in sms_outbox[0][1]


def test_the_code_page_speaks_spanish_down_to_its_change_button(
    client: Client, sms_outbox: list,
) -> None:
    """allauth's own page wrote its "Change" button (a corrected number) in English."""
    client.post(reverse("account_signup"), {
        "phone": "5551234567", "password1": "grandkids-2026!", "password2": "grandkids-2026!",
        "first_name": "Carmen", "last_name": "Ruiz", "date_of_birth": "1958-05-17"},
        HTTP_ACCEPT_LANGUAGE="es")
    page = client.get(reverse("account_verify_phone"), HTTP_ACCEPT_LANGUAGE="es")
    html = page.content.decode()
    assert 'value="change"' in html
    button = html[html.index('value="change"'):]
    button = button[:button.index("</button>")]
    assert "Cambiar" in button and "Change" not in button


@time_machine.travel(NOW, tick=False)
def test_she_changes_her_number_by_proving_the_new_one(
    client: Client, sms_outbox: list
) -> None:
    sign_up(client)
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[0][1])})
    bad = client.post(reverse("account_change_phone"), {"phone": "555"})
    assert bad.status_code == 200 and "country code" in bad.content.decode()
    client.post(reverse("account_change_phone"), {"phone": "555 987 6543"})
    assert sms_outbox[-1][0] == "+15559876543"
    wrong = client.post(reverse("account_verify_phone"), {"code": "AAAAAA"})
    assert wrong.status_code == 200
    pref = Preference.objects.get()
    assert (pref.phone, pref.phone_verified) == (NUMBER, True)  # the old one until proved
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[-1][1])})
    pref.refresh_from_db()
    assert (pref.phone, pref.phone_verified) == ("+15559876543", True)


def test_a_sign_up_never_proved_does_not_keep_the_number_from_its_owner(
    client: Client, sms_outbox: list
) -> None:
    """Someone gave her number at sign-up and never proved it (a slip, or not hers). When
    she, signed in, proves the number is hers, it becomes hers."""
    with time_machine.travel(NOW, tick=False) as clock:
        sign_up(Client(), phone="555 987 6543", first_name="Otra")  # never proved
        clock.shift(dt.timedelta(minutes=2))
        sign_up(client)
        client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[-1][1])})
        clock.shift(dt.timedelta(minutes=2))
        client.post(reverse("account_change_phone"), {"phone": "555 987 6543"})
        assert sms_outbox[-1][0] == "+15559876543"
        proved = client.post(reverse("account_verify_phone"),
                             {"code": code_in(sms_outbox[-1][1])})
    assert proved.status_code == 302, proved.content.decode()[-600:]
    pref = Preference.objects.get(user__first_name="Carmen")
    assert (pref.phone, pref.phone_verified) == ("+15559876543", True)


def test_a_sign_in_code_never_opens_an_account_whose_number_nobody_proved(
    client: Client, sms_outbox: list
) -> None:
    """Someone signed up with a number that is not hers (or mistyped her own) and never
    proved it. The number's real owner asking for a sign-in code must not be let into that
    account: only the password, then a code, finds an unproved number."""
    with time_machine.travel(NOW, tick=False) as clock:
        sign_up(Client(), first_name="Otra", password1="not-carmens-2026!",
                password2="not-carmens-2026!")  # never proved
        clock.shift(dt.timedelta(minutes=2))
        client.post(reverse("account_request_login_code"), {"phone": "(555) 123-4567"})
        codes = [text for _to, text in sms_outbox[1:] if "code is" in text]
        if codes:  # (the bug: one is texted, and it opens her the other account)
            client.post(reverse("account_confirm_login_code"), {"code": code_in(codes[-1])})
        assert not signed_in(client)
    assert codes == []
    assert not Preference.objects.filter(phone_verified=True).exists()


def test_a_sign_up_never_proved_does_not_stop_the_numbers_owner_signing_up(
    client: Client, sms_outbox: list
) -> None:
    """Someone else gave her number at sign-up and never proved it: she still opens her own
    account with it (not told she has one, with a password she never chose)."""
    with time_machine.travel(NOW, tick=False) as clock:
        sign_up(Client(), first_name="Otra", password1="not-carmens-2026!",
                password2="not-carmens-2026!")  # never proved
        clock.shift(dt.timedelta(minutes=2))
        sign_up(client)
        client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[-1][1])})
        assert client.session.get("_auth_user_id") == str(
            get_user_model().objects.get(first_name="Carmen").pk)
    pref = Preference.objects.get(user__first_name="Carmen")
    assert (pref.phone, pref.phone_verified) == (NUMBER, True)


def test_a_number_typed_on_the_preferences_page_does_not_sign_in() -> None:
    from notifications.preferences import preference_update
    from tests import factories as f

    user = f.make_household("rosa").caregiver
    user.set_password("grandkids-2026!")
    user.save()
    preference_update(user=user, phone="+15550001111", sms_enabled=True)
    client = Client()
    response = client.post("/login/", {"login": "+15550001111",
                                       "password": "grandkids-2026!"})
    assert response.status_code == 200 and not signed_in(client)


@time_machine.travel(NOW, tick=False)
def test_her_sign_in_number_changes_only_by_proving_the_new_one(
    client: Client, sms_outbox: list
) -> None:
    """Changed on the settings page, unproved, it would lock her out: the page says where."""
    from notifications.preferences import InvalidInput, preference_update

    sign_up(client)
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[0][1])})
    user = get_user_model().objects.get()
    with pytest.raises(InvalidInput) as refused:
        preference_update(user=user, phone="+15550001111", sms_enabled=False)
    assert "Change my mobile number" in str(refused.value.fields["phone"])
    pref = Preference.objects.get()
    assert (pref.phone, pref.sms_enabled) == (NUMBER, True)  # nothing half-saved
    preference_update(user=user, sms_enabled=False)  # the rest of the page still saves
    client.post(reverse("logout"))
    again = client.post("/login/", {"login": NUMBER, "password": "grandkids-2026!"})
    assert again.status_code == 302


@time_machine.travel(NOW, tick=False)
def test_wrong_passwords_for_a_number_are_counted_however_it_is_written(
    client: Client, sms_outbox: list
) -> None:
    sign_up(client)
    client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[0][1])})
    client.post(reverse("logout"))
    spellings = ["+15551234567", "(555) 123-4567", "555 123 4567", "1-555-123-4567"]
    codes = [client.post("/login/", {"login": spellings[n % 4], "password": f"wrong-{n}"})
             .status_code for n in range(12)]
    assert codes[0] == 200 and codes[-1] == 429
    locked = client.post("/login/", {"login": "555.123.4567", "password": "grandkids-2026!"})
    assert locked.status_code == 429 and "Too many wrong passwords" in locked.content.decode()


@time_machine.travel(NOW, tick=False)
def test_with_an_address_and_a_number_she_proves_both(
    client: Client, sms_outbox: list, mailoutbox: list
) -> None:
    response = sign_up(client, email="abuela@example.org")
    assert response["Location"] == reverse("account_verify_phone")  # the text first
    after_text = client.post(reverse("account_verify_phone"),
                             {"code": code_in(sms_outbox[-1][1])})
    assert after_text["Location"] == reverse("account_email_verification_sent")
    assert not signed_in(client)
    mailed = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mailoutbox[0].body, re.M).group(1)
    client.post(reverse("account_email_verification_sent"), {"code": mailed})
    assert signed_in(client)
    pref = Preference.objects.get()
    assert pref.phone_verified and not pref.sms_enabled  # she has email: texts stay her choice


def test_a_forgotten_password_without_email_is_a_texted_sign_in_code(
    client: Client, sms_outbox: list
) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        sign_up(client)
        client.post(reverse("account_verify_phone"), {"code": code_in(sms_outbox[0][1])})
        client.post(reverse("logout"))
        clock.shift(dt.timedelta(minutes=2))
        page = client.get(reverse("account_login")).content.decode()
        assert reverse("account_request_login_code") in page
        unknown = client.post(reverse("account_request_login_code"), {"phone": "12"})
        assert unknown.status_code == 200 and "country code" in unknown.content.decode()
        client.post(reverse("account_request_login_code"), {"phone": "(555) 123-4567"})
        assert len(sms_outbox) == 2 and sms_outbox[-1][0] == NUMBER
        wrong = client.post(reverse("account_confirm_login_code"), {"code": "AAAAAA"})
        assert wrong.status_code == 200 and not signed_in(client)
        client.post(reverse("account_confirm_login_code"), {"code": code_in(sms_outbox[-1][1])})
        assert signed_in(client)


def test_asking_for_sign_in_codes_too_often_says_to_wait_not_to_use_a_password(
    sms_outbox: list,
) -> None:
    """Someone without a password asks for a sign-in code for her number again and again,
    from fresh pages: she is told to wait, not to sign in with a password she may not have."""
    with time_machine.travel(NOW, tick=False):
        for _ in range(4):
            page = Client().post(reverse("account_request_login_code"),
                                 {"phone": "(555) 123-4567"}, follow=True).content.decode()
    assert "Too many codes were asked for. Please wait a few minutes" in page
    assert "your password" not in page
