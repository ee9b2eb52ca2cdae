"""Reads of calls, each for the acting person."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from calls.access import CALLABLE_STATUSES
from calls.models import Call, CallPresence, Station
from visits.models import Booking, SessionStatus, VisitKind


def peers_on_call(*, booking_id: int, but: str = "") -> list[dict[str, str]]:
    """Who is on the call now (one entry per open socket), without the asker's own."""
    rows = (
        CallPresence.objects.filter(call__booking_id=booking_id, left_at__isnull=True)
        .exclude(peer=but).order_by("joined_at", "id")
    )
    return [{"peer": p.peer, "role": p.role, "name": p.name} for p in rows]


def peer_reachable(*, booking_id: int, peer: str) -> bool:
    """`peer` is on this booking's call now, and staff have not ended it."""
    return CallPresence.objects.filter(
        call__booking_id=booking_id, call__ended_at__isnull=True, peer=peer,
        left_at__isnull=True,
    ).exists()


def call_ended_reason(*, booking_id: int) -> str | None:
    row = Call.objects.filter(booking_id=booking_id, ended_at__isnull=False).first()
    return row.end_reason if row else None


def call_started(*, booking_id: int) -> bool:
    """Someone joined this booking's call and staff have not ended it."""
    return Call.objects.filter(booking_id=booking_id, ended_at__isnull=True).exists()


def station_of(user: AbstractBaseUser) -> Station | None:
    return Station.objects.select_related("unit__facility").filter(user_id=user.pk).first()


def station_calls(*, station: Station, now: dt.datetime, hours: int = 24) -> QuerySet[Booking]:
    """The station's unit's confirmed video calls, from the one under way to `hours` ahead."""
    return (
        Booking.objects.filter(
            resident__unit_id=station.unit_id, session__kind=VisitKind.VIDEO,
            session__status=SessionStatus.OPEN, status__in=CALLABLE_STATUSES,
            session__ends_at__gt=now, session__starts_at__lt=now + dt.timedelta(hours=hours),
        )
        .select_related("session__facility", "resident", "household")
        .order_by("session__starts_at", "id")
    )


def ended_reasons(*, booking_ids: list[int]) -> dict[int, str]:
    """Why staff ended each of these calls (only those they ended), in one query."""
    return dict(Call.objects.filter(booking_id__in=booking_ids, ended_at__isnull=False)
                .values_list("booking_id", "end_reason"))


def calls_now(*, facility_id: int, now: dt.datetime) -> list[Booking]:
    """A facility's confirmed video calls whose room is open now, each with `on_call` (who
    is on it: name and role) and `ended_reason`, for its liaisons."""
    bookings = list(
        Booking.objects.filter(
            session__facility_id=facility_id, session__kind=VisitKind.VIDEO,
            session__status=SessionStatus.OPEN, status__in=CALLABLE_STATUSES,
            # The room is open: it opens the setting's minutes before and closes at the end.
            session__ends_at__gt=now,
            session__starts_at__lte=now + dt.timedelta(
                minutes=settings.CALL_OPENS_MINUTES_BEFORE),
        )
        .select_related("session__facility", "resident__unit", "household")
        .order_by("session__starts_at", "id")
    )
    _attach_presence(bookings)
    return bookings


def _attach_presence(bookings: list[Booking]) -> None:
    """One query for everyone on these calls, and one for how each ended."""
    ids = [b.pk for b in bookings]
    on_call: dict[int, list[CallPresence]] = {pk: [] for pk in ids}
    for presence in CallPresence.objects.filter(call__booking_id__in=ids, left_at__isnull=True)\
            .select_related("call").order_by("joined_at", "id"):
        on_call[presence.call.booking_id].append(presence)
    ended = ended_reasons(booking_ids=ids)
    for booking in bookings:
        booking.on_call = on_call[booking.pk]
        booking.ended_reason = ended.get(booking.pk)
