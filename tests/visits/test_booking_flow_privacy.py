"""Health notes never travel in a URL: the help a family asks for on "who is coming"
(wheelchair, interpreter, a note) goes to "check your answers" by POST, never into the
address bar, the browser's history or the server's access log, and the flow still works:
the check step shows them, "Change" keeps them, a reload keeps them, Back and Book again
says she already booked."""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import unquote_plus

import pytest
from django.test import Client

from tests.notifications.test_pages import browser_for, text
from visits.models import Booking

pytestmark = pytest.mark.django_db

NOTE = "My grandson Mateo uses crutches."
LANGUAGE = "Mixteco"
SENSITIVE = ("support_note", "interpreter_language", "needs_wheelchair", NOTE, LANGUAGE,
             "Mateo", "crutches")


class Walk:
    """A browser on the test client: forms are sent as the page says (method, action,
    hidden fields), and every address asked for or redirected to is noted."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.urls: list[str] = []
        self.links: list[str] = []

    def _note(self, response) -> None:
        query = response.request.get("QUERY_STRING", "")
        self.urls.append(response.request["PATH_INFO"] + (f"?{query}" if query else ""))
        self.urls += [url for url, _ in response.redirect_chain]
        html = response.content.decode()
        self.links += [html_lib.unescape(href) for href in re.findall(r'href="([^"]*)"', html)]
        for form in re.finditer(r"<form\b([^>]*)>", html):
            if 'method="post"' not in form.group(1):
                self.links.append(html_lib.unescape(form.group(0)))

    def get(self, url: str):
        response = self.client.get(url, follow=True)
        self._note(response)
        return response

    def submit(self, response, button: str, **fields: object):
        """Tap `button` on the page as she left it (boxes ticked, boxes typed in), with
        `fields` ticked or typed instead (lists for boxes)."""
        html = response.content.decode()
        form = next(m for m in re.finditer(r"<form\b([^>]*)>(.*?)</form>", html, re.S)
                    if button in m.group(2))
        attributes, body = form.group(1), form.group(2)
        method = re.search(r'method="(\w+)"', attributes).group(1).lower()
        action = re.search(r'action="([^"]*)"', attributes)
        url = html_lib.unescape(action.group(1)) if action else response.request["PATH_INFO"]
        data: dict[str, list[str]] = {}
        for tag in re.findall(r"<input\b[^>]*>", body):
            name, value = re.search(r'name="(\w+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name and value and ('type="checkbox"' not in tag or " checked" in tag):
                data.setdefault(name.group(1), []).append(html_lib.unescape(value.group(1)))
        data.update(fields)
        send = self.client.post if method == "post" else self.client.get
        answer = send(url, data, follow=True)
        self._note(answer)
        return answer

    def assert_nothing_sensitive_in_addresses(self) -> None:
        for address in self.urls + self.links:
            address = re.sub(r"#[\w-]+$", "", address)  # a jump to a box: its id, no data
            for word in SENSITIVE:
                assert word.lower() not in unquote_plus(address).lower(), (word, address)


def test_help_at_the_facility_never_goes_into_an_address(world) -> None:
    walk = Walk(browser_for(world.caregiver))
    confirm = f"/visit/{world.resident.pk}/{world.session.pk}/"
    walk.get(f"/visit/{world.resident.pk}/")
    who = walk.get(confirm)

    check = walk.submit(who, "Continue", visitor_ids=[str(world.rosa.pk)],
                        needs_wheelchair="1", interpreter_language=LANGUAGE,
                        support_note=NOTE)

    page = text(check)
    assert "Check your answers before booking" in page
    assert "Wheelchair access" in page and f"Interpreter: {LANGUAGE}" in page and NOTE in page
    assert "Sofia" not in page  # unticked, and kept so
    reloaded = walk.get(check.redirect_chain[-1][0])  # a reload: the same answers
    assert NOTE in text(reloaded) and Booking.objects.count() == 0
    change = re.search(r'href="([^"]*)">Change<span class="sr-only"> who is coming',
                       reloaded.content.decode()).group(1)
    again = walk.get(html_lib.unescape(change))
    assert f'value="{NOTE}"' in again.content.decode()
    assert f'value="{LANGUAGE}"' in again.content.decode()
    booked = walk.submit(walk.submit(again, "Continue"), "Book this visit")

    booking = Booking.objects.get()
    assert booked.redirect_chain[-1][0] == f"/bookings/{booking.pk}/booked/"
    assert (booking.needs_wheelchair, booking.interpreter_language, booking.support_note) == (
        True, LANGUAGE, NOTE)
    back = walk.get(check.redirect_chain[-1][0])  # Back from the confirmation
    assert "You already booked this visit." in text(back)
    walk.assert_nothing_sensitive_in_addresses()
    assert len(walk.urls) >= 6  # the walk really went through the steps


def test_book_again_from_an_old_check_page_says_she_already_booked(world) -> None:
    walk = Walk(browser_for(world.caregiver))
    who = walk.get(f"/visit/{world.resident.pk}/{world.session.pk}/")
    check = walk.submit(who, "Continue", visitor_ids=[str(world.rosa.pk)], support_note=NOTE)
    walk.submit(check, "Book this visit")

    again = walk.submit(check, "Book this visit")  # Back twice, then the same button

    assert "You already booked this visit." in text(again)
    assert Booking.objects.count() == 1
    walk.assert_nothing_sensitive_in_addresses()


def test_a_refused_note_comes_back_on_the_form_without_an_address(world) -> None:
    walk = Walk(browser_for(world.caregiver, "es"))
    who = walk.get(f"/visit/{world.resident.pk}/{world.session.pk}/")

    refused = walk.submit(who, "Continuar", visitor_ids=[str(world.rosa.pk)],
                          support_note=NOTE + " " + "x" * 300)

    html = refused.content.decode()
    assert '<a href="#support_note">' in html and "Hay un problema" in html
    assert "Mateo uses crutches" in html  # what she typed is still there to shorten
    walk.assert_nothing_sensitive_in_addresses()
    assert not Booking.objects.exists()


def test_answers_lost_between_the_steps_are_said_not_guessed(world) -> None:
    client = browser_for(world.caregiver)
    confirm = f"/visit/{world.resident.pk}/{world.session.pk}/"
    client.post(confirm, {"visitor_ids": [world.rosa.pk], "support_note": NOTE,
                          "idempotency_key": "k"})
    later = browser_for(world.caregiver)  # signed in again: a new session

    page = text(later.get(f"{confirm}?check=1"))

    assert "Your answers were not saved. Please choose who is coming again." in page
    assert "Check your answers before booking" not in page and NOTE not in page


def test_the_check_step_needs_the_forms_csrf_token(world) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.caregiver)
    response = client.post(f"/visit/{world.resident.pk}/{world.session.pk}/",
                           {"visitor_ids": [world.rosa.pk], "support_note": NOTE})
    assert response.status_code == 403
    who = client.get(f"/visit/{world.resident.pk}/{world.session.pk}/").content.decode()
    form = next(m.group(0) for m in re.finditer(r"<form\b.*?</form>", who, re.S)
                if "Continue" in m.group(0))
    assert 'method="post"' in form and 'name="csrfmiddlewaretoken"' in form
