"""A wrong entry is reversed by a new one, from a service or the admin; never edited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from scheduler.errors import Conflict, InvalidInput, NotPermitted
from tests import factories as f
from tests.conftest import World
from tests.fund.helpers import donate
from transport.fund.ledger import entry_reverse, fund_balance, fund_default
from transport.fund.models import LedgerEntry, Subsidy, SubsidyStatus
from transport.fund.subsidies import subsidy_grant

pytestmark = pytest.mark.django_db


def test_reversing_an_entry_writes_its_opposite(world: World) -> None:
    entry = donate(3000).entries.get()
    reversal = entry_reverse(actor=world.coordinator, entry_id=entry.pk, reason="test gift")
    assert reversal.amount_cents == -3000 and reversal.reverses_id == entry.pk
    assert fund_balance(fund_default()) == 0
    assert LedgerEntry.objects.get(pk=entry.pk).amount_cents == 3000  # untouched
    with pytest.raises(Conflict):
        entry_reverse(actor=world.coordinator, entry_id=entry.pk, reason="again")
    with pytest.raises(Conflict):
        entry_reverse(actor=world.coordinator, entry_id=reversal.pk, reason="undo the undo")


def test_spent_money_cannot_be_reversed_out_of_the_fund(world: World) -> None:
    entry = donate(3000).entries.get()
    booking = f.make_booking(world.session, world.resident, world.household)
    subsidy_grant(actor=world.coordinator, booking_id=booking.pk, kind="bus_fare",
                  amount_cents=2000)
    with pytest.raises(Conflict):
        entry_reverse(actor=world.coordinator, entry_id=entry.pk, reason="wrong")
    assert fund_balance(fund_default()) == 1000


@pytest.mark.parametrize("persona", ["caregiver", "liaison", "driver"])
def test_only_coordinators_reverse(world: World, persona: str) -> None:
    entry = donate(3000).entries.get()
    with pytest.raises(NotPermitted):
        entry_reverse(actor=world.persona(persona), entry_id=entry.pk, reason="no")
    with pytest.raises(InvalidInput):
        entry_reverse(actor=world.coordinator, entry_id=entry.pk, reason="  ")
    assert fund_balance(fund_default()) == 3000


@pytest.fixture
def admin_client_logged(db: None) -> Client:
    admin = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw-12345")
    client = Client()
    client.force_login(admin)
    return client


def test_admin_shows_entries_read_only(admin_client_logged: Client) -> None:
    entry = donate(3000).entries.get()
    page = admin_client_logged.get(f"/admin/fund/ledgerentry/{entry.pk}/change/")
    assert page.status_code == 200
    assert 'name="amount_cents"' not in page.content.decode()  # no field to edit
    assert admin_client_logged.get("/admin/fund/ledgerentry/add/").status_code == 403
    deleted = admin_client_logged.post(f"/admin/fund/ledgerentry/{entry.pk}/delete/",
                                       {"post": "yes"})
    assert deleted.status_code == 403
    assert LedgerEntry.objects.count() == 1
    for model in ("fund", "donation", "monthlygift", "stripeevent", "subsidy"):
        assert admin_client_logged.get(f"/admin/fund/{model}/").status_code == 200


def test_admin_reverses_after_asking_why(admin_client_logged: Client) -> None:
    entry = donate(3000).entries.get()
    url = "/admin/fund/ledgerentry/"
    form = {"action": "reverse_entries", "_selected_action": [entry.pk]}
    asked = admin_client_logged.post(url, form)
    assert "Why?" in asked.content.decode()
    assert fund_balance(fund_default()) == 3000
    admin_client_logged.post(url, {**form, "confirm": "1", "reason": "test payment"})
    assert fund_balance(fund_default()) == 0
    assert LedgerEntry.objects.get(reverses=entry).memo == "test payment"


def test_admin_reverses_a_subsidy(world: World, admin_client_logged: Client) -> None:
    donate(3000)
    booking = f.make_booking(world.session, world.resident, world.household)
    subsidy = subsidy_grant(actor=world.coordinator, booking_id=booking.pk, kind="bus_fare",
                            amount_cents=2000)
    admin_client_logged.post("/admin/fund/subsidy/", {
        "action": "reverse_subsidies", "_selected_action": [subsidy.pk], "confirm": "1",
        "reason": "wrong visit"})
    # A superuser who is not a coordinator is refused by the service: nothing changes.
    assert Subsidy.objects.get().status == SubsidyStatus.GRANTED
    assert fund_balance(fund_default()) == 1000
    any_user: Any = world.coordinator
    any_user.is_staff = any_user.is_superuser = True
    any_user.save()
    coordinator_client = Client()
    coordinator_client.force_login(any_user)
    coordinator_client.post("/admin/fund/subsidy/", {
        "action": "reverse_subsidies", "_selected_action": [subsidy.pk], "confirm": "1",
        "reason": "wrong visit"})
    assert Subsidy.objects.get().status == SubsidyStatus.REVERSED
    assert fund_balance(fund_default()) == 3000
