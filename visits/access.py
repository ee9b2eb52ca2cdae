"""Who may see and do what in visits: a caregiver her household, a liaison her facility."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from scheduler.errors import NotFound, NotPermitted
from visits.models import Booking, Facility, Household, Liaison


def not_a_caregiver() -> NotPermitted:
    return NotPermitted(_("Only a caregiver account can book visits."))


def household_of(user: AbstractBaseUser) -> Household:
    """The acting caregiver's household; NotPermitted for any other account."""
    try:
        return Household.objects.get(caregiver_id=user.pk)
    except Household.DoesNotExist:
        raise not_a_caregiver() from None


def lock_household_of(user: AbstractBaseUser) -> Household:
    """The acting caregiver's household, locked for the caller's transaction (a booking
    checks its visitors and idempotency key under it); NotPermitted for any other account."""
    household = Household.objects.select_for_update().filter(caregiver_id=user.pk).first()
    if household is None:
        raise not_a_caregiver()
    return household


def facility_of_liaison(user: AbstractBaseUser) -> Facility:
    """The facility this liaison runs; NotPermitted for any other account."""
    liaison = Liaison.objects.select_related("facility").filter(user_id=user.pk).first()
    if liaison is None:
        raise NotPermitted(_("Only facility staff can do this."))
    return liaison.facility


# A live topic per facility: its sessions' places left. Public: no personal data.
PLACES_TOPIC = r"facility\.[0-9]{1,12}\.places"


def places_topic(facility_id: int) -> str:
    return f"facility.{facility_id}.places"


# A live topic per facility: "the roster changed", for that facility's liaisons only.
ROSTER_TOPIC = r"facility\.(?P<facility_id>[0-9]{1,12})\.roster"


def roster_topic(facility_id: int) -> str:
    return f"facility.{facility_id}.roster"


def may_follow_roster(user: AbstractBaseUser, match: re.Match[str]) -> bool:
    """Only a liaison of that facility hears its roster change."""
    return Liaison.objects.filter(
        user_id=user.pk, facility_id=int(match.group("facility_id"))
    ).exists()


def is_caregiver(user: AbstractBaseUser) -> bool:
    return Household.objects.filter(caregiver_id=user.pk).exists()


def is_liaison(user: AbstractBaseUser) -> bool:
    return Liaison.objects.filter(user_id=user.pk).exists()


# What the write services and their answers read of a booking: one query, not one per field.
BOOKING_RELATED = ("session__rule", "session__facility", "session__unit", "resident__facility",
                   "resident__unit", "household__caregiver")


def booking_of_household(user: AbstractBaseUser, booking_id: int) -> Booking:
    """A booking of the caregiver's own household; other households' bookings are 'not found'
    (not 'forbidden') so their existence does not leak."""
    booking = (
        Booking.objects.select_related(*BOOKING_RELATED)
        .filter(pk=booking_id, household__caregiver_id=user.pk).first()
    )
    if booking is None:
        household_of(user)  # NotPermitted for an account that is no caregiver
        raise NotFound(_("We could not find that booking."))
    return booking


def booking_of_facility(user: AbstractBaseUser, booking_id: int) -> Booking:
    """A booking at the liaison's own facility; others are 'not found'."""
    booking = (
        Booking.objects.select_related(*BOOKING_RELATED)
        .filter(pk=booking_id, session__facility__liaisons__user_id=user.pk).first()
    )
    if booking is None:
        facility_of_liaison(user)  # NotPermitted for an account that is no liaison
        raise NotFound(_("We could not find that booking."))
    return booking
