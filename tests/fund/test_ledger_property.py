"""Hypothesis: after any sequence of gifts, refunds and grants the ledger balances.

The test keeps its own account of what the fund should hold and compares it with the
balance the app derives from its entries, after every step; no bucket ever goes below zero.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories as f
from tests.fund.helpers import donate, refund
from transport.fund.errors import InsufficientFunds, MonthlyCapReached
from transport.fund.ledger import balances_by_earmark, fund_balance, fund_default
from transport.fund.models import LedgerEntry
from transport.fund.subsidies import subsidy_grant

CAP = 6000
_minutes = itertools.count(1)

step = st.one_of(
    st.tuples(st.just("give"), st.integers(min_value=100, max_value=5000)),
    st.tuples(st.just("refund"), st.integers(min_value=1, max_value=5000)),
    st.tuples(st.just("grant"), st.integers(min_value=1, max_value=4000)),
)


@pytest.mark.django_db
@override_settings(FUND_HOUSEHOLD_MONTHLY_CAP_CENTS=CAP)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=12))
def test_balance_is_the_sum_of_entries_after_any_sequence(
    world: Any, steps: list[tuple[str, int]]
) -> None:
    # Each example runs in a savepoint that is rolled back: a fresh, empty fund every time.
    with transaction.atomic():
        _run(world, steps)
        transaction.set_rollback(True)


def _run(world: Any, steps: list[tuple[str, int]]) -> None:
    fund = fund_default()
    expected, used = 0, 0
    gifts: list[list[Any]] = []  # [donation, not yet refunded]
    for kind, cents in steps:
        if kind == "give":
            gifts.append([donate(cents), cents])
            expected += cents
        elif kind == "refund" and gifts:
            gift = gifts[cents % len(gifts)]
            amount = min(cents, gift[1])
            if amount:
                refund(gift[0], amount)
                gift[1] -= amount
                # Money Stripe takes back that was already spent is covered, never owed.
                expected = max(expected - amount, 0)
        elif kind == "grant":
            expected, used = _grant(world, cents, expected, used)
        assert fund_balance(fund) == expected
        assert all(v >= 0 for v in balances_by_earmark(fund).values())
    total = LedgerEntry.objects.filter(fund=fund).aggregate(s=Sum("amount_cents"))["s"] or 0
    assert total == expected


def _grant(world: Any, cents: int, expected: int, used: int) -> tuple[int, int]:
    # One booking per resident and session: each grant is for a visit a minute later
    # (same month, so the household's monthly cap adds up across them).
    start = world.session.starts_at + dt.timedelta(minutes=next(_minutes))
    booking = f.make_booking(f.make_session(world.rule, starts_at=start), world.resident,
                             world.household)
    try:
        subsidy_grant(actor=world.coordinator, booking_id=booking.pk, kind="bus_fare",
                      amount_cents=cents)
    except InsufficientFunds:
        assert cents > expected
        return expected, used
    except MonthlyCapReached:
        assert used + cents > CAP
        return expected, used
    assert cents <= expected and used + cents <= CAP
    return expected - cents, used + cents
