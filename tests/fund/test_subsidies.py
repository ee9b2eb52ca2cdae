"""Subsidies: within the fund's balance and the household's monthly cap; the family is told."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from notifications.models import Delivery
from scheduler.errors import Conflict, InvalidInput, NotPermitted
from tests import factories as f
from tests.conftest import World
from tests.fund.helpers import donate
from transport.fund.errors import InsufficientFunds, MonthlyCapReached
from transport.fund.ledger import bucket_balance, fund_balance, fund_default
from transport.fund.models import AppendOnly, LedgerEntry, Subsidy, SubsidyStatus
from transport.fund.subsidies import subsidy_grant, subsidy_reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(world: World) -> Any:
    return f.make_booking(world.session, world.resident, world.household)


def grant(world: World, booking: Any, **kw: Any) -> Subsidy:
    values = {"kind": "bus_fare", "amount_cents": 1500, **kw}
    return subsidy_grant(actor=world.coordinator, booking_id=booking.pk, **values)


def test_grant_pays_out_of_the_fund_and_tells_the_family(world: World, booking: Any) -> None:
    donate(5000)
    subsidy = grant(world, booking, kind="bus_fare", amount_cents=1850)

    assert fund_balance(fund_default()) == 5000 - 1850
    assert subsidy.entries.get().amount_cents == -1850
    told = Delivery.objects.filter(user=world.caregiver, event__type="fund.subsidy.granted")
    assert told.count() == 1
    assert "18.50 USD" in told.get().event.body
    assert not Delivery.objects.filter(user=world.other_caregiver).exists()


@override_settings(FUND_MILEAGE_RATE_CENTS=14)
def test_mileage_is_miles_times_the_rate(world: World, booking: Any) -> None:
    donate(10000)
    subsidy = grant(world, booking, kind="mileage", miles="212", amount_cents=None)
    assert subsidy.amount_cents == 212 * 14
    assert fund_balance(fund_default()) == 10000 - 2968


def test_grant_beyond_the_balance_is_refused_and_writes_nothing(
    world: World, booking: Any
) -> None:
    donate(1000)
    with pytest.raises(InsufficientFunds) as refused:
        grant(world, booking, amount_cents=1001)
    assert refused.value.status == 409 and refused.value.extra == {"available_cents": 1000}
    assert not Subsidy.objects.exists()
    assert fund_balance(fund_default()) == 1000
    assert not Delivery.objects.filter(event__type="fund.subsidy.granted").exists()


@override_settings(FUND_HOUSEHOLD_MONTHLY_CAP_CENTS=3000)
def test_monthly_cap_per_household(world: World, booking: Any) -> None:
    donate(20000)
    grant(world, booking, kind="bus_fare", amount_cents=2000)
    with pytest.raises(MonthlyCapReached) as capped:
        grant(world, booking, kind="fuel_card", amount_cents=1001)
    assert capped.value.extra == {"remaining_cents": 1000}
    grant(world, booking, kind="fuel_card", amount_cents=1000)  # exactly up to the cap
    other = f.make_booking(world.session, world.other_resident, world.other_household)
    grant(world, other, amount_cents=3000)  # another family has its own cap
    assert fund_balance(fund_default()) == 20000 - 6000


def test_earmarked_money_goes_to_that_facilitys_families_first(
    world: World, booking: Any
) -> None:
    fund = fund_default()
    donate(1000, earmark_id=world.facility.pk)
    donate(4000, earmark_id=world.other_facility.pk)  # not for this visit
    donate(500)
    with pytest.raises(InsufficientFunds):
        grant(world, booking, amount_cents=1501)
    grant(world, booking, amount_cents=1200)
    assert bucket_balance(fund, world.facility.pk) == 0
    assert bucket_balance(fund, None) == 300
    assert bucket_balance(fund, world.other_facility.pk) == 4000


def test_same_help_for_the_same_visit_is_not_paid_twice(world: World, booking: Any) -> None:
    donate(5000)
    grant(world, booking, kind="bus_fare")
    with pytest.raises(Conflict):
        grant(world, booking, kind="bus_fare")
    assert fund_balance(fund_default()) == 3500


@pytest.mark.parametrize("persona", ["caregiver", "liaison", "driver", "other_caregiver"])
def test_only_coordinators_grant(world: World, booking: Any, persona: str) -> None:
    donate(5000)
    with pytest.raises(NotPermitted):
        subsidy_grant(actor=world.persona(persona), booking_id=booking.pk, kind="bus_fare",
                      amount_cents=100)
    assert not Subsidy.objects.exists()


@pytest.mark.parametrize(("values", "field"), [
    ({"kind": "limousine", "amount_cents": 100}, "kind"),
    ({"kind": "bus_fare", "amount_cents": "12.50"}, "amount_cents"),
    ({"kind": "bus_fare", "amount_cents": 0}, "amount_cents"),
    ({"kind": "bus_fare", "amount_cents": -5}, "amount_cents"),
    ({"kind": "bus_fare", "amount_cents": True}, "amount_cents"),
    ({"kind": "mileage", "miles": "far"}, "miles"),
    ({"kind": "mileage", "miles": 0}, "miles"),
    ({"kind": "bus_fare", "amount_cents": 100, "note": "x" * 301}, "note"),
])
def test_bad_input_names_the_field(
    world: World, booking: Any, values: dict, field: str
) -> None:
    donate(5000)
    with pytest.raises(InvalidInput) as bad:
        subsidy_grant(actor=world.coordinator, booking_id=booking.pk, **values)
    assert field in bad.value.fields
    assert not Subsidy.objects.exists()


def test_cancelled_visit_cannot_be_paid_for(world: World) -> None:
    donate(5000)
    cancelled = f.make_booking(world.session, world.resident, world.household,
                               status="cancelled")
    with pytest.raises(Conflict):
        grant(world, cancelled)


def test_a_wrong_grant_is_reversed_never_edited(world: World, booking: Any) -> None:
    donate(5000)
    subsidy = grant(world, booking, amount_cents=2000)
    entry = subsidy.entries.get()

    subsidy_reverse(actor=world.coordinator, subsidy_id=subsidy.pk, reason="wrong family")

    assert fund_balance(fund_default()) == 5000
    assert LedgerEntry.objects.get(reverses=entry).amount_cents == 2000
    assert Subsidy.objects.get(pk=subsidy.pk).status == SubsidyStatus.REVERSED
    with pytest.raises(Conflict):  # twice is refused, not a double refund to the fund
        subsidy_reverse(actor=world.coordinator, subsidy_id=subsidy.pk, reason="again")
    grant(world, booking, amount_cents=2000)  # the right grant can now be made


def test_ledger_entries_cannot_be_changed_or_deleted(world: World) -> None:
    donate(5000)
    entry = LedgerEntry.objects.get()
    entry.amount_cents = 1
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_cents=1)
    with pytest.raises(AppendOnly):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get().amount_cents == 5000
