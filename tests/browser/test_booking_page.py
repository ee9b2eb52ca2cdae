"""A caregiver books a visit on a phone; the liaison confirms it; the pages speak Spanish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, Demo, local_day
from visits.models import Booking, BookingStatus, Resident, Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def book_first_session(page: Page, demo: Demo, *, then_my_visits: bool = True) -> Booking:
    """Rosa books the first open session to see Maria: three taps after signing in (Maria
    is the only person she visits, so "whom" is skipped): when, who, then "Book" on the
    check-your-answers step. The confirmation shows its reference; then she opens "My visits"
    (unless `then_my_visits` is False)."""
    demo.login(page, "rosa")

    expect(page.get_by_role("heading", name="When would you like to see Maria?")).to_be_visible()
    first = page.locator("a.card").first
    chosen_url = first.get_attribute("href")
    first.click()  # tap 1: when

    expect(page.get_by_role("heading", name="Who is coming?")).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile("Rosa"))).to_be_checked()
    page.get_by_role("button", name="Continue").click()  # tap 2: who

    expect(page.get_by_role("heading", name="Check your answers before booking")).to_be_visible()
    expect(page.get_by_role("link", name="Change the time")).to_be_visible()
    page.get_by_role("button", name="Book this visit").click()  # tap 3: book

    session_id = int(chosen_url.rstrip("/").split("/")[-1])
    booking = Booking.objects.get(household__caregiver__username="rosa", session_id=session_id)
    expect(page).to_have_url(re.compile(rf"/bookings/{booking.pk}/booked/$"))
    expect(page.get_by_role("heading", name="Visit booked")).to_be_visible()
    expect(page.get_by_text(booking.reference)).to_be_visible()
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    expect(page.locator(".badge.requested")).to_have_text("Requested")
    if then_my_visits:
        page.get_by_role("link", name="See my visits").click()
        expect(page.locator(f"#booking-{booking.pk} .badge.requested")).to_have_text("Requested")
    return booking


def test_caregiver_books_a_visit_in_three_taps(page: Page, demo: Demo) -> None:
    booking = book_first_session(page, demo)

    assert booking.status == BookingStatus.REQUESTED
    assert booking.resident == Resident.objects.get(prison_id="W48213")
    assert Session.objects.get(pk=booking.session_id).held == 1
    assert Booking.objects.count() == 1
    # The page is usable on the phone: nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_liaison_confirms_the_booking_on_the_roster(browser, page: Page, demo: Demo) -> None:
    booking = book_first_session(page, demo)
    day = local_day(booking.session)

    liaison_context = browser.new_context(viewport={"width": 390, "height": 844})
    liaison = liaison_context.new_page()
    try:
        demo.login(liaison, "liaison")
        expect(liaison).to_have_url(re.compile(r"/roster/"))
        liaison.goto(f"{demo.url}/roster/?date={day.isoformat()}")
        card = liaison.locator(f"#booking-{booking.pk}")
        expect(card).to_contain_text("Maria Lopez")
        expect(card).to_contain_text("Rosa Lopez")
        expect(card.locator(".badge")).to_have_text("Requested")

        card.get_by_role("button", name="Confirm").click()

        expect(liaison.get_by_text("Booking confirmed.")).to_be_visible()
        expect(liaison.locator(f"#booking-{booking.pk} .badge")).to_have_text("Confirmed")
    finally:
        liaison_context.close()

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert Session.objects.get(pk=booking.session_id).held == 1

    # The family sees it too on "My visits", with a message in the inbox.
    page.goto(demo.url + "/bookings/")
    expect(page.locator(f"#booking-{booking.pk} .badge.confirmed")).to_have_text("Confirmed")
    expect(page.get_by_text("Your visit is confirmed")).to_be_visible()


def test_language_selector_switches_the_pages_to_spanish(page: Page, demo: Demo) -> None:
    page.goto(demo.url + "/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    page.get_by_label("Language").select_option("es")  # submits the form by itself

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    page.get_by_label("Correo electrónico, número de celular o nombre de usuario").fill("rosa")
    page.get_by_label("Contraseña").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()

    # Maria is the only person she visits: "whom" is skipped.
    expect(page.get_by_role("heading", name="¿Cuándo desea ver a Maria?")).to_be_visible()
    expect(page.get_by_text("Paso 1 de 3")).to_be_visible()
    expect(page.get_by_role("link", name="Mis visitas", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Los horarios son la hora local de"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Quedan? \d+ lugar")).first).to_be_visible()
    page.locator("a.card").first.click()
    expect(page.get_by_role("heading", name="¿Quiénes van a venir?")).to_be_visible()
    page.get_by_role("button", name="Continuar").click()
    expect(page.get_by_role("heading", name=re.compile("^Revise sus respuestas"))).to_be_visible()
    page.get_by_role("button", name="Reservar esta visita").click()

    expect(page.get_by_role("heading", name="Visita reservada")).to_be_visible()
    expect(page.get_by_role("heading", name="Qué pasa ahora")).to_be_visible()
    expect(page.locator(".badge.requested")).to_have_text("Solicitada")
    # The choice is kept: the next page is Spanish as well.
    page.goto(demo.url + "/visit/")
    expect(page.get_by_role("heading", name="¿Cuándo desea ver a Maria?")).to_be_visible()


def test_help_at_the_facility_stays_out_of_the_address_bar(page: Page, demo: Demo) -> None:
    """Her support note goes by POST: not in the address bar (nor the history or the access
    log); a reload of "check your answers" keeps it and books nothing; "Change" brings it
    back; Back from the confirmation and Book again says she already booked."""
    demo.login(page, "rosa")
    page.locator("a.card").first.click()
    expect(page.get_by_role("heading", name="Who is coming?")).to_be_visible()
    page.get_by_text("Does anyone need help at the facility?").click()
    page.get_by_label("Wheelchair access").check()
    page.get_by_label(re.compile("An interpreter for this language")).fill("Mixteco")
    page.get_by_label("Anything else the facility should have ready").fill(
        "My grandson Mateo uses crutches.")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check your answers before booking")).to_be_visible()
    expect(page.get_by_text("My grandson Mateo uses crutches.")).to_be_visible()
    for word in ("support_note", "interpreter_language", "needs_wheelchair", "Mateo", "Mixteco"):
        assert word not in page.url
    page.reload()  # a GET: no "resend the form?" and her answers are still there
    expect(page.get_by_text("Interpreter: Mixteco")).to_be_visible()
    page.get_by_role("link", name="Change who is coming").click()
    expect(page.get_by_label("Anything else the facility should have ready")).to_have_value(
        "My grandson Mateo uses crutches.")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Book this visit").click()
    expect(page.get_by_role("heading", name="Visit booked")).to_be_visible()
    assert Booking.objects.get(household__caregiver__username="rosa").needs_wheelchair

    page.go_back()  # the check step again (perhaps from the browser's cache); book again
    page.get_by_role("button", name="Book this visit").click()
    expect(page.get_by_text("You already booked this visit.")).to_be_visible()
    assert Booking.objects.count() == 1
