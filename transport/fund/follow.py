"""A travel-fund grant follows its visit when the family moves it to another time.

visits sends `booking_moved` (old, new, actor) inside the move's transaction, once the new
booking is made; the old one is already cancelled. A grant for the old visit is carried to
the new one when the fund would pay for that visit: in person, at a facility the fund's
program serves, holding a place. Its amount stays to the cent and its ledger entries stay as
they are (money a donor kept for another facility's families is drawn again, where a move
ever changes the facility). Otherwise the grant is released: its money goes back to the
buckets it came from, with the reason, and the family and the coordinators are told.

Whatever the order of `booking_moved`'s receivers: what happens to a grant is decided from
the two bookings and the grant alone, never from the ride, which `transport.rides_follow`
moves or cancels before or after this runs. A ride seat keeps its ride request, the same row
whichever way the ride goes.

Subscribed in FundConfig.ready(), with `subsidy_move_note` for the move pages: visits never
imports the fund.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from notifications.services import event_emit
from notifications.text import Text, moment
from transport.fund.donations import money_text
from transport.fund.ledger import bucket_balance, entry_append
from transport.fund.models import EntryKind, Fund, Subsidy, SubsidyKind, SubsidyStatus
from transport.fund.subsidies import PAYABLE_STATUSES, subsidy_release, visit_month
from transport.models import Stop, StopStatus
from transport.notify import coordinators
from transport.programs import facilities_q, program_of_facility
from visits.models import Booking, Facility, Session, VisitKind

# Why the fund does not pay for the visit a grant would move to (None: it does).
NOT_PAID_VIDEO = "video"
NOT_PAID_PROGRAM = "other_program"
NOT_PAID_VISIT_OFF = "visit_off"

# Why a grant was released, as the coordinators' report and the ledger's memo say it.
RELEASE_REASONS = {
    NOT_PAID_VIDEO: gettext_noop("The visit moved to a video call, which needs no travel."),
    NOT_PAID_PROGRAM: gettext_noop("The visit moved to a time at a facility this program "
                                   "does not serve."),
    NOT_PAID_VISIT_OFF: gettext_noop("The visit moved to a time where it holds no place."),
}
# The same, as the family hears it.
FAMILY_REASONS = {
    NOT_PAID_VIDEO: gettext_noop("Your visit moved to a video call, which needs no travel, so "
                                 "the travel fund no longer pays %(amount)s for your trip."),
    NOT_PAID_PROGRAM: gettext_noop("Our travel fund does not pay for trips to %(facility)s, "
                                   "so it no longer pays %(amount)s for your trip to your "
                                   "visit."),
    NOT_PAID_VISIT_OFF: gettext_noop("Your visit moved to a time where it has no place yet, "
                                     "so the travel fund no longer pays %(amount)s for your "
                                     "trip."),
}
REDRAWN_MEMO = gettext_noop("The visit moved to another facility.")


def why_not_paid(program_id: int | None, new: Booking | Session) -> str | None:
    """Whether the fund of `program_id` pays for the trip to `new` (a booking, or a session
    she is choosing), as a grant would need (see `subsidy_grant`): a visit that holds a
    place, in person, at one of the program's facilities."""
    session = new.session if isinstance(new, Booking) else new
    if isinstance(new, Booking) and new.status not in PAYABLE_STATUSES:
        return NOT_PAID_VISIT_OFF
    if session.kind != VisitKind.IN_PERSON:
        return NOT_PAID_VIDEO
    if not Facility.objects.filter(facilities_q(program_id), pk=session.facility_id).exists():
        return NOT_PAID_PROGRAM
    return None


def _funds_locked(old: Booking) -> dict[int, Fund]:
    """Lock, in primary-key order, the funds a grant for `old` is drawn from: those of its
    grants, and its facility's program's even with none yet, so a grant being made for the
    old visit right now waits and then finds it moved (`subsidy_grant` checks again)."""
    program_id = program_of_facility(old.session.facility_id)
    ids = set(Fund.objects.filter(Q(program_id=program_id) | Q(subsidies__booking_id=old.pk))
              .values_list("pk", flat=True))
    return {fund.pk: fund for fund in
            Fund.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def subsidies_follow_move(sender: Any, *, old: Booking, new: Booking,
                          actor: AbstractBaseUser | None = None, **kwargs: Any) -> None:
    """The family moved her visit: each grant for it moves to the new visit, or is released
    with the reason where the fund does not pay for the new one; she is told either way.

    A ride seat on a ride the family is already riding (a stop picked up) stays with the
    old visit: that ride happened. Runs in the move's transaction; locks the funds.
    """
    funds = _funds_locked(old)
    granted = list(Subsidy.objects.filter(
        booking_id=old.pk, status=SubsidyStatus.GRANTED, fund_id__in=list(funds))
        .order_by("pk"))
    if not granted:
        return
    ridden = set(Stop.objects.filter(request_id__in=[s.ride_request_id for s in granted])
                 .exclude(status=StopStatus.PLANNED).values_list("request_id", flat=True))
    reasons: dict[int, str | None] = {}
    carried: list[Subsidy] = []
    released: dict[str, list[Subsidy]] = defaultdict(list)
    for subsidy in granted:
        if subsidy.kind == SubsidyKind.RIDE_SEAT and subsidy.ride_request_id in ridden:
            continue
        fund = funds[subsidy.fund_id]
        if fund.pk not in reasons:
            reasons[fund.pk] = why_not_paid(fund.program_id, new)
        reason = reasons[fund.pk]
        if reason is None:
            _carry(fund, subsidy, old=old, new=new)
            carried.append(subsidy)
        elif subsidy_release(fund, subsidy, reason=RELEASE_REASONS[reason]):
            released[reason].append(subsidy)
    currency = funds[granted[0].fund_id].currency  # one currency for every fund (settings)
    if carried:
        _tell_family_carried(new, carried, currency)
    for reason, subsidies in released.items():
        _tell_released(new, reason, subsidies, funds)


def _carry(fund: Fund, subsidy: Subsidy, *, old: Booking, new: Booking) -> None:
    """The grant now pays for the new visit, counted in its month (the monthly cap is for
    grants: a move does not take help back from a family already given it)."""
    Subsidy.objects.filter(pk=subsidy.pk, status=SubsidyStatus.GRANTED).update(
        booking=new, visit_month=visit_month(new))
    if new.session.facility_id != old.session.facility_id:
        _earmarks_redraw(fund, subsidy, facility_id=new.session.facility_id,
                         booking_id=new.pk)


def _earmarks_redraw(fund: Fund, subsidy: Subsidy, *, facility_id: int,
                     booking_id: int) -> None:
    """Money a donor kept for another facility's families no longer pays this trip: it goes
    back to that facility's bucket, and the same amount is drawn for the new facility's
    families first, then from the general pot, and only then, for what is still missing,
    from where it came back to. The grant's total and the fund's balance stay the same to
    the cent, and every bucket stays at or above zero."""
    elsewhere = list(subsidy.entries.filter(
        kind=EntryKind.SUBSIDY, reversed_by__isnull=True, earmark__isnull=False)
        .exclude(earmark_id=facility_id).order_by("pk"))
    if not elsewhere:
        return
    returned: dict[int | None, int] = defaultdict(int)
    for entry in elsewhere:
        entry_append(fund=fund, kind=EntryKind.REVERSAL, amount_cents=-entry.amount_cents,
                     source_key=f"reversal:{entry.pk}", earmark_id=entry.earmark_id,
                     reverses=entry, subsidy=subsidy, memo=REDRAWN_MEMO)
        returned[entry.earmark_id] -= entry.amount_cents
    owed = sum(returned.values())
    room = {facility_id: max(bucket_balance(fund, facility_id), 0),
            None: max(bucket_balance(fund, None), 0), **returned}
    for earmark_id, available in room.items():
        part = min(owed, available)
        if part:
            entry_append(fund=fund, kind=EntryKind.SUBSIDY, amount_cents=-part,
                         source_key=f"subsidy:{subsidy.pk}:to-{booking_id}:"
                                    f"{earmark_id or 'general'}",
                         earmark_id=earmark_id, subsidy=subsidy)
            owed -= part


def _tell_family_carried(new: Booking, carried: list[Subsidy], currency: str) -> None:
    """Nothing for her to do: her inbox and live pages, no text message."""
    session = new.session
    event_emit(
        type="fund.subsidy.moved",
        title=Text(gettext_noop("Your travel help moved with your visit")),
        body=Text(gettext_noop("The travel fund still pays %(amount)s for your trip to your "
                               "visit on %(day)s."),
                  {"amount": money_text(sum(s.amount_cents for s in carried), currency),
                   "day": moment(session.starts_at, session.facility.time_zone, "day")}),
        recipients=[new.household.caregiver], external=False,
        data={"booking_id": new.pk, "subsidy_ids": [s.pk for s in carried]},
    )


def _tell_released(new: Booking, reason: str, subsidies: list[Subsidy],
                   funds: dict[int, Fund]) -> None:
    """She hears the fund no longer pays, and exactly why; the coordinators of each fund's
    program, that the money is back (help already handed out may need asking back)."""
    fund = funds[subsidies[0].fund_id]
    amount = money_text(sum(s.amount_cents for s in subsidies), fund.currency)
    event_emit(
        type="fund.subsidy.released",
        title=Text(gettext_noop("The travel fund no longer pays for your trip")),
        body=Text(FAMILY_REASONS[reason],
                  {"amount": amount, "facility": new.session.facility.name}),
        recipients=[new.household.caregiver],
        data={"booking_id": new.pk, "subsidy_ids": [s.pk for s in subsidies]},
    )
    for fund_id in sorted({s.fund_id for s in subsidies}):
        mine = [s for s in subsidies if s.fund_id == fund_id]
        event_emit(
            type="fund.grant.released",
            title=Text(gettext_noop("Travel help released: %(amount)s back in the fund"),
                       {"amount": money_text(sum(s.amount_cents for s in mine),
                                             funds[fund_id].currency)}),
            body=Text(RELEASE_REASONS[reason]),
            recipients=coordinators(funds[fund_id].program_id), external=False,
            data={"subsidy_ids": [s.pk for s in mine]},
        )


def subsidy_move_note(booking: Booking, session: Session | None) -> str | None:
    """What the move pages say of the travel fund's help for this visit, if it has any."""
    granted = list(Subsidy.objects.filter(booking_id=booking.pk, status=SubsidyStatus.GRANTED)
                   .select_related("fund"))
    if not granted:
        return None
    fund = granted[0].fund
    amount = money_text(sum(s.amount_cents for s in granted), fund.currency)
    if session is None:
        return _("The travel fund pays %(amount)s for your trip to this visit. This help "
                 "moves with your visit.") % {"amount": amount}
    reason = why_not_paid(fund.program_id, session)
    if reason == NOT_PAID_VIDEO:
        return _("The new time is a video call, which needs no travel: the travel fund will "
                 "no longer pay %(amount)s for your trip.") % {"amount": amount}
    if reason == NOT_PAID_PROGRAM:
        return _("Our travel fund does not pay for trips to %(facility)s: it will no longer "
                 "pay %(amount)s for your trip.") % {"amount": amount,
                                                     "facility": session.facility.name}
    return _("The %(amount)s the travel fund pays for your trip moves with your visit.") \
        % {"amount": amount}
