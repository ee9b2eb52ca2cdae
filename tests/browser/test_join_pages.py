"""Issue 13, "done when": a new caregiver joins on her own from a 360 px phone, in English and
in Spanish: signs up, types the code from her email, adds two children, applies to visit with
each child's consent, the liaison approves on her page, and she books her first visit; then
downloads her data and deletes her account, and nothing of hers remains but nameless rows."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import CHROMIUM_ARGS, Demo  # noqa: F401  (same browser setup)
from tests.remains import rows_naming
from transport.fund.models import LedgerEntry
from visits.models import (
    ApplicationStatus,
    Booking,
    BookingStatus,
    Household,
    Resident,
    VisitApplication,
    Visitor,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 360, "height": 760}
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PDF = b"%PDF-1.4\n% a signed consent form\n"

WORDS = {
    "en": {"signup": "Sign Up", "confirm": "Confirm", "add": "Add to my family",
           "apply": "Apply to visit someone", "send": "Send my application",
           "approve": "Approve", "book": "Book this visit", "continue": "Continue",
           "who": "Who would you like to visit?",
           "sent": "Your application is sent", "download": "Download my data",
           "delete": "Delete my account for good", "change_number": "Change my mobile number",
           "where": "Where I am signed in", "everywhere": "Sign out everywhere"},
    "es": {"signup": "Registrarse", "confirm": "Confirmar", "add": "Agregar a mi familia",
           "apply": "Solicitar visitar a alguien", "send": "Enviar mi solicitud",
           "approve": "Aprobar", "book": "Reservar esta visita", "continue": "Continuar",
           "who": "¿A quién desea visitar?", "sent": "Su solicitud está enviada",
           "download": "Descargar mis datos", "delete": "Borrar mi cuenta para siempre",
           "change_number": "Cambiar mi número de celular",
           "where": "Dónde tengo la sesión iniciada",
           "everywhere": "Cerrar sesión en todas partes"},
}


def shot(page: Page, name: str) -> None:
    """Keep a 360 px picture to look at, and check nothing scrolls sideways."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"join-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], name


def phone(browser: Browser, demo: Demo, lang: str) -> Page:
    context = browser.new_context(viewport=NARROW, locale="es-US" if lang == "es" else "en-US")
    context.add_cookies([{"name": "django_language", "value": lang, "url": demo.url}])
    context.set_default_timeout(15_000)
    return context.new_page()


def sign_up(page: Page, demo: Demo, lang: str, email: str, mailoutbox: list) -> None:
    words = WORDS[lang]
    page.goto(demo.url + "/accounts/signup/")
    shot(page, f"{lang}-01-signup")
    page.fill("#id_email", email)
    page.fill("#id_password1", "grandkids-2026!")
    page.fill("#id_password2", "grandkids-2026!")
    page.fill("#id_first_name", "Carmen")
    page.fill("#id_last_name", "Ruiz")
    page.fill("#id_date_of_birth", "1958-05-17")
    page.get_by_role("button", name=words["signup"], exact=True).click()
    expect(page.locator("#id_code")).to_be_visible()
    shot(page, f"{lang}-02-code")
    page.fill("#id_code", "WRONG-CODE")
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.locator(".errorlist")).to_be_visible()
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mailoutbox[-1].body, re.M).group(1)
    page.fill("#id_code", code)
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.get_by_role("heading", name=words["who"])).to_be_visible()


def add_children(page: Page, demo: Demo, lang: str) -> None:
    page.goto(demo.url + "/family/")
    for name, born in (("Lucia", "2019-03-01"), ("Mateo", "2014-06-15")):
        page.fill("#id_new-first_name", name)
        page.fill("#id_new-last_name", "Ruiz")
        page.fill("#id_new-date_of_birth", born)
        page.get_by_role("button", name=WORDS[lang]["add"]).click()
        expect(page.locator(".messages .success")).to_contain_text(name)
    shot(page, f"{lang}-03-family")


def apply(page: Page, demo: Demo, lang: str, tmp_path: Path) -> None:
    form = tmp_path / "consent.pdf"
    form.write_bytes(PDF)
    page.goto(demo.url + "/applications/")
    page.get_by_role("link", name=WORDS[lang]["apply"]).click()
    page.select_option("#id_facility", label="Lakeview Women's Correctional Center")
    page.fill("#id_resident_name", "Maria Lopez")
    for box in page.locator("input[name=visitor_ids]").all():
        box.check()
    for consent in page.locator("fieldset.consent").all():
        consent.locator("input[type=text]").fill("Maria Lopez")
        consent.locator("input[type=date]").fill("2025-11-01")
    page.locator("fieldset.consent input[type=file]").first.set_input_files(str(form))
    shot(page, f"{lang}-04-apply")
    page.get_by_role("button", name=WORDS[lang]["send"]).click()
    expect(page.locator(".messages .success")).to_contain_text(WORDS[lang]["sent"])
    shot(page, f"{lang}-05-applications")


def liaison_approves(browser: Browser, demo: Demo, lang: str) -> None:
    page = phone(browser, demo, lang)
    demo_login(page, demo, "liaison")
    page.goto(demo.url + "/roster/applications/")
    shot(page, f"{lang}-06-queue")
    page.locator("a.card").filter(has_text="Carmen Ruiz").first.click()
    page.select_option("#resident_id", value=str(Resident.objects.get(prison_id="W48213").pk))
    page.fill("#expires_on", "2099-12-31")
    shot(page, f"{lang}-07-review")
    page.get_by_role("button", name=WORDS[lang]["approve"], exact=True).click()
    expect(page.locator(".messages .success")).to_be_visible()
    page.context.close()


def demo_login(page: Page, demo: Demo, username: str) -> None:
    page.goto(demo.url + "/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", "visit-demo-2026")
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def books_first_visit(page: Page, demo: Demo, lang: str) -> None:
    page.goto(demo.url + "/visit/")  # Maria is the only one she may visit: "whom" is skipped
    page.locator("a.card.slot").first.click()
    page.get_by_role("button", name=WORDS[lang]["continue"]).click()
    page.get_by_role("button", name=WORDS[lang]["book"]).click()
    expect(page).to_have_url(re.compile(r"/bookings/\d+/booked/$"))
    shot(page, f"{lang}-08-booked")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_new_caregiver_joins_and_books_her_first_visit(
    browser: Browser, demo: Demo, mailoutbox: list, tmp_path: Path, settings, lang: str
) -> None:
    settings.STORAGES = {**settings.STORAGES, "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "private")}}}
    email = f"carmen.{lang}@example.org"
    page = phone(browser, demo, lang)
    ledger = list(LedgerEntry.objects.values_list("pk", flat=True))
    sign_up(page, demo, lang, email, mailoutbox)
    add_children(page, demo, lang)
    apply(page, demo, lang, tmp_path)
    liaison_approves(browser, demo, lang)
    application = VisitApplication.objects.get(household__caregiver__email=email)
    assert application.status == ApplicationStatus.APPROVED
    books_first_visit(page, demo, lang)
    booking = Booking.objects.get(household__caregiver__email=email)
    assert booking.visitors.count() == 3
    downloads_and_deletes(page, demo, lang)
    household = Household.objects.get(pk=booking.household_id)
    assert household.closed_at is not None
    assert not Visitor.objects.filter(household=household).exclude(first_name="—").exists()
    assert not VisitApplication.objects.filter(household=household).exists()
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    assert not get_user_model().objects.filter(email=email).exists()
    # Nothing anywhere names her, her grandchildren or her address any more: what stays is
    # nameless (a cancelled booking, blanked people) and the travel fund's ledger.
    assert rows_naming(email, "Ruiz", "Lucia Ruiz", "Mateo Ruiz") == []
    assert LedgerEntry.objects.filter(pk__in=ledger).count() == len(ledger)  # untouched
    page.context.close()


def downloads_and_deletes(page: Page, demo: Demo, lang: str) -> None:
    page.goto(demo.url + "/my-data/")
    shot(page, f"{lang}-09-my-data")
    with page.expect_download() as download:
        page.get_by_role("link", name=WORDS[lang]["download"]).click()
    archive = zipfile.ZipFile(download.value.path())
    data = json.loads(archive.read("data.json"))
    assert {p["first_name"] for p in data["people"]} == {"Carmen", "Lucia", "Mateo"}
    assert any(name.startswith("documents/") for name in archive.namelist())
    page.fill("#id_password", "grandkids-2026!")
    page.get_by_role("button", name=WORDS[lang]["delete"]).click()
    expect(page.locator("#id_login")).to_be_visible()
    shot(page, f"{lang}-10-deleted")


NEW_NUMBER = {"en": "(555) 010-2233", "es": "555 010 4455"}


def code_texted(sms_outbox: list) -> str:
    return re.search(r"(?:code is|código es) (\S+)\.", sms_outbox[-1][1]).group(1)


def checked(page: Page, lang: str, name: str) -> None:
    """The 360 px picture, and axe-core finds nothing (nor English words on a Spanish page)."""
    from tests.browser.test_accessibility import page_problems

    shot(page, name)
    assert page_problems(page, lang) == [], name


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_grandmother_without_email_joins_by_text_message_and_signs_out_everywhere(
    browser: Browser, demo: Demo, sms_outbox: list, lang: str
) -> None:
    """Sign up with a mobile number, the code from the text, change the number (proved by a
    new code), see where she is signed in, and sign out everywhere."""
    words = WORDS[lang]
    page = phone(browser, demo, lang)
    page.goto(demo.url + "/accounts/signup/")
    page.fill("#id_phone", "(555) 010-1122" if lang == "en" else "555 010 3344")
    page.fill("#id_password1", "grandkids-2026!")
    page.fill("#id_password2", "grandkids-2026!")
    page.fill("#id_first_name", "Dolores")
    page.fill("#id_last_name", "Quintanilla")
    page.fill("#id_date_of_birth", "1952-09-30")
    page.get_by_role("button", name=words["signup"], exact=True).click()
    expect(page.locator("#id_code")).to_be_visible()
    checked(page, lang, f"{lang}-21-text-code")
    page.fill("#id_code", code_texted(sms_outbox))
    page.get_by_role("button", name=words["confirm"]).click()
    expect(page.get_by_role("heading", name=words["who"])).to_be_visible()
    page.goto(demo.url + "/my-data/")
    checked(page, lang, f"{lang}-22-my-data")
    page.get_by_role("link", name=words["change_number"]).click()
    checked(page, lang, f"{lang}-23-change-number")
    page.fill("#id_phone", NEW_NUMBER[lang])
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#id_code")).to_be_visible()
    page.fill("#id_code", code_texted(sms_outbox))
    page.get_by_role("button", name=words["confirm"]).click()
    page.goto(demo.url + "/my-data/")
    page.get_by_role("link", name=words["where"]).click()
    checked(page, lang, f"{lang}-24-sessions")
    page.goto(demo.url + "/my-data/")
    page.get_by_role("button", name=words["everywhere"]).click()
    expect(page.locator("#id_login")).to_be_visible()
    checked(page, lang, f"{lang}-25-signed-out")
    # The new number, written her own way, signs her in; the old one no longer does.
    page.fill("#id_login", NEW_NUMBER[lang])
    page.fill("#id_password", "grandkids-2026!")
    page.locator("main button[type=submit]").click()
    expect(page.get_by_role("heading", name=words["who"])).to_be_visible()
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_sign_in_code_pages_fit_a_phone(browser: Browser, demo: Demo, lang: str) -> None:
    """No password and no email: the sign-in page offers a code by text instead."""
    page = phone(browser, demo, lang)
    page.goto(demo.url + "/login/")
    page.locator("a[href^='/accounts/login/code/']").first.click()
    expect(page.locator("#id_phone")).to_be_visible()
    checked(page, lang, f"{lang}-26-ask-a-code")
    page.context.close()
