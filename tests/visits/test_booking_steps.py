"""The booking steps as GOV.UK's prison-visit service shapes them: "whom" skipped when there
is only one person to visit, visits in person before video calls, a way back on each step,
"My requests" in the menu."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories as f
from tests.notifications.test_pages import browser_for, text
from visits.models import Booking, VisitKind

pytestmark = pytest.mark.django_db


def test_one_person_to_visit_skips_whom(world) -> None:
    client = browser_for(world.caregiver)

    response = client.get("/visit/")

    assert response["Location"] == f"/visit/{world.resident.pk}/"
    page = text(client.get(response["Location"]))
    assert "Step 1 of 3" in page and "Back to whom to visit" not in page
    assert "Back to my visits" in page  # a back link on every step, the first one too


def test_two_people_to_visit_start_with_whom(world) -> None:
    f.approve(world.household.visitors.all(), world.other_resident)
    client = browser_for(world.caregiver, "es")

    page = client.get("/visit/")

    assert page.status_code == 200 and "Paso 1 de 4" in text(page)
    sessions = text(client.get(f"/visit/{world.resident.pk}/"))
    assert "Paso 2 de 4" in sessions and "Volver a elegir a quién visitar" in sessions


def test_visits_in_person_come_before_video_calls(world) -> None:
    video = f.make_rule(world.facility, kind=VisitKind.VIDEO, capacity=1)
    earlier = f.make_session(video, starts_at=world.session.starts_at - dt.timedelta(hours=1),
                             minutes=30)
    html = browser_for(world.caregiver).get(f"/visit/{world.resident.pk}/").content.decode()

    in_person = html.index(f"/visit/{world.resident.pk}/{world.session.pk}/")
    assert in_person < html.index(f"/visit/{world.resident.pk}/{earlier.pk}/")
    headings = re.findall(r'<h2 class="kind">(.*?)</h2>', html)
    assert headings == ["Visits in person", "Video calls"]


def test_the_confirm_step_has_a_way_back(world) -> None:
    page = browser_for(world.caregiver).get(f"/visit/{world.resident.pk}/{world.session.pk}/")
    html = page.content.decode()
    assert f'class="back" href="/visit/{world.resident.pk}/"' in html
    assert "Step 2 of 3" in text(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_my_requests_is_in_a_familys_menu_only(world, language) -> None:
    family = browser_for(world.caregiver, language).get("/bookings/").content.decode()
    liaison = browser_for(world.liaison, language).get("/roster/").content.decode()
    assert 'href="/requests/"' in family
    assert 'href="/requests/"' not in liaison


def _confirm_url(world) -> str:
    return f"/visit/{world.resident.pk}/{world.session.pk}/"


def _who(world, **extra) -> dict:
    return {"visitor_ids": [str(v.pk) for v in world.family], "idempotency_key": "k1", **extra}


def test_continue_shows_the_answers_to_check_and_books_nothing_yet(world) -> None:
    client = browser_for(world.caregiver)

    check = client.post(_confirm_url(world), _who(world, interpreter_language="ASL"),
                        follow=True)

    assert check.status_code == 200 and Booking.objects.count() == 0
    assert check.redirect_chain == [(f"{_confirm_url(world)}?check=1", 303)]
    page = text(check)
    assert "Check your answers before booking" in page and "Step 3 of 3" in page
    assert "Rosa" in page and "Sofia" in page and "Interpreter: ASL" in page
    html = check.content.decode()
    # "Change" links back to the time and to who is coming, with her answers kept.
    assert f'href="/visit/{world.resident.pk}/"' in html
    change = re.search(rf'href="({_confirm_url(world)}\?[^"#]+)"', html).group(1)
    again = client.get(change.replace("&amp;", "&"))
    assert 'value="ASL"' in again.content.decode()


def test_change_who_is_coming_keeps_the_unticked_boxes_unticked(world) -> None:
    client = browser_for(world.caregiver)
    client.post(_confirm_url(world), {"visitor_ids": [world.rosa.pk], "idempotency_key": "k"})
    html = client.get(f"{_confirm_url(world)}?change=1").content.decode()
    assert f'value="{world.rosa.pk}" checked' in html
    assert f'value="{world.sofia.pk}" checked' not in html


def test_booking_from_the_check_step_shows_a_reference_and_what_happens_next(world) -> None:
    world.facility.phone = "555 0100"
    world.facility.save()
    client = browser_for(world.caregiver)

    booked = client.post(_confirm_url(world), _who(world, book="1"), follow=True)

    booking = Booking.objects.get()
    page = text(booked)
    assert booked.redirect_chain[-1][0] == f"/bookings/{booking.pk}/booked/"
    assert booking.reference in page and "What happens next" in page
    assert 'href="tel:5550100"' in booked.content.decode()  # the facility's phone, dialable


def test_the_confirmation_in_spanish(world) -> None:
    client = browser_for(world.caregiver, "es")
    booked = client.post(_confirm_url(world), _who(world, book="1"), follow=True)
    page = text(booked)
    assert "Qué pasa ahora" in page and "Su referencia" in page


def test_nobody_ticked_gets_an_error_summary_linking_to_the_boxes(world) -> None:
    for language, title in [("en", "There is a problem"), ("es", "Hay un problema")]:
        page = browser_for(world.caregiver, language).post(_confirm_url(world),
                                                           {"idempotency_key": "k"})
        html = page.content.decode()
        assert page.status_code == 200 and title in html
        assert re.search(r'class="error-summary".*?<a href="#visitors">', html, re.S)
        assert 'id="visitors"' in html
    assert Booking.objects.count() == 0


def test_a_child_alone_is_refused_on_the_form_not_on_the_check_step(world) -> None:
    page = browser_for(world.caregiver).post(
        _confirm_url(world), {"visitor_ids": [str(world.sofia.pk)], "idempotency_key": "k"})
    assert "Check your answers" not in text(page)
    assert 'class="error-summary"' in page.content.decode()
    assert Booking.objects.count() == 0


def test_a_too_long_note_links_to_its_box(world) -> None:
    page = browser_for(world.caregiver).post(_confirm_url(world),
                                             _who(world, support_note="x" * 400))
    assert '<a href="#support_note">' in page.content.decode()
    assert Booking.objects.count() == 0


def test_only_the_household_sees_its_confirmation(world) -> None:
    browser_for(world.caregiver).post(_confirm_url(world), _who(world, book="1"))
    url = f"/bookings/{Booking.objects.get().pk}/booked/"
    assert browser_for(world.caregiver).get(url).status_code == 200
    assert browser_for(world.other_caregiver).get(url).status_code == 404
    assert browser_for(world.liaison).get(url).status_code in {403, 404}


def test_the_check_step_is_a_get_so_back_from_the_confirmation_shows_the_visit(world) -> None:
    client = browser_for(world.caregiver)
    check = client.post(_confirm_url(world), _who(world), follow=True)
    check_url = check.redirect_chain[-1][0]
    assert "Check your answers" in text(check)
    assert "Check your answers" in text(client.get(check_url))  # a reload keeps them
    client.post(_confirm_url(world), _who(world, book="1"))
    again = text(client.get(check_url))  # Back from the confirmation
    assert "You already booked this visit." in again and "Check your answers" not in again


def test_my_visits_says_whom_to_call_with_the_facilitys_phone(world) -> None:
    world.facility.phone = "(555) 010-0199"
    world.facility.save()
    browser_for(world.caregiver).post(_confirm_url(world), _who(world, book="1"))
    html = browser_for(world.caregiver, "es").get("/bookings/").content.decode()
    assert "¿Ya es tarde para cancelar por internet?" in html
    assert 'href="tel:(555)010-0199"' in html
