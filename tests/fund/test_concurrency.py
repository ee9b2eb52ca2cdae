"""Coordinators racing for the last of the fund: real threads against PostgreSQL.

Each thread has its own connection; a barrier releases them together so they meet at the
fund's row lock. SQLite has no row locks (it serialises writers), so this runs on
PostgreSQL only, like tests/visits/test_concurrency.py.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from tests import factories as f
from tests.fund.helpers import donate
from transport.fund.events import event_apply
from transport.fund.ledger import fund_balance, fund_default, fund_for_program, fund_lock
from transport.fund.models import Donation, DonationKind, LedgerEntry, StripeEvent, Subsidy
from transport.fund.subsidies import subsidy_grant
from transport.models import Program

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks need PostgreSQL; CI runs this file on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 12


@pytest.fixture
def pool_for_threads() -> Iterator[None]:
    """A pool big enough for every thread to hold a connection at the barrier."""
    options = connection.settings_dict["OPTIONS"]
    previous = options.get("pool")
    connection.close()
    connection.close_pool()
    options["pool"] = {**(previous if isinstance(previous, dict) else {}),
                       "min_size": 1, "max_size": THREADS + 10, "timeout": 60}
    try:
        yield
    finally:
        connection.close()
        connection.close_pool()
        options["pool"] = previous


def race(count: int, work: Callable[[int], Any]) -> list[tuple[str, Any]]:
    barrier = threading.Barrier(count)
    results: list[tuple[str, Any]] = [("not run", None)] * count

    def runner(i: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            results[i] = ("ok", work(i))
        except Exception as exc:
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def test_two_coordinators_grant_the_last_of_the_fund_at_once(pool_for_threads: None) -> None:
    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=10))
    coordinators = [f.make_coordinator(), f.make_coordinator()]
    bookings = []
    for _ in range(2):
        household = f.make_household()
        resident = f.make_resident(facility)
        f.approve(f.adults(household), resident)
        bookings.append(f.make_booking(session, resident, household))
    donate(3000)

    def spend(i: int) -> int:
        return subsidy_grant(actor=coordinators[i], booking_id=bookings[i].pk,
                             kind="bus_fare", amount_cents=2000).pk

    results = race(2, spend)

    assert Counter(kind for kind, _ in results) == Counter({"ok": 1, "error": 1})
    assert [v.code for k, v in results if k == "error"] == ["insufficient_funds"]
    assert fund_balance(fund_default()) == 1000
    assert Subsidy.objects.count() == 1


def test_many_coordinators_never_overdraw(pool_for_threads: None) -> None:
    facility = f.make_facility()
    session = f.make_session(f.make_rule(facility, capacity=THREADS))
    work = []
    for _ in range(THREADS):
        household = f.make_household()
        resident = f.make_resident(facility)
        f.approve(f.adults(household), resident)
        work.append((f.make_coordinator(), f.make_booking(session, resident, household).pk))
    donate(5000)

    def spend(i: int) -> int:
        user, booking_id = work[i]
        return subsidy_grant(actor=user, booking_id=booking_id, kind="fuel_card",
                             amount_cents=1000).pk

    results = race(THREADS, spend)

    assert sum(1 for kind, _ in results if kind == "ok") == 5
    assert fund_balance(fund_default()) == 0
    assert sum(LedgerEntry.objects.values_list("amount_cents", flat=True)) == 0


# --- two programs' funds: their Stripe events never wait on each other ------------------


def _paid_event(program_id: int | None, cents: int, n: int) -> int:
    """A gift to the program's fund and its stored (not yet applied) payment event."""
    fund = fund_for_program(program_id)
    donation = Donation.objects.create(
        fund=fund, kind=DonationKind.ONE_TIME, payment_intent_id=f"pi_two_{n}",
        amount_cents=cents, currency=fund.currency)
    return StripeEvent.objects.create(
        event_id=f"evt_two_{n}", type="payment_intent.succeeded",
        payload={"id": f"evt_two_{n}", "type": "payment_intent.succeeded", "data": {"object": {
            "id": donation.payment_intent_id, "object": "payment_intent", "amount": cents,
            "currency": fund.currency, "invoice": None,
            "metadata": {"fund": "travel", "fund_id": str(fund.pk), "kind": "one_time"}}}},
    ).pk


def test_a_programs_locked_fund_does_not_hold_up_another_programs_stripe_event(
    pool_for_threads: None,
) -> None:
    prairie, danville = (Program.objects.create(name=n) for n in ("Prairie", "Danville"))
    prairie_event = _paid_event(prairie.pk, 1000, 1)
    danville_event = _paid_event(danville.pk, 2500, 2)
    prairie_fund = fund_for_program(prairie.pk)
    held, release, done = threading.Event(), threading.Event(), threading.Event()

    def hold_prairie() -> None:
        # A long Prairie grant or event holding its fund's lock; the unnamed program's fund
        # (the one shared fund before) is held too, so a global lock would block below.
        try:
            with transaction.atomic():
                fund_lock(prairie_fund.pk)
                fund_lock(fund_default().pk)
                held.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    def apply_danville() -> None:
        try:
            event_apply(event_pk=danville_event)
            done.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold_prairie)
    holder.start()
    assert held.wait(timeout=30)
    applier = threading.Thread(target=apply_danville)
    applier.start()
    landed_while_held = done.wait(timeout=15)
    release.set()
    holder.join(timeout=30)
    applier.join(timeout=30)
    assert landed_while_held, "Danville's event waited for Prairie's fund lock"
    event_apply(event_pk=prairie_event)
    assert fund_balance(fund_for_program(danville.pk)) == 2500
    assert fund_balance(prairie_fund) == 1000


def test_many_events_of_two_programs_at_once_land_once_each_in_their_own_fund(
    pool_for_threads: None,
) -> None:
    prairie, danville = (Program.objects.create(name=n) for n in ("Prairie", "Danville"))
    programs = [prairie.pk, danville.pk, None]  # and the unnamed program's fund
    events = [_paid_event(programs[i % 3], 100 + i, 100 + i) for i in range(THREADS // 2)]

    # Every event applied twice at once (Stripe's retries, two workers).
    results = race(THREADS, lambda i: event_apply(event_pk=events[i % len(events)]))

    assert all(kind == "ok" for kind, _ in results), results
    expected = {pk: 0 for pk in programs}
    for i in range(len(events)):
        expected[programs[i % 3]] += 100 + i
    got = {pk: fund_balance(fund_for_program(pk)) for pk in programs}
    assert got == expected
    assert sum(got.values()) == sum(LedgerEntry.objects.values_list("amount_cents", flat=True))
    assert LedgerEntry.objects.count() == len(events)
