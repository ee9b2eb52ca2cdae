"""Stripe webhooks: verify, store once, apply once, in any order.

The request only verifies the signature and stores the event (its id is unique); a task
applies it. Applying is idempotent twice over: the event row is claimed under a lock, and
every ledger entry has a unique `source_key` named after the Stripe object behind it.

Order does not matter: any event that proves a payment was made (a refund or a dispute
carries its charge) credits the gift first if its own `payment_intent.succeeded` has not
arrived yet; an event about a payment not known here waits and is applied when it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduler.inputs import InputRejected, loads_bounded
from transport.fund import gateway
from transport.fund.ledger import entry_append, fund_default, fund_lock, outflow_forced
from transport.fund.models import (
    Donation,
    DonationKind,
    DonationStatus,
    EntryKind,
    Fund,
    LedgerEntry,
    MonthlyGift,
    StripeEvent,
    StripeEventStatus,
)

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300


class BadSignature(Exception):
    """The payload is not a Stripe event signed with our secret within the tolerance."""


class BadPayload(BadSignature):
    """Signed, but not an event we can store: not JSON, too big or deep, an id past 80
    characters, text with a NUL or a lone surrogate (the database would refuse it later)."""


# Stripe's events are a few kilobytes; a megabyte leaves room for any expanded object.
MAX_EVENT_BYTES = 1024 * 1024
MAX_EVENT_DEPTH = 40


def event_verify(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """The event as a dict, if `signature` is Stripe's for this raw `payload`.

    Raises BadSignature for a missing, forged or stale (older than 5 minutes) signature,
    BadPayload for a signed body that is not an event we can store.
    """
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature or "", settings.STRIPE_WEBHOOK_SECRET, SIGNATURE_TOLERANCE_SECONDS,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
        raise BadSignature(str(exc)) from exc
    try:
        event = loads_bounded(payload, max_bytes=MAX_EVENT_BYTES, max_depth=MAX_EVENT_DEPTH)
    except InputRejected as exc:
        raise BadPayload(exc.message) from exc
    event_id = event.get("id") if isinstance(event, dict) else None
    if not isinstance(event_id, str) or not event_id.startswith("evt_") or len(event_id) > 80:
        raise BadPayload("not an event")
    return event


def event_record(event: dict[str, Any]) -> tuple[StripeEvent, bool]:
    """Store a verified event once; a redelivery returns the stored row (created=False).

    The task is enqueued only after commit and only for a new row.
    """
    try:
        with transaction.atomic():
            row = StripeEvent.objects.create(
                event_id=event["id"], type=str(event.get("type", ""))[:80], payload=event
            )
    except IntegrityError:
        return StripeEvent.objects.get(event_id=event["id"]), False
    transaction.on_commit(lambda: _enqueue(row.pk))
    return row, True


def _enqueue(event_pk: int) -> None:
    from transport.fund.tasks import apply_stripe_event

    try:
        apply_stripe_event.enqueue(event_pk=event_pk)
    except Exception:  # stored; `fund_events_apply_pending` picks it up later
        logger.exception("could not enqueue Stripe event %s", event_pk)


def event_apply(*, event_pk: int) -> str:
    """Apply one stored event to the ledger (once, whatever the retries). Returns its status.

    Raises PaymentServiceDown when Stripe must be asked first and is away (the event stays
    as it was; the sweep applies it later).
    """
    fetched = _fetch_before_applying(event_pk)
    try:
        with transaction.atomic():
            row = StripeEvent.objects.select_for_update().get(pk=event_pk)
            if row.status in (StripeEventStatus.APPLIED, StripeEventStatus.IGNORED):
                return row.status
            obj = {**((row.payload.get("data") or {}).get("object") or {}), **fetched}
            # Only the fund of the gift's program is locked: programs never wait on each
            # other. An event about no gift of ours locks nothing (and writes nothing).
            fund_id = fund_of_event(row.type, obj)
            fund = fund_lock(fund_id) if fund_id else None
            handler = HANDLERS.get(row.type)
            outcome = handler(fund, obj) if handler else Outcome(StripeEventStatus.IGNORED)
            StripeEvent.objects.filter(pk=row.pk).update(
                status=outcome.status, waiting_for=outcome.waiting_for,
                applied_at=timezone.now() if outcome.status == StripeEventStatus.APPLIED
                else None,
            )
    except OtherFund:
        # The gift appeared between the lookup and the lock: the sweep applies it later.
        logger.warning("Stripe event %s: its gift appeared meanwhile; retried later", event_pk)
        return StripeEventStatus.RECEIVED
    for donation_id in outcome.credited:
        _after_credit(donation_id)
    return outcome.status


class OtherFund(Exception):
    """A handler met a gift of a fund other than the one locked (rolled back, retried)."""


def fund_of_event(event_type: str, obj: dict[str, Any]) -> int | None:
    """The fund an event is about: its gift's (a one-time gift by its PaymentIntent, a
    monthly one by its subscription), else the fund its PaymentIntent's metadata names.
    A gift's fund never changes, so reading it before the lock is safe."""
    if event_type.startswith("invoice."):
        gift = _monthly_gift_of(obj)
        return gift.fund_id if gift is not None else None
    intent_id = _id(obj) if obj.get("object") == "payment_intent" else _intent_of(obj)
    found = Donation.objects.filter(payment_intent_id=intent_id or "-").values_list(
        "fund_id", flat=True).first()
    if found is not None or obj.get("object") != "payment_intent":
        return found
    return _fund_from_metadata(obj.get("metadata") or {})


def _fund_from_metadata(meta: dict[str, Any]) -> int | None:
    """Our intents say `fund: travel` and which fund (older ones: the unnamed program's)."""
    if meta.get("fund") != "travel":
        return None
    raw = str(meta.get("fund_id") or "")
    if raw.isdigit() and Fund.objects.filter(pk=int(raw)).exists():
        return int(raw)
    return fund_default().pk


def _same_fund(fund: Fund | None, fund_id: int) -> Fund:
    if fund is None or fund.pk != fund_id:
        raise OtherFund()
    return fund


def _fetch_before_applying(event_pk: int) -> dict[str, Any]:
    """What an event leaves out and the ledger needs, read from Stripe before the
    transaction (never call Stripe holding the fund's lock).

    Since API version 2022-11-15 a `charge.refunded` event carries no `refunds` list, only
    `amount_refunded`: the charge's refunds are listed instead, and each is recorded once
    under its own id (the same key `refund.created` / `refund.updated` use).
    """
    row = StripeEvent.objects.filter(pk=event_pk).values("type", "payload", "status").first()
    if row is None or row["type"] != "charge.refunded" or row["status"] in (
            StripeEventStatus.APPLIED, StripeEventStatus.IGNORED):
        return {}
    charge = (row["payload"].get("data") or {}).get("object") or {}
    if (charge.get("refunds") or {}).get("data") or not int(charge.get("amount_refunded") or 0):
        return {}
    return {"refunds": {"data": gateway.refunds_of_charge(_id(charge))}}


class Outcome:
    def __init__(self, status: str, *, waiting_for: str = "", credited: list[int] | None = None):
        self.status, self.waiting_for, self.credited = status, waiting_for, credited or []


def _after_credit(donation_id: int) -> None:
    """Send the receipt and wake events that waited for this payment (after commit)."""
    from transport.fund.tasks import send_receipt

    donation = Donation.objects.get(pk=donation_id)
    waiting = list(StripeEvent.objects.filter(
        status=StripeEventStatus.WAITING, waiting_for=donation.payment_intent_id or "-"
    ).values_list("pk", flat=True))

    def later() -> None:
        send_receipt.enqueue(donation_id=donation_id)
        for pk in waiting:
            _enqueue(pk)

    transaction.on_commit(later)


# --- reading Stripe objects (ids or expanded objects, old and new API shapes) ------------


def _id(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _intent_of(obj: dict[str, Any]) -> str:
    """The PaymentIntent behind a charge, refund, dispute or invoice."""
    direct = _id(obj.get("payment_intent"))
    if direct:
        return direct
    charge = obj.get("charge")
    if isinstance(charge, dict):
        return _id(charge.get("payment_intent"))
    for payment in ((obj.get("payments") or {}).get("data") or []):
        found = _id((payment.get("payment") or {}).get("payment_intent"))
        if found:
            return found
    return ""


def _donation_for_intent(fund: Any, intent_id: str, obj: dict[str, Any]) -> Donation | None:
    """Our gift behind a PaymentIntent; rebuilt from its metadata if the row was lost."""
    if not intent_id:
        return None
    donation = Donation.objects.select_for_update().filter(payment_intent_id=intent_id).first()
    if donation is not None:
        _same_fund(fund, donation.fund_id)
        return donation
    meta = obj.get("metadata") or {}
    if obj.get("object") == "payment_intent" and meta.get("fund") == "travel" \
            and meta.get("kind") == DonationKind.ONE_TIME:
        fund = _same_fund(fund, _fund_from_metadata(meta) or 0)
        earmark = meta.get("earmark") or None
        return Donation.objects.create(
            fund=fund, kind=DonationKind.ONE_TIME, payment_intent_id=intent_id,
            amount_cents=int(obj["amount"]), currency=str(obj.get("currency", fund.currency)),
            earmark_id=int(earmark) if earmark else None,
        )
    return None


def _credit(fund: Any, donation: Donation, charge_id: str = "") -> bool:
    """Land the gift in the ledger (once) and mark it paid. True if it landed now."""
    _entry, created = entry_append(
        fund=fund, kind=EntryKind.DONATION, amount_cents=donation.amount_cents,
        source_key=f"donation:{donation.payment_intent_id or donation.invoice_id}",
        earmark_id=donation.earmark_id, donation=donation,
        stripe_object_id=donation.payment_intent_id or donation.invoice_id or "",
    )
    changes: dict[str, Any] = {"status": DonationStatus.SUCCEEDED}
    if donation.paid_at is None:
        changes["paid_at"] = timezone.now()
    if charge_id and not donation.charge_id:
        changes["charge_id"] = charge_id
    Donation.objects.filter(pk=donation.pk).update(**changes)
    return created


# --- handlers: one per event type ------------------------------------------------------


def on_payment_succeeded(fund: Any, intent: dict[str, Any]) -> Outcome:
    if intent.get("invoice"):  # a monthly gift's payment lands with its invoice event
        return Outcome(StripeEventStatus.IGNORED)
    donation = _donation_for_intent(fund, _id(intent), intent)
    if donation is None:
        return Outcome(StripeEventStatus.IGNORED)
    landed = _credit(fund, donation, _id(intent.get("latest_charge")))
    return Outcome(StripeEventStatus.APPLIED, credited=[donation.pk] if landed else [])


def on_payment_failed(fund: Any, intent: dict[str, Any]) -> Outcome:
    # Only a pending gift becomes failed: a late "failed" after a retry that
    # succeeded must not undo the success.
    Donation.objects.filter(
        payment_intent_id=_id(intent), status=DonationStatus.PENDING
    ).update(status=DonationStatus.FAILED)
    return Outcome(StripeEventStatus.APPLIED)


def on_invoice_paid(fund: Any, invoice: dict[str, Any]) -> Outcome:
    gift = _monthly_gift_of(invoice)
    amount = int(invoice.get("amount_paid") or invoice.get("total") or 0)
    if gift is None or amount <= 0:
        return Outcome(StripeEventStatus.IGNORED)
    fund = _same_fund(fund, gift.fund_id)
    donation, _new = Donation.objects.get_or_create(
        invoice_id=_id(invoice),
        defaults={
            "fund": fund, "kind": DonationKind.MONTHLY, "monthly_gift": gift,
            "payment_intent_id": _intent_of(invoice) or None, "amount_cents": amount,
            "currency": str(invoice.get("currency") or fund.currency), "earmark": gift.earmark,
            "email": gift.email, "name": gift.name, "language": gift.language,
        },
    )
    landed = _credit(fund, donation, _id(invoice.get("charge")))
    return Outcome(StripeEventStatus.APPLIED, credited=[donation.pk] if landed else [])


def _monthly_gift_of(invoice: dict[str, Any]) -> MonthlyGift | None:
    subscription = _id(invoice.get("subscription")) or _id(
        ((invoice.get("parent") or {}).get("subscription_details") or {}).get("subscription")
    )
    gift = MonthlyGift.objects.filter(subscription_id=subscription).first() if subscription \
        else None
    if gift is None and invoice.get("customer"):
        # The invoice can be paid before the subscription id is saved on our side.
        gift = MonthlyGift.objects.filter(customer_id=_id(invoice["customer"])).first()
    return gift


def _paid_donation(fund: Any, obj: dict[str, Any]) -> tuple[Donation | None, str, list[int]]:
    """The gift a charge/refund/dispute is about, credited first if it was not yet.

    Returns the gift, its PaymentIntent id and the gifts credited just now (for receipts).
    """
    intent_id = _intent_of(obj)
    donation = _donation_for_intent(fund, intent_id, {})
    if donation is None:
        return None, intent_id, []
    # A refund or dispute exists only for a charge that succeeded: the gift was paid.
    landed = _credit(fund, donation)
    return donation, intent_id, [donation.pk] if landed else []


def on_charge_refunded(fund: Any, charge: dict[str, Any]) -> Outcome:
    donation, intent_id, credited = _paid_donation(fund, charge)
    if donation is None:
        return _wait_or_ignore(intent_id)
    for refund in ((charge.get("refunds") or {}).get("data") or []):
        _refund_record(fund, donation, refund)
    return Outcome(StripeEventStatus.APPLIED, credited=credited)


def on_refund(fund: Any, refund: dict[str, Any]) -> Outcome:
    donation, intent_id, credited = _paid_donation(fund, refund)
    if donation is None:
        return _wait_or_ignore(intent_id)
    _refund_record(fund, donation, refund)
    return Outcome(StripeEventStatus.APPLIED, credited=credited)


def _refund_record(fund: Any, donation: Donation, refund: dict[str, Any]) -> None:
    key = f"refund:{_id(refund)}"
    if refund.get("status") in ("failed", "canceled"):
        _reverse_by_key(fund, key, memo="refund failed")
        return
    outflow_forced(
        fund=fund, kind=EntryKind.REFUND, amount_cents=int(refund["amount"]), source_key=key,
        earmark_id=donation.earmark_id, donation=donation, stripe_object_id=_id(refund),
    )


def on_dispute_opened(fund: Any, dispute: dict[str, Any]) -> Outcome:
    donation, intent_id, credited = _paid_donation(fund, dispute)
    if donation is None:
        return _wait_or_ignore(intent_id)
    _dispute_debit(fund, donation, dispute)
    return Outcome(StripeEventStatus.APPLIED, credited=credited)


def on_dispute_closed(fund: Any, dispute: dict[str, Any]) -> Outcome:
    """Closed implies opened (it may arrive first); a won dispute gives the money back."""
    donation, intent_id, credited = _paid_donation(fund, dispute)
    if donation is None:
        return _wait_or_ignore(intent_id)
    _dispute_debit(fund, donation, dispute)
    if dispute.get("status") == "won":
        entry_append(
            fund=fund, kind=EntryKind.DISPUTE_WON, amount_cents=int(dispute["amount"]),
            source_key=f"dispute-won:{_id(dispute)}", earmark_id=donation.earmark_id,
            donation=donation, stripe_object_id=_id(dispute),
        )
    return Outcome(StripeEventStatus.APPLIED, credited=credited)


def _dispute_debit(fund: Any, donation: Donation, dispute: dict[str, Any]) -> None:
    outflow_forced(
        fund=fund, kind=EntryKind.DISPUTE, amount_cents=int(dispute["amount"]),
        source_key=f"dispute:{_id(dispute)}", earmark_id=donation.earmark_id,
        donation=donation, stripe_object_id=_id(dispute),
    )


def _reverse_by_key(fund: Any, key: str, *, memo: str) -> None:
    entry = LedgerEntry.objects.filter(source_key=key).first()
    if entry is not None and not hasattr(entry, "reversed_by"):
        entry_append(
            fund=fund, kind=EntryKind.REVERSAL, amount_cents=-entry.amount_cents,
            source_key=f"reversal:{entry.pk}", earmark_id=entry.earmark_id, reverses=entry,
            donation_id=entry.donation_id, memo=memo,
        )


def _wait_or_ignore(intent_id: str) -> Outcome:
    """A payment we know nothing of yet: wait for it if it could still become ours."""
    if intent_id:
        return Outcome(StripeEventStatus.WAITING, waiting_for=intent_id)
    return Outcome(StripeEventStatus.IGNORED)


HANDLERS: dict[str, Callable[[Any, dict[str, Any]], Outcome]] = {
    "payment_intent.succeeded": on_payment_succeeded,
    "payment_intent.payment_failed": on_payment_failed,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_succeeded": on_invoice_paid,
    "charge.refunded": on_charge_refunded,
    "refund.created": on_refund,
    "refund.updated": on_refund,
    "charge.refund.updated": on_refund,
    "charge.dispute.created": on_dispute_opened,
    "charge.dispute.closed": on_dispute_closed,
}


def events_apply_pending() -> int:
    """Apply stored events whose task was lost or failed (a crash between commit and
    enqueue, Stripe away while a refund list was read), and waiting ones whose wake-up was
    lost; a waiting event whose payment is still unknown simply waits on."""
    pending = StripeEvent.objects.filter(
        status__in=[StripeEventStatus.RECEIVED, StripeEventStatus.WAITING]
    ).order_by("pk").values_list("pk", flat=True)
    applied = 0
    for pk in list(pending):
        try:
            applied += event_apply(event_pk=pk) == StripeEventStatus.APPLIED
        except Exception:  # one that cannot be applied now must not hold up the others
            logger.warning("Stripe event %s not applied yet; the next sweep tries again", pk)
    return applied