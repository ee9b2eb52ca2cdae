"""Reads for the closures page: the facility's closures, and what a new one would do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q

from visits.access import facility_of_liaison
from visits.models import LIVE_STATUSES, Booking, Closure, Session, SessionStatus
from visits.services.liaison import sessions_in_days


@dataclass
class ClosurePreview:
    sessions: list[Session]  # the open sessions it closes, each with `live_count`
    bookings: int  # live bookings it cancels
    families: int  # households told


def closures_for_liaison(*, user: AbstractBaseUser, today: dt.date) -> list[Closure]:
    """The liaison's facility's closures that are not over yet, soonest first."""
    facility = facility_of_liaison(user)
    return list(Closure.objects.filter(facility=facility, ends_on__gte=today)
                .prefetch_related("units").order_by("starts_on", "pk"))


def closure_preview(
    *, user: AbstractBaseUser, starts_on: dt.date, ends_on: dt.date, unit_ids: list[int]
) -> ClosurePreview:
    """What `closure_create` with these values would close and cancel, without doing it."""
    facility = facility_of_liaison(user)
    sessions = sessions_in_days(facility, starts_on, ends_on, unit_ids).filter(
        status=SessionStatus.OPEN)
    live = Booking.objects.filter(session__in=sessions, status__in=LIVE_STATUSES)
    shown = sessions.select_related("unit").annotate(
        live_count=Count("bookings", filter=Q(bookings__status__in=LIVE_STATUSES))
    ).order_by("starts_at", "pk")
    return ClosurePreview(
        sessions=list(shown),
        bookings=live.count(),
        families=live.values("household").distinct().count(),
    )
