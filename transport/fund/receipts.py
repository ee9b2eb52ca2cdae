"""Receipts by email, in the language the donor used on the donation page."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from scheduler.leases import lease_claim, lease_free, lease_release
from transport.fund.donations import money_text
from transport.fund.models import Donation, DonationKind, DonationStatus

logger = logging.getLogger(__name__)


# A receipt whose task has not sent it this long after payment is swept up (lost or killed).
RECEIPT_SWEEP_AFTER = dt.timedelta(minutes=5)


def receipt_send(*, donation_id: int) -> bool:
    """Send one receipt for a paid gift; True if this call sent it.

    The gift is leased (compare-and-swap on `receipt_lease_until`) while the mail goes, and
    `receipt_sent_at` is written only after the mail server took it: two workers (or a
    retried task) send it once, and a sender killed mid-send leaves a lease that runs out,
    so `receipts_send_due` sends it again (at least once; the Message-ID stays the same).
    Raises what the mail server raised, after giving the lease back.
    """
    until = lease_claim(
        Donation, pk=donation_id, field="receipt_lease_until",
        seconds=settings.SEND_LEASE_SECONDS, status=DonationStatus.SUCCEEDED,
        receipt_sent_at__isnull=True, email__gt="",
    )
    if until is None:
        return False
    donation = Donation.objects.select_related("earmark", "fund__program").get(pk=donation_id)
    try:
        with translation.override(donation.language or "en"):
            EmailMessage(subject=_receipt_subject(), body=_receipt_body(donation),
                         to=[donation.email],
                         headers={"Message-ID": receipt_message_id(donation)}).send()
    except Exception:
        lease_release(Donation, pk=donation_id, field="receipt_lease_until", until=until)
        logger.exception("could not email the receipt for donation %s", donation_id)
        raise
    Donation.objects.filter(pk=donation_id).update(
        receipt_sent_at=timezone.now(), receipt_lease_until=None)
    return True


def receipt_message_id(donation: Donation) -> str:
    """The same Message-ID every time this gift's receipt is sent."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(">") or "localhost"
    return f"<receipt-{donation.pk}@{domain}>"


def receipts_send_due(*, now: dt.datetime | None = None) -> int:
    """Send the receipts of paid gifts that were never confirmed sent (task lost, or its
    worker killed mid-send); returns how many went."""
    now = now or timezone.now()
    due = (
        Donation.objects.filter(status=DonationStatus.SUCCEEDED, receipt_sent_at__isnull=True,
                                email__gt="", paid_at__lte=now - RECEIPT_SWEEP_AFTER)
        .filter(lease_free("receipt_lease_until", now=now))
        .order_by("pk").values_list("pk", flat=True)[:200]
    )
    sent = 0
    for donation_id in list(due):
        try:
            sent += receipt_send(donation_id=donation_id)
        except Exception:  # the next sweep tries again; go on with the others
            logger.warning("receipt for donation %s not sent yet", donation_id)
    return sent


def _receipt_subject() -> str:
    return _("Thank you: your gift to the travel fund")


def _receipt_body(donation: Donation) -> str:
    lines = [
        _("Dear %(name)s,") % {"name": donation.name or _("friend")},
        "",
        _("We received your gift of %(amount)s on %(day)s.") % {
            "amount": money_text(donation.amount_cents, donation.currency),
            "day": (donation.paid_at or timezone.now()).date().isoformat(),
        },
    ]
    if donation.kind == DonationKind.MONTHLY:
        lines.append(_("This is one payment of your monthly gift."))
    if donation.fund.program_id:
        lines.append(_("It goes to the travel fund of %(program)s.")
                     % {"program": donation.fund.program.name})
    if donation.earmark_id:
        lines.append(_("It will pay for rides of families visiting %(place)s.")
                     % {"place": donation.earmark.name})
    lines += ["", _("Reference: %(ref)s") % {
        "ref": donation.payment_intent_id or donation.invoice_id
    }, "", _("Thank you for helping children see their parents.")]
    return "\n".join(lines)
