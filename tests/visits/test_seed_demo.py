"""`manage.py seed_demo`: the demo a newcomer gets from `make demo`."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from visits.models import Facility, Household

pytestmark = pytest.mark.django_db


def test_the_demo_prints_its_logins_and_the_address_it_will_be_served_at() -> None:
    out = io.StringIO()
    call_command("seed_demo", "--json", "--url", "http://127.0.0.1:8011", stdout=out)
    report = json.loads(out.getvalue())

    assert report["url"] == "http://127.0.0.1:8011/"
    roles = {login["role"] for login in report["logins"]}
    assert {"caregiver", "liaison", "coordinator", "driver"} <= roles
    assert len({f.time_zone for f in Facility.objects.all()}) >= 2
    assert Household.objects.filter(visitors__date_of_birth__isnull=False).exists()


def test_the_plain_report_names_the_address_and_the_demo_caregiver() -> None:
    out = io.StringIO()
    call_command("seed_demo", "--url", "http://127.0.0.1:9000/", stdout=out)
    text = out.getvalue()
    assert "Demo ready at http://127.0.0.1:9000/" in text
    assert "rosa" in text


def test_every_demo_login_signs_in_with_the_demo_password(client) -> None:
    from scheduler.management.commands.seed_demo import DEMO_PASSWORD

    out = io.StringIO()
    call_command("seed_demo", "--json", "--households", "2", stdout=out)
    usernames = [login["username"] for login in json.loads(out.getvalue())["logins"]]

    assert usernames
    for username in [*usernames, "family0"]:
        answer = client.post("/login/", {"login": username, "password": DEMO_PASSWORD})
        assert answer.status_code == 302, username  # signed in and sent on
        client.logout()
