"""A rule switched back to first come cancels its open round and tells every family who asked;
the liaison's round page pages through every request, not only the first thousand."""

from __future__ import annotations

from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from django.utils import translation

from notifications.models import Delivery
from notifications.preferences import preference_update
from notifications.text import render_stored
from tests.visits.test_rounds_world import RoundWorld, close_round, family_for, rw
from visits import services
from visits.models import AllocationMode, BookingStatus, VisitingRule
from visits.round_models import RequestRound, RequestStatus, RoundStatus, VisitRequest
from visits.services.round_draw import rounds_allocate_due

__all__ = ["rw"]  # the fixture, imported for pytest


def _ask(rw: RoundWorld, household, resident) -> VisitRequest:
    return services.request_submit(
        actor=household.caregiver, round_id=rw.round.pk, resident_id=resident.pk,
        visitor_ids=[v.pk for v in household.visitors.all()], choices=rw.ids[:2])


def _switch_back_in_admin(rule: VisitingRule, admin_user) -> None:
    """What a staff member does: the rule's admin form, saved with first come."""
    rule.allocation_mode = AllocationMode.FIRST_COME
    request = RequestFactory().post("/admin/")
    request.user = admin_user
    site._registry[VisitingRule].save_model(request, rule, form=None, change=True)


def test_a_rule_back_to_first_come_cancels_its_round_and_tells_every_family(
        rw: RoundWorld) -> None:
    families = [family_for(rw.world.resident) for _ in range(3)]
    asked = [_ask(rw, h, rw.world.resident) for h in families]
    withdrawn = services.request_withdraw(actor=families[2].caregiver, request_id=asked[2].pk)
    preference_update(user=families[1].caregiver, language="es")

    VisitingRule.objects.filter(pk=rw.rule.pk).update(allocation_mode=AllocationMode.FIRST_COME)
    assert services.rounds_cancel_for_rule(rule_id=rw.rule.pk) == 1

    rw.round.refresh_from_db()
    assert rw.round.status == RoundStatus.CANCELLED
    statuses = dict(VisitRequest.objects.values_list("pk", "status"))
    assert statuses == {asked[0].pk: RequestStatus.CANCELLED, asked[1].pk: RequestStatus.CANCELLED,
                        withdrawn.pk: RequestStatus.WITHDRAWN}
    told = Delivery.objects.filter(event__type="visits.round.cancelled").select_related("event")
    assert sorted(d.user_id for d in told) == sorted(h.caregiver_id for h in families[:2])
    spanish = told.get(user=families[1].caregiver).event
    with translation.override("es"):
        assert render_stored(spanish.i18n, "title", "") != spanish.i18n["title"]["msgid"]
    assert rw.rule.name in told.first().event.body
    # The deadline passes: nothing is drawn, and the places are booked first come.
    close_round(rw.round)
    assert rounds_allocate_due() == 0
    result = services.booking_create(
        actor=families[0].caregiver, session_id=rw.ids[0], resident_id=rw.world.resident.pk,
        visitor_ids=[v.pk for v in families[0].visitors.all()])
    assert result.booking.status == BookingStatus.REQUESTED


def test_saving_the_rule_as_first_come_in_the_admin_cancels_the_round(
        rw: RoundWorld, django_user_model) -> None:
    asked = _ask(rw, family_for(rw.world.resident), rw.world.resident)
    admin = django_user_model.objects.create_superuser("boss", password="x")
    _switch_back_in_admin(rw.rule, admin)
    assert RequestRound.objects.get(pk=rw.round.pk).status == RoundStatus.CANCELLED
    assert VisitRequest.objects.get(pk=asked.pk).status == RequestStatus.CANCELLED
    assert Delivery.objects.filter(event__type="visits.round.cancelled").count() == 1


def test_a_drawn_round_is_not_undone_and_a_round_rule_keeps_its_round(
        rw: RoundWorld) -> None:
    _ask(rw, family_for(rw.world.resident), rw.world.resident)
    assert services.rounds_cancel_for_rule(rule_id=rw.rule.pk) == 0  # still a round rule
    assert RequestRound.objects.get(pk=rw.round.pk).status == RoundStatus.OPEN
    close_round(rw.round)
    services.round_allocate(round_id=rw.round.pk, seed=5)
    VisitingRule.objects.filter(pk=rw.rule.pk).update(allocation_mode=AllocationMode.FIRST_COME)
    assert services.rounds_cancel_for_rule(rule_id=rw.rule.pk) == 0
    assert RequestRound.objects.get(pk=rw.round.pk).status == RoundStatus.ALLOCATED
    assert not Delivery.objects.filter(event__type="visits.round.cancelled").exists()


def test_the_round_page_pages_through_every_request(rw: RoundWorld) -> None:
    for _ in range(205):
        _ask(rw, family_for(rw.world.resident), rw.world.resident)
    liaison = Client()
    liaison.force_login(rw.world.liaison)
    url = f"/roster/rounds/{rw.round.pk}/"
    first = liaison.get(url).content.decode()
    assert first.count('id="request-') == 200 and "205 requests" in first
    assert "Requests 1–200 of 205" in first and "?page=2" in first
    second = liaison.get(url + "?page=2").content.decode()
    assert second.count('id="request-') == 5 and "Requests 201–205 of 205" in second
    ids = set()
    for page in ("1", "2"):
        html = liaison.get(url + f"?page={page}").content.decode()
        ids |= {chunk.split('"')[0] for chunk in html.split('id="request-')[1:]}
    assert len(ids) == 205  # every request, each once
    for nonsense in ("x", "-1", "99", "²"):  # no 500 for a page that is not there
        assert liaison.get(url + f"?page={nonsense}").status_code == 200
    other = Client()
    other.force_login(rw.world.other_liaison)
    assert other.get(url + "?page=2").status_code == 404
