"""A household's data in its own hands: close it (the account is deleted) or purge it when
unused, keeping only what the facility's counts and the travel fund's ledger need, nameless.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from notifications.text import Text
from visits.application_models import private_storage
from visits.models import (
    HOLDING_STATUSES,
    LIVE_STATUSES,
    ApplicationVisitor,
    Booking,
    BookingStatus,
    CalendarToken,
    Household,
    VisitApplication,
    Visitor,
)
from visits.round_models import RequestStatus, VisitRequest
from visits.services.booking import release_place
from visits.services.common import lock_household, lock_session, now, tell_liaisons, transition

# A visitor row kept because a past booking points at it: no name, no birthday.
ERASED_NAME = "—"
ERASED_BIRTHDAY = dt.date(1900, 1, 1)


def household_close(*, household_id: int, actor: AbstractBaseUser | None) -> Household:
    """Cancel the household's future visits (the facility is told), withdraw its requests,
    delete its applications and consent forms, and erase its people's names. Past bookings
    stay, nameless (the facility's counts; the travel fund's ledger points at them).
    Locks the household, then each future booking's session."""
    with transaction.atomic():
        household = lock_household(household_id)
        _cancel_future_bookings(household, actor)
        VisitRequest.objects.filter(household=household, status=RequestStatus.PENDING).update(
            status=RequestStatus.WITHDRAWN)
        _delete_applications(household)
        _erase_people(household)
        CalendarToken.objects.filter(owner_id=household.caregiver_id).delete()
        Household.objects.filter(pk=household.pk).update(
            name=_closed_name(household.pk), phone="", distance_km=0, closed_at=now())
        household.refresh_from_db()
    return household


def _closed_name(pk: int) -> str:
    return f"Closed household {pk}"


def _cancel_future_bookings(household: Household, actor: AbstractBaseUser | None) -> None:
    future = (Booking.objects.filter(household=household, status__in=LIVE_STATUSES,
                                     session__starts_at__gt=now())
              .select_related("session__facility", "household__caregiver").order_by("pk"))
    for booking in future:
        session = lock_session(booking.session_id)
        booking.session = session
        old = transition(booking, to=BookingStatus.CANCELLED, actor=actor,
                         allowed_from=list(LIVE_STATUSES),
                         reason=gettext_noop("The family closed its account"))
        if old in HOLDING_STATUSES:
            release_place(session)
        tell_liaisons(booking, type="visits.booking.cancelled",
                      title=Text(gettext_noop("A family cancelled")), urgent=True)


def _delete_applications(household: Household) -> None:
    names = list(ApplicationVisitor.objects.filter(application__household=household)
                 .exclude(document="").values_list("document", flat=True))
    VisitApplication.objects.filter(household=household).delete()
    storage = private_storage()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


def _erase_people(household: Household) -> None:
    """Delete the people no booking remembers; blank the others."""
    Visitor.objects.filter(household=household, booking_visitors__isnull=True).delete()
    Visitor.objects.filter(household=household).update(
        first_name=ERASED_NAME, last_name="", date_of_birth=ERASED_BIRTHDAY)


def households_unused_since(cutoff: dt.datetime) -> list[int]:
    """Open households whose account is switched off, or unused since `cutoff` (no sign-in,
    no visit, no application after it): the retention purge closes them."""
    recent_visit = Q(bookings__session__starts_at__gte=cutoff)
    recent_application = Q(applications__updated_at__gte=cutoff)
    unused = (Q(caregiver__last_login__lt=cutoff)
              | Q(caregiver__last_login__isnull=True, caregiver__date_joined__lt=cutoff))
    return list(
        Household.objects.filter(closed_at__isnull=True)
        .filter(Q(caregiver__is_active=False) | unused)
        .exclude(recent_visit).exclude(recent_application)
        .values_list("pk", flat=True).distinct())
