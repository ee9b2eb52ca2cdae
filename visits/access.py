"""Who may see and do what in visits: a caregiver her household, a liaison her facility."""

from __future__ import annotations

import re

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils.translation import gettext_lazy as _

from scheduler.errors import NotFound, NotPermitted
from scheduler.rows import Rows, Statement
from visits.models import Booking, Facility, Household, Liaison


def household_of(user: AbstractBaseUser) -> Household:
    """The acting caregiver's household; NotPermitted for any other account."""
    try:
        return Household.objects.get(caregiver_id=user.pk)
    except Household.DoesNotExist:
        raise NotPermitted(_("Only a caregiver account can book visits.")) from None


def household_lock_statement(user: AbstractBaseUser) -> Statement:
    """Lock the caregiver's household row for the caller's transaction (with
    `household_from_rows`). Plain SQL: it runs on every booking attempt."""
    sql = f"SELECT id FROM {Household._meta.db_table} WHERE caregiver_id = %s"  # noqa: S608
    if connection.features.has_select_for_update:  # SQLite locks the whole file instead
        sql += " FOR UPDATE"
    return Statement(sql, [user.pk])


def household_from_rows(rows: Rows | None, user: AbstractBaseUser) -> Household:
    """A reference (id and caregiver only): booking needs the lock and the id."""
    if not rows:
        raise NotPermitted(_("Only a caregiver account can book visits."))
    return Household(pk=rows[0][0], caregiver_id=user.pk)


def facility_of_liaison(user: AbstractBaseUser) -> Facility:
    """The facility this liaison runs; NotPermitted for any other account."""
    liaison = Liaison.objects.select_related("facility").filter(user_id=user.pk).first()
    if liaison is None:
        raise NotPermitted(_("Only facility staff can do this."))
    return liaison.facility


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
