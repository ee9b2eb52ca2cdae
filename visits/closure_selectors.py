"""Reads for the closures page: the facility's closures, and what a new one would do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from visits.access import facility_of_liaison
from visits.models import LIVE_STATUSES, Booking, Closure, Session, SessionStatus
from visits.services.liaison import sessions_in_days


@dataclass
class ClosurePreview:
    sessions: list[Session]  # the open sessions it closes, each with `live_count`
    bookings: int  # live bookings it cancels
    families: int  # households told
    # For a closure of some units: the facility-wide sessions of those days, which stay open
    # for the other units; `live_count` is the closed units' bookings in each.
    shared: list[Session] = field(default_factory=list)


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
    live = Q(session__in=sessions)
    shared = Session.objects.none()
    in_units = Q()
    if unit_ids:
        shared = sessions_in_days(facility, starts_on, ends_on, []).filter(
            status=SessionStatus.OPEN, unit__isnull=True)
        in_units = Q(bookings__resident__unit_id__in=unit_ids)
        live |= Q(session__in=shared, resident__unit_id__in=unit_ids)
    bookings = Booking.objects.filter(live, status__in=LIVE_STATUSES)
    return ClosurePreview(
        sessions=_with_live_counts(sessions, Q()),
        bookings=bookings.count(),
        families=bookings.values("household").distinct().count(),
        shared=_with_live_counts(shared, in_units),
    )


def _with_live_counts(sessions: QuerySet[Session], among: Q) -> list[Session]:
    """The sessions, soonest first, each with `live_count`: its live bookings (`among`)."""
    return list(sessions.select_related("unit").annotate(
        live_count=Count("bookings", filter=Q(bookings__status__in=LIVE_STATUSES) & among)
    ).order_by("starts_at", "pk"))
