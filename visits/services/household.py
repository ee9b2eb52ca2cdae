"""A caregiver's own writes about her household: open it at sign-up, add, change and remove
the people in her care."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduler.errors import Conflict, InvalidInput, NotFound
from visits.access import lock_household_of
from visits.models import LIVE_STATUSES, Household, Visitor

# Nobody alive is older; a year typed as 1026 instead of 1962 is caught here.
OLDEST_YEARS = 120


def check_person(*, first_name: str, last_name: str, date_of_birth: dt.date) -> None:
    """InvalidInput naming each field that is empty, too long or not a real birthday."""
    fields: dict[str, list[str]] = {}
    for name, value in (("first_name", first_name), ("last_name", last_name)):
        if not value.strip():
            fields[name] = [_("Please write the name.")]
        elif len(value.strip()) > Visitor._meta.get_field(name).max_length:
            fields[name] = [_("This name is too long.")]
    today = timezone.localdate()
    if date_of_birth > today:
        fields["date_of_birth"] = [_("The date of birth cannot be in the future.")]
    elif date_of_birth.year < today.year - OLDEST_YEARS:
        fields["date_of_birth"] = [_("Please check the year of birth.")]
    if fields:
        raise InvalidInput(fields=fields)


def household_open(
    *, user: AbstractBaseUser, first_name: str, last_name: str, date_of_birth: dt.date
) -> Household:
    """A new caregiver's household, with herself as its first visitor. Raises InvalidInput,
    Conflict (the account has a household already)."""
    check_person(first_name=first_name, last_name=last_name, date_of_birth=date_of_birth)
    with transaction.atomic():
        if Household.objects.filter(caregiver_id=user.pk).exists():
            raise Conflict(_("This account already has a household."))
        household = Household.objects.create(
            caregiver=user, name=f"{first_name.strip()} {last_name.strip()}")
        Visitor.objects.create(household=household, first_name=first_name.strip(),
                               last_name=last_name.strip(), date_of_birth=date_of_birth,
                               is_caregiver=True)
    return household


def visitor_add(
    *, actor: AbstractBaseUser, first_name: str, last_name: str, date_of_birth: dt.date
) -> Visitor:
    """Add a person in her care (a child or another adult). Raises NotPermitted,
    InvalidInput. Locks the household (a booking checks its visitors under the same lock)."""
    check_person(first_name=first_name, last_name=last_name, date_of_birth=date_of_birth)
    with transaction.atomic():
        household = lock_household_of(actor)
        return Visitor.objects.create(household=household, first_name=first_name.strip(),
                                      last_name=last_name.strip(), date_of_birth=date_of_birth)


def _own_visitor(household: Household, visitor_id: int) -> Visitor:
    """Another household's person is 'not found', so her existence does not leak."""
    visitor = Visitor.objects.filter(pk=visitor_id, household=household).first()
    if visitor is None:
        raise NotFound(_("We could not find that person."))
    return visitor


def visitor_update(
    *, actor: AbstractBaseUser, visitor_id: int, first_name: str, last_name: str,
    date_of_birth: dt.date,
) -> Visitor:
    """Correct a person's name or date of birth. Raises NotPermitted, NotFound, InvalidInput."""
    check_person(first_name=first_name, last_name=last_name, date_of_birth=date_of_birth)
    with transaction.atomic():
        visitor = _own_visitor(lock_household_of(actor), visitor_id)
        Visitor.objects.filter(pk=visitor.pk).update(
            first_name=first_name.strip(), last_name=last_name.strip(),
            date_of_birth=date_of_birth)
        visitor.refresh_from_db()
    return visitor


def visitor_remove(*, actor: AbstractBaseUser, visitor_id: int) -> None:
    """Remove a person from her household. Raises NotPermitted, NotFound, Conflict (the
    account holder herself, or someone on a visit that is still coming: cancel it first)."""
    with transaction.atomic():
        visitor = _own_visitor(lock_household_of(actor), visitor_id)
        if visitor.is_caregiver:
            raise Conflict(_("You cannot remove yourself from your own household."))
        if visitor.bookings.filter(status__in=LIVE_STATUSES).exists():
            raise Conflict(_("%(name)s is on a visit that is still coming. Cancel that visit "
                             "first, or keep %(name)s in the list.")
                           % {"name": visitor.first_name})
        if visitor.booking_visitors.exists():
            # Past visits keep who came (the facility's record): hide her name instead.
            raise Conflict(_("%(name)s has been on visits before, so the facility keeps the "
                             "record. You can change the name instead.")
                           % {"name": visitor.first_name})
        visitor.delete()
