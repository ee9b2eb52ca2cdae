"""The donation page in a real browser, with the server talking to localstripe.

Stripe's Payment Element comes from js.stripe.com, which this machine cannot reach (and
the test blocks it too, so the result does not depend on the network): the page must say
so plainly and offer to try again, never stay blank. Screenshots at 390 px go to /tmp.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import Page, Route, expect

from tests import factories as f
from tests.browser.conftest import PHONE, Demo
from tests.browser.test_accessibility import PHONE_360, axe_violations, page_problems
from tests.fund.conftest import localstripe, localstripe_server  # noqa: F401 - fixtures
from tests.fund.helpers import donate, refund
from transport.fund.models import Donation, DonationStatus, LedgerEntry
from transport.fund.subsidies import subsidy_grant
from transport.models import Program
from visits.models import Booking, Household, Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = str(Path(tempfile.gettempdir()) / "fund-{}.png")  # /tmp: looked at, not kept


def no_stripe(page: Page) -> list[str]:
    """Block Stripe.js as a phone without a connection would; returns the tries."""
    tries: list[str] = []

    def refuse(route: Route) -> None:
        tries.append(route.request.url)
        route.abort("internetdisconnected")

    page.route("https://js.stripe.com/**", refuse)
    return tries


def test_card_form_that_cannot_load_says_so_and_offers_to_retry(
    page: Page, live_server: Any, localstripe: Any  # noqa: F811 - the fixture
) -> None:
    tries = no_stripe(page)
    page.goto(live_server.url + "/fund/donate/")
    page.get_by_text("Once").click()
    page.get_by_label("Or another amount").fill("25.50")
    expect(page.locator("input[name=preset]:checked")).to_have_count(0)  # one choice shown
    page.get_by_label("Email for your receipt").fill("donor@example.org")
    page.screenshot(path=SHOTS.format("donate"), full_page=True)
    page.get_by_role("button", name="Continue to card details").click()

    expect(page.get_by_role("heading", name="Give 25.50 USD")).to_be_visible()
    alert = page.get_by_role("alert").filter(has_text="The card form could not load.")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Check your internet connection")
    expect(alert).to_contain_text("Nothing has been charged")
    expect(page.get_by_role("button", name="Give 25.50 USD")).to_be_hidden()
    page.screenshot(path=SHOTS.format("card-failed"), full_page=True)

    page.get_by_role("button", name="Try again").click()
    expect(alert).to_be_visible()  # still no connection: the same clear message
    assert len(tries) == 2  # the retry really asked Stripe again

    donation = Donation.objects.get()
    assert donation.amount_cents == 2550 and donation.status == DonationStatus.PENDING
    assert not LedgerEntry.objects.exists()  # nothing lands until Stripe says it was paid


def test_bad_amount_is_explained_next_to_the_field(
    page: Page, live_server: Any, localstripe: Any  # noqa: F811 - the fixture
) -> None:
    page.goto(live_server.url + "/fund/donate/")
    page.get_by_label("Or another amount").fill("0.50")
    page.get_by_label("Email for your receipt").fill("donor@example.org")
    page.get_by_role("button", name="Continue to card details").click()
    expect(page.get_by_text("Please give between 1.00 USD and 10,000.00 USD.")).to_be_visible()
    assert page.get_by_label("Or another amount").input_value() == "0.50"
    assert not Donation.objects.exists()


def give_and_grant() -> None:
    coordinator = get_user_model().objects.get(username="coordinator")
    program_id = coordinator.coordinator.program_id  # grants draw from her program's fund
    try:
        gift = donate(250_00, program_id=program_id)
        donate(40_00, program_id=program_id)
        refund(gift, 20_00)
        for household, kind, cents in zip(Household.objects.order_by("id")[:3],
                                          ("bus_fare", "fuel_card", "bus_fare"),
                                          (18_50, 40_00, 12_00), strict=True):
            subsidy_grant(actor=coordinator, booking_id=a_visit_of(household).pk, kind=kind,
                          amount_cents=cents)
    finally:
        connection.close()


def a_visit_of(household: Household) -> Booking:
    """A booked visit for the household (set up directly, as tests/factories.py does)."""
    visitor = household.visitors.order_by("id").first()
    approval = visitor.approvals.select_related("resident").first()
    session = Session.objects.filter(facility=approval.resident.facility,
                                     status="open").order_by("starts_at").first()
    return f.make_booking(session, approval.resident, household, [visitor])


def test_totals_and_report_at_phone_width(page: Page, demo: Demo) -> None:
    # Granting tells the family over the live channel (async_to_sync), which cannot run in
    # this thread while Playwright's event loop does: set up from another thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(give_and_grant).result()

    page.goto(demo.url + "/fund/")
    expect(page.get_by_role("definition").filter(has_text="270.00 USD")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="70.50 USD")).to_be_visible()
    for household in Household.objects.all():
        expect(page.get_by_text(household.name)).to_have_count(0)
    page.screenshot(path=SHOTS.format("totals"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    demo.login(page, "coordinator")
    page.goto(demo.url + "/fund/subsidies/")
    expect(page.get_by_role("heading", name="Travel help paid")).to_be_visible()
    # Her program's fund: its gifts and its ledger, as tables that fit a phone.
    expect(page.locator("#gifts tbody tr")).to_have_count(2)
    expect(page.locator("#ledger tbody tr")).to_have_count(6)  # 2 gifts, a refund, 3 grants
    page.screenshot(path=SHOTS.format("report"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_with_two_programs_the_donor_picks_one_on_a_phone(
    browser: Any, demo: Demo, language: str
) -> None:
    second = Program.objects.create(name="Danville Family Rides")
    first = Program.objects.exclude(pk=second.pk).get()
    context = browser.new_context(viewport=PHONE_360, locale=f"{language}-US")
    context.add_cookies([{"name": "django_language", "value": language, "url": demo.url}])
    page = context.new_page()
    try:
        page.goto(demo.url + "/fund/donate/")
        assert page_problems(page, language) == []
        page.locator("#id_amount").fill("10")
        page.locator("#id_email").fill("ana@example.org")
        page.locator("form.give button[type=submit]").click()
        error = page.locator("#program-error")  # no program chosen: said by the field
        expect(error).to_have_text("Choose the program your gift goes to." if language == "en"
                                   else "Elija el programa al que va su donativo.")
        expect(page.locator("#id_program")).to_have_attribute("aria-describedby",
                                                              "program-error")
        assert page_problems(page, language) == []
        page.screenshot(path=SHOTS.format(f"two-programs-{language}"), full_page=True)
        assert not Donation.objects.exists()
        # A program's own link preselects it, and offers only its facilities.
        page.goto(demo.url + f"/fund/donate/?program={first.pk}")
        expect(page.locator("#id_program")).to_have_value(str(first.pk))
        assert page_problems(page, language) == []
    finally:
        context.close()


def test_card_form_failure_is_explained_in_spanish(
    browser: Any, live_server: Any, localstripe: Any  # noqa: F811 - the fixture
) -> None:
    context = browser.new_context(viewport=PHONE, locale="es-ES")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        no_stripe(page)
        page.goto(live_server.url + "/fund/donate/")
        page.get_by_label("U otra cantidad").fill("10")
        page.get_by_label("Correo electrónico para su recibo").fill("ana@example.org")
        page.get_by_role("button", name="Continuar con los datos de la tarjeta").click()
        alert = page.get_by_role("alert").filter(
            has_text="No se pudo cargar el formulario de la tarjeta.")
        expect(alert).to_be_visible()
        expect(page.get_by_role("button", name="Intentar de nuevo")).to_be_visible()
        page.screenshot(path=SHOTS.format("card-failed-es"), full_page=True)
    finally:
        context.close()
