"""The booking steps as GOV.UK's prison-visit service shapes them: "whom" skipped when there
is only one person to visit, visits in person before video calls, a way back on each step,
"My requests" in the menu."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests import factories as f
from tests.notifications.test_pages import browser_for, text
from visits.models import VisitKind

pytestmark = pytest.mark.django_db


def test_one_person_to_visit_skips_whom(world) -> None:
    client = browser_for(world.caregiver)

    response = client.get("/visit/")

    assert response["Location"] == f"/visit/{world.resident.pk}/"
    page = text(client.get(response["Location"]))
    assert "Step 1 of 2" in page and "Back to whom to visit" not in page


def test_two_people_to_visit_start_with_whom(world) -> None:
    f.approve(world.household.visitors.all(), world.other_resident)
    client = browser_for(world.caregiver, "es")

    page = client.get("/visit/")

    assert page.status_code == 200 and "Paso 1 de 3" in text(page)
    sessions = text(client.get(f"/visit/{world.resident.pk}/"))
    assert "Paso 2 de 3" in sessions and "Volver a elegir a quién visitar" in sessions


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
    assert "Step 2 of 2" in text(page)


@pytest.mark.parametrize("language", ["en", "es"])
def test_my_requests_is_in_a_familys_menu_only(world, language) -> None:
    family = browser_for(world.caregiver, language).get("/bookings/").content.decode()
    liaison = browser_for(world.liaison, language).get("/roster/").content.decode()
    assert 'href="/requests/"' in family
    assert 'href="/requests/"' not in liaison
