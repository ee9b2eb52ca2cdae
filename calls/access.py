"""Who may be on a booking's call: the household's approved caregiver, the resident's unit's
station, the facility's liaisons (as visible monitors). Nobody else learns the call exists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext as _

from calls.models import CallRole, Station
from scheduler.errors import Conflict, NotFound, NotPermitted
from visits.models import (
    ApprovalStatus,
    ApprovedVisitor,
    Booking,
    BookingStatus,
    Liaison,
    SessionStatus,
    VisitKind,
)

# A call is held for a confirmed booking (checked in counts: the liaison saw them arrive).
CALLABLE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN)


@dataclass(frozen=True)
class Seat:
    """The acting person's place on one booking's call."""

    booking: Booking
    role: str
    station: Station | None = None


def booking_for_call(booking_id: int) -> Booking:
    booking = (
        Booking.objects.select_related("session__facility", "resident", "household")
        .filter(pk=booking_id, session__kind=VisitKind.VIDEO).first()
    )
    if booking is None:
        raise NotFound(_("We could not find that call."), code="call_not_found")
    return booking


def seat_of(user: AbstractBaseUser, booking_id: int) -> Seat:
    """The user's role on the call, or NotFound (a stranger must not learn of it) /
    NotPermitted (a known person who may not join, with the reason)."""
    if user is None or not user.is_authenticated:
        raise NotPermitted(_("Please sign in to join the call."), code="sign_in")
    booking = booking_for_call(booking_id)
    if booking.household.caregiver_id == user.pk:
        _check_approved(booking)
        return Seat(booking, CallRole.FAMILY)
    station = Station.objects.select_related("unit").filter(user_id=user.pk).first()
    if station is not None and station.unit_id == booking.resident.unit_id:
        return Seat(booking, CallRole.STATION, station)
    if station is not None:
        raise NotPermitted(_("This call is for another unit's station."), code="wrong_station")
    if Liaison.objects.filter(user_id=user.pk, facility_id=booking.session.facility_id).exists():
        return Seat(booking, CallRole.MONITOR)
    raise NotFound(_("We could not find that call."), code="call_not_found")


def _check_approved(booking: Booking) -> None:
    """The signed-in caregiver is herself an approved visitor of the resident, today."""
    today = booking.session.starts_at.astimezone(booking.session.facility.tz).date()
    approved = ApprovedVisitor.objects.filter(
        visitor__household_id=booking.household_id, visitor__is_caregiver=True,
        resident_id=booking.resident_id, status=ApprovalStatus.APPROVED,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    if not approved.exists():
        raise NotPermitted(
            _("You are not an approved visitor for this person, so you cannot join the call."),
            code="not_approved",
        )


def window_of(booking: Booking) -> tuple[dt.datetime, dt.datetime]:
    """When the call may be joined: a few minutes before the session, until its end."""
    session = booking.session
    opens = session.starts_at - dt.timedelta(minutes=settings.CALL_OPENS_MINUTES_BEFORE)
    return opens, session.ends_at


# Where a booking's call stands, for the call page (`call_phase`).
PHASE_OPEN = "open"  # the room is open: people can join
PHASE_EARLY = "early"  # it will open at the window's start by itself
PHASE_UNCONFIRMED = "unconfirmed"  # only requested: staff must confirm it first
PHASE_OFF = "off"  # cancelled, declined, on the waiting list, or the session is closed
PHASE_OVER = "over"  # the session has ended


def call_phase(booking: Booking, now: dt.datetime) -> str:
    """The call's phase at `now`; `check_callable` refuses every phase but PHASE_OPEN."""
    opens, ends = window_of(booking)
    if now >= ends:
        return PHASE_OVER
    if booking.session.status != SessionStatus.OPEN:
        return PHASE_OFF
    if booking.status == BookingStatus.REQUESTED:
        return PHASE_UNCONFIRMED
    if booking.status not in CALLABLE_STATUSES:
        return PHASE_OFF
    return PHASE_EARLY if now < opens else PHASE_OPEN


def check_callable(booking: Booking, now: dt.datetime) -> None:
    """Refuse a call for a booking or session that is not on, or outside its window."""
    if booking.status not in CALLABLE_STATUSES or booking.session.status != SessionStatus.OPEN:
        raise Conflict(_("This visit is not confirmed, so there is no call."),
                       code="not_confirmed")
    opens, ends = window_of(booking)
    zone = booking.session.facility.tz
    if now < opens:
        at = formats.time_format(opens.astimezone(zone), "TIME_FORMAT")
        raise Conflict(_("The call opens at %(time)s (facility time).") % {"time": at},
                       code="too_early", extra={"opens_at": opens.isoformat()})
    if now >= ends:
        raise Conflict(_("This call's time is over."), code="over")
