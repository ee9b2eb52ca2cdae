"""Card gifts against localstripe, with its real signed webhooks.

localstripe sends each event to three registered endpoints (as Stripe's retries can), all
recorded; the test then hands those same signed requests to the app's webhook, several
times and out of order, and checks what a donor and the fund would see.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from typing import Any

import pytest
from django.test import Client

from tests.fund.conftest import DECLINED_CARD, WEBHOOK_SECRET, Delivery, deliver, pay
from transport.fund import gateway
from transport.fund.donations import donation_start, monthly_gift_subscribe
from transport.fund.ledger import bucket_balance, fund_balance, fund_default
from transport.fund.models import Donation, DonationStatus, LedgerEntry, StripeEvent

pytestmark = pytest.mark.django_db


def give(amount: str = "25.00", **extra: Any) -> str:
    started = donation_start(amount=amount, email="donor@example.org", name="Ann Donor",
                             **extra)
    return started.intent_id


def charge_of(intent_id: str) -> str:
    intent = gateway.stripe_client().v1.payment_intents.retrieve(intent_id)
    latest = intent.latest_charge
    return latest if isinstance(latest, str) else latest.id


def shuffled(deliveries: list[Delivery], seed: int) -> list[Delivery]:
    out = list(deliveries)
    random.Random(seed).shuffle(out)
    return out


def test_card_gift_lands_once_when_delivered_three_times_out_of_order(
    recorder: Any, webhook: Any, mailoutbox: list
) -> None:
    first, second = give("25.00"), give("10.50")
    assert pay(first) and pay(second)
    copies = (recorder.wait_for(first, "payment_intent.succeeded", copies=3)
              + recorder.wait_for(second, "payment_intent.succeeded", copies=3))
    assert len({d.event["id"] for d in copies}) == 2  # 2 events, 3 copies each

    statuses = [webhook(d) for d in shuffled(copies, seed=7)]

    assert statuses == [200] * 6
    fund = fund_default()
    assert fund_balance(fund) == 2500 + 1050
    assert LedgerEntry.objects.filter(source_key=f"donation:{first}").count() == 1
    assert StripeEvent.objects.count() == 2
    assert Donation.objects.get(payment_intent_id=first).status == DonationStatus.SUCCEEDED
    # One receipt per gift, in the donor's inbox.
    assert sorted(m.body.count("25.00 USD") for m in mailoutbox) == [0, 1]
    assert len(mailoutbox) == 2 and mailoutbox[0].to == ["donor@example.org"]


def test_declined_card_lands_nothing(recorder: Any, webhook: Any, mailoutbox: list) -> None:
    intent = give("40")
    assert pay(intent, DECLINED_CARD) is False
    for delivery in recorder.wait_for(intent, "payment_intent.payment_failed", copies=3):
        assert webhook(delivery) == 200

    assert fund_balance(fund_default()) == 0
    assert not LedgerEntry.objects.exists()
    assert Donation.objects.get(payment_intent_id=intent).status == DonationStatus.FAILED
    assert mailoutbox == []


def test_refund_arriving_before_its_payment_reverses_exactly(
    recorder: Any, webhook: Any
) -> None:
    intent = give("30")
    assert pay(intent)
    gateway.stripe_client().v1.refunds.create(params={"payment_intent": intent, "amount": 1200})
    paid = recorder.wait_for(intent, "payment_intent.succeeded", copies=3)
    refunded = recorder.wait_for(intent, "charge.refunded", copies=3)

    for delivery in refunded + paid + refunded:  # the refund first, then everything again
        assert webhook(delivery) == 200

    assert fund_balance(fund_default()) == 3000 - 1200
    kinds = sorted(LedgerEntry.objects.values_list("kind", "amount_cents"))
    assert kinds == [("donation", 3000), ("refund", -1200)]


def test_full_refund_brings_the_fund_back_to_where_it_was(
    recorder: Any, webhook: Any
) -> None:
    kept, refunded = give("20"), give("55.55")
    assert pay(kept) and pay(refunded)
    for delivery in (recorder.wait_for(kept, "payment_intent.succeeded")
                     + recorder.wait_for(refunded, "payment_intent.succeeded")):
        webhook(delivery)
    before_refund = fund_balance(fund_default())
    gateway.stripe_client().v1.refunds.create(params={"payment_intent": refunded})
    for delivery in recorder.wait_for(refunded, "charge.refunded", copies=3):
        webhook(delivery)

    assert before_refund == 2000 + 5555
    assert fund_balance(fund_default()) == 2000


def test_dispute_takes_the_gift_out_and_a_won_dispute_puts_it_back(
    localstripe: Any, recorder: Any, webhook: Any
) -> None:
    intent = give("80")
    assert pay(intent)
    dispute = localstripe.post(f"/_test/charges/{charge_of(intent)}/dispute").json()["id"]
    opened = recorder.wait_for(dispute, "charge.dispute.created", copies=3)
    for delivery in recorder.wait_for(intent, "payment_intent.succeeded") + opened:
        webhook(delivery)
    assert fund_balance(fund_default()) == 0

    localstripe.post(f"/_test/disputes/{dispute}/close", {"status": "won"})
    for delivery in recorder.wait_for(dispute, "charge.dispute.closed", copies=3) + opened:
        webhook(delivery)
    assert fund_balance(fund_default()) == 8000


def test_lost_dispute_closed_before_anything_else_arrives(
    localstripe: Any, recorder: Any, webhook: Any
) -> None:
    intent = give("15")
    assert pay(intent)
    dispute = localstripe.post(f"/_test/charges/{charge_of(intent)}/dispute").json()["id"]
    localstripe.post(f"/_test/disputes/{dispute}/close", {"status": "lost"})
    closed = recorder.wait_for(dispute, "charge.dispute.closed")
    opened = recorder.wait_for(dispute, "charge.dispute.created")
    paid = recorder.wait_for(intent, "payment_intent.succeeded")

    for delivery in closed + opened + paid:
        webhook(delivery)

    assert fund_balance(fund_default()) == 0
    assert sorted(LedgerEntry.objects.values_list("kind", "amount_cents")) == [
        ("dispute", -1500), ("donation", 1500)]


def test_earmarked_gift_is_kept_for_that_facilitys_families(
    world: Any, recorder: Any, webhook: Any
) -> None:
    intent = give("12", earmark=world.facility.pk)
    assert pay(intent)
    for delivery in recorder.wait_for(intent, "payment_intent.succeeded"):
        webhook(delivery)
    fund = fund_default()
    assert bucket_balance(fund, world.facility.pk) == 1200
    assert bucket_balance(fund, None) == 0


def test_monthly_gift_lands_each_paid_invoice_once(
    recorder: Any, webhook: Any, mailoutbox: list
) -> None:
    started = donation_start(amount="15", email="monthly@example.org", kind="monthly")
    client = gateway.stripe_client()
    card = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    client.v1.setup_intents.confirm(started.intent_id, params={"payment_method": card.id})
    gift = monthly_gift_subscribe(setup_intent_id=started.intent_id)
    assert gift.subscription_id
    assert monthly_gift_subscribe(setup_intent_id=started.intent_id) == gift  # reload-safe

    invoice_events = recorder.wait_for(gift.customer_id, "invoice.payment_succeeded", copies=3)
    intent_id = invoice_events[0].event["data"]["object"]["payment_intent"]
    intent_events = recorder.wait_for(intent_id, "payment_intent.succeeded", copies=3)
    for delivery in shuffled(invoice_events + intent_events, seed=3):
        assert webhook(delivery) == 200

    donation = Donation.objects.get(monthly_gift=gift)
    assert donation.status == DonationStatus.SUCCEEDED and donation.amount_cents == 1500
    assert fund_balance(fund_default()) == 1500
    assert [m.to for m in mailoutbox] == [["monthly@example.org"]]


# --- signatures ---------------------------------------------------------------------------


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    timestamp = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), b"%d.%s" % (timestamp, body), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def test_forged_or_stale_signatures_are_refused_and_change_nothing(
    recorder: Any, client: Client
) -> None:
    intent = give("25")
    assert pay(intent)
    real = recorder.wait_for(intent, "payment_intent.succeeded")[0]
    event = json.loads(real.body)
    event["data"]["object"]["amount"] = 999999
    tampered = json.dumps(event).encode()

    attempts = [
        Delivery(tampered, real.signature),  # body changed after signing
        Delivery(real.body, sign(real.body, secret="whsec_someone_else")),
        Delivery(real.body, sign(real.body, at=int(time.time()) - 3600)),  # an hour old
        Delivery(real.body, ""),
        Delivery(b"not json", sign(b"not json")),
    ]
    assert [deliver(client, a) for a in attempts] == [400] * 5
    assert deliver(client, Delivery(real.body, real.signature)) == 200  # the real one passes
    assert StripeEvent.objects.count() == 1


def test_webhook_refuses_get(client: Client) -> None:
    assert client.get("/fund/stripe/webhook/").status_code == 405


def test_refund_of_a_monthly_payment_waits_for_its_invoice(
    recorder: Any, webhook: Any
) -> None:
    started = donation_start(amount="20", email="monthly@example.org", kind="monthly")
    client = gateway.stripe_client()
    card = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    client.v1.setup_intents.confirm(started.intent_id, params={"payment_method": card.id})
    gift = monthly_gift_subscribe(setup_intent_id=started.intent_id)
    paid = recorder.wait_for(gift.customer_id, "invoice.payment_succeeded")
    intent_id = paid[0].event["data"]["object"]["payment_intent"]
    client.v1.refunds.create(params={"payment_intent": intent_id, "amount": 500})
    refunded = recorder.wait_for(intent_id, "charge.refunded")

    for delivery in refunded:  # the refund of a payment not known here yet
        assert webhook(delivery) == 200
    assert StripeEvent.objects.get().status == "waiting"
    assert fund_balance(fund_default()) == 0

    for delivery in paid:  # the invoice lands, and the waiting refund with it
        webhook(delivery)
    assert fund_balance(fund_default()) == 2000 - 500
    assert set(StripeEvent.objects.values_list("status", flat=True)) == {"applied"}


def test_charge_refunded_in_the_current_shape_reads_the_refunds_from_stripe(
    recorder: Any, webhook: Any
) -> None:
    """Since API version 2022-11-15 `charge.refunded` has no refunds list, only the total
    refunded: the refunds are listed from Stripe, each recorded once under its own id."""
    intent = give("40")
    assert pay(intent)
    client = gateway.stripe_client()
    client.v1.refunds.create(params={"payment_intent": intent, "amount": 1000})
    client.v1.refunds.create(params={"payment_intent": intent, "amount": 500})
    paid = recorder.wait_for(intent, "payment_intent.succeeded")

    def both_refunds_told() -> list[Delivery]:
        found = recorder.wait_for(intent, "charge.refunded")
        return [d for d in found if d.event["data"]["object"]["amount_refunded"] == 1500]

    deadline = time.monotonic() + 30
    while not (latest := both_refunds_told()) and time.monotonic() < deadline:
        time.sleep(0.2)
    event = latest[0].event
    event["id"] += "_current_shape"
    event["data"]["object"].pop("refunds", None)
    body = json.dumps(event).encode()

    assert webhook(Delivery(body, sign(body))) == 200
    assert webhook(paid[0]) == 200
    assert fund_balance(fund_default()) == 4000 - 1500
    for delivery in recorder.wait_for(intent, "charge.refunded"):  # older shapes: no repeat
        assert webhook(delivery) == 200
    refunds = sorted(LedgerEntry.objects.filter(kind="refund").values_list("amount_cents",
                                                                           flat=True))
    assert refunds == [-1000, -500]
    assert fund_balance(fund_default()) == 2500
