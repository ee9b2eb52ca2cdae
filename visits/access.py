"""Who may see and do what in visits: a caregiver her household, a liaison her facility."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from scheduler.errors import NotFound, NotPermitted
from visits.models import Booking, Facility, Household, Liaison


def household_of(user: AbstractBaseUser) -> Household:
    """The acting caregiver's household; NotPermitted for any other account."""
    try:
        return Household.objects.get(caregiver_id=user.pk)
    except Household.DoesNotExist:
        raise NotPermitted(_("Only a caregiver account can book visits.")) from None


def lock_household_of(user: AbstractBaseUser) -> Household:
    """The caregiver's household, locked for the caller's transaction (one query)."""
    try:
        return Household.objects.select_for_update().get(caregiver_id=user.pk)
    except Household.DoesNotExist:
        raise NotPermitted(_("Only a caregiver account can book visits.")) from None


def facility_of_liaison(user: AbstractBaseUser) -> Facility:
    """The facility this liaison runs; NotPermitted for any other account."""
    liaison = Liaison.objects.select_related("facility").filter(user_id=user.pk).first()
    if liaison is None:
        raise NotPermitted(_("Only facility staff can do this."))
    return liaison.facility


def is_caregiver(user: AbstractBaseUser) -> bool:
    return Household.objects.filter(caregiver_id=user.pk).exists()


def is_liaison(user: AbstractBaseUser) -> bool:
    return Liaison.objects.filter(user_id=user.pk).exists()


def booking_of_household(user: AbstractBaseUser, booking_id: int) -> Booking:
    """A booking of the caregiver's own household; other households' bookings are 'not found'
    (not 'forbidden') so their existence does not leak."""
    household = household_of(user)
    booking = Booking.objects.filter(pk=booking_id, household=household).first()
    if booking is None:
        raise NotFound(_("We could not find that booking."))
    return booking


def booking_of_facility(user: AbstractBaseUser, booking_id: int) -> Booking:
    facility = facility_of_liaison(user)
    booking = Booking.objects.filter(pk=booking_id, session__facility=facility).first()
    if booking is None:
        raise NotFound(_("We could not find that booking."))
    return booking
