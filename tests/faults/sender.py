"""The sender fault test's processes: set up a message, send it, sweep.

    python tests/faults/sender.py setup           -> {"delivery": id, "donation": id}
    python tests/faults/sender.py send ID          (email one delivery)
    python tests/faults/sender.py receipt ID       (email one receipt)
    python tests/faults/sender.py sweep            (what run_periodic's tasks do, later)
"""

from __future__ import annotations

import datetime as dt
import json
import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from notifications.delivery import deliveries_send_due, delivery_send_external  # noqa: E402
from notifications.services import event_emit  # noqa: E402
from transport.fund.ledger import fund_default  # noqa: E402
from transport.fund.models import Donation  # noqa: E402
from transport.fund.receipts import receipt_send, receipts_send_due  # noqa: E402


def setup() -> dict:
    user = get_user_model().objects.create_user(username="ana", email="ana@example.org",
                                                password="pw-12345678")
    with transaction.atomic():
        event = event_emit(type="test.note", title="Your visit is confirmed",
                           recipients=[user], external=False)
    delivery = event.deliveries.get()
    delivery.__class__.objects.filter(pk=delivery.pk).update(external_due_at=timezone.now())
    donation = Donation.objects.create(
        fund=fund_default(), kind="one_time", payment_intent_id="pi_fault", amount_cents=2500,
        currency="usd", email="donor@example.org", name="Don", status="succeeded",
        paid_at=timezone.now() - dt.timedelta(hours=1))
    return {"delivery": delivery.pk, "donation": donation.pk}


def main() -> None:
    command, *args = sys.argv[1:]
    if command == "setup":
        print(json.dumps(setup()))
    elif command == "send":
        print(json.dumps(delivery_send_external(delivery_id=int(args[0]))))
    elif command == "receipt":
        print(json.dumps(receipt_send(donation_id=int(args[0]))))
    else:
        later = timezone.now() + dt.timedelta(hours=1)
        print(json.dumps([deliveries_send_due(now=later), receipts_send_due()]))


if __name__ == "__main__":
    main()
