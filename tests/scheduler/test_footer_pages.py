"""The footer's accessibility statement, privacy notice and contact page: open to anyone,
signed in or not, in both languages, linked from every page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.notifications.test_pages import browser_for, text

pytestmark = pytest.mark.django_db

PAGES = {"/accessibility/": ("Accessibility", "Accesibilidad"),
         "/privacy/": ("Privacy", "Privacidad"), "/contact/": ("Contact", "Contacto")}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(("language", "index"), [("en", 0), ("es", 1)])
def test_each_footer_page_opens_to_anyone_in_her_language(world, path, language,
                                                           index) -> None:
    anonymous = Client()
    anonymous.cookies["django_language"] = language
    for client in (anonymous, browser_for(world.driver, language)):
        response = client.get(path)
        assert response.status_code == 200
        assert f"<h1>{PAGES[path][index]}</h1>" in response.content.decode()


def test_every_page_links_to_the_footer_pages(world) -> None:
    for client, path in [(Client(), "/login/"), (browser_for(world.caregiver), "/bookings/"),
                         (browser_for(world.liaison), "/roster/"), (Client(), "/missing/")]:
        html = client.get(path).content.decode()
        for target in PAGES:
            assert f'href="{target}"' in html, (path, target)


def test_the_contact_page_names_the_facilities_and_the_configured_contact(world,
                                                                         settings) -> None:
    settings.CONTACT_PHONE = "+1 217 555 0100"
    page = text(Client().get("/contact/"))
    assert world.facility.name in page and world.other_facility.name in page
    assert "+1 217 555 0100" in page and "help@example.org" in page
