"""The migration to funds per program: every existing entry, gift and grant goes to the
default program's fund (the only program, else the unnamed one) and no balance moves."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from transport.fund.ledger import fund_balance, fund_default, fund_for_program
from transport.fund.models import Donation, Fund, LedgerEntry

BEFORE = [("fund", "0003_subsidy_ride_seat_links_the_ride")]
AFTER = [("fund", "0006_one_fund_per_program")]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(fund_target: list[tuple[str, str]]):
    """Every other app at its latest, the fund at `fund_target`; the models of then."""
    executor = MigrationExecutor(connection)
    target = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "fund"] + fund_target
    executor.migrate(target)
    return MigrationExecutor(connection).loader.project_state(target).apps


def _old_money(apps, programs: list[str]) -> list[int]:
    """Two funds of the old days (one made by hand in the admin) with gifts and a refund."""
    program_ids = [apps.get_model("transport", "Program").objects.create(name=n).pk
                   for n in programs]
    fund_model = apps.get_model("fund", "Fund")
    travel = fund_model.objects.create(slug="travel", name="Travel fund", currency="usd")
    extra = fund_model.objects.create(slug="spare", name="Spare", currency="usd")
    gift = apps.get_model("fund", "Donation").objects.create(
        fund=travel, kind="one_time", payment_intent_id="pi_old", amount_cents=4321,
        currency="usd", status="succeeded")
    entry = apps.get_model("fund", "LedgerEntry")
    entry.objects.create(fund=travel, kind="donation", amount_cents=4321, source_key="d:1",
                         donation=gift)
    entry.objects.create(fund=travel, kind="refund", amount_cents=-321, source_key="r:1",
                         donation=gift)
    entry.objects.create(fund=extra, kind="donation", amount_cents=1000, source_key="d:2")
    return program_ids


@pytest.mark.parametrize("programs", [["Prairie Rides"], [], ["Prairie", "Danville"]])
def test_existing_money_goes_to_the_default_programs_fund_to_the_cent(
    programs: list[str],
) -> None:
    try:
        program_ids = _old_money(_migrate(BEFORE), programs)
        _migrate(AFTER)
        default = program_ids[0] if len(program_ids) == 1 else None
        fund = Fund.objects.get()
        assert fund.program_id == default
        assert fund == fund_for_program(default)
        assert fund_balance(fund) == 4321 - 321 + 1000
        assert set(LedgerEntry.objects.values_list("fund_id", flat=True)) == {fund.pk}
        assert Donation.objects.get().fund == fund
        if default is not None:  # the unnamed program starts a fund of its own, empty
            assert fund_balance(fund_default()) == 0 and Fund.objects.count() == 2
    finally:
        _migrate([n for n in MigrationExecutor(connection).loader.graph.leaf_nodes()
                  if n[0] == "fund"])
