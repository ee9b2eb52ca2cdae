"""The Django admin never skips the services: closures, a session's status and capacity,
and approvals are shown, not written."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from visits.models import ApprovedVisitor, Closure, SessionStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.org", "pw-12345678")
    client = Client()
    client.force_login(user)
    return client


def test_closures_cannot_be_added_in_the_admin(admin_client_: Client) -> None:
    assert admin_client_.get("/admin/visits/closure/add/").status_code == 403
    assert admin_client_.get("/admin/visits/closure/").status_code == 200
    assert not Closure.objects.exists()


def test_a_sessions_status_and_capacity_are_read_only(admin_client_: Client, world) -> None:
    session = world.session
    page = admin_client_.get(f"/admin/visits/session/{session.pk}/change/").content.decode()
    assert 'name="status"' not in page and 'name="capacity"' not in page
    admin_client_.post(f"/admin/visits/session/{session.pk}/change/",
                       {"status": SessionStatus.CLOSED, "capacity": 0})
    session.refresh_from_db()
    assert session.status == SessionStatus.OPEN and session.capacity > 0


def test_an_approvals_status_is_read_only(admin_client_: Client, world) -> None:
    approval = ApprovedVisitor.objects.first()
    page = admin_client_.get(f"/admin/visits/approvedvisitor/{approval.pk}/change/")
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
