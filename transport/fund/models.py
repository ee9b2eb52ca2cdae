"""Travel fund models: gifts, the Stripe events that report on them, the ledger, subsidies.

Money is integer cents in the fund's one currency. The ledger is append-only: a wrong
entry is reversed by a new entry (`reverses`), never edited or deleted; the balance is
always derived from the entries.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from visits.models import Booking, Facility, Household


class Fund(models.Model):
    """One program's pot of money in one currency; its row is what every ledger writer of
    that program locks (a grant, a Stripe event), so programs never wait on each other.

    `program` empty is the unnamed program's fund (coordinators made before programs
    existed); at most one fund a program, and one unnamed.
    """

    slug = models.SlugField(_("short name"), unique=True)
    name = models.CharField(_("name"), max_length=120)
    currency = models.CharField(_("currency"), max_length=3)
    program = models.ForeignKey(
        "transport.Program", on_delete=models.PROTECT, null=True, blank=True,
        related_name="funds", verbose_name=_("program"),
    )

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            # One fund a program, and a single one for the unnamed program (NULL as 0).
            models.UniqueConstraint(Coalesce("program", Value(0)), name="one_fund_per_program"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.program}" if self.program_id else self.name


class DonationStatus(models.TextChoices):
    PENDING = "pending", _("waiting for payment")
    SUCCEEDED = "succeeded", _("paid")
    FAILED = "failed", _("payment failed")


class DonationKind(models.TextChoices):
    ONE_TIME = "one_time", _("one-time gift")
    MONTHLY = "monthly", _("monthly gift")


class MonthlyGift(models.Model):
    """A donor's standing monthly gift: a Stripe Subscription on a Plan of its amount."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="monthly_gifts")
    customer_id = models.CharField(max_length=80)
    setup_intent_id = models.CharField(max_length=80, unique=True)
    subscription_id = models.CharField(max_length=80, unique=True, null=True, blank=True)
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    earmark = models.ForeignKey(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("for families visiting"),
    )
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("monthly gift")
        verbose_name_plural = _("monthly gifts")
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="monthly_gift_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id or self.setup_intent_id} ({self.amount_cents})"


class Donation(models.Model):
    """One payment: a one-time PaymentIntent, or one paid invoice of a monthly gift."""

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="donations")
    kind = models.CharField(max_length=10, choices=DonationKind.choices)
    payment_intent_id = models.CharField(max_length=80, unique=True, null=True, blank=True)
    invoice_id = models.CharField(max_length=80, unique=True, null=True, blank=True)
    charge_id = models.CharField(max_length=80, blank=True)
    monthly_gift = models.ForeignKey(
        MonthlyGift, on_delete=models.PROTECT, null=True, blank=True, related_name="donations"
    )
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(max_length=3)
    earmark = models.ForeignKey(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("for families visiting"),
    )
    email = models.EmailField(_("email"), blank=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(
        _("status"), max_length=10, choices=DonationStatus.choices, default=DonationStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    # Held while the receipt is being emailed; one that ran out means the sender died.
    receipt_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="donation_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_intent_id or self.invoice_id} ({self.amount_cents})"


class StripeEventStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    APPLIED = "applied", _("applied")
    WAITING = "waiting", _("waiting for the payment it refers to")
    IGNORED = "ignored", _("not for the fund")


class StripeEvent(models.Model):
    """Every verified Stripe event, once: its id is unique, so a redelivery is a no-op."""

    event_id = models.CharField(max_length=80, unique=True)
    type = models.CharField(max_length=80)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=StripeEventStatus.choices, default=StripeEventStatus.RECEIVED
    )
    # A refund or dispute that arrives before its payment waits for this PaymentIntent.
    waiting_for = models.CharField(max_length=80, blank=True, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class SubsidyKind(models.TextChoices):
    RIDE_SEAT = "ride_seat", _("a seat on a planned ride")
    MILEAGE = "mileage", _("mileage")
    BUS_FARE = "bus_fare", _("bus fare")
    FUEL_CARD = "fuel_card", _("fuel card")


class SubsidyStatus(models.TextChoices):
    GRANTED = "granted", _("granted")
    REVERSED = "reversed", _("reversed")
    # The visit moved to one the fund does not pay for (a video call, a place the program
    # does not serve): the money went back to the fund, `release_reason` says why.
    RELEASED = "released", _("released")


class Subsidy(models.Model):
    """Help a coordinator grants one household for one visit, paid out of the fund.

    When the family moves the visit to another time, the grant follows it: `booking` names
    the new visit, and the ledger entries that paid it stay as they are (see follow.py).
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="subsidies")
    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=SubsidyKind.choices)
    amount_cents = models.PositiveIntegerField(_("amount (cents)"))
    miles = models.PositiveIntegerField(_("miles"), null=True, blank=True)
    rate_cents_per_mile = models.PositiveIntegerField(null=True, blank=True)
    ride_reference = models.CharField(_("ride"), max_length=80, blank=True)
    # A ride seat is paid for a planned ride: the ride request, and which leg ("" is both).
    # Its trip is read from the leg's stops, since a re-plan may move the leg to another trip.
    ride_request = models.ForeignKey(
        "transport.RideRequest", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="subsidies", verbose_name=_("ride"),
    )
    leg = models.CharField(_("leg"), max_length=10, blank=True,
                           choices=[("outbound", _("To the visit")), ("return", _("Home"))])
    note = models.CharField(_("note"), max_length=300, blank=True)
    # The month of the visit (first day), for the per-household monthly cap.
    visit_month = models.DateField()
    status = models.CharField(
        max_length=10, choices=SubsidyStatus.choices, default=SubsidyStatus.GRANTED
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    # Why a released grant ended, as a msgid (each reader sees it in her language).
    release_reason = models.CharField(_("why it was released"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("subsidy")
        verbose_name_plural = _("subsidies")
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="subsidy_positive"),
            # A retried grant must not pay twice for the same help on the same visit.
            models.UniqueConstraint(
                fields=["booking", "kind"], condition=Q(status="granted"),
                name="one_granted_subsidy_per_kind_and_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.amount_cents})"


class EntryKind(models.TextChoices):
    DONATION = "donation", _("donation")
    REFUND = "refund", _("refund")
    DISPUTE = "dispute", _("dispute")
    DISPUTE_WON = "dispute_won", _("dispute won")
    COVER = "cover", _("shortfall covered by the organisation")
    SUBSIDY = "subsidy", _("subsidy")
    REVERSAL = "reversal", _("reversal")


class AppendOnly(Exception):
    """Raised by any attempt to change or delete a ledger entry."""


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("ledger entries are never updated; reverse them instead")

    def delete(self) -> NoReturn:
        raise AppendOnly("ledger entries are never deleted; reverse them instead")


class LedgerEntry(models.Model):
    """One movement of money, in signed cents: in (> 0) or out (< 0).

    `source_key` names what caused it ("donation:pi_...", "refund:re_...", "subsidy:12",
    "reversal:34") and is unique, so a replayed Stripe event or a retried task cannot
    write the same movement twice. `earmark` is the facility whose families the money is
    kept for (empty: any family).
    """

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    earmark = models.ForeignKey(
        Facility, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("kept for families visiting"),
    )
    source_key = models.CharField(max_length=120, unique=True)
    donation = models.ForeignKey(
        Donation, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    subsidy = models.ForeignKey(
        Subsidy, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    stripe_object_id = models.CharField(max_length=80, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_cents=0), name="ledger_entry_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_cents:+d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("ledger entries are never updated; reverse them instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("ledger entries are never deleted; reverse them instead")
