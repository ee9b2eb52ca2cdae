"""Receipts by email, in the language the donor used on the donation page."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from transport.fund.donations import money_text
from transport.fund.models import Donation, DonationKind, DonationStatus

logger = logging.getLogger(__name__)


def receipt_send(*, donation_id: int) -> bool:
    """Send one receipt for a paid gift; True if this call sent it.

    The gift is claimed with a compare-and-swap on `receipt_sent_at`, so two workers
    (or a retried task) send it once. If the mail server fails, the claim is undone so a
    later retry can send it.
    """
    claimed = Donation.objects.filter(
        pk=donation_id, status=DonationStatus.SUCCEEDED, receipt_sent_at__isnull=True
    ).exclude(email="").update(receipt_sent_at=timezone.now())
    if not claimed:
        return False
    donation = Donation.objects.select_related("earmark").get(pk=donation_id)
    try:
        with translation.override(donation.language or "en"):
            send_mail(_receipt_subject(), _receipt_body(donation), None, [donation.email])
    except Exception:
        Donation.objects.filter(pk=donation_id).update(receipt_sent_at=None)
        logger.exception("could not email the receipt for donation %s", donation_id)
        raise
    return True


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
    if donation.earmark_id:
        lines.append(_("It will pay for rides of families visiting %(place)s.")
                     % {"place": donation.earmark.name})
    lines += ["", _("Reference: %(ref)s") % {
        "ref": donation.payment_intent_id or donation.invoice_id
    }, "", _("Thank you for helping children see their parents.")]
    return "\n".join(lines)
