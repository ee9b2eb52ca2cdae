"""allauth's pages, messages and emails in Spanish speak to her as "usted", like the rest of
the project: allauth's own catalogue says "tú" in places ("Envíame un código", "Introduce el
código"), so scheduler/locale_allauth_usted overrides those strings (settings.LOCALE_PATHS).
"""

from __future__ import annotations

import datetime as dt
import gettext
import html
import os
import re
from pathlib import Path
from typing import Any

import allauth
import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db

# A fixed moment, so nothing here depends on today's date.
NOW = dt.datetime(2026, 3, 7, 18, 30, tzinfo=dt.UTC)
PASSWORD = "grandkids-2026!"
OURS = settings.BASE_DIR / "scheduler" / "locale_allauth_usted"
OUR_PO = OURS / "es" / "LC_MESSAGES" / "django.po"
ALLAUTH_PO = Path(allauth.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po"

# Words that only "tú" uses: its pronouns and possessives, and the verb forms allauth's
# catalogue had ("Envíame", "Introduce", "Has verificado", "Ten paciencia", "estás"...).
TU = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|has|estás|tienes|puedes|quieres|debes|ten|vete|introduce|"
    r"introdúcelo|envíame|olvidaste|regístrate|selecciona)\b", re.IGNORECASE)


def visible(response: Any) -> str:
    """What she reads: the page's text and its placeholders and labels, tags left out."""
    page = response.content.decode()
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    extras = re.findall(r'\b(?:placeholder|aria-label|title|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(" ".join([text, *extras])))


def assert_usted(text: str) -> None:
    found = sorted({match.group(0) for match in TU.finditer(text)})
    assert not found, f"tú in Spanish: {found}\n{text}"


def spanish() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="es")


def sign_up(client: Client, **changes: str) -> Any:
    form = {"email": "abuela@example.org", "phone": "", "password1": PASSWORD,
            "password2": PASSWORD, "first_name": "Carmen", "last_name": "Ruiz",
            "date_of_birth": "1958-05-17"}
    form.update(changes)
    return client.post(reverse("account_signup"), form, follow=True)


def test_the_sign_in_page() -> None:
    page = visible(spanish().get(reverse("account_login")))
    assert "¿Olvidó su contraseña?" in page
    assert "Envíenme un código para iniciar sesión" in page
    assert "¿Ha olvidado" not in page
    assert_usted(page)
    wrong = spanish().post(reverse("account_login"), {"login": "nadie@example.org",
                                                      "password": "not-this-one"})
    assert wrong.status_code == 200
    assert_usted(visible(wrong))


def test_the_sign_up_page() -> None:
    page = visible(spanish().get(reverse("account_signup")))
    assert "¿Ya tiene una cuenta?" in page and "Su fecha de nacimiento" in page
    assert_usted(page)
    mismatch = spanish().post(reverse("account_signup"), {
        "email": "abuela@example.org", "password1": PASSWORD, "password2": "otra-2026!",
        "first_name": "Carmen", "last_name": "Ruiz", "date_of_birth": "1958-05-17"})
    assert "Debe escribir la misma contraseña" in visible(mismatch)
    assert_usted(visible(mismatch))


def test_the_password_reset_pages_and_email(mailoutbox: list) -> None:
    client = spanish()
    page = visible(client.get(reverse("account_reset_password")))
    assert "Restablecer la contraseña" in page
    assert "¿Olvidó su contraseña? Escriba su correo electrónico" in page
    assert "Introduzca" not in page and "Contraseña Saltar" not in page
    assert_usted(page)
    done = client.post(reverse("account_reset_password"), {"email": "nadie@example.org"},
                       follow=True)
    assert_usted(visible(done))
    # Nobody has that address: allauth says so to the address, not on the page.
    (mail,) = mailoutbox
    assert "Si usted no lo pidió, ignore este correo." in mail.body
    assert_usted(mail.subject + " " + mail.body)
    bad_link = client.get(reverse("account_reset_password_from_key",
                                  kwargs={"uidb36": "zz", "key": "used-link"}), follow=True)
    assert "El enlace no es válido" in visible(bad_link)
    assert_usted(visible(bad_link))


def test_the_emailed_code_page_and_its_email(mailoutbox: list) -> None:
    with time_machine.travel(NOW, tick=False) as clock:
        page = visible(sign_up(spanish()))
        assert "Escriba el código que recibió por correo electrónico" in page
        assert_usted(page)
        (mail,) = mailoutbox
        assert "Escríbalo en la página que tiene abierta" in mail.body
        assert_usted(mail.subject + " " + mail.body)
        # Signing up again with her address (past allauth's one-a-minute limit): the
        # address is told, by email, in usted too.
        clock.shift(dt.timedelta(minutes=1))
        sign_up(spanish(), first_name="Otra")
    assert "Pero ya existe una cuenta con ese correo electrónico" in mailoutbox[-1].body
    assert "recuperació " not in mailoutbox[-1].body
    assert_usted(mailoutbox[-1].subject + " " + mailoutbox[-1].body)


@time_machine.travel(NOW, tick=False)
def test_the_texted_code_page_and_the_email_page_without_an_address(sms_outbox: list) -> None:
    client = spanish()
    page = visible(sign_up(client, email="", phone="(555) 123-4567"))
    assert "Escriba el código que recibió por mensaje de texto" in page
    assert "Reenviar Verificación" not in page  # allauth's title for this page
    assert_usted(page)
    too_soon = client.post(reverse("account_verify_phone"), {"action": "resend"}, follow=True)
    assert "Tenga paciencia" in visible(too_soon)
    assert_usted(visible(too_soon))
    code = re.search(r"código es (\S+)\.", sms_outbox[0][1]).group(1)
    proved = client.post(reverse("account_verify_phone"), {"code": code}, follow=True)
    assert "quedó comprobado" in visible(proved)
    assert_usted(visible(proved))
    email_page = visible(client.get(reverse("account_email")))
    assert "Todavía no tiene ningún correo electrónico" in email_page
    assert_usted(email_page)


@time_machine.travel(NOW, tick=False)
def test_signing_in_by_an_emailed_code(mailoutbox: list) -> None:
    user = f.make_household("rosa").caregiver
    user.email = "rosa@example.org"
    user.save()
    client = spanish()
    request_page = client.get(reverse("account_request_login_code"))
    assert_usted(visible(request_page))
    both = client.post(reverse("account_request_login_code"),
                       {"email": "rosa@example.org", "phone": "+15551234567"})
    assert "Por favor, elija solo uno." in visible(both)
    code_page = client.post(reverse("account_request_login_code"),
                            {"email": "rosa@example.org"}, follow=True)
    assert "Escriba el código para iniciar sesión" in visible(code_page)
    assert_usted(visible(code_page))
    (mail,) = mailoutbox
    assert "Abajo está su código para iniciar sesión" in mail.body
    assert_usted(mail.subject + " " + mail.body)


def test_the_sessions_page() -> None:
    user = f.make_household("rosa").caregiver
    user.set_password(PASSWORD)
    user.save()
    client = spanish()
    assert client.post(reverse("login"), {"login": "rosa", "password": PASSWORD}
                       ).status_code == 302
    page = client.get(reverse("usersessions_list"))
    assert page.status_code == 200
    assert "Dónde tengo la sesión iniciada" in visible(page)
    assert_usted(visible(page))


# The catalogue itself.

def po_entries(path: Path) -> dict[tuple[str, str], str]:
    """A .po file's live entries, {(msgctxt, msgid): msgstr} (singular forms only; obsolete
    "#~" entries and the header left out). Enough for these catalogues: no dependency."""
    entries: dict[tuple[str, str], str] = {}
    fields: dict[str, str] = {}
    key = None

    def close() -> None:
        if fields.get("msgid"):
            entries[(fields.get("msgctxt", ""), fields["msgid"])] = fields.get("msgstr", "")
        fields.clear()

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line or line.startswith("#"):
            if not line:
                close()
            continue
        if line.startswith('"'):
            fields[key] += _unquote(line)
            continue
        if line.startswith(("msgctxt ", "msgid ")) and "msgstr" in fields:
            close()  # a new entry with no blank line before it
        key, _, rest = line.partition(" ")
        fields[key] = _unquote(rest)
    return entries


def _unquote(quoted: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r'\\(["\\nt])', lambda m: escapes[m.group(1)], quoted[1:-1])


def project_catalogues() -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(settings.BASE_DIR):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and d != "node_modules"]
        if "django.po" in files and Path(folder) != OUR_PO.parent:
            found.append(Path(folder) / "django.po")
    return found


def test_every_overridden_msgid_is_still_one_of_allauths() -> None:
    """An allauth upgrade that renames a string leaves our translation unused: the page
    would fall back to allauth's own Spanish (tú). Then update the msgid here."""
    ours = po_entries(OUR_PO)
    allauths = po_entries(ALLAUTH_PO)
    assert ours
    gone = [msgid for (context, msgid) in ours if (context, msgid) not in allauths]
    assert not gone, f"no longer in django-allauth {allauth.__version__}: {gone}"


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", text))


def test_each_translation_keeps_its_placeholders_and_the_mo_is_compiled() -> None:
    with OUR_PO.with_suffix(".mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    for (_, msgid), msgstr in po_entries(OUR_PO).items():
        assert placeholders(msgid) == placeholders(msgstr), msgid
        assert msgstr and not TU.search(msgstr), msgid
        assert compiled.gettext(msgid) == msgstr, (
            f"django.mo is older than django.po ({msgid!r}): run msgfmt -c -o ... (see the "
            ".po's header)")


def test_the_project_catalogues_keep_their_own_strings() -> None:
    """locale/ stays first (makemessages writes to the first LOCALE_PATHS entry, and it wins
    for a msgid both hold). A msgid in both would be dead here, or, for the transport
    apps' catalogues (below any LOCALE_PATHS entry), would change their wording."""
    assert [Path(p) for p in settings.LOCALE_PATHS] == [settings.BASE_DIR / "locale", OURS]
    assert OURS.name != "locale"  # makemessages would file scheduler/'s strings there
    ours = set(po_entries(OUR_PO))
    for po in project_catalogues():
        shared = ours & set(po_entries(po))
        assert not shared, f"{po} also holds {sorted(m for _, m in shared)}"
