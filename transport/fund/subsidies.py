"""Write services for subsidies: a coordinator pays for a family's trip out of the fund.

Each grant is one transaction that locks the fund's row, re-reads the balances from the
entries under that lock, checks the household's monthly cap, then writes the subsidy, its
ledger entries and the event that tells the family, all or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.services import event_emit
from notifications.text import Text, moment, term
from scheduler.errors import Conflict, InvalidInput, NotFound
from transport.access import coordinator_program
from transport.fund.donations import money_text
from transport.fund.errors import InsufficientFunds, MonthlyCapReached
from transport.fund.ledger import bucket_balance, entry_append, fund_for_program, fund_lock
from transport.fund.models import (
    EntryKind,
    Fund,
    LedgerEntry,
    Subsidy,
    SubsidyKind,
    SubsidyStatus,
)
from transport.models import LIVE_RIDE_STATUSES, Leg, RideRequest, Stop
from transport.programs import facilities_q, grants_q
from visits.models import HOLDING_STATUSES, Booking, BookingStatus

MAX_MILES = 2000
MAX_SUBSIDY_CENTS = 100_000
# A subsidy pays for a trip that happens (or happened): not for a visit that is off.
PAYABLE_STATUSES = tuple(s for s in HOLDING_STATUSES if s != BookingStatus.NO_SHOW)


def subsidy_amount(*, kind: Any, amount: Any = None, miles: Any = None) -> tuple[int, int | None]:
    """The subsidy in cents (and miles for mileage) from what the coordinator entered.

    Mileage is miles x FUND_MILEAGE_RATE_CENTS; the other kinds take an amount in cents.
    Raises InvalidInput naming the field to fix.
    """
    if kind not in SubsidyKind.values:
        raise InvalidInput(fields={"kind": [_("Choose the kind of help.")]})
    if kind == SubsidyKind.MILEAGE:
        count = _whole_number(miles, "miles", _("Enter the miles driven, a whole number."))
        if not 1 <= count <= MAX_MILES:
            raise InvalidInput(fields={"miles": [
                _("Miles must be between 1 and %(max)d.") % {"max": MAX_MILES}]})
        return count * settings.FUND_MILEAGE_RATE_CENTS, count
    cents = _whole_number(amount, "amount_cents", _("Enter the amount in cents, e.g. 1250."))
    if not 1 <= cents <= MAX_SUBSIDY_CENTS:
        raise InvalidInput(fields={"amount_cents": [
            _("The amount must be between 1 and %(max)d cents.") % {"max": MAX_SUBSIDY_CENTS}]})
    return cents, None


def _whole_number(raw: Any, field: str, message: str) -> int:
    if isinstance(raw, bool):
        raise InvalidInput(fields={field: [message]})
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise InvalidInput(fields={field: [message]}) from None


def _booking_for_subsidy(booking_id: Any, program_id: int | None) -> Booking:
    """A visit to a facility the coordinator's program serves: a grant belongs to the
    program of the visit's facility, like its ride (another program's visit is not found)."""
    try:
        pk = int(booking_id)
    except (TypeError, ValueError):
        raise InvalidInput(fields={"booking": [_("Choose a visit.")]}) from None
    booking = Booking.objects.select_related("session__facility", "household__caregiver") \
        .filter(facilities_q(program_id, "session__facility__"), pk=pk).first()
    if booking is None:
        raise NotFound(_("We could not find that visit."))
    if booking.status not in PAYABLE_STATUSES:
        raise Conflict(_("This visit is not going ahead, so its trip cannot be paid for."))
    return booking


@dataclass(frozen=True)
class RideSeat:
    request: RideRequest
    leg: str  # "" for both legs


def _seat_for(booking: Booking, leg: Any) -> RideSeat:
    """The visit's ride whose seat is paid: it must be asked for and on a trip (that leg)."""
    leg = str(leg or "")
    if leg not in ("", *Leg.values):
        raise InvalidInput(fields={"leg": [_("Choose the ride to the visit or the ride home.")]})
    ride = RideRequest.objects.filter(booking=booking, status__in=LIVE_RIDE_STATUSES).first()
    if ride is None:
        raise Conflict(_("This visit has no ride to pay a seat on. A ride seat is for a "
                         "family riding with a volunteer driver."), code="no_ride")
    if leg and leg not in ride.legs:
        raise InvalidInput(fields={"leg": [_("This family did not ask for that ride.")]})
    planned = set(Stop.objects.filter(request=ride).values_list("leg", flat=True))
    if not planned or (leg and leg not in planned):
        raise Conflict(_("This ride is not on a trip yet: plan the day first, then pay the "
                         "seat."), code="ride_not_planned")
    return RideSeat(ride, leg)


def visit_month(booking: Booking) -> dt.date:
    """First day of the visit's month, in the facility's time zone."""
    local = booking.session.starts_at.astimezone(booking.session.facility.tz)
    return local.date().replace(day=1)


def household_month_total(fund: Fund, household_id: int, month: dt.date) -> int:
    granted = Subsidy.objects.filter(
        fund=fund, household_id=household_id, visit_month=month, status=SubsidyStatus.GRANTED
    )
    return granted.aggregate(s=Sum("amount_cents"))["s"] or 0


def subsidy_grant(
    *,
    actor: AbstractBaseUser,
    booking_id: Any,
    kind: Any,
    amount_cents: Any = None,
    miles: Any = None,
    ride_reference: Any = "",
    note: Any = "",
    leg: Any = "",
) -> Subsidy:
    """Pay for one family's trip to one visit. A ride seat is linked to the visit's planned
    ride (one leg, or both when `leg` is empty).

    Draws from the fund of the program that plans the visit's ride (hers: another
    program's visit is not found). Locks that fund's row. Raises NotPermitted (not a
    coordinator), InvalidInput, NotFound,
    Conflict (visit off, same help already granted, no planned ride for a ride seat),
    InsufficientFunds, MonthlyCapReached.
    """
    program_id = coordinator_program(actor)
    cents, mile_count = subsidy_amount(kind=kind, amount=amount_cents, miles=miles)
    note_text, ride_text = str(note or "").strip(), str(ride_reference or "").strip()
    if len(note_text) > 300 or len(ride_text) > 80:
        raise InvalidInput(fields={"note": [_("The note is too long (300 characters at most).")]})
    booking = _booking_for_subsidy(booking_id, program_id)
    seat = _seat_for(booking, leg) if kind == SubsidyKind.RIDE_SEAT else None
    fund_id = fund_for_program(program_id).pk
    try:
        with transaction.atomic():
            fund = fund_lock(fund_id)
            # The visit was read before the lock: a move or a cancellation may have ended
            # it since. A move takes this lock too (follow.py), so either it sees this grant
            # and takes it along, or this sees the visit off.
            if not Booking.objects.filter(pk=booking.pk, status__in=PAYABLE_STATUSES).exists():
                raise Conflict(_("This visit is not going ahead, so its trip cannot be paid "
                                 "for."))
            subsidy = _grant_locked(fund, booking, actor, kind, cents, mile_count,
                                    ride_text, note_text, seat)
    except IntegrityError:
        raise Conflict(_("This help was already granted for this visit.")) from None
    return subsidy


def _grant_locked(
    fund: Fund, booking: Booking, actor: AbstractBaseUser, kind: str, cents: int,
    miles: int | None, ride_reference: str, note: str, seat: RideSeat | None = None,
) -> Subsidy:
    facility_id = booking.session.facility_id
    kept_for_facility = max(bucket_balance(fund, facility_id), 0)
    general = max(bucket_balance(fund, None), 0)
    if cents > kept_for_facility + general:
        raise InsufficientFunds(extra={"available_cents": kept_for_facility + general})
    month = visit_month(booking)
    used = household_month_total(fund, booking.household_id, month)
    cap = settings.FUND_HOUSEHOLD_MONTHLY_CAP_CENTS
    if used + cents > cap:
        raise MonthlyCapReached(extra={"remaining_cents": max(cap - used, 0)})
    subsidy = Subsidy.objects.create(
        fund=fund, booking=booking, household_id=booking.household_id, kind=kind,
        amount_cents=cents, miles=miles,
        rate_cents_per_mile=settings.FUND_MILEAGE_RATE_CENTS if miles else None,
        ride_reference=ride_reference, note=note, visit_month=month, granted_by=actor,
        ride_request=seat.request if seat else None, leg=seat.leg if seat else "",
    )
    # Money kept for this facility's families is spent first, then the general pot.
    from_facility = min(cents, kept_for_facility)
    for earmark_id, part in ((facility_id, from_facility), (None, cents - from_facility)):
        if part:
            entry_append(
                fund=fund, kind=EntryKind.SUBSIDY, amount_cents=-part,
                source_key=f"subsidy:{subsidy.pk}:{earmark_id or 'general'}",
                earmark_id=earmark_id, subsidy=subsidy, created_by=actor,
            )
    _tell_family(booking, subsidy, fund)
    return subsidy


def _tell_family(booking: Booking, subsidy: Subsidy, fund: Fund) -> None:
    # The kind and the day are worded when she reads it, in her language (not the
    # coordinator's): the kind's msgid, the visit's day on the facility's clock.
    with translation.override(None):
        kind = str(SubsidyKind(subsidy.kind).label)
    session = booking.session
    event_emit(
        type="fund.subsidy.granted",
        title=Text(gettext_noop("Your trip is paid for")),
        body=Text(
            gettext_noop("The travel fund pays %(amount)s (%(kind)s) for your visit on %(day)s."),
            {"amount": money_text(subsidy.amount_cents, fund.currency), "kind": term(kind),
             "day": moment(session.starts_at, session.facility.time_zone, "day")},
        ),
        recipients=[booking.household.caregiver],
        data={"booking_id": booking.pk, "subsidy_id": subsidy.pk},
    )


def subsidy_reverse(*, actor: AbstractBaseUser, subsidy_id: Any, reason: Any) -> Subsidy:
    """Undo a grant made in error: reversal entries give the money back to the fund.

    Locks the grant's fund row. Raises NotPermitted, NotFound, InvalidInput (no reason),
    Conflict.
    """
    program_id = coordinator_program(actor)
    # A coordinator undoes her program's grants; a superuser (in the admin) any.
    mine = Q() if getattr(actor, "is_superuser", False) else grants_q(program_id)
    reason_text = str(reason or "").strip()
    if not reason_text or len(reason_text) > 300:
        raise InvalidInput(fields={"reason": [_("Say why (300 characters at most).")]})
    pk = _whole_number(subsidy_id, "subsidy", _("Choose a subsidy."))
    fund_id = Subsidy.objects.filter(mine, pk=pk).values_list("fund_id", flat=True).first()
    if fund_id is None:
        raise Conflict(_("This subsidy is not granted (or was already reversed)."))
    with transaction.atomic():
        fund = fund_lock(fund_id)
        changed = Subsidy.objects.filter(
            mine, pk=pk, status=SubsidyStatus.GRANTED,
        ).update(status=SubsidyStatus.REVERSED)
        if not changed:
            raise Conflict(_("This subsidy is not granted (or was already reversed)."))
        subsidy = Subsidy.objects.get(pk=subsidy_id)
        entries_reverse(fund, subsidy, memo=reason_text, actor=actor)
    return subsidy


def entries_reverse(fund: Fund, subsidy: Subsidy, *, memo: str,
                    actor: AbstractBaseUser | None) -> list[LedgerEntry]:
    """Give the grant's money back to the buckets it came from: an equal and opposite entry
    for each of its payments not yet reversed. The caller holds the fund's lock."""
    live = subsidy.entries.filter(kind=EntryKind.SUBSIDY, reversed_by__isnull=True)
    return [entry_append(
        fund=fund, kind=EntryKind.REVERSAL, amount_cents=-entry.amount_cents,
        source_key=f"reversal:{entry.pk}", earmark_id=entry.earmark_id, reverses=entry,
        subsidy=subsidy, memo=memo, created_by=actor,
    )[0] for entry in live.order_by("pk")]


def subsidy_release(fund: Fund, subsidy: Subsidy, *, reason: str) -> bool:
    """The visit went where the fund does not pay (`reason`, a msgid): the grant is
    released and its money goes back to the buckets it came from, as a reversal would.
    False if it was no longer granted. The caller holds the fund's lock."""
    changed = Subsidy.objects.filter(pk=subsidy.pk, status=SubsidyStatus.GRANTED).update(
        status=SubsidyStatus.RELEASED, release_reason=reason)
    if not changed:
        return False
    entries_reverse(fund, subsidy, memo=reason, actor=None)
    subsidy.status, subsidy.release_reason = SubsidyStatus.RELEASED, reason
    return True
