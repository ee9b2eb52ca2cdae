"""Put money in the fund without a card: a verified event's payload, applied as the task does.

Used where the test is about the ledger or subsidies rather than Stripe (the Stripe side is
proven against localstripe in test_webhooks.py). The payloads have the shape localstripe
sends; they enter after the signature check, exactly where a verified webhook's would.
"""

from __future__ import annotations

import itertools

from transport.fund.events import event_apply
from transport.fund.ledger import fund_for_program
from transport.fund.models import Donation, DonationKind, StripeEvent

_seq = itertools.count(1)


def _apply(event_type: str, obj: dict) -> str:
    n = next(_seq)
    row = StripeEvent.objects.create(
        event_id=f"evt_test_{n}_{event_type}", type=event_type,
        payload={"id": f"evt_test_{n}", "type": event_type, "data": {"object": obj}},
    )
    return event_apply(event_pk=row.pk)


def donate(amount_cents: int, *, earmark_id: int | None = None,
           program_id: int | None = None) -> Donation:
    """A one-time gift to the program's fund (None: the unnamed program's), paid: its
    `payment_intent.succeeded` applied."""
    n = next(_seq)
    fund = fund_for_program(program_id)
    donation = Donation.objects.create(
        fund=fund, kind=DonationKind.ONE_TIME, payment_intent_id=f"pi_test_{n}",
        amount_cents=amount_cents, currency=fund.currency, earmark_id=earmark_id,
    )
    _apply("payment_intent.succeeded", {
        "id": donation.payment_intent_id, "object": "payment_intent", "amount": amount_cents,
        "currency": fund.currency, "latest_charge": f"ch_test_{n}", "invoice": None,
        "metadata": {"fund": "travel", "fund_id": str(fund.pk), "kind": "one_time"},
    })
    donation.refresh_from_db()
    return donation


def refund(donation: Donation, amount_cents: int) -> None:
    """Stripe refunds part of a gift: its `charge.refunded` applied."""
    n = next(_seq)
    _apply("charge.refunded", {
        "id": donation.charge_id or f"ch_test_{n}", "object": "charge",
        "payment_intent": donation.payment_intent_id, "amount": donation.amount_cents,
        "refunds": {"object": "list", "data": [
            {"id": f"re_test_{n}", "object": "refund", "amount": amount_cents,
             "status": "succeeded", "payment_intent": donation.payment_intent_id},
        ]},
    })
