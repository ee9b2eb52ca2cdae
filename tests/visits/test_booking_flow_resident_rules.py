"""Rules about the resident (visits per week, a visit at the same time) as a family reads
them: naming the resident, at the top of the page (the error summary, linking to the
visit), never drawn on her family's checkboxes; and a full session does not offer its
waiting list for a visit those rules already refuse."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories as f
from tests.notifications.test_pages import browser_for, text
from visits.models import Booking, BookingStatus

pytestmark = pytest.mark.django_db

FULL = "This session is full. You can join its waiting list."
QUOTA = "Maria already has 2 visits booked that week, the most allowed."
BUSY = "Maria already has a visit booked at that time."


def confirm_url(world) -> str:
    return f"/visit/{world.resident.pk}/{world.session.pk}/"


def fill_up(world) -> None:
    f.fill(world.session, world.facility, world.session.capacity)


def other_family_books_maria(world, *, hours_later: float) -> None:
    """Linda's family books Maria the same day (the weekly quota in the factories is 2)."""
    later = f.make_session(world.rule,
                           starts_at=world.session.starts_at + dt.timedelta(hours=hours_later))
    f.make_booking(later, world.resident, world.other_household)


def reach_the_weekly_quota(world) -> None:
    other_family_books_maria(world, hours_later=3)
    other_family_books_maria(world, hours_later=6)


def summary(html: str) -> list[tuple[str, str]]:
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.findall(r'<a href="#([\w-]+)">(.*?)</a>', found.group(0)) if found else []


def people_boxes(html: str) -> str:
    found = re.search(r'<fieldset id="visitors".*?</fieldset>', html, re.S)
    return found.group(0) if found else ""


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["There is a problem", "Who is coming?", "Choose another time"]),
    ("es", ["Hay un problema", "¿Quiénes van a venir?", "Elegir otro horario"]),
])
def test_a_full_session_the_quota_refuses_offers_no_waiting_list(world, language,
                                                                  words) -> None:
    fill_up(world)
    reach_the_weekly_quota(world)

    page = browser_for(world.caregiver, language).get(confirm_url(world))

    html = page.content.decode()
    assert summary(html) == [("visit", QUOTA if language == "en" else
                                "Maria ya tiene 2 visitas reservadas esa semana, el máximo "
                                "permitido.")]
    assert all(word in text(page) for word in words), text(page)
    assert 'src="/static/error_summary.js"' in html  # focused on load, as on other forms
    assert FULL not in text(page) and "lista de espera" not in text(page)
    assert 'name="waitlist"' not in html and not people_boxes(html)
    assert "This person" not in html and "Esta persona" not in html
    assert "Linda" not in html and "Brooks" not in html


def test_the_quota_after_continue_is_about_maria_not_the_boxes(world) -> None:
    reach_the_weekly_quota(world)

    page = browser_for(world.caregiver).post(confirm_url(world), {
        "visitor_ids": [world.rosa.pk], "idempotency_key": "k"})

    html = page.content.decode()
    assert page.status_code == 200 and summary(html) == [("visit", QUOTA)]
    assert 'id="visit"' in html
    assert QUOTA not in people_boxes(html) and "has-error" not in people_boxes(html)
    assert "Check your answers" not in text(page) and not Booking.objects.filter(
        household=world.household).exists()


@pytest.mark.parametrize("full", [False, True])
def test_a_visit_at_that_time_names_maria_and_not_the_other_family(world, full) -> None:
    if full:
        fill_up(world)
    other_family_books_maria(world, hours_later=1)  # overlaps her 2-hour visit

    page = browser_for(world.caregiver).post(confirm_url(world), {
        "visitor_ids": [world.rosa.pk], "idempotency_key": "k", "waitlist": "1"})

    html = page.content.decode()
    assert summary(html) == [("visit", BUSY)]
    assert "This person" not in html and FULL not in text(page)
    assert "Linda" not in html and "Brooks" not in html and "Jaylen" not in html
    assert BUSY not in people_boxes(html)


def test_spanish_pages_no_longer_say_esta_persona(world) -> None:
    reach_the_weekly_quota(world)
    page = browser_for(world.caregiver, "es").post(confirm_url(world), {
        "visitor_ids": [world.rosa.pk], "idempotency_key": "k"})
    assert summary(page.content.decode()) == [
        ("visit", "Maria ya tiene 2 visitas reservadas esa semana, el máximo permitido.")]
    assert "Esta persona" not in text(page) and "Hay un problema" in text(page)


def test_a_full_session_the_rules_allow_still_offers_its_waiting_list(world) -> None:
    fill_up(world)
    client = browser_for(world.caregiver)

    who = client.get(confirm_url(world))
    assert FULL in text(who) and 'name="waitlist" value="1"' in who.content.decode()
    check = client.post(confirm_url(world), {"visitor_ids": [world.rosa.pk],
                                             "idempotency_key": "k", "waitlist": "1"},
                        follow=True)
    assert "Join the waiting list" in text(check)
    client.post(confirm_url(world), {"visitor_ids": [world.rosa.pk], "idempotency_key": "k",
                                     "waitlist": "1", "book": "1"})
    assert Booking.objects.get(household=world.household).status == BookingStatus.WAITLISTED


def test_a_problem_with_who_is_coming_still_goes_on_the_boxes(world) -> None:
    """Rosa herself is busy at that time (with another resident): that one she can fix by
    choosing who comes, so the waiting list is still offered and the problem is hers."""
    fill_up(world)
    elsewhere = f.make_session(world.rule,
                               starts_at=world.session.starts_at + dt.timedelta(hours=1))
    f.make_booking(elsewhere, world.other_resident, world.household, [world.rosa])
    client = browser_for(world.caregiver)

    assert FULL in text(client.get(confirm_url(world)))
    page = client.post(confirm_url(world), {"visitor_ids": [world.rosa.pk, world.sofia.pk],
                                            "idempotency_key": "k", "waitlist": "1"})

    html = page.content.decode()
    problem = "Rosa is already booked for another visit at that time."
    assert ("visitors", problem) in summary(html)
    assert problem in people_boxes(html) and "has-error" in people_boxes(html)
