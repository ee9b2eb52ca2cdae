"""Every transport model has a working Django admin (list and add pages)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db

MODELS = ["coordinator", "driver", "driverfeed", "vehicle", "driveravailability",
          "riderequest", "trip", "stop", "planrun", "program", "pickuppoint"]


@pytest.mark.parametrize("model", MODELS)
def test_admin_pages_open(model, two_trips):
    admin = f.make_user("boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get(f"/admin/transport/{model}/").status_code == 200
    assert client.get(f"/admin/transport/{model}/add/").status_code == 200


def test_staff_invitations_are_read_only_in_the_admin(two_trips):
    admin = f.make_user("boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    assert client.get("/admin/transport/staffinvitation/").status_code == 200
    assert client.get("/admin/transport/staffinvitation/add/").status_code == 403
    assert client.get("/admin/visits/liaisoninvitation/").status_code == 200
    assert client.get("/admin/visits/liaisoninvitation/add/").status_code == 403
