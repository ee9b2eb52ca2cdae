"""A page that can only answer "some of the information is not valid" says what, and offers
the same page again: a liaison with a reversed date range is not left at a dead end."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import World

pytestmark = pytest.mark.django_db


def liaison_client(world: World) -> Client:
    client = Client()
    client.force_login(world.liaison)
    return client


@pytest.mark.parametrize("path", ["/roster/reports/", "/roster/reports/visits.csv"])
def test_a_reversed_range_says_what_to_fix_and_offers_the_page_again(
    world: World, path: str,
) -> None:
    response = liaison_client(world).get(path, {"from": "2026-12-31", "to": "2026-01-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<li>The last day must be on or after the first day.</li>" in page
    assert f'href="{path}"' in page  # the same page, without the bad dates
    assert "Back to the page you were on" in page


def test_a_bad_day_on_the_day_list_says_what_to_fix(world: World) -> None:
    response = liaison_client(world).get("/roster/day-list/", {"date": "abc"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a date such as 2026-12-24." in page
    assert 'href="/roster/day-list/"' in page


def test_the_way_back_is_the_page_she_came_from_when_it_is_ours(world: World) -> None:
    response = liaison_client(world).get(
        "/roster/day-list/", {"date": "abc"}, HTTP_REFERER="http://testserver/roster/")
    assert 'href="/roster/"' in response.content.decode()
    elsewhere: Any = liaison_client(world).get(
        "/roster/day-list/", {"date": "abc"}, HTTP_REFERER="https://evil.example/x")
    assert "evil.example" not in elsewhere.content.decode()
