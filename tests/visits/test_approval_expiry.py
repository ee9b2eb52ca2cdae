"""Issue 13: an approval past its expiry day is marked run out by the periodic sweep, in the
facility's own calendar; the family is told (warned when visits are booked after that
day) and the roster flags those visits for the liaison."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from notifications.models import Event
from tests import factories as f
from tests.conftest import World
from visits.models import (
    ApplicationAudit,
    ApplicationStatus,
    ApprovedVisitor,
    AuditAction,
    Household,
    VisitApplication,
)
from visits.services import applications_expire_due

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
UNTIL = dt.date(2027, 3, 13)  # the eve of the spring DST change in Chicago
LAST_NIGHT = dt.datetime(2027, 3, 13, 23, 30, tzinfo=CHICAGO)  # 05:30 UTC on the 14th
NEXT_MORNING = dt.datetime(2027, 3, 14, 7, 0, tzinfo=CHICAGO)


def approved(world: World, household: Household) -> VisitApplication:
    application = VisitApplication.objects.create(
        household=household, facility=world.facility, resident_name="Maria Lopez",
        resident=world.resident, status=ApplicationStatus.APPROVED, expires_on=UNTIL)
    ApprovedVisitor.objects.filter(visitor__household=household).update(expires_on=UNTIL)
    return application


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_sweep_marks_it_run_out_tells_her_and_the_roster_flags_her_visit(
    world: World,
) -> None:
    application = approved(world, world.household)
    later = f.make_session(world.rule, starts_at=dt.datetime(2027, 3, 20, 10, 0,
                                                             tzinfo=CHICAGO))
    booking = f.make_booking(later, world.resident, world.household, visitors=world.family)
    with time_machine.travel(LAST_NIGHT, tick=False):
        assert applications_expire_due() == 0  # still the 13th at the facility
    with time_machine.travel(NEXT_MORNING, tick=False):
        assert applications_expire_due() == 1
        assert applications_expire_due() == 0  # once only
        application.refresh_from_db()
        assert application.status == ApplicationStatus.EXPIRED
        assert ApplicationAudit.objects.filter(application=application,
                                               action=AuditAction.EXPIRED).count() == 1
        event = Event.objects.get(type="visits.application.expired")
        assert event.urgent and "flagged" in event.body and "Maria Lopez" in event.body
        assert list(event.deliveries.values_list("user", flat=True)) == [
            world.household.caregiver_id]
        family_page = signed_in(world.household.caregiver).get(reverse("applications"))
        assert "Approval ran out" in family_page.content.decode()
        roster = signed_in(world.liaison).get(reverse("roster"), {"date": "2027-03-20"})
    page = roster.content.decode()
    assert "Approval withdrawn or expired" in page and f'id="booking-{booking.pk}"' in page


def test_without_visits_booked_after_it_she_is_told_plainly(world: World) -> None:
    approved(world, world.other_household)
    with time_machine.travel(NEXT_MORNING, tick=False):
        assert applications_expire_due() == 1
    event = Event.objects.get(type="visits.application.expired")
    assert not event.urgent and "flagged" not in event.body
    assert list(event.deliveries.values_list("user", flat=True)) == [
        world.other_household.caregiver_id]


def test_the_liaison_finds_it_among_the_closed_ones(world: World) -> None:
    application = approved(world, world.household)
    review = reverse("approval-review", args=[application.pk])
    with time_machine.travel(NEXT_MORNING, tick=False):
        liaison = signed_in(world.liaison)
        queue = reverse("approvals-queue")
        assert review in liaison.get(queue, {"show": "approved"}).content.decode()
        applications_expire_due()
        assert review not in liaison.get(queue, {"show": "approved"}).content.decode()
        closed = liaison.get(queue, {"show": "closed"}).content.decode()
        trail = liaison.get(review).content.decode()
    assert review in closed
    assert "Approval ran out" in trail


def test_withdrawing_one_persons_approval_tells_her_family_urgently_when_booked(
    world: World,
) -> None:
    from visits.services import approval_decide

    coming = f.make_session(world.rule, starts_at=dt.datetime(2027, 3, 20, 10, 0,
                                                              tzinfo=CHICAGO))
    f.make_booking(coming, world.resident, world.household, visitors=world.family)
    approval = world.sofia.approvals.get(resident=world.resident)
    with time_machine.travel(NEXT_MORNING, tick=False):
        approval_decide(actor=world.liaison, approval_id=approval.pk, status="revoked",
                        reason_code="relationship")
        approval_decide(actor=world.liaison, approval_id=approval.pk, status="revoked",
                        reason_code="relationship")
    event = Event.objects.get(type="visits.approval.revoked")  # once, not on the repeat
    assert event.urgent and "Sofia may no longer visit Maria" in event.body
    assert event.body.endswith("Reason: The relationship could not be checked.")
    assert "flagged" in event.body
    assert list(event.deliveries.values_list("user", flat=True)) == [
        world.household.caregiver_id]


@pytest.mark.parametrize(("language", "worded"), [
    ("en", "March 13, 2027"), ("es", "13 de marzo de 2027")])
def test_the_last_day_is_worded_with_its_year_in_her_language(
    world: World, language: str, worded: str
) -> None:
    from notifications.models import Preference

    Preference.objects.update_or_create(user=world.other_household.caregiver,
                                        defaults={"language": language})
    approved(world, world.other_household)
    with time_machine.travel(NEXT_MORNING, tick=False):
        applications_expire_due()
    body = Event.objects.get(type="visits.application.expired").body
    assert worded in body and "2027-03-13" not in body
